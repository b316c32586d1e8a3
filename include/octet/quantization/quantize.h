// quantize.h: eager-mode post-training quantization, torch.ao.quantization's workflow in C++:
// fuse_modules, prepare, calibrate, convert; quantize() and quantize_dynamic() in one call.
//
// Static quantization (int8 weights and activations):
//
//   model->eval();
//   quantization::fuse_modules(*model, {{"conv1", "bn1", "relu1"}, {"conv2", "bn2"}});
//   model->qconfig = quantization::get_default_qconfig("x86");
//   auto prepared = quantization::prepare(model);        // a copy with observers attached
//   for (const Tensor& batch : calibration_batches) prepared->forward(batch);
//   auto quantized = quantization::convert(prepared);    // int8 modules on packed weights
//
// Dynamic quantization (int8 weights, activations quantized per call):
//
//   auto q = quantization::quantize_dynamic(model, {typeid(nn::Linear), typeid(nn::LSTM)}, kQInt8);
//
// What a model needs (docs/quantization.md): QuantStub / DeQuantStub where tensors enter and leave
// int8 (octet/quantization/stubs.h); FloatFunctional for tensor arithmetic (residual adds); and child
// members that convert() swaps declared as nn::ModulePtr (or nn::AnyLSTM etc. for recurrent layers,
// FloatFunctional for FloatFunctional), because the quantized module is not of the float type.
//
// qconfig. Each module's effective qconfig is its own `qconfig` if set, else an entry of
// PrepareOptions::qconfig_dict (by module name, then by type), else its parent's (PyTorch's
// propagate_qconfig_). `qconfig = nullptr` opts a subtree out. Modules whose type has no mapping
// entry are left as they are (nn::ReLU, pooling and Flatten run the quantized ops on quantized
// tensors).
//
// Names are kept: prepared and converted models have the float model's module names, and errors
// raised later in a quantized module's forward name the module by its path ("QuantizedConv2d
// 'layer1.0.conv1': expected a quantized input ..., got float32: a QuantStub ... is probably
// missing before this module").
#pragma once

#include <map>
#include <memory>
#include <string>
#include <typeindex>
#include <typeinfo>
#include <utility>
#include <vector>

#include "octet/dtype.h"
#include "octet/error.h"
#include "octet/nn/module.h"
#include "octet/quantization/module_mapping.h"
#include "octet/quantization/qconfig.h"

namespace octet::quantization {

// --- fusion ---------------------------------------------------------------------------------------

// torch.ao.quantization.fuse_modules: each group of dotted module names (a run the model executes in
// this order) becomes one module at the first name and nn::Identity at the others. Known runs:
//   Conv1d/2d/3d + BatchNorm   -> the conv with the BatchNorm folded in
//   Conv + BatchNorm + ReLU    -> nn::intrinsic::ConvReLU1d/2d/3d of the folded conv
//   Conv + ReLU                -> ConvReLU1d/2d/3d
//   ConvTranspose1d/2d/3d + BatchNorm -> the folded transposed conv
//   Linear + BatchNorm1d       -> the folded Linear;   Linear + ReLU -> nn::intrinsic::LinearReLU
//   BatchNorm2d/3d + ReLU      -> nn::intrinsic::BNReLU2d/3d
// Folding needs eval mode (an Error otherwise: "fuse_modules: ... only in eval mode ..."). A name
// that does not exist, a group of unknown types (the message lists the known runs) or an empty
// group is an Error, and on any Error the model is unchanged. Members holding fused-away modules
// must be able to hold the replacement (nn::ModulePtr).
void fuse_modules(nn::Module& model, const std::vector<std::vector<std::string>>& groups);
// The same on a copy: the model is not changed.
nn::ModulePtr fused_copy(const nn::Module& model, const std::vector<std::vector<std::string>>& groups);
// torch.ao.quantization.fuse_modules_qat: for quantization-aware training (training mode), conv and
// linear keep their BatchNorm: Conv + BN -> nn::intrinsic::ConvBn*, Conv + BN + ReLU ->
// ConvBnReLU*, Linear + BN1d -> LinearBn1d; the other runs as fuse_modules.
void fuse_modules_qat(nn::Module& model, const std::vector<std::vector<std::string>>& groups);

// --- qconfig propagation --------------------------------------------------------------------------

// PyTorch's qconfig_dict for propagate_qconfig_ and quantize_dynamic: qconfigs by module name
// ("" is the whole model) and by exact module type. nullptr entries opt out.
struct QConfigDict {
  std::map<std::string, nn::QConfigSlot> by_name;
  std::map<std::type_index, nn::QConfigSlot> by_type;
};
// Sets every module's qconfig to its effective value (see the top of this file): after it, a
// module's qconfig is either a QConfig or none, never unset.
void propagate_qconfig(nn::Module& model, const QConfigDict& qconfig_dict = {});

// --- static quantization --------------------------------------------------------------------------

struct PrepareOptions {
  bool inplace = false;                    // false: prepare a clone() of the model
  const ModuleMapping* mapping = nullptr;  // null: get_default_static_quant_module_mappings()
  QConfigDict qconfig_dict{};              // qconfigs beside the modules' own
};

// torch.ao.quantization.prepare: propagates qconfigs, then gives every module that has a qconfig
// with an activation factory and a mapping entry an output observer (it becomes an Observed<T>;
// fused nn::intrinsic modules are observed as one unit), a FloatFunctional an observer in its
// activation_post_process, a QuantStub an observer of its output. DeQuantStubs and modules without
// a mapping are left alone. Errors: a model with no qconfig anywhere ("prepare: no module has a
// qconfig: set model->qconfig ..."), a module already prepared, a member that cannot hold the
// observed module (names the member's type).
nn::ModulePtr prepare(const nn::ModulePtr& model, const PrepareOptions& options = {});
template <typename M>
std::shared_ptr<M> prepare(const std::shared_ptr<M>& model, const PrepareOptions& options = {});

struct ConvertOptions {
  bool inplace = false;                    // false: convert a clone() of the model
  const ModuleMapping* mapping = nullptr;  // null: get_default_static_quant_module_mappings()
  bool remove_qconfig = true;              // reset every qconfig slot afterwards, as PyTorch does
};

// torch.ao.quantization.convert: replaces every module that has a qconfig and a mapping entry
// (matched by exact float type; an Observed<T> by T) with the quantized module its from_float makes
// from the module's output observer and its qconfig's weight observer. Fused modules and observed
// modules are converted as one unit; other modules are searched recursively. A module whose
// observer saw nothing while others did (a branch calibration never took) gets PyTorch's defaults
// for an empty observer, scale 1 and zero point 0. Errors name the module by path: no observer saw
// any data ("run calibration data through the prepared model before convert()"), a static module
// with a qconfig but no observer ("was the model prepared with prepare()?"), a member that cannot
// hold the quantized module.
nn::ModulePtr convert(const nn::ModulePtr& model, const ConvertOptions& options = {});
template <typename M>
std::shared_ptr<M> convert(const std::shared_ptr<M>& model, const ConvertOptions& options = {});

// torch.ao.quantization.quantize: prepare a copy, call run_fn(prepared) to calibrate, convert.
template <typename M, typename RunFn>
std::shared_ptr<M> quantize(const std::shared_ptr<M>& model, RunFn&& run_fn, const ModuleMapping* mapping = nullptr);

// --- dynamic quantization -------------------------------------------------------------------------

struct QuantizeDynamicOptions {
  bool inplace = false;
  const ModuleMapping* mapping = nullptr;  // null: get_default_dynamic_quant_module_mappings()
};

// torch.ao.quantization.quantize_dynamic with a set of types: every module of those exact types
// gets the dtype's dynamic qconfig -- kQInt8: default_dynamic_qconfig (per-tensor int8 weights),
// kFloat16: float16_dynamic_qconfig, kQUInt8: float_qparams_weight_only_qconfig (embeddings),
// kQUInt4x2: float_qparams_weight_only_qconfig_4bit -- and is converted with the dynamic mapping.
// An empty set means PyTorch's default {Linear, LSTM, GRU, LSTMCell, RNNCell, GRUCell}. Other dtypes
// are an Error listing these four.
nn::ModulePtr quantize_dynamic(const nn::ModulePtr& model, const std::vector<std::type_index>& types = {},
                               DType dtype = kQInt8, const QuantizeDynamicOptions& options = {});
// With a qconfig dict (by name and by type), as quantize_dynamic(model, {"fc": qconfig}) in PyTorch.
nn::ModulePtr quantize_dynamic(const nn::ModulePtr& model, const QConfigDict& qconfig_spec,
                               const QuantizeDynamicOptions& options = {});
template <typename M>
std::shared_ptr<M> quantize_dynamic(const std::shared_ptr<M>& model, const std::vector<std::type_index>& types = {},
                                    DType dtype = kQInt8, const QuantizeDynamicOptions& options = {});

// --- templates ------------------------------------------------------------------------------------

namespace detail {
// The typed result of a workflow step: an Error when the root itself was replaced by a module that
// is not an M (call the nn::ModulePtr overload for a model that is a single quantizable layer).
template <typename M>
std::shared_ptr<M> typed_root(const nn::ModulePtr& root, const char* where) {
  auto typed = std::dynamic_pointer_cast<M>(root);
  OCTET_CHECK(typed != nullptr, where, "the model's root module became a ", root->name(),
              ", which is not the model's class; call ", where, " with an nn::ModulePtr to get it");
  return typed;
}
}  // namespace detail

template <typename M>
std::shared_ptr<M> prepare(const std::shared_ptr<M>& model, const PrepareOptions& options) {
  return detail::typed_root<M>(prepare(nn::ModulePtr(model), options), "prepare");
}

template <typename M>
std::shared_ptr<M> convert(const std::shared_ptr<M>& model, const ConvertOptions& options) {
  return detail::typed_root<M>(convert(nn::ModulePtr(model), options), "convert");
}

template <typename M, typename RunFn>
std::shared_ptr<M> quantize(const std::shared_ptr<M>& model, RunFn&& run_fn, const ModuleMapping* mapping) {
  auto prepared = prepare(model, PrepareOptions{.inplace = false, .mapping = mapping});
  prepared->eval();
  std::forward<RunFn>(run_fn)(*prepared);
  return convert(prepared, ConvertOptions{.inplace = true, .mapping = mapping});
}

template <typename M>
std::shared_ptr<M> quantize_dynamic(const std::shared_ptr<M>& model, const std::vector<std::type_index>& types,
                                    DType dtype, const QuantizeDynamicOptions& options) {
  return detail::typed_root<M>(quantize_dynamic(nn::ModulePtr(model), types, dtype, options), "quantize_dynamic");
}

}  // namespace octet::quantization
