// cleanup_passes_test.cpp: fold_constants() and eliminate_dead_code(): before/after graphs and numeric equivalence.
#include <gtest/gtest.h>

#include "graph/graph_models.h"
#include "graph/graph_test_util.h"

namespace octet::graph {
namespace {

using test::count_ops;

TEST(GraphConstantFolding, FoldsConstantSubgraphsIntoInitializers) {
  Generator gen(1);
  Builder b("g");
  Value* x = b.input("x", kFloat32, {2, 6});
  Value* w = b.initializer("w", randn({3, 2}, gen));
  // w2 = Transpose(Reshape(w + 1, [2, 3])): constant; y = x reshaped by a Constant node's shape.
  Value* w1 = b.add_node("Add", {w, b.scalar(1.0)}, {}, {.name = "w_plus"});
  Value* w2 = b.add_node("Transpose", {b.add_node("Reshape", {w1, b.ints({2, 3})}, {}, {.name = "w_reshape"})}, {},
                         {.name = "w_t"});
  Value* shape = b.add_node("Constant", {}, {{"value_ints", {4, 3}}}, {.name = "shape"});
  Value* y = b.add_node("Reshape", {x, shape}, {}, {.name = "y"});
  b.output(b.add_node("MatMul", {y, w2}, {}, {.name = "out"}));
  Graph g = b.finish();
  const Graph before = g.clone();
  EXPECT_EQ(fold_constants(g), 4);
  EXPECT_EQ(g.num_nodes(), 2);
  EXPECT_EQ(count_ops(g, "MatMul"), 1);
  EXPECT_EQ(count_ops(g, "Reshape"), 1);
  // The folded values keep their names, as initializers.
  ASSERT_NE(g.find_value("w_t"), nullptr);
  EXPECT_TRUE(g.find_value("w_t")->is_initializer());
  EXPECT_TRUE(equal(g.find_value("w_t")->initializer(), F::add(before.find_value("w")->initializer(), 1.0).reshape({2, 3}).t().contiguous()));
  EXPECT_TRUE(g.find_value("shape")->is_initializer());
  // The folded weight is contiguous where the original was a transposed view: the GEMM may round
  // differently, by an ulp or so.
  test::expect_equivalent(before, g, 2, 1e-6);
  // Unused now: w, the scalar 1, the Reshape's [2, 3] and the intermediate folded values.
  EXPECT_EQ(eliminate_dead_code(g), 5);
  EXPECT_EQ(g.initializers().size(), 2u);
  test::expect_equivalent(before, g, 3, 1e-6);
  EXPECT_EQ(fold_constants(g), 0);
}

TEST(GraphConstantFolding, ShapeOfAStaticValueAndTheBertShapeChain) {
  Generator gen(4);
  Graph g = test::bert_layer(gen);
  // With B and L known, Shape(x) and everything computed from it fold away.
  g.inputs()[0]->set_type(TensorType(kFloat32, Dims{2, 5, 16}));
  g.inputs()[1]->set_type(TensorType(kFloat32, Dims{2, 1, 1, 5}));
  const Graph before = g.clone();
  infer_shapes(g);
  const int64_t folded = fold_constants(g);
  EXPECT_EQ(folded, 3 * 6);  // per head split (q, k, v): Shape, 2 Gather, 2 Unsqueeze, Concat
  EXPECT_EQ(count_ops(g, "Shape"), 0);
  EXPECT_EQ(count_ops(g, "Concat"), 0);
  EXPECT_TRUE(g.find_value("q.concat")->is_initializer());
  EXPECT_TRUE(equal(g.find_value("q.concat")->initializer(), test::i64({2, 5, 2, 8})));
  eliminate_dead_code(g);
  test::expect_equivalent(before, g, 5, 0.0);
}

TEST(GraphConstantFolding, LeavesLargeOutputsAndInputDefaultsAlone) {
  Builder b("g");
  Value* x = b.input("x", kFloat32, {1});
  Value* big = b.add_node("ConstantOfShape", {b.ints({1000, 1000})}, {}, {.name = "big"});
  b.output(b.add_node("Add", {b.add_node("ReduceSum", {big}, {{"keepdims", 0}}), x}));
  Graph g = b.finish();
  infer_shapes(g);
  EXPECT_EQ(fold_constants(g, {.max_output_elements = 1000}), 0);
  EXPECT_EQ(count_ops(g, "ConstantOfShape"), 1);
  // An initializer that is also an input may be overridden: not a constant.
  Graph h("h");
  Value* d = h.add_initializer("d", ones({2}));
  h.mark_input(d);
  h.add_output(h.add_node("Neg", {d})->output(0));
  EXPECT_EQ(fold_constants(h), 0);
  const Graph before = g.clone();
  EXPECT_EQ(fold_constants(g), 2);
  test::expect_equivalent(before, g, 7, 0.0);
}

TEST(GraphConstantFolding, AFoldedGraphOutputKeepsItsName) {
  Builder b("g");
  Value* x = b.input("x", kFloat32, {2});
  b.output(b.add_node("Relu", {x}));
  b.output(b.add_node("Neg", {b.scalar(3.0)}), "three");
  Graph g = b.finish();
  EXPECT_EQ(fold_constants(g), 1);
  EXPECT_EQ(g.outputs()[1]->name(), "three");
  EXPECT_TRUE(g.outputs()[1]->is_initializer());
  const std::vector<Tensor> out = run_graph(g, {zeros({2})});
  EXPECT_TRUE(equal(out[1], full({}, -3.0)));
}

TEST(GraphDeadCode, RemovesWhatReachesNoOutput) {
  Generator gen(8);
  Builder b("g");
  Value* x = b.input("x", kFloat32, {2, 3});
  b.input("unused_input", kFloat32, {1});
  Value* w = b.initializer("w", randn({3, 3}, gen));
  b.initializer("orphan", zeros({4}));
  Value* y = b.add_node("MatMul", {x, w}, {}, {.name = "mm"});
  Value* dead = b.add_node("Sigmoid", {y}, {}, {.name = "dead1"});
  b.add_node("Neg", {b.add_node("Abs", {dead}, {}, {.name = "dead2"})}, {}, {.name = "dead3"});
  const std::vector<Value*> parts = b.add_node_outputs("Split", {y}, 3, {{"axis", 1}}, {.name = "split"});
  b.output(b.add_node("Relu", {parts[0]}, {}, {.name = "relu"}));
  Graph g = b.finish();
  const Graph before = g.clone();
  EXPECT_EQ(eliminate_dead_code(g), 4);  // three nodes and the orphan initializer
  EXPECT_EQ(g.num_nodes(), 3);           // a multi-output node stays when one output is used
  EXPECT_EQ(g.find_node("dead1"), nullptr);
  EXPECT_EQ(g.find_value("orphan"), nullptr);
  EXPECT_NE(g.find_value("unused_input"), nullptr);  // inputs are the interface
  EXPECT_EQ(eliminate_dead_code(g), 0);
  test::expect_equivalent(before, g, 9, 0.0);
}

}  // namespace
}  // namespace octet::graph
