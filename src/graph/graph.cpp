// graph.cpp: Graph construction and mutation: inputs, initializers, outputs, adding and erasing nodes, renaming.
#include <algorithm>

#include "octet/error.h"
#include "octet/graph/graph.h"

namespace octet::graph {
namespace {

std::string normalize_domain(std::string_view domain) {
  return domain == "ai.onnx" ? std::string() : std::string(domain);
}

}  // namespace

Graph::Graph(std::string name) : name_(std::move(name)) {}

Graph::~Graph() = default;

Graph::Graph(Graph&& other) noexcept
    : name_(std::move(other.name_)),
      opsets_(std::move(other.opsets_)),
      nodes_(std::move(other.nodes_)),
      values_(std::move(other.values_)),
      values_by_name_(std::move(other.values_by_name_)),
      nodes_by_name_(std::move(other.nodes_by_name_)),
      inputs_(std::move(other.inputs_)),
      outputs_(std::move(other.outputs_)) {
  rebind_owner();
}

Graph& Graph::operator=(Graph&& other) noexcept {
  if (this != &other) {
    name_ = std::move(other.name_);
    opsets_ = std::move(other.opsets_);
    nodes_ = std::move(other.nodes_);
    values_ = std::move(other.values_);
    values_by_name_ = std::move(other.values_by_name_);
    nodes_by_name_ = std::move(other.nodes_by_name_);
    inputs_ = std::move(other.inputs_);
    outputs_ = std::move(other.outputs_);
    rebind_owner();
  }
  return *this;
}

void Graph::rebind_owner() {
  for (auto& n : nodes_) n->graph_ = this;
  for (auto& v : values_) v->graph_ = this;
}

int64_t Graph::opset(std::string_view domain) const {
  auto it = opsets_.find(normalize_domain(domain));
  if (it != opsets_.end()) return it->second;
  return normalize_domain(domain).empty() ? kDefaultOpset : -1;
}

void Graph::set_opset(std::string domain, int64_t version) {
  OCTET_CHECK(version >= 1, "Graph::set_opset", "opset version must be >= 1, got ", version);
  opsets_[normalize_domain(domain)] = version;
}

Value* Graph::new_value(std::string name, TensorType type) {
  OCTET_CHECK(!name.empty(), "Graph", "a value needs a name");
  OCTET_CHECK(values_by_name_.find(name) == values_by_name_.end(), "Graph", "graph '", name_,
              "' already has a value named '", name, "'");
  values_.push_back(std::unique_ptr<Value>(new Value(this, name, std::move(type))));
  Value* v = values_.back().get();
  v->self_ = std::prev(values_.end());
  values_by_name_.emplace(std::move(name), v);
  return v;
}

Value* Graph::add_input(std::string name, TensorType type) {
  Value* v = new_value(std::move(name), std::move(type));
  v->is_input_ = true;
  inputs_.push_back(v);
  return v;
}

void Graph::mark_input(Value* initializer) {
  OCTET_CHECK(owns(initializer) && initializer->is_initializer() && !initializer->is_input_, "Graph::mark_input",
              "only an initializer of this graph that is not yet an input can become an input");
  initializer->is_input_ = true;
  inputs_.push_back(initializer);
}

Value* Graph::add_initializer(std::string name, Tensor data) {
  OCTET_CHECK(data.defined(), "Graph::add_initializer", "initializer '", name, "' has no tensor");
  Value* v = new_value(std::move(name), TensorType::of(data));
  v->data_ = std::move(data);
  return v;
}

void Graph::set_initializer(Value* v, Tensor data) {
  OCTET_CHECK(owns(v) && v->is_initializer(), "Graph::set_initializer", "'", v->name(),
              "' is not an initializer of this graph");
  OCTET_CHECK(data.defined(), "Graph::set_initializer", "initializer '", v->name(), "' needs a tensor");
  v->type_ = TensorType::of(data);
  v->data_ = std::move(data);
}

void Graph::add_output(Value* v) {
  OCTET_CHECK(v != nullptr && owns(v), "Graph::add_output", "the output must be a value of graph '", name_, "'");
  outputs_.push_back(v);
}

void Graph::set_outputs(std::vector<Value*> outputs) {
  for (Value* v : outputs) {
    OCTET_CHECK(v != nullptr && owns(v), "Graph::set_outputs", "every output must be a value of graph '", name_, "'");
  }
  outputs_ = std::move(outputs);
}

std::vector<Value*> Graph::initializers() const {
  std::vector<Value*> out;
  for (const auto& v : values_) {
    if (v->is_initializer()) out.push_back(v.get());
  }
  return out;
}

Node* Graph::add_node(std::string op_type, std::vector<Value*> inputs, Attributes attrs, NodeSpec spec) {
  return insert_node(nullptr, std::move(op_type), std::move(inputs), std::move(attrs), std::move(spec));
}

Node* Graph::insert_node(Node* before, std::string op_type, std::vector<Value*> inputs, Attributes attrs,
                         NodeSpec spec) {
  OCTET_CHECK(!op_type.empty(), "Graph::add_node", "a node needs an op type");
  OCTET_CHECK(before == nullptr || before->graph_ == this, "Graph::insert_node", "the insertion point ",
              before->describe(), " belongs to another graph");
  for (Value* v : inputs) {
    OCTET_CHECK(v == nullptr || owns(v), "Graph::add_node", "input '", v->name(), "' of the new ", op_type,
                " node belongs to another graph");
  }
  std::string name = spec.name.empty() ? unique_node_name(op_type + "_0") : spec.name;
  OCTET_CHECK(nodes_by_name_.find(name) == nodes_by_name_.end(), "Graph::add_node", "graph '", name_,
              "' already has a node named '", name, "'");
  const int64_t num_outputs = std::max<int64_t>(spec.num_outputs, static_cast<int64_t>(spec.output_names.size()));
  OCTET_CHECK(num_outputs >= 0, "Graph::add_node", "num_outputs must be >= 0, got ", num_outputs);
  // Make every output name first, so a clash leaves the graph unchanged.
  std::vector<std::string> out_names;
  for (int64_t i = 0; i < num_outputs; ++i) {
    std::string n = i < static_cast<int64_t>(spec.output_names.size()) ? spec.output_names[static_cast<size_t>(i)] : "";
    if (n.empty()) {
      std::string base = name;
      if (num_outputs > 1) {
        base.append("_out");
        base.append(std::to_string(i));
      }
      n = unique_value_name(base);
      // Names made here must not clash with each other either.
      while (std::find(out_names.begin(), out_names.end(), n) != out_names.end()) n.append("_");
    } else {
      OCTET_CHECK(values_by_name_.find(n) == values_by_name_.end() &&
                      std::find(out_names.begin(), out_names.end(), n) == out_names.end(),
                  "Graph::add_node", "graph '", name_, "' already has a value named '", n, "'");
    }
    out_names.push_back(std::move(n));
  }
  auto pos = before == nullptr ? nodes_.end() : before->self_;
  auto it = nodes_.insert(pos, std::unique_ptr<Node>(new Node(this, std::move(op_type), normalize_domain(spec.domain),
                                                              name)));
  Node* node = it->get();
  node->self_ = it;
  nodes_by_name_.emplace(std::move(name), node);
  node->attrs_ = std::move(attrs);
  for (size_t i = 0; i < inputs.size(); ++i) node->set_input(static_cast<int64_t>(i), inputs[i]);
  for (int64_t i = 0; i < num_outputs; ++i) {
    Value* out = new_value(std::move(out_names[static_cast<size_t>(i)]), TensorType());
    out->producer_ = node;
    out->producer_output_ = i;
    node->outputs_.push_back(out);
  }
  return node;
}

void Graph::erase_node(Node* node) {
  OCTET_CHECK(node != nullptr && node->graph_ == this, "Graph::erase_node", "the node is not in graph '", name_, "'");
  for (Value* out : node->outputs_) {
    if (out == nullptr) continue;
    OCTET_CHECK(out->uses_.empty(), "Graph::erase_node", "cannot erase ", node->describe(), ": its output '",
                out->name(), "' is still used by ", out->uses_.front().node->describe());
    OCTET_CHECK(!out->is_graph_output(), "Graph::erase_node", "cannot erase ", node->describe(), ": its output '",
                out->name(), "' is a graph output");
  }
  node->truncate_inputs(0);
  for (Value* out : node->outputs_) {
    if (out != nullptr) drop_value(out);
  }
  if (!node->name_.empty()) nodes_by_name_.erase(node->name_);
  nodes_.erase(node->self_);
}

void Graph::erase_value(Value* v) {
  OCTET_CHECK(v != nullptr && owns(v), "Graph::erase_value", "the value is not in graph '", name_, "'");
  OCTET_CHECK(v->producer_ == nullptr, "Graph::erase_value", "'", v->name(), "' is produced by ",
              v->producer_->describe(), ": erase the node instead");
  OCTET_CHECK(v->uses_.empty(), "Graph::erase_value", "cannot erase '", v->name(), "': it is used by ",
              v->uses_.front().node->describe());
  OCTET_CHECK(!v->is_graph_output(), "Graph::erase_value", "cannot erase '", v->name(), "': it is a graph output");
  if (v->is_input_) inputs_.erase(std::find(inputs_.begin(), inputs_.end(), v));
  drop_value(v);
}

void Graph::drop_value(Value* v) {
  values_by_name_.erase(v->name_);
  values_.erase(v->self_);
}

void Graph::substitute(Value* old_value, Value* replacement) {
  OCTET_CHECK(old_value != nullptr && owns(old_value), "Graph::substitute", "the value to replace is not in graph '",
              name_, "'");
  if (old_value == replacement) return;
  const bool keep_replacement_name = replacement != nullptr && (replacement->is_input_ || replacement->is_graph_output());
  old_value->replace_all_uses_with(replacement);
  // A graph input's or output's name is part of the interface: it stays.
  if (keep_replacement_name) return;
  const std::string name = old_value->name();
  rename_value(old_value, unique_value_name(name + "_replaced"));
  rename_value(replacement, name);
}

void Graph::rename_value(Value* v, std::string name) {
  OCTET_CHECK(v != nullptr && owns(v), "Graph::rename_value", "the value is not in graph '", name_, "'");
  if (v->name_ == name) return;
  OCTET_CHECK(!name.empty(), "Graph::rename_value", "a value needs a name");
  OCTET_CHECK(values_by_name_.find(name) == values_by_name_.end(), "Graph::rename_value", "graph '", name_,
              "' already has a value named '", name, "'");
  values_by_name_.erase(v->name_);
  v->name_ = std::move(name);
  values_by_name_.emplace(v->name_, v);
}

void Graph::rename_node(Node* n, std::string name) {
  OCTET_CHECK(n != nullptr && n->graph_ == this, "Graph::rename_node", "the node is not in graph '", name_, "'");
  if (n->name_ == name) return;
  OCTET_CHECK(name.empty() || nodes_by_name_.find(name) == nodes_by_name_.end(), "Graph::rename_node", "graph '",
              name_, "' already has a node named '", name, "'");
  if (!n->name_.empty()) nodes_by_name_.erase(n->name_);
  n->name_ = std::move(name);
  if (!n->name_.empty()) nodes_by_name_.emplace(n->name_, n);
}

std::vector<Node*> Graph::nodes() const {
  std::vector<Node*> out;
  out.reserve(nodes_.size());
  for (const auto& n : nodes_) out.push_back(n.get());
  return out;
}

std::vector<Value*> Graph::values() const {
  std::vector<Value*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v.get());
  return out;
}

Value* Graph::find_value(std::string_view name) const {
  auto it = values_by_name_.find(std::string(name));
  return it == values_by_name_.end() ? nullptr : it->second;
}

Node* Graph::find_node(std::string_view name) const {
  auto it = nodes_by_name_.find(std::string(name));
  return it == nodes_by_name_.end() ? nullptr : it->second;
}

int64_t Graph::node_index(const Node* node) const {
  int64_t i = 0;
  for (const auto& n : nodes_) {
    if (n.get() == node) return i;
    ++i;
  }
  OCTET_FAIL("Graph::node_index", "the node is not in graph '", name_, "'");
}

bool Graph::owns(const Value* v) const {
  if (v == nullptr || v->graph_ != this) return false;
  auto it = values_by_name_.find(v->name_);
  return it != values_by_name_.end() && it->second == v;
}

namespace {

// base itself when free, else base with its trailing _<k> counter bumped until free.
template <typename Map>
std::string unique_name(const Map& taken, std::string_view base) {
  std::string b(base.empty() ? std::string_view("v") : base);
  if (taken.find(b) == taken.end()) return b;
  // Strip a trailing "_<digits>" so that conv_0 continues as conv_1, conv_2, ...
  std::string stem = b;
  const size_t us = b.find_last_of('_');
  if (us != std::string::npos && us + 1 < b.size() &&
      std::all_of(b.begin() + static_cast<std::ptrdiff_t>(us) + 1, b.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    stem = b.substr(0, us);
  }
  for (int64_t k = 1;; ++k) {
    std::string candidate = stem;
    candidate.append("_");
    candidate.append(std::to_string(k));
    if (taken.find(candidate) == taken.end()) return candidate;
  }
}

}  // namespace

std::string Graph::unique_value_name(std::string_view base) const { return unique_name(values_by_name_, base); }
std::string Graph::unique_node_name(std::string_view base) const { return unique_name(nodes_by_name_, base); }

}  // namespace octet::graph
