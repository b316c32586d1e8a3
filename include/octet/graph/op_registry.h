// op_registry.h: the operators the graph layer can reason about and run, keyed by (domain, op type), each with shape inference and a kernel.
//
// An OpDef says how many inputs and outputs an operator takes, how to infer its output types from
// its input types (shape inference), and how to compute its outputs (a kernel calling Octet's
// functional operators). The semantics are ONNX's: the same op and attribute names, the same
// defaults, the same broadcasting, with the opset the graph imports deciding between versions
// (e.g. Softmax's axis before and after opset 13, Squeeze's axes as attribute or input).
// Operators Octet adds of its own live in kOctetDomain ("octet": FusedConv, FusedGemm).
//
// The registry is filled with Octet's built-in operators on first use; later layers (quantized
// ops, the ONNX importer's extras) add theirs with OpRegistry::global().add(...), before graphs
// run on other threads (lookups are read-only, additions are not synchronized).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "octet/graph/graph.h"
#include "octet/graph/types.h"
#include "octet/tensor.h"

namespace octet::graph {

// What shape inference knows when it visits a node.
class InferenceContext {
 public:
  // input_types: the type of each input slot (unknown when absent); constants: each input's value
  // when known before running (constant_value()), else undefined; dims_values: for 1-D int64
  // inputs whose contents are known as dims, possibly symbolic (the output of Shape), else nullptr.
  InferenceContext(const Node& node, int64_t opset, std::vector<TensorType> input_types, std::vector<Tensor> constants,
                   std::vector<const Dims*> dims_values);

  const Node& node() const { return node_; }
  // The opset the graph imports for the node's domain.
  int64_t opset() const { return opset_; }
  int64_t num_inputs() const { return static_cast<int64_t>(input_types_.size()); }
  bool has_input(int64_t i) const { return node_.input(i) != nullptr; }
  const TensorType& input_type(int64_t i) const;
  // The input's value when it is a constant, else an undefined Tensor.
  const Tensor& input_constant(int64_t i) const;
  // The input's contents as dims (known sizes or symbols), from a constant or from symbolic
  // propagation through Shape/Gather/Concat/...; nullptr when not known.
  std::optional<Dims> input_dims_value(int64_t i) const;

  int64_t num_outputs() const { return node_.num_outputs(); }
  void set_output_type(int64_t i, TensorType type);
  // Records that output i (1-D int64) holds these dims, for the shape inference of later nodes.
  void set_output_dims_value(int64_t i, Dims dims);
  const std::vector<TensorType>& output_types() const { return output_types_; }
  const std::vector<std::optional<Dims>>& output_dims_values() const { return output_dims_values_; }

  // Throws an Error naming the node: "node 'x' (Reshape): <message>".
  [[noreturn]] void fail(const std::string& message) const;

 private:
  const Node& node_;
  int64_t opset_;
  std::vector<TensorType> input_types_;
  std::vector<Tensor> constants_;
  std::vector<const Dims*> dims_values_;
  std::vector<TensorType> output_types_;
  std::vector<std::optional<Dims>> output_dims_values_;
};

// What a kernel receives: the node (attributes), the opset and the input tensors.
class KernelContext {
 public:
  KernelContext(const Node& node, int64_t opset, const std::vector<const Tensor*>& inputs)
      : node_(node), opset_(opset), inputs_(inputs) {}

  const Node& node() const { return node_; }
  int64_t opset() const { return opset_; }
  int64_t num_inputs() const { return static_cast<int64_t>(inputs_.size()); }
  bool has_input(int64_t i) const {
    return i >= 0 && i < num_inputs() && inputs_[static_cast<size_t>(i)] != nullptr;
  }
  // Input i; an Error naming the node when it is absent.
  const Tensor& input(int64_t i) const;
  int64_t num_outputs() const { return node_.num_outputs(); }

  [[noreturn]] void fail(const std::string& message) const;

 private:
  const Node& node_;
  int64_t opset_;
  const std::vector<const Tensor*>& inputs_;
};

using ShapeInferenceFn = std::function<void(InferenceContext&)>;
// Returns one Tensor per output of the node.
using KernelFn = std::function<std::vector<Tensor>(const KernelContext&)>;

struct OpDef {
  std::string domain;  // "" for ONNX's default domain
  std::string op_type;
  int64_t min_inputs = 0;
  int64_t max_inputs = 0;
  int64_t min_outputs = 1;
  int64_t max_outputs = 1;
  ShapeInferenceFn infer;  // may be empty: outputs stay unknown
  KernelFn kernel;
  // The same inputs always give the same outputs (constant folding may run it at build time).
  bool deterministic = true;
};

class OpRegistry {
 public:
  // The process-wide registry, holding Octet's built-in operators.
  static OpRegistry& global();

  // Adds or replaces the definition of (def.domain, def.op_type).
  void add(OpDef def);
  // nullptr when the operator is unknown. "ai.onnx" is the same domain as "".
  const OpDef* find(std::string_view domain, std::string_view op_type) const;
  // Every registered operator, sorted by domain then op type.
  std::vector<const OpDef*> all() const;

 private:
  OpRegistry() = default;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<OpDef>> ops_;
};

// "Conv", "octet::FusedConv": how messages and listings name an operator.
std::string op_display_name(std::string_view domain, std::string_view op_type);

// Checks a node's input and output counts against its definition: an Error naming the node.
void check_arity(const OpDef& def, const Node& node);

}  // namespace octet::graph
