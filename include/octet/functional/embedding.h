// embedding.h: embedding and embedding_bag lookups (octet::functional, PyTorch's torch.nn.functional).
//
// Indices are int64 or int32 tensors; weight is a float32 (num_embeddings, embedding_dim) matrix.
// An index outside [0, num_embeddings) is an Error naming it. The argument lists are PyTorch's, in
// PyTorch's order, so positional calls read the same. scale_grad_by_freq (scale each row's gradient
// by its frequency in the batch) and sparse (a sparse weight gradient) only change gradients, which
// Octet's inference path does not compute: they are accepted and leave the result unchanged.
#pragma once

#include <optional>
#include <string_view>

#include "octet/tensor.h"

namespace octet::functional {

// Rows of weight gathered at input's indices: output shape input.shape() + [embedding_dim].
// padding_idx (may be negative, counting from the end) only has to be a valid row: it changes
// gradients, not the forward result. max_norm: every row looked up whose norm_type-norm exceeds
// max_norm is first rescaled IN PLACE in weight to norm max_norm (times max_norm / (norm + 1e-7),
// as PyTorch's embedding_renorm_).
Tensor embedding(const Tensor& input, const Tensor& weight,
                 std::optional<int64_t> padding_idx = std::nullopt,
                 std::optional<double> max_norm = std::nullopt, double norm_type = 2.0,
                 bool scale_grad_by_freq = false, bool sparse = false);

// Reduces bags of embedding rows: mode "sum", "mean" or "max" (per dimension). Either input is 2-D
// (B, L): B bags of L indices, offsets absent; or input is 1-D and offsets (1-D, int64/int32) give
// each bag's start: offsets[0] == 0, non-decreasing, at most input.numel(). Without
// include_last_offset there are offsets.numel() bags, the last ending at input's end; with it,
// offsets.numel() - 1 bags, bag i ending at offsets[i + 1]. Entries equal to padding_idx are
// skipped (not counted by "mean"); an empty bag gives zeros. per_sample_weights (input's shape,
// float32) scale each row before summing, in "sum" mode only. max_norm renormalises the rows used,
// in place, as in embedding(). Returns (B, embedding_dim). As in PyTorch, "max" mode rejects
// scale_grad_by_freq and sparse.
//   F::embedding_bag(idx, w, offsets, std::nullopt, 2.0, /*scale_grad_by_freq=*/false, "sum")
Tensor embedding_bag(const Tensor& input, const Tensor& weight, const Tensor& offsets = {},
                     std::optional<double> max_norm = std::nullopt, double norm_type = 2.0,
                     bool scale_grad_by_freq = false, std::string_view mode = "mean", bool sparse = false,
                     const Tensor& per_sample_weights = {}, bool include_last_offset = false,
                     std::optional<int64_t> padding_idx = std::nullopt);

// Octet's earlier order put mode sixth, where scale_grad_by_freq now is; a string literal there
// would silently convert to bool, so such a call does not compile.
Tensor embedding_bag(const Tensor& input, const Tensor& weight, const Tensor& offsets, std::optional<double> max_norm,
                     double norm_type, const char* mode, const Tensor& per_sample_weights = {},
                     bool include_last_offset = false, std::optional<int64_t> padding_idx = std::nullopt) = delete;

}  // namespace octet::functional
