// constant_folding.cpp: fold_constants(): nodes whose inputs are all constants become initializers.
#include <algorithm>

#include "octet/error.h"
#include "octet/graph/op_registry.h"
#include "octet/graph/passes.h"

namespace octet::graph {
namespace {

// Shape's output when the input's shape is fully known (start and end clamped as ONNX says).
Tensor folded_shape(const Node& n) {
  const TensorType& t = n.input(0)->type();
  if (!t.shape) return {};
  for (const Dim& d : *t.shape) {
    if (!d.is_static()) return {};
  }
  const Shape shape = t.static_shape();
  const auto rank = static_cast<int64_t>(shape.size());
  auto clampi = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  const int64_t start = clampi(n.attr_int("start", 0));
  const int64_t end = std::max(start, clampi(n.attr_int("end", rank)));
  return from_vector(std::vector<int64_t>(shape.begin() + start, shape.begin() + end));
}

// A node output known too large to fold from its declared type.
bool declared_too_large(const Node& n, int64_t limit) {
  for (const Value* out : n.outputs()) {
    if (out == nullptr || !out->type().shape) continue;
    int64_t numel = 1;
    bool known = true;
    for (const Dim& d : *out->type().shape) {
      if (!d.is_static()) {
        known = false;
        break;
      }
      numel *= d.size();
      if (numel > limit) return true;
    }
    if (known && numel > limit) return true;
  }
  return false;
}

}  // namespace

int64_t fold_constants(Graph& graph, const ConstantFoldingOptions& options) {
  const OpRegistry& registry = OpRegistry::global();
  int64_t folded = 0;
  for (Node* n : graph.nodes()) {
    const OpDef* def = registry.find(n->domain(), n->op_type());
    if (def == nullptr || !def->kernel || !def->deterministic) continue;
    if (std::any_of(n->outputs().begin(), n->outputs().end(), [](const Value* v) { return v == nullptr; })) continue;
    std::vector<Tensor> results;
    if (n->op_type() == "Shape" && n->domain().empty()) {
      Tensor s = folded_shape(*n);
      if (!s.defined()) continue;
      results.push_back(std::move(s));
    } else {
      std::vector<Tensor> inputs;
      bool all_constant = true;
      for (const Value* in : n->inputs()) {
        inputs.push_back(in == nullptr ? Tensor() : constant_value(in));
        if (in != nullptr && !inputs.back().defined()) all_constant = false;
      }
      if (!all_constant || declared_too_large(*n, options.max_output_elements)) continue;
      std::vector<const Tensor*> args;
      for (const Tensor& t : inputs) args.push_back(t.defined() ? &t : nullptr);
      check_arity(*def, *n);
      results = def->kernel(KernelContext(*n, graph.opset(n->domain()), args));
      if (std::any_of(results.begin(), results.end(),
                      [&](const Tensor& t) { return t.numel() > options.max_output_elements; })) {
        continue;
      }
    }
    OCTET_CHECK(results.size() == n->outputs().size(), "fold_constants", n->describe(), ": the kernel returned ",
                results.size(), " outputs, expected ", n->outputs().size());
    for (size_t k = 0; k < results.size(); ++k) {
      Value* out = n->outputs()[k];
      // A compact copy: a view must not keep a larger tensor's storage alive, or alias another initializer.
      Tensor t = results[k].clone();
      Value* c = graph.add_initializer(graph.unique_value_name(out->name() + "_folded"), std::move(t));
      graph.substitute(out, c);
    }
    graph.erase_node(n);
    ++folded;
  }
  return folded;
}

}  // namespace octet::graph
