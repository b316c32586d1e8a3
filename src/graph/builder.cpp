// builder.cpp: Builder: inputs, initializers, constants and nodes written by hand.
#include "octet/graph/builder.h"

#include <algorithm>

#include "octet/error.h"
#include "octet/graph/verifier.h"

namespace octet::graph {

Builder::Builder(std::string graph_name, int64_t opset) : g_(std::move(graph_name)) { g_.set_opset("", opset); }

Value* Builder::input(std::string name, DType dtype, Dims shape) {
  return g_.add_input(std::move(name), TensorType(dtype, std::move(shape)));
}

Value* Builder::input(std::string name, TensorType type) { return g_.add_input(std::move(name), std::move(type)); }

Value* Builder::initializer(std::string name, Tensor data) { return g_.add_initializer(std::move(name), std::move(data)); }

Value* Builder::constant(Tensor data) { return g_.add_initializer(g_.unique_value_name("const"), std::move(data)); }

Value* Builder::scalar(double value, DType dtype) { return constant(full({}, value, dtype)); }

Value* Builder::ints(const std::vector<int64_t>& values) { return constant(from_vector(values)); }

Value* Builder::add_node(std::string op_type, std::vector<Value*> inputs, std::vector<NamedAttribute> attrs,
                         NodeSpec spec) {
  std::vector<Value*> outs = add_node_outputs(std::move(op_type), std::move(inputs), std::max<int64_t>(spec.num_outputs, 1),
                                              std::move(attrs), std::move(spec));
  return outs.front();
}

std::vector<Value*> Builder::add_node_outputs(std::string op_type, std::vector<Value*> inputs, int64_t num_outputs,
                                              std::vector<NamedAttribute> attrs, NodeSpec spec) {
  OCTET_CHECK(num_outputs >= 1, "Builder::add_node", op_type, " needs at least one output, got ", num_outputs);
  Attributes map;
  for (NamedAttribute& a : attrs) {
    OCTET_CHECK(map.find(a.name) == map.end(), "Builder::add_node", op_type, ": attribute '", a.name,
                "' is given twice");
    map.emplace(std::move(a.name), std::move(a.value));
  }
  spec.num_outputs = num_outputs;
  last_ = g_.add_node(std::move(op_type), std::move(inputs), std::move(map), std::move(spec));
  return last_->outputs();
}

void Builder::output(Value* v) { g_.add_output(v); }

void Builder::output(Value* v, std::string name) {
  g_.rename_value(v, std::move(name));
  g_.add_output(v);
}

Graph Builder::finish() {
  verify(g_);
  Graph out = std::move(g_);
  g_ = Graph();
  last_ = nullptr;
  return out;
}

}  // namespace octet::graph
