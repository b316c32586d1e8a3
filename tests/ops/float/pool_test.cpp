// pool_test.cpp: max/avg/adaptive pooling against PyTorch golden outputs (every ISA level, strided inputs, indices), and every bad input by message.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <tuple>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/octet.h"
#include "ops/float/norm_pool_test_util.h"

namespace octet {
namespace {

using test::json_optional;
using test::json_shape;

const test::GoldenFile& golden() {
  static const test::GoldenFile file("pooling");
  return file;
}

using MaxFn = Tensor (*)(const Tensor&, const Shape&, const Shape&, const Shape&, const Shape&, bool);
using MaxIdxFn = std::tuple<Tensor, Tensor> (*)(const Tensor&, const Shape&, const Shape&, const Shape&,
                                                const Shape&, bool);
using AvgFn = Tensor (*)(const Tensor&, const Shape&, const Shape&, const Shape&, bool, bool, std::optional<int64_t>);

TEST(MaxPoolGolden, ValuesAndIndicesMatchPyTorchOnEveryIsa) {
  const struct {
    const char* op;
    MaxFn values;
    MaxIdxFn indices;
  } ops[] = {{"max_pool1d", &F::max_pool1d, &F::max_pool1d_with_indices},
             {"max_pool2d", &F::max_pool2d, &F::max_pool2d_with_indices},
             {"max_pool3d", &F::max_pool3d, &F::max_pool3d_with_indices}};
  test::IsaLevels isas;
  size_t total = 0;
  for (Isa isa : isas.levels()) {
    set_max_isa(isa);
    for (const auto& op : ops) {
      for (const auto& c : golden().cases_of(op.op)) {
        ++total;
        const auto& a = c.args;
        const Shape k = json_shape(a.at("kernel_size")), s = json_shape(a.at("stride")),
                    p = json_shape(a.at("padding")), d = json_shape(a.at("dilation"));
        const bool ceil = a.at("ceil_mode").get<bool>();
        for (bool strided : {false, true}) {
          const std::string what = c.name + " isa " + std::string(isa_name(isa)) + (strided ? " strided" : "");
          const Tensor x = strided ? test::strided_copy(c.in(0)) : c.in(0);
          // Max is exact: values equal PyTorch's bit for bit (NaN where it has NaN).
          test::expect_close(op.values(x, k, s, p, d, ceil), c.out(0), what, 0.0);
          const auto [v, i] = op.indices(x, k, s, p, d, ceil);
          test::expect_close(v, c.out(0), what + " (with indices)", 0.0);
          EXPECT_TRUE(equal(i, c.out(1))) << what << ": indices differ";
        }
      }
    }
  }
  EXPECT_GE(total, 18u);
}

TEST(AvgPoolGolden, MatchesPyTorchOnEveryIsa) {
  const struct {
    const char* op;
    AvgFn fn;
  } ops[] = {{"avg_pool1d", &F::avg_pool1d}, {"avg_pool2d", &F::avg_pool2d}, {"avg_pool3d", &F::avg_pool3d}};
  test::IsaLevels isas;
  size_t total = 0;
  for (Isa isa : isas.levels()) {
    set_max_isa(isa);
    for (const auto& op : ops) {
      for (const auto& c : golden().cases_of(op.op)) {
        ++total;
        const auto& a = c.args;
        for (bool strided : {false, true}) {
          const std::string what = c.name + " isa " + std::string(isa_name(isa)) + (strided ? " strided" : "");
          const Tensor x = strided ? test::strided_copy(c.in(0)) : c.in(0);
          const Tensor y = op.fn(x, json_shape(a.at("kernel_size")), json_shape(a.at("stride")),
                                 json_shape(a.at("padding")), a.at("ceil_mode").get<bool>(),
                                 a.at("count_include_pad").get<bool>(), json_optional<int64_t>(a, "divisor_override"));
          test::expect_close(y, c.out(0), what, 1e-5);
        }
      }
    }
  }
  EXPECT_GE(total, 15u);
}

TEST(AdaptivePoolGolden, MatchesPyTorchOnEveryIsa) {
  using AdaptiveFn = Tensor (*)(const Tensor&, const Shape&);
  using AdaptiveIdxFn = std::tuple<Tensor, Tensor> (*)(const Tensor&, const Shape&);
  const struct {
    const char* op;
    AdaptiveFn fn;
    AdaptiveIdxFn with_indices;
  } ops[] = {{"adaptive_avg_pool1d", &F::adaptive_avg_pool1d, nullptr},
             {"adaptive_avg_pool2d", &F::adaptive_avg_pool2d, nullptr},
             {"adaptive_avg_pool3d", &F::adaptive_avg_pool3d, nullptr},
             {"adaptive_max_pool1d", &F::adaptive_max_pool1d, &F::adaptive_max_pool1d_with_indices},
             {"adaptive_max_pool2d", &F::adaptive_max_pool2d, &F::adaptive_max_pool2d_with_indices}};
  test::IsaLevels isas;
  size_t total = 0;
  for (Isa isa : isas.levels()) {
    set_max_isa(isa);
    for (const auto& op : ops) {
      for (const auto& c : golden().cases_of(op.op)) {
        ++total;
        const std::string what = c.name + " isa " + std::string(isa_name(isa));
        const Shape out = json_shape(c.args.at("output_size"));
        const Tensor x = test::strided_copy(c.in(0));
        test::expect_close(op.fn(x, out), c.out(0), what, op.with_indices ? 0.0 : 1e-5);
        if (op.with_indices != nullptr) {
          const auto [v, i] = op.with_indices(x, out);
          test::expect_close(v, c.out(0), what, 0.0);
          EXPECT_TRUE(equal(i, c.out(1))) << what << ": indices differ";
        }
      }
    }
  }
  EXPECT_GE(total, 14u);
}

// adaptive_max_pool3d (scripts/golden/gen_resize_pool_extra.py): overlapping and up-sampling
// windows, global, unbatched, NaN (the index of a window's last NaN) and ties (the first maximum).
TEST(AdaptiveMaxPool3dGolden, ValuesAndIndicesMatchPyTorch) {
  static const test::GoldenFile extra("pooling_extra");
  const auto cases = extra.cases_of("adaptive_max_pool3d");
  ASSERT_EQ(cases.size(), 8u);
  for (const auto& c : cases) {
    const Shape out = json_shape(c.args.at("output_size"));
    for (bool strided : {false, true}) {
      const std::string what = c.name + (strided ? " strided" : "");
      const Tensor x = strided ? test::strided_copy(c.in(0)) : c.in(0);
      test::expect_close(F::adaptive_max_pool3d(x, out), c.out(0), what, 0.0);
      const auto [v, i] = F::adaptive_max_pool3d_with_indices(x, out);
      test::expect_close(v, c.out(0), what, 0.0);
      EXPECT_EQ(i.dtype(), kInt64) << what;
      EXPECT_TRUE(equal(i, c.out(1))) << what << ": indices differ";
    }
  }
}

// Larger random problems, every ISA level against the Ref level: the vector row kernels must agree
// with the scalar scan on every stride (1, 2, gathered) and on the borders.
TEST(Pool2d, VectorLevelsAgreeWithRef) {
  Generator g(test::test_seed(21));
  test::IsaLevels isas;
  struct Geometry {
    Shape shape, k, s, p, d;
    bool ceil;
  };
  const Geometry geos[] = {{{2, 3, 17, 67}, {3}, {1}, {1}, {1}, false}, {{1, 4, 23, 101}, {3}, {2}, {1}, {1}, true},
                           {{2, 2, 9, 90}, {2, 5}, {3, 3}, {0, 2}, {1, 1}, true},
                           {{1, 3, 12, 77}, {3}, {4, 5}, {1}, {2}, false}, {{1, 2, 8, 34}, {2}, {2}, {0}, {1}, false}};
  for (const auto& geo : geos) {
    const Tensor x = randn(geo.shape, g);
    set_max_isa(Isa::Ref);
    const Tensor want_max = F::max_pool2d(x, geo.k, geo.s, geo.p, geo.d, geo.ceil);
    const Tensor want_avg = F::avg_pool2d(x, geo.k, geo.s, geo.p, geo.ceil, false);
    const Tensor want_gap = F::adaptive_avg_pool2d(x, {1});
    for (Isa isa : isas.levels()) {
      set_max_isa(isa);
      const std::string what = shape_to_string(geo.shape) + " isa " + std::string(isa_name(isa));
      EXPECT_TRUE(equal(F::max_pool2d(x, geo.k, geo.s, geo.p, geo.d, geo.ceil), want_max)) << what;
      test::expect_close(F::avg_pool2d(x, geo.k, geo.s, geo.p, geo.ceil, false), want_avg, what, 1e-6);
      test::expect_close(F::adaptive_avg_pool2d(x, {1}), want_gap, what, 1e-6);
    }
  }
}

TEST(Pool, UnbatchedEqualsBatchOfOne) {
  Generator g(test::test_seed(22));
  const Tensor x = randn({3, 9, 11}, g);
  EXPECT_TRUE(equal(F::max_pool2d(x, {3}, {2}, {1}), F::max_pool2d(x.unsqueeze(0), {3}, {2}, {1}).squeeze(0)));
  EXPECT_TRUE(equal(F::avg_pool2d(x, {2}), F::avg_pool2d(x.unsqueeze(0), {2}).squeeze(0)));
  EXPECT_EQ(F::max_pool2d(zeros({0, 2, 5, 5}), {2}).shape(), (Shape{0, 2, 2, 2}));
}

TEST(Pool, AvgDivisorCountsPaddingOnlyWhenAsked) {
  // Kernel 3, pad 1 over a 2x2 plane: each window holds the 4 inputs and 5 padding cells.
  const Tensor x = full({1, 1, 2, 2}, 4.0);
  const Tensor y = F::avg_pool2d(x, {3}, {1}, {1}, false, false);
  for (int64_t i = 0; i < y.numel(); ++i) EXPECT_FLOAT_EQ(y.reshape({-1}).at<float>({i}), 4.0f);
  const Tensor z = F::avg_pool2d(x, {3}, {1}, {1}, false, true);
  EXPECT_FLOAT_EQ(z.at<float>({0, 0, 0, 0}), 16.0f / 9.0f);
}

TEST(PoolErrors, Shapes) {
  const Tensor x = zeros({2, 3, 8, 8});
  EXPECT_OCTET_ERROR(F::max_pool2d(zeros({8, 8}), {2}),
                     "max_pool2d: expected a 3-D or 4-D input (C, H, W) or (N, C, H, W), got shape [8, 8]");
  EXPECT_OCTET_ERROR(F::max_pool1d(zeros({2, 3, 4, 5}), {2}), "max_pool1d: expected a 2-D or 3-D input (C, L) or (N, C, L), got shape [2, 3, 4, 5]");
  EXPECT_OCTET_ERROR(F::avg_pool3d(zeros({8, 8, 8}), {2}), "avg_pool3d: expected a 4-D or 5-D input");
  EXPECT_OCTET_ERROR(F::max_pool2d(zeros({2, 0, 8, 8}), {2}), "expected non-zero sizes in every dim but the batch, got shape [2, 0, 8, 8]");
  EXPECT_OCTET_ERROR(F::max_pool2d(x.to(kFloat64), {2}), "max_pool2d: expected a float32 input, got float64");
  EXPECT_OCTET_ERROR(F::adaptive_avg_pool2d(zeros({5}), {1}), "adaptive_avg_pool2d: expected a 3-D or 4-D input");
  EXPECT_OCTET_ERROR(F::adaptive_max_pool1d(zeros({2, 3, 4, 5}), {2}), "adaptive_max_pool1d: expected a 2-D or 3-D input");
  EXPECT_OCTET_ERROR(F::adaptive_max_pool3d(zeros({3, 8, 8}), {2}),
                     "adaptive_max_pool3d: expected a 4-D or 5-D input (C, D, H, W) or (N, C, D, H, W), got shape [3, 8, 8]");
  EXPECT_OCTET_ERROR(F::adaptive_max_pool3d_with_indices(zeros({1, 2, 0, 3, 3}), {2}),
                     "adaptive_max_pool3d_with_indices: expected non-zero sizes in every dim but the batch, got shape [1, 2, 0, 3, 3]");
  EXPECT_OCTET_ERROR(F::adaptive_max_pool3d(zeros({2, 3, 4, 4, 4}, kInt64), {2}),
                     "adaptive_max_pool3d: expected a float32 input, got int64");
}

TEST(PoolErrors, Arguments) {
  const Tensor x = zeros({2, 3, 8, 8});
  EXPECT_OCTET_ERROR(F::max_pool2d(x, {2, 2, 2}), "max_pool2d: kernel_size must hold 1 or 2 values, got [2, 2, 2]");
  EXPECT_OCTET_ERROR(F::max_pool2d(x, {}), "max_pool2d: kernel_size must hold 1 or 2 values, got []");
  EXPECT_OCTET_ERROR(F::max_pool2d(x, {0, 2}), "max_pool2d: kernel_size must be > 0, got [0, 2]");
  EXPECT_OCTET_ERROR(F::max_pool2d(x, {2}, {0}), "max_pool2d: stride must be > 0, got [0]");
  EXPECT_OCTET_ERROR(F::max_pool2d(x, {2}, {}, {0}, {0}), "max_pool2d: dilation must be > 0, got [0]");
  EXPECT_OCTET_ERROR(F::max_pool2d(x, {3}, {}, {2}),
                     "max_pool2d: padding should be at most half of the kernel size, got padding [2] for kernel_size [3]");
  EXPECT_OCTET_ERROR(F::avg_pool2d(x, {4, 2}, {}, {1, 2}), "avg_pool2d: padding should be at most half of the kernel size");
  EXPECT_OCTET_ERROR(F::max_pool2d(x, {2}, {}, {-1}), "padding should be at most half of the kernel size, got padding [-1]");
  EXPECT_OCTET_ERROR(F::max_pool2d(x, {9}), "max_pool2d: the output size [0, 0] computed for input size [8, 8] is too small");
  EXPECT_OCTET_ERROR(F::max_pool2d(x, {3}, {1}, {0}, {4}), "the kernel (with dilation) is larger than the padded input");
  EXPECT_OCTET_ERROR(F::avg_pool1d(zeros({1, 3}), {6}, {}, {1}), "avg_pool1d: the output size [0] computed for input size [3] is too small");
  EXPECT_OCTET_ERROR(F::avg_pool2d(x, {2}, {}, {0}, false, true, 0), "avg_pool2d: divisor_override must be non-zero, got 0");
  EXPECT_OCTET_ERROR(F::adaptive_avg_pool2d(x, {2, 2, 2}), "adaptive_avg_pool2d: output_size must hold 1 or 2 values, got [2, 2, 2]");
  EXPECT_OCTET_ERROR(F::adaptive_max_pool2d(x, {-1}), "adaptive_max_pool2d: output_size must be >= 0, got [-1]");
  const Tensor x3 = zeros({2, 3, 4, 4, 4});
  EXPECT_OCTET_ERROR(F::adaptive_max_pool3d(x3, {2, 2}), "adaptive_max_pool3d: output_size must hold 1 or 3 values, got [2, 2]");
  EXPECT_OCTET_ERROR(F::adaptive_max_pool3d_with_indices(x3, {2, -3, 2}),
                     "adaptive_max_pool3d_with_indices: output_size must be >= 0, got [2, -3, 2]");
}

}  // namespace
}  // namespace octet
