// elementwise_golden_test.cpp: the 8-bit elementwise ops, activations and cat against PyTorch's x86 engine
// (tests/data/golden/quantized_elementwise.safetensors, scripts/golden/gen_quantized_elementwise.py):
// per op, how many integers are exact and the largest difference, with the output qparams.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/golden.h"
#include "octet/octet.h"
#include "octet/quantized/activation.h"
#include "octet/quantized/elementwise.h"
#include "ops/quantized/elementwise_test_util.h"

namespace octet {
namespace {

namespace Q = quantized;
using test::GoldenCase;
using test::qelem::IntDiff;

Tensor input(const GoldenCase& c, int i) {
  const double scale = c.args.at("scales").at(static_cast<size_t>(i)).get<double>();
  const int64_t zp = c.args.at("zero_points").at(static_cast<size_t>(i)).get<int64_t>();
  return make_per_tensor_quantized_tensor(c.in(i), scale, zp);
}

std::optional<double> opt_double(const nlohmann::json& j) {
  return j.is_null() ? std::nullopt : std::optional<double>(j.get<double>());
}
std::optional<int64_t> opt_int(const nlohmann::json& j) {
  return j.is_null() ? std::nullopt : std::optional<int64_t>(j.get<int64_t>());
}

Tensor run(const GoldenCase& c) {
  const std::string& op = c.op;
  const auto& a = c.args;
  if (op == "add" || op == "add_relu" || op == "mul" || op == "mul_relu") {
    const double s = a.at("scale").get<double>();
    const int64_t z = a.at("zero_point").get<int64_t>();
    const Tensor x = input(c, 0), y = input(c, 1);
    if (op == "add") return Q::add(x, y, s, z);
    if (op == "add_relu") return Q::add_relu(x, y, s, z);
    if (op == "mul") return Q::mul(x, y, s, z);
    return Q::mul_relu(x, y, s, z);
  }
  if (op == "add_scalar") return Q::add_scalar(input(c, 0), a.at("other").get<double>());
  if (op == "add_scalar_relu") return Q::add_scalar_relu(input(c, 0), a.at("other").get<double>());
  if (op == "mul_scalar") return Q::mul_scalar(input(c, 0), a.at("other").get<double>());
  if (op == "mul_scalar_relu") return Q::mul_scalar_relu(input(c, 0), a.at("other").get<double>());
  if (op == "cat") {
    std::vector<Tensor> xs;
    for (size_t i = 0; i < a.at("scales").size(); ++i) xs.push_back(input(c, static_cast<int>(i)));
    return Q::cat(xs, a.at("dim").get<int64_t>(), opt_double(a.at("scale")), opt_int(a.at("zero_point")));
  }
  const Tensor x = input(c, 0);
  if (op == "relu") return Q::relu(x);
  if (op == "relu6") return Q::relu6(x);
  if (op == "hardtanh") return Q::hardtanh(x, a.at("min_val").get<double>(), a.at("max_val").get<double>());
  if (op == "clamp") return Q::clamp(x, a.at("min").get<double>(), a.at("max").get<double>());
  if (op == "sigmoid") return Q::sigmoid(x);
  if (op == "tanh") return Q::tanh(x);
  if (op == "hardsigmoid") return Q::hardsigmoid(x);
  if (op == "leaky_relu") return Q::leaky_relu(x, a.at("negative_slope").get<double>());
  if (op == "gelu") return Q::gelu(x, a.at("approximate").get<std::string>());
  if (op == "hardswish") {
    return Q::hardswish(x, a.at("output_scale").get<double>(), a.at("output_zero_point").get<int64_t>());
  }
  if (op == "elu") {
    return Q::elu(x, a.at("output_scale").get<double>(), a.at("output_zero_point").get<int64_t>(),
                  a.at("alpha").get<double>(), a.at("scale").get<double>(), a.at("input_scale").get<double>());
  }
  ADD_FAILURE() << "golden case " << c.name << " has an unknown op " << op;
  return {};
}

// Ops whose PyTorch arithmetic is integer (or a table of it) and reproduced exactly: their integers
// must all be equal. The rest (float dequantize / function / quantize) may differ by one step where
// PyTorch's vectorized float math (Sleef exp / tanh / erf, FMA dequantize) and the double-precision
// definition round to opposite sides of a quantization tie.
const std::set<std::string>& exact_ops() {
  static const std::set<std::string> ops = {"mul",        "mul_relu",        "add_scalar", "add_scalar_relu",
                                            "mul_scalar", "mul_scalar_relu", "cat",        "relu",
                                            "relu6",      "hardtanh",        "clamp"};
  return ops;
}

TEST(QuantizedElementwiseGolden, MatchesPyTorch) {
  const test::GoldenFile file("quantized_elementwise");
  std::map<std::string, IntDiff> per_op;
  for (const GoldenCase& c : file.cases()) {
    SCOPED_TRACE(c.name);
    const Tensor got = run(c);
    if (!got.defined()) continue;
    // The output qparams PyTorch chose (for add_scalar / mul_scalar / cat / the fixed-qparams ops,
    // by its own rules).
    EXPECT_EQ(static_cast<float>(got.q_scale()), static_cast<float>(c.args.at("out_scale").get<double>())) << c.name;
    EXPECT_EQ(got.q_zero_point(), c.args.at("out_zero_point").get<int64_t>()) << c.name;
    const Tensor want = make_per_tensor_quantized_tensor(c.out(0), got.q_scale(), got.q_zero_point());
    const IntDiff d = test::qelem::compare(got, want);
    IntDiff& sum = per_op[c.op];
    sum.total += d.total;
    sum.exact += d.exact;
    sum.max_diff = std::max(sum.max_diff, d.max_diff);
    EXPECT_LE(d.max_diff, 1) << c.name << ": " << d.str();
    if (exact_ops().count(c.op) != 0) {
      EXPECT_EQ(d.exact, d.total) << c.name << ": " << d.str();
    }
  }
  for (const auto& [op, d] : per_op) std::printf("[ PYTORCH  ] %-16s %s\n", op.c_str(), d.str().c_str());
  EXPECT_EQ(per_op.size(), 20u) << "every op of the golden file ran";
}

}  // namespace
}  // namespace octet
