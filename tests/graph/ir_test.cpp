// ir_test.cpp: Graph, Node and Value: use lists, mutation, names, substitution, erasure, clone, topological sort, attributes and types.
#include <gtest/gtest.h>

#include "graph/graph_test_util.h"
#include "octet/graph/data_type.h"

namespace octet::graph {
namespace {

TEST(GraphIr, UseListsFollowEveryMutation) {
  Graph g("g");
  Value* x = g.add_input("x", TensorType(kFloat32, Dims{2}));
  Value* y = g.add_input("y", TensorType(kFloat32, Dims{2}));
  Node* add = g.add_node("Add", {x, x});
  EXPECT_EQ(x->uses().size(), 2u);
  EXPECT_EQ(add->output(0)->producer(), add);
  EXPECT_EQ(add->output(0)->producer_output(), 0);
  add->set_input(1, y);
  EXPECT_EQ(x->uses(), (std::vector<Use>{{add, 0}}));
  EXPECT_EQ(y->uses(), (std::vector<Use>{{add, 1}}));
  add->set_input(2, x);  // appending
  EXPECT_EQ(add->num_inputs(), 3);
  add->truncate_inputs(2);
  EXPECT_EQ(x->uses().size(), 1u);
  add->set_input(1, nullptr);
  EXPECT_TRUE(y->uses().empty());
  EXPECT_EQ(add->input(1), nullptr);
  EXPECT_EQ(add->input(7), nullptr);
  EXPECT_EQ(add->output(3), nullptr);
  EXPECT_OCTET_ERROR(add->set_input(5, x), "Node::set_input: node 'Add_0' (Add): input index 5 is out of range [0, 2]");
  Graph other("other");
  Value* z = other.add_input("z", TensorType(kFloat32));
  EXPECT_OCTET_ERROR(add->set_input(0, z), "value 'z' belongs to another graph");
  EXPECT_OCTET_ERROR(g.add_node("Relu", {z}), "input 'z' of the new Relu node belongs to another graph");
}

TEST(GraphIr, ReplaceAllUsesAndSubstituteKeepOutputNames) {
  Graph g("g");
  Value* x = g.add_input("x", TensorType(kFloat32, Dims{2}));
  Node* r = g.add_node("Relu", {x}, {}, {.name = "r"});
  Node* n = g.add_node("Neg", {r->output(0)}, {}, {.name = "n"});
  g.add_output(n->output(0));
  Node* a = g.add_node("Abs", {r->output(0)}, {}, {.name = "a"});
  n->output(0)->replace_all_uses_with(a->output(0));
  EXPECT_EQ(g.outputs()[0], a->output(0));
  EXPECT_EQ(g.outputs()[0]->name(), "a");
  g.set_outputs({n->output(0)});
  g.substitute(n->output(0), a->output(0));
  EXPECT_EQ(g.outputs()[0], a->output(0));
  EXPECT_EQ(a->output(0)->name(), "n");
  EXPECT_EQ(n->output(0)->name(), "n_replaced");
  g.erase_node(n);
  EXPECT_EQ(g.num_nodes(), 2);
  EXPECT_OCTET_ERROR(x->replace_all_uses_with(nullptr), "the replacement of 'x' is null");
  // Substituting a graph input keeps the input's name.
  g.substitute(a->output(0), x);
  EXPECT_EQ(g.outputs()[0], x);
  EXPECT_EQ(x->name(), "x");
  EXPECT_EQ(a->output(0)->name(), "n");
}

TEST(GraphIr, EraseChecksUsesAndOutputs) {
  Graph g("g");
  Value* x = g.add_input("x", TensorType(kFloat32, Dims{2}));
  Value* w = g.add_initializer("w", zeros({2}));
  Node* r = g.add_node("Relu", {x}, {}, {.name = "r"});
  Node* s = g.add_node("Add", {r->output(0), w}, {}, {.name = "s"});
  g.add_output(s->output(0));
  EXPECT_OCTET_ERROR(g.erase_node(r), "cannot erase node 'r' (Relu): its output 'r' is still used by node 's' (Add)");
  EXPECT_OCTET_ERROR(g.erase_node(s), "cannot erase node 's' (Add): its output 's' is a graph output");
  EXPECT_OCTET_ERROR(g.erase_value(w), "cannot erase 'w': it is used by node 's' (Add)");
  EXPECT_OCTET_ERROR(g.erase_value(r->output(0)), "'r' is produced by node 'r' (Relu): erase the node instead");
  EXPECT_OCTET_ERROR(g.erase_value(s->output(0)), "'s' is produced by node 's' (Add)");
  g.set_outputs({r->output(0)});
  g.erase_node(s);
  EXPECT_TRUE(r->output(0)->uses().empty());
  EXPECT_OCTET_ERROR(g.erase_value(r->output(0)), "erase the node instead");
  g.erase_value(w);
  EXPECT_EQ(g.find_value("w"), nullptr);
  EXPECT_OCTET_ERROR(g.erase_value(x), "cannot erase 'x': it is used by node 'r' (Relu)");
  Value* unused = g.add_input("u", TensorType(kFloat32));
  g.erase_value(unused);
  EXPECT_EQ(g.inputs().size(), 1u);
  Value* out_init = g.add_initializer("c", zeros({1}));
  g.add_output(out_init);
  EXPECT_OCTET_ERROR(g.erase_value(out_init), "cannot erase 'c': it is a graph output");
}

TEST(GraphIr, NamesAreUniqueAndFreshNamesCount) {
  Graph g("g");
  Value* x = g.add_input("x", TensorType(kFloat32));
  EXPECT_OCTET_ERROR(g.add_input("x", TensorType(kFloat32)), "graph 'g' already has a value named 'x'");
  EXPECT_OCTET_ERROR(g.add_initializer("x", zeros({1})), "already has a value named 'x'");
  EXPECT_OCTET_ERROR(g.add_input("", TensorType(kFloat32)), "a value needs a name");
  Node* a = g.add_node("Relu", {x});
  Node* b = g.add_node("Relu", {x});
  EXPECT_EQ(a->name(), "Relu_0");
  EXPECT_EQ(b->name(), "Relu_1");
  EXPECT_EQ(b->output(0)->name(), "Relu_1");
  EXPECT_OCTET_ERROR(g.add_node("Neg", {x}, {}, {.name = "Relu_0"}), "graph 'g' already has a node named 'Relu_0'");
  EXPECT_OCTET_ERROR(g.add_node("Neg", {x}, {}, {.name = "n", .output_names = {"x"}}), "already has a value named 'x'");
  EXPECT_OCTET_ERROR(g.add_node("Neg", {x}, {}, {.name = "n", .output_names = {"p", "p"}}), "already has a value named 'p'");
  EXPECT_EQ(g.num_nodes(), 2);  // failed additions leave nothing behind
  Node* s = g.add_node("Split", {x}, {}, {.name = "s", .num_outputs = 3});
  EXPECT_EQ(s->output(0)->name(), "s_out0");
  EXPECT_EQ(s->output(2)->name(), "s_out2");
  EXPECT_EQ(g.unique_value_name("s_out0"), "s_out0_1");
  EXPECT_EQ(g.unique_value_name("fresh"), "fresh");
  EXPECT_EQ(g.unique_node_name("Relu_0"), "Relu_2");
  g.rename_value(x, "input");
  EXPECT_EQ(g.find_value("input"), x);
  EXPECT_EQ(g.find_value("x"), nullptr);
  EXPECT_OCTET_ERROR(g.rename_value(x, "Relu_0"), "already has a value named 'Relu_0'");
  g.rename_node(a, "first");
  EXPECT_EQ(g.find_node("first"), a);
  EXPECT_EQ(g.find_node("Relu_0"), nullptr);
  EXPECT_OCTET_ERROR(g.rename_node(b, "first"), "already has a node named 'first'");
  g.rename_node(a, "");
  EXPECT_EQ(a->describe(), "node #0 (Relu)");
  EXPECT_EQ(g.node_index(s), 2);
}

TEST(GraphIr, CloneIsDeepAndSharesInitializerStorage) {
  Generator gen(5);
  Builder b("g", 13);
  Value* x = b.input("x", kFloat32, {"N", 4});
  Value* w = b.initializer("w", randn({4, 4}, gen));
  Value* y = b.add_node("MatMul", {x, w}, {}, {.name = "mm"});
  b.output(b.add_node("Relu", {y}, {}, {.name = "relu"}));
  Graph g = b.finish();
  g.set_opset("com.example", 3);
  Graph c = g.clone();
  EXPECT_EQ(to_string(c), to_string(g));
  EXPECT_EQ(c.opset(), 13);
  EXPECT_EQ(c.opset("com.example"), 3);
  EXPECT_NE(c.find_node("mm"), g.find_node("mm"));
  EXPECT_EQ(c.find_value("w")->initializer().storage(), g.find_value("w")->initializer().storage());
  // Rewriting the clone leaves the original alone.
  c.set_outputs({c.find_value("mm")});
  c.erase_node(c.find_node("relu"));
  EXPECT_EQ(g.num_nodes(), 2);
  Graph moved = std::move(g);
  EXPECT_EQ(&moved.find_node("mm")->graph(), &moved);
  test::expect_equivalent(moved, moved.clone(), 1);
}

TEST(GraphIr, CloneDeepCopiesSubgraphAttributes) {
  auto body = std::make_shared<Graph>("body");
  body->add_output(body->add_input("b", TensorType(kFloat32)));
  Graph g("g");
  Value* x = g.add_input("x", TensorType(kFloat32, Dims{1}));
  g.add_output(g.add_node("Identity", {x}, {{"then_branch", Attribute(body)}})->output(0));
  const Graph c = g.clone();
  const Attribute* a = c.nodes()[0]->find_attr("then_branch");
  ASSERT_NE(a, nullptr);
  EXPECT_NE(a->g().get(), body.get());
  EXPECT_EQ(a->g()->name(), "body");
}

TEST(GraphIr, TopologicalSortKeepsValidOrderAndFixesOthers) {
  Graph g("g");
  Value* x = g.add_input("x", TensorType(kFloat32, Dims{2}));
  Node* a = g.add_node("Relu", {x}, {}, {.name = "a"});
  Node* b = g.add_node("Neg", {x}, {}, {.name = "b"});
  Node* c = g.insert_node(a, "Add", {a->output(0), b->output(0)}, {}, {.name = "c"});  // before its producers
  g.add_output(c->output(0));
  EXPECT_EQ(g.nodes(), (std::vector<Node*>{c, a, b}));
  g.topological_sort();
  EXPECT_EQ(g.nodes(), (std::vector<Node*>{a, b, c}));
  g.topological_sort();
  EXPECT_EQ(g.nodes(), (std::vector<Node*>{a, b, c}));
  a->set_input(0, c->output(0));  // a cycle: a -> c -> a
  EXPECT_OCTET_ERROR(g.topological_sort(), "graph 'g' has a cycle through node");
}

TEST(GraphIr, TypedAttributeReadsNameTheNode) {
  Graph g("g");
  Value* x = g.add_input("x", TensorType(kFloat32));
  Node* n = g.add_node("Conv", {x}, {{"strides", Attribute({2, 2})}, {"group", Attribute(1)}, {"alpha", Attribute(0.5)},
                                     {"mode", Attribute("constant")}, {"scales", Attribute({1.5f, 2.0f})},
                                     {"names", Attribute({"a", "b"})}, {"value", Attribute(ones({2}))}},
                       {.name = "c"});
  EXPECT_EQ(n->attr_ints("strides"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(n->attr_int("group"), 1);
  EXPECT_EQ(n->attr_int("missing", 7), 7);
  EXPECT_EQ(n->attr_float("alpha"), 0.5f);
  EXPECT_EQ(n->attr_string("mode"), "constant");
  EXPECT_EQ(n->attr_floats("scales"), (std::vector<float>{1.5f, 2.0f}));
  EXPECT_EQ(n->find_attr("names")->strings(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(equal(n->attr_tensor("value"), ones({2})));
  EXPECT_OCTET_ERROR(n->attr_int("pads"), "node 'c' (Conv): attribute 'pads' is required");
  EXPECT_OCTET_ERROR(n->attr_int("strides"), "node 'c' (Conv): attribute 'strides' must be int, got ints");
  EXPECT_OCTET_ERROR(n->attr_int("alpha", 0), "attribute 'alpha' must be int, got float");
  EXPECT_OCTET_ERROR(n->find_attr("mode")->i(), "Attribute: the attribute is string, not int");
  n->remove_attr("mode");
  EXPECT_FALSE(n->has_attr("mode"));
  n->set_attr("group", 2);
  EXPECT_EQ(n->attr_int("group"), 2);
  EXPECT_TRUE(Attribute({1, 2}) == Attribute(std::vector<int64_t>{1, 2}));
  EXPECT_FALSE(Attribute(1) == Attribute(1.0f));
  EXPECT_TRUE(Attribute(ones({2})) == Attribute(ones({2})));
}

TEST(GraphIr, TypesAndDims) {
  const TensorType t(kFloat32, Dims{"N", 3, Dim()});
  EXPECT_EQ(t.to_string(), "float32[N, 3, ?]");
  EXPECT_EQ(t.rank(), 3);
  EXPECT_FALSE(t.is_static());
  EXPECT_OCTET_ERROR(t.static_shape(), "the shape of float32[N, 3, ?] is not fully known");
  EXPECT_EQ(TensorType().to_string(), "?[...]");
  EXPECT_OCTET_ERROR(TensorType().rank(), "the rank of ?[...] is unknown");
  EXPECT_EQ(TensorType(kBool, Dims{}).to_string(), "bool[]");
  EXPECT_EQ(TensorType::of(zeros({2, 3}, kInt64)), TensorType(kInt64, Dims{2, 3}));
  EXPECT_TRUE(TensorType::of(zeros({2, 3})).is_static());
  EXPECT_OCTET_ERROR(Dim(-1), "a dim size must be >= 0, got -1");
  EXPECT_OCTET_ERROR(Dim("N").size(), "the dim N is not a known size");
  EXPECT_OCTET_ERROR(Dim(3).symbol(), "the dim 3 is not a symbol");
  EXPECT_TRUE(Dim("").is_unknown());
  EXPECT_EQ(dtype_from_data_type(1), kFloat32);
  EXPECT_EQ(dtype_from_data_type(7), kInt64);
  EXPECT_EQ(dtype_from_data_type(9), kBool);
  for (DType d : {kFloat32, kFloat64, kFloat16, kBFloat16, kInt8, kUInt8, kInt16, kInt32, kInt64, kBool}) {
    EXPECT_EQ(dtype_from_data_type(data_type_of(d)), d);
  }
  EXPECT_OCTET_ERROR(dtype_from_data_type(8), "element type code 8 has no Octet dtype");
  EXPECT_OCTET_ERROR(data_type_of(kQUInt8), "dtype quint8 has no element type code");
}

TEST(GraphIr, OpsetsPerDomain) {
  Graph g("g");
  EXPECT_EQ(g.opset(), kDefaultOpset);
  EXPECT_EQ(g.opset("ai.onnx"), kDefaultOpset);
  EXPECT_EQ(g.opset("com.microsoft"), -1);
  g.set_opset("ai.onnx", 11);
  EXPECT_EQ(g.opset(""), 11);
  EXPECT_OCTET_ERROR(g.set_opset("", 0), "opset version must be >= 1, got 0");
}

}  // namespace
}  // namespace octet::graph
