// interpreter.h: runs a Graph node by node on Tensors, freeing each intermediate as soon as its last use has run.
//
//   graph::Interpreter run(g);                       // verifies g, resolves every kernel once
//   std::vector<Tensor> y = run.run({x});            // positional: one tensor per graph input
//   auto named = run.run_named({{"input_ids", ids}});  // by name; returns every output by name
//
// Construction verifies the graph (verifier.h), looks up each node's kernel in the OpRegistry (an
// unsupported operator is an Error naming the node, its op type and the opset) and computes, once,
// after which node each value is last used. A run then holds a tensor only while some later node
// still needs it: inputs and intermediates are released right after their last reader, so peak
// memory is that of the widest cut of the graph, not of the whole graph. Initializers stay with
// the graph.
//
// Feeds are checked against the declared input types: the dtype, the rank, every known size, and
// every symbol bound consistently (two inputs declared [N, ...] get the same N). Each node's
// outputs are checked against the types the graph declares for them where those are known (a
// wrong shape inference or a wrong rewrite shows up as an Error naming the node, not as garbage
// later). Outputs are contiguous and never share storage with the graph's initializers.
//
// The Interpreter keeps a reference to the graph: construct it after the last rewrite.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "octet/graph/graph.h"
#include "octet/graph/op_registry.h"
#include "octet/tensor.h"

namespace octet::graph {

// What the last run held, for tests and memory tuning.
struct RunStats {
  int64_t nodes_run = 0;
  // Tensors the interpreter held (graph inputs and node outputs, not initializers) just after
  // each node ran and the values it last used were released; one entry per node.
  std::vector<int64_t> live_after_node;
  // The most tensors held at once, counted while a node runs (its inputs and outputs included).
  int64_t peak_live_values = 0;
  // The most bytes held at once by those tensors (views count their own elements).
  int64_t peak_live_bytes = 0;
};

class Interpreter {
 public:
  explicit Interpreter(const Graph& graph);

  // One tensor per graph input, in order (initializers that are also inputs: an undefined Tensor
  // keeps the default). Returns one tensor per graph output, in order.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);
  // Feeds by input name (inputs with an initializer may be left out); returns outputs by name.
  std::map<std::string, Tensor> run_named(const std::map<std::string, Tensor>& feeds);

  const RunStats& stats() const { return stats_; }
  // For node i (in graph order), the values whose last reader it is.
  const std::vector<std::vector<const Value*>>& releases() const { return releases_; }
  const Graph& graph() const { return graph_; }

 private:
  struct Step {
    const Node* node;
    const OpDef* def;
    int64_t opset;
  };
  std::vector<Tensor> execute(std::vector<Tensor> inputs);

  const Graph& graph_;
  std::vector<Step> steps_;
  std::vector<std::vector<const Value*>> releases_;
  std::vector<const Value*> unused_inputs_;
  RunStats stats_;
};

// Runs a graph once: Interpreter(graph).run(inputs).
std::vector<Tensor> run_graph(const Graph& graph, const std::vector<Tensor>& inputs);

}  // namespace octet::graph
