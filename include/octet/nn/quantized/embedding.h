// embedding.h: nn::quantized::Embedding and EmbeddingBag, torch.ao.nn.quantized's weight-only 8-bit and 4-bit rowwise embeddings.
//
//   auto qe = nn::quantized::Embedding::from_float(float_embedding);        // quint8 rows
//   auto q4 = nn::quantized::EmbeddingBag::from_float(float_bag,
//                 {.weight_observer = quantization::float_qparams_weight_only_qconfig_4bit().weight});
//   Tensor y = qe->forward(indices);                                        // float32 rows
//
// The weight is quantized per row with float qparams (quint8 or quint4x2,
// per_channel_affine_float_qparams: a float scale and zero point per row, from
// PerChannelMinMaxObserver) and packed in the fused rowwise layout the embedding kernels read
// (octet/quantized/embedding_packed.h), where an element reads back as scale * q + bias with
// bias = -zero_point * scale (4-bit rows keep scale and bias in float16, PyTorch's format).
// Embedding looks rows up (octet::quantized::embedding_byte / embedding_4bit); EmbeddingBag reduces
// bags of them (embedding_bag_byte_rowwise_offsets / _4bit_), in float32.
//
// Where Octet differs from PyTorch 2.15 on purpose:
//   - EmbeddingBag honours its mode ("sum", "mean", "max"). PyTorch's quantized EmbeddingBag always
//     sums (its forward passes mode 0), whatever mode it was built or converted with.
//   - from_float with a 4-bit observer makes a quint4x2 Embedding. PyTorch's Embedding.from_float
//     builds a quint8 module around the 4-bit weight (it prints dtype=torch.quint8).
//   - EmbeddingBag::from_float of a float bag with padding_idx is an Error: the quantized bag has no
//     padding_idx, and PyTorch silently sums the padding rows the float bag skips.
//
// State dict: "weight", the quantized weight (quint8 / quint4x2 with its per-row scales and zero
// points), never the packed rows (PyTorch saves it as "_packed_params._packed_weight" next to a
// "_packed_params.dtype" entry); load_state_dict repacks. clone() shares the packed weight.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "octet/nn/cloneable.h"
#include "octet/nn/quantized/from_float.h"
#include "octet/nn/sparse.h"
#include "octet/quantized/embedding_packed.h"

namespace octet::nn::quantized {

// torch.ao.nn.quantized.Embedding's keyword arguments. The norm and gradient options are kept for
// completeness; a quantized embedding does not renormalise or train.
struct EmbeddingOptions {
  std::optional<int64_t> padding_idx = std::nullopt;
  std::optional<double> max_norm = std::nullopt;
  double norm_type = 2.0;
  bool scale_grad_by_freq = false;
  bool sparse = false;
  Tensor weight = Tensor();  // PyTorch's _weight: a quantized weight to start from (else zeros, scale 1)
  DType dtype = kQUInt8;  // kQUInt8 or kQUInt4x2
};

// Printed as PyTorch does: "QuantizedEmbedding(num_embeddings=10, embedding_dim=12,
// dtype=torch.quint8, qscheme=torch.per_channel_affine_float_qparams)".
class Embedding : public Cloneable<Embedding> {
 public:
  // An Error for negative sizes, a dtype other than quint8 / quint4x2, an odd embedding_dim with
  // quint4x2, or an options.weight of another shape or kind.
  Embedding(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options = {});

  // int64 or int32 indices of any shape -> float32 indices.shape() + [embedding_dim]. An index
  // outside [0, num_embeddings) is an Error.
  Tensor forward(const Tensor& indices) override;
  std::string name() const override { return "QuantizedEmbedding"; }
  std::string extra_repr() const override;

  // The quantized weight (a new tensor) and a new one, packed: quint8 / quint4x2 (the module's
  // dtype), [num_embeddings, embedding_dim], per_channel_affine_float_qparams along axis 0.
  Tensor weight() const;
  void set_weight(const Tensor& w);
  const octet::quantized::EmbeddingPackedParamsPtr& packed_params() const { return packed_; }

  int64_t num_embeddings() const { return num_embeddings_; }
  int64_t embedding_dim() const { return embedding_dim_; }
  DType dtype() const { return dtype_; }
  const EmbeddingOptions& options() const { return options_; }

  // Quantizes a float Embedding through args.weight_observer (default: PyTorch's
  // float_qparams_weight_only_qconfig weight, PerChannelMinMaxObserver quint8 float qparams); the
  // observer must use per_channel_affine_float_qparams with quint8 or quint4x2 (the module takes
  // its dtype). The float module is not changed.
  static std::shared_ptr<Embedding> from_float(const nn::Embedding& mod, const FromFloatArgs& args = {});

 protected:
  // For EmbeddingBag: the module name in messages.
  Embedding(const char* module, int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options);

  void save_to_state_dict(StateDict& destination, const std::string& prefix) const override;
  void load_from_state_dict(StateDictLoad& load, const std::string& prefix) override;
  // The weight of a float embedding quantized by the observer of args, named for `module`.
  static Tensor quantize_from(const Tensor& weight, const FromFloatArgs& args, const std::string& module);

  octet::quantized::EmbeddingPackedParamsPtr packed_;

 private:
  // Empty when `w` fits this module, else the reason.
  std::string check_weight(const Tensor& w) const;

  std::string module_;
  int64_t num_embeddings_;
  int64_t embedding_dim_;
  DType dtype_;
  EmbeddingOptions options_;
};

// torch.ao.nn.quantized.EmbeddingBag's keyword arguments (its mode defaults to "sum").
struct EmbeddingBagOptions {
  std::optional<double> max_norm = std::nullopt;
  double norm_type = 2.0;
  bool scale_grad_by_freq = false;
  std::string mode = "sum";  // "sum", "mean" or "max"
  bool sparse = false;
  Tensor weight = Tensor();  // as EmbeddingOptions::weight
  bool include_last_offset = false;
  DType dtype = kQUInt8;
};

// Printed like Embedding ("QuantizedEmbeddingBag(num_embeddings=..., embedding_dim=..., dtype=...,
// qscheme=...)"; PyTorch does not print the mode).
class EmbeddingBag : public Cloneable<EmbeddingBag, Embedding> {
 public:
  // An Error for the Embedding checks and a mode other than "sum", "mean", "max".
  EmbeddingBag(int64_t num_embeddings, int64_t embedding_dim, EmbeddingBagOptions options = {});

  // A 2-D input of B bags (no offsets).
  Tensor forward(const Tensor& indices) override;
  // PyTorch's forward(indices, offsets=None, per_sample_weights=None): float32 (bags,
  // embedding_dim). A 1-D input needs offsets (the start of each bag); per_sample_weights (float32,
  // the indices' shape) only in "sum" mode. See octet/quantized/embedding.h for the rules.
  Tensor forward(const Tensor& indices, const Tensor& offsets, const Tensor& per_sample_weights = {});
  std::string name() const override { return "QuantizedEmbeddingBag"; }

  const std::string& mode() const { return mode_; }
  bool include_last_offset() const { return include_last_offset_; }

  // As Embedding::from_float for a float EmbeddingBag (mode, include_last_offset and the norm
  // options carried over); a float bag with padding_idx is an Error.
  static std::shared_ptr<EmbeddingBag> from_float(const nn::EmbeddingBag& mod, const FromFloatArgs& args = {});

 private:
  std::string mode_;
  bool include_last_offset_;
};

}  // namespace octet::nn::quantized
