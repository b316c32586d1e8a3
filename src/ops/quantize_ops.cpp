// quantize_ops.cpp: quantize / dequantize / requantize / make_* on Tensors, dispatched to the kernels.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include <omp.h>

#include "core/tensor_impl.h"
#include "kernels/quantize_kernels.h"
#include "octet/engine.h"
#include "octet/quantize.h"
#include "ops/float_range.h"

namespace octet {
namespace {

// Elements per parallel task: large enough that thread start-up is amortised, small enough that
// a 1M-element tensor spreads over every core.
constexpr int64_t kGrain = 32768;

// Runs fn(begin, end) over [0, n) in chunks, in parallel when the work is large enough.
template <typename Fn>
void parallel_chunks(int64_t n, Fn&& fn) {
  const int64_t chunks = (n + kGrain - 1) / kGrain;
  const int threads = get_num_threads();
  if (chunks <= 1 || threads == 1 || omp_in_parallel()) {
    if (n > 0) fn(int64_t{0}, n);
    return;
  }
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int64_t c = 0; c < chunks; ++c) fn(c * kGrain, std::min(n, (c + 1) * kGrain));
}

// Float input as a contiguous float32 tensor; an Error for anything that is not floating point.
Tensor float_input(const Tensor& x, const char* where) {
  OCTET_CHECK(x.defined(), where, "the input tensor is undefined");
  OCTET_CHECK(x.is_floating_point(), where, "expected a floating-point tensor (float32, float64, float16, "
              "bfloat16), got ", x.dtype(), (x.is_quantized() ? " (it is already quantized: use requantize)" : ""));
  return x.to(kFloat32).contiguous();
}

uint8_t* packed_bytes(const Tensor& q) { return static_cast<uint8_t*>(q.raw_data()); }

// Writes 4-bit values (already in 0..15) two per byte, element 2i in the low nibble.
template <typename QFn>
void pack_4bit(int64_t n, uint8_t* out, QFn&& q_of) {
  for (int64_t i = 0; i < n; i += 2) {
    const auto lo = static_cast<uint8_t>(q_of(i));
    const auto hi = static_cast<uint8_t>(i + 1 < n ? q_of(i + 1) : 0);
    out[i / 2] = static_cast<uint8_t>(lo | (hi << 4));
  }
}

int64_t unpack_4bit(const uint8_t* in, int64_t i) { return (i % 2 == 0) ? (in[i / 2] & 0x0f) : (in[i / 2] >> 4); }

// Per-tensor quantize of n contiguous floats into q's storage.
void quantize_contiguous(const float* x, const Tensor& q, int64_t n, float scale, int64_t zp) {
  const auto& k = kernels::quantize_kernels();
  const int64_t qmin = dtype_qmin(q.dtype()), qmax = dtype_qmax(q.dtype());
  const kernels::QuantizeParams p{1.0f / scale, static_cast<int32_t>(zp), static_cast<int32_t>(qmin),
                                  static_cast<int32_t>(qmax)};
  switch (q.dtype()) {
    case DType::QUInt8: {
      uint8_t* y = q.data_ptr<uint8_t>();
      parallel_chunks(n, [&](int64_t b, int64_t e) { k.f32_qu8_vquantize(static_cast<size_t>(e - b), x + b, y + b, &p); });
      break;
    }
    case DType::QInt8: {
      int8_t* y = q.data_ptr<int8_t>();
      parallel_chunks(n, [&](int64_t b, int64_t e) { k.f32_qs8_vquantize(static_cast<size_t>(e - b), x + b, y + b, &p); });
      break;
    }
    case DType::QInt32: {
      int32_t* y = q.data_ptr<int32_t>();
      parallel_chunks(n, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) y[i] = static_cast<int32_t>(quantize_value(x[i], scale, zp, qmin, qmax));
      });
      break;
    }
    case DType::QUInt4x2:
      pack_4bit(n, packed_bytes(q), [&](int64_t i) { return quantize_value(x[i], scale, zp, qmin, qmax); });
      break;
    default: OCTET_FAIL("quantize_per_tensor", "unsupported dtype ", q.dtype());
  }
}

// Splits a contiguous tensor around `axis` into outer x channels x inner.
struct AxisSplit {
  int64_t outer = 1, channels = 1, inner = 1;
};
AxisSplit split_at(const Shape& shape, int64_t axis) {
  AxisSplit s;
  for (int64_t i = 0; i < axis; ++i) s.outer *= shape[static_cast<size_t>(i)];
  s.channels = shape[static_cast<size_t>(axis)];
  for (size_t i = static_cast<size_t>(axis) + 1; i < shape.size(); ++i) s.inner *= shape[i];
  return s;
}

// Below this inner size the per-channel quantize repeats the parameters along a row and runs the
// channelwise kernel over whole rows, instead of one short kernel call per channel.
constexpr int64_t kMinInnerForUniform = 16;

template <typename T, typename UniformFn, typename ChannelwiseFn>
void quantize_per_channel_8bit(const float* x, T* y, const AxisSplit& s, const std::vector<double>& scales,
                               const std::vector<int64_t>& zps, int32_t qmin, int32_t qmax, UniformFn uniform,
                               ChannelwiseFn channelwise) {
  if (s.inner >= kMinInnerForUniform) {
    const int64_t tasks = s.outer * s.channels;
#pragma omp parallel for schedule(static) if (tasks * s.inner > kGrain && !omp_in_parallel()) \
    num_threads(get_num_threads())
    for (int64_t t = 0; t < tasks; ++t) {
      const auto c = static_cast<size_t>(t % s.channels);
      const kernels::QuantizeParams p{1.0f / static_cast<float>(scales[c]), static_cast<int32_t>(zps[c]), qmin, qmax};
      uniform(static_cast<size_t>(s.inner), x + t * s.inner, y + t * s.inner, &p);
    }
    return;
  }
  const int64_t row = s.channels * s.inner;
  std::vector<float> inv(static_cast<size_t>(row));
  std::vector<int32_t> zp(static_cast<size_t>(row));
  for (int64_t c = 0; c < s.channels; ++c) {
    for (int64_t i = 0; i < s.inner; ++i) {
      inv[static_cast<size_t>(c * s.inner + i)] = 1.0f / static_cast<float>(scales[static_cast<size_t>(c)]);
      zp[static_cast<size_t>(c * s.inner + i)] = static_cast<int32_t>(zps[static_cast<size_t>(c)]);
    }
  }
#pragma omp parallel for schedule(static) if (s.outer * row > kGrain && !omp_in_parallel()) \
    num_threads(get_num_threads())
  for (int64_t o = 0; o < s.outer; ++o) {
    channelwise(static_cast<size_t>(row), x + o * row, y + o * row, inv.data(), zp.data(), qmin, qmax);
  }
}

}  // namespace

// --- quantize -------------------------------------------------------------------------------------------

Tensor quantize_per_tensor(const Tensor& x, double scale, int64_t zero_point, DType dtype) {
  const char* where = "quantize_per_tensor";
  const Tensor xf = float_input(x, where);
  QuantizerPtr qz = Quantizer::per_tensor(dtype, scale, zero_point);
  Tensor q = detail::empty_quantized(xf.shape(), qz, /*zero_fill=*/false);
  quantize_contiguous(xf.data_ptr<float>(), q, xf.numel(), static_cast<float>(scale), zero_point);
  return q;
}

namespace {
Tensor quantize_per_channel_impl(const Tensor& x, QuantizerPtr qz, const char* where) {
  const Tensor xf = float_input(x, where);
  const int64_t axis = qz->axis();
  const AxisSplit s = split_at(xf.shape(), axis);
  OCTET_CHECK(qz->num_channels() == s.channels, where, "expected ", s.channels, " scales (the size of axis ", axis,
              " of shape ", shape_to_string(xf.shape()), "), got ", qz->num_channels());
  Tensor q = detail::empty_quantized(xf.shape(), qz, /*zero_fill=*/false);
  const float* xd = xf.data_ptr<float>();
  const int64_t qmin = dtype_qmin(qz->dtype()), qmax = dtype_qmax(qz->dtype());
  const auto& scales = qz->scales();
  auto channel_at = [&](int64_t i) { return static_cast<size_t>((i / s.inner) % s.channels); };

  if (qz->qscheme() == QScheme::PerChannelAffineFloatQParams) {
    const auto& fzp = qz->float_zero_points();
    auto qv = [&](int64_t i) {
      const size_t c = channel_at(i);
      return quantize_value_float_qparams(xd[i], static_cast<float>(scales[c]), fzp[c], qmin, qmax);
    };
    if (qz->dtype() == DType::QUInt4x2) {
      pack_4bit(xf.numel(), packed_bytes(q), qv);
    } else {
      uint8_t* y = q.data_ptr<uint8_t>();
      for (int64_t i = 0; i < xf.numel(); ++i) y[i] = static_cast<uint8_t>(qv(i));
    }
    return q;
  }

  const auto& zps = qz->zero_points();
  const auto& k = kernels::quantize_kernels();
  switch (qz->dtype()) {
    case DType::QUInt8:
      quantize_per_channel_8bit(xd, q.data_ptr<uint8_t>(), s, scales, zps, static_cast<int32_t>(qmin),
                                static_cast<int32_t>(qmax), k.f32_qu8_vquantize, k.f32_qu8_vquantize_cw);
      break;
    case DType::QInt8:
      quantize_per_channel_8bit(xd, q.data_ptr<int8_t>(), s, scales, zps, static_cast<int32_t>(qmin),
                                static_cast<int32_t>(qmax), k.f32_qs8_vquantize, k.f32_qs8_vquantize_cw);
      break;
    case DType::QInt32: {
      int32_t* y = q.data_ptr<int32_t>();
      for (int64_t i = 0; i < xf.numel(); ++i) {
        const size_t c = channel_at(i);
        y[i] = static_cast<int32_t>(quantize_value(xd[i], static_cast<float>(scales[c]), zps[c], qmin, qmax));
      }
      break;
    }
    case DType::QUInt4x2:
      pack_4bit(xf.numel(), packed_bytes(q), [&](int64_t i) {
        const size_t c = channel_at(i);
        return quantize_value(xd[i], static_cast<float>(scales[c]), zps[c], qmin, qmax);
      });
      break;
    default: OCTET_FAIL(where, "unsupported dtype ", qz->dtype());
  }
  return q;
}

std::vector<double> scales_from_tensor(const Tensor& scales, const char* where) {
  OCTET_CHECK(scales.defined(), where, "scales is undefined");
  OCTET_CHECK(scales.dim() == 1, where, "expected 1-D scales, got shape ", shape_to_string(scales.shape()));
  OCTET_CHECK(scales.is_floating_point(), where, "expected floating-point scales, got ", scales.dtype());
  const Tensor s = scales.to(kFloat64).contiguous();
  const double* d = s.data_ptr<double>();
  return std::vector<double>(d, d + s.numel());
}
}  // namespace

Tensor quantize_per_channel(const Tensor& x, const Tensor& scales, const Tensor& zero_points, int64_t axis,
                            DType dtype) {
  const char* where = "quantize_per_channel";
  OCTET_CHECK(x.defined(), where, "the input tensor is undefined");
  OCTET_CHECK(x.dim() > 0, where, "a 0-d tensor has no channel axis");
  const int64_t ax = detail::wrap_dim(axis, x.dim(), where);
  std::vector<double> sc = scales_from_tensor(scales, where);
  OCTET_CHECK(zero_points.defined() && zero_points.dim() == 1, where, "expected 1-D zero_points, got shape ",
              zero_points.defined() ? shape_to_string(zero_points.shape()) : "undefined");
  OCTET_CHECK(zero_points.numel() == scales.numel(), where, "expected as many zero_points as scales, got ",
              zero_points.numel(), " zero_points for ", scales.numel(), " scales");
  if (zero_points.is_floating_point()) {
    const Tensor z = zero_points.to(kFloat32).contiguous();
    const float* zd = z.data_ptr<float>();
    return quantize_per_channel_impl(
        x, Quantizer::per_channel_float_qparams(dtype, std::move(sc), std::vector<float>(zd, zd + z.numel()), ax),
        where);
  }
  OCTET_CHECK(is_integral(zero_points.dtype()), where, "expected integer (or float) zero_points, got ",
              zero_points.dtype());
  const Tensor z = zero_points.to(kInt64).contiguous();
  const int64_t* zd = z.data_ptr<int64_t>();
  return quantize_per_channel_impl(
      x, Quantizer::per_channel(dtype, std::move(sc), std::vector<int64_t>(zd, zd + z.numel()), ax), where);
}

Tensor quantize_per_channel(const Tensor& x, const std::vector<double>& scales, const std::vector<int64_t>& zero_points,
                            int64_t axis, DType dtype) {
  const char* where = "quantize_per_channel";
  OCTET_CHECK(x.defined(), where, "the input tensor is undefined");
  OCTET_CHECK(x.dim() > 0, where, "a 0-d tensor has no channel axis");
  const int64_t ax = detail::wrap_dim(axis, x.dim(), where);
  return quantize_per_channel_impl(x, Quantizer::per_channel(dtype, scales, zero_points, ax), where);
}

Tensor quantize_per_tensor_dynamic(const Tensor& x, DType dtype, bool reduce_range) {
  const char* where = "quantize_per_tensor_dynamic";
  OCTET_CHECK(dtype == kQUInt8 || dtype == kQInt8 || dtype == kFloat16, where,
              "expected dtype quint8, qint8 or float16, got ", dtype);
  const Tensor xf = float_input(x, where);
  if (dtype == kFloat16) return xf.to(kFloat16);
  OCTET_CHECK(xf.numel() > 0, where, "cannot choose qparams for an empty tensor");
  const ops::FloatRange range = ops::float_range(xf.data_ptr<float>(), xf.numel());
  OCTET_CHECK(range.finite, where, "the input contains NaN or infinity; its range cannot give qparams");
  const QParams p = choose_qparams_dynamic(range.lo, range.hi, dtype_qmin(dtype), dtype_qmax(dtype), reduce_range);
  return quantize_per_tensor(xf, p.scale, p.zero_point, dtype);
}

// --- make_*_quantized_tensor ------------------------------------------------------------------------

namespace {
DType quantized_for(DType int_dtype, const char* where) {
  switch (int_dtype) {
    case DType::UInt8: return DType::QUInt8;
    case DType::Int8: return DType::QInt8;
    case DType::Int32: return DType::QInt32;
    default:
      OCTET_FAIL(where, "expected a uint8, int8 or int32 tensor of stored integers, got ", int_dtype);
  }
}

Tensor with_quantizer(const Tensor& int_repr, QuantizerPtr qz) {
  const Tensor src = int_repr.contiguous();
  Tensor q = detail::empty_quantized(src.shape(), std::move(qz), /*zero_fill=*/false);
  if (src.numel() > 0) std::memcpy(q.raw_data(), src.raw_data(), src.nbytes());
  return q;
}
}  // namespace

Tensor make_per_tensor_quantized_tensor(const Tensor& int_repr, double scale, int64_t zero_point) {
  const char* where = "make_per_tensor_quantized_tensor";
  OCTET_CHECK(int_repr.defined(), where, "the tensor is undefined");
  return with_quantizer(int_repr, Quantizer::per_tensor(quantized_for(int_repr.dtype(), where), scale, zero_point));
}

Tensor make_per_channel_quantized_tensor(const Tensor& int_repr, const Tensor& scales, const Tensor& zero_points,
                                         int64_t axis) {
  const char* where = "make_per_channel_quantized_tensor";
  OCTET_CHECK(int_repr.defined(), where, "the tensor is undefined");
  OCTET_CHECK(int_repr.dim() > 0, where, "a 0-d tensor has no channel axis");
  const int64_t ax = detail::wrap_dim(axis, int_repr.dim(), where);
  std::vector<double> sc = scales_from_tensor(scales, where);
  OCTET_CHECK(static_cast<int64_t>(sc.size()) == int_repr.size(ax), where, "expected ", int_repr.size(ax),
              " scales (the size of axis ", ax, "), got ", sc.size());
  OCTET_CHECK(zero_points.defined() && zero_points.dim() == 1 && is_integral(zero_points.dtype()), where,
              "expected 1-D integer zero_points");
  const Tensor z = zero_points.to(kInt64).contiguous();
  const int64_t* zd = z.data_ptr<int64_t>();
  return with_quantizer(int_repr, Quantizer::per_channel(quantized_for(int_repr.dtype(), where), std::move(sc),
                                                         std::vector<int64_t>(zd, zd + z.numel()), ax));
}

Tensor requantize(const Tensor& q, double scale, int64_t zero_point, DType dtype) {
  const char* where = "requantize";
  OCTET_CHECK(q.defined() && q.is_quantized(), where, "expected a quantized tensor, got ",
              q.defined() ? dtype_name(q.dtype()) : "an undefined tensor");
  return quantize_per_tensor(q.dequantize(), scale, zero_point, dtype);
}

// --- Tensor methods ----------------------------------------------------------------------------------

Tensor Tensor::dequantize() const {
  const char* where = "dequantize";
  check_defined(where);
  OCTET_CHECK(is_quantized(), where, "expected a quantized tensor, got ", dtype_);
  const Tensor q = contiguous();
  Tensor out = detail::empty_uninitialized(shape_, kFloat32);
  float* y = out.data_ptr<float>();
  const int64_t n = numel();
  const auto& k = kernels::quantize_kernels();
  const Quantizer& qz = *quantizer_;

  if (dtype_ == DType::QUInt4x2) {
    const uint8_t* in = static_cast<const uint8_t*>(q.raw_data());
    const AxisSplit s = qz.per_channel() ? split_at(shape_, qz.axis()) : AxisSplit{};
    for (int64_t i = 0; i < n; ++i) {
      const int64_t c = qz.per_channel() ? (i / s.inner) % s.channels : 0;
      y[i] = static_cast<float>(detail::dequantize_element(qz, c, unpack_4bit(in, i)));
    }
    return out;
  }

  // Dequantizes `len` stored integers starting at element `off` with one channel's parameters.
  auto run = [&](int64_t off, int64_t len, float scale, int64_t zp) {
    const kernels::DequantizeParams p{scale, static_cast<int32_t>(zp)};
    switch (dtype_) {
      case DType::QUInt8: k.qu8_f32_vdequantize(static_cast<size_t>(len), q.data_ptr<uint8_t>() + off, y + off, &p); break;
      case DType::QInt8: k.qs8_f32_vdequantize(static_cast<size_t>(len), q.data_ptr<int8_t>() + off, y + off, &p); break;
      default: k.qs32_f32_vdequantize(static_cast<size_t>(len), q.data_ptr<int32_t>() + off, y + off, &p); break;
    }
  };

  if (!qz.per_channel()) {
    parallel_chunks(n, [&](int64_t b, int64_t e) { run(b, e - b, static_cast<float>(qz.scale()), qz.zero_point()); });
    return out;
  }
  const AxisSplit s = split_at(shape_, qz.axis());
  if (qz.qscheme() == QScheme::PerChannelAffineFloatQParams) {
    for (int64_t i = 0; i < n; ++i) {
      y[i] = static_cast<float>(detail::dequantize_element(qz, (i / s.inner) % s.channels,
                                                           static_cast<int64_t>(detail::load_element(q, q.storage_offset() + i, 0, false))));
    }
    return out;
  }
  const int64_t tasks = s.outer * s.channels;
#pragma omp parallel for schedule(static) if (n > kGrain && !omp_in_parallel()) num_threads(get_num_threads())
  for (int64_t t = 0; t < tasks; ++t) {
    const auto c = static_cast<size_t>(t % s.channels);
    run(t * s.inner, s.inner, static_cast<float>(qz.scales()[c]), qz.zero_points()[c]);
  }
  return out;
}

Tensor Tensor::int_repr() const {
  const char* where = "int_repr";
  check_defined(where);
  OCTET_CHECK(is_quantized(), where, "expected a quantized tensor, got ", dtype_);
  if (dtype_ == DType::QUInt4x2) {
    // As PyTorch: the packed bytes, two elements per byte, as a 1-D uint8 tensor.
    Tensor out = empty({static_cast<int64_t>(nbytes())}, kUInt8);
    if (numel() > 0) std::memcpy(out.raw_data(), raw_data(), nbytes());
    return out;
  }
  Tensor out = detail::empty_uninitialized(shape_, underlying_dtype(dtype_));
  const Tensor src(storage_, offset_, shape_, strides_, underlying_dtype(dtype_));
  out.copy_(src);
  return out;
}

}  // namespace octet
