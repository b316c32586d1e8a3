// builder.h: builds a Graph by hand, one line per node, with ONNX's op and attribute names.
//
//   graph::Builder b("block");
//   Value* x = b.input("x", kFloat32, {"N", 64, 56, 56});
//   Value* w = b.initializer("conv1.weight", weight);
//   Value* y = b.add_node("Conv", {x, w}, {{"kernel_shape", {3, 3}}, {"pads", {1, 1, 1, 1}}}, {.name = "conv1"});
//   y = b.add_node("Relu", {y});
//   b.output(y);
//   graph::Graph g = b.finish();  // verified
//
// Nodes are named "<OpType>_<k>" unless a name is given, and a node's single output takes the
// node's name (several outputs: "<node>_out<i>"), so the printed graph reads like the code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "octet/graph/attribute.h"
#include "octet/graph/graph.h"
#include "octet/graph/types.h"
#include "octet/tensor.h"

namespace octet::graph {

class Builder {
 public:
  explicit Builder(std::string graph_name = "graph", int64_t opset = kDefaultOpset);

  // A graph input of a dtype and a shape whose dims are sizes or symbols: {"N", 3, 224, 224}.
  Value* input(std::string name, DType dtype, Dims shape);
  Value* input(std::string name, TensorType type = {});
  Value* initializer(std::string name, Tensor data);
  // An initializer with a fresh name ("const", "const_1", ...).
  Value* constant(Tensor data);
  // A 0-d constant of a dtype (float32 unless given), and a 1-D int64 constant (shapes, axes, pads).
  Value* scalar(double value, DType dtype = kFloat32);
  Value* ints(const std::vector<int64_t>& values);

  // Adds a node and returns its first output.
  Value* add_node(std::string op_type, std::vector<Value*> inputs, std::vector<NamedAttribute> attrs = {},
                  NodeSpec spec = {});
  // Adds a node with num_outputs outputs and returns them all.
  std::vector<Value*> add_node_outputs(std::string op_type, std::vector<Value*> inputs, int64_t num_outputs,
                                       std::vector<NamedAttribute> attrs = {}, NodeSpec spec = {});
  // The node added last.
  Node* last_node() const { return last_; }

  // Declares a graph output; with a name, the value is renamed first.
  void output(Value* v);
  void output(Value* v, std::string name);

  Graph& graph() { return g_; }
  // Verifies the graph (verifier.h) and hands it over; the Builder is empty afterwards.
  Graph finish();

 private:
  Graph g_;
  Node* last_ = nullptr;
};

}  // namespace octet::graph
