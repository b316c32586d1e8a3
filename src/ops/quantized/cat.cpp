// cat.cpp: quantized cat: concatenation with each input requantized to the output qparams by a lookup table.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/tensor_impl.h"
#include "kernels/qelementwise_kernels.h"
#include "octet/error.h"
#include "octet/quantized/elementwise.h"
#include "ops/float/elementwise_iter.h"
#include "ops/quantized/elementwise_common.h"

namespace octet::quantized {

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim, std::optional<double> scale,
           std::optional<int64_t> zero_point) {
  const char* op = "quantized::cat";
  OCTET_CHECK(!tensors.empty(), op, "expected at least one tensor");
  OCTET_CHECK(scale.has_value() == zero_point.has_value(), op,
              "scale and zero_point must be given together (or neither, to use the first tensor's)");
  const detail::QOperand first = detail::check_operand(tensors[0], op, "tensors[0]");
  const int64_t ndim = tensors[0].dim();
  OCTET_CHECK(ndim > 0, op, "zero-dimensional tensors cannot be concatenated");
  const int64_t d = functional::elementwise_detail::wrap_dim(dim, ndim, op);

  std::vector<detail::QOperand> operands;
  Shape shape = tensors[0].shape();
  shape[static_cast<size_t>(d)] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const std::string what = std::string("tensors[").append(std::to_string(i)).append("]");
    const detail::QOperand q = detail::check_operand(tensors[i], op, what.c_str());
    OCTET_CHECK(q.dtype == first.dtype, op, "expected every tensor to be ", first.dtype, ", got ", q.dtype,
                " for tensors[", i, "]");
    const Tensor& t = tensors[i];
    OCTET_CHECK(t.dim() == ndim, op, "expected every tensor to have ", ndim, " dims, got ", t.dim(),
                " for tensors[", i, "] (shape ", shape_to_string(t.shape()), ")");
    for (int64_t k = 0; k < ndim; ++k) {
      OCTET_CHECK(k == d || t.size(k) == tensors[0].size(k), op, "sizes must match except in dim ", d,
                  ": tensors[0] has shape ", shape_to_string(tensors[0].shape()), ", tensors[", i, "] has ",
                  shape_to_string(t.shape()));
    }
    shape[static_cast<size_t>(d)] += t.size(d);
    operands.push_back(q);
  }
  const double out_scale = scale.value_or(first.scale);
  const int64_t out_zero_point = zero_point.value_or(first.zero_point);
  detail::check_output_qparams(out_scale, out_zero_point, first.dtype, op);
  Tensor out = detail::empty_output(shape, first.dtype, out_scale, out_zero_point);

  // Per input: its contiguous bytes and, when its qparams differ from the output's, the table that
  // requantizes them (dequantize, then quantize: PyTorch's cat of dequantized tensors). Equal float
  // scales and zero points make that table the identity, so those inputs are copied.
  struct Part {
    Tensor data;
    const uint8_t* bytes;
    int64_t row;  // elements per outer index: size(d) * inner
    bool copy;
    uint8_t table[256];
  };
  int64_t outer = 1, inner = 1;
  for (int64_t k = 0; k < d; ++k) outer *= shape[static_cast<size_t>(k)];
  for (int64_t k = d + 1; k < ndim; ++k) inner *= shape[static_cast<size_t>(k)];
  std::vector<Part> parts(tensors.size());
  std::vector<int64_t> start(tensors.size() + 1, 0);  // offset of each part inside an output row
  for (size_t i = 0; i < tensors.size(); ++i) {
    Part& p = parts[i];
    p.data = tensors[i].contiguous();
    p.bytes = static_cast<const uint8_t*>(p.data.raw_data());
    p.row = tensors[i].size(d) * inner;
    p.copy = operands[i].scale_f == static_cast<float>(out_scale) && operands[i].zero_point == out_zero_point;
    if (!p.copy) detail::build_table(operands[i], out_scale, out_zero_point, {kernels::LutFunction::Identity},
                                    kernels::LutDequantize::Plain, p.table);
    start[i + 1] = start[i] + p.row;
  }
  const int64_t out_row = start.back();
  auto* y = static_cast<uint8_t*>(out.raw_data());
  const kernels::x8_lut_fn lut = kernels::qelementwise_kernels().x8_lut;

  // Threads split the output's elements evenly; each walks the (row, part) segments its range covers.
  functional::elementwise_detail::parallel_for(out.numel(), detail::kGrain, [&](int64_t begin, int64_t end) {
    int64_t pos = begin;
    while (pos < end) {
      const int64_t o = pos / out_row, r = pos % out_row;
      const size_t i = static_cast<size_t>(std::upper_bound(start.begin(), start.end(), r) - start.begin()) - 1;
      const int64_t within = r - start[i];
      const int64_t len = std::min(end - pos, parts[i].row - within);
      const uint8_t* src = parts[i].bytes + o * parts[i].row + within;
      if (parts[i].copy) {
        std::memcpy(y + pos, src, static_cast<size_t>(len));
      } else {
        lut(static_cast<size_t>(len), src, y + pos, parts[i].table);
      }
      pos += len;
    }
  }, /*align=*/64);
  return out;
}

}  // namespace octet::quantized
