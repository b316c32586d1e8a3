// pattern_test.cpp: the subgraph matcher: op and input matching, wildcards, constants, commutativity, predicates, the single-use rule.
#include <gtest/gtest.h>

#include "graph/graph_test_util.h"
#include "octet/graph/pattern.h"

namespace octet::graph {
namespace {

// y = Relu(Add(x, c)) with c a constant 2.
Pattern add_relu(bool commutative = true) {
  Pattern p;
  const PatternValue x = p.any("x");
  const PatternValue s = p.node("Add", {x, p.scalar(2.0, 1e-6, "c")}, {.name = "add", .commutative = commutative});
  p.output(p.node("Relu", {s}, {.name = "relu"}));
  return p;
}

TEST(GraphPattern, MatchesOpsInputsAndConstants) {
  Builder b("g");
  Value* x = b.input("x", kFloat32, {3});
  Value* s = b.add_node("Add", {x, b.scalar(2.0)}, {}, {.name = "a"});
  Value* r = b.add_node("Relu", {s}, {}, {.name = "r"});
  b.output(r);
  Graph g = b.finish();
  std::vector<Match> ms = find_matches(g, add_relu());
  ASSERT_EQ(ms.size(), 1u);
  const Match& m = ms[0];
  EXPECT_EQ(m.output, r);
  EXPECT_EQ(m.value("x"), x);
  EXPECT_EQ(m.value("add"), s);
  EXPECT_EQ(m.node("relu"), g.find_node("r"));
  EXPECT_EQ(m.nodes, (std::vector<Node*>{g.find_node("a"), g.find_node("r")}));
  EXPECT_TRUE(m.value("c")->is_initializer());
  EXPECT_OCTET_ERROR(m.value("nope"), "the pattern has no value named 'nope'");
  EXPECT_OCTET_ERROR(m.node("x"), "the pattern has no node named 'x'");
  EXPECT_FALSE(match_at(add_relu(), s).has_value());  // s is an Add, not a Relu
  EXPECT_FALSE(match_at(add_relu(), x).has_value());  // no producer
}

TEST(GraphPattern, CommutativeOpsMatchEitherOrder) {
  Builder b("g");
  Value* x = b.input("x", kFloat32, {3});
  b.output(b.add_node("Relu", {b.add_node("Add", {b.scalar(2.0), x})}));
  Graph g = b.finish();
  EXPECT_EQ(find_matches(g, add_relu()).size(), 1u);
  EXPECT_EQ(find_matches(g, add_relu(/*commutative=*/false)).size(), 0u);
}

TEST(GraphPattern, ConstantsMustHaveTheValue) {
  for (double c : {2.0, 2.5}) {
    Builder b("g");
    Value* x = b.input("x", kFloat32, {3});
    b.output(b.add_node("Relu", {b.add_node("Add", {x, b.constant(full({3}, c))})}));
    Graph g = b.finish();
    EXPECT_EQ(find_matches(g, add_relu()).size(), c == 2.0 ? 1u : 0u) << c;
  }
  // A graph input is not a constant, even one with a default.
  Graph g("g");
  Value* x = g.add_input("x", TensorType(kFloat32, Dims{3}));
  Value* d = g.add_initializer("d", full({}, 2.0));
  g.mark_input(d);
  g.add_output(g.add_node("Relu", {g.add_node("Add", {x, d})->output(0)})->output(0));
  EXPECT_EQ(find_matches(g, add_relu()).size(), 0u);
  // A Constant node is.
  Graph h("h");
  Value* y = h.add_input("y", TensorType(kFloat32, Dims{3}));
  Value* k = h.add_node("Constant", {}, {{"value_float", Attribute(2.0f)}})->output(0);
  h.add_output(h.add_node("Relu", {h.add_node("Add", {y, k})->output(0)})->output(0));
  EXPECT_EQ(find_matches(h, add_relu()).size(), 1u);
}

TEST(GraphPattern, WildcardsBindOneValue) {
  // Mul(x, x) does not match Mul(a, b).
  Pattern p;
  const PatternValue x = p.any("x");
  p.output(p.node("Mul", {x, x}));
  Builder b("g");
  Value* u = b.input("u", kFloat32, {3});
  Value* v = b.input("v", kFloat32, {3});
  b.output(b.add_node("Mul", {u, u}));
  b.output(b.add_node("Mul", {u, v}));
  Graph g = b.finish();
  const std::vector<Match> ms = find_matches(g, p);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].output, g.outputs()[0]);
}

TEST(GraphPattern, InternalValuesMustNotEscape) {
  Builder b("g");
  Value* x = b.input("x", kFloat32, {3});
  Value* s = b.add_node("Add", {x, b.scalar(2.0)});
  b.output(b.add_node("Relu", {s}));
  b.output(b.add_node("Neg", {s}));  // a second reader of the Add outside the pattern
  Graph g = b.finish();
  EXPECT_EQ(find_matches(g, add_relu()).size(), 0u);
  Node* neg = g.outputs()[1]->producer();
  g.set_outputs({g.outputs()[0]});
  g.erase_node(neg);
  EXPECT_EQ(find_matches(g, add_relu()).size(), 1u);
  g.add_output(s);  // an internal value that is a graph output
  EXPECT_EQ(find_matches(g, add_relu()).size(), 0u);
}

TEST(GraphPattern, SharedPatternNodesAndPredicates) {
  // d = Sub(x, m) read twice: Mul(d, d) needs one Sub node in both places.
  Pattern p;
  const PatternValue x = p.any("x");
  const PatternValue d = p.node("Sub", {x, p.any("m")}, {.name = "d"});
  p.output(p.node("Mul", {d, d}, {.name = "sq", .where = [](const Node& n) { return n.name() != "skip"; }}));
  Builder b("g");
  Value* in = b.input("in", kFloat32, {3});
  Value* mu = b.input("mu", kFloat32, {3});
  Value* d1 = b.add_node("Sub", {in, mu});
  Value* d2 = b.add_node("Sub", {in, mu});
  Value* d3 = b.add_node("Sub", {in, mu});
  Value* d4 = b.add_node("Sub", {in, mu});
  b.output(b.add_node("Mul", {d1, d1}, {}, {.name = "ok"}));
  b.output(b.add_node("Mul", {d2, d2}, {}, {.name = "skip"}));      // rejected by `where`
  b.output(b.add_node("Mul", {d3, d4}, {}, {.name = "two_subs"}));  // two Sub nodes
  Graph g = b.finish();
  std::vector<Match> ms = find_matches(g, p);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].node("sq")->name(), "ok");
}

TEST(GraphPattern, ExtraInputsAndOutputIndex) {
  Pattern p;
  const PatternValue x = p.any("x");
  p.output(p.node("ReduceMean", {x}, {.allow_extra_inputs = true}));
  Pattern q;
  q.output(q.node("Split", {q.any("x")}, {.output_index = 1}));
  Builder b("g");
  Value* in = b.input("in", kFloat32, {4});
  b.output(b.add_node("ReduceMean", {in, b.ints({0})}));
  const std::vector<Value*> parts = b.add_node_outputs("Split", {in}, 2);
  b.output(parts[1]);
  Graph g = b.finish();
  EXPECT_EQ(find_matches(g, p).size(), 1u);
  const std::vector<Match> ms = find_matches(g, q);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].output, parts[1]);
  // The anchor node's other outputs are inside the match too: read from outside, no match.
  g.add_output(parts[0]);
  EXPECT_EQ(find_matches(g, q).size(), 0u);
}

TEST(GraphPattern, MatchesDoNotOverlapAndReplaceMatchRewires) {
  // Relu(Relu(Relu(x))) with the pattern Relu(Relu(any)): one match, then the rest.
  Pattern p;
  p.output(p.node("Relu", {p.node("Relu", {p.any("x")})}));
  Builder b("g");
  Value* x = b.input("x", kFloat32, {3});
  Value* v = x;
  for (int i = 0; i < 3; ++i) v = b.add_node("Relu", {v});
  b.output(v, "y");
  Graph g = b.finish();
  const Graph before = g.clone();
  std::vector<Match> ms = find_matches(g, p);
  ASSERT_EQ(ms.size(), 1u);
  Node* last = ms[0].output->producer();
  Node* single = g.insert_node(last, "Relu", {ms[0].value("x")});
  replace_match(g, ms[0], single->output(0));
  EXPECT_EQ(g.num_nodes(), 2);
  EXPECT_EQ(g.outputs()[0]->name(), "y");
  test::expect_equivalent(before, g, 6);
}

TEST(GraphPattern, BadPatterns) {
  Pattern p;
  const PatternValue x = p.any("x");
  EXPECT_OCTET_ERROR(p.output(x), "Pattern::output: the output must be a node of this pattern");
  EXPECT_OCTET_ERROR(p.node("Relu", {PatternValue{7}}), "Relu: an input is not a value of this pattern");
  p.node("Relu", {x}, {.name = "r"});
  EXPECT_OCTET_ERROR(p.node("Neg", {x}, {.name = "r"}), "the name 'r' is used twice");
  EXPECT_OCTET_ERROR(p.scalar(1.0, -1.0), "rel_tol must be >= 0, got -1");
  Graph g("g");
  EXPECT_OCTET_ERROR(find_matches(g, Pattern()), "find_matches: the pattern has no output (call Pattern::output)");
  EXPECT_OCTET_ERROR(match_at(Pattern(), nullptr), "match_at: the pattern has no output");
}

}  // namespace
}  // namespace octet::graph
