// builder_printer_test.cpp: building graphs by hand and their printed form.
#include <gtest/gtest.h>

#include <sstream>

#include "graph/graph_test_util.h"

namespace octet::graph {
namespace {

TEST(GraphBuilder, BuildsNamedNodesWithOnnxAttributes) {
  Builder b("block", 13);
  Value* x = b.input("x", kFloat32, {"N", 3, 8, 8});
  Value* w = b.initializer("conv.weight", zeros({4, 3, 3, 3}));
  Value* y = b.add_node("Conv", {x, w, nullptr}, {{"kernel_shape", {3, 3}}, {"pads", {1, 1, 1, 1}}}, {.name = "conv"});
  Node* conv = b.last_node();
  EXPECT_EQ(conv->name(), "conv");
  EXPECT_EQ(conv->input(2), nullptr);
  EXPECT_EQ(y->name(), "conv");
  const std::vector<Value*> parts = b.add_node_outputs("Split", {y}, 2, {{"axis", 1}});
  EXPECT_EQ(parts[0]->name(), "Split_0_out0");
  Value* s = b.scalar(0.5);
  Value* shape = b.ints({-1, 8});
  EXPECT_EQ(s->initializer().dim(), 0);
  EXPECT_EQ(shape->initializer().dtype(), kInt64);
  b.output(b.add_node("Add", {parts[0], parts[1]}), "sum");
  Graph g = b.finish();
  EXPECT_EQ(g.opset(), 13);
  EXPECT_EQ(g.outputs()[0]->name(), "sum");
  EXPECT_EQ(g.num_nodes(), 3);
  EXPECT_EQ(b.graph().num_nodes(), 0);  // handed over
  EXPECT_OCTET_ERROR(b.add_node("Relu", {x}, {{"a", 1}, {"a", 2}}), "attribute 'a' is given twice");
  EXPECT_OCTET_ERROR(b.add_node_outputs("Relu", {}, 0), "Relu needs at least one output, got 0");
}

TEST(GraphBuilder, FinishVerifies) {
  Builder b("empty");
  b.input("x", kFloat32, {1});
  EXPECT_OCTET_ERROR(b.finish(), "verify: graph 'empty' has no outputs");
}

TEST(GraphPrinter, OneLinePerNodeWithTypesAndAttributes) {
  Builder b("block");
  Value* x = b.input("x", kFloat32, {"N", 3, 8, 8});
  Value* w = b.initializer("w", zeros({4, 3, 3, 3}));
  Value* y = b.add_node("Conv", {x, w, nullptr}, {{"kernel_shape", {3, 3}}, {"pads", {1, 1, 1, 1}}}, {.name = "conv1"});
  y = b.add_node("Clip", {y}, {{"alpha", 0.25f}, {"mode", "edge"}}, {.name = "clip", .output_names = {"clipped"}});
  y = b.add_node("Fuse", {y}, {{"t", test::f32({1, 2}, {2})}}, {.name = "f", .domain = "com.example"});
  b.output(y);
  Graph g = b.finish();
  infer_shapes(g);
  const std::string want =
      "graph block (\n"
      "  %x : float32[N, 3, 8, 8]\n"
      ") initializers (\n"
      "  %w : float32[4, 3, 3, 3]\n"
      ") {\n"
      "  %conv1 : float32[N, 4, 8, 8] = Conv[kernel_shape=[3, 3], pads=[1, 1, 1, 1]](%x, %w, _)\n"
      "  %clipped : float32[N, 4, 8, 8] = Clip[alpha=0.25, mode=\"edge\"](%conv1)  # clip\n"
      "  %f = com.example::Fuse[t=tensor(float32[2]: [1, 2])](%clipped)\n"
      "  return %f\n"
      "}\n";
  EXPECT_EQ(to_string(g), want);
  std::ostringstream os;
  os << g;
  EXPECT_EQ(os.str(), want);
  EXPECT_EQ(to_string(*g.find_node("f")), "%f = com.example::Fuse[t=tensor(float32[2]: [1, 2])](%clipped)");
}

TEST(GraphPrinter, InitializerInputsSubgraphsAndLargeTensors) {
  Graph g("g");
  Value* x = g.add_input("x", TensorType(kInt64, Dims{2}));
  Value* d = g.add_initializer("d", zeros({2}, kInt64));
  g.mark_input(d);
  auto body = std::make_shared<Graph>("then_body");
  Node* n = g.add_node("If", {x, d}, {{"then_branch", Attribute(body)}, {"big", Attribute(zeros({3, 4}))},
                                     {"names", Attribute({"a", "b"})}, {"fs", Attribute({0.5, 2.0})}},
                       {.name = "if"});
  g.add_output(n->output(0));
  EXPECT_EQ(to_string(g),
            "graph g (\n"
            "  %x : int64[2]\n"
            "  %d : int64[2] = initializer\n"
            ") {\n"
            "  %if = If[big=tensor(float32[3, 4]), fs=[0.5, 2], names=[\"a\", \"b\"], then_branch=graph(then_body)](%x, %d)\n"
            "  return %if\n"
            "}\n");
}

}  // namespace
}  // namespace octet::graph
