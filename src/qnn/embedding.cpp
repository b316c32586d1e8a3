// embedding.cpp: nn::quantized::Embedding and EmbeddingBag on rowwise 8-bit / 4-bit packed weights, their state dicts and from_float.
#include "octet/nn/quantized/embedding.h"

#include <sstream>
#include <utility>
#include <vector>

#include "octet/quantization/qconfig.h"
#include "octet/quantize.h"
#include "octet/quantized/embedding.h"
#include "qnn/qnn_util.h"

namespace octet::nn::quantized {

namespace qops = ::octet::quantized;

namespace {

// PyTorch's constructor weight: zeros with scale 1 and zero point 0 per row.
Tensor zero_weight(int64_t rows, int64_t dim, DType dtype) {
  return quantize_per_channel(zeros({rows, dim}), ones({rows}), zeros({rows}), /*axis=*/0, dtype);
}

int64_t bag_mode(const std::string& mode) {
  OCTET_CHECK(mode == "sum" || mode == "mean" || mode == "max", "QuantizedEmbeddingBag",
              "mode must be 'sum', 'mean' or 'max', got '", mode, "'");
  return mode == "sum" ? qops::kEmbeddingBagSum : mode == "mean" ? qops::kEmbeddingBagMean : qops::kEmbeddingBagMax;
}

}  // namespace

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options)
    : Embedding("QuantizedEmbedding", num_embeddings, embedding_dim, std::move(options)) {}

Embedding::Embedding(const char* module, int64_t num_embeddings, int64_t embedding_dim, EmbeddingOptions options)
    : module_(module),
      num_embeddings_(num_embeddings),
      embedding_dim_(embedding_dim),
      dtype_(options.dtype),
      options_(std::move(options)) {
  OCTET_CHECK(num_embeddings >= 0 && embedding_dim >= 0, module_,
              "num_embeddings and embedding_dim must be >= 0, got ", num_embeddings, " and ", embedding_dim);
  OCTET_CHECK(dtype_ == kQUInt8 || dtype_ == kQUInt4x2, module_,
              "unsupported dtype on quantized embedding: ", dtype_, " (supports quint8 and quint4x2)");
  OCTET_CHECK(dtype_ == kQUInt8 || embedding_dim % 2 == 0, module_,
              "a quint4x2 embedding needs an even embedding_dim (two 4-bit values per byte), got ", embedding_dim);
  const Tensor w = options_.weight.defined() ? options_.weight : zero_weight(num_embeddings, embedding_dim, dtype_);
  options_.weight = Tensor();  // the module keeps the packed form only
  set_weight(w);
}

std::string Embedding::check_weight(const Tensor& w) const {
  std::ostringstream why;
  if (!w.defined() || w.dtype() != dtype_) {
    why << "expected a " << dtype_ << " weight (the module's dtype), got "
        << (w.defined() ? dtype_name(w.dtype()) : "an undefined tensor");
  } else if (w.shape() != Shape{num_embeddings_, embedding_dim_}) {
    why << "size mismatch: expected shape " << shape_to_string({num_embeddings_, embedding_dim_}) << ", got "
        << shape_to_string(w.shape());
  } else if (w.qscheme() != kPerChannelAffineFloatQParams || w.q_per_channel_axis() != 0) {
    why << "expected a weight quantized per row with float qparams (per_channel_affine_float_qparams along axis 0), "
           "got "
        << w.qscheme();
  }
  return why.str();
}

Tensor Embedding::forward(const Tensor& indices) {
  OCTET_CHECK(indices.defined(), module_, "the indices are undefined");
  OCTET_CHECK(indices.dtype() == kInt64 || indices.dtype() == kInt32, module_,
              "expected int64 or int32 indices, got ", indices.dtype(),
              indices.is_floating_point() ? " (an embedding looks rows up by integer index)" : "");
  return dtype_ == kQUInt8 ? qops::embedding_byte(packed_->packed(), indices)
                           : qops::embedding_4bit(packed_->packed(), indices);
}

std::string Embedding::extra_repr() const {
  std::string s = "num_embeddings=";
  s.append(std::to_string(num_embeddings_)).append(", embedding_dim=").append(std::to_string(embedding_dim_));
  s.append(", dtype=torch.").append(dtype_name(dtype_));
  s.append(", qscheme=torch.").append(qscheme_name(kPerChannelAffineFloatQParams));
  return s;
}

Tensor Embedding::weight() const { return packed_->unpack(); }

void Embedding::set_weight(const Tensor& w) {
  const std::string why = check_weight(w);
  OCTET_CHECK(why.empty(), module_, "set_weight: ", why);
  packed_ = qops::embedding_bag_prepack(w);
}

void Embedding::save_to_state_dict(StateDict& destination, const std::string& prefix) const {
  destination.insert(prefix + "weight", packed_->unpack());
  Module::save_to_state_dict(destination, prefix);
}

void Embedding::load_from_state_dict(StateDictLoad& load, const std::string& prefix) {
  Module::load_from_state_dict(load, prefix);
  const std::string key = prefix + "weight";
  detail::erase_unexpected(load, key);
  const Tensor* w = detail::find_required(load, key);
  if (w == nullptr) return;
  const std::string why = check_weight(*w);
  if (!why.empty()) {
    load.error_msgs.push_back(detail::load_error(key, why));
    return;
  }
  qops::EmbeddingPackedParamsPtr packed;
  try {
    packed = qops::embedding_bag_prepack(*w);
  } catch (const Error& e) {
    load.error_msgs.push_back(detail::load_error(key, e.what()));
    return;
  }
  load.copies.push_back([this, packed]() { packed_ = packed; });
}

Tensor Embedding::quantize_from(const Tensor& weight, const FromFloatArgs& args, const std::string& module) {
  const std::string where = module + ".from_float";
  const quantization::ActivationPostProcessFactory factory =
      args.weight_observer ? args.weight_observer : quantization::float_qparams_weight_only_qconfig().weight;
  const std::shared_ptr<quantization::ActivationPostProcess> obs = factory();
  OCTET_CHECK(obs != nullptr, where, "the weight observer factory returned null");
  OCTET_CHECK(obs->qscheme() == kPerChannelAffineFloatQParams, where, "the weight observer (", obs->name(),
              ") uses ", obs->qscheme(),
              "; embedding quantization is only supported with float qparams (float_qparams_weight_only_qconfig or "
              "its 4-bit form)");
  OCTET_CHECK(obs->dtype() == kQUInt8 || obs->dtype() == kQUInt4x2, where, "the weight observer (", obs->name(),
              ") targets ", obs->dtype(), "; quantized embeddings take quint8 or quint4x2");
  OCTET_CHECK(weight.defined() && weight.is_floating_point(), where, "expected a float weight, got ",
              weight.defined() ? dtype_name(weight.dtype()) : "an undefined tensor");
  obs->forward(weight);
  QuantizerPtr q;
  try {
    q = obs->quantizer();
  } catch (const Error& e) {
    OCTET_FAIL(where, "the weight observer cannot give qparams: ", e.what());
  }
  OCTET_CHECK(q->per_channel() && q->axis() == 0, where, "the weight observer (", obs->name(),
              ") must quantize per row (ch_axis 0)");
  return quantize_per_channel(weight.to(kFloat32), from_vector(q->scales()), from_vector(q->float_zero_points()),
                              /*axis=*/0, q->dtype());
}

std::shared_ptr<Embedding> Embedding::from_float(const nn::Embedding& mod, const FromFloatArgs& args) {
  const Tensor qw = quantize_from(mod.weight, args, "QuantizedEmbedding");
  EmbeddingOptions o;
  o.padding_idx = mod.options().padding_idx;
  o.max_norm = mod.options().max_norm;
  o.norm_type = mod.options().norm_type;
  o.scale_grad_by_freq = mod.options().scale_grad_by_freq;
  o.sparse = mod.options().sparse;
  o.weight = qw;
  o.dtype = qw.dtype();
  return std::make_shared<Embedding>(mod.num_embeddings(), mod.embedding_dim(), std::move(o));
}

// --- EmbeddingBag --------------------------------------------------------------------------------

namespace {

EmbeddingOptions embedding_options(const EmbeddingBagOptions& o) {
  EmbeddingOptions e;
  e.max_norm = o.max_norm;
  e.norm_type = o.norm_type;
  e.scale_grad_by_freq = o.scale_grad_by_freq;
  e.sparse = o.sparse;
  e.weight = o.weight;
  e.dtype = o.dtype;
  return e;
}

}  // namespace

EmbeddingBag::EmbeddingBag(int64_t num_embeddings, int64_t embedding_dim, EmbeddingBagOptions options)
    : Cloneable<EmbeddingBag, Embedding>("QuantizedEmbeddingBag", num_embeddings, embedding_dim,
                                         embedding_options(options)),
      mode_(options.mode),
      include_last_offset_(options.include_last_offset) {
  bag_mode(mode_);
}

Tensor EmbeddingBag::forward(const Tensor& indices) { return forward(indices, Tensor(), Tensor()); }

Tensor EmbeddingBag::forward(const Tensor& indices, const Tensor& offsets, const Tensor& per_sample_weights) {
  const std::string module = error_name();
  OCTET_CHECK(indices.defined(), module, "the indices are undefined");
  OCTET_CHECK(indices.dtype() == kInt64 || indices.dtype() == kInt32, module, "expected int64 or int32 indices, got ",
              indices.dtype());
  OCTET_CHECK(!per_sample_weights.defined() || mode_ == "sum", module,
              "per_sample_weights are only supported for mode='sum', got mode='", mode_, "'");
  const int64_t mode = bag_mode(mode_);
  return dtype() == kQUInt8
             ? qops::embedding_bag_byte_rowwise_offsets(packed_->packed(), indices, offsets, mode, per_sample_weights,
                                                        include_last_offset_)
             : qops::embedding_bag_4bit_rowwise_offsets(packed_->packed(), indices, offsets, mode, per_sample_weights,
                                                        include_last_offset_);
}

std::shared_ptr<EmbeddingBag> EmbeddingBag::from_float(const nn::EmbeddingBag& mod, const FromFloatArgs& args) {
  const std::string module = "QuantizedEmbeddingBag";
  OCTET_CHECK(!mod.options().padding_idx.has_value(), module + ".from_float",
              "the float EmbeddingBag has padding_idx=", mod.options().padding_idx.value_or(0),
              ", which the quantized EmbeddingBag does not support (PyTorch's silently includes the padding rows "
              "the float bag skips)");
  const Tensor qw = quantize_from(mod.weight, args, module);
  EmbeddingBagOptions o;
  o.max_norm = mod.options().max_norm;
  o.norm_type = mod.options().norm_type;
  o.scale_grad_by_freq = mod.options().scale_grad_by_freq;
  o.mode = mod.options().mode;
  o.sparse = mod.options().sparse;
  o.weight = qw;
  o.include_last_offset = mod.options().include_last_offset;
  o.dtype = qw.dtype();
  return std::make_shared<EmbeddingBag>(mod.num_embeddings(), mod.embedding_dim(), std::move(o));
}

}  // namespace octet::nn::quantized
