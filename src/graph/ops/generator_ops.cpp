// generator_ops.cpp: operators that make tensors or change their element type: Constant, ConstantOfShape, Range, Cast, CastLike.
#include <cmath>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"
#include "octet/graph/data_type.h"

namespace octet::graph::ops {
namespace {

void infer_constant(InferenceContext& ctx) {
  const Tensor v = constant_node_value(ctx.node());
  ctx.set_output_type(0, TensorType::of(v));
  if (v.dim() <= 1 && v.dtype() == kInt64) {
    Dims dims;
    const Tensor flat = v.reshape({v.numel()});
    for (int64_t i = 0; i < flat.numel(); ++i) {
      const int64_t x = flat.at<int64_t>({i});
      dims.push_back(x >= 0 ? Dim(x) : Dim());
    }
    ctx.set_output_dims_value(0, std::move(dims));
  }
}

// ConstantOfShape's fill: a one-element tensor (default float32 0).
Tensor fill_value(const Node& node) {
  if (!node.has_attr("value")) return zeros({}, kFloat32);
  const Tensor v = node.attr_tensor("value");
  OCTET_CHECK(v.defined() && v.numel() == 1, node.describe(), "attribute 'value' must hold one element, got ",
              v.defined() ? v.numel() : 0);
  return v.reshape({});
}

void infer_constant_of_shape(InferenceContext& ctx) {
  check_dtype_in(ctx, 0, {kInt64});
  const DType dtype = fill_value(ctx.node()).dtype();
  if (std::optional<Dims> dims = ctx.input_dims_value(0)) {
    ctx.set_output_type(0, TensorType(dtype, *dims));
    return;
  }
  const TensorType& s = ctx.input_type(0);
  if (s.shape && s.rank() == 1 && (*s.shape)[0].is_static()) {
    ctx.set_output_type(0, TensorType(dtype, Dims(static_cast<size_t>((*s.shape)[0].size()))));
    return;
  }
  ctx.set_output_type(0, TensorType(dtype));
}

// Range's element count: max(ceil((limit - start) / delta), 0).
int64_t range_count(double start, double limit, double delta, const Node& node) {
  OCTET_CHECK(delta != 0, node.describe(), "delta must not be 0");
  const double n = std::ceil((limit - start) / delta);
  OCTET_CHECK(std::isfinite(n), node.describe(), "start, limit and delta must be finite");
  return n > 0 ? static_cast<int64_t>(n) : 0;
}

void infer_range(InferenceContext& ctx) {
  const std::optional<DType> dtype = same_dtype(ctx, {0, 1, 2});
  for (int64_t i = 0; i < 3; ++i) {
    const TensorType& t = ctx.input_type(i);
    if (t.shape && t.rank() != 0) ctx.fail(detail::str_cat("input ", i, " must be a scalar (0-d), got ", t.to_string()));
  }
  const Tensor &s = ctx.input_constant(0), &l = ctx.input_constant(1), &d = ctx.input_constant(2);
  if (s.defined() && l.defined() && d.defined()) {
    const int64_t n = range_count(tensor_to_double(s, ctx.node(), "start"), tensor_to_double(l, ctx.node(), "limit"),
                                  tensor_to_double(d, ctx.node(), "delta"), ctx.node());
    ctx.set_output_type(0, TensorType(dtype, Dims{Dim(n)}));
    return;
  }
  ctx.set_output_type(0, TensorType(dtype, Dims{Dim()}));
}

template <typename T>
void fill_range(Tensor& out, T start, T delta) {
  T* p = out.data_ptr<T>();
  for (int64_t i = 0; i < out.numel(); ++i) p[i] = static_cast<T>(start + static_cast<T>(i) * delta);
}

Tensor range(const KernelContext& ctx) {
  const Tensor &s = ctx.input(0), &l = ctx.input(1), &d = ctx.input(2);
  const Node& node = ctx.node();
  if (s.dtype() != l.dtype() || s.dtype() != d.dtype()) {
    ctx.fail(detail::str_cat("start, limit and delta must have one dtype, got ", s.dtype(), ", ", l.dtype(), ", ", d.dtype()));
  }
  const int64_t n = range_count(tensor_to_double(s, node, "start"), tensor_to_double(l, node, "limit"),
                                tensor_to_double(d, node, "delta"), node);
  Tensor out = empty({n}, s.dtype());
  switch (s.dtype()) {
    case DType::Float32: fill_range<float>(out, s.item<float>(), d.item<float>()); break;
    case DType::Float64: fill_range<double>(out, s.item<double>(), d.item<double>()); break;
    case DType::Int16: fill_range<int16_t>(out, s.item<int16_t>(), d.item<int16_t>()); break;
    case DType::Int32: fill_range<int32_t>(out, s.item<int32_t>(), d.item<int32_t>()); break;
    case DType::Int64: fill_range<int64_t>(out, s.item<int64_t>(), d.item<int64_t>()); break;
    default: ctx.fail(detail::str_cat("dtype ", s.dtype(), " is not supported (float32, float64, int16, int32, int64)"));
  }
  return out;
}

void infer_cast(InferenceContext& ctx, DType to) {
  ctx.set_output_type(0, TensorType(to, ctx.input_type(0).shape));
  if (to == kInt64 || to == kInt32) {
    if (std::optional<Dims> dv = ctx.input_dims_value(0)) ctx.set_output_dims_value(0, *dv);
  }
}

}  // namespace

void register_generator_ops(OpRegistry& registry) {
  registry.add(make_op("Constant", 0, 0, infer_constant, [](const KernelContext& ctx) {
    // A copy: the attribute's tensor must not be reachable by whoever writes into an output.
    return std::vector<Tensor>{constant_node_value(ctx.node()).clone()};
  }));
  registry.add(make_op("ConstantOfShape", 1, 1, infer_constant_of_shape, [](const KernelContext& ctx) {
    const Shape shape(tensor_to_ints(ctx.input(0), ctx.node(), "shape"));
    const Tensor v = fill_value(ctx.node());
    Tensor out = empty(shape, v.dtype());
    out.copy_(v);
    return std::vector<Tensor>{out};
  }));
  registry.add(make_op("Range", 3, 3, infer_range, [](const KernelContext& ctx) { return std::vector<Tensor>{range(ctx)}; }));
  registry.add(make_op(
      "Cast", 1, 1,
      [](InferenceContext& ctx) { infer_cast(ctx, dtype_from_data_type(ctx.node().attr_int("to"))); },
      [](const KernelContext& ctx) {
        return std::vector<Tensor>{ctx.input(0).to(dtype_from_data_type(ctx.node().attr_int("to")))};
      }));
  registry.add(make_op(
      "CastLike", 2, 2,
      [](InferenceContext& ctx) {
        if (const std::optional<DType> to = ctx.input_type(1).dtype) {
          infer_cast(ctx, *to);
        } else {
          ctx.set_output_type(0, TensorType(std::nullopt, ctx.input_type(0).shape));
        }
      },
      [](const KernelContext& ctx) { return std::vector<Tensor>{ctx.input(0).to(ctx.input(1).dtype())}; }));
}

}  // namespace octet::graph::ops
