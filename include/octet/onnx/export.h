// export.h: writes an octet::graph::Graph back to an ONNX model (ModelProto), checked by ONNX's checker.
//
//   graph::Graph g = onnx::load_model("bert.onnx");
//   graph::optimize(g);                        // fuses LayerNorm, GELU, Conv+Relu, ...
//   onnx::save_model(g, "bert_octet.onnx");    // runs in ONNX Runtime and imports again
//
// The model imports the graph's opsets (graph.opset(), per domain). Every node is written as it
// is, with these exceptions, so that a standard ONNX runtime can load the result:
//   * Octet's fused operators (octet::FusedConv, octet::FusedGemm) are written back as Conv/Gemm
//     followed by Relu or Clip (FusedOps::Decompose, the default: the model stays plain ONNX), or
//     kept in the "octet" domain (FusedOps::KeepOctetDomain: smaller, but only Octet runs it; the
//     domain is imported at version 1). ONNX Runtime's com.microsoft FusedConv is not used: it
//     has no Gemm counterpart and no CPU kernel for every case.
//   * LayerNormalization (an ONNX operator from opset 17) in a graph of a lower opset, as
//     graph::fuse_layer_norm creates it, is written out as ReduceMean, Sub, Mul, Add, Sqrt, Div
//     (and Mul/Add for scale and bias).
//   * Gelu (ONNX opset 20, newer than libonnx 1.12 knows) is always written out: exact GELU as
//     x * 0.5 * (1 + Erf(x / sqrt(2))), the tanh form with Tanh and Pow.
// ExportOptions::opset converts the written model to another default-domain opset with libonnx's
// version converter (Softmax, Squeeze, Split, ... change signature between opsets); 0 keeps the
// graph's. The result is checked with ONNX's checker; a failure is an Error naming the problem.
//
// Round trip: load_model(save_model(g)) gives the same outputs as g (tests/onnx/export_test.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "octet/graph/graph.h"

namespace octet::onnx {

enum class FusedOps {
  Decompose,        // write Conv/Gemm + Relu/Clip: plain ONNX
  KeepOctetDomain,  // write octet::FusedConv / octet::FusedGemm
};

struct ExportOptions {
  // The default-domain opset of the written model; 0: the graph's own.
  int64_t opset = 0;
  FusedOps fused_ops = FusedOps::Decompose;
  std::string producer_name = "octet";
  // Types of intermediate values go to the graph's value_info when known.
  bool write_value_info = true;
};

// The serialized ModelProto.
std::string export_model(const graph::Graph& g, const ExportOptions& options = {});
// The same, written to a file.
void save_model(const graph::Graph& g, const std::string& path, const ExportOptions& options = {});

}  // namespace octet::onnx
