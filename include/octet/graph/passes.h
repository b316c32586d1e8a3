// passes.h: graph rewrites: shape inference, constant folding, dead-code elimination and the fusions that prepare a float graph for quantization.
//
// Each pass rewrites a Graph in place, keeps it verifiable (verifier.h) and returns how many
// things it changed, so a caller can iterate to a fixed point or log what happened. Rewrites keep
// every graph output's name and the graph's results, to float rounding (each pass is tested by
// running the interpreter before and after on random inputs). Passes that replace initializers
// make new tensors; they never write into an initializer's storage.
#pragma once

#include <cstdint>

#include "octet/graph/graph.h"

namespace octet::graph {

// --- analysis -------------------------------------------------------------------------------------------

struct ShapeInferenceOptions {
  // An operator the registry does not know is an Error (otherwise its outputs stay unknown).
  bool strict = false;
};

// Fills in every node output's TensorType from its inputs, in graph order, using each operator's
// shape inference: dtypes, ranks, known sizes and symbols ("N" flows from an input through Conv,
// Reshape, MatMul, ...). Shape computations are followed symbolically: the output of Shape is
// known as dims, and Gather/Slice/Concat/Unsqueeze/Squeeze/Cast on such values keep them, so a
// Reshape to Concat(Shape(x)[0], -1, 12, 64) resolves to [N, L, 12, 64]. Declared types are kept
// and refined (an unknown dim becomes known); a declared type that contradicts the inferred one is
// an Error naming the node. Returns the number of values whose type changed.
int64_t infer_shapes(Graph& graph, const ShapeInferenceOptions& options = {});

// --- cleanup --------------------------------------------------------------------------------------------

struct ConstantFoldingOptions {
  // A node whose outputs would hold more elements than this is left alone (a folded Expand or
  // ConstantOfShape can be far larger than its inputs).
  int64_t max_output_elements = int64_t{1} << 22;
};

// Runs, at build time, every deterministic node whose inputs are all constants (initializers that
// are not inputs, Constant nodes) and replaces its outputs with initializers; Constant nodes become
// initializers, and Shape of a value whose shape is fully known becomes its shape. Returns the
// number of nodes folded. Unused inputs of folded nodes stay until eliminate_dead_code().
int64_t fold_constants(Graph& graph, const ConstantFoldingOptions& options = {});

// Removes nodes none of whose outputs reach a graph output, then initializers nothing uses (graph
// inputs stay: they are the graph's interface). Returns the number of nodes and initializers removed.
int64_t eliminate_dead_code(Graph& graph);

// --- fusions --------------------------------------------------------------------------------------------

// Folds an inference BatchNormalization that follows a Conv (or a Gemm, normalising its columns)
// into the Conv's weight and bias: w' = w * s per output channel, b' = (b - mean) * s + beta with
// s = gamma / sqrt(var + eps). Needs constant weights and BN parameters and a Conv/Gemm output read
// only by the BN. Returns the number of BatchNormalization nodes folded.
int64_t fold_batch_norm(Graph& graph);

// Fuses Conv or Gemm followed by Relu or Clip (constant bounds) into octet::FusedConv or
// octet::FusedGemm (the Conv/Gemm attributes plus activation = "Relu" | "Clip" and, for Clip,
// activation_params = [min, max], as ONNX Runtime's com.microsoft FusedConv). Needs the Conv/Gemm
// output to be read only by the activation. Returns the number of fusions.
int64_t fuse_conv_activation(Graph& graph);

// Recognises layer normalisation written out elementwise, as exporters emit it before opset 17:
//   mean = ReduceMean(x, axes); d = Sub(x, mean); var = ReduceMean(Pow(d, 2), axes)  [or Mul(d, d)]
//   y = Div(d, Sqrt(Add(var, eps))) [* gamma] [+ beta]
// (Add and Mul operands in either order, axes the trailing dims, as attribute or input) and
// replaces it with one LayerNormalization(x, gamma, beta, axis, epsilon). Returns the number found.
int64_t fuse_layer_norm(Graph& graph);

// Recognises the exact (erf) GELU, x * 0.5 * (1 + erf(x / sqrt(2))), in the orderings exporters
// emit: Div by sqrt(2) or Mul by 1/sqrt(2); the 0.5 applied to x, to (1 + erf), or to the product;
// Add and Mul operands in either order. Replaces it with Gelu(x) (ONNX's Gelu, approximate =
// "none"). Returns the number found.
int64_t fuse_gelu(Graph& graph);

// The standard cleanup before quantization: infer_shapes, fold_constants, eliminate_dead_code,
// fold_batch_norm, fuse_layer_norm, fuse_gelu, fuse_conv_activation, eliminate_dead_code, and
// infer_shapes again. Returns the total count of changes.
int64_t optimize(Graph& graph);

}  // namespace octet::graph
