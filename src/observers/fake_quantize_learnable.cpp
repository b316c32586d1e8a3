// fake_quantize_learnable.cpp: learnable-scale fake quantization (LSQ), forward and the gradients
// for the input, the scale and the zero point, per tensor and per channel, as ATen computes them.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <omp.h>

#include "core/tensor_impl.h"
#include "observers/fake_quantize_impl.h"
#include "octet/engine.h"
#include "octet/error.h"
#include "octet/fake_quantize.h"

namespace octet {

using fake_quant::Range;

namespace {

constexpr int64_t kGrain = 32768;

// A one-element float32 parameter (the module's scale or zero point) as a float.
float scalar_param(const Tensor& t, const char* where, const char* what) {
  OCTET_CHECK(t.defined() && t.dtype() == kFloat32 && t.numel() == 1, where, what,
              " must be a one-element float32 tensor (the learnable parameter), got ",
              t.defined() ? shape_to_string(t.shape()) : std::string("an undefined tensor"), " ",
              t.defined() ? dtype_name(t.dtype()) : std::string_view());
  return t.item<float>();
}

// [C] float32 parameters, finite.
std::vector<float> channel_params(const Tensor& t, int64_t channels, const char* where, const char* what) {
  OCTET_CHECK(t.defined() && t.dtype() == kFloat32, where, what, " must be a float32 tensor (the learnable parameter)");
  OCTET_CHECK(t.dim() == 1 && t.numel() == channels, where, what, " must be a 1-d tensor of ", channels,
              " values (the size of the channel axis), got shape ", shape_to_string(t.shape()));
  const Tensor c = t.contiguous();
  std::vector<float> v(c.data_ptr<float>(), c.data_ptr<float>() + channels);
  for (int64_t i = 0; i < channels; ++i) {
    OCTET_CHECK(std::isfinite(v[static_cast<size_t>(i)]), where, what, "[", i, "] must be finite, got ",
                v[static_cast<size_t>(i)]);
  }
  return v;
}

// The forward zero point: ATen's _get_zero_point_from_tensor(is_forward = true), nearbyint then a
// float clamp (per channel: round().clamp_(), the same arithmetic).
float forward_zero_point(float zp, Range r) {
  return std::fmin(std::fmax(std::nearbyint(zp), static_cast<float>(r.qmin)), static_cast<float>(r.qmax));
}

// The unclamped quantized value of the gradient kernels, `(int64_t)nearbyint(zp + x * inv_scale)`
// (v is that sum, fused: see element_grads),
// with the float -> int64 conversion defined where C++ leaves it undefined: NaN lies below the
// range (the INT64_MIN x86 gives, so ATen's answer), values beyond int64 saturate (ATen's x86
// answer for +inf is INT64_MIN too; Octet treats +inf as above the range).
int64_t unclamped_q(float v) {
  const float r = std::nearbyint(v);
  if (std::isnan(r) || r <= -9.2233720368547758e18f) return std::numeric_limits<int64_t>::min();
  if (r >= 9.2233720368547758e18f) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(r);
}

// The three per-element gradients of ATen's fake_quantize_learnable_*_grad_kernel_cpu, with its
// float32 operations in its order. PyTorch's FMA-capable builds (every x86-64 CPU with AVX2, and
// aarch64) fuse two of its multiply-adds, so Octet writes them as explicit fused multiply-adds:
//   q        = nearbyint(fma(x, inv_scale, zp))        ATen: nearbyint(zp + x * inv_scale)
//   xfq - x  = fma(clamp(q) - zp, scale, -x)           ATen: xfq = (clamp(q) - zp) * scale; xfq - x
// (the golden file's one-element cases agree bit for bit only this way). The caller passes
// xfq_minus_x, computed for its granularity (integer or float zero point).
struct ElementGrads {
  float dx, dscale, dzp;
};
inline ElementGrads element_grads(float dy, float scale, float inv_scale, int64_t q, float xfq_minus_x,
                                  float dscale_small, float dscale_big, Range r, float grad_factor) {
  const bool inside = q >= r.qmin && q <= r.qmax;
  ElementGrads g;
  g.dx = dy * static_cast<float>(inside);
  if (!inside) {
    g.dzp = dy * -1.0f * scale * grad_factor;
    g.dscale = (q < r.qmin ? dy * dscale_small : dy * dscale_big) * grad_factor;
  } else {
    g.dzp = 0.0f;
    g.dscale = dy * xfq_minus_x * inv_scale * grad_factor;
  }
  return g;
}

int64_t clamp_q(int64_t q, Range r) { return q < r.qmin ? r.qmin : q > r.qmax ? r.qmax : q; }

// dY and X checked against each other.
void check_grad_inputs(const Tensor& dy, const Tensor& x, const char* where) {
  OCTET_CHECK(dy.shape() == x.shape(), where, "grad_output and input must have the same shape, got ",
              shape_to_string(dy.shape()), " and ", shape_to_string(x.shape()));
}

// PyTorch's backward requirement: the range contains 0.
void check_range_has_zero(Range r, const char* where) {
  OCTET_CHECK(r.qmin <= 0 && r.qmax >= 0, where, "the quantization range must contain 0 (quant_min <= 0 <= quant_max), got ",
              r.qmin, "..", r.qmax);
}

// Sum of n floats in double, in a fixed order (deterministic for any thread count), rounded once.
float sum_as_float(const float* v, int64_t n, int64_t stride = 1) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(v[i * stride]);
  return static_cast<float>(s);
}

}  // namespace

// --- per tensor ------------------------------------------------------------------------------------

Tensor fake_quantize_learnable_per_tensor_affine(const Tensor& input, const Tensor& scale, const Tensor& zero_point,
                                                 int64_t quant_min, int64_t quant_max, double /*grad_factor*/) {
  const char* where = "fake_quantize_learnable_per_tensor_affine";
  const Range r = fake_quant::check_range(quant_min, quant_max, where);
  const float s = scalar_param(scale, where, "scale");
  const float zp = scalar_param(zero_point, where, "zero_point");
  OCTET_CHECK(std::isfinite(zp), where, "zero_point must be finite, got ", zp);
  const auto zp_int = static_cast<int64_t>(forward_zero_point(zp, r));
  return fake_quantize_per_tensor_affine(input, s, zp_int, quant_min, quant_max);
}

FakeQuantizeGrads fake_quantize_learnable_per_tensor_affine_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& scale, const Tensor& zero_point, int64_t quant_min,
    int64_t quant_max, double grad_factor) {
  const char* where = "fake_quantize_learnable_per_tensor_affine_backward";
  const Range r = fake_quant::check_range(quant_min, quant_max, where);
  check_range_has_zero(r, where);
  const Tensor dy = fake_quant::float32_input(grad_output, where, "grad_output");
  const Tensor x = fake_quant::float32_input(input, where);
  check_grad_inputs(dy, x, where);
  const float s = fake_quant::checked_scale(scalar_param(scale, where, "scale"), where);
  const float zp_f = scalar_param(zero_point, where, "zero_point");
  OCTET_CHECK(std::isfinite(zp_f), where, "zero_point must be finite, got ", zp_f);
  // ATen's _get_zero_point_from_tensor(is_forward = false): zero_point + 0.5f, clamped, truncated.
  const auto zp = static_cast<int64_t>(
      std::fmin(std::fmax(zp_f + 0.5f, static_cast<float>(r.qmin)), static_cast<float>(r.qmax)));
  const float inv_scale = 1.0f / s;
  const auto gf = static_cast<float>(grad_factor);
  const auto dscale_small = static_cast<float>(r.qmin - zp);
  const auto dscale_big = static_cast<float>(r.qmax - zp);

  const int64_t n = x.numel();
  FakeQuantizeGrads g;
  g.input = detail::empty_uninitialized(x.shape(), kFloat32);
  std::vector<float> dscale(static_cast<size_t>(n)), dzp(static_cast<size_t>(n));
  const float* px = x.data_ptr<float>();
  const float* pdy = dy.data_ptr<float>();
  float* pdx = g.input.data_ptr<float>();
#pragma omp parallel for schedule(static) if (n > kGrain && !omp_in_parallel()) num_threads(get_num_threads())
  for (int64_t i = 0; i < n; ++i) {
    const int64_t q = unclamped_q(std::fma(px[i], inv_scale, static_cast<float>(zp)));
    const float xfq_minus_x = std::fma(static_cast<float>(clamp_q(q, r) - zp), s, -px[i]);
    const ElementGrads e = element_grads(pdy[i], s, inv_scale, q, xfq_minus_x, dscale_small, dscale_big, r, gf);
    pdx[i] = e.dx;
    dscale[static_cast<size_t>(i)] = e.dscale;
    dzp[static_cast<size_t>(i)] = e.dzp;
  }
  g.scale = full({1}, sum_as_float(dscale.data(), n), kFloat32);
  g.zero_point = full({1}, sum_as_float(dzp.data(), n), kFloat32);
  return g;
}

// --- per channel -----------------------------------------------------------------------------------

Tensor fake_quantize_learnable_per_channel_affine(const Tensor& input, const Tensor& scale, const Tensor& zero_point,
                                                  int64_t axis, int64_t quant_min, int64_t quant_max,
                                                  double /*grad_factor*/) {
  const char* where = "fake_quantize_learnable_per_channel_affine";
  const Range r = fake_quant::check_range(quant_min, quant_max, where);
  const Tensor x = fake_quant::float32_input(input, where);
  const int64_t ax = fake_quant::wrap_axis(axis, x.dim(), where);
  const int64_t channels = x.size(ax);
  const std::vector<float> zp = channel_params(zero_point, channels, where, "zero_point");
  std::vector<int32_t> zp_int(zp.size());
  for (size_t c = 0; c < zp.size(); ++c) zp_int[c] = static_cast<int32_t>(forward_zero_point(zp[c], r));
  return fake_quantize_per_channel_affine(x, scale, from_vector(zp_int), ax, quant_min, quant_max);
}

FakeQuantizeGrads fake_quantize_learnable_per_channel_affine_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& scale, const Tensor& zero_point, int64_t axis,
    int64_t quant_min, int64_t quant_max, double grad_factor) {
  const char* where = "fake_quantize_learnable_per_channel_affine_backward";
  const Range r = fake_quant::check_range(quant_min, quant_max, where);
  check_range_has_zero(r, where);
  const Tensor dy = fake_quant::float32_input(grad_output, where, "grad_output");
  const Tensor x = fake_quant::float32_input(input, where);
  check_grad_inputs(dy, x, where);
  const int64_t ax = fake_quant::wrap_axis(axis, x.dim(), where);
  const fake_quant::AxisSplit sp = fake_quant::split_at(x.shape(), ax);
  std::vector<float> sc = channel_params(scale, sp.channels, where, "scale");
  for (int64_t c = 0; c < sp.channels; ++c) {
    const std::string what = std::string("scale[").append(std::to_string(c)).append("]");
    fake_quant::checked_scale(sc[static_cast<size_t>(c)], where, what.c_str());
  }
  // ATen: zero_point.round().clamp_(quant_min, quant_max), kept as floats.
  std::vector<float> zp = channel_params(zero_point, sp.channels, where, "zero_point");
  for (float& z : zp) z = forward_zero_point(z, r);
  const auto gf = static_cast<float>(grad_factor);

  const int64_t n = x.numel();
  FakeQuantizeGrads g;
  g.input = detail::empty_uninitialized(x.shape(), kFloat32);
  std::vector<float> dscale(static_cast<size_t>(n)), dzp(static_cast<size_t>(n));
  const float* px = x.data_ptr<float>();
  const float* pdy = dy.data_ptr<float>();
  float* pdx = g.input.data_ptr<float>();
  const int64_t tasks = sp.outer * sp.channels;
#pragma omp parallel for schedule(static) if (n > kGrain && !omp_in_parallel()) num_threads(get_num_threads())
  for (int64_t t = 0; t < tasks; ++t) {
    const auto c = static_cast<size_t>(t % sp.channels);
    const float s = sc[c], z = zp[c], inv_scale = 1.0f / s;
    const float dscale_small = static_cast<float>(r.qmin) - z;
    const float dscale_big = static_cast<float>(r.qmax) - z;
    for (int64_t i = t * sp.inner; i < (t + 1) * sp.inner; ++i) {
      const int64_t q = unclamped_q(std::fma(px[i], inv_scale, z));
      const float xfq_minus_x = std::fma(static_cast<float>(clamp_q(q, r)) - z, s, -px[i]);
      const ElementGrads e = element_grads(pdy[i], s, inv_scale, q, xfq_minus_x, dscale_small, dscale_big, r, gf);
      pdx[i] = e.dx;
      dscale[static_cast<size_t>(i)] = e.dscale;
      dzp[static_cast<size_t>(i)] = e.dzp;
    }
  }
  // Per channel: the sum over every other dimension, outer blocks in order, in double.
  std::vector<double> ds(static_cast<size_t>(sp.channels), 0.0), dz(static_cast<size_t>(sp.channels), 0.0);
  for (int64_t t = 0; t < tasks; ++t) {
    const auto c = static_cast<size_t>(t % sp.channels);
    for (int64_t i = t * sp.inner; i < (t + 1) * sp.inner; ++i) {
      ds[c] += static_cast<double>(dscale[static_cast<size_t>(i)]);
      dz[c] += static_cast<double>(dzp[static_cast<size_t>(i)]);
    }
  }
  std::vector<float> ds_f(ds.begin(), ds.end()), dz_f(dz.begin(), dz.end());
  g.scale = from_vector(ds_f);
  g.zero_point = from_vector(dz_f);
  return g;
}

}  // namespace octet
