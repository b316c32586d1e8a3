// intrinsic_quantized.cpp: nn::intrinsic::quantized::LinearReLU, ConvReLU1d/2d/3d and BNReLU2d/3d: forward and from_float.
#include "octet/nn/intrinsic/fusion.h"
#include "octet/nn/intrinsic/quantized/bn_relu.h"
#include "octet/nn/intrinsic/quantized/conv_relu.h"
#include "octet/nn/intrinsic/quantized/linear_relu.h"
#include "octet/quantization/qconfig.h"
#include "octet/quantized/activation.h"
#include "octet/quantized/conv.h"
#include "octet/quantized/linear.h"
#include "qnn/qnn_util.h"

namespace octet::nn::intrinsic::quantized {

namespace qops = ::octet::quantized;
using nn::quantized::FromFloatArgs;
using nn::quantized::detail::conv_options_of;

// --- LinearReLU ------------------------------------------------------------------------------------

Tensor LinearReLU::forward(const Tensor& input) {
  nn::quantized::detail::check_quantized_input(input, error_name());
  OCTET_CHECK(input.dim() >= 1 && input.size(-1) == in_features(), name(), "expected an input of shape (*, ",
              in_features(), ") (in_features=", in_features(), "), got shape ", shape_to_string(input.shape()));
  return qops::linear_relu(input, packed_params(), scale(), zero_point());
}

std::shared_ptr<LinearReLU> LinearReLU::from_float(const nn::intrinsic::LinearReLU& mod, const FromFloatArgs& args) {
  const nn::Linear& linear = *mod.linear();
  auto q = std::make_shared<LinearReLU>(linear.in_features(), linear.out_features(),
                                        nn::quantized::LinearOptions{linear.bias.defined()});
  quantize_from(*q, linear, args);
  return q;
}

// --- ConvReLU1d/2d/3d ------------------------------------------------------------------------------

Tensor ConvReLU1d::forward(const Tensor& input) {
  return qops::conv1d_relu(prepare_input(input), packed_params(), scale(), zero_point());
}
Tensor ConvReLU2d::forward(const Tensor& input) {
  return qops::conv2d_relu(prepare_input(input), packed_params(), scale(), zero_point());
}
Tensor ConvReLU3d::forward(const Tensor& input) {
  return qops::conv3d_relu(prepare_input(input), packed_params(), scale(), zero_point());
}

#define OCTET_NNIQ_CONV_RELU(Name)                                                                               \
  std::shared_ptr<Name> Name::from_float(const nn::intrinsic::Name& mod, const FromFloatArgs& args) {            \
    auto q = std::make_shared<Name>(mod.conv()->in_channels(), mod.conv()->out_channels(),                     \
                                    mod.conv()->kernel_size(), conv_options_of(*mod.conv()));                  \
    q->quantize_from(*mod.conv(), args, quantization::default_per_channel_weight_observer());                  \
    return q;                                                                                                    \
  }

OCTET_NNIQ_CONV_RELU(ConvReLU1d)
OCTET_NNIQ_CONV_RELU(ConvReLU2d)
OCTET_NNIQ_CONV_RELU(ConvReLU3d)
#undef OCTET_NNIQ_CONV_RELU

// ConvBnReLU in eval mode: the BatchNorm folded into the conv, then as ConvReLU.
#define OCTET_NNIQ_CONV_BN_RELU(Name, BnReLU)                                                                    \
  std::shared_ptr<Name> Name::from_float(const nn::intrinsic::BnReLU& mod, const FromFloatArgs& args) {          \
    const auto fused = nn::utils::fuse_conv_bn_eval(*mod.conv(), *mod.bn());                                   \
    auto q = std::make_shared<Name>(fused->in_channels(), fused->out_channels(), fused->kernel_size(),          \
                                    conv_options_of(*fused));                                                  \
    q->quantize_from(*fused, args, quantization::default_per_channel_weight_observer());                       \
    return q;                                                                                                    \
  }

OCTET_NNIQ_CONV_BN_RELU(ConvReLU1d, ConvBnReLU1d)
OCTET_NNIQ_CONV_BN_RELU(ConvReLU2d, ConvBnReLU2d)
OCTET_NNIQ_CONV_BN_RELU(ConvReLU3d, ConvBnReLU3d)
#undef OCTET_NNIQ_CONV_BN_RELU

// --- BNReLU2d/3d -----------------------------------------------------------------------------------

Tensor BNReLU2d::forward(const Tensor& input) { return qops::relu(nn::quantized::BatchNorm2d::forward(input)); }
Tensor BNReLU3d::forward(const Tensor& input) { return qops::relu(nn::quantized::BatchNorm3d::forward(input)); }

std::shared_ptr<BNReLU2d> BNReLU2d::from_float(const nn::intrinsic::BNReLU2d& mod, const FromFloatArgs& args) {
  const nn::BatchNorm2d& bn = *mod.bn();
  auto q = std::make_shared<BNReLU2d>(bn.num_features(),
                                      nn::quantized::BatchNormOptions{bn.eps(), bn.momentum().value_or(0.1)});
  q->copy_from(bn, args);
  return q;
}

std::shared_ptr<BNReLU3d> BNReLU3d::from_float(const nn::intrinsic::BNReLU3d& mod, const FromFloatArgs& args) {
  const nn::BatchNorm3d& bn = *mod.bn();
  auto q = std::make_shared<BNReLU3d>(bn.num_features(),
                                      nn::quantized::BatchNormOptions{bn.eps(), bn.momentum().value_or(0.1)});
  q->copy_from(bn, args);
  return q;
}

}  // namespace octet::nn::intrinsic::quantized
