// shape_inference.cpp: infer_shapes(): every node output's type from its inputs, symbols and shape values included.
#include <unordered_map>

#include "graph/type_merge.h"
#include "octet/error.h"
#include "octet/graph/op_registry.h"
#include "octet/graph/passes.h"

namespace octet::graph {

int64_t infer_shapes(Graph& graph, const ShapeInferenceOptions& options) {
  const OpRegistry& registry = OpRegistry::global();
  // The contents of 1-D int64 values known as dims (outputs of Shape and what is computed from them).
  std::unordered_map<const Value*, Dims> dims_values;
  int64_t changed = 0;
  for (Node* n : graph.nodes()) {
    const OpDef* def = registry.find(n->domain(), n->op_type());
    if (def == nullptr) {
      OCTET_CHECK(!options.strict, "infer_shapes", n->describe(), ": unsupported operator ",
                  op_display_name(n->domain(), n->op_type()), " (opset ", graph.opset(n->domain()), ")");
      continue;
    }
    check_arity(*def, *n);
    if (!def->infer) continue;
    std::vector<TensorType> types;
    std::vector<Tensor> constants;
    std::vector<const Dims*> dims;
    for (const Value* in : n->inputs()) {
      types.push_back(in == nullptr ? TensorType() : in->type());
      constants.push_back(constant_value(in));
      auto it = in == nullptr ? dims_values.end() : dims_values.find(in);
      dims.push_back(it == dims_values.end() ? nullptr : &it->second);
    }
    InferenceContext ctx(*n, graph.opset(n->domain()), std::move(types), std::move(constants), std::move(dims));
    def->infer(ctx);
    for (int64_t k = 0; k < n->num_outputs(); ++k) {
      Value* out = n->output(k);
      if (out == nullptr) continue;
      const TensorType& inferred = ctx.output_types()[static_cast<size_t>(k)];
      OCTET_CHECK(types_compatible(out->type(), inferred), "infer_shapes", n->describe(), ": output '", out->name(),
                  "' is declared ", out->type().to_string(), " but its inputs give ", inferred.to_string());
      const TensorType merged = merge_types(out->type(), inferred);
      if (!(merged == out->type())) {
        out->set_type(merged);
        ++changed;
      }
      if (const auto& dv = ctx.output_dims_values()[static_cast<size_t>(k)]) dims_values[out] = *dv;
    }
  }
  return changed;
}

}  // namespace octet::graph
