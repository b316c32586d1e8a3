// module_mapping.cpp: ModuleMapping and PyTorch's default static and dynamic module mappings.
#include "octet/quantization/module_mapping.h"

#include <algorithm>

#include "octet/nn/activation.h"
#include "octet/nn/dropout.h"
#include "octet/nn/normalization.h"
#include "octet/nn/sparse.h"
#include "octet/nn/quantized.h"
#include "octet/quantization/stubs.h"

namespace octet::quantization {

ModuleMapping& ModuleMapping::add(const std::type_info& float_type, Entry entry) {
  OCTET_CHECK(static_cast<bool>(entry.convert), "ModuleMapping::add", "the entry for ", entry.float_name,
              " has no converter");
  entries_[std::type_index(float_type)] = std::move(entry);
  return *this;
}

ModuleMapping& ModuleMapping::remove(const std::type_info& float_type) {
  const auto it = entries_.find(std::type_index(float_type));
  OCTET_CHECK(it != entries_.end(), "ModuleMapping::remove", "no entry for ", nn::detail::short_type_name(float_type));
  entries_.erase(it);
  return *this;
}

const ModuleMapping::Entry* ModuleMapping::find(const std::type_info& float_type) const {
  const auto it = entries_.find(std::type_index(float_type));
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> ModuleMapping::float_names() const {
  std::vector<std::string> out;
  for (const auto& [type, entry] : entries_) out.push_back(entry.float_name);
  std::sort(out.begin(), out.end());
  return out;
}

const ModuleMapping& get_default_static_quant_module_mappings() {
  static const ModuleMapping mapping = [] {
    namespace nnq = nn::quantized;
    namespace nni = nn::intrinsic;
    namespace nniq = nn::intrinsic::quantized;
    ModuleMapping m;
    m.add<QuantStub, nnq::Quantize>()
        .add<DeQuantStub, nnq::DeQuantize>()
        .add<nn::Linear, nnq::Linear>()
        .add<nn::Conv1d, nnq::Conv1d>()
        .add<nn::Conv2d, nnq::Conv2d>()
        .add<nn::Conv3d, nnq::Conv3d>()
        .add<nn::ConvTranspose1d, nnq::ConvTranspose1d>()
        .add<nn::ConvTranspose2d, nnq::ConvTranspose2d>()
        .add<nn::ConvTranspose3d, nnq::ConvTranspose3d>()
        .add<nn::BatchNorm2d, nnq::BatchNorm2d>()
        .add<nn::BatchNorm3d, nnq::BatchNorm3d>()
        .add<nn::LayerNorm, nnq::LayerNorm>()
        .add<nn::GroupNorm, nnq::GroupNorm>()
        .add<nn::InstanceNorm1d, nnq::InstanceNorm1d>()
        .add<nn::InstanceNorm2d, nnq::InstanceNorm2d>()
        .add<nn::InstanceNorm3d, nnq::InstanceNorm3d>()
        .add<nn::ReLU6, nnq::ReLU6>()
        .add<nn::Hardswish, nnq::Hardswish>()
        .add<nn::ELU, nnq::ELU>()
        .add<nn::LeakyReLU, nnq::LeakyReLU>()
        .add<nn::PReLU, nnq::PReLU>()
        .add<nn::Dropout, nnq::Dropout>()
        .add<nn::Embedding, nnq::Embedding>()
        .add<nn::EmbeddingBag, nnq::EmbeddingBag>()
        .add<nni::ConvReLU1d, nniq::ConvReLU1d>()
        .add<nni::ConvReLU2d, nniq::ConvReLU2d>()
        .add<nni::ConvReLU3d, nniq::ConvReLU3d>()
        .add<nni::ConvBn1d, nnq::Conv1d>()
        .add<nni::ConvBn2d, nnq::Conv2d>()
        .add<nni::ConvBn3d, nnq::Conv3d>()
        .add<nni::ConvBnReLU1d, nniq::ConvReLU1d>()
        .add<nni::ConvBnReLU2d, nniq::ConvReLU2d>()
        .add<nni::ConvBnReLU3d, nniq::ConvReLU3d>()
        .add<nni::LinearReLU, nniq::LinearReLU>()
        .add<nni::LinearBn1d, nnq::Linear>()
        .add<nni::BNReLU2d, nniq::BNReLU2d>()
        .add<nni::BNReLU3d, nniq::BNReLU3d>();
    // FloatFunctional is observed in place (its activation_post_process child), not wrapped.
    ModuleMapping::Entry ff;
    ff.float_name = "FloatFunctional";
    ff.quantized_name = "QFunctional";
    ff.convert = [](const nn::Module& mod, const nnq::FromFloatArgs& args) -> nn::ModulePtr {
      return nnq::QFunctional::from_float(dynamic_cast<const nnq::FloatFunctional&>(mod), args);
    };
    m.add(typeid(nnq::FloatFunctional), std::move(ff));
    return m;
  }();
  return mapping;
}

const ModuleMapping& get_default_dynamic_quant_module_mappings() {
  static const ModuleMapping mapping = [] {
    namespace nnqd = nn::quantized::dynamic;
    namespace nnq = nn::quantized;
    ModuleMapping m;
    m.add<nn::Linear, nnqd::Linear>()
        .add<nn::LSTM, nnqd::LSTM>()
        .add<nn::GRU, nnqd::GRU>()
        .add<nn::LSTMCell, nnqd::LSTMCell>()
        .add<nn::GRUCell, nnqd::GRUCell>()
        .add<nn::RNNCell, nnqd::RNNCell>()
        .add<nn::Embedding, nnq::Embedding>()
        .add<nn::EmbeddingBag, nnq::EmbeddingBag>();
    return m;
  }();
  return mapping;
}

}  // namespace octet::quantization
