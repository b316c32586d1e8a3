// linear_ops.cpp: MatMul (numpy's matmul), Gemm (alpha, beta, transA, transB) and octet::FusedGemm (Gemm + Relu/Clip).
#include "graph/ops/builtin_ops.h"
#include "graph/ops/fused_activation.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"
#include "octet/functional.h"

namespace octet::graph::ops {
namespace {

namespace F = functional;

void infer_matmul(InferenceContext& ctx) {
  const std::optional<DType> dtype = same_dtype(ctx, {0, 1});
  const TensorType& a = ctx.input_type(0);
  const TensorType& b = ctx.input_type(1);
  if (!a.shape || !b.shape) {
    ctx.set_output_type(0, TensorType(dtype));
    return;
  }
  if (a.rank() == 0 || b.rank() == 0) ctx.fail("inputs must have at least 1 dim");
  Dims da = *a.shape, db = *b.shape;
  if (a.rank() == 1) da.insert(da.begin(), Dim(1));
  if (b.rank() == 1) db.push_back(Dim(1));
  const Dim& ka = da[da.size() - 1];
  const Dim& kb = db[db.size() - 2];
  if (ka.is_static() && kb.is_static() && ka.size() != kb.size()) {
    ctx.fail(detail::str_cat("the inner dims do not match: ", a.to_string(), " x ", b.to_string()));
  }
  Dims out = broadcast_dims(Dims(da.begin(), da.end() - 2), Dims(db.begin(), db.end() - 2), ctx);
  if (a.rank() != 1) out.push_back(da[da.size() - 2]);
  if (b.rank() != 1) out.push_back(db[db.size() - 1]);
  ctx.set_output_type(0, TensorType(dtype, out));
}

void infer_gemm(InferenceContext& ctx) {
  const std::optional<DType> dtype = same_dtype(ctx, {0, 1});
  if (ctx.node().domain() == kOctetDomain) check_fused_activation(ctx.node());
  const TensorType& a = ctx.input_type(0);
  const TensorType& b = ctx.input_type(1);
  if (a.shape && a.rank() != 2) ctx.fail(detail::str_cat("input A must have 2 dims, got ", a.to_string()));
  if (b.shape && b.rank() != 2) ctx.fail(detail::str_cat("input B must have 2 dims, got ", b.to_string()));
  const bool ta = ctx.node().attr_int("transA", 0) != 0;
  const bool tb = ctx.node().attr_int("transB", 0) != 0;
  Dims out(2);
  if (a.shape && b.shape) {
    const Dim& ka = (*a.shape)[ta ? 0 : 1];
    const Dim& kb = (*b.shape)[tb ? 1 : 0];
    if (ka.is_static() && kb.is_static() && ka.size() != kb.size()) {
      ctx.fail(detail::str_cat("the inner dims do not match: A ", a.to_string(), (ta ? " (transposed)" : ""), ", B ",
                               b.to_string(), (tb ? " (transposed)" : "")));
    }
  }
  if (a.shape) out[0] = (*a.shape)[ta ? 1 : 0];
  if (b.shape) out[1] = (*b.shape)[tb ? 0 : 1];
  const TensorType& c = ctx.input_type(2);
  if (ctx.has_input(2) && c.shape) {
    // C broadcasts to (M, N) one way only.
    const Dims bc = broadcast_dims(out, *c.shape, ctx);
    if (bc.size() != 2) ctx.fail(detail::str_cat("input C ", c.to_string(), " does not broadcast to (M, N)"));
  }
  ctx.set_output_type(0, TensorType(dtype, out));
}

Tensor gemm(const KernelContext& ctx) {
  const Node& node = ctx.node();
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.dim() != 2 || b.dim() != 2) {
    ctx.fail(detail::str_cat("inputs A and B must have 2 dims, got ", shape_to_string(a.shape()), " and ",
                             shape_to_string(b.shape())));
  }
  const bool ta = node.attr_int("transA", 0) != 0;
  const bool tb = node.attr_int("transB", 0) != 0;
  const float alpha = node.attr_float("alpha", 1.0f);
  const float beta = node.attr_float("beta", 1.0f);
  const Tensor A = ta ? a.t() : a;
  const Tensor c = ctx.has_input(2) ? ctx.input(2) : Tensor();
  // The common exported form (a Linear layer): y = A * W^T + bias, W stored (N, K).
  if (tb && alpha == 1.0f && (!c.defined() || (beta == 1.0f && c.dim() == 1 && c.size(0) == b.size(0)))) {
    return F::linear(A, b, c);
  }
  Tensor y = F::matmul(A, tb ? b.t() : b);
  if (alpha != 1.0f) y = F::mul(y, alpha);
  if (c.defined() && beta != 0.0f) {
    const Shape target = broadcast_shapes(y.shape(), c.shape(), node);
    if (target != y.shape()) ctx.fail(detail::str_cat("input C ", shape_to_string(c.shape()), " does not broadcast to ", shape_to_string(y.shape())));
    y = F::add(y, beta == 1.0f ? c : F::mul(c, beta));
  }
  return y;
}

}  // namespace

void register_linear_ops(OpRegistry& registry) {
  registry.add(make_op("MatMul", 2, 2, infer_matmul, [](const KernelContext& ctx) {
    return std::vector<Tensor>{F::matmul(ctx.input(0), ctx.input(1))};
  }));
  registry.add(make_op("Gemm", 2, 3, infer_gemm, [](const KernelContext& ctx) { return std::vector<Tensor>{gemm(ctx)}; }));
  registry.add(make_op(
      "FusedGemm", 2, 3, infer_gemm,
      [](const KernelContext& ctx) {
        Tensor y = gemm(ctx).contiguous();
        // The activation writes in place: never into a tensor the Gemm did not make.
        if (y.storage() == ctx.input(0).storage() || y.storage() == ctx.input(1).storage() ||
            (ctx.has_input(2) && y.storage() == ctx.input(2).storage())) {
          y = y.clone();
        }
        apply_fused_activation(ctx.node(), y);
        return std::vector<Tensor>{y};
      },
      1, 1, std::string(kOctetDomain)));
}

}  // namespace octet::graph::ops
