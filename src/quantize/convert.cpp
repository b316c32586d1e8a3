// convert.cpp: convert, eager mode's module swap (torch.ao.quantization's _convert / swap_module).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "octet/nn/intrinsic/fused.h"
#include "octet/nn/linear.h"
#include "octet/nn/quantized/functional_modules.h"
#include "octet/nn/rnn.h"
#include "octet/nn/sparse.h"
#include "octet/quantization/fixed_qparams_observer.h"
#include "octet/quantization/observer.h"
#include "octet/quantization/quantize.h"
#include "quantize/workflow_util.h"

namespace octet::quantization {

namespace {

// The observer convert() hands from_float: an observed module's, or a FloatFunctional's own.
const ActivationPostProcess* output_observer_of(const nn::Module& m) {
  if (const auto* observed = dynamic_cast<const ObservedModule*>(&m)) return &observed->observer();
  if (const auto* ff = dynamic_cast<const nn::quantized::FloatFunctional*>(&m)) {
    return dynamic_cast<const ActivationPostProcess*>(ff->activation_post_process.get());
  }
  return nullptr;
}

// What convert() does about observers that saw nothing.
struct Unobserved {
  // PyTorch's calculate_qparams() on an empty observer: scale 1, zero point 0 (it warns). Octet uses
  // the same for a module that calibration never ran (a branch the data did not take) in a model
  // where other observers did see data. Kept alive for the whole convert.
  std::vector<std::shared_ptr<ActivationPostProcess>> defaults;
};

const ObserverBase* as_observer(const ActivationPostProcess* app) { return dynamic_cast<const ObserverBase*>(app); }

// An Error when the model has observers and none saw any data: convert() before calibration.
void check_calibrated(const nn::Module& root) {
  int observers = 0, observed = 0;
  std::string first;
  for (const auto& [path, m] : root.named_modules()) {
    const ObserverBase* obs = as_observer(output_observer_of(*m));
    if (obs == nullptr) continue;
    ++observers;
    observed += obs->has_observed() ? 1 : 0;
    if (first.empty()) first = detail::describe(*m, path);
  }
  OCTET_CHECK(observers == 0 || observed > 0, "convert", "none of the ", observers, " observers of ", root.name(),
              " has seen data (the first is ", first,
              "): run calibration data through the prepared model before convert()");
}

// swap_module: the quantized module for `mod` (at `path`), or mod itself when it has no qconfig or
// its type has no mapping entry.
nn::ModulePtr swap_module(const nn::ModulePtr& mod, const std::string& path, const ModuleMapping& mapping,
                          Unobserved& unobserved) {
  const QConfig* qc = mod->qconfig.get();
  if (qc == nullptr) return mod;
  const auto* observed = dynamic_cast<const ObservedModule*>(mod.get());
  const ModuleMapping::Entry* entry = mapping.find(observed != nullptr ? observed->float_type() : typeid(*mod));
  if (entry == nullptr) return mod;
  nn::quantized::FromFloatArgs args;
  args.output_observer = output_observer_of(*mod);
  if (const ObserverBase* obs = as_observer(args.output_observer); obs != nullptr && !obs->has_observed() &&
                                                                   (obs->dtype() == kQUInt8 || obs->dtype() == kQInt8)) {
    const bool s8 = obs->dtype() == kQInt8;
    unobserved.defaults.push_back(
        std::make_shared<FixedQParamsObserver>(1.0, 0, obs->dtype(), kPerTensorAffine, s8 ? -128 : 0, s8 ? 127 : 255));
    args.output_observer = unobserved.defaults.back().get();
  }
  args.weight_observer = qc->weight;
  nn::ModulePtr q;
  try {
    q = entry->convert(*mod, args);
  } catch (const Error& e) {
    std::string hint;
    if (std::string(e.what()).find("no output observer") != std::string::npos) {
      hint = " (it has a qconfig but no observer: was the model prepared with prepare()?)";
    }
    OCTET_FAIL("convert", "cannot convert ", detail::describe(*mod, path), " to ", entry->quantized_name, ": ",
               e.what(), hint);
  }
  OCTET_CHECK(q != nullptr, "convert", "the converter for ", entry->float_name, " returned null at ",
              detail::describe(*mod, path));
  q->train(mod->is_training());
  q->set_qualified_name(path);
  return q;
}

void convert_children(nn::Module& module, const std::string& path, const ModuleMapping& mapping,
                      Unobserved& unobserved) {
  for (const auto& [name, child] : module.named_children()) {
    const std::string child_path = detail::join_path(path, name);
    // Fused runs and observed modules are swapped as one unit; the rest is searched recursively.
    const bool unit = dynamic_cast<const nn::intrinsic::FusedModule*>(child.get()) != nullptr ||
                      dynamic_cast<const ObservedModule*>(child.get()) != nullptr;
    if (!unit) convert_children(*child, child_path, mapping, unobserved);
    nn::ModulePtr swapped = swap_module(child, child_path, mapping, unobserved);
    if (swapped == child) continue;
    try {
      module.replace_module(name, swapped);
    } catch (const Error& e) {
      OCTET_FAIL("convert", "cannot put ", swapped->name(), " at '", child_path, "': ", e.message(),
                 ". The quantized module is not a ", child->name(),
                 ": declare the member as nn::ModulePtr (nn::AnyLSTM etc. for recurrent layers)");
    }
  }
}

void remove_qconfig(nn::Module& model) {
  for (const auto& [path, m] : model.named_modules()) m->qconfig.reset();
}

}  // namespace

nn::ModulePtr convert(const nn::ModulePtr& model, const ConvertOptions& options) {
  OCTET_CHECK(model != nullptr, "convert", "the model is null");
  nn::ModulePtr root = options.inplace ? model : model->clone();
  const ModuleMapping& mapping = options.mapping != nullptr ? *options.mapping : get_default_static_quant_module_mappings();
  const bool root_is_unit = dynamic_cast<const nn::intrinsic::FusedModule*>(root.get()) != nullptr ||
                            dynamic_cast<const ObservedModule*>(root.get()) != nullptr;
  check_calibrated(*root);
  Unobserved unobserved;
  if (!root_is_unit) convert_children(*root, "", mapping, unobserved);
  root = swap_module(root, "", mapping, unobserved);
  if (options.remove_qconfig) remove_qconfig(*root);
  return root;
}

namespace {

QConfig dynamic_qconfig_for(DType dtype) {
  if (dtype == kQInt8) return default_dynamic_qconfig();
  if (dtype == kFloat16) return float16_dynamic_qconfig();
  if (dtype == kQUInt8) return float_qparams_weight_only_qconfig();
  if (dtype == kQUInt4x2) return float_qparams_weight_only_qconfig_4bit();
  OCTET_FAIL("quantize_dynamic", "dtype ", dtype, " is not supported: use qint8 (int8 weights), float16, quint8 or "
             "quint4x2 (weight-only embeddings)");
}

}  // namespace

nn::ModulePtr quantize_dynamic(const nn::ModulePtr& model, const QConfigDict& qconfig_spec,
                               const QuantizeDynamicOptions& options) {
  OCTET_CHECK(model != nullptr, "quantize_dynamic", "the model is null");
  nn::ModulePtr root = options.inplace ? model : model->clone();
  root->eval();
  const ModuleMapping& mapping = options.mapping != nullptr ? *options.mapping : get_default_dynamic_quant_module_mappings();
  propagate_qconfig(*root, qconfig_spec);
  return convert(root, ConvertOptions{.inplace = true, .mapping = &mapping});
}

nn::ModulePtr quantize_dynamic(const nn::ModulePtr& model, const std::vector<std::type_index>& types, DType dtype,
                               const QuantizeDynamicOptions& options) {
  const QConfig qconfig = dynamic_qconfig_for(dtype);
  QConfigDict spec;
  std::vector<std::type_index> chosen = types;
  if (chosen.empty()) {
    chosen = {typeid(nn::Linear), typeid(nn::LSTM), typeid(nn::GRU), typeid(nn::LSTMCell), typeid(nn::RNNCell),
              typeid(nn::GRUCell)};
    if (dtype == kQUInt8 || dtype == kQUInt4x2) chosen = {typeid(nn::EmbeddingBag)};
  }
  for (const std::type_index& t : chosen) spec.by_type[t] = qconfig;
  return quantize_dynamic(model, spec, options);
}

}  // namespace octet::quantization
