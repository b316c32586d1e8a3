// reduce_ops.cpp: ReduceMean, ReduceSum, ReduceMax, ReduceMin with axes as attribute or input, keepdims and noop_with_empty_axes.
#include <algorithm>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"
#include "octet/functional.h"

namespace octet::graph::ops {
namespace {

namespace F = functional;

enum class Reduce : uint8_t { Mean, Sum, Max, Min };

// The reduced dims, sorted; empty means "every dim" unless noop_with_empty_axes.
std::vector<int64_t> sorted_axes(const Node& node, std::vector<int64_t> axes, int64_t rank) {
  for (int64_t& a : axes) a = normalize_axis(a, rank, node, "axes entry");
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

void infer_reduce(InferenceContext& ctx) {
  const TensorType& x = ctx.input_type(0);
  const bool keepdims = ctx.node().attr_int("keepdims", 1) != 0;
  const bool noop = ctx.node().attr_int("noop_with_empty_axes", 0) != 0;
  bool known = true;
  const std::optional<std::vector<int64_t>> given = axes_from_attr_or_input(ctx, "axes", 1, &known);
  if (!x.shape || !known) {
    ctx.set_output_type(0, TensorType(x.dtype, keepdims && x.shape ? std::optional<Dims>(Dims(x.shape->size())) : std::nullopt));
    return;
  }
  std::vector<int64_t> axes = sorted_axes(ctx.node(), given.value_or(std::vector<int64_t>{}), x.rank());
  if (axes.empty()) {
    if (noop) {
      infer_like_input0(ctx);
      return;
    }
    for (int64_t d = 0; d < x.rank(); ++d) axes.push_back(d);
  }
  Dims out;
  for (int64_t d = 0; d < x.rank(); ++d) {
    if (std::binary_search(axes.begin(), axes.end(), d)) {
      if (keepdims) out.emplace_back(1);
    } else {
      out.push_back((*x.shape)[static_cast<size_t>(d)]);
    }
  }
  ctx.set_output_type(0, TensorType(x.dtype, out));
}

Tensor reduce(const KernelContext& ctx, Reduce kind) {
  const Tensor& x = ctx.input(0);
  const bool keepdims = ctx.node().attr_int("keepdims", 1) != 0;
  const bool noop = ctx.node().attr_int("noop_with_empty_axes", 0) != 0;
  std::vector<int64_t> axes = sorted_axes(ctx.node(), axes_from_attr_or_input(ctx, "axes", 1).value_or(std::vector<int64_t>{}), x.dim());
  if (axes.empty()) {
    if (noop) return x;
    for (int64_t d = 0; d < x.dim(); ++d) axes.push_back(d);
  }
  const Shape dims(axes.begin(), axes.end());
  switch (kind) {
    case Reduce::Mean: return F::mean(x, dims, keepdims);
    case Reduce::Sum: {
      const Tensor s = F::sum(x, dims, keepdims);
      return s.dtype() == x.dtype() ? s : s.to(x.dtype());  // ONNX keeps the input's dtype
    }
    case Reduce::Max:
    case Reduce::Min: {
      Tensor y = x;
      for (int64_t d : axes) y = std::get<0>(kind == Reduce::Max ? F::max(y, d, true) : F::min(y, d, true));
      if (keepdims) return y;
      Shape kept;
      for (int64_t d = 0; d < x.dim(); ++d) {
        if (!std::binary_search(axes.begin(), axes.end(), d)) kept.push_back(x.size(d));
      }
      return y.reshape(kept);
    }
  }
  return x;
}

OpDef reduce_op(std::string name, Reduce kind) {
  return make_op(std::move(name), 1, 2, infer_reduce,
                 [kind](const KernelContext& ctx) { return std::vector<Tensor>{reduce(ctx, kind)}; });
}

}  // namespace

void register_reduce_ops(OpRegistry& registry) {
  registry.add(reduce_op("ReduceMean", Reduce::Mean));
  registry.add(reduce_op("ReduceSum", Reduce::Sum));
  registry.add(reduce_op("ReduceMax", Reduce::Max));
  registry.add(reduce_op("ReduceMin", Reduce::Min));
}

}  // namespace octet::graph::ops
