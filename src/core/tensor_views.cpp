// tensor_views.cpp: views that share storage (view, reshape, permute, slice, ...) and keep the quantizer.
#include <algorithm>
#include <optional>

#include "core/tensor_impl.h"
#include "octet/tensor.h"

namespace octet {
namespace {

// PyTorch's computeStride: strides that let `new_shape` view memory laid out as (shape, strides),
// or nullopt when no such strides exist (the view would need a copy).
std::optional<Shape> compute_view_strides(const Shape& shape, const Shape& strides, const Shape& new_shape) {
  Shape new_strides(new_shape.size(), 1);
  if (shape.empty()) return new_strides;
  const int64_t numel = shape_numel(shape);
  if (numel == 0) {
    for (size_t i = new_shape.size(); i-- > 0;) {
      new_strides[i] = i + 1 == new_shape.size() ? 1 : std::max<int64_t>(new_shape[i + 1], 1) * new_strides[i + 1];
    }
    return new_strides;
  }
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t tensor_d = static_cast<int64_t>(shape.size()) - 1; tensor_d >= 0; --tensor_d) {
    tensor_numel *= shape[static_cast<size_t>(tensor_d)];
    // A chunk of dims that is contiguous in memory ends here.
    if (tensor_d == 0 || (shape[static_cast<size_t>(tensor_d - 1)] != 1 &&
                          strides[static_cast<size_t>(tensor_d - 1)] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[static_cast<size_t>(view_d)] == 1)) {
        new_strides[static_cast<size_t>(view_d)] = view_numel * chunk_base_stride;
        view_numel *= new_shape[static_cast<size_t>(view_d)];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (tensor_d > 0) {
        chunk_base_stride = strides[static_cast<size_t>(tensor_d - 1)];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return new_strides;
}

// Resolves one -1 and checks the element count.
Shape infer_shape(const Shape& requested, int64_t numel, const Shape& from, const char* where) {
  Shape out = requested;
  int64_t known = 1;
  int64_t infer_at = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      OCTET_CHECK(infer_at < 0, where, "only one dimension can be inferred (-1), got ", shape_to_string(requested));
      infer_at = static_cast<int64_t>(i);
    } else {
      OCTET_CHECK(out[i] >= 0, where, "invalid size ", out[i], " in shape ", shape_to_string(requested));
      known *= out[i];
    }
  }
  if (infer_at >= 0) {
    OCTET_CHECK(known != 0 && numel % known == 0, where, "shape ", shape_to_string(requested),
                " is invalid for input of size ", numel);
    out[static_cast<size_t>(infer_at)] = numel / known;
  }
  OCTET_CHECK(shape_numel(out, where) == numel, where, "shape ", shape_to_string(requested),
              " is invalid for input of shape ", shape_to_string(from), " (", numel, " elements)");
  return out;
}

// The channel axis of a per-channel quantizer after a reshape from `from` to `to`: the dim that has
// the same number of elements before it and the same size. An Error when the reshape splits or
// merges the channel dim (the scales would no longer line up with the data).
int64_t reshaped_axis(const Shape& from, const Shape& to, int64_t axis, const char* where) {
  int64_t before = 1;
  for (int64_t i = 0; i < axis; ++i) before *= from[static_cast<size_t>(i)];
  const int64_t channels = from[static_cast<size_t>(axis)];
  int64_t p = 1;
  for (size_t j = 0; j < to.size(); ++j) {
    if (p == before && to[j] == channels) return static_cast<int64_t>(j);
    p *= to[j];
  }
  OCTET_FAIL(where, "cannot reshape a per-channel quantized tensor of shape ", shape_to_string(from), " to ",
             shape_to_string(to), ": the channel axis ", axis, " (size ", channels,
             ") must stay a dimension of its own");
}

// quint4x2 holds two elements per byte: only contiguous views starting on a byte boundary exist.
void check_packed_view(const Tensor& t, const char* where) {
  if (t.dtype() != DType::QUInt4x2) return;
  OCTET_CHECK(t.is_contiguous() && t.storage_offset() % 2 == 0, where,
              "quint4x2 tensors pack two elements per byte, so only contiguous views starting at an even "
              "element are possible; call int_repr() or dequantize() first");
}

QuantizerPtr quantizer_or_null(const Tensor& t) { return t.is_quantized() ? t.quantizer() : nullptr; }

}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  check_defined("view");
  const Shape new_shape = infer_shape(shape, numel(), shape_, "view");
  auto strides = compute_view_strides(shape_, strides_, new_shape);
  OCTET_CHECK(strides.has_value(), "view", "view size ", shape_to_string(new_shape),
              " is not compatible with input tensor's size ", shape_to_string(shape_), " and stride ",
              shape_to_string(strides_), "; use reshape() (which copies) or contiguous() first");
  QuantizerPtr q = quantizer_or_null(*this);
  if (q && q->per_channel()) q = q->with_axis(reshaped_axis(shape_, new_shape, q->axis(), "view"));
  Tensor out(storage_, offset_, new_shape, *strides, dtype_, q);
  check_packed_view(out, "view");
  return out;
}

Tensor Tensor::reshape(const Shape& shape) const {
  check_defined("reshape");
  const Shape new_shape = infer_shape(shape, numel(), shape_, "reshape");
  if (compute_view_strides(shape_, strides_, new_shape).has_value()) return view(new_shape);
  return contiguous().view(new_shape);
}

Tensor Tensor::permute(const Shape& dims) const {
  check_defined("permute");
  OCTET_CHECK(static_cast<int64_t>(dims.size()) == dim(), "permute", "expected ", dim(),
              " dims for a tensor of shape ", shape_to_string(shape_), ", got ", shape_to_string(dims));
  Shape new_shape(dims.size()), new_strides(dims.size());
  std::vector<bool> seen(dims.size(), false);
  int64_t new_axis = -1;
  const int64_t old_axis = (quantizer_ && quantizer_->per_channel()) ? quantizer_->axis() : -2;
  for (size_t i = 0; i < dims.size(); ++i) {
    const auto d = static_cast<size_t>(detail::wrap_dim(dims[i], dim(), "permute"));
    OCTET_CHECK(!seen[d], "permute", "dims ", shape_to_string(dims), " repeat dimension ", d);
    seen[d] = true;
    new_shape[i] = shape_[d];
    new_strides[i] = strides_[d];
    if (static_cast<int64_t>(d) == old_axis) new_axis = static_cast<int64_t>(i);
  }
  QuantizerPtr q = quantizer_;
  if (q && q->per_channel()) q = q->with_axis(new_axis);
  Tensor out(storage_, offset_, new_shape, new_strides, dtype_, q);
  check_packed_view(out, "permute");
  return out;
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  check_defined("transpose");
  Shape dims(static_cast<size_t>(dim()));
  for (size_t i = 0; i < dims.size(); ++i) dims[i] = static_cast<int64_t>(i);
  if (dim() == 0) {
    detail::wrap_dim(d0, 0, "transpose");
    detail::wrap_dim(d1, 0, "transpose");
    return *this;
  }
  std::swap(dims[static_cast<size_t>(detail::wrap_dim(d0, dim(), "transpose"))],
            dims[static_cast<size_t>(detail::wrap_dim(d1, dim(), "transpose"))]);
  return permute(dims);
}

Tensor Tensor::t() const {
  check_defined("t");
  OCTET_CHECK(dim() <= 2, "t", "expects a tensor with <= 2 dimensions, but got ", dim(),
              "D; use transpose(d0, d1) or permute()");
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  check_defined("slice");
  OCTET_CHECK(dim() > 0, "slice", "cannot slice a 0-d tensor");
  const auto dd = static_cast<size_t>(detail::wrap_dim(d, dim(), "slice"));
  OCTET_CHECK(step > 0, "slice", "step must be positive, got ", step);
  const int64_t n = shape_[dd];
  // Python slicing: negative bounds count from the end, then clamp to [0, n].
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  const int64_t len = (end - start + step - 1) / step;
  Shape new_shape = shape_, new_strides = strides_;
  new_shape[dd] = len;
  new_strides[dd] = strides_[dd] * step;
  QuantizerPtr q = quantizer_;
  if (q && q->per_channel() && q->axis() == static_cast<int64_t>(dd)) {
    OCTET_CHECK(len > 0, "slice", "slicing away every channel of a per-channel quantized tensor leaves no qparams");
    q = q->slice_channels(start, step, len);
  }
  Tensor out(storage_, offset_ + start * strides_[dd], new_shape, new_strides, dtype_, q);
  check_packed_view(out, "slice");
  return out;
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  check_defined("narrow");
  OCTET_CHECK(dim() > 0, "narrow", "cannot narrow a 0-d tensor");
  const auto dd = static_cast<size_t>(detail::wrap_dim(d, dim(), "narrow"));
  const int64_t n = shape_[dd];
  OCTET_CHECK(start >= -n && start <= n, "narrow", "start ", start, " is out of range for dimension ", dd,
              " of size ", n);
  if (start < 0) start += n;
  OCTET_CHECK(length >= 0 && start + length <= n, "narrow", "start (", start, ") + length (", length,
              ") exceeds dimension ", dd, " of size ", n);
  return slice(static_cast<int64_t>(dd), start, start + length, 1);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  check_defined("select");
  OCTET_CHECK(dim() > 0, "select", "cannot select from a 0-d tensor");
  const auto dd = static_cast<size_t>(detail::wrap_dim(d, dim(), "select"));
  const int64_t n = shape_[dd];
  OCTET_CHECK(index >= -n && index < n, "select", "index ", index, " is out of range for dimension ", dd,
              " with size ", n);
  if (index < 0) index += n;
  Shape new_shape = shape_, new_strides = strides_;
  new_shape.erase(new_shape.begin() + static_cast<std::ptrdiff_t>(dd));
  new_strides.erase(new_strides.begin() + static_cast<std::ptrdiff_t>(dd));
  QuantizerPtr q = quantizer_;
  if (q && q->per_channel()) {
    if (q->axis() == static_cast<int64_t>(dd)) {
      q = q->channel(index);
    } else if (q->axis() > static_cast<int64_t>(dd)) {
      q = q->with_axis(q->axis() - 1);
    }
  }
  Tensor out(storage_, offset_ + index * strides_[dd], new_shape, new_strides, dtype_, q);
  check_packed_view(out, "select");
  return out;
}

Tensor Tensor::squeeze() const {
  check_defined("squeeze");
  Tensor out = *this;
  for (int64_t d = dim() - 1; d >= 0; --d) {
    if (shape_[static_cast<size_t>(d)] == 1) out = out.squeeze(d);
  }
  return out;
}

Tensor Tensor::squeeze(int64_t d) const {
  check_defined("squeeze");
  if (dim() == 0) {
    detail::wrap_dim(d, 0, "squeeze");
    return *this;
  }
  const auto dd = static_cast<size_t>(detail::wrap_dim(d, dim(), "squeeze"));
  if (shape_[dd] != 1) return *this;  // like PyTorch: squeezing a non-1 dim is a no-op
  return select(static_cast<int64_t>(dd), 0);
}

Tensor Tensor::unsqueeze(int64_t d) const {
  check_defined("unsqueeze");
  const auto dd = static_cast<size_t>(detail::wrap_dim(d, dim() + 1, "unsqueeze"));
  Shape new_shape = shape_, new_strides = strides_;
  const int64_t stride = dd < shape_.size() ? shape_[dd] * strides_[dd] : 1;
  new_shape.insert(new_shape.begin() + static_cast<std::ptrdiff_t>(dd), 1);
  new_strides.insert(new_strides.begin() + static_cast<std::ptrdiff_t>(dd), stride);
  QuantizerPtr q = quantizer_;
  if (q && q->per_channel() && q->axis() >= static_cast<int64_t>(dd)) q = q->with_axis(q->axis() + 1);
  return Tensor(storage_, offset_, new_shape, new_strides, dtype_, q);
}

Tensor Tensor::expand(const Shape& shape) const {
  check_defined("expand");
  OCTET_CHECK(shape.size() >= shape_.size(), "expand", "the number of sizes provided (", shape.size(),
              ") must be greater or equal to the number of dimensions in the tensor (", dim(), ")");
  const size_t lead = shape.size() - shape_.size();
  Shape new_shape(shape.size()), new_strides(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      OCTET_CHECK(shape[i] >= 0, "expand", "the expanded size ", shape[i],
                  " is not allowed in a leading, non-existing dimension ", i);
      new_shape[i] = shape[i];
      new_strides[i] = 0;
      continue;
    }
    const int64_t have = shape_[i - lead];
    const int64_t want = shape[i] == -1 ? have : shape[i];
    OCTET_CHECK(want == have || have == 1, "expand", "the expanded size of the tensor (", want,
                ") must match the existing size (", have, ") at non-singleton dimension ", i,
                ".  Target sizes: ", shape_to_string(shape), ".  Tensor sizes: ", shape_to_string(shape_));
    new_shape[i] = want;
    new_strides[i] = (want == have) ? strides_[i - lead] : 0;
  }
  QuantizerPtr q = quantizer_;
  if (q && q->per_channel()) {
    const auto new_axis = q->axis() + static_cast<int64_t>(lead);
    OCTET_CHECK(new_shape[static_cast<size_t>(new_axis)] == shape_[static_cast<size_t>(q->axis())], "expand",
                "cannot expand the channel axis of a per-channel quantized tensor");
    q = q->with_axis(new_axis);
  }
  Tensor out(storage_, offset_, new_shape, new_strides, dtype_, q);
  check_packed_view(out, "expand");
  return out;
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  check_defined("flatten");
  if (dim() == 0) return reshape({1});
  const auto s = detail::wrap_dim(start_dim, dim(), "flatten");
  const auto e = detail::wrap_dim(end_dim, dim(), "flatten");
  OCTET_CHECK(s <= e, "flatten", "start_dim (", start_dim, ") cannot come after end_dim (", end_dim, ")");
  Shape new_shape;
  for (int64_t i = 0; i < s; ++i) new_shape.push_back(shape_[static_cast<size_t>(i)]);
  int64_t merged = 1;
  for (int64_t i = s; i <= e; ++i) merged *= shape_[static_cast<size_t>(i)];
  new_shape.push_back(merged);
  for (int64_t i = e + 1; i < dim(); ++i) new_shape.push_back(shape_[static_cast<size_t>(i)]);
  return reshape(new_shape);
}

}  // namespace octet
