// fake_quantize_fused_ops.cpp: fused_moving_avg_obs_fake_quant, the moving-average min/max update,
// fbgemm's qparams rule and fake quantization in one call (PyTorch's QAT fast path).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/tensor_impl.h"
#include "observers/fake_quantize_impl.h"
#include "octet/error.h"
#include "octet/fake_quantize.h"
#include "ops/float_range.h"

namespace octet {

using fake_quant::Range;

namespace {

constexpr const char* kWhere = "fused_moving_avg_obs_fake_quant";
constexpr float kInf = std::numeric_limits<float>::infinity();

// fbgemm's SMALL_SCALE_THRESHOLD (the fp16 minimum normal): scales below it are raised to it.
constexpr float kSmallScale = 6.1e-5f;

struct FbgemmQParams {
  float scale;
  int32_t zero_point;
};

// fbgemm::ChooseQuantizationParams(min, max, qmin, qmax, preserve_sparsity, false), statement for
// statement with its float/double mix; PyTorch's x86 build calls it from the fused op. It differs
// from choose_qparams_dynamic (ATen's quant_utils copy) in two ways: the scale is rounded to float32
// before the zero point is derived from it, and the zero-point error terms add the magnitudes.
FbgemmQParams choose_qparams_fbgemm(float min, float max, int32_t qmin, int32_t qmax, bool preserve_sparsity) {
  if (min < 0 && max > 0 && preserve_sparsity) {
    // Symmetric: centre the range on 0 with the larger half.
    const int symmetric_qmin = -((qmax - qmin) / 2 + 1);
    const int symmetric_qmax = (qmax - qmin) / 2;
    const double max_scale = std::max(std::fabs(min / static_cast<float>(symmetric_qmin)),
                                      std::fabs(max / static_cast<float>(symmetric_qmax)));
    min = static_cast<float>(max_scale * symmetric_qmin);
    max = static_cast<float>(max_scale * symmetric_qmax);
  }
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  auto scale = static_cast<float>((static_cast<double>(max) - min) / (qmax - qmin));
  if (scale == 0.0f || std::isinf(1.0f / scale)) scale = 0.1f;
  if (scale < kSmallScale) {
    const float org_scale = scale;
    scale = kSmallScale;
    if (min == 0.0f) {
      max = kSmallScale * static_cast<float>(qmax - qmin);
    } else if (max == 0.0f) {
      min = -kSmallScale * static_cast<float>(qmax - qmin);
    } else {
      const float amplifier = kSmallScale / org_scale;
      min *= amplifier;
      max *= amplifier;
    }
  }
  const double zero_point_from_min = qmin - min / static_cast<double>(scale);
  const double zero_point_from_max = qmax - max / static_cast<double>(scale);
  const double zero_point_from_min_error = std::abs(qmin) + std::abs(min / static_cast<double>(scale));
  const double zero_point_from_max_error = std::abs(qmax) + std::abs(max / static_cast<double>(scale));
  double initial_zero_point =
      zero_point_from_min_error < zero_point_from_max_error ? zero_point_from_min : zero_point_from_max;
  if (min < 0 && max > 0 && preserve_sparsity) initial_zero_point = static_cast<double>(qmin + qmax) / 2;
  int32_t nudged;
  if (initial_zero_point < qmin) {
    nudged = qmin;
  } else if (initial_zero_point > qmax) {
    nudged = qmax;
  } else {
    nudged = static_cast<int32_t>(std::nearbyint(initial_zero_point));
  }
  return {scale, nudged};
}

// A one-element flag tensor (observer_on, fake_quant_on) as a bool.
bool flag(const Tensor& t, const char* what) {
  OCTET_CHECK(t.defined() && t.numel() == 1 && (is_integral(t.dtype()) || t.dtype() == kBool), kWhere, what,
              " must be a one-element integer or bool tensor");
  return t.item<int64_t>() != 0;
}

void check_float32_state(const Tensor& t, const char* what) {
  OCTET_CHECK(t.defined() && t.dtype() == kFloat32, kWhere, what, " must be a float32 tensor");
}

// The finite min and max of n values (found = false when none is finite); NaN is an Error.
struct Finite {
  float lo = kInf, hi = -kInf;
  bool found = false;
};
Finite finite_min_max(const float* v, int64_t n) {
  Finite f;
  if (n <= 0) return f;
  const ops::FloatRange fast = ops::float_range(v, n);
  if (fast.finite) return {fast.lo, fast.hi, true};
  for (int64_t i = 0; i < n; ++i) {
    OCTET_CHECK(!std::isnan(v[i]), kWhere, "the observed input has a NaN (at element ", i,
                "); the fused observer cannot fold it into the running range");
    if (std::isinf(v[i])) continue;
    f.lo = std::min(f.lo, v[i]);
    f.hi = std::max(f.hi, v[i]);
    f.found = true;
  }
  return f;
}

// PyTorch's moving-average step for one channel, in float32.
void update_running(float& running, float batch, float c) {
  running = std::isinf(running) ? batch : running + c * (batch - running);
}

// A tensor of `n` floats / ints holding the new buffer, dtype kept.
Tensor filled(int64_t n, double value, DType dtype) { return full({n}, value, dtype); }

}  // namespace

FakeQuantizeResult fused_moving_avg_obs_fake_quant_cachemask(
    const Tensor& input, const Tensor& observer_on, const Tensor& fake_quant_on, Tensor& running_min,
    Tensor& running_max, Tensor& scale, Tensor& zero_point, double averaging_const, int64_t quant_min,
    int64_t quant_max, int64_t ch_axis, bool per_row_fake_quant, bool symmetric_quant) {
  const Range r = fake_quant::check_range(quant_min, quant_max, kWhere);
  OCTET_CHECK(r.qmin < r.qmax, kWhere, "quant_min (", r.qmin, ") must be less than quant_max (", r.qmax, ")");
  const Tensor x = fake_quant::float32_input(input, kWhere);
  const bool observe = flag(observer_on, "observer_on");
  const bool quantize = flag(fake_quant_on, "fake_quant_on");
  check_float32_state(running_min, "running_min");
  check_float32_state(running_max, "running_max");
  check_float32_state(scale, "scale");
  OCTET_CHECK(zero_point.defined() && (zero_point.dtype() == kInt32 || zero_point.dtype() == kInt64), kWhere,
              "zero_point must be an int32 or int64 tensor");
  const auto c = static_cast<float>(averaging_const);

  fake_quant::AxisSplit sp;  // per tensor: one channel of every element
  sp.inner = x.numel();
  if (per_row_fake_quant) {
    const int64_t ax = fake_quant::wrap_axis(ch_axis, x.dim(), kWhere, "ch_axis");
    sp = fake_quant::split_at(x.shape(), ax);
    // PyTorch resizes the buffers on first use: running min/max start at +inf/-inf, scale/zp at 1/0.
    if (running_min.numel() != sp.channels) running_min = filled(sp.channels, kInf, kFloat32);
    if (running_max.numel() != sp.channels) running_max = filled(sp.channels, -kInf, kFloat32);
    if (scale.numel() != sp.channels) scale = filled(sp.channels, 1.0, kFloat32);
    if (zero_point.numel() != sp.channels) zero_point = filled(sp.channels, 0.0, zero_point.dtype());
  } else {
    OCTET_CHECK(running_min.numel() == 1 && running_max.numel() == 1 && scale.numel() == 1 && zero_point.numel() == 1,
                kWhere, "per-tensor running_min, running_max, scale and zero_point must hold one element each");
  }
  // The buffers are written in place: they must own contiguous storage.
  for (const Tensor* t : {&running_min, &running_max, &scale, &zero_point}) {
    OCTET_CHECK(t->is_contiguous(), kWhere, "running_min, running_max, scale and zero_point must be contiguous");
  }
  float* rmin = running_min.data_ptr<float>();
  float* rmax = running_max.data_ptr<float>();

  if (observe) {
    const float* px = x.data_ptr<float>();
    for (int64_t ch = 0; ch < sp.channels; ++ch) {
      Finite f;
      for (int64_t o = 0; o < sp.outer; ++o) {
        const Finite part = finite_min_max(px + (o * sp.channels + ch) * sp.inner, sp.inner);
        if (!part.found) continue;
        f.lo = std::min(f.lo, part.lo);
        f.hi = std::max(f.hi, part.hi);
        f.found = true;
      }
      if (!f.found) continue;  // nothing finite in this channel: its running range is unchanged
      update_running(rmin[ch], f.lo, c);
      update_running(rmax[ch], f.hi, c);
    }
  }

  FakeQuantizeResult out;
  if (!quantize) {
    out.output = x.clone();
    out.mask = full(x.shape(), 1.0, kBool);
    return out;
  }
  std::vector<float> sc(static_cast<size_t>(sp.channels));
  std::vector<int32_t> zp(static_cast<size_t>(sp.channels));
  for (int64_t ch = 0; ch < sp.channels; ++ch) {
    OCTET_CHECK(!std::isinf(rmin[ch]) && !std::isinf(rmax[ch]) && !std::isnan(rmin[ch]) && !std::isnan(rmax[ch]), kWhere,
                "fake quantization needs an observed range, but running_min/running_max",
                (per_row_fake_quant ? " of a channel" : ""), " are ", rmin[ch], "/", rmax[ch],
                ": observe at least one batch with observer_on first (PyTorch would silently use scale 0.1)");
    const FbgemmQParams q = choose_qparams_fbgemm(rmin[ch], rmax[ch], r.qmin, r.qmax, symmetric_quant);
    sc[static_cast<size_t>(ch)] = q.scale;
    zp[static_cast<size_t>(ch)] = q.zero_point;
  }
  float* ps = scale.data_ptr<float>();
  for (int64_t ch = 0; ch < sp.channels; ++ch) ps[ch] = sc[static_cast<size_t>(ch)];
  if (zero_point.dtype() == kInt32) {
    int32_t* pz = zero_point.data_ptr<int32_t>();
    for (int64_t ch = 0; ch < sp.channels; ++ch) pz[ch] = zp[static_cast<size_t>(ch)];
  } else {
    int64_t* pz = zero_point.data_ptr<int64_t>();
    for (int64_t ch = 0; ch < sp.channels; ++ch) pz[ch] = zp[static_cast<size_t>(ch)];
  }

  out.output = detail::empty_uninitialized(x.shape(), kFloat32);
  out.mask = detail::empty_uninitialized(x.shape(), kBool);
  auto* mask = reinterpret_cast<uint8_t*>(out.mask.data_ptr<bool>());
  if (per_row_fake_quant) {
    fake_quant::fake_quantize_channels(x.data_ptr<float>(), out.output.data_ptr<float>(), mask, sp, sc.data(),
                                       zp.data(), r);
  } else {
    fake_quant::fake_quantize_tensor(x.data_ptr<float>(), out.output.data_ptr<float>(), mask, x.numel(), sc[0], zp[0],
                                     r);
  }
  return out;
}

Tensor fused_moving_avg_obs_fake_quant(const Tensor& input, const Tensor& observer_on, const Tensor& fake_quant_on,
                                       Tensor& running_min, Tensor& running_max, Tensor& scale, Tensor& zero_point,
                                       double averaging_const, int64_t quant_min, int64_t quant_max, int64_t ch_axis,
                                       bool per_row_fake_quant, bool symmetric_quant) {
  return fused_moving_avg_obs_fake_quant_cachemask(input, observer_on, fake_quant_on, running_min, running_max, scale,
                                                   zero_point, averaging_const, quant_min, quant_max, ch_axis,
                                                   per_row_fake_quant, symmetric_quant)
      .output;
}

}  // namespace octet
