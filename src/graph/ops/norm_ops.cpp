// norm_ops.cpp: BatchNormalization (inference), LayerNormalization (with its optional Mean and InvStdDev), Softmax and LogSoftmax.
#include <cmath>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"
#include "octet/functional.h"

namespace octet::graph::ops {
namespace {

namespace F = functional;

void infer_batch_norm(InferenceContext& ctx) {
  check_dtype_in(ctx, 0, {kFloat32});
  if (ctx.node().attr_int("training_mode", 0) != 0) ctx.fail("training_mode = 1 is not supported (inference only)");
  if (ctx.num_outputs() > 1) ctx.fail("the running mean and variance outputs (training mode) are not supported");
  const TensorType& x = ctx.input_type(0);
  if (x.shape && x.rank() < 2) ctx.fail(detail::str_cat("input must have at least 2 dims (N, C, ...), got ", x.to_string()));
  for (int64_t i = 1; i < 5; ++i) {
    const TensorType& p = ctx.input_type(i);
    if (p.shape && p.rank() != 1) ctx.fail(detail::str_cat("input ", i, " must be 1-D (one value per channel), got ", p.to_string()));
    if (p.shape && x.shape && (*p.shape)[0].is_static() && (*x.shape)[1].is_static() &&
        (*p.shape)[0].size() != (*x.shape)[1].size()) {
      ctx.fail(detail::str_cat("input ", i, " has ", (*p.shape)[0].size(), " values for ", (*x.shape)[1].size(), " channels"));
    }
  }
  infer_like_input0(ctx);
}

Tensor batch_norm(const KernelContext& ctx) {
  const Node& node = ctx.node();
  if (node.attr_int("training_mode", 0) != 0) ctx.fail("training_mode = 1 is not supported (inference only)");
  if (ctx.num_outputs() > 1) ctx.fail("the running mean and variance outputs (training mode) are not supported");
  return F::batch_norm(ctx.input(0), ctx.input(3), ctx.input(4), ctx.input(1), ctx.input(2), /*training=*/false,
                       node.attr_float("momentum", 0.9f), node.attr_float("epsilon", 1e-5f));
}

void infer_layer_norm(InferenceContext& ctx) {
  check_dtype_in(ctx, 0, {kFloat32});
  const TensorType& x = ctx.input_type(0);
  ctx.set_output_type(0, x);
  if (!x.shape) return;
  const int64_t axis = normalize_axis(ctx.node().attr_int("axis", -1), x.rank(), ctx.node());
  Dims stats = *x.shape;
  for (size_t i = static_cast<size_t>(axis); i < stats.size(); ++i) stats[i] = Dim(1);
  ctx.set_output_type(1, TensorType(kFloat32, stats));
  ctx.set_output_type(2, TensorType(kFloat32, stats));
}

std::vector<Tensor> layer_norm(const KernelContext& ctx) {
  const Node& node = ctx.node();
  const Tensor& x = ctx.input(0);
  const int64_t axis = normalize_axis(node.attr_int("axis", -1), x.dim(), node);
  const float eps = node.attr_float("epsilon", 1e-5f);
  const Shape normalized(x.shape().begin() + axis, x.shape().end());
  // Scale and B broadcast to the normalised shape.
  auto fit = [&](const Tensor& t) {
    if (!t.defined() || t.shape() == normalized) return t;
    return t.reshape(Shape(t.shape().end() - std::min<int64_t>(t.dim(), static_cast<int64_t>(normalized.size())),
                           t.shape().end()))
        .expand(normalized)
        .contiguous();
  };
  std::vector<Tensor> out(static_cast<size_t>(ctx.num_outputs()));
  out[0] = F::layer_norm(x, normalized, fit(ctx.input(1)), fit(ctx.has_input(2) ? ctx.input(2) : Tensor()), eps);
  if (ctx.num_outputs() > 1) {
    Shape dims;
    for (int64_t d = axis; d < x.dim(); ++d) dims.push_back(d);
    const Tensor mean = F::mean(x, dims, /*keepdim=*/true);
    const Tensor centered = F::sub(x, mean);
    const Tensor var = F::mean(F::mul(centered, centered), dims, /*keepdim=*/true);
    out[1] = mean;
    if (ctx.num_outputs() > 2) out[2] = F::rsqrt(F::add(var, eps));
  }
  return out;
}

// Softmax and LogSoftmax: from opset 13 along one axis (default -1); before, over the input
// flattened to 2-D at axis (default 1).
Tensor softmax_onnx(const KernelContext& ctx, bool log) {
  const Tensor& x = ctx.input(0);
  if (ctx.opset() >= 13) {
    const int64_t axis = normalize_axis(ctx.node().attr_int("axis", -1), x.dim(), ctx.node());
    return log ? F::log_softmax(x, axis) : F::softmax(x, axis);
  }
  const int64_t axis = x.dim() == 0 ? 0 : normalize_axis(ctx.node().attr_int("axis", 1), x.dim(), ctx.node());
  int64_t rows = 1;
  for (int64_t d = 0; d < axis; ++d) rows *= x.size(d);
  const Tensor flat = x.reshape({rows, rows == 0 ? 0 : x.numel() / std::max<int64_t>(rows, 1)});
  const Tensor y = log ? F::log_softmax(flat, 1) : F::softmax(flat, 1);
  return y.reshape(x.shape());
}

void infer_softmax(InferenceContext& ctx) {
  check_dtype_in(ctx, 0, {kFloat32});
  const TensorType& x = ctx.input_type(0);
  if (x.shape) {
    const int64_t fallback = ctx.opset() >= 13 ? -1 : 1;
    if (x.rank() > 0 || ctx.opset() >= 13) normalize_axis(ctx.node().attr_int("axis", fallback), x.rank(), ctx.node());
  }
  infer_like_input0(ctx);
}

}  // namespace

void register_norm_ops(OpRegistry& registry) {
  registry.add(make_op("BatchNormalization", 5, 5, infer_batch_norm,
                       [](const KernelContext& ctx) { return std::vector<Tensor>{batch_norm(ctx)}; }, 1, 3));
  registry.add(make_op("LayerNormalization", 2, 3, infer_layer_norm, layer_norm, 1, 3));
  registry.add(make_op("Softmax", 1, 1, infer_softmax,
                       [](const KernelContext& ctx) { return std::vector<Tensor>{softmax_onnx(ctx, false)}; }));
  registry.add(make_op("LogSoftmax", 1, 1, infer_softmax,
                       [](const KernelContext& ctx) { return std::vector<Tensor>{softmax_onnx(ctx, true)}; }));
}

}  // namespace octet::graph::ops
