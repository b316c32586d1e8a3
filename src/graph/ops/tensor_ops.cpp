// tensor_ops.cpp: operators that pick or join parts of tensors: Concat, Split, Slice and Gather, with ONNX's index semantics.
#include <algorithm>
#include <cstring>
#include <limits>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"
#include "octet/functional.h"

namespace octet::graph::ops {
namespace {

namespace F = functional;

// Copies the slices x[..., idx[j], ...] along `axis` (indices already valid and non-negative),
// the index list shaped `index_shape` in the output: Gather's layout.
Tensor take(const Tensor& x, int64_t axis, const std::vector<int64_t>& idx, const Shape& index_shape, const Node& node) {
  OCTET_CHECK(!x.is_quantized(), node.describe(), "quantized inputs are not supported");
  const Tensor src = x.contiguous();
  Shape out_shape(src.shape().begin(), src.shape().begin() + axis);
  out_shape.insert(out_shape.end(), index_shape.begin(), index_shape.end());
  out_shape.insert(out_shape.end(), src.shape().begin() + axis + 1, src.shape().end());
  Tensor out = empty(out_shape, src.dtype());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= src.size(d);
  for (int64_t d = axis + 1; d < src.dim(); ++d) inner *= src.size(d);
  const int64_t n = src.size(axis);
  const auto m = static_cast<int64_t>(idx.size());
  const auto row = static_cast<size_t>(inner) * src.element_size();
  const char* in = static_cast<const char*>(src.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < m; ++j) {
      std::memcpy(dst + static_cast<size_t>(o * m + j) * row, in + static_cast<size_t>(o * n + idx[static_cast<size_t>(j)]) * row, row);
    }
  }
  return out;
}

// --- Gather -----------------------------------------------------------------------------------------

void infer_gather(InferenceContext& ctx) {
  check_dtype_in(ctx, 1, {kInt64, kInt32});
  const TensorType& data = ctx.input_type(0);
  const TensorType& indices = ctx.input_type(1);
  if (!data.shape || !indices.shape) {
    ctx.set_output_type(0, TensorType(data.dtype));
    return;
  }
  if (data.rank() == 0) ctx.fail("data must have at least 1 dim");
  const auto axis = static_cast<size_t>(normalize_axis(ctx.node().attr_int("axis", 0), data.rank(), ctx.node()));
  Dims out(data.shape->begin(), data.shape->begin() + static_cast<std::ptrdiff_t>(axis));
  out.insert(out.end(), indices.shape->begin(), indices.shape->end());
  out.insert(out.end(), data.shape->begin() + static_cast<std::ptrdiff_t>(axis) + 1, data.shape->end());
  ctx.set_output_type(0, TensorType(data.dtype, out));
  // Picking entries of a shape value: Gather(Shape(x), 0) is x's first dim.
  const std::optional<Dims> dv = ctx.input_dims_value(0);
  const Tensor& ic = ctx.input_constant(1);
  if (dv && ic.defined() && data.rank() == 1 && ic.dim() <= 1) {
    Dims picked;
    const auto n = static_cast<int64_t>(dv->size());
    for (int64_t i : tensor_to_ints(ic, ctx.node(), "indices")) {
      if (i < -n || i >= n) return;
      picked.push_back((*dv)[static_cast<size_t>(i < 0 ? i + n : i)]);
    }
    ctx.set_output_dims_value(0, std::move(picked));
  }
}

Tensor gather(const KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  if (data.dim() == 0) ctx.fail("data must have at least 1 dim");
  if (indices.dtype() != kInt64 && indices.dtype() != kInt32) {
    ctx.fail(detail::str_cat("indices must be int64 or int32, got ", indices.dtype()));
  }
  const int64_t axis = normalize_axis(ctx.node().attr_int("axis", 0), data.dim(), ctx.node());
  const int64_t n = data.size(axis);
  const Tensor flat = indices.to(kInt64).contiguous();
  std::vector<int64_t> idx(flat.data_ptr<int64_t>(), flat.data_ptr<int64_t>() + flat.numel());
  for (int64_t& i : idx) {
    if (i < -n || i >= n) {
      ctx.fail(detail::str_cat("index ", i, " is out of range for axis ", axis, " of size ", n));
    }
    if (i < 0) i += n;
  }
  return take(data, axis, idx, indices.shape(), ctx.node());
}

// --- Slice ------------------------------------------------------------------------------------------

struct SliceArgs {
  std::vector<int64_t> starts, ends, axes, steps;
};

// The arguments as attributes (before opset 10) or inputs; nullopt when an input is not known.
template <typename Ctx, typename Get>
std::optional<SliceArgs> slice_args(const Ctx& ctx, Get get) {
  const Node& node = ctx.node();
  SliceArgs a;
  if (ctx.opset() < 10) {
    a.starts = node.attr_ints("starts");
    a.ends = node.attr_ints("ends");
    a.axes = node.attr_ints("axes", {});
  } else {
    std::optional<std::vector<int64_t>> s = get(1, "starts"), e = get(2, "ends");
    if (!s || !e) return std::nullopt;
    a.starts = *s;
    a.ends = *e;
    if (ctx.has_input(3)) {
      std::optional<std::vector<int64_t>> ax = get(3, "axes");
      if (!ax) return std::nullopt;
      a.axes = *ax;
    }
    if (ctx.has_input(4)) {
      std::optional<std::vector<int64_t>> st = get(4, "steps");
      if (!st) return std::nullopt;
      a.steps = *st;
    }
  }
  const size_t n = a.starts.size();
  if (a.axes.empty()) {
    for (size_t i = 0; i < n; ++i) a.axes.push_back(static_cast<int64_t>(i));
  }
  if (a.steps.empty()) a.steps.assign(n, 1);
  OCTET_CHECK(a.ends.size() == n && a.axes.size() == n && a.steps.size() == n, node.describe(),
              "starts, ends, axes and steps must have the same length, got ", n, ", ", a.ends.size(), ", ",
              a.axes.size(), ", ", a.steps.size());
  for (int64_t s : a.steps) OCTET_CHECK(s != 0, node.describe(), "steps must not be 0");
  return a;
}

// ONNX's clamping of one axis: the first index and the count of elements taken.
std::pair<int64_t, int64_t> slice_range(int64_t start, int64_t end, int64_t step, int64_t dim) {
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    return {start, end > start ? (end - start - 1) / step + 1 : 0};
  }
  start = std::clamp<int64_t>(start, 0, dim - 1);
  end = std::clamp<int64_t>(end, -1, dim - 1);
  return {start, start > end ? (start - end - 1) / (-step) + 1 : 0};
}

void infer_slice(InferenceContext& ctx) {
  const TensorType& x = ctx.input_type(0);
  if (!x.shape) {
    ctx.set_output_type(0, TensorType(x.dtype));
    return;
  }
  auto get = [&](int64_t i, const char* what) -> std::optional<std::vector<int64_t>> {
    const Tensor& c = ctx.input_constant(i);
    if (!c.defined()) return std::nullopt;
    return tensor_to_ints(c, ctx.node(), what);
  };
  const std::optional<SliceArgs> args = slice_args(ctx, get);
  Dims out = *x.shape;
  if (!args) {
    // Unknown bounds: the sliced axes are unknown; without known axes, every axis is.
    std::optional<std::vector<int64_t>> axes = ctx.has_input(3) ? get(3, "axes") : std::nullopt;
    if (axes || (!ctx.has_input(3) && ctx.input_type(1).shape && ctx.input_type(1).is_static())) {
      if (!axes) {
        axes.emplace();
        for (int64_t i = 0; i < ctx.input_type(1).static_shape().at(0); ++i) axes->push_back(i);
      }
      for (int64_t a : *axes) out[static_cast<size_t>(normalize_axis(a, x.rank(), ctx.node()))] = Dim();
    } else {
      for (Dim& d : out) d = Dim();
    }
    ctx.set_output_type(0, TensorType(x.dtype, out));
    return;
  }
  std::vector<std::pair<int64_t, int64_t>> picks;  // per sliced axis of a 1-D dims value
  for (size_t i = 0; i < args->axes.size(); ++i) {
    const auto axis = static_cast<size_t>(normalize_axis(args->axes[i], x.rank(), ctx.node(), "axes entry"));
    Dim& d = out[axis];
    const int64_t start = args->starts[i], end = args->ends[i], step = args->steps[i];
    if (d.is_static()) {
      d = Dim(slice_range(start, end, step, d.size()).second);
    } else if (!(start == 0 && step == 1 && end >= std::numeric_limits<int32_t>::max())) {
      d = Dim();  // anything but the whole axis changes an unknown size unknowably
    }
  }
  ctx.set_output_type(0, TensorType(x.dtype, out));
  const std::optional<Dims> dv = ctx.input_dims_value(0);
  if (dv && x.rank() == 1 && args->axes.size() == 1) {
    const auto [first, count] = slice_range(args->starts[0], args->ends[0], args->steps[0], static_cast<int64_t>(dv->size()));
    Dims picked;
    for (int64_t k = 0; k < count; ++k) picked.push_back((*dv)[static_cast<size_t>(first + k * args->steps[0])]);
    ctx.set_output_dims_value(0, std::move(picked));
  }
}

Tensor slice(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  auto get = [&](int64_t i, const char* what) -> std::optional<std::vector<int64_t>> {
    return tensor_to_ints(ctx.input(i), ctx.node(), what);
  };
  const SliceArgs args = *slice_args(ctx, get);
  Tensor y = x;
  std::vector<bool> seen(static_cast<size_t>(x.dim()), false);
  for (size_t i = 0; i < args.axes.size(); ++i) {
    const int64_t axis = normalize_axis(args.axes[i], x.dim(), ctx.node(), "axes entry");
    if (seen[static_cast<size_t>(axis)]) ctx.fail(detail::str_cat("axis ", axis, " is sliced twice"));
    seen[static_cast<size_t>(axis)] = true;
    const int64_t dim = y.size(axis), step = args.steps[i];
    const auto [first, count] = slice_range(args.starts[i], args.ends[i], step, dim);
    if (step > 0) {
      // A view; a step past the end takes one element either way.
      y = y.slice(axis, first, first + count * std::min(step, std::max<int64_t>(dim, 1)), std::min(step, std::max<int64_t>(dim, 1)));
    } else {
      std::vector<int64_t> idx;
      for (int64_t k = 0; k < count; ++k) idx.push_back(first + k * step);
      y = take(y, axis, idx, {count}, ctx.node());
    }
  }
  return y;
}

// --- Concat, Split ----------------------------------------------------------------------------------

void infer_concat(InferenceContext& ctx) {
  std::vector<int64_t> all;
  for (int64_t i = 0; i < ctx.num_inputs(); ++i) all.push_back(i);
  const std::optional<DType> dtype = same_dtype(ctx, all);
  std::optional<Dims> out;
  int64_t axis = 0;
  DimProduct sum_static;  // factor only: the sum of known sizes along axis
  sum_static.factor = 0;
  bool sum_known = true;
  for (int64_t i = 0; i < ctx.num_inputs(); ++i) {
    const TensorType& t = ctx.input_type(i);
    if (!t.shape) {
      sum_known = false;
      continue;
    }
    if (!out) {
      out = *t.shape;
      if (out->empty()) ctx.fail("inputs must have at least 1 dim");
      axis = normalize_axis(ctx.node().attr_int("axis"), t.rank(), ctx.node());
    } else if (t.rank() != static_cast<int64_t>(out->size())) {
      ctx.fail(detail::str_cat("input ", i, " has ", t.rank(), " dims, input 0 has ", out->size()));
    }
    for (size_t d = 0; d < out->size(); ++d) {
      const Dim& x = (*t.shape)[d];
      if (static_cast<int64_t>(d) == axis) {
        if (x.is_static()) {
          sum_static.factor += x.size();
        } else {
          sum_known = false;
        }
        continue;
      }
      Dim& o = (*out)[d];
      if (o.is_static() && x.is_static() && o.size() != x.size()) {
        ctx.fail(detail::str_cat("input ", i, " has size ", x.size(), " in dim ", d, " where the others have ", o.size()));
      }
      if (x.is_static() || (o.is_unknown() && x.is_symbolic())) o = x;
    }
  }
  if (out) (*out)[static_cast<size_t>(axis)] = sum_known ? Dim(sum_static.factor) : Dim();
  ctx.set_output_type(0, TensorType(dtype, out));
  // Joining shape values: Concat(Shape(x)[0:1], [-1], [64]).
  Dims joined;
  for (int64_t i = 0; i < ctx.num_inputs(); ++i) {
    const std::optional<Dims> dv = ctx.input_dims_value(i);
    if (!dv || !ctx.input_type(i).shape || ctx.input_type(i).rank() != 1) return;
    joined.insert(joined.end(), dv->begin(), dv->end());
  }
  ctx.set_output_dims_value(0, std::move(joined));
}

// The sizes of Split's pieces along a dim of size `dim` (known), or nullopt when `given` is absent
// and the dim is unknown.
std::vector<int64_t> split_sizes(const Node& node, int64_t dim, int64_t pieces) {
  OCTET_CHECK(!node.has_attr("num_outputs") || node.attr_int("num_outputs") == pieces, node.describe(),
              "attribute 'num_outputs' is ", node.attr_int("num_outputs", 0), " but the node has ", pieces, " outputs");
  const int64_t chunk = (dim + pieces - 1) / pieces;
  std::vector<int64_t> sizes(static_cast<size_t>(pieces), chunk);
  sizes.back() = dim - chunk * (pieces - 1);
  OCTET_CHECK(sizes.back() >= 0, node.describe(), "cannot split a dim of size ", dim, " into ", pieces, " pieces");
  return sizes;
}

void infer_split(InferenceContext& ctx) {
  const TensorType& x = ctx.input_type(0);
  const int64_t n = ctx.num_outputs();
  if (!x.shape) {
    for (int64_t i = 0; i < n; ++i) ctx.set_output_type(i, TensorType(x.dtype));
    return;
  }
  const auto axis = static_cast<size_t>(normalize_axis(ctx.node().attr_int("axis", 0), x.rank(), ctx.node()));
  bool known = true;
  std::optional<std::vector<int64_t>> sizes = axes_from_attr_or_input(ctx, "split", 1, &known);
  const Dim& d = (*x.shape)[axis];
  if (sizes) {
    if (static_cast<int64_t>(sizes->size()) != n) {
      ctx.fail(detail::str_cat("split has ", sizes->size(), " sizes for ", n, " outputs"));
    }
    int64_t total = 0;
    for (int64_t s : *sizes) total += s;
    if (d.is_static() && total != d.size()) {
      ctx.fail(detail::str_cat("split sizes sum to ", total, " but axis ", axis, " has size ", d.size()));
    }
  } else if (known && d.is_static()) {
    sizes = split_sizes(ctx.node(), d.size(), n);
  }
  for (int64_t i = 0; i < n; ++i) {
    Dims out = *x.shape;
    out[axis] = sizes ? Dim((*sizes)[static_cast<size_t>(i)]) : Dim();
    ctx.set_output_type(i, TensorType(x.dtype, out));
  }
}

std::vector<Tensor> split(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t axis = normalize_axis(ctx.node().attr_int("axis", 0), x.dim(), ctx.node());
  std::optional<std::vector<int64_t>> sizes = axes_from_attr_or_input(ctx, "split", 1);
  if (!sizes) sizes = split_sizes(ctx.node(), x.size(axis), ctx.num_outputs());
  if (static_cast<int64_t>(sizes->size()) != ctx.num_outputs()) {
    ctx.fail(detail::str_cat("split has ", sizes->size(), " sizes for ", ctx.num_outputs(), " outputs"));
  }
  return F::split(x, Shape(*sizes), axis);
}

}  // namespace

void register_tensor_ops(OpRegistry& registry) {
  registry.add(make_op("Gather", 2, 2, infer_gather, [](const KernelContext& ctx) { return std::vector<Tensor>{gather(ctx)}; }));
  registry.add(make_op("Slice", 1, 5, infer_slice, [](const KernelContext& ctx) { return std::vector<Tensor>{slice(ctx)}; }));
  registry.add(make_op("Concat", 1, std::numeric_limits<int32_t>::max(), infer_concat, [](const KernelContext& ctx) {
    std::vector<Tensor> parts;
    for (int64_t i = 0; i < ctx.num_inputs(); ++i) parts.push_back(ctx.input(i));
    const int64_t axis = normalize_axis(ctx.node().attr_int("axis"), parts.front().dim(), ctx.node());
    return std::vector<Tensor>{F::cat(parts, axis)};
  }));
  registry.add(make_op("Split", 1, 2, infer_split, split, 1, std::numeric_limits<int32_t>::max()));
}

}  // namespace octet::graph::ops
