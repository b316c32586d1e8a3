// interpreter_test.cpp: the interpreter against direct functional calls (ResNet block, BERT layer), feeds checks, unsupported ops, kernel errors.
#include <gtest/gtest.h>

#include <cmath>

#include "graph/graph_models.h"
#include "graph/graph_test_util.h"

namespace octet::graph {
namespace {

using test::relative_error;

const Tensor& init(const Graph& g, const std::string& name) { return g.find_value(name)->initializer(); }

Tensor bn_direct(const Graph& g, const Tensor& x, const std::string& p) {
  return F::batch_norm(x, init(g, p + ".running_mean"), init(g, p + ".running_var"), init(g, p + ".weight"),
                       init(g, p + ".bias"), false, 0.9, static_cast<double>(1e-5f));
}

TEST(GraphInterpreter, ResNetBasicBlockMatchesFunctionalCalls) {
  Generator gen(octet::test::test_seed(11));
  const Graph g = test::resnet_basic_block(gen);
  const Tensor x = randn({3, 8, 6, 6}, gen);
  Tensor y = F::conv2d(x, init(g, "conv1.weight"), {}, {1, 1}, Shape{1, 1});
  y = F::relu(bn_direct(g, y, "bn1"));
  y = F::conv2d(y, init(g, "conv2.weight"), {}, {1, 1}, Shape{1, 1});
  y = F::relu(F::add(bn_direct(g, y, "bn2"), x));
  const std::vector<Tensor> out = run_graph(g, {x});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(equal(out[0], y)) << relative_error(y, out[0]);
}

Tensor linear_direct(const Graph& g, const Tensor& x, const std::string& p) {
  return F::add(F::matmul(x, init(g, p + ".weight_t")), init(g, p + ".bias"));
}

Tensor layer_norm_direct(const Graph& g, const Tensor& x, const std::string& p) {
  return F::layer_norm(x, {x.size(-1)}, init(g, p + ".weight"), init(g, p + ".bias"), static_cast<double>(1e-12f));
}

TEST(GraphInterpreter, BertLayerMatchesFunctionalCalls) {
  Generator gen(octet::test::test_seed(12));
  test::BertOptions o;
  o.decomposed_gelu = false;
  o.decomposed_layer_norm = false;
  const Graph g = test::bert_layer(gen, o);
  const int64_t B = 2, L = 5, H = o.hidden, heads = o.heads, dh = H / heads;
  const Tensor x = randn({B, L, H}, gen);
  Tensor mask = zeros({B, 1, 1, L});
  mask.set({1, 0, 0, 4}, -10000.0);
  const Tensor q = linear_direct(g, x, "q").reshape({B, L, heads, dh}).permute({0, 2, 1, 3});
  const Tensor k = linear_direct(g, x, "k").reshape({B, L, heads, dh}).permute({0, 2, 3, 1});
  const Tensor v = linear_direct(g, x, "v").reshape({B, L, heads, dh}).permute({0, 2, 1, 3});
  Tensor s = F::div(F::matmul(q, k), full({}, std::sqrt(static_cast<double>(dh))));
  s = F::softmax(F::add(s, mask), -1);
  const Tensor ctx = F::matmul(s, v).permute({0, 2, 1, 3}).reshape({B, L, H});
  const Tensor h = layer_norm_direct(g, F::add(linear_direct(g, ctx, "o"), x), "ln1");
  const Tensor f = linear_direct(g, F::gelu(linear_direct(g, h, "ffn1")), "ffn2");
  const Tensor want = layer_norm_direct(g, F::add(f, h), "ln2");
  Interpreter run(g);
  const std::map<std::string, Tensor> out = run.run_named({{"x", x}, {"mask", mask}});
  ASSERT_EQ(out.count("out"), 1u);
  EXPECT_LE(relative_error(want, out.at("out")), 1e-6);
  // The same interpreter runs again with other sizes for the symbols.
  const Tensor x2 = randn({1, 3, H}, gen);
  const std::vector<Tensor> out2 = run.run({x2, zeros({1, 1, 1, 3})});
  EXPECT_EQ(out2[0].shape(), (Shape{1, 3, H}));
}

TEST(GraphInterpreter, DecomposedBertLayerMatchesFusedOps) {
  // The exporters' elementwise LayerNorm and GELU compute what the fused operators do.
  Generator g1(21), g2(21);
  test::BertOptions fused;
  fused.decomposed_gelu = false;
  fused.decomposed_layer_norm = false;
  const Graph a = test::bert_layer(g1, fused);
  const Graph b = test::bert_layer(g2);
  test::expect_equivalent(a, b, 22, 1e-5, {{"B", 2}, {"L", 7}});
}

Graph relu_graph() {
  Builder b("g");
  Value* x = b.input("x", kFloat32, {"N", 3});
  Value* m = b.input("m", kFloat32, {"N"});
  b.output(b.add_node("Relu", {x}));
  b.output(b.add_node("Relu", {m}));
  return b.finish();
}

TEST(GraphInterpreter, ChecksFeedsAgainstDeclaredTypes) {
  const Graph g = relu_graph();
  Interpreter run(g);
  EXPECT_OCTET_ERROR(run.run({zeros({2, 3})}), "interpreter: graph 'g' takes 2 inputs, got 1");
  EXPECT_OCTET_ERROR(run.run({zeros({2, 3}, kInt64), zeros({2})}),
                     "graph input 'x' must be float32[N, 3], got int64[2, 3]");
  EXPECT_OCTET_ERROR(run.run({zeros({2, 3, 1}), zeros({2})}), "graph input 'x' must be float32[N, 3], got float32[2, 3, 1]");
  EXPECT_OCTET_ERROR(run.run({zeros({2, 4}), zeros({2})}), "graph input 'x' must be float32[N, 3], got float32[2, 4]");
  EXPECT_OCTET_ERROR(run.run({zeros({2, 3}), zeros({5})}),
                     "graph input 'm' has N = 5 (dim 0) but input 'x' has N = 2");
  EXPECT_OCTET_ERROR(run.run({Tensor(), zeros({2})}), "graph input 'x' was not given");
  EXPECT_OCTET_ERROR(run.run_named({{"x", zeros({2, 3})}, {"m", zeros({2})}, {"z", zeros({1})}}),
                     "graph 'g' has no input named 'z'");
  const std::vector<Tensor> ok = run.run({full({2, 3}, -1.0), full({2}, 2.0)});
  EXPECT_TRUE(equal(ok[0], zeros({2, 3})));
  EXPECT_TRUE(equal(ok[1], full({2}, 2.0)));
}

TEST(GraphInterpreter, UnsupportedOperatorNamesNodeOpAndOpset) {
  Builder b("g", 15);
  Value* x = b.input("x", kFloat32, {2});
  b.output(b.add_node("NonMaxSuppression", {x}, {}, {.name = "nms"}));
  const Graph g = b.finish();
  EXPECT_OCTET_ERROR(Interpreter{g},
                     "interpreter: node 'nms' (NonMaxSuppression): unsupported operator NonMaxSuppression (domain "
                     "ai.onnx, opset 15)");
  Builder c("g");
  Value* y = c.input("y", kFloat32, {2});
  c.output(c.add_node("Frobnicate", {y}, {}, {.name = "f", .domain = "com.example"}));
  const Graph h = c.finish();
  EXPECT_OCTET_ERROR(Interpreter{h}, "node 'f' (com.example::Frobnicate): unsupported operator "
                                     "com.example::Frobnicate (domain com.example, opset unknown)");
}

TEST(GraphInterpreter, KernelErrorsNameTheNode) {
  Builder b("g");
  Value* x = b.input("x", kFloat32, {2, 3});
  Value* idx = b.input("idx", kInt64, {2});
  b.output(b.add_node("Gather", {x, idx}, {{"axis", 1}}, {.name = "pick"}));
  const Graph g = b.finish();
  EXPECT_OCTET_ERROR(run_graph(g, {zeros({2, 3}), test::i64({0, 3})}),
                     "node 'pick' (Gather): index 3 is out of range for axis 1 of size 3");
  // An error from a functional operator gets the node prepended.
  Builder c("g");
  Value* a = c.input("a", kFloat32, {"N", 3});
  Value* m = c.input("m", kFloat32, {"K", 4});
  c.output(c.add_node("MatMul", {a, m}, {}, {.name = "mm"}));
  const Graph h = c.finish();
  try {
    run_graph(h, {zeros({2, 3}), zeros({2, 4})});
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("node 'mm' (MatMul): matmul", 0), 0u) << e.what();
  }
}

TEST(GraphInterpreter, ChecksKernelOutputsAgainstDeclaredTypes) {
  Builder b("g");
  Value* x = b.input("x", kFloat32, {2, 3});
  Value* y = b.add_node("Relu", {x}, {}, {.name = "r"});
  b.output(y);
  Graph g = b.finish();
  // A wrong declaration (as a buggy pass might leave) is caught when the node runs.
  g.find_value("r")->set_type(TensorType(kFloat32, Dims{3, 2}));
  EXPECT_OCTET_ERROR(run_graph(g, {zeros({2, 3})}), "verify: node 'r' (Relu): output 'r' is declared float32[3, 2] but its inputs give float32[2, 3]");
  g.find_value("r")->set_type(TensorType(kFloat32, Dims{"N", 2}));
  g.find_value("x")->set_type(TensorType(kFloat32, Dims{"A", "B"}));
  EXPECT_OCTET_ERROR(run_graph(g, {zeros({2, 3})}),
                     "interpreter: node 'r' (Relu): output 'r' is declared float32[N, 2] but the kernel produced float32[2, 3]");
}

TEST(GraphInterpreter, OutputsNeverAliasInitializers) {
  Builder b("g");
  Value* w = b.initializer("w", full({2}, 1.0));
  Value* x = b.input("x", kFloat32, {2});
  b.output(b.add_node("Identity", {w}));
  b.output(b.add_node("Transpose", {x}, {}, {.name = "t"}));
  const Graph g = b.finish();
  std::vector<Tensor> out = run_graph(g, {zeros({2})});
  out[0].fill_(5.0);
  EXPECT_TRUE(equal(init(g, "w"), full({2}, 1.0)));
  EXPECT_TRUE(out[1].is_contiguous());
}

TEST(GraphInterpreter, InitializerInputsTakeDefaultsOrFeeds) {
  Graph g("g");
  Value* x = g.add_input("x", TensorType(kFloat32, Dims{2}));
  Value* bias = g.add_initializer("bias", full({2}, 1.0));
  g.mark_input(bias);
  g.add_output(g.add_node("Add", {x, bias})->output(0));
  Interpreter run(g);
  EXPECT_TRUE(equal(run.run({zeros({2}), Tensor()})[0], full({2}, 1.0)));
  EXPECT_TRUE(equal(run.run({zeros({2}), full({2}, 3.0)})[0], full({2}, 3.0)));
  EXPECT_TRUE(equal(run.run_named({{"x", zeros({2})}}).at("Add_0"), full({2}, 1.0)));
}

}  // namespace
}  // namespace octet::graph
