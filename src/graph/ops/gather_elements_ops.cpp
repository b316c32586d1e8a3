// gather_elements_ops.cpp: ONNX's GatherElements: out[i][j][k] = data[index[i][j][k]][j][k] along `axis` (torch.gather), any dtype.
#include <cstring>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"

namespace octet::graph::ops {
namespace {

Tensor gather_elements(const KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  if (data.is_quantized()) ctx.fail("quantized inputs are not supported");
  if (indices.dtype() != kInt64 && indices.dtype() != kInt32) {
    ctx.fail(detail::str_cat("indices must be int64 or int32, got ", indices.dtype()));
  }
  if (data.dim() == 0 || indices.dim() != data.dim()) {
    ctx.fail(detail::str_cat("data and indices must have the same rank (at least 1), got ", shape_to_string(data.shape()),
                             " and ", shape_to_string(indices.shape())));
  }
  const int64_t axis = normalize_axis(ctx.node().attr_int("axis", 0), data.dim(), ctx.node());
  for (int64_t d = 0; d < data.dim(); ++d) {
    if (d != axis && indices.size(d) > data.size(d)) {
      ctx.fail(detail::str_cat("indices ", shape_to_string(indices.shape()), " exceed data ",
                               shape_to_string(data.shape()), " in dim ", d));
    }
  }
  const Tensor src = data.contiguous();
  const Tensor idx = indices.to(kInt64).contiguous();
  Tensor out = empty(indices.shape(), data.dtype());
  const Shape src_strides = contiguous_strides(src.shape());
  const size_t esize = src.element_size();
  const char* s = static_cast<const char*>(src.raw_data());
  char* d = static_cast<char*>(out.raw_data());
  const int64_t* pi = idx.data_ptr<int64_t>();
  const int64_t n = data.size(axis);
  Shape pos(static_cast<size_t>(indices.dim()), 0);
  for (int64_t e = 0, total = out.numel(); e < total; ++e) {
    int64_t i = pi[e];
    if (i < -n || i >= n) ctx.fail(detail::str_cat("index ", i, " is out of range for axis ", axis, " of size ", n));
    if (i < 0) i += n;
    int64_t offset = 0;
    for (size_t k = 0; k < pos.size(); ++k) {
      offset += (static_cast<int64_t>(k) == axis ? i : pos[k]) * src_strides[k];
    }
    std::memcpy(d + static_cast<size_t>(e) * esize, s + static_cast<size_t>(offset) * esize, esize);
    for (int64_t k = indices.dim() - 1; k >= 0; --k) {  // next position, row-major
      if (++pos[static_cast<size_t>(k)] < indices.size(k)) break;
      pos[static_cast<size_t>(k)] = 0;
    }
  }
  return out;
}

void infer_gather_elements(InferenceContext& ctx) {
  check_dtype_in(ctx, 1, {kInt64, kInt32});
  ctx.set_output_type(0, TensorType(ctx.input_type(0).dtype, ctx.input_type(1).shape));
}

}  // namespace

void register_gather_elements_ops(OpRegistry& registry) {
  registry.add(make_op("GatherElements", 2, 2, infer_gather_elements,
                       [](const KernelContext& ctx) { return std::vector<Tensor>{gather_elements(ctx)}; }));
}

}  // namespace octet::graph::ops
