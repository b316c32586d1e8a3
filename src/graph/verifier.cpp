// verifier.cpp: verify(): structure (order, cycles, outputs) and types (initializers, arity, shape inference) of a Graph.
#include "octet/graph/verifier.h"

#include <unordered_map>

#include "graph/type_merge.h"
#include "octet/error.h"
#include "octet/graph/op_registry.h"

namespace octet::graph {
namespace {

// A cycle makes some node reachable from itself through producers; report a node on it.
void check_acyclic(const Graph& g) {
  enum class State : uint8_t { Unvisited, Visiting, Done };
  std::unordered_map<const Node*, State> state;
  for (const Node* root : g.nodes()) {
    if (state[root] != State::Unvisited) continue;
    std::vector<std::pair<const Node*, size_t>> stack{{root, 0}};
    state[root] = State::Visiting;
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->inputs().size()) {
        const Value* in = node->inputs()[next++];
        const Node* p = in == nullptr ? nullptr : in->producer();
        if (p == nullptr) continue;
        OCTET_CHECK(state[p] != State::Visiting, "verify", "graph '", g.name(), "' has a cycle through ",
                    p->describe());
        if (state[p] == State::Unvisited) {
          state[p] = State::Visiting;
          stack.emplace_back(p, 0);
        }
        continue;
      }
      state[node] = State::Done;
      stack.pop_back();
    }
  }
}

void check_structure(const Graph& g) {
  OCTET_CHECK(!g.outputs().empty(), "verify", "graph '", g.name(), "' has no outputs");
  for (const Value* in : g.inputs()) {
    OCTET_CHECK(in->type().dtype.has_value(), "verify", "graph input '", in->name(), "' has no dtype");
  }
  check_acyclic(g);
  std::unordered_map<const Node*, int64_t> position;
  int64_t i = 0;
  for (const Node* n : g.nodes()) position.emplace(n, i++);
  for (const Node* n : g.nodes()) {
    for (int64_t k = 0; k < n->num_inputs(); ++k) {
      const Value* in = n->input(k);
      if (in == nullptr || in->producer() == nullptr) continue;
      OCTET_CHECK(position.at(in->producer()) < position.at(n), "verify", n->describe(), ": input '", in->name(),
                  "' is produced by ", in->producer()->describe(),
                  ", which comes later (the nodes are not in topological order; Graph::topological_sort() fixes that)");
    }
  }
}

void check_types(const Graph& g) {
  for (const Value* v : g.initializers()) {
    const TensorType held = TensorType::of(v->initializer());
    OCTET_CHECK(v->type() == held, "verify", "initializer '", v->name(), "' is declared ", v->type().to_string(),
                " but holds ", held.to_string());
  }
  const OpRegistry& registry = OpRegistry::global();
  for (const Node* n : g.nodes()) {
    const OpDef* def = registry.find(n->domain(), n->op_type());
    if (def == nullptr) continue;
    check_arity(*def, *n);
    if (!def->infer) continue;
    std::vector<TensorType> types;
    std::vector<Tensor> constants;
    for (const Value* in : n->inputs()) {
      types.push_back(in == nullptr ? TensorType() : in->type());
      constants.push_back(constant_value(in));
    }
    InferenceContext ctx(*n, g.opset(n->domain()), std::move(types), std::move(constants), {});
    def->infer(ctx);
    for (int64_t k = 0; k < n->num_outputs(); ++k) {
      const Value* out = n->output(k);
      if (out == nullptr) continue;
      const TensorType& inferred = ctx.output_types()[static_cast<size_t>(k)];
      OCTET_CHECK(types_compatible(out->type(), inferred), "verify", n->describe(), ": output '", out->name(),
                  "' is declared ", out->type().to_string(), " but its inputs give ", inferred.to_string());
    }
  }
}

}  // namespace

void verify(const Graph& graph, const VerifyOptions& options) {
  check_structure(graph);
  if (options.check_types) check_types(graph);
}

}  // namespace octet::graph
