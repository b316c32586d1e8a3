// conv.cpp: conv1d / conv2d / conv3d: argument checks, PyTorch's padding rules ("same", "valid"), and the geometry.
#include <string>

#include "core/tensor_impl.h"
#include "octet/error.h"
#include "octet/functional/conv.h"
#include "ops/float/conv_common.h"

namespace octet::functional {
namespace detail {

void check_conv_float(const Tensor& t, const char* where, const char* name) {
  OCTET_CHECK(t.defined(), where, name, " is an undefined tensor");
  OCTET_CHECK(t.dtype() == kFloat32, where, "expected a float32 ", name, ", got ", t.dtype());
}

Shape expand_conv_param(const Shape& v, int spatial, const char* where, const char* name) {
  if (v.size() == 1) return Shape(static_cast<size_t>(spatial), v[0]);
  OCTET_CHECK(v.size() == static_cast<size_t>(spatial), where, name, " must have 1 or ", spatial, " values, got ",
              v.size(), " (", shape_to_string(v), ")");
  return v;
}

void check_conv_param_min(const Shape& v, int64_t min, const char* where, const char* name) {
  for (int64_t x : v) {
    OCTET_CHECK(x >= min, where, name, " must be ", min == 0 ? ">= 0" : "> 0", ", got ", shape_to_string(v));
  }
}

Tensor batched_conv_input(const Tensor& input, int spatial, const char* where) {
  OCTET_CHECK(input.dim() == spatial + 1 || input.dim() == spatial + 2, where, "expected a ", spatial + 1,
              "-D (unbatched) or ", spatial + 2, "-D (batched) input, got shape ", shape_to_string(input.shape()));
  return input.dim() == spatial + 1 ? input.unsqueeze(0) : input;
}

}  // namespace detail

namespace {

const char* const kWeightLayout[] = {"", "(out_channels, in_channels / groups, kW)",
                                     "(out_channels, in_channels / groups, kH, kW)",
                                     "(out_channels, in_channels / groups, kD, kH, kW)"};

Tensor conv_nd(const char* where, int spatial, const Tensor& input, const Tensor& weight, const Tensor& bias,
               const Shape& stride_arg, const ConvPadding& padding, const Shape& dilation_arg, int64_t groups) {
  using namespace detail;
  check_conv_float(input, where, "input");
  check_conv_float(weight, where, "weight");
  const Tensor x = batched_conv_input(input, spatial, where);
  OCTET_CHECK(weight.dim() == spatial + 2, where, "weight must be ", spatial + 2, "-D ", kWeightLayout[spatial],
              ", got shape ", shape_to_string(weight.shape()));
  OCTET_CHECK(groups >= 1, where, "groups must be >= 1, got ", groups);
  const int64_t C = x.size(1), Co = weight.size(0);
  OCTET_CHECK(Co % groups == 0, where, "out_channels (weight.size(0) = ", Co, ") must be divisible by groups (", groups,
              ")");
  OCTET_CHECK(weight.size(1) * groups == C, where, "input has ", C, " channels, but weight of shape ",
              shape_to_string(weight.shape()), " with groups ", groups, " expects ", weight.size(1) * groups,
              " (input shape ", shape_to_string(input.shape()), ")");
  if (bias.defined()) {
    check_conv_float(bias, where, "bias");
    OCTET_CHECK(bias.shape() == Shape{Co}, where, "bias must have shape [", Co, "] (out_channels), got ",
                shape_to_string(bias.shape()));
  }
  const Shape stride = expand_conv_param(stride_arg, spatial, where, "stride");
  const Shape dilation = expand_conv_param(dilation_arg, spatial, where, "dilation");
  check_conv_param_min(stride, 1, where, "stride");
  check_conv_param_min(dilation, 1, where, "dilation");
  for (int d = 0; d < spatial; ++d) {
    OCTET_CHECK(weight.size(2 + d) >= 1, where, "kernel sizes must be >= 1, got weight shape ",
                shape_to_string(weight.shape()));
  }
  Shape lo(static_cast<size_t>(spatial), 0), hi(static_cast<size_t>(spatial), 0);
  if (padding.is_mode()) {
    if (padding.mode() == "same") {
      for (int64_t s : stride) {
        OCTET_CHECK(s == 1, where, "padding='same' is not supported for strided convolutions (stride ",
                    shape_to_string(stride), ")");
      }
      // PyTorch: total = dilation * (kernel - 1), left = total / 2, the odd one on the right.
      for (int d = 0; d < spatial; ++d) {
        const int64_t total = dilation[d] * (weight.size(2 + d) - 1);
        lo[d] = total / 2;
        hi[d] = total - lo[d];
      }
    } else {
      OCTET_CHECK(padding.mode() == "valid", where, "padding must be \"same\", \"valid\" or sizes, got \"",
                  padding.mode(), "\"");
    }
  } else {
    lo = expand_conv_param(padding.sizes(), spatial, where, "padding");
    check_conv_param_min(lo, 0, where, "padding");
    hi = lo;
  }
  ConvGeom g;
  g.batch = x.size(0);
  g.in_channels = C;
  g.out_channels = Co;
  g.groups = groups;
  Shape out_shape{x.size(0), Co};
  for (int d = 0; d < spatial; ++d) {
    const int i = 3 - spatial + d;
    g.in[i] = x.size(2 + d);
    g.kernel[i] = weight.size(2 + d);
    g.stride[i] = stride[d];
    g.dilation[i] = dilation[d];
    g.pad_lo[i] = lo[d];
    g.pad_hi[i] = hi[d];
    const int64_t padded = g.in[i] + lo[d] + hi[d], extent = dilation[d] * (g.kernel[i] - 1) + 1;
    OCTET_CHECK(padded >= extent, where, "the dilated kernel (", extent, ") is larger than the padded input (", padded,
                ") in spatial dim ", d, " (input shape ", shape_to_string(input.shape()), ", weight shape ",
                shape_to_string(weight.shape()), ")");
    g.out[i] = (padded - extent) / stride[d] + 1;
    out_shape.push_back(g.out[i]);
  }
  Tensor out = octet::detail::empty_uninitialized(out_shape, kFloat32);
  if (out.numel() > 0) {
    const Tensor xc = x.contiguous(), wc = weight.contiguous();
    const Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
    conv_forward(xc.data_ptr<float>(), wc.data_ptr<float>(), bc.defined() ? bc.data_ptr<float>() : nullptr,
                 out.data_ptr<float>(), g);
  }
  return input.dim() == spatial + 1 ? out.squeeze(0) : out;
}

}  // namespace

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const ConvPadding& padding, const Shape& dilation, int64_t groups) {
  return conv_nd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const ConvPadding& padding, const Shape& dilation, int64_t groups) {
  return conv_nd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups);
}

Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
              const ConvPadding& padding, const Shape& dilation, int64_t groups) {
  return conv_nd("conv3d", 3, input, weight, bias, stride, padding, dilation, groups);
}

}  // namespace octet::functional
