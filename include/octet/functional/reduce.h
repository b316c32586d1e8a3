// reduce.h: reductions over dimensions: sum, mean, max, min, argmax, argmin (octet::functional, PyTorch's torch.nn.functional).
//
// dim lists may hold negative dims (counting from the end); an empty list reduces every dim. keepdim
// keeps each reduced dim with size 1. Floating sums accumulate in double. Dtypes: float32, float64,
// int32, int64 (sum of integers gives int64, as in PyTorch; mean needs a floating input). max/min
// propagate NaN and report the first index of the extreme (the first NaN, if any), as PyTorch's CPU
// kernels do. Indices are int64.
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>

#include "octet/tensor.h"

namespace octet::functional {

Tensor sum(const Tensor& input);  // a 0-d tensor
Tensor sum(const Tensor& input, int64_t dim, bool keepdim = false);
Tensor sum(const Tensor& input, const Shape& dim, bool keepdim = false);
Tensor mean(const Tensor& input);
Tensor mean(const Tensor& input, int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& input, const Shape& dim, bool keepdim = false);

// The largest element (a 0-d tensor); an empty input is an Error.
Tensor max(const Tensor& input);
Tensor min(const Tensor& input);
// (values, indices) along one dim.
std::tuple<Tensor, Tensor> max(const Tensor& input, int64_t dim, bool keepdim = false);
std::tuple<Tensor, Tensor> min(const Tensor& input, int64_t dim, bool keepdim = false);
// Index of the largest (smallest) element along dim, or into the flattened input when dim is absent.
Tensor argmax(const Tensor& input, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& input, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);

}  // namespace octet::functional
