// reduce_test.cpp: sum, mean, max, min, argmax, argmin against PyTorch's goldens, thread-count independence, and every bad input by message.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/octet.h"
#include "ops/float/elementwise_test_util.h"

namespace octet {
namespace {

using test::golden_input;

std::vector<Tensor> run_reduce(const test::GoldenCase& c) {
  const nlohmann::json& a = c.args;
  const Tensor x = golden_input(c, 0);
  const bool keepdim = a.value("keepdim", false);
  if (c.op == "sum" || c.op == "mean") {
    const bool is_sum = c.op == "sum";
    if (!a.contains("dim")) return {is_sum ? F::sum(x) : F::mean(x)};
    const Shape dims = a.at("dim").get<Shape>();
    // One-element lists also go through the single-dim overload.
    if (dims.size() == 1) {
      const Tensor single = is_sum ? F::sum(x, dims[0], keepdim) : F::mean(x, dims[0], keepdim);
      const Tensor list = is_sum ? F::sum(x, dims, keepdim) : F::mean(x, dims, keepdim);
      EXPECT_TRUE(equal(single, list)) << c.name;
    }
    return {is_sum ? F::sum(x, dims, keepdim) : F::mean(x, dims, keepdim)};
  }
  if (c.op == "max" || c.op == "min") {
    if (!a.contains("dim")) return {c.op == "max" ? F::max(x) : F::min(x)};
    const auto [values, indices] = c.op == "max" ? F::max(x, a.at("dim"), keepdim) : F::min(x, a.at("dim"), keepdim);
    return {values, indices};
  }
  if (c.op == "argmax" || c.op == "argmin") {
    const std::optional<int64_t> dim = a.contains("dim") ? std::optional<int64_t>(a.at("dim")) : std::nullopt;
    return {c.op == "argmax" ? F::argmax(x, dim, keepdim) : F::argmin(x, dim, keepdim)};
  }
  return {};
}

TEST(ReduceGolden, MatchesPyTorch) {
  test::run_golden_family("reduce", {"sum", "mean", "max", "min", "argmax", "argmin"}, run_reduce);
}

// Fixed work items combined in order: any thread count gives the same bits.
TEST(ReduceThreads, SameAnswerForAnyThreadCount) {
  Generator g(test::test_seed(41));
  const Tensor x = randn({3, 100000}, g), y = randn({64, 5, 1000}, g);
  const int saved = get_num_threads();
  set_num_threads(1);
  const Tensor s1 = F::sum(x), s2 = F::mean(x, 1), s3 = F::sum(y, 0), s4 = F::sum(y, {0, 2});
  const auto [v1, i1] = F::max(x, 1);
  const auto [v2, i2] = F::min(y, 0);
  set_num_threads(5);
  EXPECT_TRUE(equal(F::sum(x), s1));
  EXPECT_TRUE(equal(F::mean(x, 1), s2));
  EXPECT_TRUE(equal(F::sum(y, 0), s3));
  EXPECT_TRUE(equal(F::sum(y, {0, 2}), s4));
  EXPECT_TRUE(equal(std::get<0>(F::max(x, 1)), v1));
  EXPECT_TRUE(equal(std::get<1>(F::max(x, 1)), i1));
  EXPECT_TRUE(equal(std::get<1>(F::min(y, 0)), i2));
  set_num_threads(saved);
}

// Double accumulation: a million float32 ones and a large cancelling pair sum exactly.
TEST(ReduceAccuracy, DoubleAccumulation) {
  const Tensor ones = F::add(zeros({1000001}), 1.0);
  EXPECT_EQ(F::sum(ones).item<float>(), 1000001.0f);
  EXPECT_EQ(F::mean(ones).item<float>(), 1.0f);
  const Tensor t = from_vector<float>({1e8f, 1.0f, -1e8f, 1.0f});
  EXPECT_EQ(F::sum(t).item<float>(), 2.0f);
  // Integer sums wrap like int64 and never lose digits to float.
  const Tensor big = from_vector<int64_t>({(int64_t{1} << 62), (int64_t{1} << 62), 5});
  EXPECT_EQ(F::sum(big).item<int64_t>(), std::numeric_limits<int64_t>::min() + 5);
}

TEST(ReduceErrors, BadInputsNameTheOp) {
  const Tensor x = zeros({2, 3});
  EXPECT_OCTET_ERROR(F::sum(x, 2), "sum: dim 2 is out of range for a 2-d tensor (expected -2..1)");
  EXPECT_OCTET_ERROR(F::mean(x, {0, -2}), "mean: dim 0 appears multiple times in the list of dims");
  EXPECT_OCTET_ERROR(F::mean(zeros({2}, kInt32)), "mean: could not infer the output dtype: the input must be floating point");
  EXPECT_OCTET_ERROR(F::sum(zeros({2}, kFloat16)), "sum: expected input to be float32, float64, int32 or int64");
  EXPECT_OCTET_ERROR(F::sum(Tensor()), "sum: expected input to be a defined tensor");
  EXPECT_OCTET_ERROR(F::max(zeros({0, 3})), "max: expected a non-empty input when no dim is given");
  EXPECT_OCTET_ERROR(F::argmin(zeros({0})), "argmin: expected a non-empty input when no dim is given");
  EXPECT_OCTET_ERROR(F::min(zeros({2, 0}), 1), "min: expected reduction dim 1 to have non-zero size");
  EXPECT_OCTET_ERROR(F::argmax(x, -3), "argmax: dim -3 is out of range for a 2-d tensor");
  EXPECT_OCTET_ERROR(F::max(zeros({2}, kBool), 0), "max: expected input to be float32, float64, int32 or int64, got bool");
}

}  // namespace
}  // namespace octet
