// qparams.cpp: ranges and scale/zero-point selection, formula for formula as PyTorch computes them.
#include "octet/qparams.h"

#include <algorithm>
#include <cmath>

#include "octet/error.h"

namespace octet {

QRange calculate_qmin_qmax(DType dtype, bool reduce_range, std::optional<int64_t> quant_min,
                           std::optional<int64_t> quant_max) {
  const char* where = "calculate_qmin_qmax";
  OCTET_CHECK(is_quantized(dtype), where, "expected a quantized dtype (quint8, qint8, qint32, quint4x2), got ",
              dtype);
  OCTET_CHECK(quant_min.has_value() == quant_max.has_value(), where,
              "quant_min and quant_max must be given together (got only ",
              quant_min.has_value() ? "quant_min" : "quant_max", ")");
  if (quant_min.has_value()) {
    const int64_t lo = *quant_min, hi = *quant_max;
    OCTET_CHECK(lo <= 0 && 0 <= hi, where, "the quantization range [", lo, ", ", hi, "] must include 0");
    OCTET_CHECK(lo < hi, where, "quant_min (", lo, ") must be strictly less than quant_max (", hi, ")");
    OCTET_CHECK(lo >= dtype_qmin(dtype) && hi <= dtype_qmax(dtype), where, "the quantization range [", lo, ", ",
                hi, "] does not fit in ", dtype, " ([", dtype_qmin(dtype), ", ", dtype_qmax(dtype), "])");
    // Python's floor division, as PyTorch applies it to custom ranges.
    auto floor_half = [](int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); };
    if (reduce_range) return {floor_half(lo), floor_half(hi)};
    return {lo, hi};
  }
  switch (dtype) {
    case DType::QInt8: return reduce_range ? QRange{-64, 63} : QRange{-128, 127};
    case DType::QUInt8: return reduce_range ? QRange{0, 127} : QRange{0, 255};
    case DType::QInt32: return {dtype_qmin(dtype), dtype_qmax(dtype)};
    default: return {0, 15};  // quint4x2: reduce_range does not apply, as in PyTorch
  }
}

namespace {
void check_range(float min_val, float max_val, const char* where) {
  OCTET_CHECK(!std::isnan(min_val) && !std::isnan(max_val), where, "min and max must not be NaN, got min=",
              min_val, " max=", max_val);
  OCTET_CHECK(!(std::isinf(min_val) && std::isinf(max_val) && min_val > 0 && max_val < 0), where,
              "the range was never observed (min=+inf, max=-inf): run calibration data through the observer "
              "first");
  OCTET_CHECK(std::isfinite(min_val) && std::isfinite(max_val), where, "min and max must be finite, got min=",
              min_val, " max=", max_val);
  OCTET_CHECK(min_val <= max_val, where, "min (", min_val, ") must be <= max (", max_val, ")");
}
}  // namespace

QParams choose_qparams(float min_val, float max_val, const QParamsConfig& config) {
  const char* where = "choose_qparams";
  check_range(min_val, max_val, where);
  OCTET_CHECK(config.qscheme != QScheme::PerChannelAffineFloatQParams, where,
              "per_channel_affine_float_qparams has float zero points: use choose_qparams_float");
  OCTET_CHECK(std::isfinite(config.eps) && config.eps > 0, where, "eps must be finite and > 0, got ", config.eps);
  const QRange r = calculate_qmin_qmax(config.dtype, config.reduce_range, config.quant_min, config.quant_max);
  const float min_neg = std::min(min_val, 0.0f);
  const float max_pos = std::max(max_val, 0.0f);
  QParams p;
  float scale;
  if (is_symmetric(config.qscheme)) {
    OCTET_CHECK(!(config.dtype == DType::QUInt8 && config.reduce_range && !config.quant_min.has_value()), where,
                "cannot reduce range for symmetric quantization of quint8 (the zero point 128 would lie outside "
                "0..127)");
    // (qmax - qmin) / 2 is computed in double by Python and is exact (a half-integer); the tensor
    // division then runs in float32.
    const float amax = std::max(-min_neg, max_pos);
    scale = std::max(amax / static_cast<float>(static_cast<double>(r.qmax - r.qmin) / 2.0), config.eps);
    if (config.dtype == DType::QUInt8) {
      const bool custom = config.quant_min.has_value();
      // Python's floor division of the (non-negative) sum.
      p.zero_point = custom ? (r.qmin + r.qmax) / 2 : 128;
    } else {
      p.zero_point = 0;
    }
  } else {
    scale = std::max((max_pos - min_neg) / static_cast<float>(r.qmax - r.qmin), config.eps);
    // torch.round: half to even, in float32.
    const float q = std::nearbyint(min_neg / scale);
    const int64_t zp = r.qmin - static_cast<int64_t>(q);
    p.zero_point = std::clamp(zp, r.qmin, r.qmax);
  }
  OCTET_CHECK(std::isfinite(scale), where, "the range [", min_val, ", ", max_val,
              "] is too wide: its scale overflows float32");
  p.scale = scale;
  return p;
}

FloatQParams choose_qparams_float(float min_val, float max_val, const QParamsConfig& config) {
  const char* where = "choose_qparams_float";
  check_range(min_val, max_val, where);
  const QRange r = calculate_qmin_qmax(config.dtype, config.reduce_range, config.quant_min, config.quant_max);
  FloatQParams p;
  const float scale = (max_val - min_val) / static_cast<float>(r.qmax - r.qmin);
  OCTET_CHECK(std::isfinite(scale), where, "the range [", min_val, ", ", max_val,
              "] is too wide: its scale overflows float32");
  p.scale = scale > config.eps ? scale : 1.0f;
  p.zero_point = (-1.0f * min_val) / p.scale;
  return p;
}

QParams choose_qparams_dynamic(float min_val, float max_val, int64_t qmin64, int64_t qmax64, bool reduce_range,
                               bool preserve_sparsity) {
  const char* where = "choose_qparams_dynamic";
  OCTET_CHECK(!std::isnan(min_val) && !std::isnan(max_val), where, "min and max must not be NaN, got min=",
              min_val, " max=", max_val);
  OCTET_CHECK(min_val <= max_val, where, "min (", min_val, ") must be <= max (", max_val, ")");
  OCTET_CHECK(qmin64 >= INT32_MIN && qmax64 <= INT32_MAX, where, "qmin and qmax must fit in int32");
  auto qmin = static_cast<int32_t>(qmin64);
  auto qmax = static_cast<int32_t>(qmax64);
  float min = min_val, max = max_val;
  // From here on, statement for statement PyTorch's quant_utils::ChooseQuantizationParams (which
  // differs from fbgemm's in the sign inside the zero-point error terms), including its mix of
  // float and double.
  if (reduce_range) {
    qmin = qmin / 2;
    qmax = qmax / 2;
  }
  if (min < 0 && max > 0 && preserve_sparsity) {
    const int symmetric_qmin = -((qmax - qmin) / 2 + 1);
    const int symmetric_qmax = (qmax - qmin) / 2;
    const double max_scale = std::max(std::fabs(min / static_cast<float>(symmetric_qmin)),
                                      std::fabs(max / static_cast<float>(symmetric_qmax)));
    min = static_cast<float>(max_scale * symmetric_qmin);
    max = static_cast<float>(max_scale * symmetric_qmax);
  }
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  OCTET_CHECK(qmin < qmax, where, "qmin (", qmin, ") must be less than qmax (", qmax, ")");

  double scale = (static_cast<double>(max) - min) / (qmax - qmin);
  if (static_cast<float>(scale) == 0.0f || std::isinf(1.0f / static_cast<float>(scale))) scale = 0.1;

  if (scale < kDynamicSmallScale) {
    const auto org_scale = static_cast<float>(scale);
    scale = kDynamicSmallScale;
    if (min == 0.0f) {
      max = kDynamicSmallScale * static_cast<float>(qmax - qmin);
    } else if (max == 0.0f) {
      min = -kDynamicSmallScale * static_cast<float>(qmax - qmin);
    } else {
      const float amplifier = kDynamicSmallScale / org_scale;
      min *= amplifier;
      max *= amplifier;
    }
  }

  const double zero_point_from_min = qmin - min / scale;
  const double zero_point_from_max = qmax - max / scale;
  const double zero_point_from_min_error = std::abs(qmin) - std::abs(min / scale);
  const double zero_point_from_max_error = std::abs(qmax) - std::abs(max / scale);
  double initial_zero_point =
      zero_point_from_min_error < zero_point_from_max_error ? zero_point_from_min : zero_point_from_max;
  if (min < 0 && max > 0 && preserve_sparsity) initial_zero_point = static_cast<double>(qmin + qmax) / 2;

  int32_t nudged_zero_point;
  if (initial_zero_point < qmin) {
    nudged_zero_point = qmin;
  } else if (initial_zero_point > qmax) {
    nudged_zero_point = qmax;
  } else {
    nudged_zero_point = static_cast<int32_t>(std::nearbyint(initial_zero_point));
  }
  return QParams{scale, nudged_zero_point};
}

// --- scalar quantize / dequantize -------------------------------------------------------------------

int64_t quantize_value(float x, float scale, int64_t zero_point, int64_t qmin, int64_t qmax) {
  const float inv_scale = 1.0f / scale;
  const float r = std::nearbyint(x * inv_scale);
  // PyTorch adds the (int64) zero point to the rounded float in float arithmetic; exact whenever
  // the result can land inside an 8-bit range, and the same rounding as PyTorch for qint32.
  const float t = r + static_cast<float>(zero_point);
  // NaN saturates to qmax, as PyTorch's scalar and vector paths both do.
  const double lo = static_cast<double>(qmin), hi = static_cast<double>(qmax);
  if (!(static_cast<double>(t) <= hi)) return qmax;
  if (static_cast<double>(t) < lo) return qmin;
  return static_cast<int64_t>(t);
}

float dequantize_value(int64_t q, float scale, int64_t zero_point) {
  return static_cast<float>(q - zero_point) * scale;
}

int64_t quantize_value_float_qparams(float x, float scale, float zero_point, int64_t qmin, int64_t qmax) {
  const float inv_scale = scale == 0.0f ? 1.0f : 1.0f / scale;
  const float v = x * inv_scale + zero_point;  // two roundings: the build forbids FMA contraction
  if (!(v <= static_cast<float>(qmax))) return qmax;  // also NaN
  if (v < static_cast<float>(qmin)) return qmin;
  return std::clamp<int64_t>(static_cast<int64_t>(std::nearbyint(v)), qmin, qmax);
}

float dequantize_value_float_qparams(int64_t q, float scale, float zero_point) {
  return (static_cast<float>(q) - zero_point) * scale;
}

// --- requantization -----------------------------------------------------------------------------------

int64_t requantize_value(int32_t acc, float multiplier, int64_t zero_point, int64_t qmin, int64_t qmax) {
  const float r = std::nearbyint(static_cast<float>(acc) * multiplier);
  const float t = r + static_cast<float>(zero_point);
  if (!(static_cast<double>(t) <= static_cast<double>(qmax))) return qmax;
  if (static_cast<double>(t) < static_cast<double>(qmin)) return qmin;
  return static_cast<int64_t>(t);
}

float requantization_multiplier(float input_scale, float weight_scale, float output_scale) {
  const float m = (input_scale * weight_scale) / output_scale;
  OCTET_CHECK(std::isfinite(m) && m > 0, "requantization_multiplier",
              "input_scale * weight_scale / output_scale must be finite and > 0, got ", input_scale, " * ",
              weight_scale, " / ", output_scale, " = ", m);
  return m;
}

}  // namespace octet
