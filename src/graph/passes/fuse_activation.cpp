// fuse_activation.cpp: fuse_conv_activation(): Conv/Gemm followed by Relu or Clip becomes octet::FusedConv / octet::FusedGemm.
#include <limits>

#include "octet/graph/passes.h"

namespace octet::graph {
namespace {

// Clip's bounds when they are known: attributes before opset 11, constant inputs after; an absent
// bound is the float range's end.
bool clip_bounds(const Graph& g, const Node& clip, float* lo, float* hi) {
  *lo = std::numeric_limits<float>::lowest();
  *hi = std::numeric_limits<float>::max();
  if (g.opset(clip.domain()) < 11) {
    *lo = clip.attr_float("min", *lo);
    *hi = clip.attr_float("max", *hi);
    return true;
  }
  for (int64_t i = 1; i <= 2; ++i) {
    if (clip.input(i) == nullptr) continue;
    const Tensor c = constant_value(clip.input(i));
    if (!c.defined() || c.numel() != 1 || !is_floating_point(c.dtype())) return false;
    (i == 1 ? *lo : *hi) = static_cast<float>(c.reshape({}).item<double>());
  }
  return true;
}

bool fuse_one(Graph& g, Node* act) {
  const bool relu = act->op_type() == "Relu";
  if ((!relu && act->op_type() != "Clip") || !act->domain().empty() || act->num_outputs() != 1) return false;
  Value* x = act->input(0);
  Node* p = x == nullptr ? nullptr : x->producer();
  if (p == nullptr || !p->domain().empty() || (p->op_type() != "Conv" && p->op_type() != "Gemm")) return false;
  if (x->uses().size() != 1 || x->is_graph_output() || p->num_outputs() != 1) return false;
  if (x->type().dtype && *x->type().dtype != kFloat32) return false;
  Attributes attrs = p->attributes();
  if (relu) {
    attrs.insert_or_assign("activation", Attribute("Relu"));
  } else {
    float lo = 0, hi = 0;
    if (!clip_bounds(g, *act, &lo, &hi)) return false;
    attrs.insert_or_assign("activation", Attribute("Clip"));
    attrs.insert_or_assign("activation_params", Attribute(std::vector<float>{lo, hi}));
  }
  NodeSpec spec;
  spec.domain = std::string(kOctetDomain);
  spec.name = g.unique_node_name(p->name() + "_fused");
  Node* fused = g.insert_node(act, p->op_type() == "Conv" ? "FusedConv" : "FusedGemm", p->inputs(), std::move(attrs),
                              std::move(spec));
  Value* out = act->output(0);
  fused->output(0)->set_type(out->type());
  g.substitute(out, fused->output(0));
  g.erase_node(act);
  const std::string name = p->name();
  g.erase_node(p);
  g.rename_node(fused, name);
  return true;
}

}  // namespace

int64_t fuse_conv_activation(Graph& graph) {
  // Activations first: a fusion erases its Conv/Gemm, which a snapshot of all nodes would still
  // hold, but only its own activation among these.
  std::vector<Node*> activations;
  for (Node* n : graph.nodes()) {
    if (n->op_type() == "Relu" || n->op_type() == "Clip") activations.push_back(n);
  }
  int64_t fused = 0;
  for (Node* n : activations) {
    if (fuse_one(graph, n)) ++fused;
  }
  return fused;
}

}  // namespace octet::graph
