// elementwise_ops.cpp: broadcasting arithmetic (Add, Sub, Mul, Div, Pow), comparisons (Equal, Less, ...), Where and unary math (Sqrt, Erf, ...).
#include <cmath>
#include <functional>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"
#include "octet/functional.h"

namespace octet::graph::ops {
namespace {

// The integers a dims value holds when every one is known.
std::optional<std::vector<int64_t>> static_ints(const std::optional<Dims>& dims) {
  if (!dims) return std::nullopt;
  std::vector<int64_t> out;
  for (const Dim& d : *dims) {
    if (!d.is_static()) return std::nullopt;
    out.push_back(d.size());
  }
  return out;
}

// Arithmetic on shape values (Div(Shape(x)[2], 12)): known when both sides are fully known and
// the result is a valid size.
void propagate_dims_arith(InferenceContext& ctx, const std::function<int64_t(int64_t, int64_t)>& op, bool is_div) {
  const auto a = static_ints(ctx.input_dims_value(0));
  const auto b = static_ints(ctx.input_dims_value(1));
  if (!a || !b || (a->size() != b->size() && a->size() != 1 && b->size() != 1)) return;
  const size_t n = std::max(a->size(), b->size());
  Dims out;
  for (size_t i = 0; i < n; ++i) {
    const int64_t x = (*a)[a->size() == 1 ? 0 : i];
    const int64_t y = (*b)[b->size() == 1 ? 0 : i];
    if (is_div && y == 0) return;
    const int64_t r = op(x, y);
    if (r < 0) return;
    out.emplace_back(r);
  }
  ctx.set_output_dims_value(0, std::move(out));
}

void infer_arith(InferenceContext& ctx, bool same_types) {
  std::optional<DType> dtype = same_types ? same_dtype(ctx, {0, 1}) : ctx.input_type(0).dtype;
  ctx.set_output_type(0, TensorType(dtype, broadcast_inputs(ctx, {0, 1})));
}

OpDef binary_op(std::string name, std::function<Tensor(const Tensor&, const Tensor&)> fn,
                std::function<int64_t(int64_t, int64_t)> int_op) {
  const bool is_div = name == "Div";
  const bool same_types = name != "Pow";
  return make_op(
      std::move(name), 2, 2,
      [=](InferenceContext& ctx) {
        infer_arith(ctx, same_types);
        if (int_op && ctx.input_type(0).dtype == kInt64) propagate_dims_arith(ctx, int_op, is_div);
      },
      [fn](const KernelContext& ctx) { return std::vector<Tensor>{fn(ctx.input(0), ctx.input(1))}; });
}

Tensor div_onnx(const Tensor& a, const Tensor& b) {
  // Integer division truncates toward zero, as C++ and ONNX Runtime do.
  const bool integral = is_integral(a.dtype()) && is_integral(b.dtype());
  return integral ? functional::div(a, b, "trunc") : functional::div(a, b);
}

Tensor pow_onnx(const Tensor& a, const Tensor& b) {
  // The result has the base's dtype (ONNX's T), whatever the exponent's.
  Tensor y = b.numel() == 1 && b.dim() == 0 && is_floating_point(a.dtype())
                 ? functional::pow(a, b.item<double>())
                 : functional::pow(a, b);
  return y.dtype() == a.dtype() ? y : y.to(a.dtype());
}

// Comparisons: numbers compared as int64 (integers, bool) or double (anything floating), both exact.
template <typename Cmp>
Tensor compare(const Tensor& a, const Tensor& b, const Node& node, Cmp cmp) {
  const Shape out_shape = broadcast_shapes(a.shape(), b.shape(), node);
  Tensor out = empty(out_shape, kBool);
  bool* d = out.data_ptr<bool>();
  const int64_t n = out.numel();
  if (!is_floating_point(a.dtype()) && !is_floating_point(b.dtype())) {
    const Tensor x = a.to(kInt64).expand(out_shape).contiguous();
    const Tensor y = b.to(kInt64).expand(out_shape).contiguous();
    const int64_t* px = x.data_ptr<int64_t>();
    const int64_t* py = y.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) d[i] = cmp(px[i], py[i]);
  } else {
    const Tensor x = a.to(kFloat64).expand(out_shape).contiguous();
    const Tensor y = b.to(kFloat64).expand(out_shape).contiguous();
    const double* px = x.data_ptr<double>();
    const double* py = y.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i) d[i] = cmp(px[i], py[i]);
  }
  return out;
}

template <typename Cmp>
OpDef compare_op(std::string name, Cmp cmp) {
  return make_op(
      std::move(name), 2, 2,
      [](InferenceContext& ctx) {
        same_dtype(ctx, {0, 1});
        ctx.set_output_type(0, TensorType(kBool, broadcast_inputs(ctx, {0, 1})));
      },
      [cmp](const KernelContext& ctx) {
        return std::vector<Tensor>{compare(ctx.input(0), ctx.input(1), ctx.node(), cmp)};
      });
}

// Unary math defined on floating inputs only (as ONNX's type constraints say).
OpDef float_unary_op(std::string name, Tensor (*fn)(const Tensor&)) {
  return make_op(
      std::move(name), 1, 1,
      [](InferenceContext& ctx) {
        check_dtype_in(ctx, 0, {kFloat32, kFloat64});
        infer_like_input0(ctx);
      },
      [fn](const KernelContext& ctx) { return std::vector<Tensor>{fn(ctx.input(0))}; });
}

Tensor reciprocal(const Tensor& x) { return functional::div(ones({}, x.dtype()), x); }

}  // namespace

void register_elementwise_ops(OpRegistry& registry) {
  namespace F = functional;
  registry.add(binary_op("Add", [](const Tensor& a, const Tensor& b) { return F::add(a, b); },
                         [](int64_t x, int64_t y) { return x + y; }));
  registry.add(binary_op("Sub", [](const Tensor& a, const Tensor& b) { return F::sub(a, b); },
                         [](int64_t x, int64_t y) { return x - y; }));
  registry.add(binary_op("Mul", [](const Tensor& a, const Tensor& b) { return F::mul(a, b); },
                         [](int64_t x, int64_t y) { return x * y; }));
  registry.add(binary_op("Div", div_onnx, [](int64_t x, int64_t y) { return x / y; }));
  registry.add(binary_op("Pow", pow_onnx, nullptr));

  registry.add(compare_op("Equal", [](auto x, auto y) { return x == y; }));
  registry.add(compare_op("Less", [](auto x, auto y) { return x < y; }));
  registry.add(compare_op("LessOrEqual", [](auto x, auto y) { return x <= y; }));
  registry.add(compare_op("Greater", [](auto x, auto y) { return x > y; }));
  registry.add(compare_op("GreaterOrEqual", [](auto x, auto y) { return x >= y; }));

  registry.add(make_op(
      "Not", 1, 1,
      [](InferenceContext& ctx) {
        check_dtype_in(ctx, 0, {kBool});
        infer_like_input0(ctx);
      },
      [](const KernelContext& ctx) {
        const Tensor x = ctx.input(0);
        if (x.dtype() != kBool) ctx.fail(detail::str_cat("input must be bool, got ", x.dtype()));
        const Tensor c = x.contiguous();
        Tensor out = empty(c.shape(), kBool);
        for (int64_t i = 0; i < c.numel(); ++i) out.data_ptr<bool>()[i] = !c.data_ptr<bool>()[i];
        return std::vector<Tensor>{out};
      }));

  registry.add(make_op(
      "Where", 3, 3,
      [](InferenceContext& ctx) {
        check_dtype_in(ctx, 0, {kBool});
        const std::optional<DType> dtype = same_dtype(ctx, {1, 2});
        ctx.set_output_type(0, TensorType(dtype, broadcast_inputs(ctx, {0, 1, 2})));
      },
      [](const KernelContext& ctx) {
        return std::vector<Tensor>{F::where(ctx.input(0), ctx.input(1), ctx.input(2))};
      }));

  registry.add(float_unary_op("Sqrt", F::sqrt));
  registry.add(float_unary_op("Exp", F::exp));
  registry.add(float_unary_op("Log", F::log));
  registry.add(float_unary_op("Erf", F::erf));
  registry.add(float_unary_op("Reciprocal", reciprocal));
  registry.add(make_op("Neg", 1, 1, infer_like_input0,
                       [](const KernelContext& ctx) { return std::vector<Tensor>{F::neg(ctx.input(0))}; }));
  registry.add(make_op("Abs", 1, 1, infer_like_input0,
                       [](const KernelContext& ctx) { return std::vector<Tensor>{F::abs(ctx.input(0))}; }));
}

}  // namespace octet::graph::ops
