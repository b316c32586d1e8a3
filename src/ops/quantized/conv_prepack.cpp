// conv_prepack.cpp: conv{1,2,3}d_prepack, conv_transpose{1,2,3}d_prepack, ConvPackedParams (accessors, unpack) and the per-call requantization constants.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "core/tensor_impl.h"
#include "kernels/qdwconv_kernels.h"
#include "octet/qparams.h"
#include "ops/quantized/conv_packed.h"

namespace octet::quantized {
namespace {

using Impl = ConvPackedParams::Impl;

// One value per spatial dim: a single value is repeated; any other count is an Error.
Shape expand_param(const Shape& v, int spatial, const char* where, const char* name) {
  if (v.size() == 1) return Shape(static_cast<size_t>(spatial), v[0]);
  OCTET_CHECK(v.size() == static_cast<size_t>(spatial), where, name, " must have 1 or ", spatial, " values, got ",
              v.size(), " (", shape_to_string(v), ")");
  return v;
}

void check_min(const Shape& v, int64_t min, const char* where, const char* name) {
  for (int64_t x : v) {
    OCTET_CHECK(x >= min, where, name, " must be ", min == 0 ? ">= 0" : "> 0", ", got ", shape_to_string(v));
  }
}

const char* weight_layout(int spatial, bool transposed) {
  static const char* const kConv[] = {"", "(out_channels, in_channels / groups, kW)",
                                      "(out_channels, in_channels / groups, kH, kW)",
                                      "(out_channels, in_channels / groups, kD, kH, kW)"};
  static const char* const kTransposed[] = {"", "(in_channels, out_channels / groups, kW)",
                                            "(in_channels, out_channels / groups, kH, kW)",
                                            "(in_channels, out_channels / groups, kD, kH, kW)"};
  return transposed ? kTransposed[spatial] : kConv[spatial];
}

void check_weight(const Tensor& w, int spatial, bool transposed, const char* where) {
  OCTET_CHECK(w.defined(), where, "the weight is an undefined tensor");
  OCTET_CHECK(w.is_quantized(), where, "expected a quantized qint8 weight, got ", w.dtype(),
              ": quantize it first (quantize_per_tensor, or quantize_per_channel along axis ", transposed ? 1 : 0,
              ")");
  OCTET_CHECK(w.dtype() == kQInt8, where, "expected a qint8 weight, got ", w.dtype());
  OCTET_CHECK(w.dim() == spatial + 2, where, "expected a ", spatial + 2, "-D weight ", weight_layout(spatial, transposed),
              ", got shape ", shape_to_string(w.shape()));
  const QScheme s = w.qscheme();
  OCTET_CHECK(s != QScheme::PerChannelAffineFloatQParams, where,
              "float zero points (per_channel_affine_float_qparams) are for embeddings, not convolution weights");
  if (is_per_channel(s)) {
    const int64_t axis = transposed ? 1 : 0;
    OCTET_CHECK(w.q_per_channel_axis() == axis, where, "a per-channel weight must be quantized along axis ", axis,
                transposed ? " (out_channels / groups: the output channel within its group)"
                           : " (out_channels)",
                ", got axis ", w.q_per_channel_axis());
  }
  for (int d = 0; d < spatial; ++d) {
    OCTET_CHECK(w.size(2 + d) >= 1, where, "kernel sizes must be >= 1, got weight shape ", shape_to_string(w.shape()));
  }
}

// Weight scales and zero points per output channel. Per-channel transposed weights carry one per
// output channel of a group (axis 1): output channel o uses entry o % cog.
void output_channel_qparams(Impl& p, const char* where) {
  const Quantizer& qz = *p.quantizer;
  const int64_t cog = p.out_channels / p.groups;
  p.scales.resize(static_cast<size_t>(p.out_channels));
  p.zero_points.resize(static_cast<size_t>(p.out_channels));
  for (int64_t o = 0; o < p.out_channels; ++o) {
    const auto i = static_cast<size_t>(p.transposed ? o % cog : o);
    p.scales[static_cast<size_t>(o)] = p.per_channel ? qz.scales()[i] : qz.scale();
    p.zero_points[static_cast<size_t>(o)] = static_cast<int32_t>(p.per_channel ? qz.zero_points()[i] : qz.zero_point());
  }
  for (size_t o = 0; o < p.scales.size(); ++o) {
    const auto f = static_cast<float>(p.scales[o]);
    OCTET_CHECK(std::isfinite(f) && f > 0, where, "weight scale ", p.scales[o], " (output channel ", o,
                ") is not a positive finite float32 value");
  }
}

void set_bias(Impl& p, const Tensor& bias, const char* where) {
  if (!bias.defined()) return;
  OCTET_CHECK(bias.is_floating_point(), where, "expected a floating-point bias, got ", bias.dtype(),
              " (the bias stays float and is quantized per call with the input's scale)");
  OCTET_CHECK(bias.dim() == 1 && bias.size(0) == p.out_channels, where, "expected a bias of shape [",
              p.out_channels, "] (out_channels), got ", shape_to_string(bias.shape()));
  p.bias = bias.to(kFloat32).contiguous().clone();
  const float* d = p.bias.data_ptr<float>();
  p.bias_values.assign(d, d + p.out_channels);
  for (int64_t o = 0; o < p.out_channels; ++o) {
    OCTET_CHECK(std::isfinite(d[o]), where, "bias[", o, "] is ", d[o], "; a bias must be finite");
  }
}

// Convolution weights (C_out, cig, kd, kh, kw) -> per group cog rows in (kd, kh, kw, c) order. With
// igemm segments (p.igemm_kc > 0) every kernel row (kd, kh) of KW * cig weights is followed by zeros
// up to igemm_kc bytes: K = KD * KH * igemm_kc, of which taps * cig are real (ops/quantized/conv_igemm.cpp).
void pack_gemm(Impl& p, const int8_t* w, int64_t taps) {
  const int64_t cig = p.in_channels / p.groups, cog = p.out_channels / p.groups, k_real = taps * cig;
  const int64_t kw = p.kernel.back(), run = kw * cig, kernel_rows = taps / kw;
  const int64_t seg = p.igemm_kc > 0 ? p.igemm_kc : run;
  const int64_t k = kernel_rows * seg;
  std::vector<int8_t> rows(static_cast<size_t>(cog * k), 0);
  for (int64_t grp = 0; grp < p.groups; ++grp) {
    for (int64_t co = 0; co < cog; ++co) {
      const int8_t* src = w + (grp * cog + co) * cig * taps;  // [c][tap]
      int8_t* dst = rows.data() + co * k;                     // [kernel row][kw][c], segments of seg bytes
      for (int64_t c = 0; c < cig; ++c) {
        for (int64_t t = 0; t < taps; ++t) dst[t / kw * seg + t % kw * cig + c] = src[c * taps + t];
      }
    }
    const std::vector<int32_t> zps(p.zero_points.begin() + grp * cog, p.zero_points.begin() + (grp + 1) * cog);
    p.gemm.push_back(std::make_unique<ops::QGemmPackedWeights>(cog, k, rows.data(), k, zps, k_real));
  }
}

// Transposed weights (C_in, cog, kd, kh, kw) -> per group taps * cog rows (tap-major) of cig bytes:
// row t * cog + co, column ci is w[grp * cig + ci][co][t].
void pack_transposed(Impl& p, const int8_t* w, int64_t taps) {
  const int64_t cig = p.in_channels / p.groups, cog = p.out_channels / p.groups, n = taps * cog;
  std::vector<int8_t> rows(static_cast<size_t>(n * cig));
  for (int64_t grp = 0; grp < p.groups; ++grp) {
    for (int64_t ci = 0; ci < cig; ++ci) {
      const int8_t* src = w + (grp * cig + ci) * cog * taps;  // [co][tap]
      for (int64_t co = 0; co < cog; ++co) {
        for (int64_t t = 0; t < taps; ++t) rows[static_cast<size_t>((t * cog + co) * cig + ci)] = src[co * taps + t];
      }
    }
    std::vector<int32_t> zps(static_cast<size_t>(n));
    for (int64_t t = 0; t < taps; ++t) {
      for (int64_t co = 0; co < cog; ++co) zps[static_cast<size_t>(t * cog + co)] = p.zero_points[static_cast<size_t>(grp * cog + co)];
    }
    p.gemm.push_back(std::make_unique<ops::QGemmPackedWeights>(n, cig, rows.data(), cig, zps));
  }
}

// Depthwise weights (C_out, 1, kd, kh, kw): one row of taps per output channel, reordered to the
// column-major tap order (kw, kd, kh) the indirection uses (ops/quantized/conv_depthwise.cpp).
void pack_depthwise(Impl& p, const int8_t* w, int64_t taps) {
  const auto c = static_cast<size_t>(p.out_channels), t = static_cast<size_t>(taps);
  const int64_t kw_count = p.kernel.back(), kdh = taps / kw_count;
  std::vector<int8_t> cols(c * t);
  for (size_t o = 0; o < c; ++o) {
    for (int64_t dh = 0; dh < kdh; ++dh) {
      for (int64_t kw = 0; kw < kw_count; ++kw) {
        cols[o * t + static_cast<size_t>(kw * kdh + dh)] = w[o * t + static_cast<size_t>(dh * kw_count + kw)];
      }
    }
  }
  p.dw_weights.resize(kernels::qdwconv_packed_size(c, t));
  p.dw_weight_sums.resize(c);
  kernels::qdwconv_pack_weights(c, t, cols.data(), t, p.zero_points.data(), /*per_channel=*/true,
                                p.dw_weights.data(), p.dw_weight_sums.data());
  // The row-quad form (AVX-512 VNNI, conv_depthwise.cpp): 3 kernel rows of at most 4 taps without
  // width dilation, every w - zw inside int8.
  if (kdh == 3 && kw_count <= 4 && p.dilation.back() == 1 &&
      kernels::qdwconv_rowq_weights_fit(c, t, p.dw_weights.data())) {
    p.dw_rowq_weights.resize(kernels::qdwconv_rowq_packed_size(c));
    kernels::qdwconv_rowq_pack_weights(c, static_cast<size_t>(kw_count), p.dw_weights.data(), p.dw_rowq_weights.data());
  }
}

ConvPackedParamsPtr prepack(const char* where, int spatial, bool transposed, const Tensor& weight, const Tensor& bias,
                            const Shape& stride_arg, const Shape& padding_arg, const Shape& output_padding_arg,
                            const Shape& dilation_arg, int64_t groups) {
  check_weight(weight, spatial, transposed, where);
  OCTET_CHECK(groups >= 1, where, "groups must be >= 1, got ", groups);
  auto p = std::make_shared<Impl>();
  p->spatial = spatial;
  p->transposed = transposed;
  p->groups = groups;
  p->stride = expand_param(stride_arg, spatial, where, "stride");
  p->padding = expand_param(padding_arg, spatial, where, "padding");
  p->output_padding = expand_param(output_padding_arg, spatial, where, "output_padding");
  p->dilation = expand_param(dilation_arg, spatial, where, "dilation");
  check_min(p->stride, 1, where, "stride");
  check_min(p->padding, 0, where, "padding");
  check_min(p->output_padding, 0, where, "output_padding");
  check_min(p->dilation, 1, where, "dilation");
  for (int d = 0; d < spatial; ++d) {
    const size_t i = static_cast<size_t>(d);
    OCTET_CHECK(p->output_padding[i] < p->stride[i] || p->output_padding[i] < p->dilation[i], where,
                "output_padding must be smaller than either stride or dilation, got output_padding ",
                shape_to_string(p->output_padding), ", stride ", shape_to_string(p->stride), ", dilation ",
                shape_to_string(p->dilation));
  }
  p->kernel = Shape(weight.shape().begin() + 2, weight.shape().end());
  if (transposed) {
    p->in_channels = weight.size(0);
    OCTET_CHECK(p->in_channels % groups == 0, where, "in_channels (weight.size(0) = ", p->in_channels,
                ") must be divisible by groups (", groups, ")");
    p->out_channels = weight.size(1) * groups;
  } else {
    p->out_channels = weight.size(0);
    OCTET_CHECK(p->out_channels % groups == 0, where, "out_channels (weight.size(0) = ", p->out_channels,
                ") must be divisible by groups (", groups, ")");
    p->in_channels = weight.size(1) * groups;
  }
  if (transposed && is_per_channel(weight.qscheme())) {
    OCTET_CHECK(weight.size(1) == weight.quantizer()->num_channels(), where, "per-channel weight has ",
                weight.quantizer()->num_channels(), " scales along axis 1, expected ", weight.size(1));
  }
  p->weight = weight.contiguous().clone();
  p->quantizer = weight.quantizer();
  p->per_channel = is_per_channel(weight.qscheme());
  output_channel_qparams(*p, where);
  set_bias(*p, bias, where);

  const int8_t* w = p->weight.data_ptr<int8_t>();
  int64_t taps = 1;
  for (int64_t k : p->kernel) taps *= k;
  if (transposed) {
    p->path = Impl::Path::Transposed;
    pack_transposed(*p, w, taps);
  } else if (p->in_channels == groups && groups > 1) {
    // One input channel per group: depthwise (C_out = multiplier * C_in), whatever the multiplier. A
    // single-channel input (groups 1, a grayscale stem) is a GEMM over its taps instead: the depthwise
    // kernels would copy the input once per output channel; the indirect GEMM reads it in place
    // (FashionCNN int8, whose stem is 1 -> 16 channels: 3.1 -> 2.1 ms per batch of 64).
    p->path = Impl::Path::Depthwise;
    pack_depthwise(*p, w, taps);
  } else {
    p->path = Impl::Path::Gemm;
    p->igemm_kc = conv_igemm_segment_bytes(*p);
    pack_gemm(*p, w, taps);
  }
  return std::make_shared<const ConvPackedParams>(std::move(p));
}

}  // namespace

ConvPackedParams::ConvPackedParams(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

int64_t ConvPackedParams::spatial_dims() const { return impl_->spatial; }
bool ConvPackedParams::transposed() const { return impl_->transposed; }
const Shape& ConvPackedParams::stride() const { return impl_->stride; }
const Shape& ConvPackedParams::padding() const { return impl_->padding; }
const Shape& ConvPackedParams::output_padding() const { return impl_->output_padding; }
const Shape& ConvPackedParams::dilation() const { return impl_->dilation; }
int64_t ConvPackedParams::groups() const { return impl_->groups; }
int64_t ConvPackedParams::in_channels() const { return impl_->in_channels; }
int64_t ConvPackedParams::out_channels() const { return impl_->out_channels; }
const Shape& ConvPackedParams::kernel_size() const { return impl_->kernel; }
const QuantizerPtr& ConvPackedParams::weight_quantizer() const { return impl_->quantizer; }
const Tensor& ConvPackedParams::bias() const { return impl_->bias; }

std::pair<Tensor, Tensor> ConvPackedParams::unpack() const {
  return {impl_->weight.clone(), impl_->bias.defined() ? impl_->bias.clone() : Tensor()};
}

std::shared_ptr<const ConvRequant> ConvPackedParams::Impl::requant(double input_scale, double output_scale,
                                                                  const char* where) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (last_ != nullptr && last_->input_scale == input_scale && last_->output_scale == output_scale) return last_;
  }
  auto r = std::make_shared<ConvRequant>();
  r->input_scale = input_scale;
  r->output_scale = output_scale;
  const size_t n = scales.size();
  r->multiplier.resize(n);
  for (size_t o = 0; o < n; ++o) {
    // In double, rounded to float32 once: (sa * sw[o]) / out_scale.
    const auto m = static_cast<float>(input_scale * scales[o] / output_scale);
    OCTET_CHECK(std::isfinite(m) && m > 0, where,
                "the requantization multiplier input_scale * weight_scale / output_scale = ", input_scale, " * ",
                scales[o], " / ", output_scale, " (output channel ", o, ") is not a positive finite float32 value");
    r->multiplier[o] = m;
  }
  if (!bias_values.empty()) {
    r->bias_q.resize(n);
    for (size_t o = 0; o < n; ++o) {
      // The qint32 quantize rule with zero point 0 and scale (float)(sa * sw[o]).
      const auto bs = static_cast<float>(input_scale * scales[o]);
      OCTET_CHECK(bs > 0 && std::isfinite(1.0f / bs), where, "the bias scale input_scale * weight_scale = ",
                  input_scale, " * ", scales[o], " (output channel ", o,
                  ") has no finite float32 reciprocal, so the bias cannot be quantized");
      r->bias_q[o] = static_cast<int32_t>(quantize_value(bias_values[o], bs, 0, std::numeric_limits<int32_t>::min(),
                                                         std::numeric_limits<int32_t>::max()));
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  last_ = r;
  return r;
}

ConvPackedParamsPtr conv1d_prepack(const Tensor& weight, const Tensor& bias, const Shape& stride, const Shape& padding,
                                   const Shape& dilation, int64_t groups) {
  return prepack("quantized::conv1d_prepack", 1, false, weight, bias, stride, padding, {0}, dilation, groups);
}
ConvPackedParamsPtr conv2d_prepack(const Tensor& weight, const Tensor& bias, const Shape& stride, const Shape& padding,
                                   const Shape& dilation, int64_t groups) {
  return prepack("quantized::conv2d_prepack", 2, false, weight, bias, stride, padding, {0}, dilation, groups);
}
ConvPackedParamsPtr conv3d_prepack(const Tensor& weight, const Tensor& bias, const Shape& stride, const Shape& padding,
                                   const Shape& dilation, int64_t groups) {
  return prepack("quantized::conv3d_prepack", 3, false, weight, bias, stride, padding, {0}, dilation, groups);
}
ConvPackedParamsPtr conv_transpose1d_prepack(const Tensor& weight, const Tensor& bias, const Shape& stride,
                                             const Shape& padding, const Shape& output_padding, const Shape& dilation,
                                             int64_t groups) {
  return prepack("quantized::conv_transpose1d_prepack", 1, true, weight, bias, stride, padding, output_padding,
                 dilation, groups);
}
ConvPackedParamsPtr conv_transpose2d_prepack(const Tensor& weight, const Tensor& bias, const Shape& stride,
                                             const Shape& padding, const Shape& output_padding, const Shape& dilation,
                                             int64_t groups) {
  return prepack("quantized::conv_transpose2d_prepack", 2, true, weight, bias, stride, padding, output_padding,
                 dilation, groups);
}
ConvPackedParamsPtr conv_transpose3d_prepack(const Tensor& weight, const Tensor& bias, const Shape& stride,
                                             const Shape& padding, const Shape& output_padding, const Shape& dilation,
                                             int64_t groups) {
  return prepack("quantized::conv_transpose3d_prepack", 3, true, weight, bias, stride, padding, output_padding,
                 dilation, groups);
}

}  // namespace octet::quantized
