// norm_test.cpp: batch_norm, layer_norm, group_norm, instance_norm against PyTorch golden outputs (every ISA level, strided inputs), running-stat updates, and every bad input by message.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
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
  static const test::GoldenFile file("norm");
  return file;
}

Tensor maybe(const test::GoldenCase& c, int i) { return c.has("in" + std::to_string(i)) ? c.in(i) : Tensor{}; }

TEST(BatchNormGolden, MatchesPyTorchOnEveryIsa) {
  const auto cases = golden().cases_of("batch_norm");
  ASSERT_GE(cases.size(), 20u);
  test::IsaLevels isas;
  for (Isa isa : isas.levels()) {
    set_max_isa(isa);
    for (const auto& c : cases) {
      for (bool strided : {false, true}) {
        const auto& a = c.args;
        const std::string what = c.name + " isa " + std::string(isa_name(isa)) + (strided ? " strided" : "");
        // Fresh copies: the call updates the running statistics in place.
        Tensor rm = a.at("running").get<bool>() ? c.in(1).clone() : Tensor{};
        Tensor rv = a.at("running").get<bool>() ? c.in(2).clone() : Tensor{};
        Tensor nbt;
        if (a.contains("num_batches_tracked")) nbt = from_vector<int64_t>({a.at("num_batches_tracked").get<int64_t>()});
        const Tensor x = strided ? test::strided_copy(c.in(0)) : c.in(0);
        const Tensor y = F::batch_norm(x, rm, rv, maybe(c, 3), maybe(c, 4), a.at("training").get<bool>(),
                                       json_optional<double>(a, "momentum"), a.at("eps").get<double>(), nbt);
        // Offset cases compare with the float64 answer: float32 output arithmetic alone costs about
        // ulp(offset) / std there (the statistics themselves are exact in double).
        test::expect_close(y, c.out(0), what, a.value("offset_case", false) ? 5e-3 : 1e-5);
        if (c.has("out1")) {
          test::expect_close(rm, c.out(1), what + " running_mean", 1e-6);
          test::expect_close(rv, c.out(2), what + " running_var", 1e-6);
        }
        if (nbt.defined()) {
          EXPECT_EQ(nbt.item<int64_t>(), a.at("num_batches_tracked").get<int64_t>() + 1) << what;
        }
      }
    }
  }
}

TEST(LayerNormGolden, MatchesPyTorchOnEveryIsa) {
  const auto cases = golden().cases_of("layer_norm");
  ASSERT_GE(cases.size(), 12u);
  test::IsaLevels isas;
  for (Isa isa : isas.levels()) {
    set_max_isa(isa);
    for (const auto& c : cases) {
      for (bool strided : {false, true}) {
        const std::string what = c.name + " isa " + std::string(isa_name(isa)) + (strided ? " strided" : "");
        const Tensor x = strided ? test::strided_copy(c.in(0)) : c.in(0);
        const Tensor y = F::layer_norm(x, json_shape(c.args.at("normalized_shape")), maybe(c, 1), maybe(c, 2),
                                       c.args.at("eps").get<double>());
        test::expect_close(y, c.out(0), what, c.args.value("offset_case", false) ? 5e-3 : 1e-5);
      }
    }
  }
}

TEST(GroupNormGolden, MatchesPyTorchOnEveryIsa) {
  const auto cases = golden().cases_of("group_norm");
  ASSERT_GE(cases.size(), 12u);
  test::IsaLevels isas;
  for (Isa isa : isas.levels()) {
    set_max_isa(isa);
    for (const auto& c : cases) {
      const std::string what = c.name + " isa " + std::string(isa_name(isa));
      const Tensor y = F::group_norm(test::strided_copy(c.in(0)), c.args.at("num_groups").get<int64_t>(), maybe(c, 1),
                                     maybe(c, 2), c.args.at("eps").get<double>());
      test::expect_close(y, c.out(0), what, 1e-5);
    }
  }
}

TEST(InstanceNormGolden, MatchesPyTorchOnEveryIsa) {
  const auto cases = golden().cases_of("instance_norm");
  ASSERT_GE(cases.size(), 15u);
  test::IsaLevels isas;
  for (Isa isa : isas.levels()) {
    set_max_isa(isa);
    for (const auto& c : cases) {
      const auto& a = c.args;
      const std::string what = c.name + " isa " + std::string(isa_name(isa));
      Tensor rm = a.at("running").get<bool>() ? c.in(1).clone() : Tensor{};
      Tensor rv = a.at("running").get<bool>() ? c.in(2).clone() : Tensor{};
      const Tensor y = F::instance_norm(c.in(0), rm, rv, maybe(c, 3), maybe(c, 4), a.at("use_input_stats").get<bool>(),
                                        a.at("momentum").get<double>(), a.at("eps").get<double>());
      test::expect_close(y, c.out(0), what, 1e-5);
      if (c.has("out1")) {
        test::expect_close(rm, c.out(1), what + " running_mean", 1e-6);
        test::expect_close(rv, c.out(2), what + " running_var", 1e-6);
      }
    }
  }
}

// Running statistics that are views of a larger buffer are updated through their strides.
TEST(BatchNorm, UpdatesStridedRunningStatsInPlace) {
  Generator g(test::test_seed(11));
  const Tensor x = randn({4, 3, 5}, g);
  Tensor buffer = zeros({6});
  Tensor rm = buffer.slice(0, 0, 6, 2), rv_buf = ones({3});
  F::batch_norm(x, rm, rv_buf, {}, {}, /*training=*/true, /*momentum=*/1.0);
  for (int64_t c = 0; c < 3; ++c) {
    double sum = 0;
    for (int64_t n = 0; n < 4; ++n) for (int64_t s = 0; s < 5; ++s) sum += x.at<float>({n, c, s});
    EXPECT_NEAR(buffer.at<float>({2 * c}), sum / 20.0, 1e-5);
    EXPECT_EQ(buffer.at<float>({2 * c + 1}), 0.0f);  // the gaps stay untouched
  }
}

// momentum absent: the cumulative average 1 / num_batches_tracked over successive batches equals
// the plain mean of the batch means.
TEST(BatchNorm, CumulativeAverageWithoutMomentum) {
  Generator g(test::test_seed(12));
  Tensor rm = zeros({2}), rv = ones({2});
  Tensor nbt = from_vector<int64_t>({0});
  std::vector<double> means[2];
  for (int step = 0; step < 3; ++step) {
    const Tensor x = randn({3, 2, 4}, g);
    F::batch_norm(x, rm, rv, {}, {}, true, std::nullopt, 1e-5, nbt);
    for (int64_t c = 0; c < 2; ++c) {
      double sum = 0;
      for (int64_t n = 0; n < 3; ++n) for (int64_t s = 0; s < 4; ++s) sum += x.at<float>({n, c, s});
      means[c].push_back(sum / 12.0);
    }
  }
  EXPECT_EQ(nbt.item<int64_t>(), 3);
  for (int64_t c = 0; c < 2; ++c) {
    EXPECT_NEAR(rm.at<float>({c}), (means[c][0] + means[c][1] + means[c][2]) / 3.0, 1e-5);
  }
}

TEST(BatchNorm, EvalIsPerChannelAffineAndEmptyInputsWork) {
  const Tensor x = from_vector<float>({1, 2, 3, 4, 5, 6}, {1, 2, 3});
  const Tensor y = F::batch_norm(x, from_vector<float>({1, 2}), from_vector<float>({4, 0.25f}),
                                 from_vector<float>({2, 1}), from_vector<float>({0, 1}), false, 0.1, 0.0);
  const float want[] = {0, 1, 2, 5, 7, 9};
  for (int64_t i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(y.reshape({6}).at<float>({i}), want[i]);
  EXPECT_EQ(F::batch_norm(zeros({0, 3, 4}), zeros({3}), ones({3})).shape(), (Shape{0, 3, 4}));
  EXPECT_EQ(F::layer_norm(zeros({0, 5}), {5}).shape(), (Shape{0, 5}));
  EXPECT_EQ(F::group_norm(zeros({0, 4, 2}), 2).shape(), (Shape{0, 4, 2}));
}

// Statistics in double survive a large common offset that float accumulation would destroy.
TEST(LayerNorm, LargeOffsetLongRow) {
  const int64_t n = 4099;
  Tensor x = empty({2, n});
  for (int64_t i = 0; i < n; ++i) {
    x.set({0, i}, 10000.0 + ((i % 2) ? 0.5 : -0.5));
    x.set({1, i}, (i % 2) ? 1.0 : -1.0);
  }
  test::IsaLevels isas;
  for (Isa isa : isas.levels()) {
    set_max_isa(isa);
    const Tensor y = F::layer_norm(x, {n}, {}, {}, 0.0);
    for (int64_t r = 0; r < 2; ++r) {
      // One more -1 than +1: mean -1/n, var 1 - 1/n^2, so y = (x - mean) / std. Row 0 is the same
      // pattern scaled by 0.5 on top of 10000: exact statistics give the same y, up to the float32
      // rounding of the mean near 10000 (half an ulp, 0.0005, over a std of 0.5).
      const double mean = -1.0 / n, stdv = std::sqrt(1.0 - 1.0 / (double(n) * n));
      const double tol = r == 0 ? 2e-3 : 1e-5;
      EXPECT_NEAR(y.at<float>({r, 0}), (-1.0 - mean) / stdv, tol) << isa_name(isa);
      EXPECT_NEAR(y.at<float>({r, 1}), (1.0 - mean) / stdv, tol) << isa_name(isa);
    }
  }
}

TEST(NormErrors, BatchNorm) {
  const Tensor x = zeros({2, 3, 4}), c3 = zeros({3}), c4 = zeros({4});
  EXPECT_OCTET_ERROR(F::batch_norm(zeros({3}), c3, c3), "batch_norm: expected an input of at least 2 dims (N, C, *), got shape [3]");
  EXPECT_OCTET_ERROR(F::batch_norm(x.to(kInt64), c3, c3), "batch_norm: expected a float32 input, got int64");
  EXPECT_OCTET_ERROR(F::batch_norm(x, c4, c3), "batch_norm: running_mean should be a vector of 3 elements, got shape [4]");
  EXPECT_OCTET_ERROR(F::batch_norm(x, c3, c3, c4), "batch_norm: weight should be a vector of 3 elements, got shape [4]");
  EXPECT_OCTET_ERROR(F::batch_norm(x, c3, c3, {}, zeros({1, 3})), "bias should be a vector of 3 elements, got shape [1, 3]");
  EXPECT_OCTET_ERROR(F::batch_norm(x, c3, c3.to(kFloat64)), "batch_norm: running_var must be float32, got float64");
  EXPECT_OCTET_ERROR(F::batch_norm(x, {}, c3), "running_mean and running_var must be defined in evaluation mode");
  EXPECT_OCTET_ERROR(F::batch_norm(zeros({1, 3}), c3, c3, {}, {}, true),
                     "batch_norm: expected more than 1 value per channel when training, got input of shape [1, 3]");
  EXPECT_OCTET_ERROR(F::batch_norm(x, c3, c3, {}, {}, true, std::nullopt),
                     "momentum is absent (cumulative moving average), which needs num_batches_tracked");
  EXPECT_OCTET_ERROR(F::batch_norm(x, c3, c3, {}, {}, true, 0.1, 1e-5, zeros({1})),
                     "num_batches_tracked must be a one-element int64 tensor, got float32 of shape [1]");
  EXPECT_OCTET_ERROR(F::batch_norm(x, c3, c3, {}, {}, false, 0.1, -1.0), "batch_norm: eps must be >= 0, got -1");
  EXPECT_OCTET_ERROR(F::batch_norm(Tensor{}, c3, c3), "batch_norm: input is an undefined tensor");
}

TEST(NormErrors, LayerNorm) {
  const Tensor x = zeros({2, 3, 5});
  EXPECT_OCTET_ERROR(F::layer_norm(x, {3, 4}),
                     "layer_norm: given normalized_shape=[3, 4], expected input with shape [*, 3, 4], got input of shape [2, 3, 5]");
  EXPECT_OCTET_ERROR(F::layer_norm(x, {}), "layer_norm: expected normalized_shape to hold at least one dim");
  EXPECT_OCTET_ERROR(F::layer_norm(x, {1, 2, 3, 5}), "expected input with shape [*, 1, 2, 3, 5]");
  EXPECT_OCTET_ERROR(F::layer_norm(x, {3, 5}, zeros({15})),
                     "layer_norm: expected weight of shape [3, 5] (normalized_shape), got [15]");
  EXPECT_OCTET_ERROR(F::layer_norm(x, {5}, {}, zeros({4})), "expected bias of shape [5] (normalized_shape), got [4]");
  EXPECT_OCTET_ERROR(F::layer_norm(x.to(kFloat64), {5}), "layer_norm: expected a float32 input, got float64");
}

TEST(NormErrors, GroupNorm) {
  const Tensor x = zeros({2, 6, 5});
  EXPECT_OCTET_ERROR(F::group_norm(x, 4),
                     "group_norm: expected the number of channels to be divisible by num_groups, got 6 channels (input of shape [2, 6, 5]) and num_groups=4");
  EXPECT_OCTET_ERROR(F::group_norm(x, 0), "group_norm: num_groups must be > 0, got 0");
  EXPECT_OCTET_ERROR(F::group_norm(zeros({6}), 3), "group_norm: expected an input of at least 2 dims (N, C, *), got shape [6]");
  EXPECT_OCTET_ERROR(F::group_norm(x, 3, zeros({3})), "group_norm: weight should be a vector of 6 elements, got shape [3]");
}

TEST(NormErrors, InstanceNorm) {
  const Tensor c3 = zeros({3});
  EXPECT_OCTET_ERROR(F::instance_norm(zeros({2, 3})), "instance_norm: expected an input of at least 3 dims (N, C, *spatial), got shape [2, 3]");
  EXPECT_OCTET_ERROR(F::instance_norm(zeros({2, 3, 1})),
                     "instance_norm: expected more than 1 spatial element when use_input_stats is true, got input of shape [2, 3, 1]");
  EXPECT_OCTET_ERROR(F::instance_norm(zeros({2, 3, 4}), {}, {}, {}, {}, false),
                     "instance_norm: running_mean and running_var must be defined when use_input_stats is false");
  EXPECT_OCTET_ERROR(F::instance_norm(zeros({2, 3, 4}), zeros({2}), c3), "instance_norm: running_mean should be a vector of 3 elements, got shape [2]");
}

}  // namespace
}  // namespace octet
