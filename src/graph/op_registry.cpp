// op_registry.cpp: the operator registry and the contexts shape inference and kernels receive.
#include "octet/graph/op_registry.h"

#include "graph/ops/builtin_ops.h"
#include "octet/error.h"

namespace octet::graph {
namespace {

std::string normalize_domain(std::string_view domain) {
  return domain == "ai.onnx" ? std::string() : std::string(domain);
}

std::string count_phrase(int64_t lo, int64_t hi, const char* noun) {
  std::string out;
  if (lo == hi) {
    out = std::to_string(lo);
  } else {
    out = std::to_string(lo);
    out.append(" to ");
    out.append(std::to_string(hi));
  }
  out.append(" ");
  out.append(noun);
  if (hi != 1) out.append("s");
  return out;
}

}  // namespace

InferenceContext::InferenceContext(const Node& node, int64_t opset, std::vector<TensorType> input_types,
                                   std::vector<Tensor> constants, std::vector<const Dims*> dims_values)
    : node_(node),
      opset_(opset),
      input_types_(std::move(input_types)),
      constants_(std::move(constants)),
      dims_values_(std::move(dims_values)),
      output_types_(static_cast<size_t>(node.num_outputs())),
      output_dims_values_(static_cast<size_t>(node.num_outputs())) {
  input_types_.resize(static_cast<size_t>(node.num_inputs()));
  constants_.resize(static_cast<size_t>(node.num_inputs()));
  dims_values_.resize(static_cast<size_t>(node.num_inputs()), nullptr);
}

const TensorType& InferenceContext::input_type(int64_t i) const {
  static const TensorType unknown;
  return i >= 0 && i < num_inputs() ? input_types_[static_cast<size_t>(i)] : unknown;
}

const Tensor& InferenceContext::input_constant(int64_t i) const {
  static const Tensor undefined;
  return i >= 0 && i < num_inputs() ? constants_[static_cast<size_t>(i)] : undefined;
}

std::optional<Dims> InferenceContext::input_dims_value(int64_t i) const {
  if (i < 0 || i >= num_inputs()) return std::nullopt;
  if (const Dims* d = dims_values_[static_cast<size_t>(i)]) return *d;
  const Tensor& c = constants_[static_cast<size_t>(i)];
  if (!c.defined() || c.dim() > 1 || (c.dtype() != kInt64 && c.dtype() != kInt32)) return std::nullopt;
  // Negative entries (Reshape's -1) are not sizes: they stay unknown.
  Dims out;
  const Tensor flat = c.reshape({c.numel()});
  for (int64_t k = 0; k < flat.numel(); ++k) {
    const int64_t v = flat.at<int64_t>({k});
    out.push_back(v >= 0 ? Dim(v) : Dim());
  }
  return out;
}

void InferenceContext::set_output_type(int64_t i, TensorType type) {
  if (i < 0 || i >= num_outputs() || node_.output(i) == nullptr) return;
  output_types_[static_cast<size_t>(i)] = std::move(type);
}

void InferenceContext::set_output_dims_value(int64_t i, Dims dims) {
  if (i < 0 || i >= num_outputs() || node_.output(i) == nullptr) return;
  output_dims_values_[static_cast<size_t>(i)] = std::move(dims);
}

void InferenceContext::fail(const std::string& message) const { throw Error(node_.describe(), message); }

const Tensor& KernelContext::input(int64_t i) const {
  if (!has_input(i)) {
    fail(detail::str_cat("input ", i, " is required"));
  }
  return *inputs_[static_cast<size_t>(i)];
}

void KernelContext::fail(const std::string& message) const { throw Error(node_.describe(), message); }

OpRegistry& OpRegistry::global() {
  static OpRegistry* registry = [] {
    auto* r = new OpRegistry();
    ops::register_builtin_ops(*r);
    return r;
  }();
  return *registry;
}

void OpRegistry::add(OpDef def) {
  OCTET_CHECK(!def.op_type.empty(), "OpRegistry::add", "an operator needs an op type");
  OCTET_CHECK(def.min_inputs >= 0 && def.min_inputs <= def.max_inputs && def.min_outputs >= 0 &&
                  def.min_outputs <= def.max_outputs,
              "OpRegistry::add", op_display_name(def.domain, def.op_type), ": bad input/output counts");
  def.domain = normalize_domain(def.domain);
  auto key = std::make_pair(def.domain, def.op_type);
  ops_[key] = std::make_unique<OpDef>(std::move(def));
}

const OpDef* OpRegistry::find(std::string_view domain, std::string_view op_type) const {
  auto it = ops_.find(std::make_pair(normalize_domain(domain), std::string(op_type)));
  return it == ops_.end() ? nullptr : it->second.get();
}

std::vector<const OpDef*> OpRegistry::all() const {
  std::vector<const OpDef*> out;
  for (const auto& [key, def] : ops_) out.push_back(def.get());
  return out;
}

std::string op_display_name(std::string_view domain, std::string_view op_type) {
  std::string out;
  if (!normalize_domain(domain).empty()) {
    out.append(domain);
    out.append("::");
  }
  out.append(op_type);
  return out;
}

void check_arity(const OpDef& def, const Node& node) {
  OCTET_CHECK(node.num_inputs() >= def.min_inputs && node.num_inputs() <= def.max_inputs, node.describe(), "takes ",
              count_phrase(def.min_inputs, def.max_inputs, "input"), ", got ", node.num_inputs());
  OCTET_CHECK(node.num_outputs() >= def.min_outputs && node.num_outputs() <= def.max_outputs, node.describe(),
              "has ", count_phrase(def.min_outputs, def.max_outputs, "output"), ", got ", node.num_outputs());
  for (int64_t i = 0; i < def.min_inputs; ++i) {
    OCTET_CHECK(node.input(i) != nullptr, node.describe(), "input ", i, " is required");
  }
}

}  // namespace octet::graph
