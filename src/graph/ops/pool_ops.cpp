// pool_ops.cpp: MaxPool, AveragePool (any pads, auto_pad, ceil_mode, count_include_pad), GlobalAveragePool and GlobalMaxPool.
#include <limits>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "graph/ops/window.h"
#include "octet/error.h"
#include "octet/functional.h"

namespace octet::graph::ops {
namespace {

namespace F = functional;

void infer_pool(InferenceContext& ctx) {
  check_dtype_in(ctx, 0, {kFloat32});
  const TensorType& x = ctx.input_type(0);
  if (ctx.num_outputs() > 1) ctx.fail("the Indices output is not supported");
  if (!x.shape) {
    ctx.set_output_type(0, TensorType(x.dtype));
    return;
  }
  const int64_t rank = x.rank();
  if (rank < 3 || rank > 5) ctx.fail(detail::str_cat("input must have 3 to 5 dims (N, C, spatial...), got ", rank));
  const Window win = read_window(ctx.node(), rank - 2, nullptr);
  Dims out = *x.shape;
  for (int64_t i = 0; i < rank - 2; ++i) out[static_cast<size_t>(2 + i)] = win.output_dim(i, (*x.shape)[static_cast<size_t>(2 + i)]);
  ctx.set_output_type(0, TensorType(x.dtype, out));
}

Window concrete_window(const KernelContext& ctx, const Tensor& x) {
  if (x.dim() < 3 || x.dim() > 5) ctx.fail(detail::str_cat("input must have 3 to 5 dims (N, C, spatial...), got ", x.dim()));
  if (ctx.num_outputs() > 1) ctx.fail("the Indices output is not supported");
  Window win = read_window(ctx.node(), x.dim() - 2, nullptr);
  win.resolve_pads(Shape(x.shape().begin() + 2, x.shape().end()));
  return win;
}

// F's pooling takes symmetric padding of at most half the kernel; anything else pads explicitly.
bool direct_pads(const Window& win) {
  if (!win.symmetric_pads()) return false;
  for (size_t i = 0; i < win.kernel.size(); ++i) {
    if (2 * win.pads_begin[i] > win.kernel[i]) return false;
  }
  return true;
}

Tensor max_pool(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Window win = concrete_window(ctx, x);
  if (ctx.node().attr_int("storage_order", 0) != 0) ctx.fail("storage_order = 1 is not supported");
  Tensor input = x;
  Shape pads = win.pads_begin;
  if (!direct_pads(win)) {
    input = F::pad(x, win.torch_pads(), "constant", -std::numeric_limits<double>::infinity());
    pads.assign(win.kernel.size(), 0);
  }
  const Shape k(win.kernel.begin(), win.kernel.end()), s(win.strides.begin(), win.strides.end()),
      d(win.dilations.begin(), win.dilations.end());
  switch (win.spatial()) {
    case 1: return F::max_pool1d(input, k, s, pads, d, win.ceil_mode);
    case 2: return F::max_pool2d(input, k, s, pads, d, win.ceil_mode);
    default: return F::max_pool3d(input, k, s, pads, d, win.ceil_mode);
  }
}

Tensor avg_pool_nd(const Tensor& x, const Shape& k, const Shape& s, const Shape& p, bool ceil_mode, bool include_pad,
                   std::optional<int64_t> divisor) {
  switch (k.size()) {
    case 1: return F::avg_pool1d(x, k, s, p, ceil_mode, include_pad, divisor);
    case 2: return F::avg_pool2d(x, k, s, p, ceil_mode, include_pad, divisor);
    default: return F::avg_pool3d(x, k, s, p, ceil_mode, include_pad, divisor);
  }
}

Tensor average_pool(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Window win = concrete_window(ctx, x);
  for (int64_t d : win.dilations) {
    if (d != 1) ctx.fail("dilations other than 1 are not supported");
  }
  const bool include_pad = ctx.node().attr_int("count_include_pad", 0) != 0;
  const Shape k(win.kernel.begin(), win.kernel.end()), s(win.strides.begin(), win.strides.end());
  if (direct_pads(win)) return avg_pool_nd(x, k, s, win.pads_begin, win.ceil_mode, include_pad, std::nullopt);
  // Other pads: zero-pad, then divide each window's sum by its count of real (or, with
  // count_include_pad, padded) elements.
  const Shape zero(win.kernel.size(), 0);
  const Tensor padded = F::pad(x, win.torch_pads());
  if (include_pad) return avg_pool_nd(padded, k, s, zero, win.ceil_mode, true, std::nullopt);
  const Tensor sums = avg_pool_nd(padded, k, s, zero, win.ceil_mode, true, 1);
  Shape plane(x.shape().begin() + 2, x.shape().end());
  plane.insert(plane.begin(), 1);
  const Tensor mask = F::pad(ones(plane), win.torch_pads());
  const Tensor counts = avg_pool_nd(mask, k, s, zero, win.ceil_mode, true, 1);
  return F::div(sums, counts);
}

void infer_global_pool(InferenceContext& ctx) {
  check_dtype_in(ctx, 0, {kFloat32});
  const TensorType& x = ctx.input_type(0);
  if (!x.shape) {
    ctx.set_output_type(0, TensorType(x.dtype));
    return;
  }
  if (x.rank() < 3) ctx.fail(detail::str_cat("input must have at least 3 dims (N, C, spatial...), got ", x.rank()));
  Dims out = *x.shape;
  for (size_t i = 2; i < out.size(); ++i) out[i] = Dim(1);
  ctx.set_output_type(0, TensorType(x.dtype, out));
}

Shape spatial_dims(const KernelContext& ctx, const Tensor& x) {
  if (x.dim() < 3) ctx.fail(detail::str_cat("input must have at least 3 dims (N, C, spatial...), got ", x.dim()));
  Shape dims;
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return dims;
}

}  // namespace

void register_pool_ops(OpRegistry& registry) {
  registry.add(make_op("MaxPool", 1, 1, infer_pool, [](const KernelContext& ctx) {
    return std::vector<Tensor>{max_pool(ctx)};
  }, 1, 2));
  registry.add(make_op("AveragePool", 1, 1, infer_pool, [](const KernelContext& ctx) {
    return std::vector<Tensor>{average_pool(ctx)};
  }));
  registry.add(make_op("GlobalAveragePool", 1, 1, infer_global_pool, [](const KernelContext& ctx) {
    const Tensor& x = ctx.input(0);
    return std::vector<Tensor>{F::mean(x, spatial_dims(ctx, x), /*keepdim=*/true)};
  }));
  registry.add(make_op("GlobalMaxPool", 1, 1, infer_global_pool, [](const KernelContext& ctx) {
    Tensor y = ctx.input(0);
    for (int64_t d : spatial_dims(ctx, y)) y = std::get<0>(F::max(y, d, /*keepdim=*/true));
    return std::vector<Tensor>{y};
  }));
}

}  // namespace octet::graph::ops
