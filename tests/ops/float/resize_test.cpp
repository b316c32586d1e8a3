// resize_test.cpp: interpolate (area and antialias included) and pad against PyTorch golden outputs (strided inputs too), and every bad input by message.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/octet.h"
#include "ops/float/norm_pool_test_util.h"

namespace octet {
namespace {

using test::json_optional;
using test::json_shape;

const test::GoldenFile& golden() {
  static const test::GoldenFile file("resize");
  return file;
}

TEST(InterpolateGolden, MatchesPyTorch) {
  const auto cases = golden().cases_of("interpolate");
  ASSERT_GE(cases.size(), 30u);
  for (const auto& c : cases) {
    const auto& a = c.args;
    std::vector<double> scale;
    if (!a.at("scale_factor").is_null()) scale = a.at("scale_factor").get<std::vector<double>>();
    for (bool strided : {false, true}) {
      const Tensor x = strided ? test::strided_copy(c.in(0)) : c.in(0);
      const Tensor y = F::interpolate(x, json_shape(a.at("size")), scale, a.at("mode").get<std::string>(),
                                      json_optional<bool>(a, "align_corners"),
                                      json_optional<bool>(a, "recompute_scale_factor"));
      // Nearest modes gather, so they match exactly; the others agree to float rounding.
      const bool nearest = a.at("mode").get<std::string>().rfind("nearest", 0) == 0;
      test::expect_close(y, c.out(0), c.name + (strided ? " strided" : ""), nearest ? 0.0 : 1e-5);
    }
  }
}

// "area" and antialias (scripts/golden/gen_resize_pool_extra.py): odd sizes, scale factors,
// align_corners both ways, up and down, one dim unchanged, 1x1 outputs, batch 1 and > 1.
TEST(InterpolateGolden, AreaAndAntialiasMatchPyTorch) {
  static const test::GoldenFile extra("resize_extra");
  const auto cases = extra.cases_of("interpolate");
  ASSERT_EQ(cases.size(), 37u);
  for (const auto& c : cases) {
    const auto& a = c.args;
    std::vector<double> scale;
    if (!a.at("scale_factor").is_null()) scale = a.at("scale_factor").get<std::vector<double>>();
    for (bool strided : {false, true}) {
      const Tensor x = strided ? test::strided_copy(c.in(0)) : c.in(0);
      const Tensor y = F::interpolate(x, json_shape(a.at("size")), scale, a.at("mode").get<std::string>(),
                                      json_optional<bool>(a, "align_corners"),
                                      json_optional<bool>(a, "recompute_scale_factor"), a.at("antialias").get<bool>());
      test::expect_close(y, c.out(0), c.name + (strided ? " strided" : ""), 1e-5);
    }
  }
}

// What PyTorch does when antialias has nothing to remove: sizes that do not change are copied bit
// for bit; upscaling bilinear without align_corners is the plain bilinear mode; upscaling bicubic
// is not (antialias uses A = -0.5, the plain mode A = -0.75).
TEST(Interpolate, AntialiasUpscalingAndSameSize) {
  Generator g(test::test_seed(32));
  const Tensor x = randn({2, 3, 5, 7}, g);
  for (const char* mode : {"bilinear", "bicubic"}) {
    for (bool corners : {false, true}) {
      EXPECT_TRUE(equal(F::interpolate(x, {5, 7}, {}, mode, corners, std::nullopt, /*antialias=*/true), x)) << mode;
    }
  }
  const Tensor up_aa = F::interpolate(x, {11, 16}, {}, "bilinear", false, std::nullopt, true);
  test::expect_close(up_aa, F::interpolate(x, {11, 16}, {}, "bilinear", false), "bilinear up", 1e-6);
  const Tensor cubic_aa = F::interpolate(x, {11, 16}, {}, "bicubic", false, std::nullopt, true);
  EXPECT_GT(test::relative_error(cubic_aa, F::interpolate(x, {11, 16}, {}, "bicubic", false)), 1e-3);
}

// The antialias weights of every output sum to 1, so a constant input stays constant at any scale.
TEST(Interpolate, AntialiasKeepsConstants) {
  const Tensor x = full({1, 2, 37, 23}, 3.25);
  for (const char* mode : {"bilinear", "bicubic"}) {
    for (const Shape& size : {Shape{5, 4}, Shape{1, 1}, Shape{36, 2}, Shape{12, 23}}) {
      const Tensor y = F::interpolate(x, size, {}, mode, false, std::nullopt, true);
      const Tensor y32 = y.contiguous();
      for (int64_t i = 0; i < y32.numel(); ++i) {
        ASSERT_NEAR(y32.data_ptr<float>()[i], 3.25f, 3e-6f) << mode << " " << shape_to_string(size) << " at " << i;
      }
    }
  }
}

// The planes are split across threads; every thread count gives the same bits.
TEST(Interpolate, AntialiasAndAreaIndependentOfThreads) {
  Generator g(test::test_seed(33));
  const Tensor x = randn({3, 5, 29, 31}, g);
  const int saved = get_num_threads();
  set_num_threads(1);
  const Tensor aa1 = F::interpolate(x, {7, 9}, {}, "bicubic", false, std::nullopt, true);
  const Tensor area1 = F::interpolate(x, {7, 9}, {}, "area");
  set_num_threads(4);
  const Tensor aa4 = F::interpolate(x, {7, 9}, {}, "bicubic", false, std::nullopt, true);
  const Tensor area4 = F::interpolate(x, {7, 9}, {}, "area");
  set_num_threads(saved);
  EXPECT_TRUE(equal(aa1, aa4));
  EXPECT_TRUE(equal(area1, area4));
}

TEST(PadGolden, MatchesPyTorch) {
  const auto cases = golden().cases_of("pad");
  ASSERT_GE(cases.size(), 15u);
  for (const auto& c : cases) {
    const auto& a = c.args;
    for (bool strided : {false, true}) {
      const Tensor x = strided ? test::strided_copy(c.in(0)) : c.in(0);
      const Tensor y = F::pad(x, json_shape(a.at("pad")), a.at("mode").get<std::string>(), json_optional<double>(a, "value"));
      test::expect_close(y, c.out(0), c.name + (strided ? " strided" : ""), 0.0);
    }
  }
}

TEST(Interpolate, SameSizeIsIdentityAndLinearIsExactOnRamps) {
  Generator g(test::test_seed(31));
  const Tensor x = randn({2, 3, 5, 7}, g);
  for (const char* mode : {"nearest", "nearest-exact", "bilinear", "bicubic"}) {
    EXPECT_TRUE(equal(F::interpolate(x, {5, 7}, {}, mode), x)) << mode;
  }
  // A linear ramp resampled with align_corners stays a ramp.
  const Tensor ramp = arange(0, 5, 1, kFloat32).reshape({1, 1, 5});
  const Tensor y = F::interpolate(ramp, {9}, {}, "linear", true);
  for (int64_t i = 0; i < 9; ++i) EXPECT_FLOAT_EQ(y.at<float>({0, 0, i}), 0.5f * static_cast<float>(i));
}

TEST(Pad, IntegerTensorsAndDefaults) {
  const Tensor x = arange(6).reshape({1, 2, 3});
  const Tensor y = F::pad(x, {1, 1}, "replicate");
  EXPECT_EQ(y.dtype(), kInt64);
  EXPECT_EQ(y.shape(), (Shape{1, 2, 5}));
  EXPECT_EQ(y.at<int64_t>({0, 1, 0}), 3);
  EXPECT_EQ(y.at<int64_t>({0, 1, 4}), 5);
  const Tensor z = F::pad(x, {0, 0, 1, 0});
  EXPECT_EQ(z.shape(), (Shape{1, 3, 3}));
  EXPECT_EQ(z.at<int64_t>({0, 0, 2}), 0);
  EXPECT_EQ(z.at<int64_t>({0, 2, 2}), 5);
  EXPECT_TRUE(equal(F::pad(x, {}), x));
}

TEST(InterpolateErrors, Arguments) {
  const Tensor x = zeros({1, 2, 4, 5});
  EXPECT_OCTET_ERROR(F::interpolate(x, {8, 8}, {}, "linear"), "interpolate: got a 4-D input, but linear mode needs a 3-D input");
  EXPECT_OCTET_ERROR(F::interpolate(zeros({1, 2, 4}), {8}, {}, "bilinear"), "got a 3-D input, but bilinear mode needs a 4-D input");
  EXPECT_OCTET_ERROR(F::interpolate(x, {8, 8}, {}, "box"),
                     "interpolate: unknown mode 'box'; expected nearest, nearest-exact, linear, bilinear, trilinear, "
                     "bicubic or area");
  EXPECT_OCTET_ERROR(F::interpolate(x, {8, 8}, {}, "area", false),
                     "interpolate: align_corners can only be set with the interpolating modes (linear, bilinear, "
                     "bicubic, trilinear), got mode area");
  EXPECT_OCTET_ERROR(F::interpolate(x, {2, 2}, {}, "nearest", std::nullopt, std::nullopt, /*antialias=*/true),
                     "interpolate: antialias is only supported with the bilinear and bicubic modes (4-D input), got "
                     "mode nearest");
  EXPECT_OCTET_ERROR(F::interpolate(x, {2, 2}, {}, "area", std::nullopt, std::nullopt, true),
                     "antialias is only supported with the bilinear and bicubic modes (4-D input), got mode area");
  EXPECT_OCTET_ERROR(F::interpolate(zeros({1, 2, 4, 4, 4}), {2, 2, 2}, {}, "trilinear", std::nullopt, std::nullopt, true),
                     "got mode trilinear");
  EXPECT_OCTET_ERROR(F::interpolate(zeros({1, 2, 4}), {8}, {}, "bilinear", std::nullopt, std::nullopt, true),
                     "interpolate: got a 3-D input, but bilinear mode needs a 4-D input");
  EXPECT_OCTET_ERROR(F::interpolate(x, {}, {0.1}, "area"),
                     "interpolate: input and output sizes should be greater than 0, got input [4, 5] and output [0, 0]");
  EXPECT_OCTET_ERROR(F::interpolate(x, {0, 2}, {}, "bicubic", std::nullopt, std::nullopt, true),
                     "input and output sizes should be greater than 0");
  EXPECT_OCTET_ERROR(F::interpolate(zeros({2, 4, 5, 6, 7, 8}), {3}, {}, "area"),
                     "interpolate: expected a 3-D, 4-D or 5-D input (N, C, *spatial), got shape [2, 4, 5, 6, 7, 8]");
  EXPECT_OCTET_ERROR(F::interpolate(x.to(kFloat64), {2, 2}, {}, "area"), "interpolate: expected a float32 input, got float64");
  EXPECT_OCTET_ERROR(F::interpolate(x, {8, 8}, {}, "nearest", true),
                     "interpolate: align_corners can only be set with the interpolating modes");
  EXPECT_OCTET_ERROR(F::interpolate(x), "interpolate: either size or scale_factor must be given");
  EXPECT_OCTET_ERROR(F::interpolate(x, {8, 8}, {2.0}), "interpolate: only one of size and scale_factor may be given");
  EXPECT_OCTET_ERROR(F::interpolate(x, {8, 8, 8}), "interpolate: size must hold 1 or 2 values for a 4-D input, got [8, 8, 8]");
  EXPECT_OCTET_ERROR(F::interpolate(x, {}, {2.0, 2.0, 2.0}), "scale_factor must hold 1 or 2 values for a 4-D input, got 3");
  EXPECT_OCTET_ERROR(F::interpolate(x, {}, {-1.0}), "interpolate: scale_factor must be finite and > 0, got -1");
  EXPECT_OCTET_ERROR(F::interpolate(x, {}, {0.1}), "interpolate: input and output sizes should be greater than 0, got input [4, 5] and output [0, 0]");
  EXPECT_OCTET_ERROR(F::interpolate(x, {0, 3}), "input and output sizes should be greater than 0");
  EXPECT_OCTET_ERROR(F::interpolate(x, {8, 8}, {}, "nearest", std::nullopt, true),
                     "interpolate: recompute_scale_factor is not meaningful with an explicit size");
  EXPECT_OCTET_ERROR(F::interpolate(zeros({4, 5}), {8}), "interpolate: expected a 3-D, 4-D or 5-D input (N, C, *spatial), got shape [4, 5]");
  EXPECT_OCTET_ERROR(F::interpolate(x.to(kInt64), {8, 8}), "interpolate: expected a float32 input, got int64");
}

TEST(PadErrors, Arguments) {
  const Tensor x = zeros({1, 2, 4, 5});
  EXPECT_OCTET_ERROR(F::pad(x, {1, 2, 3}), "pad: the pad list must have an even number of values, got 3");
  EXPECT_OCTET_ERROR(F::pad(zeros({3}), {1, 1, 1, 1}), "pad: the pad list pads 2 dims, but the input of shape [3] has only 1");
  EXPECT_OCTET_ERROR(F::pad(x, {1, 1}, "wrap"), "pad: unknown padding mode 'wrap'");
  const Tensor x3 = zeros({2, 4, 5});
  EXPECT_OCTET_ERROR(F::pad(x3, {5, 0}, "reflect"),
                     "pad: reflect padding must be smaller than the padded dim, got padding (5, 0) for dim 2 of size 5");
  EXPECT_OCTET_ERROR(F::pad(x, {0, 0, 1, 4}, "reflect"), "got padding (1, 4) for dim 2 of size 4");
  EXPECT_OCTET_ERROR(F::pad(x3, {6, 0}, "circular"),
                     "pad: circular padding may wrap around at most once: padding (6, 0) for dim 2 of size 5 (5 after cropping");
  EXPECT_OCTET_ERROR(F::pad(x3, {-2, 4}, "circular"), "padding (-2, 4) for dim 2 of size 5 (3 after cropping");
  EXPECT_OCTET_ERROR(F::pad(x, {1, 1}, "reflect", 2.0), "pad: padding mode 'reflect' does not take a value argument, got 2");
  EXPECT_OCTET_ERROR(F::pad(zeros({4, 5}), {1, 1, 1, 1}, "replicate"),
                     "pad: replicate padding of 2 dim(s) expects a 3-D or 4-D input (batched or not), got shape [4, 5]");
  EXPECT_OCTET_ERROR(F::pad(x, {1, 1, 1, 1, 1, 1, 1, 1}, "reflect"), "pad: reflect padding pads 1 to 3 trailing dims (2, 4 or 6 pad values), got 8 values");
  EXPECT_OCTET_ERROR(F::pad(x, {-3, -3}), "pad: the padded size of dim 3 would be negative: 5 + -3 + -3");
  EXPECT_OCTET_ERROR(F::pad(x3, {-3, -2}, "replicate"), "pad: the padded size of dim 2 would be 0 (5 + -3 + -2), at least 1 is needed");
  EXPECT_OCTET_ERROR(F::pad(quantize_per_tensor(x, 0.1, 0, kQUInt8), {1, 1}), "pad: expected a non-quantized input, got");
}

}  // namespace
}  // namespace octet
