// intrinsic_conv_add.cpp: nn::intrinsic::quantized::ConvAdd2d and ConvAddReLU2d on the reference path (one output quantization).
#include "octet/functional/activation.h"
#include "octet/functional/conv.h"
#include "octet/functional/elementwise.h"
#include "octet/nn/intrinsic/quantized/conv_add.h"
#include "octet/quantization/qconfig.h"
#include "octet/quantize.h"
#include "qnn/qnn_util.h"

namespace octet::nn::intrinsic::quantized {

namespace F = ::octet::functional;
using nn::quantized::FromFloatArgs;
using nn::quantized::detail::check_quantized_input;
using nn::quantized::detail::conv_options_of;

namespace {

// quantize([relu](conv2d(dequantize(x)) + dequantize(extra))): the conv in float on the dequantized
// weight with the float bias. The input goes through prepare_input first (checks, non-zero padding
// modes), so the packed geometry (zero padding inside the kernel or none) applies as is.
Tensor conv_add(const nn::quantized::Conv2d& m, const Tensor& xp, const Tensor& extra, bool relu) {
  const std::string where = m.error_name();
  check_quantized_input(extra, where, "extra input");
  OCTET_CHECK(extra.dtype() == xp.dtype(), where, "the extra input must have the input's dtype (", xp.dtype(),
              "), got ", extra.dtype());
  const octet::quantized::ConvPackedParams& p = *m.packed_params();
  const auto [w, b] = p.unpack();
  Tensor y = F::conv2d(xp.dequantize(), w.dequantize(), b, p.stride(), p.padding(), p.dilation(), p.groups());
  OCTET_CHECK(extra.shape() == y.shape(), where, "the extra input has shape ", shape_to_string(extra.shape()),
              ", the conv output ", shape_to_string(y.shape()));
  y = F::add(y, extra.dequantize());
  if (relu) y = F::relu(y);
  return quantize_per_tensor(y, m.scale(), m.zero_point(), xp.dtype());
}

}  // namespace

Tensor ConvAdd2d::forward(const Tensor& /*input*/) {
  OCTET_FAIL(name(), "forward takes two inputs (input, extra_input): conv2d(input) + extra_input");
}

Tensor ConvAdd2d::forward(const Tensor& input, const Tensor& extra_input) {
  return conv_add(*this, prepare_input(input), extra_input, /*relu=*/false);
}

Tensor ConvAddReLU2d::forward(const Tensor& /*input*/) {
  OCTET_FAIL(name(), "forward takes two inputs (input, extra_input): relu(conv2d(input) + extra_input)");
}

Tensor ConvAddReLU2d::forward(const Tensor& input, const Tensor& extra_input) {
  return conv_add(*this, prepare_input(input), extra_input, /*relu=*/true);
}

std::shared_ptr<ConvAdd2d> ConvAdd2d::from_float(const nn::intrinsic::ConvAdd2d& mod, const FromFloatArgs& args) {
  const nn::Conv2d& conv = *mod.conv();
  auto q = std::make_shared<ConvAdd2d>(conv.in_channels(), conv.out_channels(), conv.kernel_size(),
                                       conv_options_of(conv));
  q->quantize_from(conv, args, quantization::default_per_channel_weight_observer());
  return q;
}

std::shared_ptr<ConvAddReLU2d> ConvAddReLU2d::from_float(const nn::intrinsic::ConvAddReLU2d& mod,
                                                         const FromFloatArgs& args) {
  const nn::Conv2d& conv = *mod.conv();
  auto q = std::make_shared<ConvAddReLU2d>(conv.in_channels(), conv.out_channels(), conv.kernel_size(),
                                           conv_options_of(conv));
  q->quantize_from(conv, args, quantization::default_per_channel_weight_observer());
  return q;
}

}  // namespace octet::nn::intrinsic::quantized
