// sparse.cpp: Embedding and EmbeddingBag.
#include "octet/nn/sparse.h"

#include <utility>

#include "nn/layer_util.h"
#include "octet/functional/embedding.h"
#include "octet/nn/init.h"

namespace octet::nn {

using namespace layer_util;

namespace {

// PyTorch's padding_idx rule: within [-num_embeddings, num_embeddings), negative counted from the end.
std::optional<int64_t> normalise_padding_idx(std::optional<int64_t> padding_idx, int64_t num_embeddings,
                                             const char* module) {
  if (!padding_idx.has_value()) return std::nullopt;
  const int64_t p = *padding_idx;
  OCTET_CHECK(p >= -num_embeddings && p < num_embeddings, module, "padding_idx must be within num_embeddings (",
              num_embeddings, "), got ", p);
  return p < 0 ? p + num_embeddings : p;
}

void check_sizes(int64_t num_embeddings, int64_t embedding_dim, const char* module) {
  OCTET_CHECK(num_embeddings >= 0 && embedding_dim >= 0, module,
              "num_embeddings and embedding_dim must be >= 0, got ", num_embeddings, " and ", embedding_dim);
}

void check_pretrained(const Tensor& embeddings, const char* module) {
  OCTET_CHECK(embeddings.defined(), module, "the pretrained embeddings are undefined");
  OCTET_CHECK(embeddings.dim() == 2, module, "embeddings are expected to be 2-dimensional, got shape ",
              shape_to_string(embeddings.shape()));
  OCTET_CHECK(embeddings.dtype() == kFloat32, module, "embeddings must be float32, got ", embeddings.dtype());
}

void check_indices(const Tensor& input, const char* module, const char* what) {
  OCTET_CHECK(input.defined(), module, "the ", what, " are undefined");
  OCTET_CHECK(input.dtype() == kInt64 || input.dtype() == kInt32, module, "expected int64 or int32 ", what, ", got ",
              input.dtype());
}

// N(0, 1), then the padding row zeroed (PyTorch's reset_parameters and _fill_padding_idx_with_zero).
void init_weight(const Tensor& weight, std::optional<int64_t> padding_idx, Generator* generator) {
  init::normal_(weight, 0.0, 1.0, generator);
  if (padding_idx.has_value()) weight.select(0, *padding_idx).fill_(0.0);
}

std::string repr_common(int64_t num, int64_t dim, const std::optional<double>& max_norm, double norm_type,
                        bool scale_grad_by_freq) {
  std::string s = std::to_string(num) + ", " + std::to_string(dim);
  if (max_norm.has_value()) s += ", max_norm=" + py_float(*max_norm);
  if (norm_type != 2.0) s += ", norm_type=" + py_float(norm_type);
  if (scale_grad_by_freq) s += ", scale_grad_by_freq=True";
  return s;
}

}  // namespace

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options)
    : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim), options_(std::move(options)) {
  check_sizes(num_embeddings, embedding_dim, "Embedding");
  options_.padding_idx = normalise_padding_idx(options_.padding_idx, num_embeddings, "Embedding");
  register_parameter("weight", &Embedding::weight, empty({num_embeddings, embedding_dim}));
  reset_parameters();
}

Embedding::Embedding(const Tensor& embeddings, EmbeddingFromPretrainedOptions o)
    : num_embeddings_(0), embedding_dim_(0) {
  check_pretrained(embeddings, "Embedding");
  num_embeddings_ = embeddings.size(0);
  embedding_dim_ = embeddings.size(1);
  options_ = EmbeddingOptions{normalise_padding_idx(o.padding_idx, num_embeddings_, "Embedding"), o.max_norm,
                              o.norm_type, o.scale_grad_by_freq, o.sparse};
  register_parameter("weight", &Embedding::weight, embeddings, /*requires_grad=*/!o.freeze);
}

std::shared_ptr<Embedding> Embedding::from_pretrained(const Tensor& embeddings, EmbeddingFromPretrainedOptions o) {
  return std::make_shared<Embedding>(embeddings, std::move(o));
}

void Embedding::reset_parameters(Generator* generator) { init_weight(weight, options_.padding_idx, generator); }

Tensor Embedding::forward(const Tensor& input) {
  check_indices(input, "Embedding", "indices");
  return functional::embedding(input, weight, options_.padding_idx, options_.max_norm, options_.norm_type,
                               options_.scale_grad_by_freq, options_.sparse);
}

std::string Embedding::extra_repr() const {
  std::string s = std::to_string(num_embeddings_) + ", " + std::to_string(embedding_dim_);
  if (options_.padding_idx.has_value()) s += ", padding_idx=" + std::to_string(*options_.padding_idx);
  if (options_.max_norm.has_value()) s += ", max_norm=" + py_float(*options_.max_norm);
  if (options_.norm_type != 2.0) s += ", norm_type=" + py_float(options_.norm_type);
  if (options_.scale_grad_by_freq) s += ", scale_grad_by_freq=True";
  if (options_.sparse) s += ", sparse=True";
  return s;
}

namespace {

void check_mode(const std::string& mode) {
  OCTET_CHECK(mode == "sum" || mode == "mean" || mode == "max", "EmbeddingBag",
              "mode must be one of 'sum', 'mean' or 'max', got '", mode, "'");
}

}  // namespace

EmbeddingBag::EmbeddingBag(int64_t num_embeddings, int64_t embedding_dim, EmbeddingBagOptions options)
    : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim), options_(std::move(options)) {
  check_sizes(num_embeddings, embedding_dim, "EmbeddingBag");
  check_mode(options_.mode);
  options_.padding_idx = normalise_padding_idx(options_.padding_idx, num_embeddings, "EmbeddingBag");
  register_parameter("weight", &EmbeddingBag::weight, empty({num_embeddings, embedding_dim}));
  reset_parameters();
}

EmbeddingBag::EmbeddingBag(const Tensor& embeddings, EmbeddingBagFromPretrainedOptions o)
    : num_embeddings_(0), embedding_dim_(0) {
  check_pretrained(embeddings, "EmbeddingBag");
  check_mode(o.mode);
  num_embeddings_ = embeddings.size(0);
  embedding_dim_ = embeddings.size(1);
  options_ = EmbeddingBagOptions{o.max_norm,          o.norm_type, o.scale_grad_by_freq,
                                 o.mode,              o.sparse,    o.include_last_offset,
                                 normalise_padding_idx(o.padding_idx, num_embeddings_, "EmbeddingBag")};
  register_parameter("weight", &EmbeddingBag::weight, embeddings, /*requires_grad=*/!o.freeze);
}

std::shared_ptr<EmbeddingBag> EmbeddingBag::from_pretrained(const Tensor& embeddings,
                                                            EmbeddingBagFromPretrainedOptions o) {
  return std::make_shared<EmbeddingBag>(embeddings, std::move(o));
}

void EmbeddingBag::reset_parameters(Generator* generator) { init_weight(weight, options_.padding_idx, generator); }

Tensor EmbeddingBag::forward(const Tensor& input) { return forward(input, Tensor(), Tensor()); }

Tensor EmbeddingBag::forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights) {
  check_indices(input, "EmbeddingBag", "indices");
  OCTET_CHECK(input.dim() == 1 || input.dim() == 2, "EmbeddingBag",
              "expected a 1-D (with offsets) or 2-D (B bags) input, got shape ", shape_to_string(input.shape()));
  if (input.dim() == 2) {
    OCTET_CHECK(!offsets.defined(), "EmbeddingBag", "offsets must be absent for a 2-D input (each row is a bag), got ",
                "offsets of shape ", shape_to_string(offsets.shape()));
  } else {
    OCTET_CHECK(offsets.defined(), "EmbeddingBag", "a 1-D input needs offsets (the start of each bag)");
    check_indices(offsets, "EmbeddingBag", "offsets");
  }
  return functional::embedding_bag(input, weight, offsets, options_.max_norm, options_.norm_type,
                                   options_.scale_grad_by_freq, options_.mode, options_.sparse, per_sample_weights,
                                   options_.include_last_offset, options_.padding_idx);
}

std::string EmbeddingBag::extra_repr() const {
  std::string s = repr_common(num_embeddings_, embedding_dim_, options_.max_norm, options_.norm_type,
                              options_.scale_grad_by_freq);
  s += ", mode=" + py_str(options_.mode);
  if (options_.padding_idx.has_value()) s += ", padding_idx=" + std::to_string(*options_.padding_idx);
  return s;
}

}  // namespace octet::nn
