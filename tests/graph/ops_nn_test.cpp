// ops_nn_test.cpp: Conv, Gemm, MatMul, pooling, normalisation and softmax with ONNX's attributes, through the interpreter.
#include <gtest/gtest.h>

#include <cmath>

#include "graph/graph_test_util.h"

namespace octet::graph {
namespace {

using test::f32;
using test::relative_error;
using test::run_op;

Tensor one(const std::string& op, const std::vector<Tensor>& in, std::vector<NamedAttribute> attrs = {},
           int64_t opset = kDefaultOpset) {
  return run_op(op, in, std::move(attrs), 1, opset).at(0);
}

// Every other row and column from `start`: the outputs of a stride-2 window from a stride-1 run.
Tensor every_other(const Tensor& y, int64_t start) { return y.slice(2, start, y.size(2), 2).slice(3, start, y.size(3), 2).contiguous(); }

TEST(GraphOpsNn, ConvMatchesFunctionalConv) {
  Generator gen(octet::test::test_seed(31));
  const Tensor x = randn({2, 4, 9, 9}, gen), w = randn({6, 2, 3, 3}, gen), b = randn({6}, gen);
  const Tensor y = one("Conv", {x, w, b}, {{"strides", {2, 1}}, {"pads", {1, 2, 1, 2}}, {"dilations", {1, 2}}, {"group", 2}});
  EXPECT_TRUE(equal(y, F::conv2d(x, w, b, {2, 1}, Shape{1, 2}, {1, 2}, 2)));
  // 1-D and 3-D, kernel_shape given or not.
  const Tensor x1 = randn({1, 3, 10}, gen), w1 = randn({4, 3, 3}, gen);
  EXPECT_TRUE(equal(one("Conv", {x1, w1}, {{"kernel_shape", {3}}}), F::conv1d(x1, w1)));
  const Tensor x3 = randn({1, 2, 4, 5, 6}, gen), w3 = randn({3, 2, 2, 2, 2}, gen);
  EXPECT_TRUE(equal(one("Conv", {x3, w3}, {{"pads", {1, 1, 1, 1, 1, 1}}}), F::conv3d(x3, w3, {}, {1, 1, 1}, Shape{1, 1, 1})));
}

TEST(GraphOpsNn, ConvAutoPadAndAsymmetricPads) {
  Generator gen(octet::test::test_seed(32));
  const Tensor x = randn({1, 2, 6, 6}, gen), w = randn({3, 2, 3, 3}, gen);
  // Stride 2 over 6 with a 3x3 kernel: 3 outputs, one padding row/column in total.
  const Tensor dense = F::conv2d(x, w, {}, {1, 1}, Shape{1, 1});  // windows start at -1, 0, 1, ...
  const Tensor upper = one("Conv", {x, w}, {{"auto_pad", "SAME_UPPER"}, {"strides", {2, 2}}});
  const Tensor lower = one("Conv", {x, w}, {{"auto_pad", "SAME_LOWER"}, {"strides", {2, 2}}});
  EXPECT_EQ(upper.shape(), (Shape{1, 3, 3, 3}));
  EXPECT_LE(relative_error(every_other(dense, 1), upper), 1e-6);  // windows at 0, 2, 4
  EXPECT_LE(relative_error(every_other(dense, 0), lower), 1e-6);  // windows at -1, 1, 3
  const Tensor explicit_pads = one("Conv", {x, w}, {{"pads", {0, 0, 1, 1}}, {"strides", {2, 2}}});
  EXPECT_TRUE(equal(explicit_pads, upper));
  EXPECT_EQ(one("Conv", {x, w}, {{"auto_pad", "VALID"}}).shape(), (Shape{1, 3, 4, 4}));
  EXPECT_EQ(one("Conv", {x, w}, {{"auto_pad", "SAME_UPPER"}}).shape(), (Shape{1, 3, 6, 6}));
}

TEST(GraphOpsNn, ConvErrors) {
  const Tensor x = zeros({1, 4, 5, 5}), w = zeros({2, 3, 3, 3});
  EXPECT_OCTET_ERROR(one("Conv", {x, w}), "input has 4 channels but the weight expects 3 (3 per group, group 1)");
  EXPECT_OCTET_ERROR(one("Conv", {zeros({4, 5}), zeros({2, 4})}), "input must have 3 to 5 dims (N, C, spatial...), got 2");
  EXPECT_OCTET_ERROR(one("Conv", {zeros({1, 3, 5, 5}), w}, {{"strides", {1}}}), "attribute 'strides' needs 2 values (one per spatial dim), got 1");
  EXPECT_OCTET_ERROR(one("Conv", {zeros({1, 3, 5, 5}), w}, {{"pads", {1, 1}}}), "attribute 'pads' needs 4 values (begins, then ends), got 2");
  EXPECT_OCTET_ERROR(one("Conv", {zeros({1, 3, 5, 5}), w}, {{"auto_pad", "SAME"}}),
                     "attribute 'auto_pad' must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got \"SAME\"");
  EXPECT_OCTET_ERROR(one("Conv", {zeros({1, 3, 5, 5}), w}, {{"kernel_shape", {2, 2}}}), "attribute 'kernel_shape' disagrees with the weight's kernel");
  EXPECT_OCTET_ERROR(one("Conv", {zeros({1, 3, 5, 5}), w}, {{"strides", {0, 1}}}), "attribute 'strides' values must be >= 1, got 0");
}

TEST(GraphOpsNn, FusedConvAppliesItsActivation) {
  Generator gen(octet::test::test_seed(33));
  const Tensor x = randn({1, 3, 5, 5}, gen), w = randn({4, 3, 3, 3}, gen), b = randn({4}, gen);
  const Tensor conv = F::conv2d(x, w, b);
  auto fused = [&](std::vector<NamedAttribute> attrs) {
    Builder g("g");
    Value* y = g.add_node("FusedConv", {g.input("x", kFloat32, {1, 3, 5, 5}), g.initializer("w", w), g.initializer("b", b)},
                          std::move(attrs), {.domain = "octet"});
    g.output(y);
    return run_graph(g.finish(), {x})[0];
  };
  EXPECT_TRUE(equal(fused({{"activation", "Relu"}}), F::relu(conv)));
  EXPECT_TRUE(equal(fused({{"activation", "Clip"}, {"activation_params", {0.0f, 6.0f}}}), F::clamp(conv, 0.0, 6.0)));
  EXPECT_OCTET_ERROR(fused({{"activation", "Tanh"}}), "activation \"Tanh\" is not supported (Relu, Clip)");
  EXPECT_OCTET_ERROR(fused({{"activation", "Clip"}}), "activation Clip needs activation_params = [min, max], got 0 values");
  EXPECT_OCTET_ERROR(fused({{"activation", "Relu"}, {"activation_params", {1.0f}}}), "activation Relu takes no activation_params, got 1");
  EXPECT_OCTET_ERROR(fused({}), "attribute 'activation' is required");
}

TEST(GraphOpsNn, GemmAttributes) {
  Generator gen(octet::test::test_seed(34));
  const Tensor a = randn({4, 3}, gen), b = randn({5, 4}, gen), c = randn({1, 5}, gen);
  // transA, transB, alpha, beta and a broadcast C.
  const Tensor y = one("Gemm", {a, b, c}, {{"transA", 1}, {"transB", 1}, {"alpha", 0.5f}, {"beta", 2.0f}});
  const Tensor want = F::add(F::mul(F::matmul(a.t(), b.t()), 0.5), F::mul(c, 2.0));
  EXPECT_LE(relative_error(want, y), 1e-6);
  // The Linear form: W (N, K) with transB and a bias vector.
  const Tensor x = randn({6, 4}, gen), w = randn({5, 4}, gen), bias = randn({5}, gen);
  EXPECT_TRUE(equal(one("Gemm", {x, w, bias}, {{"transB", 1}}), F::linear(x, w, bias)));
  EXPECT_LE(relative_error(F::matmul(x, w.t()), one("Gemm", {x, w.t().contiguous()})), 1e-6);
  EXPECT_OCTET_ERROR(one("Gemm", {x, w}), "the inner dims do not match: A float32[6, 4], B float32[5, 4]");
  EXPECT_OCTET_ERROR(one("Gemm", {randn({2, 2, 2}, gen), w}), "input A must have 2 dims, got float32[2, 2, 2]");
  EXPECT_OCTET_ERROR(one("Gemm", {x, w, randn({3}, gen)}, {{"transB", 1}}), "shapes [6, 5] and [3] do not broadcast");
}

TEST(GraphOpsNn, FusedGemmAndMatMul) {
  Generator gen(octet::test::test_seed(35));
  const Tensor x = randn({6, 4}, gen), w = randn({5, 4}, gen), bias = randn({5}, gen);
  Builder g("g");
  Value* y = g.add_node("FusedGemm", {g.input("x", kFloat32, {6, 4}), g.initializer("w", w), g.initializer("b", bias)},
                        {{"transB", 1}, {"activation", "Clip"}, {"activation_params", {-0.5f, 0.5f}}}, {.domain = "octet"});
  g.output(y);
  EXPECT_TRUE(equal(run_graph(g.finish(), {x})[0], F::clamp(F::linear(x, w, bias), -0.5, 0.5)));
  const Tensor p = randn({2, 1, 3, 4}, gen), q = randn({5, 4, 2}, gen), v = randn({4}, gen);
  EXPECT_TRUE(equal(one("MatMul", {p, q}), F::matmul(p, q)));
  EXPECT_EQ(one("MatMul", {p, q}).shape(), (Shape{2, 5, 3, 2}));
  EXPECT_EQ(one("MatMul", {p, v}).shape(), (Shape{2, 1, 3}));
  EXPECT_EQ(one("MatMul", {v, q}).shape(), (Shape{5, 2}));
  EXPECT_EQ(one("MatMul", {v, v}).shape(), Shape{});
  EXPECT_OCTET_ERROR(one("MatMul", {p, randn({3, 2}, gen)}), "the inner dims do not match: float32[2, 1, 3, 4] x float32[3, 2]");
}

TEST(GraphOpsNn, MaxPool) {
  Generator gen(octet::test::test_seed(36));
  const Tensor x = randn({2, 3, 6, 6}, gen);
  EXPECT_TRUE(equal(one("MaxPool", {x}, {{"kernel_shape", {3, 3}}, {"strides", {2, 2}}, {"pads", {1, 1, 1, 1}}}),
                    F::max_pool2d(x, {3, 3}, {2, 2}, {1, 1})));
  EXPECT_TRUE(equal(one("MaxPool", {x}, {{"kernel_shape", {2, 2}}, {"ceil_mode", 1}, {"strides", {2, 2}}, {"dilations", {2, 2}}}),
                    F::max_pool2d(x, {2, 2}, {2, 2}, {0}, {2, 2}, true)));
  const Tensor dense = F::max_pool2d(x, {3, 3}, {1, 1}, {1, 1});
  EXPECT_TRUE(equal(one("MaxPool", {x}, {{"kernel_shape", {3, 3}}, {"strides", {2, 2}}, {"auto_pad", "SAME_UPPER"}}), every_other(dense, 1)));
  EXPECT_TRUE(equal(one("MaxPool", {x}, {{"kernel_shape", {3, 3}}, {"strides", {2, 2}}, {"auto_pad", "SAME_LOWER"}}), every_other(dense, 0)));
  // Pads larger than half the kernel.
  const Tensor wide = one("MaxPool", {x}, {{"kernel_shape", {2, 2}}, {"pads", {2, 2, 2, 2}}});
  EXPECT_EQ(wide.shape(), (Shape{2, 3, 9, 9}));
  EXPECT_TRUE(std::isinf(wide.at<float>({0, 0, 0, 0})));
  EXPECT_OCTET_ERROR(run_op("MaxPool", {x}, {{"kernel_shape", {2, 2}}}, 2), "the Indices output is not supported");
  EXPECT_OCTET_ERROR(one("MaxPool", {x}), "attribute 'kernel_shape' is required");
  EXPECT_OCTET_ERROR(one("MaxPool", {x}, {{"kernel_shape", {2, 2}}, {"auto_pad", "VALID"}, {"pads", {1, 1, 1, 1}}}),
                     "attribute 'pads' cannot be used with auto_pad VALID");
}

TEST(GraphOpsNn, AveragePoolCountsPadsAsOnnxSays) {
  Generator gen(octet::test::test_seed(37));
  const Tensor x = randn({1, 2, 6, 6}, gen);
  const std::vector<NamedAttribute> k3 = {{"kernel_shape", {3, 3}}, {"strides", {2, 2}}};
  // count_include_pad defaults to 0 in ONNX (PyTorch's default is 1).
  auto with = [&](std::vector<NamedAttribute> extra) {
    std::vector<NamedAttribute> attrs = k3;
    for (auto& a : extra) attrs.push_back(std::move(a));
    return one("AveragePool", {x}, std::move(attrs));
  };
  EXPECT_TRUE(equal(with({{"pads", {1, 1, 1, 1}}}), F::avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}, false, false)));
  EXPECT_TRUE(equal(with({{"pads", {1, 1, 1, 1}}, {"count_include_pad", 1}}), F::avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}, false, true)));
  // Asymmetric pads, both ways of counting.
  const Tensor excl = F::avg_pool2d(x, {3, 3}, {1, 1}, {1, 1}, false, false);
  const Tensor incl = F::avg_pool2d(x, {3, 3}, {1, 1}, {1, 1}, false, true);
  EXPECT_LE(relative_error(every_other(excl, 1), with({{"pads", {0, 0, 1, 1}}})), 1e-6);
  EXPECT_LE(relative_error(every_other(incl, 1), with({{"pads", {0, 0, 1, 1}}, {"count_include_pad", 1}})), 1e-6);
  EXPECT_LE(relative_error(every_other(excl, 0), with({{"auto_pad", "SAME_LOWER"}})), 1e-6);
  EXPECT_OCTET_ERROR(with({{"dilations", {2, 2}}}), "dilations other than 1 are not supported");
  const Tensor g = one("GlobalAveragePool", {x});
  EXPECT_EQ(g.shape(), (Shape{1, 2, 1, 1}));
  EXPECT_LE(relative_error(F::adaptive_avg_pool2d(x, {1, 1}), g), 1e-6);
  EXPECT_TRUE(equal(one("GlobalMaxPool", {x}), F::adaptive_max_pool2d(x, {1, 1})));
  EXPECT_OCTET_ERROR(one("GlobalAveragePool", {zeros({2, 3})}), "input must have at least 3 dims (N, C, spatial...), got 2");
}

TEST(GraphOpsNn, BatchNormalizationInference) {
  Generator gen(octet::test::test_seed(38));
  const Tensor x = randn({2, 3, 4, 4}, gen), s = rand({3}, gen), b = randn({3}, gen), m = randn({3}, gen), v = F::add(rand({3}, gen), 0.5);
  EXPECT_TRUE(equal(one("BatchNormalization", {x, s, b, m, v}, {{"epsilon", 0.25f}}), F::batch_norm(x, m, v, s, b, false, 0.9, 0.25)));
  const Tensor x2 = randn({5, 3}, gen);
  EXPECT_TRUE(equal(one("BatchNormalization", {x2, s, b, m, v}), F::batch_norm(x2, m, v, s, b, false, 0.9, static_cast<double>(1e-5f))));
  EXPECT_OCTET_ERROR(one("BatchNormalization", {x, s, b, m, v}, {{"training_mode", 1}}), "training_mode = 1 is not supported (inference only)");
  EXPECT_OCTET_ERROR(one("BatchNormalization", {x, s, b, m, zeros({4})}), "input 4 has 4 values for 3 channels");
  EXPECT_OCTET_ERROR(run_op("BatchNormalization", {x, s, b, m, v}, {}, 3), "the running mean and variance outputs (training mode) are not supported");
}

TEST(GraphOpsNn, LayerNormalization) {
  Generator gen(octet::test::test_seed(39));
  const Tensor x = randn({2, 3, 8}, gen), s = randn({8}, gen), b = randn({8}, gen);
  EXPECT_TRUE(equal(one("LayerNormalization", {x, s, b}), F::layer_norm(x, {8}, s, b, static_cast<double>(1e-5f))));
  const Tensor s2 = randn({3, 8}, gen);
  EXPECT_TRUE(equal(one("LayerNormalization", {x, s2}, {{"axis", 1}, {"epsilon", 0.5f}}), F::layer_norm(x, {3, 8}, s2, {}, 0.5)));
  // A scale that broadcasts to the normalised shape.
  EXPECT_TRUE(equal(one("LayerNormalization", {x, full({1, 8}, 2.0)}), F::layer_norm(x, {8}, full({8}, 2.0), {}, static_cast<double>(1e-5f))));
  const std::vector<Tensor> all = run_op("LayerNormalization", {x, s, b}, {{"axis", -1}}, 3);
  EXPECT_EQ(all[1].shape(), (Shape{2, 3, 1}));
  EXPECT_LE(relative_error(F::mean(x, Shape{2}, true), all[1]), 1e-6);
  const Tensor d = F::sub(x, all[1]);
  const Tensor inv = F::rsqrt(F::add(F::mean(F::mul(d, d), Shape{2}, true), static_cast<double>(1e-5f)));
  EXPECT_LE(relative_error(inv, all[2]), 1e-5);
  EXPECT_OCTET_ERROR(one("LayerNormalization", {x, s}, {{"axis", 3}}), "axis 3 is out of range for rank 3");
}

TEST(GraphOpsNn, SoftmaxBeforeAndFromOpset13) {
  Generator gen(octet::test::test_seed(40));
  const Tensor x = randn({2, 3, 4}, gen);
  EXPECT_TRUE(equal(one("Softmax", {x}), F::softmax(x, -1)));
  EXPECT_TRUE(equal(one("Softmax", {x}, {{"axis", 1}}), F::softmax(x, 1)));
  // Before 13: the input is flattened to 2-D at axis (default 1) and normalised over the rest.
  const Tensor old = one("Softmax", {x}, {}, 11);
  EXPECT_LE(relative_error(F::softmax(x.reshape({2, 12}), 1).reshape({2, 3, 4}), old), 1e-7);
  EXPECT_LE(relative_error(F::log_softmax(x.reshape({6, 4}), 1).reshape({2, 3, 4}), one("LogSoftmax", {x}, {{"axis", 2}}, 12)), 1e-7);
  EXPECT_TRUE(equal(one("LogSoftmax", {x}), F::log_softmax(x, -1)));
}

}  // namespace
}  // namespace octet::graph
