// embedding.h: 8-bit and 4-bit rowwise quantized embeddings and embedding bags (octet::quantized, PyTorch's torch.ops.quantized.embedding_*).
//
// Weights are PyTorch's fused rowwise uint8 matrices, one row per embedding:
//
//   byte (8-bit):  [ q[0] ... q[D-1] | float32 scale | float32 bias ]       D + 8 bytes per row
//   4bit:          [ D/2 bytes of nibbles | fp16 scale | fp16 bias ]       D/2 + 4 bytes per row
//                  (element 2i in the low nibble of byte i, 2i + 1 in the high one)
//
// and element d of a row stands for scale * q[d] + bias. The prepack functions build them exactly
// as PyTorch's embedding_bag_byte_prepack / embedding_bag_4bit_prepack (fbgemm's rowwise rules):
//   byte: min, max of the row; scale = (max - min) / 255; bias = min;
//         q = lrintf((x - min) * (255 / (max - min + 1e-8)))                  float32
//   4bit: bias = min rounded to fp16; scale = (max - bias) / 15 rounded to fp16 (1 when that is 0
//         or its reciprocal overflows); q = clamp(lrintf((x - bias) * (1 / scale)), 0, 15)
//
// Bags reduce rows in float32 (src/kernels/qembedding_kernels.h gives the order): "sum" adds
// (acc + bias) + scale * q row by row, with scale and bias first multiplied by the row's
// per-sample weight; "mean" multiplies the sum by 1 / count; "max" keeps the largest
// scale * q + bias; an empty bag gives zeros. fbgemm (PyTorch) fuses scale * q + acc into one
// FMA, so PyTorch's sums differ in the last bits (relative ~1e-7 of the magnitudes summed).
// PyTorch's rowwise ops accept a mode but always sum; Octet implements mean and max as
// torch.nn.functional.embedding_bag defines them.
#pragma once

#include <cstdint>

#include "octet/tensor.h"

namespace octet::quantized {

// torch.ops.quantized.embedding_bag_byte_prepack: float32 (..., D) of finite values -> uint8
// (..., D + 8).
Tensor embedding_bag_byte_prepack(const Tensor& weight);
// torch.ops.quantized.embedding_bag_4bit_prepack: float32 (N, D), D even, finite -> uint8 (N, D/2 + 4).
Tensor embedding_bag_4bit_prepack(const Tensor& weight);
// torch.ops.quantized.embedding_bag_byte_unpack / embedding_bag_4bit_unpack: the float32 values
// scale * q + bias (product, then sum, each rounded) of every element.
Tensor embedding_bag_byte_unpack(const Tensor& packed);
Tensor embedding_bag_4bit_unpack(const Tensor& packed);

// The bag modes, numbered as PyTorch's (EmbeddingBagMode).
inline constexpr int64_t kEmbeddingBagSum = 0;
inline constexpr int64_t kEmbeddingBagMean = 1;
inline constexpr int64_t kEmbeddingBagMax = 2;

// torch.ops.quantized.embedding_bag_byte_rowwise_offsets / embedding_bag_4bit_rowwise_offsets on a
// fused weight (2-D uint8). indices: int64 or int32, each in [0, rows). Either indices is 2-D
// (B, L) and offsets is undefined (B bags of L), or indices is 1-D and offsets (1-D, int64/int32)
// starts each bag: offsets[0] == 0, non-decreasing, at most indices.numel(); without
// include_last_offset there are offsets.numel() bags, the last ending at the end of indices; with
// it, offsets.numel() - 1 bags. per_sample_weights (float32, indices' shape) only with "sum".
// Returns float32 (bags, D).
Tensor embedding_bag_byte_rowwise_offsets(const Tensor& weight, const Tensor& indices, const Tensor& offsets = {},
                                          int64_t mode = kEmbeddingBagSum, const Tensor& per_sample_weights = {},
                                          bool include_last_offset = false);
Tensor embedding_bag_4bit_rowwise_offsets(const Tensor& weight, const Tensor& indices, const Tensor& offsets = {},
                                          int64_t mode = kEmbeddingBagSum, const Tensor& per_sample_weights = {},
                                          bool include_last_offset = false);

// torch.ops.quantized.embedding_byte / embedding_4bit: plain lookup of a fused weight, float32
// output of shape indices.shape() + [D], each element scale * q + bias.
Tensor embedding_byte(const Tensor& weight, const Tensor& indices);
Tensor embedding_4bit(const Tensor& weight, const Tensor& indices);

}  // namespace octet::quantized
