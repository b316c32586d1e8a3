// activation_test.cpp: activations, softmax / log_softmax and dropout against PyTorch's goldens, plus dropout's statistics and every bad input by message.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/octet.h"
#include "ops/float/elementwise_test_util.h"

namespace octet {
namespace {

using test::golden_input;

std::vector<Tensor> run_activation(const test::GoldenCase& c) {
  const nlohmann::json& a = c.args;
  const Tensor x = golden_input(c, 0);
  if (c.op == "relu") return {F::relu(x)};
  if (c.op == "relu6") return {F::relu6(x)};
  if (c.op == "hardtanh") return {F::hardtanh(x, a.at("min_val"), a.at("max_val"))};
  if (c.op == "hardswish") return {F::hardswish(x)};
  if (c.op == "hardsigmoid") return {F::hardsigmoid(x)};
  if (c.op == "sigmoid") return {F::sigmoid(x)};
  if (c.op == "tanh") return {F::tanh(x)};
  if (c.op == "gelu") return {F::gelu(x, a.at("approximate").get<std::string>())};
  if (c.op == "silu") return {F::silu(x)};
  if (c.op == "mish") return {F::mish(x)};
  if (c.op == "elu") return {F::elu(x, a.at("alpha"))};
  if (c.op == "celu") return {F::celu(x, a.at("alpha"))};
  if (c.op == "leaky_relu") return {F::leaky_relu(x, a.at("negative_slope"))};
  if (c.op == "softplus") return {F::softplus(x, a.value("beta", 1.0), a.value("threshold", 20.0))};
  if (c.op == "prelu") return {F::prelu(x, golden_input(c, 1))};
  if (c.op == "softmax") return {F::softmax(x, a.at("dim"))};
  if (c.op == "log_softmax") return {F::log_softmax(x, a.at("dim"))};
  return {};
}

const std::vector<std::string> kOps = {"relu", "relu6", "hardtanh", "hardswish", "hardsigmoid", "sigmoid",
                                       "tanh", "gelu", "silu", "mish", "elu", "celu", "leaky_relu", "softplus",
                                       "prelu", "softmax", "log_softmax"};

TEST(ActivationGolden, MatchesPyTorch) {
  const Isa saved = max_isa();
  for (Isa cap : {saved, Isa::Avx2, Isa::Ref}) {
    SCOPED_TRACE(std::string("max isa ") + std::string(isa_name(cap)));
    set_max_isa(cap);
    test::run_golden_family("activation", kOps, run_activation);
  }
  set_max_isa(saved);
}

TEST(ActivationThreads, SameAnswerForAnyThreadCount) {
  Generator g(test::test_seed(31));
  const Tensor x = randn({5, 40001}, g), y = randn({300, 2, 257}, g);
  const Tensor z = randn({257, 2, 300}, g).transpose(0, 2);  // [300, 2, 257], not contiguous
  const int saved = get_num_threads();
  set_num_threads(1);
  const Tensor r1 = F::gelu(x), r2 = F::softmax(x, 1), r3 = F::log_softmax(y, 0), r4 = F::softmax(y, 1);
  const Tensor r5 = F::prelu(z, from_vector<float>({0.5f, -2.0f}));
  set_num_threads(3);
  EXPECT_TRUE(equal(F::gelu(x), r1));
  EXPECT_TRUE(equal(F::softmax(x, 1), r2));
  EXPECT_TRUE(equal(F::log_softmax(y, 0), r3));
  EXPECT_TRUE(equal(F::softmax(y, 1), r4));
  EXPECT_TRUE(equal(F::prelu(z, from_vector<float>({0.5f, -2.0f})), r5));
  set_num_threads(saved);
}

TEST(ActivationSoftmax, RowsSumToOne) {
  Generator g(test::test_seed(32));
  const Tensor x = F::mul(randn({4, 6, 33}, g), 30.0);
  for (int64_t dim : {0, 1, 2}) {
    const Tensor s = F::sum(F::softmax(x, dim), dim);
    const Tensor ls = F::sum(F::exp(F::log_softmax(x, dim)), dim);
    for (int64_t i = 0; i < s.numel(); ++i) {
      EXPECT_NEAR(s.flatten().at<float>({i}), 1.0f, 2e-6f) << "dim " << dim;
      // log_softmax subtracts max + log(sum) (up to ~100 here), rounded to float: ~1e-5 relative.
      EXPECT_NEAR(ls.flatten().at<float>({i}), 1.0f, 2e-5f) << "dim " << dim;
    }
  }
}

TEST(ActivationDropout, ReproducibleScaledAndAtRate) {
  Generator g(test::test_seed(33));
  const Tensor x = F::add(zeros({200, 500}), 1.0);
  Generator g1(7), g2(7);
  const Tensor a = F::dropout(x, 0.3, true, &g1), b = F::dropout(x, 0.3, true, &g2);
  EXPECT_TRUE(equal(a, b));  // same seed, same mask
  int64_t kept = 0;
  const Tensor flat = a.flatten();
  for (int64_t i = 0; i < flat.numel(); ++i) {
    const float v = flat.at<float>({i});
    ASSERT_TRUE(v == 0.0f || std::fabs(v - 1.0f / 0.7f) < 1e-6f) << v;
    kept += v != 0.0f;
  }
  // 100000 draws at p = 0.3: the kept fraction is 0.7 within ~5 standard deviations (0.0072).
  EXPECT_NEAR(static_cast<double>(kept) / 100000.0, 0.7, 0.0072);
  // Identity (a copy) in eval mode and for p = 0; all zeros for p = 1; the default generator works.
  const Tensor e = F::dropout(x, 0.5, false);
  EXPECT_TRUE(equal(e, x));
  EXPECT_NE(e.storage(), x.storage());
  EXPECT_TRUE(equal(F::dropout(x, 0.0, true, &g), x));
  EXPECT_TRUE(equal(F::dropout(x, 1.0, true, &g), zeros({200, 500})));
  EXPECT_EQ(F::dropout(x.t(), 0.5).shape(), (Shape{500, 200}));
}

TEST(ActivationErrors, BadInputsNameTheOp) {
  const Tensor i = zeros({2, 3}, kInt64);
  EXPECT_OCTET_ERROR(F::relu(i), "relu: expected input to be a float32 tensor, got int64");
  EXPECT_OCTET_ERROR(F::gelu(zeros({2}, kFloat64)), "gelu: expected input to be a float32 tensor, got float64");
  EXPECT_OCTET_ERROR(F::softmax(i, 1), "softmax: expected input to be a float32 tensor, got int64");
  EXPECT_OCTET_ERROR(F::silu(Tensor()), "silu: expected input to be a defined tensor");
  EXPECT_OCTET_ERROR(F::gelu(zeros({2}), "exact"), "gelu: expected approximate to be \"none\" or \"tanh\", got \"exact\"");
  EXPECT_OCTET_ERROR(F::hardtanh(zeros({2}), 2.0, 1.0), "hardtanh: expected min_val <= max_val, got min_val 2 and max_val 1");
  EXPECT_OCTET_ERROR(F::celu(zeros({2}), 0.0), "celu: alpha cannot be 0");
  EXPECT_OCTET_ERROR(F::softmax(zeros({2, 3}), 2), "softmax: dim 2 is out of range for a 2-d tensor (expected -2..1)");
  EXPECT_OCTET_ERROR(F::log_softmax(zeros({2, 3}), -3), "log_softmax: dim -3 is out of range for a 2-d tensor");
  EXPECT_OCTET_ERROR(F::prelu(zeros({2, 3, 4}), zeros({2})),
                     "prelu: expected 3 weights (one per channel, input.size(1)) or 1, got 2 for input shape [2, 3, 4]");
  EXPECT_OCTET_ERROR(F::prelu(zeros({3}), zeros({3})), "prelu: expected 1 weights");
  EXPECT_OCTET_ERROR(F::prelu(zeros({2, 3}), zeros({3, 1})), "prelu: expected weight to be 0-d or 1-d, got shape [3, 1]");
  EXPECT_OCTET_ERROR(F::prelu(zeros({2, 3}), zeros({3}, kInt32)), "prelu: expected weight to be a float32 tensor, got int32");
  EXPECT_OCTET_ERROR(F::dropout(zeros({2}), 1.5), "dropout: dropout probability has to be between 0 and 1, but got 1.5");
  EXPECT_OCTET_ERROR(F::dropout(zeros({2}, kInt32), 0.5), "dropout: expected input to be a float32 tensor, got int32");
}

}  // namespace
}  // namespace octet
