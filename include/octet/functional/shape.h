// shape.h: joining and splitting tensors: cat, stack, split, chunk, pixel_shuffle, pixel_unshuffle (octet::functional, PyTorch's torch.nn.functional).
//
// cat and stack copy into a new contiguous tensor, promoting mixed dtypes (float32, float64, int32,
// int64, bool) as PyTorch does; split and chunk return views that share the input's storage (as in
// PyTorch), so writing into a piece writes into the input. Reshape, permute, transpose, squeeze,
// unsqueeze, expand and flatten are Tensor methods.
#pragma once

#include <cstdint>
#include <vector>

#include "octet/tensor.h"

namespace octet::functional {

// Joins along an existing dim; every other dim must match. 1-D empty tensors (shape [0]) are skipped,
// as PyTorch's legacy rule allows.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Joins along a new dim inserted at `dim` (in [-(d+1), d]); all shapes must be equal.
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Pieces of split_size along dim (the last may be smaller). Note: split(x, {2}) calls this overload
// (split_size = 2); pass a Shape variable for a one-element size list.
std::vector<Tensor> split(const Tensor& tensor, int64_t split_size, int64_t dim = 0);
// Pieces of the given sizes along dim; the sizes must sum to tensor.size(dim).
std::vector<Tensor> split(const Tensor& tensor, const Shape& split_sizes, int64_t dim = 0);
// At most `chunks` pieces of ceil(size / chunks) along dim (fewer when the size runs out).
std::vector<Tensor> chunk(const Tensor& tensor, int64_t chunks, int64_t dim = 0);

// (*, C r^2, H, W) -> (*, C, H r, W r) and back.
Tensor pixel_shuffle(const Tensor& input, int64_t upscale_factor);
Tensor pixel_unshuffle(const Tensor& input, int64_t downscale_factor);

}  // namespace octet::functional
