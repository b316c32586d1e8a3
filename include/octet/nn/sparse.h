// sparse.h: octet::nn::Embedding and EmbeddingBag, torch.nn's lookup-table modules.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "octet/generator.h"
#include "octet/nn/cloneable.h"

namespace octet::nn {

// The keyword arguments of torch.nn.Embedding. padding_idx may be negative (counted from the end)
// and is stored normalised to [0, num_embeddings). scale_grad_by_freq and sparse only affect
// gradients; they are kept for printing and for modules that train.
//   nn::Embedding(1000, 64, {.padding_idx = 0})
struct EmbeddingOptions {
  std::optional<int64_t> padding_idx = std::nullopt;
  std::optional<double> max_norm = std::nullopt;
  double norm_type = 2.0;
  bool scale_grad_by_freq = false;
  bool sparse = false;
};

// The keyword arguments of torch.nn.Embedding.from_pretrained.
struct EmbeddingFromPretrainedOptions {
  bool freeze = true;  // the weight's requires_grad is !freeze
  std::optional<int64_t> padding_idx = std::nullopt;
  std::optional<double> max_norm = std::nullopt;
  double norm_type = 2.0;
  bool scale_grad_by_freq = false;
  bool sparse = false;
};

// torch.nn.Embedding: parameter "weight" (num_embeddings, embedding_dim), initialised N(0, 1) with
// the padding_idx row zeroed. forward(indices) gathers rows through F::embedding: int64 or int32
// indices of any shape -> indices.shape() + [embedding_dim]. With max_norm, the rows looked up are
// renormalised in place in weight first, as in PyTorch.
class Embedding : public Cloneable<Embedding> {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options = {});
  // From an existing float32 (num_embeddings, embedding_dim) weight, which the module shares (not a
  // copy, like PyTorch's from_pretrained); the padding_idx row is left as it is.
  explicit Embedding(const Tensor& embeddings, EmbeddingFromPretrainedOptions options = {});
  // PyTorch's classmethod spelling of the constructor above.
  static std::shared_ptr<Embedding> from_pretrained(const Tensor& embeddings,
                                                    EmbeddingFromPretrainedOptions options = {});

  Tensor forward(const Tensor& input) override;
  // "1000, 64, padding_idx=0".
  std::string extra_repr() const override;
  // N(0, 1) from `generator` (default_generator() when null), then the padding_idx row zeroed.
  void reset_parameters(Generator* generator = nullptr);

  int64_t num_embeddings() const { return num_embeddings_; }
  int64_t embedding_dim() const { return embedding_dim_; }
  const EmbeddingOptions& options() const { return options_; }

  Tensor weight;

 private:
  int64_t num_embeddings_;
  int64_t embedding_dim_;
  EmbeddingOptions options_;
};

// The keyword arguments of torch.nn.EmbeddingBag, in PyTorch's order. mode: "sum", "mean" or "max".
struct EmbeddingBagOptions {
  std::optional<double> max_norm = std::nullopt;
  double norm_type = 2.0;
  bool scale_grad_by_freq = false;
  std::string mode = "mean";
  bool sparse = false;
  bool include_last_offset = false;
  std::optional<int64_t> padding_idx = std::nullopt;
};

// The keyword arguments of torch.nn.EmbeddingBag.from_pretrained.
struct EmbeddingBagFromPretrainedOptions {
  bool freeze = true;
  std::optional<double> max_norm = std::nullopt;
  double norm_type = 2.0;
  bool scale_grad_by_freq = false;
  std::string mode = "mean";
  bool sparse = false;
  bool include_last_offset = false;
  std::optional<int64_t> padding_idx = std::nullopt;
};

// torch.nn.EmbeddingBag: parameter "weight" (num_embeddings, embedding_dim), initialised like
// Embedding. forward(input, offsets, per_sample_weights) reduces bags of rows through
// F::embedding_bag: a 2-D input (B, L) is B bags (offsets absent); a 1-D input needs offsets.
class EmbeddingBag : public Cloneable<EmbeddingBag> {
 public:
  EmbeddingBag(int64_t num_embeddings, int64_t embedding_dim, EmbeddingBagOptions options = {});
  // From an existing float32 (num_embeddings, embedding_dim) weight, shared with the module.
  explicit EmbeddingBag(const Tensor& embeddings, EmbeddingBagFromPretrainedOptions options = {});
  static std::shared_ptr<EmbeddingBag> from_pretrained(const Tensor& embeddings,
                                                       EmbeddingBagFromPretrainedOptions options = {});

  // A 2-D input of B bags (no offsets).
  Tensor forward(const Tensor& input) override;
  // PyTorch's forward(input, offsets=None, per_sample_weights=None); per_sample_weights only in
  // "sum" mode.
  Tensor forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights = {});
  // "10, 3, mode='sum', padding_idx=2".
  std::string extra_repr() const override;
  void reset_parameters(Generator* generator = nullptr);

  int64_t num_embeddings() const { return num_embeddings_; }
  int64_t embedding_dim() const { return embedding_dim_; }
  const EmbeddingBagOptions& options() const { return options_; }

  Tensor weight;

 private:
  int64_t num_embeddings_;
  int64_t embedding_dim_;
  EmbeddingBagOptions options_;
};

}  // namespace octet::nn
