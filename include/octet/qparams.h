// qparams.h: quantization math on scalars: ranges, choosing scale and zero point, requantization.
//
// The formulas follow PyTorch's observers and fbgemm's dynamic rule so that Octet picks the same
// qparams from the same data (docs/numerics.md states each one).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "octet/dtype.h"
#include "octet/quantizer.h"

namespace octet {

// float32 machine epsilon (2^-23): PyTorch observers' default floor on scale.
inline constexpr float kFloat32Eps = 1.1920928955078125e-07f;
// fbgemm's SMALL_SCALE_THRESHOLD for dynamic quantization.
inline constexpr float kDynamicSmallScale = 6.1e-05f;

struct QRange {
  int64_t qmin = 0;
  int64_t qmax = 0;
};

// PyTorch's calculate_qmin_qmax. Without a custom range: the dtype's full range, or halved with
// reduce_range (quint8 0..127, qint8 -64..63). With quant_min/quant_max given (both or neither):
// that range, validated (it must contain 0, lie inside the dtype, span at most 2^bits values),
// floor-halved with reduce_range.
QRange calculate_qmin_qmax(DType dtype, bool reduce_range = false,
                           std::optional<int64_t> quant_min = std::nullopt,
                           std::optional<int64_t> quant_max = std::nullopt);

// How an observer turns a [min, max] range into qparams.
struct QParamsConfig {
  DType dtype = kQUInt8;
  QScheme qscheme = kPerTensorAffine;
  bool reduce_range = false;
  std::optional<int64_t> quant_min = std::nullopt;
  std::optional<int64_t> quant_max = std::nullopt;
  float eps = kFloat32Eps;
};

// Scale in double, as PyTorch keeps it: observer scales are float32 values (exactly representable);
// the dynamic rule's scale is the double fbgemm computes. Kernels use (float)scale.
struct QParams {
  double scale = 1.0;
  int64_t zero_point = 0;
};

// PyTorch's _calculate_qparams for one range, in float32 throughout:
//   min_neg = min(min_val, 0), max_pos = max(max_val, 0)
//   symmetric: scale = max(max(-min_neg, max_pos) / ((qmax - qmin) / 2), eps);
//              zero_point = 0, or 128 for quint8 ((qmin + qmax) / 2 with a custom range)
//   affine:    scale = max((max_pos - min_neg) / (qmax - qmin), eps);
//              zero_point = clamp(qmin - round_half_even(min_neg / scale), qmin, qmax)
// min_val > max_val, a NaN/inf bound, a range too wide for a finite float32 scale, and symmetric
// quint8 with reduce_range (its zero point 128 would lie outside 0..127; PyTorch refuses it too)
// are Errors. Float-qparams schemes use choose_qparams_float below.
QParams choose_qparams(float min_val, float max_val, const QParamsConfig& config);

// Float zero-point qparams (per_channel_affine_float_qparams):
//   scale = (max - min) / (qmax - qmin), replaced by 1 when not > eps; zero_point = -min / scale.
struct FloatQParams {
  float scale = 1.0f;
  float zero_point = 0.0f;
};
FloatQParams choose_qparams_float(float min_val, float max_val, const QParamsConfig& config);

// fbgemm's ChooseQuantizationParams, used for dynamic quantization of activations: the range is
// widened to include 0; scale = (max - min) / (qmax - qmin) in double, 0.1 when it is 0 or its
// float reciprocal is inf; scales below 6.1e-5 are raised and the range re-spread; the zero point
// comes from the (min, qmin) or (max, qmax) pair with the smaller rounding error, clamped to the
// range and rounded half to even. reduce_range halves qmin and qmax first.
QParams choose_qparams_dynamic(float min_val, float max_val, int64_t qmin, int64_t qmax,
                               bool reduce_range = false, bool preserve_sparsity = false);

// --- scalar quantize / dequantize (the specification the kernels implement) ---------------------

// q = clamp(nearbyint(x * inv_scale) + zero_point, qmin, qmax), inv_scale = 1.0f / scale, float32
// arithmetic, ties to even; the zero point is added after rounding. NaN maps to qmax (as PyTorch's
// x86 paths give); +-inf saturate. This is PyTorch's quantize_val with its undefined cases defined.
int64_t quantize_value(float x, float scale, int64_t zero_point, int64_t qmin, int64_t qmax);
// x = (q - zero_point) * scale, one float32 rounding.
float dequantize_value(int64_t q, float scale, int64_t zero_point);
// Float zero point form: q = clamp(lrintf(x * inv_scale + zero_point), qmin, qmax), with
// inv_scale = 1 when scale is 0 (PyTorch's quantize_val_float_qparams).
int64_t quantize_value_float_qparams(float x, float scale, float zero_point, int64_t qmin,
                                     int64_t qmax);
// x = (q - zero_point) * scale with a float zero point.
float dequantize_value_float_qparams(int64_t q, float scale, float zero_point);

// --- requantization of int32 accumulators ------------------------------------------------------

// Octet's contract (docs/numerics.md): q = clamp(nearbyint((float)acc * multiplier) + zero_point,
// qmin, qmax) with a single float32 multiply, exact on every ISA and on the GPU. multiplier is
// input_scale * weight_scale / output_scale, computed in float32 by requantization_multiplier.
int64_t requantize_value(int32_t acc, float multiplier, int64_t zero_point, int64_t qmin,
                         int64_t qmax);
// (a_scale * w_scale) / out_scale in float32; an Error unless the result is finite and > 0.
float requantization_multiplier(float input_scale, float weight_scale, float output_scale);

// Fixed-point form for integer-only targets (gemmlowp / TFLite): multiplier = m * 2^(shift - 31)
// with m in [2^30, 2^31) (or 0). Exact to within rounding of the 31-bit mantissa.
struct FixedPointMultiplier {
  int32_t multiplier = 0;  // Q0.31
  int32_t shift = 0;       // positive: left shift, negative: right shift
};
// Decomposes a real multiplier in [0, 2^31) (an Error outside, or for NaN).
FixedPointMultiplier quantize_multiplier(double real_multiplier);
// x * m * 2^(shift - 31), rounded as gemmlowp does: SaturatingRoundingDoublingHighMul (VQRDMULH:
// ties toward +inf on negative products, away from zero on positive) followed by
// RoundingDivideByPOT (ties away from zero). For shift > 0 the result saturates to int32 instead
// of overflowing.
int32_t multiply_by_quantized_multiplier(int32_t x, FixedPointMultiplier m);
// Fixed-point requantization: clamp(multiply_by_quantized_multiplier(acc, m) + zero_point, ...).
int64_t requantize_value_fixed_point(int32_t acc, FixedPointMultiplier m, int64_t zero_point,
                                     int64_t qmin, int64_t qmax);

}  // namespace octet
