// fuse_gelu.cpp: fuse_gelu(): x * 0.5 * (1 + erf(x / sqrt 2)), in each exported ordering, becomes one Gelu.
#include <cmath>

#include "octet/graph/passes.h"
#include "octet/graph/pattern.h"

namespace octet::graph {
namespace {

// Where the 0.5 goes: on the product x * (1 + erf), on x, or on (1 + erf).
enum class Half : uint8_t { OnProduct, OnX, OnSum };

Pattern gelu_pattern(bool div_form, Half half) {
  // Exporters write sqrt(2) and 1/sqrt(2) as float32 constants: a tolerance of 1e-6 covers them.
  Pattern p;
  const PatternValue x = p.any("x");
  const PatternValue scaled = div_form ? p.node("Div", {x, p.scalar(std::sqrt(2.0), 1e-6)})
                                       : p.node("Mul", {x, p.scalar(1.0 / std::sqrt(2.0), 1e-6)});
  const PatternValue sum = p.node("Add", {p.node("Erf", {scaled}), p.scalar(1.0)});
  PatternValue y;
  switch (half) {
    case Half::OnProduct: y = p.node("Mul", {p.node("Mul", {x, sum}), p.scalar(0.5)}); break;
    case Half::OnX: y = p.node("Mul", {p.node("Mul", {x, p.scalar(0.5)}), sum}); break;
    case Half::OnSum: y = p.node("Mul", {x, p.node("Mul", {sum, p.scalar(0.5)})}); break;
  }
  p.output(y);
  return p;
}

}  // namespace

int64_t fuse_gelu(Graph& graph) {
  int64_t found = 0;
  for (Half half : {Half::OnProduct, Half::OnX, Half::OnSum}) {
    for (bool div_form : {true, false}) {
      const Pattern p = gelu_pattern(div_form, half);
      for (const Match& m : find_matches(graph, p)) {
        Value* x = m.value("x");
        if (x->type().dtype && *x->type().dtype != kFloat32) continue;
        Node* last = m.output->producer();
        NodeSpec spec;
        spec.name = graph.unique_node_name(last->name() + "_gelu");
        Node* gelu = graph.insert_node(last, "Gelu", {x}, {}, std::move(spec));
        gelu->output(0)->set_type(m.output->type());
        replace_match(graph, m, gelu->output(0));
        ++found;
      }
    }
  }
  return found;
}

}  // namespace octet::graph
