// recognition_passes_test.cpp: fuse_layer_norm() and fuse_gelu() on exported forms and their variants, optimize() end to end.
#include <gtest/gtest.h>

#include <cmath>

#include "graph/graph_models.h"
#include "graph/graph_test_util.h"

namespace octet::graph {
namespace {

using test::count_ops;

TEST(GraphFuseLayerNorm, BertLayerExportedBeforeOpset17) {
  Generator gen(1);
  Graph g = test::bert_layer(gen);
  const Graph before = g.clone();
  EXPECT_EQ(fuse_layer_norm(g), 2);
  EXPECT_EQ(count_ops(g, "LayerNormalization"), 2);
  EXPECT_EQ(count_ops(g, "ReduceMean") + count_ops(g, "Sqrt") + count_ops(g, "Pow"), 0);
  const Node* ln = g.find_value("out")->producer();
  EXPECT_EQ(ln->op_type(), "LayerNormalization");
  EXPECT_EQ(ln->attr_int("axis"), -1);
  EXPECT_FLOAT_EQ(ln->attr_float("epsilon"), 1e-12f);
  EXPECT_EQ(ln->input(1)->name(), "ln2.weight");  // the exported scale and bias are used as they are
  EXPECT_EQ(ln->input(2)->name(), "ln2.bias");
  EXPECT_NO_THROW(verify(g));
  test::expect_equivalent(before, g, 2, 1e-5, {{"B", 2}, {"L", 6}});
}

// LayerNorm over the last `k` dims of x [2, 3, 4] in the variants exporters produce.
struct LnVariant {
  bool square_by_mul = false;    // Mul(d, d) instead of Pow(d, 2)
  bool axes_as_input = false;    // opset 18: ReduceMean's axes as an input
  bool positive_axes = false;    // axes [1, 2] instead of [-2, -1]
  bool affine = true;
  bool commuted = false;         // Add(eps, var), Mul(gamma, n), Add(beta, m)
  int k = 1;
};

Graph ln_graph(const LnVariant& v, Generator& gen) {
  Builder b("ln", v.axes_as_input ? 18 : 17);
  Value* x = b.input("x", kFloat32, {2, 3, 4});
  std::vector<int64_t> axes;
  for (int i = 0; i < v.k; ++i) axes.push_back(v.positive_axes ? 3 - v.k + i : -v.k + i);
  auto reduce = [&](Value* in, const std::string& name) {
    if (v.axes_as_input) return b.add_node("ReduceMean", {in, b.ints(axes)}, {}, {.name = name});
    return b.add_node("ReduceMean", {in}, {{"axes", axes}}, {.name = name});
  };
  Value* d = b.add_node("Sub", {x, reduce(x, "mean")});
  Value* sq = v.square_by_mul ? b.add_node("Mul", {d, d}) : b.add_node("Pow", {d, b.scalar(2.0)});
  Value* var = reduce(sq, "var");
  Value* eps = b.scalar(1e-5);
  Value* ve = v.commuted ? b.add_node("Add", {eps, var}) : b.add_node("Add", {var, eps});
  Value* n = b.add_node("Div", {d, b.add_node("Sqrt", {ve})});
  if (v.affine) {
    const Shape ps = v.k == 1 ? Shape{4} : Shape{1, 3, 4};
    Value* gamma = b.initializer("gamma", test::small_randn(ps, gen));
    Value* beta = b.initializer("beta", test::small_randn(ps, gen));
    n = v.commuted ? b.add_node("Mul", {gamma, n}) : b.add_node("Mul", {n, gamma});
    n = v.commuted ? b.add_node("Add", {beta, n}) : b.add_node("Add", {n, beta});
  }
  b.output(n, "y");
  return b.finish();
}

TEST(GraphFuseLayerNorm, ExportedVariants) {
  Generator gen(3);
  std::vector<LnVariant> variants(7);
  variants[1].square_by_mul = true;
  variants[2].axes_as_input = true;
  variants[3].positive_axes = true;
  variants[4].affine = false;
  variants[5].commuted = true;
  variants[6].k = 2;
  for (size_t i = 0; i < variants.size(); ++i) {
    Graph g = ln_graph(variants[i], gen);
    const Graph before = g.clone();
    infer_shapes(g);  // positive axes need the rank
    ASSERT_EQ(fuse_layer_norm(g), 1) << "variant " << i << "\n" << before;
    EXPECT_EQ(g.num_nodes(), 1) << g;
    EXPECT_EQ(g.outputs()[0]->name(), "y");
    EXPECT_EQ(g.nodes()[0]->attr_int("axis"), 3 - variants[i].k);  // the rank is known: a non-negative axis
    test::expect_equivalent(before, g, 4 + i, 1e-5);
  }
}

TEST(GraphFuseLayerNorm, UnknownRankKeepsNegativeAxes) {
  Generator gen(4);
  Graph g = ln_graph(LnVariant{}, gen);
  const Graph before = g.clone();                  // x float32[2, 3, 4]: the feeds' shape
  g.inputs()[0]->set_type(TensorType(kFloat32));  // the pass sees nothing of x but its dtype
  ASSERT_EQ(fuse_layer_norm(g), 1);
  EXPECT_EQ(g.nodes()[0]->attr_int("axis"), -1);
  test::expect_equivalent(before, g, 1, 1e-5);
}

TEST(GraphFuseLayerNorm, LeavesLookAlikes) {
  Generator gen(5);
  {
    // Normalising over a middle dim is not a LayerNorm.
    LnVariant v;
    v.positive_axes = true;
    Graph g = ln_graph(v, gen);
    g.find_node("mean")->set_attr("axes", std::vector<int64_t>{1});
    g.find_node("var")->set_attr("axes", std::vector<int64_t>{1});
    infer_shapes(g);
    EXPECT_EQ(fuse_layer_norm(g), 0);
  }
  {
    // Different axes for the mean and the variance.
    Graph g = ln_graph(LnVariant{}, gen);
    g.find_node("var")->set_attr("axes", std::vector<int64_t>{-2, -1});
    EXPECT_EQ(fuse_layer_norm(g), 0);
  }
  {
    // The centred value d is also a graph output: it must stay.
    Graph g = ln_graph(LnVariant{}, gen);
    g.add_output(g.find_value("Sub_0"));
    EXPECT_EQ(fuse_layer_norm(g), 0);
  }
  {
    // keepdims = 0 on the mean.
    Graph g = ln_graph(LnVariant{}, gen);
    g.find_node("mean")->set_attr("keepdims", 0);
    EXPECT_EQ(fuse_layer_norm(g), 0);
  }
  {
    // Without gamma and an unknown normalised size there is no scale to give.
    LnVariant v;
    v.affine = false;
    Graph g = ln_graph(v, gen);
    g.inputs()[0]->set_type(TensorType(kFloat32, Dims{2, 3, "C"}));
    EXPECT_EQ(fuse_layer_norm(g), 0);
  }
}

// GELU in the orderings exporters produce: which side the 0.5 is on, Div by sqrt 2 or Mul by its
// inverse, and operands in either order.
Graph gelu_graph(int half, bool div_form, bool swapped) {
  Builder b("gelu");
  Value* x = b.input("x", kFloat32, {"N", 8});
  Value* s = div_form ? b.add_node("Div", {x, b.scalar(std::sqrt(2.0))}) : b.add_node("Mul", {x, b.scalar(1.0 / std::sqrt(2.0))});
  Value* e = b.add_node("Erf", {s});
  Value* a = swapped ? b.add_node("Add", {b.scalar(1.0), e}) : b.add_node("Add", {e, b.scalar(1.0)});
  auto mul = [&](Value* p, Value* q) { return swapped ? b.add_node("Mul", {q, p}) : b.add_node("Mul", {p, q}); };
  Value* y = nullptr;
  if (half == 0) y = mul(mul(x, a), b.scalar(0.5));
  if (half == 1) y = mul(mul(x, b.scalar(0.5)), a);
  if (half == 2) y = mul(x, mul(a, b.scalar(0.5)));
  b.output(b.add_node("Relu", {y}), "y");  // something after it, so the match is not the graph's end
  return b.finish();
}

TEST(GraphFuseGelu, EveryExportedOrdering) {
  int seed = 10;
  for (int half = 0; half < 3; ++half) {
    for (bool div_form : {true, false}) {
      for (bool swapped : {false, true}) {
        Graph g = gelu_graph(half, div_form, swapped);
        const Graph before = g.clone();
        ASSERT_EQ(fuse_gelu(g), 1) << half << div_form << swapped << "\n" << before;
        EXPECT_EQ(g.num_nodes(), 2);
        EXPECT_EQ(count_ops(g, "Gelu"), 1);
        test::expect_equivalent(before, g, static_cast<uint64_t>(seed++), 1e-5, {{"N", 16}});
      }
    }
  }
}

TEST(GraphFuseGelu, BertLayerAndLookAlikes) {
  Generator gen(11);
  Graph g = test::bert_layer(gen);
  const Graph before = g.clone();
  EXPECT_EQ(fuse_gelu(g), 1);
  EXPECT_EQ(count_ops(g, "Erf"), 0);
  test::expect_equivalent(before, g, 12, 1e-5);
  {
    // x / sqrt(3) is not GELU.
    Graph h = gelu_graph(0, true, false);
    Value* c = h.find_node("Div_0")->input(1);
    h.set_initializer(c, full({}, std::sqrt(3.0)));
    EXPECT_EQ(fuse_gelu(h), 0);
  }
  {
    // The erf is read elsewhere too.
    Graph h = gelu_graph(1, false, false);
    h.add_output(h.find_value("Erf_0"));
    EXPECT_EQ(fuse_gelu(h), 0);
  }
  {
    // The 0.5 multiplies another value than x.
    Builder b("g");
    Value* x = b.input("x", kFloat32, {4});
    Value* z = b.input("z", kFloat32, {4});
    Value* a = b.add_node("Add", {b.add_node("Erf", {b.add_node("Div", {x, b.scalar(std::sqrt(2.0))})}), b.scalar(1.0)});
    b.output(b.add_node("Mul", {b.add_node("Mul", {z, a}), b.scalar(0.5)}));
    Graph h = b.finish();
    EXPECT_EQ(fuse_gelu(h), 0);
  }
}

TEST(GraphOptimize, ResNetBlockAndBertLayer) {
  Generator gen(13);
  Graph r = test::resnet_basic_block(gen);
  const Graph r0 = r.clone();
  optimize(r);
  // conv1+bn1+relu1 -> FusedConv; conv2+bn2 -> Conv (the Add sits between it and the Relu).
  EXPECT_EQ(count_ops(r, "FusedConv"), 1);
  EXPECT_EQ(count_ops(r, "Conv"), 1);
  EXPECT_EQ(count_ops(r, "BatchNormalization"), 0);
  EXPECT_EQ(r.num_nodes(), 4);
  EXPECT_EQ(r.find_value("out")->type().to_string(), "float32[N, 8, 6, 6]");
  test::expect_equivalent(r0, r, 14, 1e-5, {{"N", 2}});

  Graph b = test::bert_layer(gen);
  const Graph b0 = b.clone();
  optimize(b);
  EXPECT_EQ(count_ops(b, "LayerNormalization"), 2);
  EXPECT_EQ(count_ops(b, "Gelu"), 1);
  EXPECT_EQ(b.find_value("out")->type().to_string(), "float32[B, L, 16]");
  test::expect_equivalent(b0, b, 15, 1e-5, {{"B", 3}, {"L", 4}});
}

}  // namespace
}  // namespace octet::graph
