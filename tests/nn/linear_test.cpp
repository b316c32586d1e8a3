// linear_test.cpp: nn::Linear against PyTorch goldens, its initialisation, printing and errors.
#include <gtest/gtest.h>

#include <cmath>

#include "common/test_util.h"
#include "nn/layer_golden.h"
#include "octet/octet.h"

namespace octet::nn {
namespace {

using test::LayerCase;

TEST(NnLinear, MatchesPyTorchGoldens) {
  test::run_layer_goldens({"Linear"}, {
      {"linear_basic", {[] { return std::make_shared<Linear>(17, 5); }}},
      {"linear_nobias_3d", {[] { return std::make_shared<Linear>(9, 4, LinearOptions{.bias = false}); }}},
      {"linear_1d", {[] { return std::make_shared<Linear>(7, 3); }}},
  });
}

// Max |t| and the mean of t, in double.
std::pair<double, double> abs_max_and_mean(const Tensor& t) {
  const Tensor d = t.to(kFloat64).contiguous();
  double m = 0, sum = 0;
  for (int64_t i = 0; i < d.numel(); ++i) {
    m = std::max(m, std::fabs(d.data_ptr<double>()[i]));
    sum += d.data_ptr<double>()[i];
  }
  return {m, sum / static_cast<double>(d.numel())};
}

TEST(NnLinear, DefaultInitIsUniformWithinOneOverSqrtFanIn) {
  manual_seed(test::test_seed(5));
  Linear fc(100, 300);
  const double bound = 1.0 / std::sqrt(100.0);
  const auto [wmax, wmean] = abs_max_and_mean(fc.weight);
  EXPECT_LE(wmax, bound);
  EXPECT_GT(wmax, 0.95 * bound);  // 30000 draws reach the edge of the interval
  EXPECT_NEAR(wmean, 0.0, 0.05 * bound);
  const auto [bmax, bmean] = abs_max_and_mean(fc.bias);
  EXPECT_LE(bmax, bound);
  EXPECT_GT(bmax, 0.8 * bound);
  (void)bmean;
  // A caller-supplied generator makes the draw reproducible.
  Generator g1(7), g2(7);
  Linear a(4, 3), b(4, 3);
  a.reset_parameters(&g1);
  b.reset_parameters(&g2);
  EXPECT_TRUE(equal(a.weight, b.weight));
  EXPECT_TRUE(equal(a.bias, b.bias));
}

TEST(NnLinear, ParametersPrintingAndClone) {
  Linear fc(64, 10, {.bias = false});
  EXPECT_EQ(fc.to_string(), "Linear(in_features=64, out_features=10, bias=False)");
  EXPECT_EQ(fc.state_dict().keys(), (std::vector<std::string>{"weight"}));
  EXPECT_EQ(fc.in_features(), 64);
  EXPECT_EQ(fc.out_features(), 10);
  EXPECT_FALSE(fc.bias.defined());
  auto net = std::make_shared<Sequential>(std::make_shared<Linear>(4, 8), std::make_shared<Linear>(8, 2));
  EXPECT_EQ(net->to_string(),
            "Sequential(\n  (0): Linear(in_features=4, out_features=8, bias=True)\n"
            "  (1): Linear(in_features=8, out_features=2, bias=True)\n)");
  auto copy = net->clone();
  Generator g(test::test_seed(3));
  const Tensor x = randn({3, 4}, g);
  EXPECT_TRUE(equal(net->forward(x), copy->forward(x)));
  EXPECT_NE(copy->at<Linear>(0)->weight.storage(), net->at<Linear>(0)->weight.storage());
  EXPECT_EQ(copy->at<Linear>(1)->out_features(), 2);
}

TEST(NnLinear, Errors) {
  EXPECT_OCTET_ERROR(Linear(-1, 3), "Linear: in_features and out_features must be >= 0, got -1 and 3");
  Linear fc(6, 2);
  Generator g(1);
  EXPECT_OCTET_ERROR(fc.forward(randn({3, 5}, g)), "Linear: expected an input of shape (*, 6) (in_features=6), got shape [3, 5]");
  EXPECT_OCTET_ERROR(fc.forward(zeros({3, 6}, kInt64)), "Linear: expected a float32 input, got int64");
  // A quantized tensor reaching a float module points at the missing DeQuantStub.
  EXPECT_OCTET_ERROR(fc.forward(quantize_per_tensor(zeros({3, 6}), 0.1, 0, kQUInt8)),
                     "Linear: expected a float32 input, got a quantized quint8 tensor: is a DeQuantStub (or "
                     "DeQuantize) missing before this module?");
  EXPECT_OCTET_ERROR(fc.forward(Tensor()), "Linear: the input is undefined");
}

}  // namespace
}  // namespace octet::nn
