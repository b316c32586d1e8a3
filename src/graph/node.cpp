// node.cpp: Value and Node: use lists, inputs and typed attribute reads that name the node in errors.
#include <algorithm>

#include "octet/error.h"
#include "octet/graph/graph.h"

namespace octet::graph {

// --- Value ------------------------------------------------------------------------------------------

bool Value::is_graph_output() const {
  const auto& outs = graph_->outputs();
  return std::find(outs.begin(), outs.end(), this) != outs.end();
}

const Tensor& Value::initializer() const {
  OCTET_CHECK(data_.defined(), "Value::initializer", "value '", name_, "' is not an initializer");
  return data_;
}

void Value::replace_all_uses_with(Value* other) {
  OCTET_CHECK(other != nullptr, "Value::replace_all_uses_with", "the replacement of '", name_, "' is null");
  OCTET_CHECK(graph_->owns(other), "Value::replace_all_uses_with", "the replacement '", other->name(),
              "' of '", name_, "' belongs to another graph");
  if (other == this) return;
  const std::vector<Use> uses = uses_;
  for (const Use& u : uses) u.node->set_input(u.index, other);
  for (Value*& out : graph_->outputs_) {
    if (out == this) out = other;
  }
}

// --- Node -------------------------------------------------------------------------------------------

std::string Node::describe() const {
  std::string out = "node ";
  if (!name_.empty()) {
    out.append("'");
    out.append(name_);
    out.append("'");
  } else {
    out.append("#");
    out.append(std::to_string(graph_->node_index(this)));
  }
  out.append(" (");
  if (!domain_.empty()) {
    out.append(domain_);
    out.append("::");
  }
  out.append(op_type_);
  out.append(")");
  return out;
}

Value* Node::input(int64_t i) const {
  return i >= 0 && i < num_inputs() ? inputs_[static_cast<size_t>(i)] : nullptr;
}

Value* Node::output(int64_t i) const {
  return i >= 0 && i < num_outputs() ? outputs_[static_cast<size_t>(i)] : nullptr;
}

void Node::set_input(int64_t i, Value* v) {
  OCTET_CHECK(i >= 0 && i <= num_inputs(), "Node::set_input", describe(), ": input index ", i,
              " is out of range [0, ", num_inputs(), "]");
  OCTET_CHECK(v == nullptr || graph_->owns(v), "Node::set_input", describe(), ": value '", v->name(),
              "' belongs to another graph");
  if (i == num_inputs()) {
    inputs_.push_back(nullptr);
  }
  Value*& slot = inputs_[static_cast<size_t>(i)];
  if (slot != nullptr) {
    auto& uses = slot->uses_;
    uses.erase(std::find(uses.begin(), uses.end(), Use{this, i}));
  }
  slot = v;
  if (v != nullptr) v->uses_.push_back(Use{this, i});
}

void Node::truncate_inputs(int64_t n) {
  while (num_inputs() > n) {
    set_input(num_inputs() - 1, nullptr);
    inputs_.pop_back();
  }
}

const Attribute* Node::find_attr(std::string_view name) const {
  auto it = attrs_.find(name);
  return it == attrs_.end() ? nullptr : &it->second;
}

void Node::set_attr(std::string name, Attribute value) { attrs_.insert_or_assign(std::move(name), std::move(value)); }

void Node::remove_attr(std::string_view name) {
  auto it = attrs_.find(name);
  if (it != attrs_.end()) attrs_.erase(it);
}

const Attribute& Node::require_attr(std::string_view name, AttributeKind kind) const {
  const Attribute* a = find_attr(name);
  OCTET_CHECK(a != nullptr, describe(), "attribute '", name, "' is required");
  OCTET_CHECK(a->kind() == kind, describe(), "attribute '", name, "' must be ", attribute_kind_name(kind), ", got ",
              attribute_kind_name(a->kind()));
  return *a;
}

int64_t Node::attr_int(std::string_view name) const { return require_attr(name, AttributeKind::Int).i(); }
int64_t Node::attr_int(std::string_view name, int64_t fallback) const {
  return has_attr(name) ? attr_int(name) : fallback;
}
float Node::attr_float(std::string_view name) const { return require_attr(name, AttributeKind::Float).f(); }
float Node::attr_float(std::string_view name, float fallback) const {
  return has_attr(name) ? attr_float(name) : fallback;
}
std::string Node::attr_string(std::string_view name) const { return require_attr(name, AttributeKind::String).s(); }
std::string Node::attr_string(std::string_view name, std::string_view fallback) const {
  return has_attr(name) ? attr_string(name) : std::string(fallback);
}
std::vector<int64_t> Node::attr_ints(std::string_view name) const {
  return require_attr(name, AttributeKind::Ints).ints();
}
std::vector<int64_t> Node::attr_ints(std::string_view name, std::vector<int64_t> fallback) const {
  return has_attr(name) ? attr_ints(name) : fallback;
}
std::vector<float> Node::attr_floats(std::string_view name) const {
  return require_attr(name, AttributeKind::Floats).floats();
}
std::vector<float> Node::attr_floats(std::string_view name, std::vector<float> fallback) const {
  return has_attr(name) ? attr_floats(name) : fallback;
}
Tensor Node::attr_tensor(std::string_view name) const { return require_attr(name, AttributeKind::Tensor).t(); }

}  // namespace octet::graph
