// elementwise_test.cpp: add/sub/mul/div/pow, unary math, clamp and where against PyTorch's goldens, Tensor operators, type promotion, threading, and every bad input by message.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/octet.h"
#include "ops/float/elementwise_test_util.h"

namespace octet {
namespace {

using test::golden_input;
using test::json_optional_scalar;
using test::json_scalar;

std::vector<Tensor> run_elementwise(const test::GoldenCase& c) {
  const nlohmann::json& a = c.args;
  const std::string mode = a.value("rounding_mode", std::string());
  if (c.op == "add" || c.op == "sub" || c.op == "mul" || c.op == "div") {
    const Scalar alpha = a.contains("alpha") ? json_scalar(a["alpha"]) : Scalar(1);
    const Tensor x = golden_input(c, 0);
    if (a.contains("other")) {
      const Scalar s = json_scalar(a["other"]);
      if (c.op == "add") return {F::add(x, s, alpha)};
      if (c.op == "sub") return {F::sub(x, s, alpha)};
      if (c.op == "mul") return {F::mul(x, s)};
      return {F::div(x, s, mode)};
    }
    const Tensor y = golden_input(c, 1);
    if (c.op == "add") return {F::add(x, y, alpha)};
    if (c.op == "sub") return {F::sub(x, y, alpha)};
    if (c.op == "mul") return {F::mul(x, y)};
    return {F::div(x, y, mode)};
  }
  if (c.op == "pow") {
    if (a.contains("self")) return {F::pow(json_scalar(a["self"]), golden_input(c, 0))};
    if (a.contains("exponent")) return {F::pow(golden_input(c, 0), json_scalar(a["exponent"]))};
    return {F::pow(golden_input(c, 0), golden_input(c, 1))};
  }
  if (c.op == "clamp") {
    if (a.value("tensor_bounds", false)) {
      const Tensor lo = c.has("in1") ? golden_input(c, 1) : Tensor();
      const Tensor hi = c.has("in2") ? golden_input(c, 2) : Tensor();
      return {F::clamp(golden_input(c, 0), lo, hi)};
    }
    return {F::clamp(golden_input(c, 0), json_optional_scalar(a, "min"), json_optional_scalar(a, "max"))};
  }
  if (c.op == "where") {
    const Tensor cond = golden_input(c, 0);
    if (a.contains("other")) return {F::where(cond, golden_input(c, 1), json_scalar(a["other"]))};
    if (a.contains("input")) return {F::where(cond, json_scalar(a["input"]), golden_input(c, 2))};
    return {F::where(cond, golden_input(c, 1), golden_input(c, 2))};
  }
  const Tensor x = golden_input(c, 0);
  if (c.op == "sqrt") return {F::sqrt(x)};
  if (c.op == "rsqrt") return {F::rsqrt(x)};
  if (c.op == "exp") return {F::exp(x)};
  if (c.op == "log") return {F::log(x)};
  if (c.op == "abs") return {F::abs(x)};
  if (c.op == "neg") return {F::neg(x)};
  if (c.op == "erf") return {F::erf(x)};
  if (c.op == "tanh") return {F::tanh(x)};
  if (c.op == "sigmoid") return {F::sigmoid(x)};
  return {};
}

const std::vector<std::string> kOps = {"add", "sub", "mul", "div", "pow", "sqrt", "rsqrt", "exp", "log", "abs",
                                       "neg", "erf", "tanh", "sigmoid", "clamp", "where"};

// Every case at the best ISA, then capped at avx2 and at the scalar reference.
TEST(ElementwiseGolden, MatchesPyTorch) {
  const Isa saved = max_isa();
  for (Isa cap : {saved, Isa::Avx2, Isa::Ref}) {
    SCOPED_TRACE(std::string("max isa ") + std::string(isa_name(cap)));
    set_max_isa(cap);
    test::run_golden_family("elementwise", kOps, run_elementwise);
  }
  set_max_isa(saved);
}

// The same answers with one thread and with several, on sizes that split across threads.
TEST(ElementwiseThreads, SameAnswerForAnyThreadCount) {
  Generator g(test::test_seed(21));
  const Tensor a = randn({3, 70001}, g), b = randn({70001}, g), c = randn({3, 1}, g);
  const Tensor cond = randint(0, 2, {3, 70001}, g).to(kBool);
  const Tensor ai = randint(-100, 100, {3, 70001}, g);
  const int saved = get_num_threads();
  set_num_threads(1);
  const Tensor r1 = F::add(a, b), r2 = F::mul(a, c), r3 = F::exp(a), r4 = F::where(cond, a, b);
  const Tensor r5 = F::sub(ai, 7), r6 = F::clamp(a.t(), -0.5, 0.5);
  set_num_threads(4);
  EXPECT_TRUE(equal(F::add(a, b), r1));
  EXPECT_TRUE(equal(F::mul(a, c), r2));
  EXPECT_TRUE(equal(F::exp(a), r3));
  EXPECT_TRUE(equal(F::where(cond, a, b), r4));
  EXPECT_TRUE(equal(F::sub(ai, 7), r5));
  EXPECT_TRUE(equal(F::clamp(a.t(), -0.5, 0.5), r6));
  set_num_threads(saved);
}

TEST(ElementwiseOperators, MatchTheFunctions) {
  Generator g(test::test_seed(22));
  const Tensor a = randn({4, 5}, g), b = randn({5}, g);
  EXPECT_TRUE(equal(a + b, F::add(a, b)));
  EXPECT_TRUE(equal(a - b, F::sub(a, b)));
  EXPECT_TRUE(equal(a * b, F::mul(a, b)));
  EXPECT_TRUE(equal(a / b, F::div(a, b)));
  EXPECT_TRUE(equal(-a, F::neg(a)));
  EXPECT_TRUE(equal(a + 2, F::add(a, 2)));
  EXPECT_TRUE(equal(2.5 + a, F::add(a, 2.5)));
  EXPECT_TRUE(equal(a - 1.5f, F::sub(a, 1.5)));
  EXPECT_TRUE(equal(a * 3, F::mul(a, 3)));
  EXPECT_TRUE(equal(a / 4.0, F::div(a, 4.0)));
  // Scalar on the left of - and /: computed as scalar op tensor, not a rewritten form.
  const Tensor l = 1.0 - a, d = 2.0 / a;
  for (int64_t i = 0; i < 4; ++i) {
    for (int64_t j = 0; j < 5; ++j) {
      EXPECT_EQ(l.at<float>({i, j}), 1.0f - a.at<float>({i, j}));
      EXPECT_EQ(d.at<float>({i, j}), 2.0f / a.at<float>({i, j}));
    }
  }
  // Integer tensors stay integral with an integral scalar.
  const Tensor i = from_vector<int32_t>({1, 2, 3});
  EXPECT_EQ((i * 2).dtype(), kInt32);
  EXPECT_EQ((i + 0.5).dtype(), kFloat32);
  EXPECT_EQ((i / 2).dtype(), kFloat32);
}

TEST(ElementwisePromotion, FollowsPyTorch) {
  const Tensor f32 = zeros({2}), f64 = zeros({2}, kFloat64), i32 = zeros({2}, kInt32), i64 = zeros({2}, kInt64);
  const Tensor f64_0d = zeros({}, kFloat64), i64_0d = zeros({}, kInt64);
  EXPECT_EQ(result_type(f32, f64), kFloat64);
  EXPECT_EQ(result_type(i32, i64), kInt64);
  EXPECT_EQ(result_type(i64, f32), kFloat32);
  EXPECT_EQ(result_type(f32, f64_0d), kFloat32);  // same category: the dimensioned tensor decides
  EXPECT_EQ(result_type(i32, f64_0d), kFloat64);  // higher category: the 0-d tensor decides
  EXPECT_EQ(result_type(i32, i64_0d), kInt32);
  EXPECT_EQ(result_type(i32, Scalar(2)), kInt32);
  EXPECT_EQ(result_type(i32, Scalar(2.5)), kFloat32);  // a float scalar gives the default float dtype
  EXPECT_EQ(result_type(f64, Scalar(2.5)), kFloat64);
  EXPECT_EQ(result_type(f64_0d, Scalar(2)), kFloat64);
}

TEST(ElementwiseIntegers, DivisionAndOverflow) {
  const Tensor a = from_vector<int64_t>({7, -7, 7, -7, std::numeric_limits<int64_t>::min()});
  const Tensor b = from_vector<int64_t>({2, 2, -2, -2, -1});
  EXPECT_TRUE(equal(F::div(a, b, "trunc"), from_vector<int64_t>({3, -3, -3, 3, std::numeric_limits<int64_t>::min()})));
  EXPECT_TRUE(equal(F::div(a, b, "floor"), from_vector<int64_t>({3, -4, -4, 3, std::numeric_limits<int64_t>::min()})));
  EXPECT_TRUE(equal(F::neg(from_vector<int32_t>({std::numeric_limits<int32_t>::min()})),
                    from_vector<int32_t>({std::numeric_limits<int32_t>::min()})));
  EXPECT_TRUE(equal(F::abs(from_vector<int32_t>({-3, 4})), from_vector<int32_t>({3, 4})));
}

TEST(ElementwiseClamp, NanBoundGivesNan) {
  const Tensor r = F::clamp(from_vector<int32_t>({1, 2}), std::nullopt, Scalar(NAN));
  EXPECT_EQ(r.dtype(), kFloat32);
  EXPECT_TRUE(std::isnan(r.at<float>({0})) && std::isnan(r.at<float>({1})));
  EXPECT_TRUE(std::isnan(F::clamp(zeros({3}), NAN).at<float>({2})));
  // relu-like clamps keep -0 and NaN as PyTorch does.
  const Tensor c = F::clamp(from_vector<float>({NAN, -1.0f, 7.0f}), 0.0, 6.0);
  EXPECT_TRUE(std::isnan(c.at<float>({0})));
  EXPECT_EQ(c.at<float>({1}), 0.0f);
  EXPECT_EQ(c.at<float>({2}), 6.0f);
}

TEST(ElementwiseViews, OutputIsNewAndContiguous) {
  Generator g(test::test_seed(23));
  const Tensor a = randn({6, 8}, g);
  const Tensor t = a.t();
  const Tensor r = F::abs(t);
  EXPECT_TRUE(r.is_contiguous());
  EXPECT_NE(r.storage(), a.storage());
  EXPECT_EQ(r.at<float>({3, 2}), std::fabs(a.at<float>({2, 3})));
  // Broadcasting against an expanded (stride-0) view.
  const Tensor e = from_vector<float>({1, 2, 3}).unsqueeze(0).expand({4, 3});
  const Tensor s = F::add(e, e);
  EXPECT_EQ(s.shape(), (Shape{4, 3}));
  EXPECT_EQ(s.at<float>({3, 2}), 6.0f);
}

TEST(ElementwiseErrors, BadInputsNameTheOp) {
  const Tensor a = zeros({3, 1, 5}), b = zeros({4, 2});
  EXPECT_OCTET_ERROR(F::add(a, b), "add: shapes [3, 1, 5] and [4, 2] are not broadcastable (dim -1: 5 vs 2)");
  EXPECT_OCTET_ERROR(F::mul(zeros({2, 3}), zeros({3, 2})), "mul: shapes [2, 3] and [3, 2] are not broadcastable");
  EXPECT_OCTET_ERROR(F::add(zeros({2}), Tensor()), "add: expected other to be a defined tensor");
  EXPECT_OCTET_ERROR(F::add(zeros({2}, kUInt8), zeros({2})),
                     "add: expected input to be float32, float64, int32 or int64, got uint8");
  EXPECT_OCTET_ERROR(F::sub(zeros({2}, kBool), 1), "sub: expected input to be float32, float64, int32 or int64, got bool");
  EXPECT_OCTET_ERROR(F::add(zeros({2}, kInt32), zeros({2}, kInt32), 0.5),
                     "add: for integral input tensors, argument alpha must not be a floating point number");
  EXPECT_OCTET_ERROR(F::div(zeros({2}), zeros({2}), "round"),
                     "div: expected rounding_mode to be \"\", \"trunc\" or \"floor\", got \"round\"");
  EXPECT_OCTET_ERROR(F::div(from_vector<int32_t>({1, 2}), from_vector<int32_t>({1, 0}), "trunc"),
                     "div: integer division by zero");
  EXPECT_OCTET_ERROR(F::div(from_vector<int64_t>({1}), 0, "floor"), "div: integer division by zero");
  EXPECT_OCTET_ERROR(F::pow(from_vector<int64_t>({2}), -1), "pow: integers to negative integer powers are not allowed");
  EXPECT_OCTET_ERROR(F::exp(zeros({2}, kFloat16)), "exp: expected input to be float32, float64, int32 or int64, got float16");
  EXPECT_OCTET_ERROR(F::sqrt(Tensor()), "sqrt: expected input to be a defined tensor");
  EXPECT_OCTET_ERROR(F::clamp(zeros({2}), std::nullopt, std::nullopt), "clamp: at least one of 'min' or 'max' must be given");
  EXPECT_OCTET_ERROR(F::clamp(zeros({2}), Tensor(), Tensor()), "clamp: at least one of 'min' or 'max' must be given");
  EXPECT_OCTET_ERROR(F::clamp(zeros({2, 3}), zeros({4})), "clamp: shapes [2, 3] and [4] are not broadcastable");
  EXPECT_OCTET_ERROR(F::where(zeros({2}), zeros({2}), zeros({2})),
                     "where: expected condition to be a bool tensor, got float32");
  EXPECT_OCTET_ERROR(F::where(zeros({2}, kBool), zeros({3}), zeros({2})),
                     "where: shapes [2] and [3] are not broadcastable");
  EXPECT_OCTET_ERROR(F::where(zeros({2}, kBool), zeros({2}, kInt8), 1.0),
                     "where: expected input to be float32, float64, int32 or int64, got int8");
  EXPECT_OCTET_ERROR(zeros({2}) + zeros({3}), "add: shapes [2] and [3] are not broadcastable");
}

}  // namespace
}  // namespace octet
