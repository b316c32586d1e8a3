// graph.h: the graph IR: a Graph of Nodes (operators) connected by Values (tensors), with inputs, outputs and initializers.
//
// The IR is ONNX's model of a computation, held in memory for rewriting:
//
//   * A Value is a named tensor flowing through the graph. It is a graph input (fed at run time),
//     an initializer (a constant Tensor held by the graph: weights, folded constants) or the output
//     of exactly one node. Its TensorType (types.h) says what is known of it before running.
//   * A Node is one operator call: an op type in a domain ("" is ONNX's default domain, ai.onnx),
//     input Values (an absent optional input is nullptr), output Values and attributes. Op types
//     and attribute names are ONNX's, so an ONNX model maps onto the IR one to one; ops_supported()
//     in op_registry.h lists the ones Octet can run.
//   * A Graph keeps its nodes in a topological order (every node after the nodes producing its
//     inputs; verify() checks it), its graph inputs and outputs in declaration order, and the opset
//     version imported for each domain (the op semantics that apply, e.g. Softmax before 13).
//
// Each Value knows its producer and its uses, and the Graph keeps them in step through every
// mutation below, so passes can walk the graph in both directions. Names are unique among values
// (and among named nodes); unique_value_name() makes fresh ones.
//
// Ownership: the Graph owns its Nodes and Values; Node* and Value* stay valid until erased (and
// across moves of the Graph). A Graph is moved or clone()d, never copied implicitly. Initializer
// tensors share storage with the Tensors given (and with clones of the graph): passes replace an
// initializer with a new Tensor rather than writing into it.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "octet/graph/attribute.h"
#include "octet/graph/types.h"
#include "octet/tensor.h"

namespace octet::graph {

class Graph;
class Node;

// The opset a Graph imports for the default domain unless told otherwise (the newest Octet runs).
inline constexpr int64_t kDefaultOpset = 17;
// The domain of the fused operators Octet's passes create (FusedConv, FusedGemm).
inline constexpr std::string_view kOctetDomain = "octet";

// One use of a value: input `index` of `node`.
struct Use {
  Node* node = nullptr;
  int64_t index = 0;
  friend bool operator==(const Use& a, const Use& b) { return a.node == b.node && a.index == b.index; }
};

class Value {
 public:
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;

  const std::string& name() const { return name_; }
  const TensorType& type() const { return type_; }
  void set_type(TensorType type) { type_ = std::move(type); }

  // The node whose output this is, and which output (nullptr / -1 for inputs and initializers).
  Node* producer() const { return producer_; }
  int64_t producer_output() const { return producer_output_; }
  // The node inputs reading this value, in no particular order.
  const std::vector<Use>& uses() const { return uses_; }
  bool is_graph_input() const { return is_input_; }
  bool is_graph_output() const;
  // An initializer holds a Tensor. An initializer that is also a graph input is a default the
  // caller may override at run time, so it is not a constant.
  bool is_initializer() const { return data_.defined(); }
  const Tensor& initializer() const;  // Error unless is_initializer()

  // Redirects every node input and graph output reading this value to `other`.
  void replace_all_uses_with(Value* other);

 private:
  friend class Graph;
  friend class Node;
  Value(Graph* graph, std::string name, TensorType type) : graph_(graph), name_(std::move(name)), type_(std::move(type)) {}

  Graph* graph_;
  std::string name_;
  TensorType type_;
  Node* producer_ = nullptr;
  int64_t producer_output_ = -1;
  std::vector<Use> uses_;
  bool is_input_ = false;
  Tensor data_;
  std::list<std::unique_ptr<Value>>::iterator self_;
};

class Node {
 public:
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const std::string& op_type() const { return op_type_; }
  const std::string& domain() const { return domain_; }  // "" is ONNX's default domain
  const std::string& name() const { return name_; }
  // "node 'conv1' (Conv)", or "node #3 (Conv)" when unnamed: how errors name a node.
  std::string describe() const;

  const std::vector<Value*>& inputs() const { return inputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  int64_t num_inputs() const { return static_cast<int64_t>(inputs_.size()); }
  int64_t num_outputs() const { return static_cast<int64_t>(outputs_.size()); }
  // Input i, or nullptr when absent (an omitted optional input, or i past the end).
  Value* input(int64_t i) const;
  // Output i, or nullptr when absent (an omitted optional output, or i past the end).
  Value* output(int64_t i = 0) const;
  // Replaces input i (nullptr: omit it), keeping the use lists in step; i may be num_inputs() to append.
  void set_input(int64_t i, Value* v);
  // Drops trailing inputs past n.
  void truncate_inputs(int64_t n);

  // --- attributes -----------------------------------------------------------------------------------
  const Attributes& attributes() const { return attrs_; }
  bool has_attr(std::string_view name) const { return attrs_.find(name) != attrs_.end(); }
  const Attribute* find_attr(std::string_view name) const;
  void set_attr(std::string name, Attribute value);
  void remove_attr(std::string_view name);
  // Typed reads; a missing attribute without a default, or one of another kind, is an Error naming
  // the node and the attribute.
  int64_t attr_int(std::string_view name) const;
  int64_t attr_int(std::string_view name, int64_t fallback) const;
  float attr_float(std::string_view name) const;
  float attr_float(std::string_view name, float fallback) const;
  std::string attr_string(std::string_view name) const;
  std::string attr_string(std::string_view name, std::string_view fallback) const;
  std::vector<int64_t> attr_ints(std::string_view name) const;
  std::vector<int64_t> attr_ints(std::string_view name, std::vector<int64_t> fallback) const;
  std::vector<float> attr_floats(std::string_view name) const;
  std::vector<float> attr_floats(std::string_view name, std::vector<float> fallback) const;
  Tensor attr_tensor(std::string_view name) const;

  Graph& graph() const { return *graph_; }

 private:
  friend class Graph;
  Node(Graph* graph, std::string op_type, std::string domain, std::string name)
      : graph_(graph), op_type_(std::move(op_type)), domain_(std::move(domain)), name_(std::move(name)) {}
  const Attribute& require_attr(std::string_view name, AttributeKind kind) const;

  Graph* graph_;
  std::string op_type_;
  std::string domain_;
  std::string name_;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
  Attributes attrs_;
  std::list<std::unique_ptr<Node>>::iterator self_;
};

// Arguments of Graph::add_node beyond op type and inputs.
struct NodeSpec {
  std::string name{};                     // "" gets a fresh "<op_type>_<k>" name
  std::string domain{};                   // "" (ONNX's default domain) unless set
  std::vector<std::string> output_names{};  // "" or missing entries get fresh names from the node's name
  int64_t num_outputs = 1;                // used when output_names is shorter
};

class Graph {
 public:
  explicit Graph(std::string name = "graph");
  ~Graph();
  Graph(Graph&& other) noexcept;
  Graph& operator=(Graph&& other) noexcept;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // A deep copy: new nodes and values with the same names, sharing initializer storage; subgraph
  // attributes are cloned too.
  Graph clone() const;

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // --- opsets ---------------------------------------------------------------------------------------
  // The opset version imported for a domain ("" and "ai.onnx" are the same domain): kDefaultOpset
  // for the default domain unless set, -1 for other domains never set.
  int64_t opset(std::string_view domain = "") const;
  void set_opset(std::string domain, int64_t version);
  const std::map<std::string, int64_t>& opset_imports() const { return opsets_; }

  // --- the interface --------------------------------------------------------------------------------
  Value* add_input(std::string name, TensorType type);
  // Makes an initializer an input too: a default the caller may override when running.
  void mark_input(Value* initializer);
  Value* add_initializer(std::string name, Tensor data);
  // Replaces an initializer's tensor (the value's type follows the tensor).
  void set_initializer(Value* v, Tensor data);
  void add_output(Value* v);
  void set_outputs(std::vector<Value*> outputs);
  const std::vector<Value*>& inputs() const { return inputs_; }
  const std::vector<Value*>& outputs() const { return outputs_; }
  // Initializers in the order they were added.
  std::vector<Value*> initializers() const;

  // --- nodes ----------------------------------------------------------------------------------------
  // Appends a node (a fresh output Value per output). Inputs must belong to this graph.
  Node* add_node(std::string op_type, std::vector<Value*> inputs, Attributes attrs = {}, NodeSpec spec = {});
  // The same, inserted just before `before` (appended when nullptr).
  Node* insert_node(Node* before, std::string op_type, std::vector<Value*> inputs, Attributes attrs = {},
                    NodeSpec spec = {});
  // Removes a node and its outputs, which must be unused and not graph outputs (an Error naming them
  // otherwise); its inputs lose the uses.
  void erase_node(Node* node);
  // Removes a graph input or initializer that nothing uses.
  void erase_value(Value* v);
  // Points every use of `old_value` at `replacement` and gives `replacement` the old name (old_value
  // takes a fresh one), so graph outputs keep their names through rewrites. A replacement that is
  // a graph input or already a graph output keeps its own name (it is part of the interface).
  void substitute(Value* old_value, Value* replacement);
  void rename_value(Value* v, std::string name);
  void rename_node(Node* n, std::string name);

  // Nodes in order (a snapshot: safe to erase nodes while walking it).
  std::vector<Node*> nodes() const;
  int64_t num_nodes() const { return static_cast<int64_t>(nodes_.size()); }
  // Every value: inputs, initializers and node outputs, in creation order.
  std::vector<Value*> values() const;
  Value* find_value(std::string_view name) const;  // nullptr when absent
  Node* find_node(std::string_view name) const;    // nullptr when absent
  // Position of a node in the order (0-based); an Error for a node of another graph.
  int64_t node_index(const Node* node) const;
  // True when the value is one of this graph's (false for another graph's). A Value* must not be
  // used once its value is erased.
  bool owns(const Value* v) const;

  // `base` if no value has that name, else base_1, base_2, ...
  std::string unique_value_name(std::string_view base) const;
  std::string unique_node_name(std::string_view base) const;

  // Reorders the nodes so that every node follows the producers of its inputs, keeping the current
  // order where it already does. A cycle is an Error naming a node on it.
  void topological_sort();

 private:
  friend class Node;
  friend class Value;
  Value* new_value(std::string name, TensorType type);
  void rebind_owner();
  void drop_value(Value* v);

  std::string name_;
  std::map<std::string, int64_t> opsets_;
  std::list<std::unique_ptr<Node>> nodes_;
  std::list<std::unique_ptr<Value>> values_;
  std::unordered_map<std::string, Value*> values_by_name_;
  std::unordered_map<std::string, Node*> nodes_by_name_;
  std::vector<Value*> inputs_;
  std::vector<Value*> outputs_;
};

// The value of `v` when it is known before running: the tensor of an initializer that is not an
// overridable graph input, or the value of a Constant node; an undefined Tensor otherwise.
Tensor constant_value(const Value* v);

}  // namespace octet::graph
