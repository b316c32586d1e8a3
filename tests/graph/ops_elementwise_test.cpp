// ops_elementwise_test.cpp: the elementwise and activation operators with ONNX's semantics, through the interpreter.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "graph/graph_test_util.h"

namespace octet::graph {
namespace {

using test::f32;
using test::f32_scalar;
using test::i64;
using test::run_op;

Tensor one(const std::string& op, const std::vector<Tensor>& in, std::vector<NamedAttribute> attrs = {}, int64_t opset = kDefaultOpset) {
  return run_op(op, in, std::move(attrs), 1, opset).at(0);
}

TEST(GraphOpsElementwise, ArithmeticBroadcastsLikeNumpy) {
  Generator gen(octet::test::test_seed(1));
  const Tensor a = randn({2, 1, 4}, gen), b = randn({3, 1}, gen);
  EXPECT_TRUE(equal(one("Add", {a, b}), F::add(a, b)));
  EXPECT_TRUE(equal(one("Sub", {a, b}), F::sub(a, b)));
  EXPECT_TRUE(equal(one("Mul", {a, b}), F::mul(a, b)));
  EXPECT_TRUE(equal(one("Div", {a, b}), F::div(a, b)));
  EXPECT_EQ(one("Add", {a, b}).shape(), (Shape{2, 3, 4}));
  // Integer division truncates toward zero.
  EXPECT_TRUE(equal(one("Div", {i64({7, -7}), i64({2, 2})}), i64({3, -3})));
  EXPECT_TRUE(equal(one("Add", {i64({1, 2}), i64({10}, {1})}), i64({11, 12})));
}

TEST(GraphOpsElementwise, PowKeepsTheBaseDtype) {
  const Tensor x = f32({1, 2, 3}, {3});
  EXPECT_TRUE(equal(one("Pow", {x, f32_scalar(2)}), f32({1, 4, 9}, {3})));
  EXPECT_TRUE(equal(one("Pow", {x, test::i64_scalar(3)}), f32({1, 8, 27}, {3})));
  EXPECT_TRUE(equal(one("Pow", {i64({2, 3}), f32({2, 2}, {2})}), i64({4, 9})));
}

TEST(GraphOpsElementwise, ComparisonsGiveBool) {
  const Tensor a = f32({1, 2, 3}, {3});
  const Tensor b = f32({2}, {1});
  auto bools = [](std::vector<int64_t> v) { return i64(v).to(kBool); };
  EXPECT_TRUE(equal(one("Equal", {a, b}), bools({0, 1, 0})));
  EXPECT_TRUE(equal(one("Less", {a, b}), bools({1, 0, 0})));
  EXPECT_TRUE(equal(one("LessOrEqual", {a, b}), bools({1, 1, 0})));
  EXPECT_TRUE(equal(one("Greater", {a, b}), bools({0, 0, 1})));
  EXPECT_TRUE(equal(one("GreaterOrEqual", {a, b}), bools({0, 1, 1})));
  // Exact on large int64 values (no detour through float).
  const int64_t big = (int64_t{1} << 60) + 1;
  EXPECT_TRUE(equal(one("Equal", {i64({big, big}), i64({big - 1, big})}), bools({0, 1})));
  EXPECT_TRUE(equal(one("Not", {bools({0, 1})}), bools({1, 0})));
  EXPECT_OCTET_ERROR(one("Equal", {a, i64({1, 2, 3})}), "inputs 0 and 1 must have the same dtype, got float32 and int64");
  EXPECT_OCTET_ERROR(one("Not", {a}), "input 0 must be one of bool; got float32");
}

TEST(GraphOpsElementwise, WhereBroadcastsAllThree) {
  const Tensor cond = i64({1, 0}, {2, 1}).to(kBool);
  const Tensor y = one("Where", {cond, f32({1, 2, 3}, {3}), f32_scalar(-1)});
  EXPECT_TRUE(equal(y, f32({1, 2, 3, -1, -1, -1}, {2, 3})));
  EXPECT_OCTET_ERROR(one("Where", {f32({1}, {1}), f32({1}, {1}), f32({1}, {1})}), "input 0 must be one of bool; got float32");
}

TEST(GraphOpsElementwise, UnaryMath) {
  Generator gen(octet::test::test_seed(2));
  const Tensor x = F::add(rand({3, 5}, gen), 0.1);
  EXPECT_TRUE(equal(one("Sqrt", {x}), F::sqrt(x)));
  EXPECT_TRUE(equal(one("Exp", {x}), F::exp(x)));
  EXPECT_TRUE(equal(one("Log", {x}), F::log(x)));
  EXPECT_TRUE(equal(one("Erf", {x}), F::erf(x)));
  EXPECT_TRUE(equal(one("Neg", {x}), F::neg(x)));
  EXPECT_TRUE(equal(one("Abs", {F::neg(x)}), x));
  EXPECT_LE(test::relative_error(F::div(ones({3, 5}), x), one("Reciprocal", {x})), 0.0);
  EXPECT_OCTET_ERROR(one("Sqrt", {i64({4})}), "input 0 must be one of float32, float64; got int64");
}

TEST(GraphOpsElementwise, Activations) {
  Generator gen(octet::test::test_seed(3));
  const Tensor x = F::mul(randn({4, 7}, gen), 4.0);
  EXPECT_TRUE(equal(one("Relu", {x}), F::relu(x)));
  EXPECT_TRUE(equal(one("Relu", {i64({-2, 3})}), i64({0, 3})));
  EXPECT_TRUE(equal(one("Sigmoid", {x}), F::sigmoid(x)));
  EXPECT_TRUE(equal(one("Tanh", {x}), F::tanh(x)));
  EXPECT_TRUE(equal(one("HardSwish", {x}), F::hardswish(x)));
  EXPECT_TRUE(equal(one("LeakyRelu", {x}, {{"alpha", 0.1f}}), F::leaky_relu(x, static_cast<double>(0.1f))));
  EXPECT_TRUE(equal(one("Gelu", {x}), F::gelu(x)));
  EXPECT_TRUE(equal(one("Gelu", {x}, {{"approximate", "tanh"}}), F::gelu(x, "tanh")));
  EXPECT_OCTET_ERROR(one("Gelu", {x}, {{"approximate", "fast"}}), "attribute 'approximate' must be \"none\" or \"tanh\", got \"fast\"");
  EXPECT_OCTET_ERROR(one("Sigmoid", {i64({1})}), "input 0 must be one of float32; got int64");
}

TEST(GraphOpsElementwise, HardSigmoidUsesOnnxDefaults) {
  const Tensor x = f32({-5, -1, 0, 1, 5, NAN}, {6});
  // alpha 0.2, beta 0.5: max(0, min(1, 0.2 x + 0.5)); NaN stays NaN.
  auto hs = [](float v) {
    const float y = 0.2f * v + 0.5f;
    return y < 0.0f ? 0.0f : (y > 1.0f ? 1.0f : y);
  };
  const Tensor y = one("HardSigmoid", {x});
  EXPECT_TRUE(equal(y, f32({0, hs(-1), 0.5f, hs(1), 1, NAN}, {6})));
  EXPECT_NEAR(y.at<float>({1}), 0.3f, 1e-7);
  const Tensor z = one("HardSigmoid", {x}, {{"alpha", 1.0f / 6}, {"beta", 0.5f}});
  EXPECT_LE(test::relative_error(F::hardsigmoid(x), z), 1e-6);
}

TEST(GraphOpsElementwise, ClipBoundsAsInputsOrAttributes) {
  const Tensor x = f32({-3, -1, 0, 2, 8}, {5});
  EXPECT_TRUE(equal(one("Clip", {x, f32_scalar(-1), f32_scalar(6)}), f32({-1, -1, 0, 2, 6}, {5})));
  EXPECT_TRUE(equal(one("Clip", {x, Tensor(), f32_scalar(1)}), f32({-3, -1, 0, 1, 1}, {5})));
  EXPECT_TRUE(equal(one("Clip", {x, f32_scalar(0)}), f32({0, 0, 0, 2, 8}, {5})));
  EXPECT_TRUE(equal(one("Clip", {x}), x));
  EXPECT_TRUE(equal(one("Clip", {i64({-5, 5})}, {}, 13), i64({-5, 5})));
  EXPECT_TRUE(equal(one("Clip", {i64({-5, 5}), test::i64_scalar(-1), test::i64_scalar(1)}), i64({-1, 1})));
  // Opset 6: attributes.
  EXPECT_TRUE(equal(one("Clip", {x}, {{"min", 0.0f}, {"max", 6.0f}}, 6), f32({0, 0, 0, 2, 6}, {5})));
  EXPECT_OCTET_ERROR(one("Clip", {x, f32({0, 1}, {2})}), "min must hold one element, got 2");
}

}  // namespace
}  // namespace octet::graph
