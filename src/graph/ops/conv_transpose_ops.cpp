// conv_transpose_ops.cpp: ONNX's ConvTranspose (1-D to 3-D, groups, dilations, asymmetric pads, output_padding, output_shape, auto_pad) via functional::conv_transpose.
//
// Per spatial dim, with the full transposed convolution F = (in - 1) * stride + (kernel - 1) *
// dilation + 1, ONNX's output is out = F + output_padding - pad_begin - pad_end. functional's
// conv_transpose computes F (no padding); the result is then cropped by the pads (or padded with
// zeros where output_padding reaches past F: no input contributes there) and the bias added.
// output_shape, or auto_pad SAME_UPPER/SAME_LOWER (out = in * stride), fixes out and so the total
// padding, split as ONNX says: SAME_UPPER puts the smaller half at the beginning, otherwise the
// larger. Weights are (C_in, C_out / group, kernel...), PyTorch's layout.
#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"
#include "octet/functional.h"

namespace octet::graph::ops {
namespace {

namespace F = functional;

struct TransposeGeometry {
  std::vector<int64_t> kernel, stride, dilation, output_padding, pad_begin, pad_end, out;
};

// The output sizes and pads from the attributes; `in` and `kernel` per spatial dim.
TransposeGeometry geometry(const Node& node, const std::vector<int64_t>& in, const std::vector<int64_t>& kernel) {
  const size_t n = in.size();
  TransposeGeometry g;
  g.kernel = kernel;
  auto ints = [&](const char* name, int64_t fallback) {
    std::vector<int64_t> v = node.attr_ints(name, std::vector<int64_t>(n, fallback));
    OCTET_CHECK(v.size() == n, node.describe(), "attribute '", name, "' has ", v.size(), " values for ", n,
                " spatial dims");
    return v;
  };
  g.stride = ints("strides", 1);
  g.dilation = ints("dilations", 1);
  g.output_padding = ints("output_padding", 0);
  if (node.has_attr("kernel_shape")) {
    OCTET_CHECK(node.attr_ints("kernel_shape") == kernel, node.describe(), "kernel_shape ",
                shape_to_string(node.attr_ints("kernel_shape")), " does not match the weight's ", shape_to_string(kernel));
  }
  for (size_t i = 0; i < n; ++i) {
    OCTET_CHECK(g.stride[i] >= 1 && g.dilation[i] >= 1, node.describe(), "strides and dilations must be >= 1");
  }
  const std::string auto_pad = node.attr_string("auto_pad", "NOTSET");
  std::vector<int64_t> full(n);
  for (size_t i = 0; i < n; ++i) full[i] = (in[i] - 1) * g.stride[i] + (kernel[i] - 1) * g.dilation[i] + 1;
  std::vector<int64_t> target;
  if (node.has_attr("output_shape")) {
    target = node.attr_ints("output_shape");
    // output_shape may list every dim (N, C, spatial...) or the spatial ones.
    if (target.size() == n + 2) target.erase(target.begin(), target.begin() + 2);
    OCTET_CHECK(target.size() == n, node.describe(), "output_shape has ", node.attr_ints("output_shape").size(),
                " values for ", n, " spatial dims");
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (size_t i = 0; i < n; ++i) target.push_back(in[i] * g.stride[i]);
  }
  if (!target.empty()) {
    for (size_t i = 0; i < n; ++i) {
      const int64_t total = full[i] + g.output_padding[i] - target[i];
      // Floor division, as ONNX's reference: a negative total (output_shape past the full size)
      // grows the end, where only the bias lands.
      const int64_t small = total >= 0 ? total / 2 : -((-total + 1) / 2), large = total - small;
      const bool upper = auto_pad == "SAME_UPPER";
      g.pad_begin.push_back(upper ? small : large);
      g.pad_end.push_back(upper ? large : small);
    }
  } else if (auto_pad == "NOTSET") {
    const std::vector<int64_t> pads = node.attr_ints("pads", std::vector<int64_t>(2 * n, 0));
    OCTET_CHECK(pads.size() == 2 * n, node.describe(), "pads has ", pads.size(), " values, expected ", 2 * n);
    g.pad_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(n));
    g.pad_end.assign(pads.begin() + static_cast<std::ptrdiff_t>(n), pads.end());
  } else if (auto_pad == "VALID") {
    g.pad_begin.assign(n, 0);
    g.pad_end.assign(n, 0);
  } else {
    OCTET_FAIL(node.describe(), "auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got '", auto_pad, "'");
  }
  for (size_t i = 0; i < n; ++i) {
    g.out.push_back(full[i] + g.output_padding[i] - g.pad_begin[i] - g.pad_end[i]);
    OCTET_CHECK(g.out.back() >= 1, node.describe(), "the output size of spatial dim ", i, " would be ", g.out.back());
  }
  return g;
}

Tensor conv_transpose(const KernelContext& ctx) {
  const Node& node = ctx.node();
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  if (x.dtype() != kFloat32 || w.dtype() != kFloat32) {
    ctx.fail(detail::str_cat("inputs must be float32, got ", x.dtype(), " and ", w.dtype()));
  }
  if (x.dim() < 3 || x.dim() > 5 || w.dim() != x.dim()) {
    ctx.fail(detail::str_cat("input and weight must have 3 to 5 dims each, got ", shape_to_string(x.shape()), " and ",
                             shape_to_string(w.shape())));
  }
  const int64_t group = node.attr_int("group", 1);
  if (group < 1 || x.size(1) != w.size(0) || x.size(1) % group != 0) {
    ctx.fail(detail::str_cat("input channels ", x.size(1), " must equal the weight's first dim ", w.size(0),
                             " and divide by group ", group));
  }
  std::vector<int64_t> in, kernel;
  for (int64_t d = 2; d < x.dim(); ++d) {
    in.push_back(x.size(d));
    kernel.push_back(w.size(d));
  }
  const TransposeGeometry g = geometry(node, in, kernel);
  const size_t n = in.size();
  const Shape zero(n, 0);
  Tensor y;
  if (n == 1) y = F::conv_transpose1d(x, w, {}, g.stride, zero, zero, group, g.dilation);
  if (n == 2) y = F::conv_transpose2d(x, w, {}, g.stride, zero, zero, group, g.dilation);
  if (n == 3) y = F::conv_transpose3d(x, w, {}, g.stride, zero, zero, group, g.dilation);
  // Crop the pads (negative) or extend with zeros (positive) to the ONNX size; pad lists the last dim first.
  Shape pad;
  bool changed = false;
  for (size_t k = n; k-- > 0;) {
    const int64_t full = y.size(static_cast<int64_t>(2 + k));
    const int64_t left = -g.pad_begin[k];
    const int64_t right = g.out[k] - (full - g.pad_begin[k]);
    pad.push_back(left);
    pad.push_back(right);
    changed = changed || left != 0 || right != 0;
  }
  if (changed) y = F::pad(y, pad, "constant", 0.0);
  if (ctx.has_input(2)) {
    const Tensor& b = ctx.input(2);
    if (b.dim() != 1 || b.size(0) != y.size(1)) {
      ctx.fail(detail::str_cat("bias must hold ", y.size(1), " values, got ", shape_to_string(b.shape())));
    }
    Shape bshape(static_cast<size_t>(y.dim()), 1);
    bshape[1] = y.size(1);
    y = F::add(y, b.reshape(bshape));
  }
  return y.contiguous();
}

void infer_conv_transpose(InferenceContext& ctx) {
  const std::optional<DType> dtype = same_dtype(ctx, {0, 1});
  const TensorType& x = ctx.input_type(0);
  const TensorType& w = ctx.input_type(1);
  if (!x.shape) {
    ctx.set_output_type(0, TensorType(dtype));
    return;
  }
  const int64_t rank = x.rank();
  if (rank < 3 || rank > 5) ctx.fail(detail::str_cat("input must have 3 to 5 dims (N, C, spatial...), got ", rank));
  Dims out(static_cast<size_t>(rank));
  out[0] = (*x.shape)[0];
  const int64_t group = ctx.node().attr_int("group", 1);
  if (w.shape && w.rank() == rank && (*w.shape)[1].is_static()) out[1] = Dim((*w.shape)[1].size() * group);
  bool known = w.shape.has_value() && w.rank() == rank;
  std::vector<int64_t> in, kernel;
  for (int64_t d = 2; known && d < rank; ++d) {
    const Dim& a = (*x.shape)[static_cast<size_t>(d)];
    const Dim& k = (*w.shape)[static_cast<size_t>(d)];
    known = a.is_static() && k.is_static();
    if (known) {
      in.push_back(a.size());
      kernel.push_back(k.size());
    }
  }
  if (known) {
    const TransposeGeometry g = geometry(ctx.node(), in, kernel);
    for (size_t i = 0; i < g.out.size(); ++i) out[2 + i] = Dim(g.out[i]);
  }
  ctx.set_output_type(0, TensorType(dtype, out));
}

}  // namespace

void register_conv_transpose_ops(OpRegistry& registry) {
  registry.add(make_op("ConvTranspose", 2, 3, infer_conv_transpose,
                       [](const KernelContext& ctx) { return std::vector<Tensor>{conv_transpose(ctx)}; }));
}

}  // namespace octet::graph::ops
