// prepare.cpp: propagate_qconfig and prepare, eager mode's observer insertion (torch.ao.quantization's
// propagate_qconfig_ / add_observer_).
#include <string>
#include <typeindex>
#include <utility>
#include <vector>

#include "octet/nn/intrinsic/fused.h"
#include "octet/nn/quantized/functional_modules.h"
#include "octet/quantization/quantize.h"
#include "octet/quantization/stubs.h"
#include "quantize/workflow_util.h"

namespace octet::quantization {

namespace {

void propagate(nn::Module& module, const nn::QConfigSlot& parent, const std::string& path, const QConfigDict& dict) {
  nn::QConfigSlot effective = parent;
  const std::type_index type(typeid(module));
  if (auto it = dict.by_type.find(type); it != dict.by_type.end() && it->second.has_value()) effective = it->second;
  if (auto it = dict.by_name.find(path); it != dict.by_name.end() && it->second.has_value()) effective = it->second;
  if (module.qconfig.has_value()) effective = module.qconfig;
  if (!effective.has_value()) effective = nullptr;  // nothing above sets one: not quantized
  module.qconfig = effective;
  for (const auto& [name, child] : module.named_children()) propagate(*child, effective, detail::join_path(path, name), dict);
}

bool wants_observer(const nn::Module& m) {
  const QConfig* qc = m.qconfig.get();
  return qc != nullptr && static_cast<bool>(qc->activation);
}

std::shared_ptr<ActivationPostProcess> make_observer(const nn::Module& m, const std::string& path) {
  std::shared_ptr<ActivationPostProcess> obs = m.qconfig.get()->activation();
  OCTET_CHECK(obs != nullptr, "prepare", "the qconfig of ", detail::describe(m, path),
              " made a null activation observer");
  return obs;
}

// Replaces parent's child `name` (at `path`) with `observed`, with a message that says what to do
// when the member cannot hold it.
void swap_in(nn::Module& parent, const std::string& name, const std::string& path, const nn::ModulePtr& observed) {
  try {
    parent.replace_module(name, observed);
  } catch (const Error& e) {
    OCTET_FAIL("prepare", "cannot attach an observer to '", path, "': ", e.message(),
               ". prepare() replaces it with an observed ", observed->name(),
               "; declare the member as nn::ModulePtr or as the float module's own type");
  }
}

// add_observer_: observers for the children of `module` (at `path`), then for module itself when it
// is an observable leaf (done by the caller, which owns the slot).
void add_observers(nn::Module& module, const std::string& path, const ModuleMapping& mapping) {
  for (const auto& [name, child] : module.named_children()) {
    const std::string child_path = detail::join_path(path, name);
    OCTET_CHECK(dynamic_cast<const ObservedModule*>(child.get()) == nullptr, "prepare", "'", child_path,
                "' already has an observer: the model was prepared before (prepare a fresh float model)");
    if (typeid(*child) == typeid(nn::quantized::FloatFunctional)) {
      if (wants_observer(*child)) child->replace_module("activation_post_process", make_observer(*child, child_path));
      continue;
    }
    const bool fused = dynamic_cast<const nn::intrinsic::FusedModule*>(child.get()) != nullptr;
    if (!fused) add_observers(*child, child_path, mapping);
    // Leaves (and fused runs, observed as one unit) with a mapping entry get an output observer.
    const bool leaf = fused || child->named_children().empty();
    if (!leaf || !wants_observer(*child) || typeid(*child) == typeid(DeQuantStub)) continue;
    const ModuleMapping::Entry* entry = mapping.find(typeid(*child));
    if (entry == nullptr || !entry->observe) continue;
    nn::ModulePtr observed = entry->observe(*child, make_observer(*child, child_path));
    observed->qconfig = child->qconfig;
    observed->set_qualified_name(child_path);
    swap_in(module, name, child_path, observed);
  }
}

}  // namespace

void propagate_qconfig(nn::Module& model, const QConfigDict& qconfig_dict) {
  propagate(model, nn::QConfigSlot(), "", qconfig_dict);
}

nn::ModulePtr prepare(const nn::ModulePtr& model, const PrepareOptions& options) {
  OCTET_CHECK(model != nullptr, "prepare", "the model is null");
  nn::ModulePtr root = options.inplace ? model : model->clone();
  const ModuleMapping& mapping = options.mapping != nullptr ? *options.mapping : get_default_static_quant_module_mappings();
  propagate_qconfig(*root, options.qconfig_dict);
  bool any = false;
  for (const auto& [path, m] : root->named_modules()) {
    any = any || m->qconfig.get() != nullptr;
    m->set_qualified_name(path);
  }
  OCTET_CHECK(any, "prepare", "no module of ", root->name(),
              " has a qconfig, so nothing would be observed or quantized: set model->qconfig = "
              "quantization::get_default_qconfig(\"x86\") (or a submodule's qconfig, or PrepareOptions::qconfig_dict)");
  OCTET_CHECK(dynamic_cast<const ObservedModule*>(root.get()) == nullptr, "prepare",
              "the model already has an observer: it was prepared before");
  add_observers(*root, "", mapping);
  // A model that is itself one quantizable layer is observed as a whole (the returned pointer).
  if (root->named_children().empty() && wants_observer(*root)) {
    const ModuleMapping::Entry* entry = mapping.find(typeid(*root));
    if (entry != nullptr && entry->observe && typeid(*root) != typeid(DeQuantStub)) {
      nn::ModulePtr observed = entry->observe(*root, make_observer(*root, ""));
      observed->qconfig = root->qconfig;
      root = observed;
    }
  }
  return root;
}

}  // namespace octet::quantization
