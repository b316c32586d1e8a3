// shape_inference_test.cpp: infer_shapes() on real blocks (static and symbolic dims), refinement of declared types, conflicts, unknown ops.
#include <gtest/gtest.h>

#include "graph/graph_models.h"
#include "graph/graph_test_util.h"

namespace octet::graph {
namespace {

std::string type_of(const Graph& g, const std::string& name) { return g.find_value(name)->type().to_string(); }

TEST(GraphShapeInference, ResNetBlockKeepsTheBatchSymbol) {
  Generator gen(1);
  Graph g = test::resnet_basic_block(gen);
  const Graph before = g.clone();
  EXPECT_EQ(infer_shapes(g), 7);
  EXPECT_EQ(type_of(g, "conv1"), "float32[N, 8, 6, 6]");
  EXPECT_EQ(type_of(g, "bn2"), "float32[N, 8, 6, 6]");
  EXPECT_EQ(type_of(g, "out"), "float32[N, 8, 6, 6]");
  EXPECT_EQ(infer_shapes(g), 0);  // a fixed point
  // The interpreter checks every inferred size against what the kernels produce.
  test::expect_equivalent(before, g, 2, 0.0, {{"N", 3}});
}

TEST(GraphShapeInference, BertLayerFollowsShapeComputations) {
  Generator gen(2);
  Graph g = test::bert_layer(gen);
  const Graph before = g.clone();
  infer_shapes(g);
  // Reshape(q, Concat(Unsqueeze(Gather(Shape(x), 0)), Unsqueeze(Gather(Shape(x), 1)), [2], [8])).
  EXPECT_EQ(type_of(g, "q.concat"), "int64[4]");
  EXPECT_EQ(type_of(g, "q.reshape"), "float32[B, L, 2, 8]");
  EXPECT_EQ(type_of(g, "q.transpose"), "float32[B, 2, L, 8]");
  EXPECT_EQ(type_of(g, "k.transpose"), "float32[B, 2, 8, L]");
  EXPECT_EQ(type_of(g, "scores"), "float32[B, 2, L, L]");
  EXPECT_EQ(type_of(g, "masked"), "float32[B, 2, L, L]");
  EXPECT_EQ(type_of(g, "merge_reshape"), "float32[B, L, 16]");
  EXPECT_EQ(type_of(g, "ln1.mean"), "float32[B, L, 1]");
  EXPECT_EQ(type_of(g, "gelu.mul_half"), "float32[B, L, 32]");
  EXPECT_EQ(type_of(g, "out"), "float32[B, L, 16]");
  for (const Value* v : g.values()) EXPECT_TRUE(v->type().dtype.has_value()) << v->name();
  test::expect_equivalent(before, g, 3, 0.0, {{"B", 2}, {"L", 5}});
}

TEST(GraphShapeInference, SymbolicReshapeAndFlatten) {
  Builder b("g");
  Value* x = b.input("x", kFloat32, {"N", 4, 6});
  Value* a = b.add_node("Reshape", {x, b.ints({0, -1})}, {}, {.name = "a"});
  Value* c = b.add_node("Reshape", {x, b.ints({-1, 4, 6})}, {}, {.name = "c"});
  Value* d = b.add_node("Reshape", {x, b.ints({-1, 6})}, {}, {.name = "d"});
  Value* f = b.add_node("Flatten", {b.add_node("Unsqueeze", {x, b.ints({1})}, {}, {.name = "u"})}, {}, {.name = "f"});
  Value* s = b.add_node("Squeeze", {x}, {}, {.name = "s"});
  Value* sl = b.add_node("Slice", {x, b.ints({1}), b.ints({1000}), b.ints({1})}, {}, {.name = "sl"});
  Value* sl0 = b.add_node("Slice", {x, b.ints({1}), b.ints({1000}), b.ints({0})}, {}, {.name = "sl0"});
  for (Value* v : {a, c, d, f, s, sl, sl0}) b.output(v);
  Graph g = b.finish();
  infer_shapes(g);
  EXPECT_EQ(type_of(g, "a"), "float32[N, 24]");
  EXPECT_EQ(type_of(g, "c"), "float32[N, 4, 6]");
  EXPECT_EQ(type_of(g, "d"), "float32[?, 6]");  // 4 N: not one dim
  EXPECT_EQ(type_of(g, "u"), "float32[N, 1, 4, 6]");
  EXPECT_EQ(type_of(g, "f"), "float32[N, 24]");
  EXPECT_EQ(type_of(g, "s"), "float32[...]");  // N might be 1
  EXPECT_EQ(type_of(g, "sl"), "float32[N, 3, 6]");
  EXPECT_EQ(type_of(g, "sl0"), "float32[?, 4, 6]");
  test::expect_equivalent(g, g, 4, 0.0, {{"N", 3}});
}

TEST(GraphShapeInference, RefinesAndChecksDeclaredTypes) {
  Builder b("g");
  Value* x = b.input("x", kFloat32, {"N", 3});
  Value* r = b.add_node("Relu", {x}, {}, {.name = "r"});
  b.output(r);
  Graph g = b.finish();
  r->set_type(TensorType(std::nullopt, Dims{Dim(), 3}));
  EXPECT_EQ(infer_shapes(g), 1);
  EXPECT_EQ(type_of(g, "r"), "float32[N, 3]");
  r->set_type(TensorType(kFloat32, Dims{"M", 3}));  // a declared symbol stays
  EXPECT_EQ(infer_shapes(g), 0);
  EXPECT_EQ(type_of(g, "r"), "float32[M, 3]");
  r->set_type(TensorType(kFloat32, Dims{"M", 4}));
  EXPECT_OCTET_ERROR(infer_shapes(g),
                     "infer_shapes: node 'r' (Relu): output 'r' is declared float32[M, 4] but its inputs give float32[N, 3]");
}

TEST(GraphShapeInference, UnknownOperatorsLeaveOutputsUnknownUnlessStrict) {
  Builder b("g");
  Value* x = b.input("x", kFloat32, {2});
  Value* y = b.add_node("Mystery", {x}, {}, {.name = "m", .domain = "com.example"});
  b.output(b.add_node("Relu", {y}, {}, {.name = "r"}));
  Graph g = b.finish();
  infer_shapes(g);
  EXPECT_EQ(type_of(g, "m"), "?[...]");
  EXPECT_EQ(type_of(g, "r"), "?[...]");
  EXPECT_OCTET_ERROR(infer_shapes(g, {.strict = true}),
                     "infer_shapes: node 'm' (com.example::Mystery): unsupported operator com.example::Mystery (opset -1)");
}

TEST(GraphShapeInference, ConstantsAndRangesGiveStaticShapes) {
  Builder b("g");
  Value* x = b.input("x", kFloat32, {"N", 3});
  Value* len = b.add_node("Range", {b.scalar(0, kInt64), b.scalar(5, kInt64), b.scalar(2, kInt64)}, {}, {.name = "range"});
  Value* c = b.add_node("ConstantOfShape", {b.add_node("Shape", {x}, {}, {.name = "shape"})}, {{"value", test::i64({1})}},
                        {.name = "fill"});
  Value* k = b.add_node("Constant", {}, {{"value_ints", {2, 3}}}, {.name = "k"});
  Value* e = b.add_node("Expand", {b.add_node("Unsqueeze", {len, b.ints({0})}), k}, {}, {.name = "expand"});
  Value* gsz = b.add_node("Gather", {b.add_node("Shape", {x}), b.scalar(0, kInt64)}, {}, {.name = "n"});
  Value* z = b.add_node("ConstantOfShape", {b.add_node("Unsqueeze", {gsz, b.ints({0})})}, {}, {.name = "zeros"});
  for (Value* v : {len, c, e, z}) b.output(v);
  Graph g = b.finish();
  infer_shapes(g);
  EXPECT_EQ(type_of(g, "range"), "int64[3]");
  EXPECT_EQ(type_of(g, "fill"), "int64[N, 3]");
  EXPECT_EQ(type_of(g, "expand"), "int64[2, 3]");
  EXPECT_EQ(type_of(g, "zeros"), "float32[N]");
  test::expect_equivalent(g, g, 5, 0.0, {{"N", 4}});
}

}  // namespace
}  // namespace octet::graph
