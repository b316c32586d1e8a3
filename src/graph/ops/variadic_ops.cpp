// variadic_ops.cpp: ONNX's broadcasting Max, Min, Sum, Mean (one or more inputs), PRelu and Mod, on every numeric dtype Octet has.
//
// The inputs broadcast together (numpy's rules); floats are combined in double and rounded once
// to the inputs' dtype, integers in int64 and narrowed back (exact). Max and Min propagate NaN
// (numpy's maximum/minimum). Mod follows the attribute fmod: 0 (integers only) takes the sign of
// the divisor, like Python's %, and 1 the sign of the dividend, like C's fmod; an integer division
// by zero is an Error naming the node.
#include <cmath>
#include <functional>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"

namespace octet::graph::ops {
namespace {

struct Operands {
  Shape shape;
  DType dtype = kFloat32;
  bool floating = true;
  std::vector<Tensor> values;  // each expanded to `shape`, contiguous float64 or int64
};

Operands broadcast_all(const KernelContext& ctx, int64_t first, int64_t count) {
  Operands o;
  o.dtype = ctx.input(first).dtype();
  if (o.dtype == kBool || is_quantized(o.dtype)) ctx.fail(detail::str_cat("inputs must be numeric, got ", o.dtype));
  o.floating = is_floating_point(o.dtype);
  for (int64_t i = first; i < first + count; ++i) {
    const Tensor& t = ctx.input(i);
    if (t.dtype() != o.dtype) {
      ctx.fail(detail::str_cat("inputs must have the same dtype, got ", o.dtype, " and ", t.dtype(), " (input ", i, ")"));
    }
    o.shape = i == first ? t.shape() : broadcast_shapes(o.shape, t.shape(), ctx.node());
  }
  for (int64_t i = first; i < first + count; ++i) {
    o.values.push_back(ctx.input(i).to(o.floating ? kFloat64 : kInt64).expand(o.shape).contiguous());
  }
  return o;
}

template <typename T, typename Fn>
Tensor fold(const Operands& o, Fn fn) {
  Tensor acc = o.values[0].clone();
  T* a = acc.data_ptr<T>();
  for (size_t k = 1; k < o.values.size(); ++k) {
    const T* b = o.values[k].data_ptr<T>();
    for (int64_t i = 0, n = acc.numel(); i < n; ++i) a[i] = fn(a[i], b[i]);
  }
  return acc;
}

void infer_broadcast_same(InferenceContext& ctx) {
  std::vector<int64_t> all;
  for (int64_t i = 0; i < ctx.num_inputs(); ++i) all.push_back(i);
  ctx.set_output_type(0, TensorType(same_dtype(ctx, all), broadcast_inputs(ctx, all)));
}

OpDef variadic(std::string name, std::function<double(double, double)> fd, std::function<int64_t(int64_t, int64_t)> fi,
               bool mean = false) {
  return make_op(std::move(name), 1, 1 << 16, infer_broadcast_same, [=](const KernelContext& ctx) {
    const Operands o = broadcast_all(ctx, 0, ctx.num_inputs());
    if (o.floating) {
      Tensor r = fold<double>(o, fd);
      if (mean) {
        double* p = r.data_ptr<double>();
        for (int64_t i = 0, n = r.numel(); i < n; ++i) p[i] /= static_cast<double>(o.values.size());
      }
      return std::vector<Tensor>{r.to(o.dtype)};
    }
    if (!fi) ctx.fail(detail::str_cat("inputs must be floating point, got ", o.dtype));
    return std::vector<Tensor>{fold<int64_t>(o, fi).to(o.dtype)};
  });
}

double nan_max(double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : (a > b ? a : b); }
double nan_min(double a, double b) { return std::isnan(a) || std::isnan(b) ? NAN : (a < b ? a : b); }

}  // namespace

void register_variadic_ops(OpRegistry& registry) {
  registry.add(variadic("Max", nan_max, [](int64_t a, int64_t b) { return a > b ? a : b; }));
  registry.add(variadic("Min", nan_min, [](int64_t a, int64_t b) { return a < b ? a : b; }));
  registry.add(variadic("Sum", [](double a, double b) { return a + b; }, nullptr));
  registry.add(variadic("Mean", [](double a, double b) { return a + b; }, nullptr, /*mean=*/true));

  registry.add(make_op(
      "PRelu", 2, 2,
      [](InferenceContext& ctx) {
        check_dtype_in(ctx, 0, {kFloat32, kFloat64});
        ctx.set_output_type(0, TensorType(same_dtype(ctx, {0, 1}), broadcast_inputs(ctx, {0, 1})));
      },
      [](const KernelContext& ctx) {
        const Operands o = broadcast_all(ctx, 0, 2);
        if (!o.floating) ctx.fail(detail::str_cat("inputs must be floating point, got ", o.dtype));
        return std::vector<Tensor>{fold<double>(o, [](double x, double s) { return x < 0 ? s * x : x; }).to(o.dtype)};
      }));

  registry.add(make_op(
      "Mod", 2, 2, [](InferenceContext& ctx) { infer_broadcast_same(ctx); },
      [](const KernelContext& ctx) {
        const bool fmod = ctx.node().attr_int("fmod", 0) != 0;
        const Operands o = broadcast_all(ctx, 0, 2);
        if (o.floating) {
          if (!fmod) ctx.fail("fmod must be 1 for floating-point inputs");
          return std::vector<Tensor>{fold<double>(o, [](double a, double b) { return std::fmod(a, b); }).to(o.dtype)};
        }
        const Node& node = ctx.node();
        return std::vector<Tensor>{fold<int64_t>(o, [fmod, &node](int64_t a, int64_t b) {
                                     OCTET_CHECK(b != 0, node.describe(), "integer division by zero");
                                     int64_t r = a % b;
                                     if (!fmod && r != 0 && ((r < 0) != (b < 0))) r += b;
                                     return r;
                                   }).to(o.dtype)};
      }));
}

}  // namespace octet::graph::ops
