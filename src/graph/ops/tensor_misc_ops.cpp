// tensor_misc_ops.cpp: ONNX's Tile, DepthToSpace, SpaceToDepth, Size, CumSum, Trilu and InstanceNormalization.
//
// Tile and the depth/space rearrangements are views and one copy (reshape, permute, expand);
// CumSum runs along its axis in double (floats) or int64 (integers); Trilu keeps the upper (j - i
// >= k) or lower (j - i <= k) triangle of the last two dims; InstanceNormalization normalises
// each (n, c) plane over its spatial dims with statistics in double.
#include <cmath>
#include <cstring>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"

namespace octet::graph::ops {
namespace {

Tensor tile(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const std::vector<int64_t> reps = tensor_to_ints(ctx.input(1), ctx.node(), "repeats");
  if (static_cast<int64_t>(reps.size()) != x.dim()) {
    ctx.fail(detail::str_cat("repeats has ", reps.size(), " values for an input of rank ", x.dim()));
  }
  // [d0, d1] viewed as [1, d0, 1, d1], expanded to [r0, d0, r1, d1], read as [r0 * d0, r1 * d1].
  Shape view, expanded, out;
  for (int64_t d = 0; d < x.dim(); ++d) {
    const int64_t r = reps[static_cast<size_t>(d)];
    if (r < 0) ctx.fail(detail::str_cat("repeats must be >= 0, got ", r));
    view.insert(view.end(), {1, x.size(d)});
    expanded.insert(expanded.end(), {r, x.size(d)});
    out.push_back(r * x.size(d));
  }
  if (shape_numel(out) == 0) return empty(out, x.dtype());
  return x.contiguous().reshape(view).expand(expanded).contiguous().reshape(out);
}

Tensor depth_space(const KernelContext& ctx, bool to_space) {
  const Tensor& x = ctx.input(0);
  const int64_t b = ctx.node().attr_int("blocksize");
  if (x.dim() != 4) ctx.fail(detail::str_cat("input must be 4-D (N, C, H, W), got ", shape_to_string(x.shape())));
  if (b < 1) ctx.fail(detail::str_cat("blocksize must be >= 1, got ", b));
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  if (to_space) {
    if (c % (b * b) != 0) ctx.fail(detail::str_cat("channels ", c, " must divide by blocksize^2 = ", b * b));
    const bool crd = ctx.node().attr_string("mode", "DCR") == "CRD";
    const Tensor t = crd ? x.reshape({n, c / (b * b), b, b, h, w}).permute({0, 1, 4, 2, 5, 3})
                         : x.reshape({n, b, b, c / (b * b), h, w}).permute({0, 3, 4, 1, 5, 2});
    return t.contiguous().reshape({n, c / (b * b), h * b, w * b});
  }
  if (h % b != 0 || w % b != 0) ctx.fail(detail::str_cat("height ", h, " and width ", w, " must divide by blocksize ", b));
  return x.reshape({n, c, h / b, b, w / b, b}).permute({0, 3, 5, 1, 2, 4}).contiguous().reshape({n, c * b * b, h / b, w / b});
}

template <typename T>
void cumsum_runs(T* p, int64_t outer, int64_t len, int64_t inner, bool exclusive, bool reverse) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      T acc = 0;
      for (int64_t k = 0; k < len; ++k) {
        const int64_t j = reverse ? len - 1 - k : k;
        T& v = p[(o * len + j) * inner + i];
        const T here = v;
        v = exclusive ? acc : acc + here;
        acc += here;
      }
    }
  }
}

Tensor cumsum(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.dtype() == kBool || x.is_quantized()) ctx.fail(detail::str_cat("input must be numeric, got ", x.dtype()));
  const std::vector<int64_t> a = tensor_to_ints(ctx.input(1), ctx.node(), "axis");
  if (a.size() != 1) ctx.fail("axis must hold one value");
  const int64_t axis = normalize_axis(a[0], x.dim(), ctx.node());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.size(d);
  for (int64_t d = axis + 1; d < x.dim(); ++d) inner *= x.size(d);
  const bool exclusive = ctx.node().attr_int("exclusive", 0) != 0, reverse = ctx.node().attr_int("reverse", 0) != 0;
  if (is_floating_point(x.dtype())) {
    Tensor t = x.to(kFloat64).contiguous().clone();
    cumsum_runs(t.data_ptr<double>(), outer, x.size(axis), inner, exclusive, reverse);
    return t.to(x.dtype());
  }
  Tensor t = x.to(kInt64).contiguous().clone();
  cumsum_runs(t.data_ptr<int64_t>(), outer, x.size(axis), inner, exclusive, reverse);
  return t.to(x.dtype());
}

Tensor trilu(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.dim() < 2) ctx.fail(detail::str_cat("input must have at least 2 dims, got ", x.dim()));
  int64_t k = 0;
  if (ctx.has_input(1)) {
    const std::vector<int64_t> kv = tensor_to_ints(ctx.input(1), ctx.node(), "k");
    if (kv.size() != 1) ctx.fail("k must hold one value");
    k = kv[0];
  }
  const bool upper = ctx.node().attr_int("upper", 1) != 0;
  Tensor y = x.contiguous().clone();
  const int64_t rows = x.size(-2), cols = x.size(-1), mats = rows * cols == 0 ? 0 : x.numel() / (rows * cols);
  const size_t esize = y.element_size();
  char* p = static_cast<char*>(y.raw_data());
  for (int64_t m = 0; m < mats; ++m) {
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) {
        const bool keep = upper ? j - i >= k : j - i <= k;
        if (!keep) std::memset(p + static_cast<size_t>((m * rows + i) * cols + j) * esize, 0, esize);
      }
    }
  }
  return y;
}

Tensor instance_norm(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.dtype() != kFloat32) ctx.fail(detail::str_cat("input must be float32, got ", x.dtype()));
  if (x.dim() < 3) ctx.fail(detail::str_cat("input must have at least 3 dims (N, C, spatial...), got ", x.dim()));
  const int64_t n = x.size(0), c = x.size(1), plane = x.numel() / std::max<int64_t>(n * c, 1);
  const Tensor scale = ctx.input(1).to(kFloat64).contiguous(), bias = ctx.input(2).to(kFloat64).contiguous();
  if (scale.numel() != c || bias.numel() != c) {
    ctx.fail(detail::str_cat("scale and B must hold ", c, " values, got ", scale.numel(), " and ", bias.numel()));
  }
  const double eps = ctx.node().attr_float("epsilon", 1e-5f);
  const Tensor src = x.contiguous();
  Tensor y = empty(x.shape(), kFloat32);
  const float* s = src.data_ptr<float>();
  float* d = y.data_ptr<float>();
  for (int64_t i = 0; i < n * c; ++i) {
    const float* in = s + i * plane;
    double mean = 0, var = 0;
    for (int64_t k = 0; k < plane; ++k) mean += in[k];
    mean /= static_cast<double>(plane);
    for (int64_t k = 0; k < plane; ++k) var += (in[k] - mean) * (in[k] - mean);
    var /= static_cast<double>(plane);
    const double a = scale.data_ptr<double>()[i % c] / std::sqrt(var + eps), b = bias.data_ptr<double>()[i % c];
    for (int64_t k = 0; k < plane; ++k) d[i * plane + k] = static_cast<float>((in[k] - mean) * a + b);
  }
  return y;
}

void infer_tile(InferenceContext& ctx) {
  const TensorType& x = ctx.input_type(0);
  const Tensor& reps = ctx.input_constant(1);
  if (!x.shape || !reps.defined()) {
    ctx.set_output_type(0, TensorType(x.dtype, x.shape ? std::optional<Dims>(Dims(x.shape->size())) : std::nullopt));
    return;
  }
  const std::vector<int64_t> r = tensor_to_ints(reps, ctx.node(), "repeats");
  if (r.size() != x.shape->size()) ctx.fail(detail::str_cat("repeats has ", r.size(), " values for an input of rank ", x.rank()));
  Dims out = *x.shape;
  for (size_t i = 0; i < out.size(); ++i) {
    if (r[i] == 1) continue;
    out[i] = out[i].is_static() ? Dim(out[i].size() * r[i]) : Dim();
  }
  ctx.set_output_type(0, TensorType(x.dtype, out));
}

void infer_depth_space(InferenceContext& ctx, bool to_space) {
  const TensorType& x = ctx.input_type(0);
  const int64_t b = ctx.node().attr_int("blocksize");
  if (!x.shape) {
    ctx.set_output_type(0, TensorType(x.dtype));
    return;
  }
  if (x.rank() != 4) ctx.fail(detail::str_cat("input must be 4-D (N, C, H, W), got ", x.to_string()));
  // DepthToSpace: C / b^2, H * b, W * b; SpaceToDepth: C * b^2, H / b, W / b.
  Dims out = *x.shape;
  auto scaled = [&](const Dim& d, bool mul, int64_t f) {
    if (!d.is_static()) return Dim();
    return mul ? Dim(d.size() * f) : (d.size() % f == 0 ? Dim(d.size() / f) : Dim());
  };
  out[1] = scaled(out[1], !to_space, b * b);
  out[2] = scaled(out[2], to_space, b);
  out[3] = scaled(out[3], to_space, b);
  ctx.set_output_type(0, TensorType(x.dtype, out));
}

}  // namespace

void register_tensor_misc_ops(OpRegistry& registry) {
  registry.add(make_op("Tile", 2, 2, infer_tile, [](const KernelContext& ctx) { return std::vector<Tensor>{tile(ctx)}; }));
  registry.add(make_op(
      "DepthToSpace", 1, 1, [](InferenceContext& ctx) { infer_depth_space(ctx, true); },
      [](const KernelContext& ctx) { return std::vector<Tensor>{depth_space(ctx, true)}; }));
  registry.add(make_op(
      "SpaceToDepth", 1, 1, [](InferenceContext& ctx) { infer_depth_space(ctx, false); },
      [](const KernelContext& ctx) { return std::vector<Tensor>{depth_space(ctx, false)}; }));
  registry.add(make_op(
      "Size", 1, 1, [](InferenceContext& ctx) { ctx.set_output_type(0, TensorType(kInt64, Dims{})); },
      [](const KernelContext& ctx) {
        return std::vector<Tensor>{full({}, static_cast<double>(ctx.input(0).numel()), kInt64)};
      }));
  registry.add(make_op("CumSum", 2, 2, infer_like_input0,
                       [](const KernelContext& ctx) { return std::vector<Tensor>{cumsum(ctx)}; }));
  registry.add(make_op("Trilu", 1, 2, infer_like_input0,
                       [](const KernelContext& ctx) { return std::vector<Tensor>{trilu(ctx)}; }));
  registry.add(make_op(
      "InstanceNormalization", 3, 3,
      [](InferenceContext& ctx) {
        check_dtype_in(ctx, 0, {kFloat32});
        infer_like_input0(ctx);
      },
      [](const KernelContext& ctx) { return std::vector<Tensor>{instance_norm(ctx)}; }));
}

}  // namespace octet::graph::ops
