// optimize.cpp: optimize(): the standard sequence of passes before quantization.
#include "octet/graph/passes.h"

namespace octet::graph {

int64_t optimize(Graph& graph) {
  int64_t changes = infer_shapes(graph);
  changes += fold_constants(graph);
  changes += eliminate_dead_code(graph);
  changes += fold_batch_norm(graph);
  changes += fuse_layer_norm(graph);
  changes += fuse_gelu(graph);
  changes += fuse_conv_activation(graph);
  changes += eliminate_dead_code(graph);
  changes += infer_shapes(graph);
  return changes;
}

}  // namespace octet::graph
