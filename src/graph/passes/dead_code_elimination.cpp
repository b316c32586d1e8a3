// dead_code_elimination.cpp: eliminate_dead_code(): drops nodes that reach no graph output, then unused initializers.
#include <unordered_set>

#include "octet/graph/passes.h"

namespace octet::graph {

int64_t eliminate_dead_code(Graph& graph) {
  std::unordered_set<const Value*> live(graph.outputs().begin(), graph.outputs().end());
  const std::vector<Node*> nodes = graph.nodes();
  std::vector<Node*> dead;
  for (auto it = nodes.rbegin(); it != nodes.rend(); ++it) {
    Node* n = *it;
    bool needed = false;
    for (const Value* out : n->outputs()) needed = needed || (out != nullptr && live.count(out) != 0);
    if (!needed) {
      dead.push_back(n);  // in reverse order: its readers, all dead, are erased before it
      continue;
    }
    for (const Value* in : n->inputs()) {
      if (in != nullptr) live.insert(in);
    }
  }
  for (Node* n : dead) graph.erase_node(n);
  int64_t removed = static_cast<int64_t>(dead.size());
  for (Value* v : graph.initializers()) {
    if (v->uses().empty() && !v->is_graph_input() && !v->is_graph_output()) {
      graph.erase_value(v);
      ++removed;
    }
  }
  return removed;
}

}  // namespace octet::graph
