// conv_transpose.cpp: conv_transpose1d/2d/3d as a GEMM (weight^T x input) followed by col2im scatter-adds.
//
// Per image and group: cols[C_out/g * taps x P_in] = W_g^T[C_out/g * taps x C_in/g] * x_g[C_in/g x P_in],
// then every cols row (co, kd, kh, kw) is added into output channel co at
// (i * stride - padding + k * dilation) for each input position i (the adjoint of im2col).
#include <algorithm>
#include <string>

#include "core/tensor_impl.h"
#include "octet/engine.h"
#include "octet/error.h"
#include "octet/functional/conv.h"
#include "ops/float/conv_common.h"
#include "ops/float/gemm.h"

namespace octet::functional {
namespace {

using detail::ConvGeom;

// out channel co (OD x OH x OW) += the rows of cols for co (taps rows of P_in each).
void col2im_channel(const float* cols, const ConvGeom& g, float* out) {
  const int64_t taps = g.kernel_size();
  const int64_t ID = g.in[0], IH = g.in[1], IW = g.in[2];
  const int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2];
  for (int64_t t = 0; t < taps; ++t) {
    const int64_t kd = t / (g.kernel[1] * g.kernel[2]), kh = t / g.kernel[2] % g.kernel[1], kw = t % g.kernel[2];
    const float* row = cols + t * g.in_size();
    // Input columns iw whose output column iw * sw - pw + kw * dw lies in [0, OW).
    const int64_t off_w = kw * g.dilation[2] - g.pad_lo[2], sw = g.stride[2];
    int64_t iw0 = 0;
    while (iw0 < IW && iw0 * sw + off_w < 0) ++iw0;
    int64_t iw1 = IW;
    while (iw1 > iw0 && (iw1 - 1) * sw + off_w >= OW) --iw1;
    if (iw0 >= iw1) continue;
    for (int64_t id = 0; id < ID; ++id) {
      const int64_t od = id * g.stride[0] - g.pad_lo[0] + kd * g.dilation[0];
      if (od < 0 || od >= OD) continue;
      for (int64_t ih = 0; ih < IH; ++ih) {
        const int64_t oh = ih * g.stride[1] - g.pad_lo[1] + kh * g.dilation[1];
        if (oh < 0 || oh >= OH) continue;
        const float* src = row + (id * IH + ih) * IW;
        float* dst = out + (od * OH + oh) * OW;
        if (sw == 1) {
          for (int64_t iw = iw0; iw < iw1; ++iw) dst[iw + off_w] += src[iw];
        } else {
          for (int64_t iw = iw0; iw < iw1; ++iw) dst[iw * sw + off_w] += src[iw];
        }
      }
    }
  }
}

// One (image, group) on `threads` threads; wt is the transposed weight of this group.
void transpose_item(const float* x, const float* wt, const float* bias, float* y, const ConvGeom& g, int64_t n,
                    int64_t grp, int threads) {
  const int64_t cig = g.in_channels / g.groups, cog = g.out_channels / g.groups, taps = g.kernel_size();
  const int64_t pin = g.in_size(), pout = g.out_size();
  float* cols = ops::thread_scratch(2, static_cast<size_t>(cog * taps * pin));
  ops::GemmOut o;
  o.c = cols;
  o.ldc = pin;
  ops::gemm(cog * taps, pin, cig, wt, cig, ops::DenseB(x + (n * g.in_channels + grp * cig) * pin, pin, 1), o, threads);
  float* out = y + (n * g.out_channels + grp * cog) * pout;
  const int nt = std::max(1, std::min<int>(threads, static_cast<int>(cog)));
#pragma omp parallel for num_threads(nt) schedule(dynamic, 4)
  for (int64_t co = 0; co < cog; ++co) {
    float* oc = out + co * pout;
    const float b = bias != nullptr ? bias[grp * cog + co] : 0.0f;
    std::fill(oc, oc + pout, b);
    col2im_channel(cols + co * taps * pin, g, oc);
  }
}

Tensor conv_transpose_nd(const char* where, int spatial, const Tensor& input, const Tensor& weight, const Tensor& bias,
                         const Shape& stride_arg, const Shape& padding_arg, const Shape& output_padding_arg,
                         int64_t groups, const Shape& dilation_arg) {
  using namespace detail;
  check_conv_float(input, where, "input");
  check_conv_float(weight, where, "weight");
  const Tensor x = batched_conv_input(input, spatial, where);
  OCTET_CHECK(weight.dim() == spatial + 2, where, "weight must be ", spatial + 2,
              "-D (in_channels, out_channels / groups, kernel...), got shape ", shape_to_string(weight.shape()));
  OCTET_CHECK(groups >= 1, where, "groups must be >= 1, got ", groups);
  const int64_t C = x.size(1);
  OCTET_CHECK(weight.size(0) == C, where, "input has ", C, " channels, but weight of shape ",
              shape_to_string(weight.shape()), " expects ", weight.size(0), " (weight.size(0); input shape ",
              shape_to_string(input.shape()), ")");
  OCTET_CHECK(C % groups == 0, where, "in_channels (", C, ") must be divisible by groups (", groups, ")");
  const int64_t Co = weight.size(1) * groups;
  if (bias.defined()) {
    check_conv_float(bias, where, "bias");
    OCTET_CHECK(bias.shape() == Shape{Co}, where, "bias must have shape [", Co,
                "] (out_channels = weight.size(1) * groups), got ", shape_to_string(bias.shape()));
  }
  const Shape stride = expand_conv_param(stride_arg, spatial, where, "stride");
  const Shape padding = expand_conv_param(padding_arg, spatial, where, "padding");
  const Shape output_padding = expand_conv_param(output_padding_arg, spatial, where, "output_padding");
  const Shape dilation = expand_conv_param(dilation_arg, spatial, where, "dilation");
  check_conv_param_min(stride, 1, where, "stride");
  check_conv_param_min(padding, 0, where, "padding");
  check_conv_param_min(output_padding, 0, where, "output_padding");
  check_conv_param_min(dilation, 1, where, "dilation");
  ConvGeom g;
  g.batch = x.size(0);
  g.in_channels = C;
  g.out_channels = Co;
  g.groups = groups;
  Shape out_shape{x.size(0), Co};
  for (int d = 0; d < spatial; ++d) {
    OCTET_CHECK(weight.size(2 + d) >= 1, where, "kernel sizes must be >= 1, got weight shape ",
                shape_to_string(weight.shape()));
    OCTET_CHECK(output_padding[d] < stride[d] || output_padding[d] < dilation[d], where,
                "output_padding must be smaller than either stride or dilation, got output_padding ",
                shape_to_string(output_padding), ", stride ", shape_to_string(stride), ", dilation ",
                shape_to_string(dilation));
    const int i = 3 - spatial + d;
    g.in[i] = x.size(2 + d);
    g.kernel[i] = weight.size(2 + d);
    g.stride[i] = stride[d];
    g.dilation[i] = dilation[d];
    g.pad_lo[i] = padding[d];
    g.pad_hi[i] = padding[d];
    g.out[i] = (g.in[i] - 1) * stride[d] - 2 * padding[d] + dilation[d] * (g.kernel[i] - 1) + output_padding[d] + 1;
    OCTET_CHECK(g.out[i] >= 1, where, "the output size in spatial dim ", d, " would be ", g.out[i],
                " (input shape ", shape_to_string(input.shape()), ", weight shape ", shape_to_string(weight.shape()),
                ", padding ", shape_to_string(padding), ")");
    out_shape.push_back(g.out[i]);
  }
  Tensor out = octet::detail::empty_uninitialized(out_shape, kFloat32);
  if (out.numel() > 0) {
    const int64_t cig = C / groups, cog = Co / groups, taps = g.kernel_size();
    const Tensor xc = x.contiguous(), wc = weight.contiguous();
    const Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
    // W_g^T per group: rows (co, tap) of C_in/g values, K-contiguous for the GEMM.
    Tensor wt = octet::detail::empty_uninitialized({groups, cog * taps, cig}, kFloat32);
    const float* wp = wc.data_ptr<float>();
    float* tp = wt.data_ptr<float>();
    for (int64_t grp = 0; grp < groups; ++grp) {
      for (int64_t ci = 0; ci < cig; ++ci) {
        const float* src = wp + (grp * cig + ci) * cog * taps;
        for (int64_t r = 0; r < cog * taps; ++r) tp[(grp * cog * taps + r) * cig + ci] = src[r];
      }
    }
    const float* xp = xc.data_ptr<float>();
    const float* bp = bc.defined() ? bc.data_ptr<float>() : nullptr;
    float* yp = out.data_ptr<float>();
    const int64_t items = g.batch * groups;
    const double flops = 2.0 * static_cast<double>(g.batch * Co * taps) * static_cast<double>(cig * g.in_size());
    const int threads = ops::threads_for(flops, get_num_threads());
    if (items >= threads && threads > 1) {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
      for (int64_t i = 0; i < items; ++i) {
        const int64_t grp = i % groups;
        transpose_item(xp, tp + grp * cog * taps * cig, bp, yp, g, i / groups, grp, 1);
      }
    } else {
      for (int64_t i = 0; i < items; ++i) {
        const int64_t grp = i % groups;
        transpose_item(xp, tp + grp * cog * taps * cig, bp, yp, g, i / groups, grp, threads);
      }
    }
  }
  return input.dim() == spatial + 1 ? out.squeeze(0) : out;
}

}  // namespace

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
                        const Shape& padding, const Shape& output_padding, int64_t groups, const Shape& dilation) {
  return conv_transpose_nd("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation);
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
                        const Shape& padding, const Shape& output_padding, int64_t groups, const Shape& dilation) {
  return conv_transpose_nd("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation);
}

Tensor conv_transpose3d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Shape& stride,
                        const Shape& padding, const Shape& output_padding, int64_t groups, const Shape& dilation) {
  return conv_transpose_nd("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation);
}

}  // namespace octet::functional
