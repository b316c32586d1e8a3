// printer.h: a readable text form of a Graph: one line per node, in the spirit of ONNX's printable_graph and torch.fx.
//
//   graph block (
//     %x : float32[N, 64, 56, 56]
//   ) initializers (
//     %conv1.weight : float32[64, 64, 3, 3]
//   ) {
//     %conv1 : float32[N, 64, 56, 56] = Conv[kernel_shape=[3, 3], pads=[1, 1, 1, 1]](%x, %conv1.weight)
//     %Relu_0 = Relu(%conv1)
//     return %Relu_0
//   }
//
// A node line is `outputs = op[attributes](inputs)`: each output with its type when something is
// known of it, attributes sorted by name, `_` for an omitted optional input, an op of another
// domain written domain::op (octet::FusedConv), and a trailing `# name` when the node's name is not
// the name of its first output. An initializer that is also an input is listed with the inputs,
// marked `= initializer`.
#pragma once

#include <ostream>
#include <string>

#include "octet/graph/graph.h"

namespace octet::graph {

std::string to_string(const Graph& graph);
// One node, as its line in the graph (without indentation or newline).
std::string to_string(const Node& node);
std::ostream& operator<<(std::ostream& os, const Graph& graph);

}  // namespace octet::graph
