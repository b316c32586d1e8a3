// verifier_test.cpp: every problem verify() reports, by its message.
#include <gtest/gtest.h>

#include "graph/graph_test_util.h"
#include "octet/graph/verifier.h"

namespace octet::graph {
namespace {

TEST(GraphVerifier, AcceptsWellFormedGraphsAndUnknownOps) {
  Builder b("g");
  Value* x = b.input("x", kFloat32, {"N", 4});
  Value* y = b.add_node("SomeCustomOp", {x}, {}, {.domain = "com.example"});
  b.output(b.add_node("Relu", {y}));
  EXPECT_NO_THROW(b.finish());
}

TEST(GraphVerifier, NeedsOutputs) {
  Graph g("g");
  g.add_input("x", TensorType(kFloat32, Dims{1}));
  EXPECT_OCTET_ERROR(verify(g), "verify: graph 'g' has no outputs");
}

TEST(GraphVerifier, NeedsInputDtypes) {
  Graph g("g");
  Value* x = g.add_input("x", TensorType(std::nullopt, Dims{1}));
  g.add_output(x);
  EXPECT_OCTET_ERROR(verify(g), "verify: graph input 'x' has no dtype");
}

TEST(GraphVerifier, NodesMustBeInTopologicalOrder) {
  Graph g("g");
  Value* x = g.add_input("x", TensorType(kFloat32, Dims{2}));
  Node* a = g.add_node("Relu", {x}, {}, {.name = "a"});
  Node* c = g.insert_node(a, "Neg", {a->output(0)}, {}, {.name = "c"});
  g.add_output(c->output(0));
  EXPECT_OCTET_ERROR(verify(g),
                     "verify: node 'c' (Neg): input 'a' is produced by node 'a' (Relu), which comes later (the nodes "
                     "are not in topological order; Graph::topological_sort() fixes that)");
  g.topological_sort();
  EXPECT_NO_THROW(verify(g));
}

TEST(GraphVerifier, RejectsCycles) {
  Graph g("g");
  Value* x = g.add_input("x", TensorType(kFloat32, Dims{2}));
  Node* a = g.add_node("Add", {x, x}, {}, {.name = "a"});
  Node* b = g.add_node("Neg", {a->output(0)}, {}, {.name = "b"});
  a->set_input(1, b->output(0));
  g.add_output(b->output(0));
  EXPECT_OCTET_ERROR(verify(g), "verify: graph 'g' has a cycle through node");
}

TEST(GraphVerifier, InitializerTypesMustMatchTheirTensors) {
  Graph g("g");
  Value* w = g.add_initializer("w", zeros({2}));
  g.add_output(w);
  w->set_type(TensorType(kFloat32, Dims{3}));
  EXPECT_OCTET_ERROR(verify(g), "verify: initializer 'w' is declared float32[3] but holds float32[2]");
  EXPECT_NO_THROW(verify(g, {.check_types = false}));
}

TEST(GraphVerifier, InputAndOutputCounts) {
  Graph g("g");
  Value* x = g.add_input("x", TensorType(kFloat32, Dims{1, 1, 4, 4}));
  Node* c = g.add_node("Conv", {x}, {}, {.name = "c"});
  g.add_output(c->output(0));
  EXPECT_OCTET_ERROR(verify(g), "node 'c' (Conv): takes 2 to 3 inputs, got 1");
  c->set_input(1, nullptr);
  EXPECT_OCTET_ERROR(verify(g), "node 'c' (Conv): input 1 is required");
  Graph h("h");
  Value* y = h.add_input("y", TensorType(kFloat32, Dims{2}));
  Node* r = h.add_node("Relu", {y}, {}, {.name = "r", .num_outputs = 2});
  h.add_output(r->output(0));
  EXPECT_OCTET_ERROR(verify(h), "node 'r' (Relu): has 1 output, got 2");
}

TEST(GraphVerifier, RunsEachOperatorsTypeChecks) {
  Builder b("g");
  Value* x = b.input("x", kFloat32, {2, 3});
  Value* i = b.input("i", kInt64, {2, 3});
  b.output(b.add_node("Add", {x, i}, {}, {.name = "add"}));
  EXPECT_OCTET_ERROR(b.finish(), "node 'add' (Add): inputs 0 and 1 must have the same dtype, got float32 and int64");
  Builder c("g");
  Value* p = c.input("p", kFloat32, {2, 3});
  Value* q = c.input("q", kFloat32, {4});
  c.output(c.add_node("Mul", {p, q}, {}, {.name = "mul"}));
  EXPECT_OCTET_ERROR(c.finish(), "node 'mul' (Mul): shapes [2, 3] and [4] do not broadcast");
  Builder d("g");
  Value* s = d.input("s", kFloat32, {2, 3});
  d.output(d.add_node("Softmax", {s}, {{"axis", 2}}, {.name = "sm"}));
  EXPECT_OCTET_ERROR(d.finish(), "node 'sm' (Softmax): axis 2 is out of range for rank 2 (expected -2 to 1)");
}

TEST(GraphVerifier, DeclaredOutputTypesMustAgreeWithInference) {
  Builder b("g");
  Value* x = b.input("x", kFloat32, {"N", 3});
  Value* r = b.add_node("Relu", {x}, {}, {.name = "r"});
  b.output(r);
  Graph g = b.finish();
  r->set_type(TensorType(kFloat32, Dims{"M", 4}));
  EXPECT_OCTET_ERROR(verify(g), "verify: node 'r' (Relu): output 'r' is declared float32[M, 4] but its inputs give float32[N, 3]");
  r->set_type(TensorType(kInt64));
  EXPECT_OCTET_ERROR(verify(g), "output 'r' is declared int64[...] but its inputs give float32[N, 3]");
  r->set_type(TensorType(kFloat32, Dims{"M", 3}));  // symbols may stand for the same size
  EXPECT_NO_THROW(verify(g));
  r->set_type(TensorType(kFloat32, Dims{2, 3}));
  EXPECT_NO_THROW(verify(g));
}

}  // namespace
}  // namespace octet::graph
