// conv_add.h: nn::intrinsic::quantized::ConvAdd2d and ConvAddReLU2d, torch.ao.nn.intrinsic.quantized's conv2d + add (+ relu) with one output quantization.
//
//   y = quantize([relu](conv2d(x) + dequantize(extra)), scale, zero_point)
//
// The conv result is never rounded on its own: only the sum is quantized, with this module's
// qparams, as PyTorch's onednn conv2d_add does. Octet computes it on the reference path -- the
// float conv of the dequantized input and weight (float bias), plus the dequantized extra input,
// then one quantization -- so it agrees with PyTorch's onednn kernel (which sums in int32 and
// float) to within one step. It is not a fast path; a model that needs speed keeps the conv and a
// QFunctional add (two roundings, both int8 kernels).
#pragma once

#include <memory>
#include <string>

#include "octet/nn/intrinsic/fused.h"
#include "octet/nn/quantized/conv.h"

namespace octet::nn::intrinsic::quantized {

// forward(x, extra): x and extra quantized (per tensor, the same dtype), extra shaped like the conv
// output. The single-input forward is an Error.
class ConvAdd2d : public Cloneable<ConvAdd2d, nn::quantized::Conv2d> {
 public:
  using Cloneable<ConvAdd2d, nn::quantized::Conv2d>::Cloneable;
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input, const Tensor& extra_input);
  std::string name() const override { return "QuantizedConvAdd2d"; }
  static std::shared_ptr<ConvAdd2d> from_float(const nn::intrinsic::ConvAdd2d& mod,
                                               const nn::quantized::FromFloatArgs& args);
};

class ConvAddReLU2d : public Cloneable<ConvAddReLU2d, nn::quantized::Conv2d> {
 public:
  using Cloneable<ConvAddReLU2d, nn::quantized::Conv2d>::Cloneable;
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input, const Tensor& extra_input);
  std::string name() const override { return "QuantizedConvAddReLU2d"; }
  static std::shared_ptr<ConvAddReLU2d> from_float(const nn::intrinsic::ConvAddReLU2d& mod,
                                                   const nn::quantized::FromFloatArgs& args);
};

}  // namespace octet::nn::intrinsic::quantized
