// shape_ops.cpp: operators that change only shapes: Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Expand, Shape, Identity, Dropout.
#include <algorithm>
#include <numeric>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"
#include "octet/functional.h"

namespace octet::graph::ops {
namespace {

// --- Reshape -----------------------------------------------------------------------------------------

Shape reshape_target(const Node& node, const Shape& in, const std::vector<int64_t>& spec) {
  const bool allowzero = node.attr_int("allowzero", 0) != 0;
  Shape out(spec.size());
  int64_t infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < spec.size(); ++i) {
    int64_t v = spec[i];
    if (v == -1) {
      OCTET_CHECK(infer_at < 0, node.describe(), "the shape ", shape_to_string(Shape(spec)), " has more than one -1");
      infer_at = static_cast<int64_t>(i);
      continue;
    }
    OCTET_CHECK(v >= 0, node.describe(), "the shape ", shape_to_string(Shape(spec)), " has an invalid entry ", v);
    if (v == 0 && !allowzero) {
      OCTET_CHECK(i < in.size(), node.describe(), "the shape ", shape_to_string(Shape(spec)), " copies dim ", i,
                  " (0) of an input with only ", in.size(), " dims");
      v = in[i];
    }
    out[i] = v;
    known *= v;
  }
  const int64_t total = shape_numel(in);
  if (infer_at >= 0) {
    OCTET_CHECK(known != 0 && total % known == 0, node.describe(), "cannot reshape ", shape_to_string(in), " to ",
                shape_to_string(Shape(spec)));
    out[static_cast<size_t>(infer_at)] = total / known;
  } else {
    OCTET_CHECK(known == total, node.describe(), "cannot reshape ", shape_to_string(in), " (", total,
                " elements) to ", shape_to_string(Shape(spec)), " (", known, " elements)");
  }
  return out;
}

void infer_reshape(InferenceContext& ctx) {
  const TensorType& x = ctx.input_type(0);
  check_dtype_in(ctx, 1, {kInt64});
  const bool allowzero = ctx.node().attr_int("allowzero", 0) != 0;
  const Tensor& c = ctx.input_constant(1);
  std::optional<Dims> out;
  int64_t solve_at = -1;  // the one entry to solve from the element count, if any
  bool solvable = true;
  auto copy_dim = [&](size_t i) -> Dim {
    if (x.shape && i < x.shape->size()) return (*x.shape)[i];
    if (x.shape) ctx.fail(detail::str_cat("the shape copies dim ", i, " (0) of an input with only ", x.shape->size(), " dims"));
    return Dim();
  };
  auto mark_solve = [&](size_t i) {
    if (solve_at >= 0) solvable = false;
    solve_at = static_cast<int64_t>(i);
  };
  if (c.defined()) {
    const std::vector<int64_t> spec = tensor_to_ints(c, ctx.node(), "shape");
    out = Dims(spec.size());
    int minus_ones = 0;
    for (size_t i = 0; i < spec.size(); ++i) {
      const int64_t v = spec[i];
      if (v == -1) {
        if (++minus_ones > 1) ctx.fail(detail::str_cat("the shape ", shape_to_string(Shape(spec)), " has more than one -1"));
        mark_solve(i);
      } else if (v < -1) {
        ctx.fail(detail::str_cat("the shape ", shape_to_string(Shape(spec)), " has an invalid entry ", v));
      } else {
        (*out)[i] = v == 0 && !allowzero ? copy_dim(i) : Dim(v);
      }
    }
  } else if (std::optional<Dims> dv = ctx.input_dims_value(1)) {
    out = Dims(dv->size());
    for (size_t i = 0; i < dv->size(); ++i) {
      const Dim& d = (*dv)[i];
      if (d.is_unknown()) {
        mark_solve(i);
      } else {
        (*out)[i] = d.is_static() && d.size() == 0 && !allowzero ? copy_dim(i) : d;
      }
    }
  } else {
    const TensorType& s = ctx.input_type(1);
    if (s.shape && s.rank() == 1 && (*s.shape)[0].is_static()) out = Dims(static_cast<size_t>((*s.shape)[0].size()));
  }
  if (out && x.shape && solve_at >= 0 && solvable) {
    DimProduct rest;
    for (size_t i = 0; i < out->size(); ++i) {
      if (static_cast<int64_t>(i) != solve_at) rest.multiply((*out)[i]);
    }
    const DimProduct total = product_of(*x.shape, 0, x.shape->size());
    if (std::optional<DimProduct> q = total.divide(rest)) {
      (*out)[static_cast<size_t>(solve_at)] = q->to_dim();
    } else if (!total.unknown && !rest.unknown && total.symbols.empty() && rest.symbols.empty()) {
      ctx.fail(detail::str_cat("cannot reshape ", x.to_string(), " to ", dims_to_string(*out)));
    }
  }
  ctx.set_output_type(0, TensorType(x.dtype, out));
}

// --- Flatten, Transpose, Squeeze, Unsqueeze ---------------------------------------------------------------

int64_t flatten_axis(const Node& node, int64_t rank) {
  int64_t axis = node.attr_int("axis", 1);
  OCTET_CHECK(axis >= -rank && axis <= rank, node.describe(), "axis ", axis, " is out of range for rank ", rank,
              " (expected -", rank, " to ", rank, ")");
  return axis < 0 ? axis + rank : axis;
}

std::vector<int64_t> transpose_perm(const Node& node, int64_t rank) {
  std::vector<int64_t> perm(static_cast<size_t>(rank));
  std::iota(perm.rbegin(), perm.rend(), 0);
  perm = node.attr_ints("perm", perm);
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  bool ok = static_cast<int64_t>(perm.size()) == rank;
  for (size_t i = 0; ok && i < sorted.size(); ++i) ok = sorted[i] == static_cast<int64_t>(i);
  OCTET_CHECK(ok, node.describe(), "attribute 'perm' ", shape_to_string(Shape(perm)), " is not a permutation of ", rank,
              " dims");
  return perm;
}

// Sorted, non-negative, distinct axes against `rank`.
std::vector<int64_t> normalize_axes(const Node& node, std::vector<int64_t> axes, int64_t rank) {
  for (int64_t& a : axes) a = normalize_axis(a, rank, node, "axes entry");
  std::sort(axes.begin(), axes.end());
  OCTET_CHECK(std::adjacent_find(axes.begin(), axes.end()) == axes.end(), node.describe(), "axes has a repeated entry");
  return axes;
}

void infer_squeeze(InferenceContext& ctx) {
  const TensorType& x = ctx.input_type(0);
  bool known = true;
  const std::optional<std::vector<int64_t>> axes = axes_from_attr_or_input(ctx, "axes", 1, &known);
  if (const std::optional<Dims> dv = ctx.input_dims_value(0); dv && x.shape && x.rank() == 1 && dv->size() == 1) {
    ctx.set_output_dims_value(0, *dv);
  }
  if (!x.shape || !known) {
    ctx.set_output_type(0, TensorType(x.dtype));
    return;
  }
  Dims out;
  if (axes) {
    const std::vector<int64_t> ax = normalize_axes(ctx.node(), *axes, x.rank());
    for (size_t i = 0; i < x.shape->size(); ++i) {
      const Dim& d = (*x.shape)[i];
      if (std::binary_search(ax.begin(), ax.end(), static_cast<int64_t>(i))) {
        if (d.is_static() && d.size() != 1) ctx.fail(detail::str_cat("cannot squeeze axis ", i, " of size ", d.size()));
        continue;
      }
      out.push_back(d);
    }
  } else {
    for (const Dim& d : *x.shape) {
      if (!d.is_static()) {  // might be 1: the rank is unknown
        ctx.set_output_type(0, TensorType(x.dtype));
        return;
      }
      if (d.size() != 1) out.push_back(d);
    }
  }
  ctx.set_output_type(0, TensorType(x.dtype, out));
}

Tensor squeeze(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const std::optional<std::vector<int64_t>> axes = axes_from_attr_or_input(ctx, "axes", 1);
  Shape out;
  if (axes) {
    const std::vector<int64_t> ax = normalize_axes(ctx.node(), *axes, x.dim());
    for (int64_t i = 0; i < x.dim(); ++i) {
      if (std::binary_search(ax.begin(), ax.end(), i)) {
        if (x.size(i) != 1) ctx.fail(detail::str_cat("cannot squeeze axis ", i, " of size ", x.size(i)));
        continue;
      }
      out.push_back(x.size(i));
    }
  } else {
    for (int64_t s : x.shape()) {
      if (s != 1) out.push_back(s);
    }
  }
  return x.reshape(out);
}

void infer_unsqueeze(InferenceContext& ctx) {
  const TensorType& x = ctx.input_type(0);
  bool known = true;
  const std::optional<std::vector<int64_t>> axes = axes_from_attr_or_input(ctx, "axes", 1, &known);
  if (known && !axes) ctx.fail("needs axes (an attribute before opset 13, an input from 13)");
  if (const std::optional<Dims> dv = ctx.input_dims_value(0); dv && x.shape && x.rank() == 0 && axes &&
                                                              axes->size() == 1) {
    ctx.set_output_dims_value(0, *dv);
  }
  if (!x.shape || !known) {
    ctx.set_output_type(0, TensorType(x.dtype));
    return;
  }
  const int64_t rank = x.rank() + static_cast<int64_t>(axes->size());
  const std::vector<int64_t> ax = normalize_axes(ctx.node(), *axes, rank);
  Dims out;
  size_t next = 0;
  for (int64_t i = 0; i < rank; ++i) {
    if (std::binary_search(ax.begin(), ax.end(), i)) {
      out.emplace_back(1);
    } else {
      out.push_back((*x.shape)[next++]);
    }
  }
  ctx.set_output_type(0, TensorType(x.dtype, out));
}

Tensor unsqueeze(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const std::optional<std::vector<int64_t>> axes = axes_from_attr_or_input(ctx, "axes", 1);
  if (!axes) ctx.fail("needs axes (an attribute before opset 13, an input from 13)");
  const int64_t rank = x.dim() + static_cast<int64_t>(axes->size());
  const std::vector<int64_t> ax = normalize_axes(ctx.node(), *axes, rank);
  Shape out;
  int64_t next = 0;
  for (int64_t i = 0; i < rank; ++i) out.push_back(std::binary_search(ax.begin(), ax.end(), i) ? 1 : x.size(next++));
  return x.reshape(out);
}

// --- Shape, Expand ----------------------------------------------------------------------------------------

std::pair<int64_t, int64_t> shape_range(const Node& node, int64_t rank) {
  auto clampi = [&](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + rank : v, 0, rank); };
  const int64_t start = clampi(node.attr_int("start", 0));
  const int64_t end = clampi(node.attr_int("end", rank));
  return {start, std::max(start, end)};
}

void infer_shape(InferenceContext& ctx) {
  const TensorType& x = ctx.input_type(0);
  if (!x.shape) {
    ctx.set_output_type(0, TensorType(kInt64, Dims{Dim()}));
    return;
  }
  const auto [start, end] = shape_range(ctx.node(), x.rank());
  ctx.set_output_type(0, TensorType(kInt64, Dims{Dim(end - start)}));
  ctx.set_output_dims_value(0, Dims(x.shape->begin() + start, x.shape->begin() + end));
}

void infer_expand(InferenceContext& ctx) {
  const TensorType& x = ctx.input_type(0);
  check_dtype_in(ctx, 1, {kInt64});
  std::optional<Dims> target = ctx.input_dims_value(1);
  const TensorType& shape_type = ctx.input_type(1);
  if (!target && shape_type.shape && shape_type.rank() == 1 && (*shape_type.shape)[0].is_static()) {
    // The shape's values are unknown but not its length: the output's rank is known.
    target = Dims(static_cast<size_t>((*shape_type.shape)[0].size()));
  }
  if (x.shape && target) {
    // The shape's unknown entries (-1 is not valid here, but a symbol's value may be unknown) broadcast as unknown.
    ctx.set_output_type(0, TensorType(x.dtype, broadcast_dims(*x.shape, *target, ctx)));
    return;
  }
  ctx.set_output_type(0, TensorType(x.dtype));
}

}  // namespace

void register_shape_ops(OpRegistry& registry) {
  registry.add(make_op("Reshape", 2, 2, infer_reshape, [](const KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    return std::vector<Tensor>{x.reshape(reshape_target(ctx.node(), x.shape(), tensor_to_ints(ctx.input(1), ctx.node(), "shape")))};
  }));
  registry.add(make_op(
      "Flatten", 1, 1,
      [](InferenceContext& ctx) {
        const TensorType& x = ctx.input_type(0);
        if (!x.shape) {
          ctx.set_output_type(0, TensorType(x.dtype, Dims(2)));
          return;
        }
        const auto axis = static_cast<size_t>(flatten_axis(ctx.node(), x.rank()));
        ctx.set_output_type(0, TensorType(x.dtype, Dims{product_of(*x.shape, 0, axis).to_dim(),
                                                        product_of(*x.shape, axis, x.shape->size()).to_dim()}));
      },
      [](const KernelContext& ctx) {
        const Tensor& x = ctx.input(0);
        const int64_t axis = flatten_axis(ctx.node(), x.dim());
        int64_t rows = 1;
        for (int64_t d = 0; d < axis; ++d) rows *= x.size(d);
        int64_t cols = 1;
        for (int64_t d = axis; d < x.dim(); ++d) cols *= x.size(d);
        return std::vector<Tensor>{x.reshape({rows, cols})};
      }));
  registry.add(make_op(
      "Transpose", 1, 1,
      [](InferenceContext& ctx) {
        const TensorType& x = ctx.input_type(0);
        if (!x.shape) {
          ctx.set_output_type(0, TensorType(x.dtype));
          return;
        }
        const std::vector<int64_t> perm = transpose_perm(ctx.node(), x.rank());
        Dims out;
        for (int64_t p : perm) out.push_back((*x.shape)[static_cast<size_t>(p)]);
        ctx.set_output_type(0, TensorType(x.dtype, out));
      },
      [](const KernelContext& ctx) {
        const Tensor& x = ctx.input(0);
        return std::vector<Tensor>{x.permute(Shape(transpose_perm(ctx.node(), x.dim())))};
      }));
  registry.add(make_op("Squeeze", 1, 2, infer_squeeze, [](const KernelContext& ctx) { return std::vector<Tensor>{squeeze(ctx)}; }));
  registry.add(make_op("Unsqueeze", 1, 2, infer_unsqueeze,
                       [](const KernelContext& ctx) { return std::vector<Tensor>{unsqueeze(ctx)}; }));
  registry.add(make_op("Shape", 1, 1, infer_shape, [](const KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    const auto [start, end] = shape_range(ctx.node(), x.dim());
    return std::vector<Tensor>{from_vector(std::vector<int64_t>(x.shape().begin() + start, x.shape().begin() + end))};
  }));
  registry.add(make_op("Expand", 2, 2, infer_expand, [](const KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    const Shape target(tensor_to_ints(ctx.input(1), ctx.node(), "shape"));
    return std::vector<Tensor>{x.expand(broadcast_shapes(x.shape(), target, ctx.node()))};
  }));
  registry.add(make_op(
      "Identity", 1, 1,
      [](InferenceContext& ctx) {
        infer_like_input0(ctx);
        if (std::optional<Dims> dv = ctx.input_dims_value(0)) ctx.set_output_dims_value(0, *dv);
      },
      [](const KernelContext& ctx) { return std::vector<Tensor>{ctx.input(0)}; }));
  registry.add(make_op(
      "Dropout", 1, 3,
      [](InferenceContext& ctx) {
        infer_like_input0(ctx);
        ctx.set_output_type(1, TensorType(kBool, ctx.input_type(0).shape));
        const Tensor& training = ctx.input_constant(2);
        if (training.defined() && tensor_to_double(training, ctx.node(), "training_mode") != 0) {
          ctx.fail("training_mode = true is not supported (inference only)");
        }
      },
      [](const KernelContext& ctx) {
        // Inference: the identity, and a mask of all true.
        if (ctx.has_input(2) && tensor_to_double(ctx.input(2), ctx.node(), "training_mode") != 0) {
          ctx.fail("training_mode = true is not supported (inference only)");
        }
        std::vector<Tensor> out{ctx.input(0)};
        if (ctx.num_outputs() > 1) out.push_back(ones(ctx.input(0).shape(), kBool));
        return out;
      },
      1, 2));
}

}  // namespace octet::graph::ops
