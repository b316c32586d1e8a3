// conv_modules.cpp: nn::quantized::Conv1d/2d/3d and ConvTranspose1d/2d/3d: constructors, forward and from_float.
#include "octet/nn/intrinsic/fused.h"
#include "octet/nn/intrinsic/fusion.h"
#include "octet/nn/quantized/conv.h"
#include "octet/quantization/qconfig.h"
#include "qnn/qnn_util.h"

namespace octet::nn::quantized {

namespace qops = ::octet::quantized;
using detail::conv_options_of;
using detail::conv_transpose_options_of;

// --- convolutions ----------------------------------------------------------------------------------

Conv1d::Conv1d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size, nn::ConvOptions o)
    : Cloneable("QuantizedConv1d", 1, false, in_channels, out_channels, kernel_size, o.stride, o.padding,
                o.padding_str, o.dilation, {0}, o.groups, o.bias, o.padding_mode) {}
Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size, nn::ConvOptions o)
    : Cloneable("QuantizedConv2d", 2, false, in_channels, out_channels, kernel_size, o.stride, o.padding,
                o.padding_str, o.dilation, {0}, o.groups, o.bias, o.padding_mode) {}
Conv3d::Conv3d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size, nn::ConvOptions o)
    : Cloneable("QuantizedConv3d", 3, false, in_channels, out_channels, kernel_size, o.stride, o.padding,
                o.padding_str, o.dilation, {0}, o.groups, o.bias, o.padding_mode) {}

Tensor Conv1d::forward(const Tensor& input) {
  return qops::conv1d(prepare_input(input), packed_params(), scale(), zero_point());
}
Tensor Conv2d::forward(const Tensor& input) {
  return qops::conv2d(prepare_input(input), packed_params(), scale(), zero_point());
}
Tensor Conv3d::forward(const Tensor& input) {
  return qops::conv3d(prepare_input(input), packed_params(), scale(), zero_point());
}

std::shared_ptr<Conv1d> Conv1d::from_float(const nn::Conv1d& mod, const FromFloatArgs& args) {
  auto q = std::make_shared<Conv1d>(mod.in_channels(), mod.out_channels(), mod.kernel_size(), conv_options_of(mod));
  q->quantize_from(mod, args, quantization::default_per_channel_weight_observer());
  return q;
}
std::shared_ptr<Conv2d> Conv2d::from_float(const nn::Conv2d& mod, const FromFloatArgs& args) {
  auto q = std::make_shared<Conv2d>(mod.in_channels(), mod.out_channels(), mod.kernel_size(), conv_options_of(mod));
  q->quantize_from(mod, args, quantization::default_per_channel_weight_observer());
  return q;
}
std::shared_ptr<Conv3d> Conv3d::from_float(const nn::Conv3d& mod, const FromFloatArgs& args) {
  auto q = std::make_shared<Conv3d>(mod.in_channels(), mod.out_channels(), mod.kernel_size(), conv_options_of(mod));
  q->quantize_from(mod, args, quantization::default_per_channel_weight_observer());
  return q;
}

std::shared_ptr<Conv1d> Conv1d::from_float(const nn::intrinsic::ConvBn1d& mod, const FromFloatArgs& args) {
  return from_float(*nn::utils::fuse_conv_bn_eval(*mod.conv(), *mod.bn()), args);
}
std::shared_ptr<Conv2d> Conv2d::from_float(const nn::intrinsic::ConvBn2d& mod, const FromFloatArgs& args) {
  return from_float(*nn::utils::fuse_conv_bn_eval(*mod.conv(), *mod.bn()), args);
}
std::shared_ptr<Conv3d> Conv3d::from_float(const nn::intrinsic::ConvBn3d& mod, const FromFloatArgs& args) {
  return from_float(*nn::utils::fuse_conv_bn_eval(*mod.conv(), *mod.bn()), args);
}

// --- transposed convolutions -------------------------------------------------------------------------

ConvTranspose1d::ConvTranspose1d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size,
                                 nn::ConvTransposeOptions o)
    : Cloneable("QuantizedConvTranspose1d", 1, true, in_channels, out_channels, kernel_size, o.stride, o.padding, "",
                o.dilation, o.output_padding, o.groups, o.bias, o.padding_mode) {}
ConvTranspose2d::ConvTranspose2d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size,
                                 nn::ConvTransposeOptions o)
    : Cloneable("QuantizedConvTranspose2d", 2, true, in_channels, out_channels, kernel_size, o.stride, o.padding, "",
                o.dilation, o.output_padding, o.groups, o.bias, o.padding_mode) {}
ConvTranspose3d::ConvTranspose3d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size,
                                 nn::ConvTransposeOptions o)
    : Cloneable("QuantizedConvTranspose3d", 3, true, in_channels, out_channels, kernel_size, o.stride, o.padding, "",
                o.dilation, o.output_padding, o.groups, o.bias, o.padding_mode) {}

Tensor ConvTranspose1d::forward(const Tensor& input) {
  return qops::conv_transpose1d(prepare_input(input), packed_params(), scale(), zero_point());
}
Tensor ConvTranspose2d::forward(const Tensor& input) {
  return qops::conv_transpose2d(prepare_input(input), packed_params(), scale(), zero_point());
}
Tensor ConvTranspose3d::forward(const Tensor& input) {
  return qops::conv_transpose3d(prepare_input(input), packed_params(), scale(), zero_point());
}

// PyTorch's x86 qconfig mapping gives transposed convolutions per-tensor weights.
std::shared_ptr<ConvTranspose1d> ConvTranspose1d::from_float(const nn::ConvTranspose1d& mod,
                                                             const FromFloatArgs& args) {
  auto q = std::make_shared<ConvTranspose1d>(mod.in_channels(), mod.out_channels(), mod.kernel_size(),
                                             conv_transpose_options_of(mod));
  q->quantize_from(mod, args, quantization::default_weight_observer());
  return q;
}
std::shared_ptr<ConvTranspose2d> ConvTranspose2d::from_float(const nn::ConvTranspose2d& mod,
                                                             const FromFloatArgs& args) {
  auto q = std::make_shared<ConvTranspose2d>(mod.in_channels(), mod.out_channels(), mod.kernel_size(),
                                             conv_transpose_options_of(mod));
  q->quantize_from(mod, args, quantization::default_weight_observer());
  return q;
}
std::shared_ptr<ConvTranspose3d> ConvTranspose3d::from_float(const nn::ConvTranspose3d& mod,
                                                             const FromFloatArgs& args) {
  auto q = std::make_shared<ConvTranspose3d>(mod.in_channels(), mod.out_channels(), mod.kernel_size(),
                                             conv_transpose_options_of(mod));
  q->quantize_from(mod, args, quantization::default_weight_observer());
  return q;
}

}  // namespace octet::nn::quantized
