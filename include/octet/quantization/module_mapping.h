// module_mapping.h: which quantized class replaces which float class in convert() and
// quantize_dynamic() (torch.ao.quantization.quantization_mappings), and how to add your own.
//
// Matching is by exact type, as PyTorch's type(mod) in mapping: a subclass of nn::Linear is not
// converted unless it is added itself.
//
//   ModuleMapping mapping = get_default_static_quant_module_mappings();
//   mapping.add<MyFloatBlock, MyQuantizedBlock>();     // MyQuantizedBlock::from_float(const MyFloatBlock&,
//                                                      //                              const FromFloatArgs&)
//   auto prepared = quantization::prepare(model, {.mapping = &mapping});
//   ...
//   auto quantized = quantization::convert(prepared, {.mapping = &mapping});
//
// Static mappings (PyTorch 2.15's DEFAULT_STATIC_QUANT_MODULE_MAPPINGS; as there, nn::Sigmoid, Tanh
// and the other float activations stay float modules and run the quantized op on a quantized input;
// nn::quantized::Sigmoid / Tanh / Softmax can be added with add<>()):
//   QuantStub -> Quantize, DeQuantStub -> DeQuantize, Linear, Conv1d/2d/3d, ConvTranspose1d/2d/3d,
//   BatchNorm2d/3d, LayerNorm, GroupNorm, InstanceNorm1d/2d/3d, ReLU6, Hardswish, ELU, LeakyReLU,
//   PReLU, Dropout, Embedding, EmbeddingBag, FloatFunctional -> QFunctional, and the fused
//   nn::intrinsic ConvReLU1d/2d/3d, ConvBn1d/2d/3d, ConvBnReLU1d/2d/3d, LinearReLU, LinearBn1d,
//   BNReLU2d/3d -> their quantized classes. (PyTorch's ConvAdd2d / ConvAddReLU2d entries are for FX
//   fusion, which eager mode never produces; LinearLeakyReLU / LinearTanh have no Octet module.)
// Dynamic mappings: Linear, LSTM, GRU, LSTMCell, GRUCell, RNNCell -> nn::quantized::dynamic::*, and
//   Embedding / EmbeddingBag -> the weight-only quantized ones (for quint8 / quint4x2 qconfigs).
//   PyTorch's LinearReLU -> dynamic LinearReLU entry is missing: Octet has no dynamic LinearReLU.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

#include "octet/nn/module.h"
#include "octet/nn/quantized/from_float.h"
#include "octet/quantization/observed_module.h"

namespace octet::quantization {

class ModuleMapping {
 public:
  // Makes the quantized module from a float one (an Observed<F> after prepare) and its observers.
  using Converter = std::function<nn::ModulePtr(const nn::Module& float_module, const nn::quantized::FromFloatArgs& args)>;
  // Makes the observed form of a float module (see observed_module.h); empty for types that are
  // never observed (dynamic and weight-only ones, and FloatFunctional, observed in place).
  using Observe = std::function<nn::ModulePtr(const nn::Module& float_module,
                                              std::shared_ptr<ActivationPostProcess> observer)>;
  struct Entry {
    std::string float_name;      // "Conv2d", for messages
    std::string quantized_name;  // "QuantizedConv2d"
    Converter convert;
    Observe observe;
  };

  // F becomes Q through Q::from_float(const F&, const FromFloatArgs&). F is observed by wrapping it
  // in Observed<F> when it has a Tensor forward(const Tensor&). Replaces an existing entry for F.
  template <typename F, typename Q>
  ModuleMapping& add();
  // A hand-written entry (custom observed classes, converters that are not from_float).
  ModuleMapping& add(const std::type_info& float_type, Entry entry);
  // Removes F's entry; an Error when there is none.
  ModuleMapping& remove(const std::type_info& float_type);
  template <typename F>
  ModuleMapping& remove() { return remove(typeid(F)); }

  // The entry of exactly this type, or null.
  const Entry* find(const std::type_info& float_type) const;
  bool contains(const std::type_info& float_type) const { return find(float_type) != nullptr; }
  std::size_t size() const { return entries_.size(); }
  // The float class names, sorted (for messages and printing).
  std::vector<std::string> float_names() const;

 private:
  std::map<std::type_index, Entry> entries_;
};

// torch.ao.quantization.get_default_static_quant_module_mappings() (see the table above).
const ModuleMapping& get_default_static_quant_module_mappings();
// torch.ao.quantization.get_default_dynamic_quant_module_mappings().
const ModuleMapping& get_default_dynamic_quant_module_mappings();

// --- template --------------------------------------------------------------------------------------

template <typename F, typename Q>
ModuleMapping& ModuleMapping::add() {
  static_assert(std::is_base_of_v<nn::Module, F> && std::is_base_of_v<nn::Module, Q>,
                "ModuleMapping::add<F, Q>: both must be Modules");
  Entry entry;
  entry.float_name = nn::detail::short_type_name(typeid(F));
  entry.quantized_name = nn::detail::short_type_name(typeid(Q));
  entry.convert = [](const nn::Module& m, const nn::quantized::FromFloatArgs& args) -> nn::ModulePtr {
    return Q::from_float(dynamic_cast<const F&>(m), args);
  };
  if constexpr (std::is_copy_constructible_v<F> &&
                std::is_same_v<decltype(std::declval<F&>().forward(std::declval<const Tensor&>())), Tensor>) {
    entry.observe = [](const nn::Module& m, std::shared_ptr<ActivationPostProcess> observer) -> nn::ModulePtr {
      return std::make_shared<Observed<F>>(dynamic_cast<const F&>(m), std::move(observer));
    };
  }
  return add(typeid(F), std::move(entry));
}

}  // namespace octet::quantization
