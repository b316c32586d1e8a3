// export_lowering.h: the rewrites a graph needs before it is written as ONNX at a given opset (internal; see export.h).
#pragma once

#include <cstdint>

#include "octet/graph/graph.h"
#include "octet/onnx/export.h"

namespace octet::onnx_detail {

// Rewrites, in place: octet::FusedConv/FusedGemm into Conv/Gemm + Relu/Clip (unless kept), Gelu
// into Erf or Tanh arithmetic, and LayerNormalization into ReduceMean arithmetic when opset < 17.
// Returns the number of nodes rewritten. Output names are kept.
int64_t lower_for_export(graph::Graph& g, int64_t opset, onnx::FusedOps fused);

}  // namespace octet::onnx_detail
