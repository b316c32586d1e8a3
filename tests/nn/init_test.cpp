// init_test.cpp: nn::init: gains, fans, bounds and statistics of every initializer, layouts and
// dtypes, seeding through the default generator, and bad arguments.
#include <gtest/gtest.h>

#include <cmath>

#include "common/test_util.h"
#include "octet/octet.h"

namespace octet::nn::init {
namespace {

struct Stats {
  double mean = 0, stddev = 0, min = 0, max = 0;
};

Stats stats(const Tensor& t) {
  const Tensor c = t.to(kFloat64).contiguous();
  const double* d = c.data_ptr<double>();
  const int64_t n = c.numel();
  Stats s{0, 0, d[0], d[0]};
  for (int64_t i = 0; i < n; ++i) {
    s.mean += d[i];
    s.min = std::min(s.min, d[i]);
    s.max = std::max(s.max, d[i]);
  }
  s.mean /= static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) s.stddev += (d[i] - s.mean) * (d[i] - s.mean);
  s.stddev = std::sqrt(s.stddev / static_cast<double>(n - 1));
  return s;
}

// 200k draws: the sample mean is within 0.01 std and the sample std within 1% with
// overwhelming probability; a uniform sample reaches within 0.1% of its bounds.
void expect_uniform(const Tensor& t, double lo, double hi) {
  const Stats s = stats(t);
  EXPECT_GE(s.min, lo);
  EXPECT_LT(s.max, hi);
  EXPECT_LT(s.min, lo + 1e-3 * (hi - lo));
  EXPECT_GT(s.max, hi - 1e-3 * (hi - lo));
  const double sd = (hi - lo) / std::sqrt(12.0);
  EXPECT_NEAR(s.mean, (lo + hi) / 2, 0.01 * sd);
  EXPECT_NEAR(s.stddev, sd, 0.01 * sd);
}

void expect_normal(const Tensor& t, double mean, double sd) {
  const Stats s = stats(t);
  EXPECT_NEAR(s.mean, mean, 0.01 * sd);
  EXPECT_NEAR(s.stddev, sd, 0.01 * sd);
  EXPECT_LT(s.max, mean + 6.5 * sd);
  EXPECT_GT(s.min, mean - 6.5 * sd);
}

TEST(Init, CalculateGain) {
  for (const char* name : {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                           "conv_transpose3d", "sigmoid"}) {
    EXPECT_DOUBLE_EQ(calculate_gain(name), 1.0) << name;
  }
  EXPECT_DOUBLE_EQ(calculate_gain("tanh"), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(calculate_gain("leaky_relu"), std::sqrt(2.0 / (1.0 + 0.01 * 0.01)));
  EXPECT_DOUBLE_EQ(calculate_gain("leaky_relu", 0.2), std::sqrt(2.0 / 1.04));
  EXPECT_DOUBLE_EQ(calculate_gain("leaky_relu", std::sqrt(5.0)), std::sqrt(1.0 / 3.0));
  EXPECT_DOUBLE_EQ(calculate_gain("selu"), 0.75);
  EXPECT_OCTET_ERROR(calculate_gain("gelu"), "calculate_gain: unsupported nonlinearity 'gelu'");
  EXPECT_OCTET_ERROR(calculate_gain("leaky_relu", NAN), "negative_slope nan is not a valid number");
}

TEST(Init, FanInAndFanOut) {
  EXPECT_EQ(calculate_fan_in_and_fan_out(empty({8, 4})), (std::pair<int64_t, int64_t>{4, 8}));           // Linear
  EXPECT_EQ(calculate_fan_in_and_fan_out(empty({16, 3, 5, 7})), (std::pair<int64_t, int64_t>{105, 560}));  // Conv2d
  EXPECT_EQ(calculate_fan_in_and_fan_out(empty({6, 2, 3})), (std::pair<int64_t, int64_t>{6, 18}));       // Conv1d
  EXPECT_EQ(calculate_fan_in_and_fan_out(empty({6, 4}).t()), (std::pair<int64_t, int64_t>{6, 4}));
  EXPECT_OCTET_ERROR(calculate_fan_in_and_fan_out(empty({5})),
                     "calculate_fan_in_and_fan_out: fan in and fan out can not be computed for a tensor with fewer "
                     "than 2 dimensions, got shape [5]");
}

TEST(Init, UniformAndNormal) {
  Generator g(test::test_seed(31));
  expect_uniform(uniform_(empty({400, 500}), -2.0, 3.0, &g), -2.0, 3.0);
  expect_uniform(uniform_(empty({200000}), 0.0, 1.0, &g), 0.0, 1.0);
  expect_normal(normal_(empty({200000}), 1.5, 0.5, &g), 1.5, 0.5);
  // A degenerate range is a constant.
  EXPECT_TRUE(equal(uniform_(empty({7}), 0.5, 0.5, &g), full({7}, 0.5)));
  EXPECT_OCTET_ERROR(uniform_(empty({2}), 1.0, 0.0, &g), "uniform_: expected finite bounds with a <= b, got a=1 b=0");
  EXPECT_OCTET_ERROR(normal_(empty({2}), 0.0, -1.0, &g), "normal_: expected a finite mean and std >= 0, got mean=0 std=-1");
  EXPECT_OCTET_ERROR(uniform_(zeros({2}, kInt32)), "uniform_: expected a floating-point tensor, got int32");
  EXPECT_OCTET_ERROR(normal_(Tensor{}), "normal_: the tensor is undefined");
}

TEST(Init, KaimingUniformBoundIsGainTimesSqrt3OverFan) {
  Generator g(test::test_seed(32));
  // Conv2d weight [out=64, in=32, 3, 3]: fan_in = 288, fan_out = 576.
  Tensor w = empty({64, 32, 3, 3});
  const double leaky = calculate_gain("leaky_relu", std::sqrt(5.0));
  kaiming_uniform_(w, std::sqrt(5.0), "fan_in", "leaky_relu", &g);  // nn.Linear / nn.Conv2d's default
  expect_uniform(w, -leaky * std::sqrt(3.0 / 288), leaky * std::sqrt(3.0 / 288));
  kaiming_uniform_(w, 0.0, "fan_out", "relu", &g);
  expect_uniform(w, -std::sqrt(2.0) * std::sqrt(3.0 / 576), std::sqrt(2.0) * std::sqrt(3.0 / 576));
  Tensor big = empty({1000, 200});
  kaiming_normal_(big, 0.0, "fan_in", "relu", &g);
  expect_normal(big, 0.0, std::sqrt(2.0) / std::sqrt(200.0));
  kaiming_normal_(big, 0.0, "fan_out", "linear", &g);
  expect_normal(big, 0.0, 1.0 / std::sqrt(1000.0));
  // Nothing to fill.
  EXPECT_EQ(kaiming_uniform_(empty({0, 4}), 0.0, "fan_in", "leaky_relu", &g).numel(), 0);
  EXPECT_OCTET_ERROR(kaiming_uniform_(w, 0.0, "fan_avg"),
                     "kaiming_uniform_: mode 'fan_avg' not supported, please use one of fan_in, fan_out");
  EXPECT_OCTET_ERROR(kaiming_normal_(empty({3})), "kaiming_normal_: fan in and fan out can not be computed");
  EXPECT_OCTET_ERROR(kaiming_normal_(w, 0.0, "fan_in", "swish"), "unsupported nonlinearity 'swish'");
}

TEST(Init, Xavier) {
  Generator g(test::test_seed(33));
  Tensor w = empty({300, 500});
  xavier_uniform_(w, 1.0, &g);
  expect_uniform(w, -std::sqrt(6.0 / 800), std::sqrt(6.0 / 800));
  xavier_uniform_(w, calculate_gain("tanh"), &g);
  const double a = 5.0 / 3.0 * std::sqrt(6.0 / 800);
  expect_uniform(w, -a, a);
  xavier_normal_(w, 2.0, &g);
  expect_normal(w, 0.0, 2.0 * std::sqrt(2.0 / 800));
  EXPECT_OCTET_ERROR(xavier_uniform_(empty({4})), "xavier_uniform_: fan in and fan out can not be computed");
  EXPECT_OCTET_ERROR(xavier_normal_(empty({0, 0})), "xavier_normal_: fan_in + fan_out is 0 for shape [0, 0]");
}

TEST(Init, ConstantsOnViewsAndOtherDtypes) {
  Tensor base = zeros({4, 6});
  constant_(base.slice(1, 1, 5, 2), 2.5);  // columns 1 and 3
  EXPECT_FLOAT_EQ(base.at<float>({2, 1}), 2.5f);
  EXPECT_FLOAT_EQ(base.at<float>({2, 3}), 2.5f);
  EXPECT_FLOAT_EQ(base.at<float>({2, 2}), 0.0f);
  ones_(base);
  EXPECT_TRUE(equal(base, ones({4, 6})));
  zeros_(base.t());
  EXPECT_TRUE(equal(base, zeros({4, 6})));
  Tensor d = empty({3}, kFloat64);
  ones_(d);
  EXPECT_EQ(d.at<double>({2}), 1.0);
  EXPECT_OCTET_ERROR(zeros_(empty({2}, kInt64)), "zeros_: expected a floating-point tensor, got int64");
  EXPECT_OCTET_ERROR(constant_(empty({2}, kBool), 1.0), "constant_: expected a floating-point tensor, got bool");
}

TEST(Init, SameSeedSameValuesWhateverTheLayout) {
  Generator g1(7), g2(7);
  const Tensor a = uniform_(empty({5, 9}), -1.0, 1.0, &g1);
  Tensor storage = empty({9, 5});
  const Tensor view = storage.t();  // [5, 9], not contiguous
  uniform_(view, -1.0, 1.0, &g2);
  EXPECT_TRUE(equal(a, view.contiguous()));
  // Other float dtypes get the same draws, rounded.
  Generator g3(7);
  const Tensor h = uniform_(empty({5, 9}, kFloat64), -1.0, 1.0, &g3);
  EXPECT_LT(stats(h.to(kFloat32).to(kFloat64)).max, 1.0);
  EXPECT_TRUE(equal(h.to(kFloat32), a));
}

TEST(Init, DefaultGeneratorFollowsManualSeed) {
  manual_seed(1234);
  const Tensor a = normal_(empty({64}));
  const Tensor b = normal_(empty({64}));
  manual_seed(1234);
  EXPECT_TRUE(equal(normal_(empty({64})), a));
  EXPECT_TRUE(equal(normal_(empty({64})), b));
  EXPECT_FALSE(equal(a, b));
  EXPECT_EQ(default_generator().seed(), 1234u);
  // An explicit generator does not draw from the default one.
  manual_seed(99);
  Generator mine(5);
  kaiming_uniform_(empty({8, 8}), 0.0, "fan_in", "leaky_relu", &mine);
  const Tensor after = uniform_(empty({4}));
  manual_seed(99);
  EXPECT_TRUE(equal(uniform_(empty({4})), after));
}

}  // namespace
}  // namespace octet::nn::init
