// graph_order.cpp: whole-graph operations: deep copy (clone) and topological sorting.
#include <unordered_map>
#include <unordered_set>

#include "octet/error.h"
#include "octet/graph/graph.h"

namespace octet::graph {

Graph Graph::clone() const {
  Graph g(name_);
  g.opsets_ = opsets_;
  std::unordered_map<const Value*, Value*> map;
  for (Value* in : inputs_) {
    Value* v = in->is_initializer() ? g.add_initializer(in->name(), in->data_) : g.add_input(in->name(), in->type());
    if (in->is_initializer()) g.mark_input(v);
    v->type_ = in->type_;
    map.emplace(in, v);
  }
  for (const auto& v : values_) {
    if (v->is_initializer() && !v->is_input_) {
      Value* c = g.add_initializer(v->name(), v->data_);
      c->type_ = v->type_;
      map.emplace(v.get(), c);
    }
  }
  for (const auto& n : nodes_) {
    std::vector<Value*> ins;
    for (Value* in : n->inputs_) ins.push_back(in == nullptr ? nullptr : map.at(in));
    Attributes attrs = n->attrs_;
    for (auto& [key, attr] : attrs) {
      if (attr.kind() == AttributeKind::Graph && attr.g()) attr = Attribute(std::make_shared<Graph>(attr.g()->clone()));
    }
    NodeSpec spec;
    spec.name = n->name_.empty() ? g.unique_node_name("unnamed_0") : n->name_;
    spec.domain = n->domain_;
    spec.num_outputs = n->num_outputs();
    for (Value* out : n->outputs_) spec.output_names.push_back(out->name());
    Node* c = g.add_node(n->op_type_, std::move(ins), std::move(attrs), std::move(spec));
    if (n->name_.empty()) g.rename_node(c, "");
    for (size_t i = 0; i < n->outputs_.size(); ++i) {
      c->outputs_[i]->type_ = n->outputs_[i]->type_;
      map.emplace(n->outputs_[i], c->outputs_[i]);
    }
  }
  for (Value* out : outputs_) g.outputs_.push_back(map.at(out));
  return g;
}

void Graph::topological_sort() {
  // Depth-first from each node in the current order, placing a node's unplaced producers first,
  // so an order that is already topological stays as it is.
  enum class State : uint8_t { Unvisited, Visiting, Placed };
  std::unordered_map<const Node*, State> state;
  for (const auto& n : nodes_) state.emplace(n.get(), State::Unvisited);
  std::vector<Node*> order;
  order.reserve(nodes_.size());
  struct Frame {
    Node* node;
    size_t next_input;
  };
  for (const auto& root : nodes_) {
    if (state[root.get()] != State::Unvisited) continue;
    std::vector<Frame> stack{{root.get(), 0}};
    state[root.get()] = State::Visiting;
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.next_input < f.node->inputs_.size()) {
        Value* in = f.node->inputs_[f.next_input++];
        Node* p = in == nullptr ? nullptr : in->producer_;
        if (p == nullptr || p->graph_ != this) continue;
        const State s = state[p];
        OCTET_CHECK(s != State::Visiting, "Graph::topological_sort", "graph '", name_, "' has a cycle through ",
                    p->describe());
        if (s == State::Unvisited) {
          state[p] = State::Visiting;
          stack.push_back({p, 0});
        }
        continue;
      }
      state[f.node] = State::Placed;
      order.push_back(f.node);
      stack.pop_back();
    }
  }
  std::list<std::unique_ptr<Node>> sorted;
  for (Node* n : order) sorted.splice(sorted.end(), nodes_, n->self_);
  nodes_.splice(nodes_.end(), sorted);
}

}  // namespace octet::graph
