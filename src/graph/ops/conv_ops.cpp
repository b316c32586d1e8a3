// conv_ops.cpp: Conv (1-D to 3-D, groups, dilations, any pads and auto_pad) and octet::FusedConv (Conv + Relu/Clip).
#include "graph/ops/builtin_ops.h"
#include "graph/ops/fused_activation.h"
#include "graph/ops/op_util.h"
#include "graph/ops/window.h"
#include "octet/error.h"
#include "octet/functional.h"

namespace octet::graph::ops {
namespace {

namespace F = functional;

void infer_conv(InferenceContext& ctx) {
  const std::optional<DType> dtype = same_dtype(ctx, {0, 1});
  const TensorType& x = ctx.input_type(0);
  const TensorType& w = ctx.input_type(1);
  if (ctx.node().domain() == kOctetDomain) check_fused_activation(ctx.node());
  int64_t rank = x.shape ? x.rank() : (w.shape ? w.rank() : -1);
  if (rank < 0) {
    ctx.set_output_type(0, TensorType(dtype));
    return;
  }
  if (rank < 3 || rank > 5) ctx.fail(detail::str_cat("input must have 3 to 5 dims (N, C, spatial...), got ", rank));
  if (w.shape && w.rank() != rank) {
    ctx.fail(detail::str_cat("weight has ", w.rank(), " dims, the input ", rank));
  }
  const int64_t spatial = rank - 2;
  std::vector<int64_t> kernel;
  bool kernel_known = w.shape.has_value();
  if (kernel_known) {
    for (int64_t i = 0; i < spatial; ++i) {
      const Dim& d = (*w.shape)[static_cast<size_t>(2 + i)];
      if (!d.is_static()) kernel_known = false;
      kernel.push_back(d.is_static() ? d.size() : 0);
    }
  }
  if (!kernel_known && !ctx.node().has_attr("kernel_shape")) {
    Dims out(static_cast<size_t>(rank));
    if (x.shape) out[0] = (*x.shape)[0];
    if (w.shape) out[1] = (*w.shape)[0];
    ctx.set_output_type(0, TensorType(dtype, out));
    return;
  }
  const Window win = read_window(ctx.node(), spatial, kernel_known ? &kernel : nullptr);
  const int64_t group = ctx.node().attr_int("group", 1);
  if (group < 1) ctx.fail(detail::str_cat("attribute 'group' must be >= 1, got ", group));
  if (x.shape && w.shape) {
    const Dim& c = (*x.shape)[1];
    const Dim& wc = (*w.shape)[1];
    if (c.is_static() && wc.is_static() && c.size() != wc.size() * group) {
      ctx.fail(detail::str_cat("input has ", c.size(), " channels but the weight expects ", wc.size() * group,
                               " (", wc.size(), " per group, group ", group, ")"));
    }
  }
  Dims out(static_cast<size_t>(rank));
  if (x.shape) {
    out[0] = (*x.shape)[0];
    for (int64_t i = 0; i < spatial; ++i) out[static_cast<size_t>(2 + i)] = win.output_dim(i, (*x.shape)[static_cast<size_t>(2 + i)]);
  }
  if (w.shape) out[1] = (*w.shape)[0];
  ctx.set_output_type(0, TensorType(dtype, out));
}

Tensor conv(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  const Tensor b = ctx.has_input(2) ? ctx.input(2) : Tensor();
  if (x.dim() < 3 || x.dim() > 5) ctx.fail(detail::str_cat("input must have 3 to 5 dims (N, C, spatial...), got ", x.dim()));
  if (w.dim() != x.dim()) ctx.fail(detail::str_cat("weight has ", w.dim(), " dims, the input ", x.dim()));
  const int64_t spatial = x.dim() - 2;
  const std::vector<int64_t> kernel(w.shape().begin() + 2, w.shape().end());
  Window win = read_window(ctx.node(), spatial, &kernel);
  win.resolve_pads(Shape(x.shape().begin() + 2, x.shape().end()));
  const int64_t group = ctx.node().attr_int("group", 1);
  Tensor input = x;
  Shape pads = win.pads_begin;
  if (!win.symmetric_pads()) {
    // Asymmetric padding (SAME_* with an odd total, or explicit): pad with zeros first.
    input = F::pad(x, win.torch_pads());
    pads.assign(static_cast<size_t>(spatial), 0);
  }
  const Shape strides(win.strides.begin(), win.strides.end());
  const Shape dilations(win.dilations.begin(), win.dilations.end());
  switch (spatial) {
    case 1: return F::conv1d(input, w, b, strides, pads, dilations, group);
    case 2: return F::conv2d(input, w, b, strides, pads, dilations, group);
    default: return F::conv3d(input, w, b, strides, pads, dilations, group);
  }
}

}  // namespace

void register_conv_ops(OpRegistry& registry) {
  registry.add(make_op("Conv", 2, 3, infer_conv, [](const KernelContext& ctx) { return std::vector<Tensor>{conv(ctx)}; }));
  registry.add(make_op(
      "FusedConv", 2, 3, infer_conv,
      [](const KernelContext& ctx) {
        Tensor y = conv(ctx);
        apply_fused_activation(ctx.node(), y);
        return std::vector<Tensor>{y};
      },
      1, 1, std::string(kOctetDomain)));
}

}  // namespace octet::graph::ops
