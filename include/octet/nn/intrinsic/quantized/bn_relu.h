// bn_relu.h: nn::intrinsic::quantized::BNReLU2d/3d, torch.ao.nn.intrinsic.quantized's batch norms with a ReLU on their output.
#pragma once

#include <memory>
#include <string>

#include "octet/nn/intrinsic/fused.h"
#include "octet/nn/quantized/normalization.h"

namespace octet::nn::intrinsic::quantized {

// relu(batch_norm(x)): octet::quantized::batch_norm2d/3d, then the integers clamped at the output
// zero point. That equals PyTorch's fused batch_norm2d_relu exactly: a negative value quantizes to
// at most the zero point, so clamping after rounding is clamping before.
class BNReLU2d : public Cloneable<BNReLU2d, nn::quantized::BatchNorm2d> {
 public:
  using Cloneable<BNReLU2d, nn::quantized::BatchNorm2d>::Cloneable;
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedBNReLU2d"; }
  static std::shared_ptr<BNReLU2d> from_float(const nn::intrinsic::BNReLU2d& mod,
                                              const nn::quantized::FromFloatArgs& args);
};

class BNReLU3d : public Cloneable<BNReLU3d, nn::quantized::BatchNorm3d> {
 public:
  using Cloneable<BNReLU3d, nn::quantized::BatchNorm3d>::Cloneable;
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedBNReLU3d"; }
  static std::shared_ptr<BNReLU3d> from_float(const nn::intrinsic::BNReLU3d& mod,
                                              const nn::quantized::FromFloatArgs& args);
};

}  // namespace octet::nn::intrinsic::quantized
