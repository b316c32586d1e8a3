// conv.cpp: quantized conv{1,2,3}d[_relu] and conv_transpose{1,2,3}d: argument checks, geometry, the channels-last output, and the path.
#include <cmath>
#include <cstdint>
#include <string>

#include "core/tensor_impl.h"
#include "octet/error.h"
#include "ops/quantized/conv_packed.h"

namespace octet::quantized {
namespace {

using Impl = ConvPackedParams::Impl;

const char* op_name(int spatial, bool transposed) {
  static const char* const kConv[] = {"", "conv1d", "conv2d", "conv3d"};
  static const char* const kTransposed[] = {"", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"};
  return transposed ? kTransposed[spatial] : kConv[spatial];
}

const Impl& check_packed(const ConvPackedParamsPtr& packed, int spatial, bool transposed, const char* where) {
  OCTET_CHECK(packed != nullptr, where, "the packed params are null (use quantized::", op_name(spatial, transposed),
              "_prepack)");
  const Impl& p = packed->impl();
  OCTET_CHECK(p.spatial == spatial && p.transposed == transposed, where, "the packed params were made by ",
              op_name(p.spatial, p.transposed), "_prepack; this op needs ", op_name(spatial, transposed), "_prepack");
  return p;
}

void check_input(const Tensor& x, int spatial, const char* where) {
  OCTET_CHECK(x.defined(), where, "the input is an undefined tensor");
  OCTET_CHECK(x.is_quantized(), where, "expected a quantized input (quint8 or qint8), got ", x.dtype(),
              ": quantize it first (quantize_per_tensor)");
  OCTET_CHECK(x.dtype() == kQUInt8 || x.dtype() == kQInt8, where, "expected a quint8 or qint8 input, got ",
              x.dtype());
  OCTET_CHECK(!is_per_channel(x.qscheme()), where, "expected a per-tensor quantized input, got ", x.qscheme());
  OCTET_CHECK(x.dim() == spatial + 1 || x.dim() == spatial + 2, where, "expected a ", spatial + 1,
              "-D (unbatched) or ", spatial + 2, "-D (batched) input, got shape ", shape_to_string(x.shape()));
}

ConvOutputStage output_stage(DType dtype, double scale, int64_t zero_point, bool relu, const char* where) {
  const auto scale_f = static_cast<float>(scale);  // the value the output's dequantize multiplies by
  OCTET_CHECK(std::isfinite(scale_f) && scale_f > 0, where,
              "output_scale must be finite and > 0 (and representable in float32), got ", scale);
  ConvOutputStage st;
  st.is_signed = dtype == kQInt8;
  const int32_t lo = st.is_signed ? -128 : 0, hi = st.is_signed ? 127 : 255;
  OCTET_CHECK(zero_point >= lo && zero_point <= hi, where, "output_zero_point must lie in [", lo, ", ", hi, "] for ",
              dtype, ", got ", zero_point);
  st.zero_point = static_cast<int32_t>(zero_point);
  st.qmin = relu ? st.zero_point : lo;
  st.qmax = hi;
  return st;
}

// The input as (N, C, D, H, W): unbatched inputs gain N = 1, conv1d/conv2d gain unit D (and H).
Tensor as_5d(const Tensor& x, int spatial) {
  Tensor t = x.dim() == spatial + 1 ? x.unsqueeze(0) : x;
  for (int d = spatial; d < 3; ++d) t = t.unsqueeze(2);
  return t;
}

// Allocates the channels-last output (N, *out, C_out) and returns it viewed as (N, C_out, *out)
// (unbatched: without N).
Tensor channels_last_output(const QConvGeom& g, int spatial, bool unbatched, DType dtype, double scale,
                            int64_t zero_point, Tensor* storage) {
  Shape shape{g.batch};
  for (int d = 3 - spatial; d < 3; ++d) shape.push_back(g.out[d]);
  shape.push_back(g.out_channels);
  *storage = octet::detail::empty_quantized(shape, Quantizer::per_tensor(dtype, scale, zero_point), /*zero_fill=*/false);
  Shape perm{0, spatial + 1};
  for (int d = 1; d <= spatial; ++d) perm.push_back(d);
  Tensor out = storage->permute(perm);
  return unbatched ? out.select(0, 0) : out;
}

Tensor conv_nd(const char* where, int spatial, bool relu, const Tensor& input, const ConvPackedParamsPtr& packed,
               double output_scale, int64_t output_zero_point) {
  const Impl& p = check_packed(packed, spatial, /*transposed=*/false, where);
  check_input(input, spatial, where);
  const ConvOutputStage st = output_stage(input.dtype(), output_scale, output_zero_point, relu, where);
  const Tensor x = as_5d(input, spatial);
  OCTET_CHECK(x.size(1) == p.in_channels, where, "input has ", x.size(1), " channels, but the weight (",
              shape_to_string(p.weight.shape()), ", groups ", p.groups, ") expects ", p.in_channels, " (input shape ",
              shape_to_string(input.shape()), ")");
  QConvGeom g;
  g.batch = x.size(0);
  g.in_channels = p.in_channels;
  g.out_channels = p.out_channels;
  g.groups = p.groups;
  for (int d = 0; d < spatial; ++d) {
    const int i = 3 - spatial + d;
    const auto s = static_cast<size_t>(d);
    g.in[i] = x.size(2 + i);
    g.kernel[i] = p.kernel[s];
    g.stride[i] = p.stride[s];
    g.dilation[i] = p.dilation[s];
    g.pad[i] = p.padding[s];
    const int64_t padded = g.in[i] + 2 * g.pad[i], extent = g.dilation[i] * (g.kernel[i] - 1) + 1;
    OCTET_CHECK(padded >= extent, where, "the dilated kernel (", extent, ") is larger than the padded input (", padded,
                ") in spatial dim ", d, " (input shape ", shape_to_string(input.shape()), ", weight shape ",
                shape_to_string(p.weight.shape()), ", padding ", shape_to_string(p.padding), ")");
    g.out[i] = (padded - extent) / g.stride[i] + 1;
  }
  Tensor storage;
  Tensor out = channels_last_output(g, spatial, input.dim() == spatial + 1, input.dtype(), output_scale,
                                    output_zero_point, &storage);
  if (storage.numel() == 0) return out;
  const std::shared_ptr<const ConvRequant> rq = p.requant(x.q_scale(), output_scale, where);
  const auto za = static_cast<int32_t>(x.q_zero_point());
  auto* y = static_cast<uint8_t*>(storage.raw_data());
  if (p.path == Impl::Path::Depthwise) {
    conv_depthwise(p, g, x, za, st.is_signed, *rq, st, y);
  } else if (p.igemm_kc > 0) {
    // The kernels read the input in place: qint8 is copied once as offset bytes (a ^ 0x80 = a + 128).
    const ChannelsLastInput xin = channels_last_input(x, /*flip=*/st.is_signed ? 0x80 : 0x00, /*repeat=*/1);
    conv_igemm(p, g, xin.data, za + (st.is_signed ? 128 : 0), *rq, st, y);
  } else {
    const ChannelsLastInput xin = channels_last_input(x, /*flip=*/0, /*repeat=*/1);
    conv_gemm(p, g, xin.data, za, st.is_signed, *rq, st, y);
  }
  return out;
}

Tensor conv_transpose_nd(const char* where, int spatial, const Tensor& input, const ConvPackedParamsPtr& packed,
                         double output_scale, int64_t output_zero_point) {
  const Impl& p = check_packed(packed, spatial, /*transposed=*/true, where);
  check_input(input, spatial, where);
  const ConvOutputStage st = output_stage(input.dtype(), output_scale, output_zero_point, /*relu=*/false, where);
  const Tensor x = as_5d(input, spatial);
  OCTET_CHECK(x.size(1) == p.in_channels, where, "input has ", x.size(1), " channels, but the weight (",
              shape_to_string(p.weight.shape()), ") expects ", p.in_channels, " (weight.size(0); input shape ",
              shape_to_string(input.shape()), ")");
  QConvGeom g;
  g.batch = x.size(0);
  g.in_channels = p.in_channels;
  g.out_channels = p.out_channels;
  g.groups = p.groups;
  for (int d = 0; d < spatial; ++d) {
    const int i = 3 - spatial + d;
    const auto s = static_cast<size_t>(d);
    g.in[i] = x.size(2 + i);
    g.kernel[i] = p.kernel[s];
    g.stride[i] = p.stride[s];
    g.dilation[i] = p.dilation[s];
    g.pad[i] = p.padding[s];
    g.out[i] = (g.in[i] - 1) * g.stride[i] - 2 * g.pad[i] + g.dilation[i] * (g.kernel[i] - 1) +
               p.output_padding[s] + 1;
    OCTET_CHECK(g.out[i] >= 1, where, "the output size in spatial dim ", d, " would be ", g.out[i], " (input shape ",
                shape_to_string(input.shape()), ", weight shape ", shape_to_string(p.weight.shape()), ", padding ",
                shape_to_string(p.padding), ")");
  }
  Tensor storage;
  Tensor out = channels_last_output(g, spatial, input.dim() == spatial + 1, input.dtype(), output_scale,
                                    output_zero_point, &storage);
  if (storage.numel() == 0) return out;
  const std::shared_ptr<const ConvRequant> rq = p.requant(x.q_scale(), output_scale, where);
  const ChannelsLastInput xin = channels_last_input(x, /*flip=*/0, /*repeat=*/1);
  conv_transpose_gemm(p, g, xin.data, static_cast<int32_t>(x.q_zero_point()), st.is_signed, *rq, st,
                      static_cast<uint8_t*>(storage.raw_data()));
  return out;
}

}  // namespace

Tensor conv1d(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale, int64_t output_zero_point) {
  return conv_nd("quantized::conv1d", 1, false, input, packed, output_scale, output_zero_point);
}
Tensor conv2d(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale, int64_t output_zero_point) {
  return conv_nd("quantized::conv2d", 2, false, input, packed, output_scale, output_zero_point);
}
Tensor conv3d(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale, int64_t output_zero_point) {
  return conv_nd("quantized::conv3d", 3, false, input, packed, output_scale, output_zero_point);
}
Tensor conv1d_relu(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale,
                   int64_t output_zero_point) {
  return conv_nd("quantized::conv1d_relu", 1, true, input, packed, output_scale, output_zero_point);
}
Tensor conv2d_relu(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale,
                   int64_t output_zero_point) {
  return conv_nd("quantized::conv2d_relu", 2, true, input, packed, output_scale, output_zero_point);
}
Tensor conv3d_relu(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale,
                   int64_t output_zero_point) {
  return conv_nd("quantized::conv3d_relu", 3, true, input, packed, output_scale, output_zero_point);
}
Tensor conv_transpose1d(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale,
                        int64_t output_zero_point) {
  return conv_transpose_nd("quantized::conv_transpose1d", 1, input, packed, output_scale, output_zero_point);
}
Tensor conv_transpose2d(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale,
                        int64_t output_zero_point) {
  return conv_transpose_nd("quantized::conv_transpose2d", 2, input, packed, output_scale, output_zero_point);
}
Tensor conv_transpose3d(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale,
                        int64_t output_zero_point) {
  return conv_transpose_nd("quantized::conv_transpose3d", 3, input, packed, output_scale, output_zero_point);
}

}  // namespace octet::quantized
