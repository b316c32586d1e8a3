// fake_quantize_common.cpp: argument checks and threaded kernel loops shared by the fake-quantize ops.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <omp.h>

#include "kernels/fakequant_kernels.h"
#include "observers/fake_quantize_impl.h"
#include "octet/engine.h"
#include "octet/error.h"

namespace octet::fake_quant {
namespace {

// Elements per parallel task: enough to amortise waking the team on a memory-bound loop.
constexpr int64_t kGrain = 32768;

// fn(begin, end) over [0, n) in kGrain chunks, in parallel when there is more than one.
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

// The kernels for a range: the best usable ones, or the scalar ones when a bound lies beyond the
// +-2^24 the SIMD variants handle.
const kernels::FakeQuantKernels& kernels_for(Range r) {
  return kernels::fakequant_simd_ok(r.qmin, r.qmax) ? kernels::fakequant_kernels() : kernels::fakequant_kernels_ref();
}

// Below this inner size the per-channel loop repeats the parameters along a row and runs the
// channelwise kernel over whole rows instead of one short per-tensor call per channel.
constexpr int64_t kMinInnerForUniform = 16;

}  // namespace

Range check_range(int64_t quant_min, int64_t quant_max, const char* where) {
  constexpr int64_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  OCTET_CHECK(quant_min <= quant_max, where, "quant_min (", quant_min, ") must be less than or equal to quant_max (",
              quant_max, ")");
  OCTET_CHECK(quant_min >= lo && quant_max <= hi, where, "quant_min and quant_max must lie in the int32 range, got ",
              quant_min, " and ", quant_max);
  return Range{static_cast<int32_t>(quant_min), static_cast<int32_t>(quant_max)};
}

Tensor float32_input(const Tensor& input, const char* where, const char* what) {
  OCTET_CHECK(input.defined(), where, "the ", what, " tensor is undefined");
  OCTET_CHECK(input.dtype() == kFloat32, where, "expected ", what, " to be a float32 tensor, got ",
              dtype_name(input.dtype()));
  return input.contiguous();
}

float checked_scale(double scale, const char* where, const char* what) {
  const auto s = static_cast<float>(scale);
  OCTET_CHECK(std::isfinite(s) && s > 0.0f && std::isfinite(1.0f / s), where, what,
              " must be finite and > 0 with a finite float32 reciprocal, got ", scale);
  return s;
}

int32_t checked_zero_point(int64_t zero_point, Range r, const char* where, const char* what) {
  OCTET_CHECK(zero_point >= r.qmin && zero_point <= r.qmax, where, what, " (", zero_point,
              ") must lie between quant_min (", r.qmin, ") and quant_max (", r.qmax, ")");
  return static_cast<int32_t>(zero_point);
}

int64_t wrap_axis(int64_t axis, int64_t dim, const char* where, const char* what) {
  OCTET_CHECK(dim > 0, where, "a per-channel ", what, " needs an input with at least one dimension, got a 0-d tensor");
  OCTET_CHECK(axis >= -dim && axis < dim, where, what, " ", axis, " is out of range for a ", dim,
              "-d input (expected ", -dim, "..", dim - 1, ")");
  return axis < 0 ? axis + dim : axis;
}

AxisSplit split_at(const Shape& shape, int64_t axis) {
  AxisSplit s;
  for (int64_t i = 0; i < axis; ++i) s.outer *= shape[static_cast<size_t>(i)];
  s.channels = shape[static_cast<size_t>(axis)];
  for (size_t i = static_cast<size_t>(axis) + 1; i < shape.size(); ++i) s.inner *= shape[i];
  return s;
}

ChannelQParams checked_channel_qparams(const Tensor& scale, const Tensor& zero_point, int64_t channels, Range r,
                                       const char* where) {
  OCTET_CHECK(scale.defined() && zero_point.defined(), where, "scale and zero_point must be defined tensors");
  OCTET_CHECK(scale.dtype() == kFloat32, where, "scale must be a float32 tensor, got ", dtype_name(scale.dtype()));
  const DType zdt = zero_point.dtype();
  OCTET_CHECK(zdt == kInt32 || zdt == kInt64 || zdt == kFloat32, where,
              "zero_point must be an int32, int64 or float32 tensor, got ", dtype_name(zdt));
  OCTET_CHECK(scale.dim() == 1 && zero_point.dim() == 1, where, "scale and zero_point must be 1-d tensors, got shapes ",
              shape_to_string(scale.shape()), " and ", shape_to_string(zero_point.shape()));
  OCTET_CHECK(scale.numel() == zero_point.numel(), where, "scale and zero_point must have the same length, got ",
              scale.numel(), " and ", zero_point.numel());
  OCTET_CHECK(scale.numel() == channels, where, "expected ", channels,
              " scales and zero points (the size of the channel axis), got ", scale.numel());
  ChannelQParams q;
  const Tensor s = scale.contiguous();
  q.scale.resize(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    const std::string what = std::string("scale[").append(std::to_string(c)).append("]");
    q.scale[static_cast<size_t>(c)] = checked_scale(s.data_ptr<float>()[c], where, what.c_str());
  }
  if (zdt == kFloat32) {
    const Tensor z = zero_point.contiguous();
    q.float_zero_points.assign(z.data_ptr<float>(), z.data_ptr<float>() + channels);
    for (int64_t c = 0; c < channels; ++c) {
      OCTET_CHECK(std::isfinite(q.float_zero_points[static_cast<size_t>(c)]), where, "zero_point[", c,
                  "] must be finite, got ", q.float_zero_points[static_cast<size_t>(c)]);
    }
    q.is_float = true;
    return q;
  }
  const Tensor z = zero_point.to(kInt64).contiguous();
  q.zero_points.resize(static_cast<size_t>(channels));
  for (int64_t c = 0; c < channels; ++c) {
    const std::string what = std::string("zero_point[").append(std::to_string(c)).append("]");
    q.zero_points[static_cast<size_t>(c)] = checked_zero_point(z.data_ptr<int64_t>()[c], r, where, what.c_str());
  }
  return q;
}

void fake_quantize_tensor(const float* x, float* y, uint8_t* mask, int64_t n, float scale, int32_t zero_point,
                          Range r) {
  const auto& k = kernels_for(r);
  const kernels::FakeQuantParams p{scale, 1.0f / scale, zero_point, r.qmin, r.qmax};
  parallel_chunks(n, [&](int64_t b, int64_t e) {
    k.f32_vfakequant(static_cast<size_t>(e - b), x + b, y + b, mask != nullptr ? mask + b : nullptr, &p);
  });
}

void fake_quantize_channels(const float* x, float* y, uint8_t* mask, const AxisSplit& s, const float* scale,
                            const int32_t* zero_point, Range r) {
  const auto& k = kernels_for(r);
  const int64_t total = s.outer * s.channels * s.inner;
  if (s.inner >= kMinInnerForUniform) {
    const int64_t tasks = s.outer * s.channels;
#pragma omp parallel for schedule(static) if (total > kGrain && !omp_in_parallel()) num_threads(get_num_threads())
    for (int64_t t = 0; t < tasks; ++t) {
      const int64_t c = t % s.channels;
      const kernels::FakeQuantParams p{scale[c], 1.0f / scale[c], zero_point[c], r.qmin, r.qmax};
      const int64_t off = t * s.inner;
      k.f32_vfakequant(static_cast<size_t>(s.inner), x + off, y + off, mask != nullptr ? mask + off : nullptr, &p);
    }
    return;
  }
  // Short inner runs: one row of C * inner parameters, repeated, and one channelwise call per row.
  const int64_t row = s.channels * s.inner;
  std::vector<float> row_scale(static_cast<size_t>(row)), row_inv(static_cast<size_t>(row));
  std::vector<int32_t> row_zp(static_cast<size_t>(row));
  for (int64_t c = 0; c < s.channels; ++c) {
    for (int64_t i = 0; i < s.inner; ++i) {
      const auto at = static_cast<size_t>(c * s.inner + i);
      row_scale[at] = scale[c];
      row_inv[at] = 1.0f / scale[c];
      row_zp[at] = zero_point[c];
    }
  }
#pragma omp parallel for schedule(static) if (total > kGrain && !omp_in_parallel()) num_threads(get_num_threads())
  for (int64_t o = 0; o < s.outer; ++o) {
    const int64_t off = o * row;
    k.f32_vfakequant_cw(static_cast<size_t>(row), x + off, y + off, mask != nullptr ? mask + off : nullptr,
                        row_scale.data(), row_inv.data(), row_zp.data(), r.qmin, r.qmax);
  }
}

void fake_quantize_channels_float_zp(const float* x, float* y, uint8_t* mask, const AxisSplit& s, const float* scale,
                                     const float* zero_point, Range r) {
  const auto qmin = static_cast<double>(r.qmin), qmax = static_cast<double>(r.qmax);
  const int64_t tasks = s.outer * s.channels;
#pragma omp parallel for schedule(static) if (tasks * s.inner > kGrain && !omp_in_parallel()) \
    num_threads(get_num_threads())
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t c = t % s.channels;
    const float sc = scale[c], zp = zero_point[c], inv_scale = 1.0f / sc;
    for (int64_t i = t * s.inner; i < (t + 1) * s.inner; ++i) {
      // ATen: lrintf(zero_point + x * inv_scale), which PyTorch's compiler fuses into one
      // multiply-add (its FMA-capable CPU builds; the golden file holds values where the two
      // roundings of an unfused form land on the other integer); the clamp and
      // (q - zero_point) * scale in double, rounded to float32 once at the end. NaN lands on qmin
      // (ATen's lrintf gives LONG_MIN for it).
      const float t_f = std::nearbyint(std::fma(x[i], inv_scale, zp));
      const double q = std::fmin(std::fmax(static_cast<double>(t_f), qmin), qmax);
      y[i] = static_cast<float>((q - static_cast<double>(zp)) * static_cast<double>(sc));
      if (mask != nullptr) mask[i] = static_cast<uint8_t>(static_cast<double>(t_f) >= qmin && static_cast<double>(t_f) <= qmax);
    }
  }
}

std::string torch_tensor_repr(const Tensor& t) {
  std::string s = t.to_string();
  const std::string key = "dtype=";
  const size_t at = s.find(key);
  if (at != std::string::npos && s.compare(at + key.size(), 6, "torch.") != 0) s.insert(at + key.size(), "torch.");
  return s;
}

Tensor mask_backward(const Tensor& grad_output, const Tensor& mask, const char* where) {
  const Tensor dy = float32_input(grad_output, where, "grad_output");
  OCTET_CHECK(mask.defined() && mask.dtype() == kBool, where, "mask must be a bool tensor (the forward's mask), got ",
              mask.defined() ? dtype_name(mask.dtype()) : std::string_view("an undefined tensor"));
  OCTET_CHECK(mask.shape() == dy.shape(), where, "mask and grad_output must have the same shape, got ",
              shape_to_string(mask.shape()), " and ", shape_to_string(dy.shape()));
  const Tensor m = mask.contiguous();
  Tensor dx = empty(dy.shape(), kFloat32);
  const float* g = dy.data_ptr<float>();
  const bool* keep = m.data_ptr<bool>();
  float* out = dx.data_ptr<float>();
  // dY * mask, as ATen computes it: a float multiply by 0 or 1 (so -dY gives -0 and inf gives NaN
  // where the mask is false, exactly as in PyTorch).
  parallel_chunks(dy.numel(), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = g[i] * static_cast<float>(keep[i]);
  });
  return dx;
}

}  // namespace octet::fake_quant
