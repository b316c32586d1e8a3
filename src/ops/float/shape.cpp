// shape.cpp: cat and stack (copying, with dtype promotion), split and chunk (views).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/tensor_impl.h"
#include "octet/functional/shape.h"
#include "ops/float/elementwise_iter.h"

namespace octet::functional {
namespace {

using namespace elementwise_detail;

bool is_joinable_dtype(DType t) { return is_arith_dtype(t) || t == kBool; }

// Bytes copied per parallel work item at least.
constexpr int64_t kCopyGrainBytes = 1 << 16;

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  OCTET_CHECK(!tensors.empty(), "cat", "expected a non-empty list of tensors");
  const Tensor* ref = nullptr;
  DType dtype = kBool;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    OCTET_CHECK(t.defined(), "cat", "tensor ", i, " is undefined");
    OCTET_CHECK(is_joinable_dtype(t.dtype()), "cat", "expected float32, float64, int32, int64 or bool tensors, got ",
                t.dtype(), " for tensor ", i);
    OCTET_CHECK(t.dim() > 0, "cat", "zero-dimensional tensor (at position ", i, ") cannot be concatenated");
    dtype = i == 0 ? t.dtype() : promote_types(dtype, t.dtype());
    // PyTorch's legacy rule: 1-D empty tensors are skipped whatever the other shapes.
    if (ref == nullptr && !(t.dim() == 1 && t.numel() == 0)) ref = &t;
  }
  if (ref == nullptr) ref = &tensors[0];
  const int64_t d = wrap_dim(dim, ref->dim(), "cat");
  Shape out_shape = ref->shape();
  out_shape[static_cast<size_t>(d)] = 0;
  std::vector<Tensor> parts;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (t.dim() == 1 && t.numel() == 0 && ref->dim() != 1) continue;
    OCTET_CHECK(t.dim() == ref->dim(), "cat", "expected tensors of ", ref->dim(), " dims, got ", t.dim(),
                " dims (shape ", shape_to_string(t.shape()), ") for tensor ", i);
    for (int64_t k = 0; k < t.dim(); ++k) {
      OCTET_CHECK(k == d || t.size(k) == ref->size(k), "cat", "sizes of tensors must match except in dimension ", d,
                  ": expected size ", ref->size(k), " but got size ", t.size(k), " in dimension ", k, " for tensor ",
                  i, " (shape ", shape_to_string(t.shape()), ")");
    }
    out_shape[static_cast<size_t>(d)] += t.size(d);
    parts.push_back(t.to(dtype).contiguous());
  }
  Tensor out = octet::detail::empty_uninitialized(out_shape, dtype);
  if (out.numel() == 0) return out;
  int64_t outer = 1;
  for (int64_t k = 0; k < d; ++k) outer *= out_shape[static_cast<size_t>(k)];
  const auto elem = static_cast<int64_t>(element_size(dtype));
  const int64_t out_row = out.numel() / outer * elem;  // bytes of one outer index in the output
  char* dst = static_cast<char*>(out.raw_data());
  int64_t offset = 0;  // bytes into an output row where this part starts
  for (const Tensor& part : parts) {
    const int64_t row = part.numel() / outer * elem;
    if (row != 0) {
      const char* src = static_cast<const char*>(part.raw_data());
      parallel_for(outer, std::max<int64_t>(1, kCopyGrainBytes / row), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          std::memcpy(dst + o * out_row + offset, src + o * row, static_cast<size_t>(row));
        }
      }, /*align=*/1);
    }
    offset += row;
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  OCTET_CHECK(!tensors.empty(), "stack", "expected a non-empty list of tensors");
  for (size_t i = 0; i < tensors.size(); ++i) {
    OCTET_CHECK(tensors[i].defined(), "stack", "tensor ", i, " is undefined");
    OCTET_CHECK(tensors[i].shape() == tensors[0].shape(), "stack", "expects each tensor to be equal size, but got ",
                shape_to_string(tensors[0].shape()), " at entry 0 and ", shape_to_string(tensors[i].shape()),
                " at entry ", i);
  }
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> expanded;
  expanded.reserve(tensors.size());
  for (const Tensor& t : tensors) expanded.push_back(t.unsqueeze(d));
  return cat(expanded, d);
}

std::vector<Tensor> split(const Tensor& tensor, const Shape& split_sizes, int64_t dim) {
  check_defined(tensor, "split", "input");
  OCTET_CHECK(tensor.dim() > 0, "split", "expected a tensor with at least one dimension, got a 0-d tensor");
  const int64_t d = wrap_dim(dim, tensor.dim(), "split");
  int64_t total = 0;
  for (int64_t s : split_sizes) {
    OCTET_CHECK(s >= 0, "split", "expected non-negative split sizes, got ", shape_to_string(split_sizes));
    total += s;
  }
  OCTET_CHECK(total == tensor.size(d), "split", "split sizes must sum exactly to ", tensor.size(d),
              " (the input's size in dimension ", d, "), got ", shape_to_string(split_sizes), " (sum ", total, ")");
  std::vector<Tensor> pieces;
  pieces.reserve(split_sizes.size());
  int64_t start = 0;
  for (int64_t s : split_sizes) {
    pieces.push_back(tensor.narrow(d, start, s));
    start += s;
  }
  return pieces;
}

std::vector<Tensor> split(const Tensor& tensor, int64_t split_size, int64_t dim) {
  check_defined(tensor, "split", "input");
  OCTET_CHECK(tensor.dim() > 0, "split", "expected a tensor with at least one dimension, got a 0-d tensor");
  const int64_t d = wrap_dim(dim, tensor.dim(), "split");
  const int64_t size = tensor.size(d);
  OCTET_CHECK(split_size >= 0, "split", "expected a non-negative split_size, got ", split_size);
  OCTET_CHECK(split_size > 0 || size == 0, "split", "split_size can only be 0 if the dimension size is 0, got size ",
              size, " in dimension ", d);
  if (size == 0) return {tensor};
  Shape sizes;
  for (int64_t start = 0; start < size; start += split_size) sizes.push_back(std::min(split_size, size - start));
  return split(tensor, sizes, d);
}

std::vector<Tensor> chunk(const Tensor& tensor, int64_t chunks, int64_t dim) {
  check_defined(tensor, "chunk", "input");
  OCTET_CHECK(chunks > 0, "chunk", "expected chunks to be greater than 0, got ", chunks);
  OCTET_CHECK(tensor.dim() > 0, "chunk", "expected a tensor with at least one dimension, got a 0-d tensor");
  const int64_t d = wrap_dim(dim, tensor.dim(), "chunk");
  const int64_t size = tensor.size(d);
  // An empty dim gives `chunks` empty pieces (PyTorch keeps the count).
  if (size == 0) return split(tensor, Shape(static_cast<size_t>(chunks), 0), d);
  return split(tensor, (size + chunks - 1) / chunks, d);
}

}  // namespace octet::functional
