// fuse_layer_norm.cpp: fuse_layer_norm(): layer normalisation written out elementwise becomes one LayerNormalization.
#include <algorithm>

#include "octet/graph/passes.h"
#include "octet/graph/pattern.h"

namespace octet::graph {
namespace {

enum class Affine : uint8_t { None, Scale, ScaleShift };

// mean = ReduceMean(x); d = x - mean; var = ReduceMean(d^2); y = d / sqrt(var + eps) [* gamma] [+ beta].
Pattern layer_norm_pattern(bool pow_form, Affine affine) {
  Pattern p;
  const PatternValue x = p.any("x");
  const PatternValue mean = p.node("ReduceMean", {x}, {.name = "mean", .allow_extra_inputs = true});
  const PatternValue d = p.node("Sub", {x, mean});
  const PatternValue sq = pow_form ? p.node("Pow", {d, p.scalar(2.0)}) : p.node("Mul", {d, d});
  const PatternValue var = p.node("ReduceMean", {sq}, {.name = "var", .allow_extra_inputs = true});
  const PatternValue sd = p.node("Sqrt", {p.node("Add", {var, p.constant("eps")})});
  PatternValue y = p.node("Div", {d, sd});
  if (affine != Affine::None) y = p.node("Mul", {y, p.constant("gamma")});
  if (affine == Affine::ScaleShift) y = p.node("Add", {y, p.constant("beta")});
  p.output(y);
  return p;
}

// A ReduceMean's axes (attribute or constant input) when it keeps dims; nullopt otherwise.
std::optional<std::vector<int64_t>> reduce_axes(const Node& n) {
  if (n.attr_int("keepdims", 1) != 1) return std::nullopt;
  std::vector<int64_t> axes;
  if (n.has_attr("axes")) {
    axes = n.attr_ints("axes");
  } else if (n.num_inputs() == 2) {
    const Tensor c = constant_value(n.input(1));
    if (!c.defined() || c.dim() > 1 || (c.dtype() != kInt64 && c.dtype() != kInt32)) return std::nullopt;
    const Tensor flat = c.to(kInt64).reshape({c.numel()});
    for (int64_t i = 0; i < flat.numel(); ++i) axes.push_back(flat.at<int64_t>({i}));
  } else {
    return std::nullopt;
  }
  if (n.num_inputs() > 2 || axes.empty()) return std::nullopt;
  return axes;
}

// The first normalised axis when `axes` are the trailing dims (as negative numbers when the rank
// is unknown), else nullopt.
std::optional<int64_t> trailing_axis(std::vector<int64_t> axes, const TensorType& x) {
  const bool rank_known = x.shape.has_value();
  const int64_t rank = rank_known ? x.rank() : 0;
  for (int64_t& a : axes) {
    if (a < 0 && rank_known) a += rank;
    if (a >= 0 && !rank_known) return std::nullopt;
    if (rank_known && (a < 0 || a >= rank)) return std::nullopt;
  }
  std::sort(axes.begin(), axes.end());
  for (size_t i = 1; i < axes.size(); ++i) {
    if (axes[i] != axes[i - 1] + 1) return std::nullopt;
  }
  if (axes.back() != (rank_known ? rank - 1 : -1)) return std::nullopt;
  return axes.front();
}

// gamma/beta as LayerNormalization wants them: the normalised shape. nullopt when the tensor
// would broadcast x itself, or when its shape cannot be checked against an unknown normalised shape.
std::optional<Tensor> fit_affine(const Tensor& t, const std::optional<Shape>& norm_shape, int64_t k) {
  if (t.dtype() != kFloat32) return std::nullopt;
  // Leading ones beyond the normalised rank do not change the result (it already has x's shape).
  Shape s = t.shape();
  while (static_cast<int64_t>(s.size()) > k && s.front() == 1) s.erase(s.begin());
  if (static_cast<int64_t>(s.size()) > k) return std::nullopt;
  if (!norm_shape) {
    if (static_cast<int64_t>(s.size()) != k) return std::nullopt;
    return t.reshape(s);
  }
  if (s == *norm_shape) return t.reshape(s);
  for (size_t i = 0; i < s.size(); ++i) {
    const int64_t want = (*norm_shape)[norm_shape->size() - s.size() + i];
    if (s[i] != want && s[i] != 1) return std::nullopt;
  }
  return t.reshape(s).expand(*norm_shape).contiguous();
}

bool rewrite(Graph& g, const Match& m, Affine affine) {
  Value* x = m.value("x");
  if (x->type().dtype && *x->type().dtype != kFloat32) return false;
  const std::optional<std::vector<int64_t>> a1 = reduce_axes(*m.node("mean"));
  const std::optional<std::vector<int64_t>> a2 = reduce_axes(*m.node("var"));
  if (!a1 || !a2) return false;
  const std::optional<int64_t> axis = trailing_axis(*a1, x->type());
  if (!axis || trailing_axis(*a2, x->type()) != axis) return false;
  const Tensor eps = constant_value(m.value("eps"));
  if (eps.numel() != 1 || !is_floating_point(eps.dtype())) return false;
  const auto k = static_cast<int64_t>(a1->size());
  // The normalised shape, when every trailing dim is known.
  std::optional<Shape> norm_shape;
  if (x->type().shape) {
    Shape s;
    for (int64_t i = *axis; i < x->type().rank(); ++i) {
      const Dim& d = (*x->type().shape)[static_cast<size_t>(i)];
      if (!d.is_static()) break;
      s.push_back(d.size());
    }
    if (static_cast<int64_t>(s.size()) == k) norm_shape = s;
  }
  std::optional<Tensor> gamma, beta;
  if (affine == Affine::None) {
    if (!norm_shape) return false;
    gamma = ones(*norm_shape);
  } else {
    gamma = fit_affine(constant_value(m.value("gamma")), norm_shape, k);
    if (!gamma) return false;
  }
  if (affine == Affine::ScaleShift) {
    beta = fit_affine(constant_value(m.value("beta")), norm_shape, k);
    if (!beta) return false;
  }
  Node* last = m.output->producer();
  const std::string base = last->name();
  Value* gv = affine != Affine::None && gamma->shape() == constant_value(m.value("gamma")).shape()
                  ? m.value("gamma")
                  : g.add_initializer(g.unique_value_name(base + ".ln_scale"), *gamma);
  std::vector<Value*> inputs{x, gv};
  if (beta) {
    inputs.push_back(beta->shape() == constant_value(m.value("beta")).shape()
                         ? m.value("beta")
                         : g.add_initializer(g.unique_value_name(base + ".ln_bias"), *beta));
  }
  NodeSpec spec;
  spec.name = g.unique_node_name(base + "_layernorm");
  Node* ln = g.insert_node(last, "LayerNormalization", inputs,
                           {{"axis", Attribute(*axis)}, {"epsilon", Attribute(static_cast<float>(eps.reshape({}).item<double>()))}},
                           std::move(spec));
  ln->output(0)->set_type(m.output->type());
  replace_match(g, m, ln->output(0));
  return true;
}

}  // namespace

int64_t fuse_layer_norm(Graph& graph) {
  int64_t found = 0;
  for (Affine affine : {Affine::ScaleShift, Affine::Scale, Affine::None}) {
    for (bool pow_form : {true, false}) {
      const Pattern p = layer_norm_pattern(pow_form, affine);
      for (const Match& m : find_matches(graph, p)) {
        if (rewrite(graph, m, affine)) ++found;
      }
    }
  }
  return found;
}

}  // namespace octet::graph
