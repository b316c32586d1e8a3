// resize_test.cpp: quantized nearest / bilinear upsampling against the float op (ATen's way) and PyTorch's quantized bilinear rule written out; layouts, threads, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "octet/octet.h"
#include "octet/quantized/resize.h"
#include "ops/quantized/qop_test_util.h"

namespace octet {
namespace {

namespace F = functional;
namespace Q = quantized;
using test::qop::compare;
using test::qop::expect_same_q;
using test::qop::random_q;

constexpr uint64_t kSeed = 20240615;

std::vector<std::pair<const char*, Tensor>> layouts(const Tensor& q) {
  return {{"contiguous", q}, {"channels-last", test::qop::to_channels_last(q)}, {"strided", test::qop::to_strided(q)}};
}

// Up, down, odd factors, one unchanged dim, the 2x shortcut.
const std::vector<std::pair<Shape, Shape>>& cases() {
  static const std::vector<std::pair<Shape, Shape>> c = {
      {{2, 3, 5, 7}, {10, 14}}, {{1, 20, 6, 5}, {13, 11}}, {{2, 2, 9, 8}, {4, 5}}, {{1, 3, 4, 6}, {4, 17}},
      {{1, 1, 1, 1}, {3, 2}},   {{1, 33, 3, 3}, {1, 1}}};
  return c;
}

TEST(QResize, nearest_equals_the_float_op) {
  Generator gen(test::test_seed(kSeed));
  for (DType dtype : {kQUInt8, kQInt8}) {
    for (const auto& [shape, size] : cases()) {
      const Tensor q = random_q(shape, dtype, 0.1, dtype == kQUInt8 ? 100 : -5, gen);
      const Tensor want = quantize_per_tensor(F::interpolate(q.dequantize(), size, {}, "nearest"), q.q_scale(),
                                              q.q_zero_point(), dtype);
      for (const auto& [name, x] : layouts(q)) {
        expect_same_q(Q::upsample_nearest2d(x, size), want, std::string("nearest ").append(name));
        expect_same_q(Q::interpolate(x, size, {}, "nearest"), want, std::string("interpolate ").append(name));
      }
    }
    // scale_factor maps coordinates with 1 / factor (not in / out) unless recomputed.
    const Tensor q = random_q({1, 2, 7, 9}, dtype, 0.1, 0, gen);
    for (double sf : {1.7, 2.0, 0.6, 3.0}) {
      for (bool recompute : {false, true}) {
        const Tensor want = quantize_per_tensor(F::interpolate(q.dequantize(), {}, {sf}, "nearest", std::nullopt, recompute),
                                                0.1, 0, dtype);
        expect_same_q(Q::interpolate(q, {}, {sf}, "nearest", std::nullopt, recompute), want, "nearest scale_factor");
      }
    }
  }
}

// PyTorch's quantized bilinear (UpSampleBilinear2d.cpp), written out independently: ATen's source
// index in float, weights on the stored integers, the zero point subtracted last, then rounded.
Tensor reference_bilinear(const Tensor& q, const Shape& size, bool align) {
  const int64_t N = q.size(0), C = q.size(1), H = q.size(2), W = q.size(3), OH = size[0], OW = size[1];
  const std::vector<int32_t> x = test::qop::ints(q);
  const float zp = static_cast<float>(q.q_zero_point());
  auto taps = [&](int64_t in, int64_t out, int64_t o, int64_t* i0, int64_t* step, float* l1) {
    const float r = align ? (out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f)
                          : static_cast<float>(in) / static_cast<float>(out);
    float src = align ? r * static_cast<float>(o) : r * (static_cast<float>(o) + 0.5f) - 0.5f;
    if (src < 0) src = 0;
    *i0 = static_cast<int64_t>(src);
    *step = *i0 < in - 1 ? 1 : 0;
    *l1 = src - static_cast<float>(*i0);
  };
  std::vector<int32_t> y;
  const int64_t qmin = dtype_qmin(q.dtype()), qmax = dtype_qmax(q.dtype());
  for (int64_t p = 0; p < N * C; ++p) {
    for (int64_t oh = 0; oh < OH; ++oh) {
      int64_t h, hs;
      float h1;
      taps(H, OH, oh, &h, &hs, &h1);
      for (int64_t ow = 0; ow < OW; ++ow) {
        int64_t w, ws;
        float w1;
        taps(W, OW, ow, &w, &ws, &w1);
        auto at = [&](int64_t i, int64_t j) { return static_cast<float>(x[static_cast<size_t>((p * H + i) * W + j)]); };
        const float h0 = 1.0f - h1, w0 = 1.0f - w1;
        const float r = h0 * (w0 * at(h, w) + w1 * at(h, w + ws)) + h1 * (w0 * at(h + hs, w) + w1 * at(h + hs, w + ws)) - zp;
        const double t = static_cast<double>(std::nearbyint(r)) + zp;
        y.push_back(static_cast<int32_t>(t < qmin ? qmin : t > qmax ? qmax : t));
      }
    }
  }
  const Tensor ints = from_vector(y, {N, C, OH, OW}).to(q.dtype() == kQUInt8 ? kUInt8 : kInt8);
  return make_per_tensor_quantized_tensor(ints, q.q_scale(), q.q_zero_point());
}

TEST(QResize, bilinear_is_pytorchs_rule_and_within_one_step_of_the_float_op) {
  Generator gen(test::test_seed(kSeed + 1));
  test::qop::IntDiff vs_float;
  for (DType dtype : {kQUInt8, kQInt8}) {
    for (int64_t zp : test::qop::zero_points(dtype)) {
      for (const auto& [shape, size] : cases()) {
        const Tensor q = random_q(shape, dtype, 0.1, zp, gen);
        for (bool align : {false, true}) {
          const Tensor want = reference_bilinear(q, size, align);
          for (const auto& [name, x] : layouts(q)) {
            expect_same_q(Q::upsample_bilinear2d(x, size, align), want, std::string("bilinear ").append(name));
          }
          expect_same_q(Q::interpolate(q, size, {}, "bilinear", align), want, "interpolate bilinear");
          const Tensor fl = F::interpolate(q.dequantize(), size, {}, "bilinear", align);
          const test::qop::IntDiff d = compare(want, quantize_per_tensor(fl, 0.1, zp, dtype));
          vs_float.total += d.total;
          vs_float.exact += d.exact;
          vs_float.max_diff = std::max(vs_float.max_diff, d.max_diff);
        }
      }
    }
  }
  // The float op weights dequantized values (each rounded) and copies unchanged dims instead of
  // weighting them; where the interpolated value is within float rounding of k + 1/2 the two round
  // to neighbours. Never more than one step.
  std::printf("[ QRESIZE  ] bilinear vs dequantize -> F::interpolate -> quantize: %s\n", vs_float.str().c_str());
  EXPECT_LE(vs_float.max_diff, 1);
}

TEST(QResize, output_keeps_qparams_layout_and_agrees_across_threads_and_isas) {
  Generator gen(test::test_seed(kSeed + 2));
  const Tensor q = test::qop::to_channels_last(random_q({2, 19, 7, 9}, kQInt8, 0.2, 7, gen));
  const Tensor y = Q::upsample_bilinear2d(q, {15, 20}, false);
  EXPECT_EQ(y.shape(), (Shape{2, 19, 15, 20}));
  EXPECT_EQ(y.stride(1), 1);
  EXPECT_EQ(y.q_scale(), 0.2);
  EXPECT_EQ(y.q_zero_point(), 7);
  const Tensor n = Q::upsample_nearest2d(q.contiguous(), {15, 20});
  EXPECT_TRUE(n.is_contiguous());
  test::qop::for_each_config([&](const std::string& label) {
    expect_same_q(Q::upsample_bilinear2d(q, {15, 20}, false), y, label);
    expect_same_q(Q::upsample_nearest2d(q.contiguous(), {15, 20}), n, label);
  });
}

TEST(QResize, bad_arguments_are_errors_with_clear_messages) {
  Generator gen(test::test_seed(kSeed + 3));
  const Tensor q = random_q({1, 2, 4, 4}, kQUInt8, 0.1, 0, gen);
  EXPECT_OCTET_ERROR(Q::upsample_nearest2d(zeros({1, 2, 4, 4}), {8, 8}), "expected a quantized input");
  EXPECT_OCTET_ERROR(Q::upsample_bilinear2d(zeros({1, 2, 4, 4}), {8, 8}, false), "expected a quantized input");
  EXPECT_OCTET_ERROR(Q::upsample_nearest2d(q.reshape({2, 4, 4}), {8, 8}), "expected a 4-D (N, C, H, W) input");
  EXPECT_OCTET_ERROR(Q::upsample_bilinear2d(q, {8}, false), "output_size must hold 2 values");
  EXPECT_OCTET_ERROR(Q::upsample_nearest2d(q, {0, 8}), "sizes should be greater than 0");
  EXPECT_OCTET_ERROR(Q::interpolate(q, {8}, {}, "bicubic"), "unsupported mode 'bicubic'");
  EXPECT_OCTET_ERROR(Q::interpolate(q, {8}, {}, "nearest", true), "align_corners can only be set with mode bilinear");
  EXPECT_OCTET_ERROR(Q::interpolate(q, {8}, {2.0}), "only one of size and scale_factor");
  EXPECT_OCTET_ERROR(Q::interpolate(q), "either size or scale_factor must be given");
  EXPECT_OCTET_ERROR(Q::interpolate(q, {}, {-1.0}), "scale_factor must be finite and > 0");
}

}  // namespace
}  // namespace octet
