// qparams_test.cpp: ranges, qparams selection rules, requantization and the fixed-point form.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/test_util.h"
#include "octet/octet.h"

namespace octet {
namespace {

TEST(CalculateQminQmax, DefaultAndReducedRanges) {
  auto r = calculate_qmin_qmax(kQUInt8);
  EXPECT_EQ(r.qmin, 0);
  EXPECT_EQ(r.qmax, 255);
  r = calculate_qmin_qmax(kQUInt8, true);
  EXPECT_EQ(r.qmax, 127);
  r = calculate_qmin_qmax(kQInt8, true);
  EXPECT_EQ(r.qmin, -64);
  EXPECT_EQ(r.qmax, 63);
  r = calculate_qmin_qmax(kQInt32);
  EXPECT_EQ(r.qmin, std::numeric_limits<int32_t>::min());
  EXPECT_EQ(r.qmax, std::numeric_limits<int32_t>::max());
  r = calculate_qmin_qmax(kQUInt4x2, true);
  EXPECT_EQ(r.qmax, 15);
  r = calculate_qmin_qmax(kQInt8, true, -7, 7);  // floor division like Python
  EXPECT_EQ(r.qmin, -4);
  EXPECT_EQ(r.qmax, 3);
  r = calculate_qmin_qmax(kQInt8, false, -127, 127);
  EXPECT_EQ(r.qmin, -127);
}

TEST(CalculateQminQmax, RejectsBadCustomRanges) {
  EXPECT_OCTET_ERROR(calculate_qmin_qmax(kQUInt8, false, 1, 10), "must include 0");
  EXPECT_OCTET_ERROR(calculate_qmin_qmax(kQInt8, false, 0, 0), "must be strictly less than quant_max");
  EXPECT_OCTET_ERROR(calculate_qmin_qmax(kQInt8, false, -200, 10), "does not fit in qint8");
  EXPECT_OCTET_ERROR(calculate_qmin_qmax(kQUInt8, false, 0, std::nullopt), "must be given together");
  EXPECT_OCTET_ERROR(calculate_qmin_qmax(kFloat32), "expected a quantized dtype");
}

TEST(ChooseQParams, AffineAndSymmetricByHand) {
  QParamsConfig affine{.dtype = kQUInt8, .qscheme = kPerTensorAffine};
  QParams p = choose_qparams(-1.0f, 3.0f, affine);
  EXPECT_EQ(p.scale, 4.0f / 255.0f);
  EXPECT_EQ(p.zero_point, 64);  // 0 - round(-1 / (4/255)) = round(63.75)
  p = choose_qparams(2.0f, 5.0f, affine);  // range widened to include 0
  EXPECT_EQ(p.scale, 5.0f / 255.0f);
  EXPECT_EQ(p.zero_point, 0);
  p = choose_qparams(0.0f, 0.0f, affine);  // eps floor
  EXPECT_EQ(p.scale, kFloat32Eps);
  EXPECT_EQ(p.zero_point, 0);
  QParamsConfig sym{.dtype = kQInt8, .qscheme = kPerTensorSymmetric};
  p = choose_qparams(-2.0f, 1.0f, sym);
  EXPECT_EQ(p.scale, 2.0f / 127.5f);
  EXPECT_EQ(p.zero_point, 0);
  QParamsConfig symu{.dtype = kQUInt8, .qscheme = kPerChannelSymmetric};
  EXPECT_EQ(choose_qparams(-2.0f, 1.0f, symu).zero_point, 128);
  symu.quant_min = 0;
  symu.quant_max = 15;
  EXPECT_EQ(choose_qparams(-2.0f, 1.0f, symu).zero_point, 7);
  QParamsConfig rr{.dtype = kQUInt8, .qscheme = kPerTensorAffine, .reduce_range = true};
  EXPECT_EQ(choose_qparams(-1.0f, 1.0f, rr).scale, 2.0f / 127.0f);
  QParamsConfig eps{.dtype = kQInt8, .qscheme = kPerTensorSymmetric, .eps = 0x1.0p-12f};
  EXPECT_EQ(choose_qparams(0.0f, 1e-6f, eps).scale, 0x1.0p-12f);
}

TEST(ChooseQParams, FloatQParams) {
  QParamsConfig c{.dtype = kQUInt8, .qscheme = kPerChannelAffineFloatQParams};
  FloatQParams f = choose_qparams_float(-1.0f, 3.0f, c);
  EXPECT_EQ(f.scale, 4.0f / 255.0f);
  EXPECT_EQ(f.zero_point, 1.0f / (4.0f / 255.0f));
  f = choose_qparams_float(2.0f, 2.0f, c);  // scale not > eps: 1
  EXPECT_EQ(f.scale, 1.0f);
  EXPECT_EQ(f.zero_point, -2.0f);
  EXPECT_OCTET_ERROR(choose_qparams(0.0f, 1.0f, c), "use choose_qparams_float");
}

TEST(ChooseQParams, ErrorsNameTheProblem) {
  QParamsConfig c;
  EXPECT_OCTET_ERROR(choose_qparams(INFINITY, -INFINITY, c), "the range was never observed");
  EXPECT_OCTET_ERROR(choose_qparams(NAN, 1.0f, c), "must not be NaN");
  EXPECT_OCTET_ERROR(choose_qparams(2.0f, 1.0f, c), "min (2) must be <= max (1)");
  EXPECT_OCTET_ERROR(choose_qparams(-INFINITY, 1.0f, c), "must be finite");
  EXPECT_OCTET_ERROR(choose_qparams(-3e38f, 3e38f, c), "is too wide: its scale overflows float32");
  QParamsConfig sym_rr{.dtype = kQUInt8, .qscheme = kPerTensorSymmetric, .reduce_range = true};
  EXPECT_OCTET_ERROR(choose_qparams(-1.0f, 1.0f, sym_rr), "cannot reduce range for symmetric quantization of quint8");
  c.eps = 0;
  EXPECT_OCTET_ERROR(choose_qparams(0.0f, 1.0f, c), "eps must be finite and > 0");
}

TEST(ChooseQParamsDynamic, FollowsFbgemmRule) {
  QParams p = choose_qparams_dynamic(-1.0f, 3.0f, 0, 255);
  EXPECT_EQ(p.scale, 4.0 / 255.0);  // the double, not rounded to float
  EXPECT_EQ(p.zero_point, 64);
  p = choose_qparams_dynamic(0.0f, 0.0f, 0, 255);  // zero range -> 0.1
  EXPECT_EQ(p.scale, 0.1);
  EXPECT_EQ(p.zero_point, 0);
  p = choose_qparams_dynamic(0.0f, 1e-4f, 0, 255);  // tiny range -> SMALL_SCALE_THRESHOLD
  EXPECT_EQ(p.scale, kDynamicSmallScale);
  EXPECT_EQ(p.zero_point, 0);
  p = choose_qparams_dynamic(-1e-4f, 0.0f, 0, 255);
  EXPECT_EQ(p.zero_point, 255);
  p = choose_qparams_dynamic(-1.0f, 1.0f, 0, 255, /*reduce_range=*/true);
  EXPECT_EQ(p.scale, 2.0 / 127.0);
  EXPECT_EQ(p.zero_point, 64);  // 63.5 from either end, nearest even
  EXPECT_OCTET_ERROR(choose_qparams_dynamic(1.0f, 0.0f, 0, 255), "min (1) must be <= max (0)");
}

TEST(Requantize, ContractFormula) {
  EXPECT_EQ(requantize_value(1000, 0.01f, 5, 0, 255), 15);
  EXPECT_EQ(requantize_value(250, 0.01f, 0, 0, 255), 2);  // 2.5 -> 2 (ties to even)
  EXPECT_EQ(requantize_value(350, 0.01f, 0, 0, 255), 4);  // 350 * 0.01f is exactly 3.5 in float32 -> 4
  EXPECT_EQ(requantize_value(std::numeric_limits<int32_t>::max(), 1.0f, 0, -128, 127), 127);
  EXPECT_EQ(requantize_value(std::numeric_limits<int32_t>::min(), 1.0f, 0, -128, 127), -128);
  EXPECT_EQ(requantization_multiplier(0.5f, 0.25f, 0.125f), 1.0f);
  EXPECT_OCTET_ERROR(requantization_multiplier(1.0f, 1.0f, 0.0f), "must be finite and > 0");
}

TEST(FixedPoint, MatchesExactRoundingWithinOneUnit) {
  const uint64_t seed = test::test_seed(21);
  Generator g(seed);
  for (int trial = 0; trial < 20000; ++trial) {
    const double m = std::ldexp(0.5 + 0.5 * g.uniform_double(), static_cast<int>(g.randint(-20, 2)));
    const auto acc = static_cast<int32_t>(g.randint(-(1 << 24), 1 << 24));
    const FixedPointMultiplier fp = quantize_multiplier(m);
    ASSERT_GE(fp.multiplier, 1 << 30);
    const double exact = static_cast<double>(acc) * std::ldexp(static_cast<double>(fp.multiplier), fp.shift - 31);
    const int32_t got = multiply_by_quantized_multiplier(acc, fp);
    // Two roundings (high multiply, then shift) stay within one unit of the exact product.
    ASSERT_LE(std::fabs(static_cast<double>(got) - exact), 1.0) << "acc " << acc << " m " << m;
    ASSERT_LE(std::fabs(static_cast<double>(got) - static_cast<double>(acc) * m), 1.0);
  }
  EXPECT_EQ(quantize_multiplier(0.0).multiplier, 0);
  EXPECT_EQ(quantize_multiplier(1.0).multiplier, 1 << 30);
  EXPECT_EQ(quantize_multiplier(1.0).shift, 1);
  EXPECT_EQ(multiply_by_quantized_multiplier(7, quantize_multiplier(0.5)), 4);    // 3.5 away from zero
  EXPECT_EQ(multiply_by_quantized_multiplier(-7, quantize_multiplier(0.5)), -3);  // VQRDMULH: -3.5 -> -3
  EXPECT_EQ(multiply_by_quantized_multiplier(-7, quantize_multiplier(0.25)), -2);  // shift: -1.75 -> -2
  EXPECT_EQ(multiply_by_quantized_multiplier(-3, quantize_multiplier(0.5 / 2)), -1);  // -0.75 -> -1
  EXPECT_EQ(multiply_by_quantized_multiplier((1 << 29) + 1, quantize_multiplier(2.0)), (1 << 30) + 2);
  EXPECT_EQ(multiply_by_quantized_multiplier(1 << 30, quantize_multiplier(4.0)), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(requantize_value_fixed_point(1000, quantize_multiplier(0.01), 5, 0, 255), 15);
  EXPECT_EQ(requantize_value_fixed_point(-1000000, quantize_multiplier(0.01), 5, 0, 255), 0);
  EXPECT_OCTET_ERROR(quantize_multiplier(-1.0), "must be finite and in [0, 2^31)");
  EXPECT_OCTET_ERROR(quantize_multiplier(NAN), "must be finite");
}

}  // namespace
}  // namespace octet
