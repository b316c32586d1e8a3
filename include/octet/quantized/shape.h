// shape.h: shape ops on quantized tensors that keep their qparams (octet::quantized; PyTorch's reshape, flatten, permute, ... on quantized tensors).
//
// Thin wrappers over Tensor's views, which share storage and carry the Quantizer along: a
// per-tensor quantizer is unchanged; a per-channel one follows its channel axis (permute and
// transpose move it, squeeze/unsqueeze/flatten shift it, slicing along it slices the scales and
// zero points, and selecting one channel leaves that channel's per-tensor qparams). A reshape
// that would split or merge the channel axis is an Error, since the scales would no longer line
// up with the data. The input must be a quantized tensor: these are the quantized ops, and a float
// input is an Error that says so (use the Tensor methods for float tensors).
#pragma once

#include <cstdint>

#include "octet/tensor.h"

namespace octet::quantized {

Tensor reshape(const Tensor& qx, const Shape& shape);  // a view when possible, else a copy
Tensor flatten(const Tensor& qx, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor permute(const Tensor& qx, const Shape& dims);
Tensor transpose(const Tensor& qx, int64_t dim0, int64_t dim1);
Tensor squeeze(const Tensor& qx);               // every size-1 dim
Tensor squeeze(const Tensor& qx, int64_t dim);  // a no-op when that dim is not 1, as PyTorch
Tensor unsqueeze(const Tensor& qx, int64_t dim);
// Python slicing along dim: [start, end) with step >= 1, bounds clamped as Python does.
Tensor slice(const Tensor& qx, int64_t dim, int64_t start, int64_t end, int64_t step = 1);

}  // namespace octet::quantized
