// graph_import.h: converts a checked GraphProto (external data already inlined) into a graph::Graph (internal).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "octet/graph/graph.h"
#include "onnx/onnx_proto.h"

namespace octet::onnx_detail {

struct GraphImportOptions {
  // Subgraph attributes that cannot be converted are dropped instead of failing (they belong to
  // operators Octet does not run anyway; used when importing for inspection).
  bool lenient = false;
  // The model's IR version: before IR 4 every initializer had to be listed among the graph
  // inputs, so there an initializer listed as an input is a constant, not an overridable default.
  int64_t ir_version = 8;
};

// The ONNX TypeProto of a tensor as a TensorType; non-tensor types (sequences, maps, optionals)
// are an Error naming `what`.
graph::TensorType tensor_type_from_proto(const ::onnx::TypeProto& type, std::string_view what);

// Builds the graph: inputs (an initializer listed as an input is an overridable default),
// initializers, nodes in file order, outputs and the declared types of value_info. Opsets are
// set from `opsets`. Each initializer's data is released from `proto` once it is in the graph.
graph::Graph graph_from_proto(::onnx::GraphProto* proto, const std::map<std::string, int64_t>& opsets,
                              const GraphImportOptions& options);

}  // namespace octet::onnx_detail
