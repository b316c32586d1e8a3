// liveness_test.cpp: the interpreter releases every intermediate right after its last reader, counted by live tensors and bytes.
#include <gtest/gtest.h>

#include <algorithm>

#include "graph/graph_test_util.h"

namespace octet::graph {
namespace {

TEST(GraphLiveness, ChainHoldsOneTensorBetweenNodes) {
  Builder b("chain");
  Value* v = b.input("x", kFloat32, {256, 256});
  for (int i = 0; i < 10; ++i) v = b.add_node(i % 2 == 0 ? "Relu" : "Neg", {v});
  b.output(v);
  const Graph g = b.finish();
  Interpreter run(g);
  run.run({ones({256, 256})});
  const RunStats& s = run.stats();
  EXPECT_EQ(s.nodes_run, 10);
  EXPECT_EQ(s.live_after_node, std::vector<int64_t>(10, 1));
  // While a node runs it holds its input and its output, never more.
  EXPECT_EQ(s.peak_live_values, 2);
  EXPECT_EQ(s.peak_live_bytes, 2 * 256 * 256 * 4);
  // Each node releases its input (the graph input for the first).
  for (const auto& r : run.releases()) EXPECT_EQ(r.size(), 1u);
}

TEST(GraphLiveness, SkipConnectionStaysAliveUntilItsLastUse) {
  // x -> a -> b -> c, out = c + x: x lives to the end, a and b die as soon as they are read.
  Builder b("skip");
  Value* x = b.input("x", kFloat32, {4});
  Value* a = b.add_node("Relu", {x}, {}, {.name = "a"});
  Value* c1 = b.add_node("Neg", {a}, {}, {.name = "b"});
  Value* c2 = b.add_node("Abs", {c1}, {}, {.name = "c"});
  b.output(b.add_node("Add", {c2, x}, {}, {.name = "out"}));
  const Graph g = b.finish();
  Interpreter run(g);
  run.run({ones({4})});
  EXPECT_EQ(run.stats().live_after_node, (std::vector<int64_t>{2, 2, 2, 1}));
  EXPECT_EQ(run.stats().peak_live_values, 3);
  const auto& rel = run.releases();
  ASSERT_EQ(rel.size(), 4u);
  EXPECT_TRUE(rel[0].empty());  // x is read again by the last node
  EXPECT_EQ(rel[1], std::vector<const Value*>{g.find_value("a")});
  EXPECT_EQ(rel[2], std::vector<const Value*>{g.find_value("b")});
  std::vector<const Value*> last = rel[3];
  std::sort(last.begin(), last.end());
  std::vector<const Value*> want{g.find_value("x"), g.find_value("c")};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(last, want);
}

TEST(GraphLiveness, UnusedValuesAreReleasedAtOnce) {
  // An unused graph input goes before the first node; an unread output right after its node.
  Builder b("unused");
  Value* x = b.input("x", kFloat32, {6});
  b.input("ignored", kFloat32, {1000});
  const std::vector<Value*> parts = b.add_node_outputs("Split", {x}, 3, {{"axis", 0}}, {.name = "split"});
  b.output(b.add_node("Relu", {parts[1]}, {}, {.name = "r"}));
  const Graph g = b.finish();
  Interpreter run(g);
  run.run({ones({6}), ones({1000})});
  EXPECT_EQ(run.stats().peak_live_bytes, 6 * 4 + 3 * 2 * 4);  // x and three views while Split runs
  EXPECT_EQ(run.stats().live_after_node, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(run.stats().peak_live_values, 4);
}

TEST(GraphLiveness, TwoBranchesPeakIsTheWidestCut) {
  Generator gen(3);
  Builder b("wide");
  Value* x = b.input("x", kFloat32, {1, 4, 8, 8});
  // Two branches from x joined at the end: at most x, one branch's value and the other's.
  Value* l = b.add_node("Relu", {x});
  l = b.add_node("Neg", {l});
  Value* r = b.add_node("Abs", {x});
  r = b.add_node("Neg", {r});
  b.output(b.add_node("Add", {l, r}));
  const Graph g = b.finish();
  Interpreter run(g);
  run.run({randn({1, 4, 8, 8}, gen)});
  EXPECT_EQ(run.stats().live_after_node, (std::vector<int64_t>{2, 2, 2, 2, 1}));
  EXPECT_EQ(run.stats().peak_live_values, 3);
}

}  // namespace
}  // namespace octet::graph
