// activation_test.cpp: activation modules against PyTorch (outputs, state dicts, reprs), Python's
// float repr, PReLU's parameter, and the errors bad options or inputs give.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "nn/act_rnn_golden_util.h"
#include "nn/py_repr.h"
#include "octet/octet.h"

namespace octet::nn {
namespace {

using nlohmann::json;

double arg_or(const json& args, const char* key, double fallback) {
  return args.contains(key) ? args.at(key).get<double>() : fallback;
}
bool flag_or(const json& args, const char* key, bool fallback) {
  return args.contains(key) ? args.at(key).get<bool>() : fallback;
}
std::optional<int64_t> dim_arg(const json& args) {
  const json& d = args.at("dim");
  return d.is_null() ? std::nullopt : std::optional<int64_t>(d.get<int64_t>());
}

// The module a golden case describes, built from PyTorch's constructor arguments; null for the
// recurrent cases (rnn_test.cpp).
ModulePtr make_activation(const test::GoldenCase& c) {
  const json& a = c.args;
  const bool inplace = flag_or(a, "inplace", false);
  if (c.op == "ReLU") return std::make_shared<ReLU>(ReLUOptions{.inplace = inplace});
  if (c.op == "ReLU6") return std::make_shared<ReLU6>(ReLU6Options{.inplace = inplace});
  if (c.op == "Hardtanh") {
    return std::make_shared<Hardtanh>(HardtanhOptions{
        .min_val = arg_or(a, "min_val", -1.0), .max_val = arg_or(a, "max_val", 1.0), .inplace = inplace});
  }
  if (c.op == "Hardswish") return std::make_shared<Hardswish>();
  if (c.op == "Hardsigmoid") return std::make_shared<Hardsigmoid>();
  if (c.op == "Sigmoid") return std::make_shared<Sigmoid>();
  if (c.op == "Tanh") return std::make_shared<Tanh>();
  if (c.op == "GELU") return std::make_shared<GELU>(GELUOptions{.approximate = a.value("approximate", "none")});
  if (c.op == "SiLU") return std::make_shared<SiLU>();
  if (c.op == "Mish") return std::make_shared<Mish>();
  if (c.op == "ELU") return std::make_shared<ELU>(ELUOptions{.alpha = arg_or(a, "alpha", 1.0)});
  if (c.op == "CELU") return std::make_shared<CELU>(CELUOptions{.alpha = arg_or(a, "alpha", 1.0)});
  if (c.op == "LeakyReLU") {
    return std::make_shared<LeakyReLU>(LeakyReLUOptions{.negative_slope = arg_or(a, "negative_slope", 0.01)});
  }
  if (c.op == "PReLU") return std::make_shared<PReLU>(PReLUOptions{.num_parameters = a.value("num_parameters", 1)});
  if (c.op == "Softplus") {
    return std::make_shared<Softplus>(
        SoftplusOptions{.beta = arg_or(a, "beta", 1.0), .threshold = arg_or(a, "threshold", 20.0)});
  }
  if (c.op == "Softmax") return std::make_shared<Softmax>(dim_arg(a));
  if (c.op == "LogSoftmax") return std::make_shared<LogSoftmax>(dim_arg(a));
  if (c.op == "Dropout") return std::make_shared<Dropout>(arg_or(a, "p", 0.5));
  return nullptr;
}

TEST(ActivationModules, MatchPyTorch) {
  test::GoldenFile file("nn_act_rnn");
  int checked = 0;
  for (const test::GoldenCase& c : file.cases()) {
    ModulePtr m = make_activation(c);
    if (!m) continue;
    SCOPED_TRACE(c.name);
    test::expect_loads_and_prints_like_pytorch(*m, c);
    const Tensor x = c.in(0);
    test::expect_close(m->forward(x), c.out(0), c.name, 1e-5);
    // A non-contiguous view of the same values gives the same answer.
    if (x.dim() >= 2 && x.size(0) > 1 && x.size(-1) > 1) {
      const Tensor xt = x.transpose(0, x.dim() - 1).contiguous().transpose(0, x.dim() - 1);
      EXPECT_FALSE(xt.is_contiguous());
      test::expect_close(m->forward(xt), c.out(0), c.name + " (non-contiguous)", 1e-5);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 26);
}

TEST(ActivationModules, PrintLikePyTorch) {
  EXPECT_EQ(ReLU().to_string(), "ReLU()");
  EXPECT_EQ(ReLU({.inplace = true}).to_string(), "ReLU(inplace=True)");
  EXPECT_EQ(ReLU6({.inplace = true}).to_string(), "ReLU6(inplace=True)");
  EXPECT_EQ(Hardtanh({.min_val = -2, .max_val = 3.5, .inplace = true}).to_string(),
            "Hardtanh(min_val=-2.0, max_val=3.5, inplace=True)");
  EXPECT_EQ(Hardswish({.inplace = true}).to_string(), "Hardswish()");
  EXPECT_EQ(Hardsigmoid().to_string(), "Hardsigmoid()");
  EXPECT_EQ(Sigmoid().to_string(), "Sigmoid()");
  EXPECT_EQ(Tanh().to_string(), "Tanh()");
  EXPECT_EQ(GELU({.approximate = "tanh"}).to_string(), "GELU(approximate='tanh')");
  EXPECT_EQ(SiLU({.inplace = true}).to_string(), "SiLU(inplace=True)");
  EXPECT_EQ(Mish().to_string(), "Mish()");
  EXPECT_EQ(ELU({.inplace = true}).to_string(), "ELU(alpha=1.0, inplace=True)");
  EXPECT_EQ(CELU({.alpha = 1e16}).to_string(), "CELU(alpha=1e+16)");
  EXPECT_EQ(LeakyReLU({.negative_slope = 0.2}).to_string(), "LeakyReLU(negative_slope=0.2)");
  EXPECT_EQ(LeakyReLU({.negative_slope = 1e-5}).to_string(), "LeakyReLU(negative_slope=1e-05)");
  EXPECT_EQ(PReLU({.num_parameters = 3}).to_string(), "PReLU(num_parameters=3)");
  EXPECT_EQ(Softplus({.beta = 0.5, .threshold = 1e-4}).to_string(), "Softplus(beta=0.5, threshold=0.0001)");
  EXPECT_EQ(Softmax(1).to_string(), "Softmax(dim=1)");
  EXPECT_EQ(Softmax().to_string(), "Softmax(dim=None)");
  EXPECT_EQ(LogSoftmax(-1).to_string(), "LogSoftmax(dim=-1)");
}

TEST(PythonRepr, FloatsPrintLikeCPythonRepr) {
  using detail::py_float_repr;
  EXPECT_EQ(py_float_repr(1.0), "1.0");
  EXPECT_EQ(py_float_repr(0.0), "0.0");
  EXPECT_EQ(py_float_repr(-0.0), "-0.0");
  EXPECT_EQ(py_float_repr(-2.5), "-2.5");
  EXPECT_EQ(py_float_repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(py_float_repr(1e-4), "0.0001");
  EXPECT_EQ(py_float_repr(1.5e-4), "0.00015");
  EXPECT_EQ(py_float_repr(1e-5), "1e-05");
  EXPECT_EQ(py_float_repr(-1.25e-7), "-1.25e-07");
  EXPECT_EQ(py_float_repr(100000.0), "100000.0");
  EXPECT_EQ(py_float_repr(123.456), "123.456");
  EXPECT_EQ(py_float_repr(1e15), "1000000000000000.0");
  EXPECT_EQ(py_float_repr(1e16), "1e+16");
  EXPECT_EQ(py_float_repr(2.5e123), "2.5e+123");
  EXPECT_EQ(py_float_repr(INFINITY), "inf");
  EXPECT_EQ(py_float_repr(-INFINITY), "-inf");
  EXPECT_EQ(py_float_repr(NAN), "nan");
}

TEST(PReLUModule, OwnsOneSlopePerChannel) {
  PReLU shared;
  EXPECT_EQ(shared.state_dict().keys(), std::vector<std::string>{"weight"});
  EXPECT_EQ(shared.weight.shape(), Shape{1});
  EXPECT_FLOAT_EQ(shared.weight.at<float>({0}), 0.25f);

  PReLU per_channel({.num_parameters = 3, .init = 0.1});
  EXPECT_EQ(per_channel.weight.shape(), Shape{3});
  for (int64_t i = 0; i < 3; ++i) EXPECT_FLOAT_EQ(per_channel.weight.at<float>({i}), 0.1f);
  per_channel.weight.data_ptr<float>()[2] = 0.5f;
  const Tensor x = full({1, 3, 2}, -2.0);
  const Tensor y = per_channel.forward(x);
  EXPECT_FLOAT_EQ(y.at<float>({0, 0, 1}), -0.2f);
  EXPECT_FLOAT_EQ(y.at<float>({0, 2, 0}), -1.0f);

  // A clone owns its slopes.
  auto copy = per_channel.clone();
  copy->weight.data_ptr<float>()[0] = 9.0f;
  EXPECT_FLOAT_EQ(per_channel.weight.at<float>({0}), 0.1f);
}

TEST(ActivationModules, WorkInsideSequential) {
  Sequential seq(std::make_shared<LeakyReLU>(LeakyReLUOptions{.negative_slope = 0.5}), std::make_shared<Softmax>(1));
  const Tensor x = from_vector<float>({-2.0f, 2.0f}, {1, 2});
  const Tensor y = seq.forward(x);  // softmax of (-1, 2)
  EXPECT_NEAR(y.at<float>({0, 1}), 1.0 / (1.0 + std::exp(-3.0)), 1e-6);
  EXPECT_EQ(seq.to_string(),
            "Sequential(\n  (0): LeakyReLU(negative_slope=0.5)\n  (1): Softmax(dim=1)\n)");
}

TEST(ActivationErrors, OptionsAreChecked) {
  EXPECT_OCTET_ERROR(GELU({.approximate = "fast"}), "GELU: approximate must be 'none' or 'tanh', got 'fast'");
  EXPECT_OCTET_ERROR(Hardtanh({.min_val = 1.0, .max_val = 1.0}), "Hardtanh: max_val must be greater than min_val");
  EXPECT_OCTET_ERROR(CELU({.alpha = 0.0}), "CELU: alpha must be nonzero");
  EXPECT_OCTET_ERROR(PReLU({.num_parameters = 0}), "PReLU: num_parameters must be at least 1, got 0");
}

TEST(ActivationErrors, InputsAreChecked) {
  PReLU prelu({.num_parameters = 3});
  EXPECT_OCTET_ERROR(prelu.forward(zeros({2, 5, 4})),
                     "PReLU: num_parameters=3 does not match the 5 channels (dim 1) of the input of shape [2, 5, 4]");
  EXPECT_OCTET_ERROR(prelu.forward(zeros({3})), "PReLU: num_parameters=3 does not match the 1 channels");
  EXPECT_OCTET_ERROR(ReLU().forward(zeros({2, 3}, kInt64)), "relu");
  EXPECT_OCTET_ERROR(Softmax(2).forward(zeros({2, 3})), "softmax");
  EXPECT_OCTET_ERROR(Softmax(1).forward(Tensor{}), "Softmax: the input is undefined");
}

}  // namespace
}  // namespace octet::nn
