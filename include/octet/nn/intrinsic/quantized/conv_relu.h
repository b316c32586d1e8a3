// conv_relu.h: nn::intrinsic::quantized::ConvReLU1d/2d/3d, torch.ao.nn.intrinsic.quantized's convolutions with the ReLU fused into their output stage.
#pragma once

#include <memory>
#include <string>

#include "octet/nn/intrinsic/fused.h"
#include "octet/nn/quantized/conv.h"

namespace octet::nn::intrinsic::quantized {

// relu(conv(x)) in one pass (octet::quantized::conv{1,2,3}d_relu: the output clamped at its zero
// point); the rest is the quantized Conv's. from_float takes the fused float ConvReLU, or a
// ConvBnReLU in eval mode, whose BatchNorm is folded first (nn::utils::fuse_conv_bn_eval).
class ConvReLU1d : public Cloneable<ConvReLU1d, nn::quantized::Conv1d> {
 public:
  using Cloneable<ConvReLU1d, nn::quantized::Conv1d>::Cloneable;
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedConvReLU1d"; }
  static std::shared_ptr<ConvReLU1d> from_float(const nn::intrinsic::ConvReLU1d& mod,
                                                const nn::quantized::FromFloatArgs& args);
  static std::shared_ptr<ConvReLU1d> from_float(const nn::intrinsic::ConvBnReLU1d& mod,
                                                const nn::quantized::FromFloatArgs& args);
};

class ConvReLU2d : public Cloneable<ConvReLU2d, nn::quantized::Conv2d> {
 public:
  using Cloneable<ConvReLU2d, nn::quantized::Conv2d>::Cloneable;
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedConvReLU2d"; }
  static std::shared_ptr<ConvReLU2d> from_float(const nn::intrinsic::ConvReLU2d& mod,
                                                const nn::quantized::FromFloatArgs& args);
  static std::shared_ptr<ConvReLU2d> from_float(const nn::intrinsic::ConvBnReLU2d& mod,
                                                const nn::quantized::FromFloatArgs& args);
};

class ConvReLU3d : public Cloneable<ConvReLU3d, nn::quantized::Conv3d> {
 public:
  using Cloneable<ConvReLU3d, nn::quantized::Conv3d>::Cloneable;
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedConvReLU3d"; }
  static std::shared_ptr<ConvReLU3d> from_float(const nn::intrinsic::ConvReLU3d& mod,
                                                const nn::quantized::FromFloatArgs& args);
  static std::shared_ptr<ConvReLU3d> from_float(const nn::intrinsic::ConvBnReLU3d& mod,
                                                const nn::quantized::FromFloatArgs& args);
};

}  // namespace octet::nn::intrinsic::quantized
