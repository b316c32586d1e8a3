// unary_math_ops.cpp: ONNX's remaining elementwise functions of one float tensor: rounding, trigonometry, Softplus/Softsign/Elu/Selu/Celu/ThresholdedRelu/Shrink, IsNaN, IsInf.
//
// Each is computed in the input's precision (float32 or float64) with the C library's function,
// as ONNX Runtime's CPU kernels do; Round rounds half to even (std::nearbyint in the default
// rounding mode), as ONNX specifies.
#include <cmath>
#include <functional>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"

namespace octet::graph::ops {
namespace {

using UnaryFn = std::function<double(double)>;
// Attributes -> the function, so alpha/beta are read once per run.
using UnaryMaker = std::function<UnaryFn(const Node&)>;

template <typename T>
Tensor map_typed(const Tensor& x, const UnaryFn& fn) {
  const Tensor in = x.contiguous();
  Tensor out = empty(in.shape(), in.dtype());
  const T* s = in.data_ptr<T>();
  T* d = out.data_ptr<T>();
  for (int64_t i = 0, n = in.numel(); i < n; ++i) d[i] = static_cast<T>(fn(static_cast<double>(s[i])));
  return out;
}

OpDef float_op(std::string name, UnaryMaker make) {
  return make_op(
      std::move(name), 1, 1,
      [](InferenceContext& ctx) {
        check_dtype_in(ctx, 0, {kFloat32, kFloat64});
        infer_like_input0(ctx);
      },
      [make](const KernelContext& ctx) {
        const Tensor& x = ctx.input(0);
        const UnaryFn fn = make(ctx.node());
        if (x.dtype() == kFloat32) return std::vector<Tensor>{map_typed<float>(x, fn)};
        if (x.dtype() == kFloat64) return std::vector<Tensor>{map_typed<double>(x, fn)};
        ctx.fail(detail::str_cat("input must be float32 or float64, got ", x.dtype()));
      });
}

OpDef plain(std::string name, double (*fn)(double)) {
  return float_op(std::move(name), [fn](const Node&) { return UnaryFn(fn); });
}

// IsNaN / IsInf: a bool tensor of the same shape.
OpDef float_predicate(std::string name, std::function<std::function<bool(double)>(const Node&)> make) {
  return make_op(
      std::move(name), 1, 1,
      [](InferenceContext& ctx) {
        check_dtype_in(ctx, 0, {kFloat32, kFloat64});
        ctx.set_output_type(0, TensorType(kBool, ctx.input_type(0).shape));
      },
      [make](const KernelContext& ctx) {
        const Tensor& x = ctx.input(0);
        if (!is_floating_point(x.dtype())) ctx.fail(detail::str_cat("input must be floating point, got ", x.dtype()));
        const std::function<bool(double)> pred = make(ctx.node());
        const Tensor in = x.to(kFloat64).contiguous();
        Tensor out = empty(in.shape(), kBool);
        const double* s = in.data_ptr<double>();
        bool* d = out.data_ptr<bool>();
        for (int64_t i = 0, n = in.numel(); i < n; ++i) d[i] = pred(s[i]);
        return std::vector<Tensor>{out};
      });
}

double sign(double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : v); }  // keeps 0, -0 and NaN

}  // namespace

void register_unary_math_ops(OpRegistry& registry) {
  registry.add(plain("Floor", [](double v) { return std::floor(v); }));
  registry.add(plain("Ceil", [](double v) { return std::ceil(v); }));
  registry.add(plain("Round", [](double v) { return std::nearbyint(v); }));
  registry.add(plain("Sin", [](double v) { return std::sin(v); }));
  registry.add(plain("Cos", [](double v) { return std::cos(v); }));
  registry.add(plain("Tan", [](double v) { return std::tan(v); }));
  registry.add(plain("Asin", [](double v) { return std::asin(v); }));
  registry.add(plain("Acos", [](double v) { return std::acos(v); }));
  registry.add(plain("Atan", [](double v) { return std::atan(v); }));
  registry.add(plain("Sinh", [](double v) { return std::sinh(v); }));
  registry.add(plain("Cosh", [](double v) { return std::cosh(v); }));
  registry.add(plain("Asinh", [](double v) { return std::asinh(v); }));
  registry.add(plain("Acosh", [](double v) { return std::acosh(v); }));
  registry.add(plain("Atanh", [](double v) { return std::atanh(v); }));
  registry.add(plain("Softsign", [](double v) { return v / (1.0 + std::fabs(v)); }));
  // log(1 + e^x) without overflow for large x.
  registry.add(plain("Softplus", [](double v) { return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); }));
  registry.add(float_op("Sign", [](const Node&) { return UnaryFn(sign); }));
  registry.add(float_op("Elu", [](const Node& n) {
    const double a = n.attr_float("alpha", 1.0f);
    return UnaryFn([a](double v) { return v >= 0 ? v : a * std::expm1(v); });
  }));
  registry.add(float_op("Selu", [](const Node& n) {
    const double a = n.attr_float("alpha", 1.67326319217681884765625f);
    const double g = n.attr_float("gamma", 1.05070102214813232421875f);
    return UnaryFn([a, g](double v) { return v > 0 ? g * v : g * a * std::expm1(v); });
  }));
  registry.add(float_op("Celu", [](const Node& n) {
    const double a = n.attr_float("alpha", 1.0f);
    if (a == 0) OCTET_FAIL(n.describe(), "alpha must not be 0");
    return UnaryFn([a](double v) { return std::max(0.0, v) + std::min(0.0, a * std::expm1(v / a)); });
  }));
  registry.add(float_op("ThresholdedRelu", [](const Node& n) {
    const double a = n.attr_float("alpha", 1.0f);
    return UnaryFn([a](double v) { return v > a ? v : 0.0; });
  }));
  registry.add(float_op("Shrink", [](const Node& n) {
    const double bias = n.attr_float("bias", 0.0f), lambd = n.attr_float("lambd", 0.5f);
    return UnaryFn([bias, lambd](double v) { return v < -lambd ? v + bias : (v > lambd ? v - bias : 0.0); });
  }));
  registry.add(float_predicate("IsNaN", [](const Node&) { return [](double v) { return std::isnan(v); }; }));
  registry.add(float_predicate("IsInf", [](const Node& n) {
    const bool neg = n.attr_int("detect_negative", 1) != 0, pos = n.attr_int("detect_positive", 1) != 0;
    return [neg, pos](double v) { return std::isinf(v) && ((v > 0 && pos) || (v < 0 && neg)); };
  }));
}

}  // namespace octet::graph::ops
