// fixed_point.cpp: gemmlowp/TFLite-style fixed-point requantization for integer-only targets.
#include <cmath>
#include <cstdint>
#include <limits>

#include "octet/error.h"
#include "octet/qparams.h"

namespace octet {
namespace {

// Same computation as ARM's VQRDMULH: the high 32 bits of 2*a*b, rounded to nearest (ties away
// from zero), saturating the single overflowing case a == b == INT32_MIN.
int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero (gemmlowp RoundingDivideByPOT).
int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  if (exponent == 0) return x;
  const int64_t mask = (int64_t{1} << exponent) - 1;
  const int64_t remainder = static_cast<int64_t>(x) & mask;
  const int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return static_cast<int32_t>((static_cast<int64_t>(x) >> exponent) + (remainder > threshold ? 1 : 0));
}

}  // namespace

FixedPointMultiplier quantize_multiplier(double real_multiplier) {
  OCTET_CHECK(std::isfinite(real_multiplier) && real_multiplier >= 0 && real_multiplier < 2147483648.0,
              "quantize_multiplier", "the real multiplier must be finite and in [0, 2^31), got ", real_multiplier);
  FixedPointMultiplier m;
  if (real_multiplier == 0.0) return m;
  int exponent = 0;
  const double q = std::frexp(real_multiplier, &exponent);  // real = q * 2^exponent, q in [0.5, 1)
  auto q_fixed = static_cast<int64_t>(std::round(q * 2147483648.0));
  if (q_fixed == (int64_t{1} << 31)) {  // q rounded up to 1.0
    q_fixed /= 2;
    ++exponent;
  }
  if (exponent < -31) {  // below what a 31-bit right shift can express: the product rounds to 0
    return m;
  }
  m.multiplier = static_cast<int32_t>(q_fixed);
  m.shift = exponent;
  return m;
}

int32_t multiply_by_quantized_multiplier(int32_t x, FixedPointMultiplier m) {
  if (m.shift <= 0) {
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, m.multiplier), -m.shift);
  }
  // A multiplier >= 1: gemmlowp shifts x left first, which overflows int32 for large x. The same
  // doubling high multiply in 128 bits gives gemmlowp's answer whenever it has one, and saturates
  // when the true result does not fit.
  const __int128 ab = static_cast<__int128>(x) * (static_cast<__int128>(1) << m.shift) * m.multiplier;
  const __int128 nudge = ab >= 0 ? (static_cast<__int128>(1) << 30) : (1 - (static_cast<__int128>(1) << 30));
  const __int128 r = (ab + nudge) / (static_cast<__int128>(1) << 31);
  if (r > std::numeric_limits<int32_t>::max()) return std::numeric_limits<int32_t>::max();
  if (r < std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(r);
}

int64_t requantize_value_fixed_point(int32_t acc, FixedPointMultiplier m, int64_t zero_point, int64_t qmin,
                                     int64_t qmax) {
  const int64_t v = static_cast<int64_t>(multiply_by_quantized_multiplier(acc, m)) + zero_point;
  return v < qmin ? qmin : (v > qmax ? qmax : v);
}

}  // namespace octet
