// op_util.h: helpers shared by the built-in operators: axes, broadcasting (concrete and symbolic), attribute and input reads (internal).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "octet/graph/graph.h"
#include "octet/graph/op_registry.h"
#include "octet/graph/types.h"
#include "octet/tensor.h"

namespace octet::graph::ops {

// An OpDef of the default domain with one output unless told otherwise.
inline OpDef make_op(std::string op_type, int64_t min_inputs, int64_t max_inputs, ShapeInferenceFn infer, KernelFn kernel,
                     int64_t min_outputs = 1, int64_t max_outputs = 1, std::string domain = "") {
  OpDef def;
  def.domain = std::move(domain);
  def.op_type = std::move(op_type);
  def.min_inputs = min_inputs;
  def.max_inputs = max_inputs;
  def.min_outputs = min_outputs;
  def.max_outputs = max_outputs;
  def.infer = std::move(infer);
  def.kernel = std::move(kernel);
  return def;
}

// Output 0 has input 0's type (elementwise unary operators).
void infer_like_input0(InferenceContext& ctx);

// --- axes -----------------------------------------------------------------------------------------------

// axis in [-rank, rank) made non-negative; an Error naming the node otherwise.
int64_t normalize_axis(int64_t axis, int64_t rank, const Node& node, const char* what = "axis");

// --- reading tensors and attributes -------------------------------------------------------------------

// The integers of a 0-d or 1-D integer tensor (int32/int64; Error naming the node otherwise).
std::vector<int64_t> tensor_to_ints(const Tensor& t, const Node& node, const char* what);
// The one element of a tensor as double (Error unless it holds exactly one element).
double tensor_to_double(const Tensor& t, const Node& node, const char* what);

// Axes given as attribute `name` (older opsets) or as input `input` (newer ones), whichever the
// node has; nullopt when neither.
std::optional<std::vector<int64_t>> axes_from_attr_or_input(const KernelContext& ctx, const char* name, int64_t input);
// The same during shape inference: nullopt also when the input is present but not constant
// (*known is then false).
std::optional<std::vector<int64_t>> axes_from_attr_or_input(const InferenceContext& ctx, const char* name,
                                                            int64_t input, bool* known);

// The value of a Constant node (its value / value_float / value_floats / value_int / value_ints).
Tensor constant_node_value(const Node& node);

// --- broadcasting -------------------------------------------------------------------------------------

// numpy broadcasting of concrete shapes; an Error naming the node when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b, const Node& node);
// The same on partly known dims: a 1 takes the other dim; equal dims stay; a size beats a
// symbol (a symbol broadcasting against a size > 1 must be that size or 1, and 1 would not change
// it); two different symbols or an unknown give unknown. Known sizes that clash are an Error.
Dims broadcast_dims(const Dims& a, const Dims& b, const InferenceContext& ctx);
// Broadcast of every given input's type (inputs with unknown rank make the rank unknown).
std::optional<Dims> broadcast_inputs(const InferenceContext& ctx, const std::vector<int64_t>& inputs);

// --- symbolic products (Reshape, Flatten) ---------------------------------------------------------------

// A product of dims: a known factor times symbols, or unknown.
struct DimProduct {
  int64_t factor = 1;
  std::vector<std::string> symbols;  // sorted
  bool unknown = false;

  void multiply(const Dim& d);
  // this / other, when other's symbols are among this one's and the factor divides; nullopt otherwise.
  std::optional<DimProduct> divide(const DimProduct& other) const;
  // A single Dim when the product is one: a size, or one symbol times 1; else unknown.
  Dim to_dim() const;
};
DimProduct product_of(const Dims& dims, size_t begin, size_t end);

// --- types --------------------------------------------------------------------------------------------

// The dtype the inputs agree on; an Error naming the node when two known dtypes differ.
std::optional<DType> same_dtype(const InferenceContext& ctx, const std::vector<int64_t>& inputs);
// Rejects a known dtype outside `allowed` with an Error naming the node and the input.
void check_dtype_in(const InferenceContext& ctx, int64_t input, std::initializer_list<DType> allowed);

// The fresh float32 result of an elementwise function of a contiguous float32 input.
template <typename Fn>
Tensor map_float(const Tensor& x, Fn fn) {
  const Tensor in = x.contiguous();
  Tensor out = empty(in.shape(), kFloat32);
  const float* s = in.data_ptr<float>();
  float* d = out.data_ptr<float>();
  for (int64_t i = 0, n = in.numel(); i < n; ++i) d[i] = fn(s[i]);
  return out;
}

}  // namespace octet::graph::ops
