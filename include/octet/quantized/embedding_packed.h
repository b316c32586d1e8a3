// embedding_packed.h: a rowwise-quantized embedding weight packed for the embedding ops (PyTorch's EmbeddingPackedParamsBase: quantized::embedding_bag_prepack / embedding_bag_unpack).
//
// The weight is a quint8 or quint4x2 tensor [num_embeddings, embedding_dim] quantized per row with
// float qparams (per_channel_affine_float_qparams, axis 0: q = round(x / scale + zero_point), see
// docs/numerics.md). embedding_bag_prepack rewrites it in the fused rowwise layout the embedding ops
// read (octet/quantized/embedding.h), exactly as PyTorch does:
//
//   8-bit:  [ q[0] ... q[D-1] | float32 scale | float32 bias ]       bias = (zero_point * scale) * -1
//   4-bit:  [ D/2 bytes of nibbles | fp16 scale | fp16 bias ]         the same, each rounded to fp16
//
// so a row element reads back as scale * q + bias = scale * (q - zero_point) up to rounding; the
// 4-bit rows round scale and bias to half precision, PyTorch's format. unpack() returns the
// quantized weight exactly as given (integers, scales and zero points), whatever the packing rounded.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "octet/tensor.h"

namespace octet::quantized {

// Immutable after embedding_bag_prepack; safe to share between threads.
class EmbeddingPackedParams {
 public:
  EmbeddingPackedParams(Tensor packed, DType dtype, int64_t embedding_dim, std::vector<double> scales,
                        std::vector<float> zero_points);

  // The fused rows (uint8 [num_embeddings, D + 8] for quint8, [num_embeddings, D / 2 + 4] for
  // quint4x2), the weight argument of embedding_byte / embedding_4bit and the bag ops.
  const Tensor& packed() const { return packed_; }
  // PyTorch's embedding_bag_unpack: the quantized weight (a new tensor).
  Tensor unpack() const;
  DType dtype() const { return dtype_; }  // kQUInt8 or kQUInt4x2
  int bit_rate() const { return dtype_ == kQUInt8 ? 8 : 4; }
  int64_t num_embeddings() const { return static_cast<int64_t>(scales_.size()); }
  int64_t embedding_dim() const { return embedding_dim_; }

 private:
  Tensor packed_;
  DType dtype_;
  int64_t embedding_dim_;
  std::vector<double> scales_;
  std::vector<float> zero_points_;
};

using EmbeddingPackedParamsPtr = std::shared_ptr<const EmbeddingPackedParams>;

// torch.ops.quantized.embedding_bag_prepack: qweight quint8 or quint4x2, 2-D, quantized
// per_channel_affine_float_qparams along axis 0 (a 4-bit weight needs an even embedding_dim).
EmbeddingPackedParamsPtr embedding_bag_prepack(const Tensor& qweight);
// torch.ops.quantized.embedding_bag_unpack.
Tensor embedding_bag_unpack(const EmbeddingPackedParamsPtr& packed);

}  // namespace octet::quantized
