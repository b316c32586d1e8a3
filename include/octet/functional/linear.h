// linear.h: linear, matmul and bmm on float32 tensors (octet::functional, PyTorch's torch.nn.functional).
//
// All take float32 tensors of any layout (views included) and return a new contiguous float32
// tensor; products accumulate in float32 with FMA, blocked over K (docs/kernels.md "fp32 GEMM and
// convolution"), so results match PyTorch's to a relative error of about 1e-6 rather than bit for bit.
#pragma once

#include "octet/tensor.h"

namespace octet::functional {

// y = input * weight^T + bias. input (*, in_features), weight (out_features, in_features), bias
// (out_features) or absent; y (*, out_features).
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});

// torch.matmul: 1-D x 1-D is a dot product (a 0-dim tensor); 2-D x 2-D a matrix product; a 1-D
// first argument is a row vector and a 1-D second argument a column vector (the added dim is
// removed again); with more dims, the last two are the matrices and the leading (batch) dims
// broadcast, e.g. (j, 1, n, m) x (k, m, p) -> (j, k, n, p).
Tensor matmul(const Tensor& input, const Tensor& other);

// torch.bmm: (b, n, m) x (b, m, p) -> (b, n, p); no broadcasting.
Tensor bmm(const Tensor& input, const Tensor& mat2);

}  // namespace octet::functional
