// export_lowering.cpp: rewrites a copy of a graph into operators the target ONNX opset has: fused ops back to Conv/Gemm + activation, LayerNormalization before opset 17, Gelu.
#include "onnx/export_lowering.h"

#include <cmath>

#include "octet/error.h"
#include "octet/graph/verifier.h"

namespace octet::onnx_detail {
namespace {

using graph::Attributes;
using graph::Graph;
using graph::Node;
using graph::Value;

constexpr const char* kWhere = "onnx export";

// Writes nodes before `anchor`, named after it, and a fresh float32 scalar initializer.
class Rewriter {
 public:
  Rewriter(Graph& g, Node* anchor) : g_(g), anchor_(anchor) {}

  Value* add(const std::string& op, std::vector<Value*> inputs, Attributes attrs = {}) {
    graph::NodeSpec spec;
    spec.name = g_.unique_node_name(anchor_->name() + "/" + op);
    return g_.insert_node(anchor_, op, std::move(inputs), std::move(attrs), std::move(spec))->output();
  }
  Value* scalar(float v) {
    return g_.add_initializer(g_.unique_value_name(anchor_->name() + "/const"), full({}, v, kFloat32));
  }
  // The anchor's output k becomes `v` (v takes its name), and the anchor goes.
  void replace_output(int64_t k, Value* v) {
    if (anchor_->output(k) != nullptr) g_.substitute(anchor_->output(k), v);
  }
  void finish() { g_.erase_node(anchor_); }

 private:
  Graph& g_;
  Node* anchor_;
};

void lower_fused(Graph& g, Node* n, int64_t opset) {
  const bool conv = n->op_type() == "FusedConv";
  const std::string act = n->attr_string("activation");
  Attributes attrs = n->attributes();
  attrs.erase("activation");
  attrs.erase("activation_params");
  Rewriter r(g, n);
  Value* y = r.add(conv ? "Conv" : "Gemm", n->inputs(), std::move(attrs));
  if (act == "Relu") {
    y = r.add("Relu", {y});
  } else if (act == "Clip") {
    const std::vector<float> p = n->attr_floats("activation_params");
    OCTET_CHECK(p.size() == 2, kWhere, n->describe(), ": activation Clip needs activation_params = [min, max]");
    if (opset >= 11) {
      y = r.add("Clip", {y, r.scalar(p[0]), r.scalar(p[1])});
    } else {
      y = r.add("Clip", {y}, {{"min", p[0]}, {"max", p[1]}});
    }
  } else {
    OCTET_FAIL(kWhere, n->describe(), ": activation \"", act, "\" cannot be written as ONNX");
  }
  r.replace_output(0, y);
  r.finish();
}

void lower_layer_norm(Graph& g, Node* n) {
  // The normalised axes, from `axis` to the last: negative when `axis` is (no rank needed).
  const int64_t axis = n->attr_int("axis", -1);
  std::vector<int64_t> axes;
  if (axis < 0) {
    for (int64_t a = axis; a < 0; ++a) axes.push_back(a);
  } else {
    const Value* x = n->input(0);
    OCTET_CHECK(x->type().shape.has_value(), kWhere, n->describe(), ": writing LayerNormalization (axis ", axis,
                ") out for opset < 17 needs the input's rank, which is unknown");
    for (int64_t a = axis; a < x->type().rank(); ++a) axes.push_back(a);
  }
  const float eps = n->attr_float("epsilon", 1e-5f);
  Rewriter r(g, n);
  Value* mean = r.add("ReduceMean", {n->input(0)}, {{"axes", axes}, {"keepdims", 1}});
  Value* d = r.add("Sub", {n->input(0), mean});
  Value* var = r.add("ReduceMean", {r.add("Mul", {d, d})}, {{"axes", axes}, {"keepdims", 1}});
  Value* std_dev = r.add("Sqrt", {r.add("Add", {var, r.scalar(eps)})});
  Value* y = r.add("Mul", {r.add("Div", {d, std_dev}), n->input(1)});
  if (n->input(2) != nullptr) y = r.add("Add", {y, n->input(2)});
  r.replace_output(0, y);
  r.replace_output(1, mean);
  if (n->output(2) != nullptr) r.replace_output(2, r.add("Reciprocal", {std_dev}));
  r.finish();
}

void lower_gelu(Graph& g, Node* n) {
  const std::string approximate = n->attr_string("approximate", "none");
  Value* x = n->input(0);
  Rewriter r(g, n);
  Value* y = nullptr;
  if (approximate == "tanh") {
    // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
    Value* cube = r.add("Pow", {x, r.scalar(3.0f)});
    Value* inner = r.add("Add", {x, r.add("Mul", {cube, r.scalar(0.044715f)})});
    Value* t = r.add("Tanh", {r.add("Mul", {inner, r.scalar(static_cast<float>(std::sqrt(2.0 / M_PI)))})});
    y = r.add("Mul", {r.add("Mul", {x, r.scalar(0.5f)}), r.add("Add", {t, r.scalar(1.0f)})});
  } else {
    // x * 0.5 * (1 + erf(x / sqrt(2))), as PyTorch exports it (graph::fuse_gelu recognises it).
    Value* e = r.add("Erf", {r.add("Div", {x, r.scalar(static_cast<float>(std::sqrt(2.0)))})});
    y = r.add("Mul", {r.add("Mul", {x, r.add("Add", {e, r.scalar(1.0f)})}), r.scalar(0.5f)});
  }
  r.replace_output(0, y);
  r.finish();
}

}  // namespace

int64_t lower_for_export(Graph& g, int64_t opset, onnx::FusedOps fused) {
  int64_t changed = 0;
  for (Node* n : g.nodes()) {
    const bool octet_domain = n->domain() == graph::kOctetDomain;
    if (octet_domain && (n->op_type() == "FusedConv" || n->op_type() == "FusedGemm") &&
        fused == onnx::FusedOps::Decompose) {
      lower_fused(g, n, opset);
      ++changed;
    } else if (n->domain().empty() && n->op_type() == "LayerNormalization" && opset < 17) {
      lower_layer_norm(g, n);
      ++changed;
    } else if (n->domain().empty() && n->op_type() == "Gelu") {
      lower_gelu(g, n);
      ++changed;
    }
  }
  return changed;
}

}  // namespace octet::onnx_detail
