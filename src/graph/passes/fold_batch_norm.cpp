// fold_batch_norm.cpp: fold_batch_norm(): an inference BatchNormalization after Conv or Gemm folded into its weights and bias.
#include <algorithm>
#include <cmath>

#include "octet/functional.h"
#include "octet/graph/passes.h"

namespace octet::graph {
namespace {

namespace F = functional;

bool is_vector(const Tensor& t, int64_t n) {
  return t.defined() && t.dtype() == kFloat32 && t.dim() == 1 && t.size(0) == n;
}

// Erases an initializer a rewrite left unused (a default input or a graph output stays).
void drop_if_unused(Graph& g, Value* v) {
  if (v != nullptr && v->is_initializer() && v->producer() == nullptr && v->uses().empty() &&
      !v->is_graph_input() && !v->is_graph_output()) {
    g.erase_value(v);
  }
}

bool fold_one(Graph& g, Node* bn) {
  if (bn->op_type() != "BatchNormalization" || !bn->domain().empty() || bn->num_outputs() != 1 ||
      bn->attr_int("training_mode", 0) != 0) {
    return false;
  }
  Value* y = bn->input(0);
  Node* p = y == nullptr ? nullptr : y->producer();
  if (p == nullptr || !p->domain().empty() || (p->op_type() != "Conv" && p->op_type() != "Gemm")) return false;
  if (y->uses().size() != 1 || y->is_graph_output()) return false;
  const Tensor gamma = constant_value(bn->input(1)), beta = constant_value(bn->input(2)),
               mean = constant_value(bn->input(3)), var = constant_value(bn->input(4));
  const Tensor w = constant_value(p->input(1));
  if (!w.defined() || w.dtype() != kFloat32 || w.dim() < 2) return false;
  const bool gemm = p->op_type() == "Gemm";
  const bool trans_b = gemm && p->attr_int("transB", 0) != 0;
  // The normalised channels: a Conv's output channels (weight dim 0), a Gemm's columns.
  const int64_t c = gemm && !trans_b ? w.size(1) : w.size(0);
  if (!is_vector(gamma, c) || !is_vector(beta, c) || !is_vector(mean, c) || !is_vector(var, c)) return false;
  if (gemm && w.dim() != 2) return false;
  Tensor bias;
  if (p->input(2) != nullptr) {
    bias = constant_value(p->input(2));
    if (!bias.defined() || bias.dtype() != kFloat32) return false;
    if (!gemm && !is_vector(bias, c)) return false;
  }

  // s = gamma / sqrt(var + eps), in double; then w' = w * s along the channel axis and the shift
  // (b - mean) * s + beta.
  const double eps = bn->attr_float("epsilon", 1e-5f);
  const Tensor s = F::div(gamma.to(kFloat64), F::sqrt(F::add(var.to(kFloat64), eps)));
  Shape s_shape(static_cast<size_t>(w.dim()), 1);
  s_shape[gemm && !trans_b ? 1 : 0] = c;
  const Tensor w_new = F::mul(w.to(kFloat64), s.reshape(s_shape)).to(kFloat32);
  Tensor b_new;
  if (!gemm) {
    const Tensor b0 = bias.defined() ? bias.to(kFloat64) : zeros({c}, kFloat64);
    b_new = F::add(F::mul(F::sub(b0, mean.to(kFloat64)), s), beta.to(kFloat64)).to(kFloat32);
  } else {
    // Y = alpha A W + beta_c C, so BN(Y) = alpha A (W s) + (beta_c C - mean) s + beta: the new C
    // (with beta_c = 1) broadcasts C against the channel vector.
    const double beta_c = p->attr_float("beta", 1.0f);
    const Tensor c0 = bias.defined() ? F::mul(bias.to(kFloat64), beta_c) : zeros({c}, kFloat64);
    b_new = F::add(F::mul(F::sub(c0, mean.to(kFloat64)), s), beta.to(kFloat64)).to(kFloat32);
    if (b_new.dim() > 2) return false;
  }

  Value* old_w = p->input(1);
  Value* old_b = p->input(2);
  Value* new_w = g.add_initializer(g.unique_value_name(old_w->name() + "_bn"), w_new);
  const std::string bias_base = old_b != nullptr ? old_b->name() + "_bn" : p->name() + ".bias_bn";
  Value* new_b = g.add_initializer(g.unique_value_name(bias_base), b_new);
  p->set_input(1, new_w);
  p->set_input(2, new_b);
  if (gemm) p->set_attr("beta", 1.0f);
  // Each value once: one initializer may feed several of these.
  std::vector<Value*> maybe_unused{bn->input(1), bn->input(2), bn->input(3), bn->input(4), old_w, old_b};
  std::sort(maybe_unused.begin(), maybe_unused.end());
  maybe_unused.erase(std::unique(maybe_unused.begin(), maybe_unused.end()), maybe_unused.end());
  Value* bn_out = bn->output(0);
  const TensorType out_type = bn_out->type();
  g.substitute(bn_out, y);
  g.erase_node(bn);
  if (y->type().is_unknown()) y->set_type(out_type);
  for (Value* v : maybe_unused) drop_if_unused(g, v);
  return true;
}

}  // namespace

int64_t fold_batch_norm(Graph& graph) {
  int64_t folded = 0;
  for (Node* n : graph.nodes()) {
    if (fold_one(graph, n)) ++folded;
  }
  return folded;
}

}  // namespace octet::graph
