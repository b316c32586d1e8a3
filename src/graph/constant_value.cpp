// constant_value.cpp: the value of a graph value when it is known before running (initializers, Constant nodes).
#include "octet/error.h"
#include "octet/graph/graph.h"
#include "graph/ops/op_util.h"

namespace octet::graph {

Tensor constant_value(const Value* v) {
  if (v == nullptr) return {};
  if (v->is_initializer()) return v->is_graph_input() ? Tensor() : v->initializer();
  const Node* p = v->producer();
  if (p != nullptr && p->op_type() == "Constant" && p->domain().empty()) return ops::constant_node_value(*p);
  return {};
}

}  // namespace octet::graph
