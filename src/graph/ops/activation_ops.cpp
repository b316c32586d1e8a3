// activation_ops.cpp: activations with ONNX's attributes: Relu, LeakyRelu, Sigmoid, Tanh, Clip, HardSigmoid, HardSwish, Gelu.
#include <optional>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"
#include "octet/functional.h"

namespace octet::graph::ops {
namespace {

namespace F = functional;

void infer_float(InferenceContext& ctx) {
  check_dtype_in(ctx, 0, {kFloat32});
  infer_like_input0(ctx);
}

OpDef float_activation(std::string name, std::function<Tensor(const KernelContext&, const Tensor&)> fn) {
  return make_op(std::move(name), 1, 1, infer_float,
                 [fn](const KernelContext& ctx) { return std::vector<Tensor>{fn(ctx, ctx.input(0))}; });
}

// A bound of Clip given as an input: its one element, kept integral for integer tensors.
std::optional<Scalar> clip_bound(const KernelContext& ctx, int64_t i, const char* what) {
  if (!ctx.has_input(i)) return std::nullopt;
  const Tensor& t = ctx.input(i);
  const double v = tensor_to_double(t, ctx.node(), what);
  if (is_floating_point(t.dtype())) return Scalar(v);
  return Scalar(static_cast<int64_t>(v));
}

Tensor clip(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  std::optional<Scalar> lo, hi;
  if (ctx.opset() < 11) {
    // Clip-6: bounds are attributes.
    if (ctx.node().has_attr("min")) lo = Scalar(ctx.node().attr_float("min"));
    if (ctx.node().has_attr("max")) hi = Scalar(ctx.node().attr_float("max"));
  } else {
    lo = clip_bound(ctx, 1, "min");
    hi = clip_bound(ctx, 2, "max");
  }
  if (!lo && !hi) return x;
  return F::clamp(x, lo, hi);
}

}  // namespace

void register_activation_ops(OpRegistry& registry) {
  registry.add(make_op("Relu", 1, 1, infer_like_input0, [](const KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    return std::vector<Tensor>{x.dtype() == kFloat32 ? F::relu(x) : F::clamp_min(x, 0)};
  }));
  registry.add(float_activation("LeakyRelu", [](const KernelContext& ctx, const Tensor& x) {
    return F::leaky_relu(x, ctx.node().attr_float("alpha", 0.01f));
  }));
  registry.add(float_activation("Sigmoid", [](const KernelContext&, const Tensor& x) { return F::sigmoid(x); }));
  registry.add(float_activation("Tanh", [](const KernelContext&, const Tensor& x) { return F::tanh(x); }));
  registry.add(float_activation("HardSwish", [](const KernelContext&, const Tensor& x) { return F::hardswish(x); }));
  registry.add(float_activation("HardSigmoid", [](const KernelContext& ctx, const Tensor& x) {
    // y = max(0, min(1, alpha * x + beta)); NaN stays NaN.
    const float alpha = ctx.node().attr_float("alpha", 0.2f);
    const float beta = ctx.node().attr_float("beta", 0.5f);
    if (x.dtype() != kFloat32) ctx.fail(detail::str_cat("input must be float32, got ", x.dtype()));
    return map_float(x, [=](float v) {
      const float y = alpha * v + beta;
      return y < 0.0f ? 0.0f : (y > 1.0f ? 1.0f : y);
    });
  }));
  registry.add(float_activation("Gelu", [](const KernelContext& ctx, const Tensor& x) {
    const std::string approximate = ctx.node().attr_string("approximate", "none");
    if (approximate != "none" && approximate != "tanh") {
      ctx.fail(detail::str_cat("attribute 'approximate' must be \"none\" or \"tanh\", got \"", approximate, "\""));
    }
    return F::gelu(x, approximate);
  }));
  registry.add(make_op("Clip", 1, 3, infer_like_input0,
                       [](const KernelContext& ctx) { return std::vector<Tensor>{clip(ctx)}; }));
}

}  // namespace octet::graph::ops
