// pad_ops.cpp: ONNX's Pad (constant, reflect, edge; negative pads crop), on tensors of any rank and dtype.
//
// pads = [x1_begin, x2_begin, ..., x1_end, x2_end, ...] (an input from opset 11, an attribute
// before, with `value`). Each axis is padded in turn by a gather: output position j reads input
// j - begin when that lies inside, else
//   constant  the constant_value (0 when absent)
//   edge      the nearest end
//   reflect   the mirror image without repeating the end (numpy's "reflect": period 2 * (n - 1),
//             so pads longer than the axis keep reflecting; an axis of length 1 repeats its one
//             element)
// Padding an empty axis with edge or reflect has nothing to copy and is an Error.
#include <cstring>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"

namespace octet::graph::ops {
namespace {

struct PadArgs {
  std::string mode;
  std::vector<int64_t> pads;
  Tensor fill;  // 0-d, the input's dtype (constant mode)
};

PadArgs read_pad_args(const KernelContext& ctx, const Tensor& x) {
  const Node& node = ctx.node();
  PadArgs a;
  a.mode = node.attr_string("mode", "constant");
  if (a.mode != "constant" && a.mode != "reflect" && a.mode != "edge") {
    ctx.fail(detail::str_cat("mode must be constant, reflect or edge, got '", a.mode, "'"));
  }
  double value = 0;
  if (ctx.opset() < 11) {
    a.pads = node.attr_ints("pads");
    value = node.attr_float("value", 0.0f);
  } else {
    a.pads = tensor_to_ints(ctx.input(1), node, "pads");
    if (ctx.has_input(2)) {
      const Tensor& c = ctx.input(2);
      if (c.numel() != 1) ctx.fail(detail::str_cat("constant_value must hold one element, got ", c.numel()));
      if (c.dtype() != x.dtype()) {
        ctx.fail(detail::str_cat("constant_value must have the input's dtype ", x.dtype(), ", got ", c.dtype()));
      }
      a.fill = c.reshape({}).contiguous();
    }
  }
  if (static_cast<int64_t>(a.pads.size()) != 2 * x.dim()) {
    ctx.fail(detail::str_cat("pads has ", a.pads.size(), " values for an input of rank ", x.dim(), " (expected ",
                             2 * x.dim(), ")"));
  }
  if (!a.fill.defined()) a.fill = full({}, value, x.dtype());
  return a;
}

// The input index each output position of an axis reads, -1 for the constant.
std::vector<int64_t> axis_sources(int64_t n, int64_t begin, int64_t end, const std::string& mode, const KernelContext& ctx,
                                  int64_t axis) {
  const int64_t out = n + begin + end;
  if (out < 0) ctx.fail(detail::str_cat("pads crop axis ", axis, " of size ", n, " below zero"));
  if (n == 0 && out > 0 && mode != "constant") {
    ctx.fail(detail::str_cat("mode ", mode, " cannot pad the empty axis ", axis));
  }
  std::vector<int64_t> src(static_cast<size_t>(out));
  const int64_t period = 2 * (n - 1);
  for (int64_t j = 0; j < out; ++j) {
    int64_t i = j - begin;
    if (i < 0 || i >= n) {
      if (mode == "constant") {
        i = -1;
      } else if (mode == "edge" || n == 1) {
        i = i < 0 ? 0 : n - 1;
      } else {
        i = ((i % period) + period) % period;
        if (i >= n) i = period - i;
      }
    }
    src[static_cast<size_t>(j)] = i;
  }
  return src;
}

Tensor pad_axis(const Tensor& x, int64_t axis, const std::vector<int64_t>& src, const Tensor& fill) {
  Shape shape = x.shape();
  const int64_t n = shape[static_cast<size_t>(axis)];
  const auto out = static_cast<int64_t>(src.size());
  shape[static_cast<size_t>(axis)] = out;
  Tensor y = empty(shape, x.dtype());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.size(d);
  for (int64_t d = axis + 1; d < x.dim(); ++d) inner *= x.size(d);
  const size_t esize = x.element_size();
  const size_t row = static_cast<size_t>(inner) * esize;
  const char* s = static_cast<const char*>(x.raw_data());
  char* d = static_cast<char*>(y.raw_data());
  const char* f = static_cast<const char*>(fill.raw_data());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < out; ++j) {
      char* dst = d + static_cast<size_t>(o * out + j) * row;
      const int64_t i = src[static_cast<size_t>(j)];
      if (i >= 0) {
        std::memcpy(dst, s + static_cast<size_t>(o * n + i) * row, row);
      } else {
        for (int64_t k = 0; k < inner; ++k) std::memcpy(dst + static_cast<size_t>(k) * esize, f, esize);
      }
    }
  }
  return y;
}

std::vector<Tensor> pad_kernel(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.is_quantized()) ctx.fail("quantized inputs are not supported");
  const PadArgs a = read_pad_args(ctx, x);
  Tensor y = x.contiguous();
  const int64_t rank = x.dim();
  for (int64_t axis = 0; axis < rank; ++axis) {
    const int64_t begin = a.pads[static_cast<size_t>(axis)], end = a.pads[static_cast<size_t>(axis + rank)];
    if (begin == 0 && end == 0) continue;
    y = pad_axis(y, axis, axis_sources(x.size(axis), begin, end, a.mode, ctx, axis), a.fill);
  }
  return {y.is_contiguous() && y.storage() != x.storage() ? y : y.clone()};
}

void infer_pad(InferenceContext& ctx) {
  const TensorType& x = ctx.input_type(0);
  if (!x.shape) {
    ctx.set_output_type(0, TensorType(x.dtype));
    return;
  }
  std::optional<std::vector<int64_t>> pads;
  if (ctx.opset() < 11) {
    pads = ctx.node().attr_ints("pads");
  } else if (ctx.input_constant(1).defined()) {
    pads = tensor_to_ints(ctx.input_constant(1), ctx.node(), "pads");
  }
  Dims out = *x.shape;
  if (!pads) {
    for (Dim& d : out) d = Dim();
  } else {
    const auto rank = static_cast<int64_t>(out.size());
    if (static_cast<int64_t>(pads->size()) != 2 * rank) {
      ctx.fail(detail::str_cat("pads has ", pads->size(), " values for an input of rank ", rank, " (expected ",
                               2 * rank, ")"));
    }
    for (int64_t i = 0; i < rank; ++i) {
      const int64_t add = (*pads)[static_cast<size_t>(i)] + (*pads)[static_cast<size_t>(i + rank)];
      Dim& d = out[static_cast<size_t>(i)];
      if (add == 0) continue;
      if (d.is_static()) {
        if (d.size() + add < 0) ctx.fail(detail::str_cat("pads crop axis ", i, " of size ", d.size(), " below zero"));
        d = Dim(d.size() + add);
      } else {
        d = Dim();
      }
    }
  }
  ctx.set_output_type(0, TensorType(x.dtype, out));
}

}  // namespace

void register_pad_ops(OpRegistry& registry) { registry.add(make_op("Pad", 1, 4, infer_pad, pad_kernel)); }

}  // namespace octet::graph::ops
