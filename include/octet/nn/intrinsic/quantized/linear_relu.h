// linear_relu.h: nn::intrinsic::quantized::LinearReLU, torch.ao.nn.intrinsic.quantized.LinearReLU: a quantized Linear with the ReLU fused into its output stage.
#pragma once

#include <memory>
#include <string>

#include "octet/nn/intrinsic/fused.h"
#include "octet/nn/quantized/linear.h"

namespace octet::nn::intrinsic::quantized {

// relu(linear(x)) in one pass: octet::quantized::linear_relu (the output clamped at its zero
// point). Everything else -- constructor, weight, state dict, printing "QuantizedLinearReLU(...)" --
// is nn::quantized::Linear's.
class LinearReLU : public Cloneable<LinearReLU, nn::quantized::Linear> {
 public:
  using Cloneable<LinearReLU, nn::quantized::Linear>::Cloneable;
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedLinearReLU"; }
  // From a fused float LinearReLU (its Linear's weight and bias; the output observer watched the
  // ReLU's output).
  static std::shared_ptr<LinearReLU> from_float(const nn::intrinsic::LinearReLU& mod,
                                                const nn::quantized::FromFloatArgs& args);
};

}  // namespace octet::nn::intrinsic::quantized
