// module.h: octet::nn::Module, the base of every layer and model: named parameters, buffers and
// child modules, train/eval mode, state dicts, printing, deep copies and module surgery.
//
// A Module is torch.nn.Module in C++. It owns three registries, each kept in registration order:
//
//   parameters  name -> Tensor (+ requires_grad)     trainable weights ("weight", "bias")
//   buffers     name -> Tensor (+ persistent)        state that is not trained ("running_mean")
//   children    name -> shared_ptr<Module>           submodules ("conv1", "0", "layer1")
//
// and every walk (named_parameters, state_dict, printing, load_state_dict) goes through them,
// producing PyTorch's dotted names ("layer1.0.conv1.weight") in PyTorch's order. An undefined
// Tensor is a registered "None" (Linear without bias): it keeps its slot but is skipped by walks.
//
// Members and the registry. C++ code reads a child or weight through a typed member
// (`conv1->forward(x)`, `F::linear(x, weight)`), while clone(), replace_module() and
// set_parameter() change the registry. Registering with a pointer to the member binds the two:
//
//   class Block : public nn::Cloneable<Block> {
//    public:
//     Block() {
//       register_module("conv1", &Block::conv1, std::make_shared<Conv2d>(...));
//       register_parameter("scale", &Block::scale, ones({64}));
//     }
//     std::shared_ptr<Conv2d> conv1;
//     Tensor scale;
//   };
//
// A bound member always holds what the registry holds: a clone's members point at the clone's
// children and tensors, and replace_module("conv1", m) or set_parameter("scale", t) update the
// member too (replacing a child with a module that is not of the member's type is an Error). The
// unbound forms (`conv1 = register_module("conv1", ...)`) return the registered pointer for local
// use; a Cloneable module that keeps such a pointer in a member cannot be cloned safely, and
// clone() detects this and raises an Error naming the child. Containers (Sequential, ModuleList,
// ModuleDict) have no typed members and reach children through the registry.
//
// Deep copy. clone() (see cloneable.h) copy-constructs the most derived class, then gives the copy
// fresh children (cloned recursively) and fresh tensor storage, rebinding bound members. A child
// or a storage shared inside the tree (weight tying) stays shared in the clone, like
// copy.deepcopy. Children keep their own types, so a model whose children were swapped by
// quantization (Linear -> quantized Linear, observers attached) clones as it is.
//
// Modules are held by std::shared_ptr (std::make_shared<Net>()); a Module on the stack works too,
// but then named_modules() and get_submodule("") return a non-owning pointer to it.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <unordered_set>
#include <utility>
#include <vector>

#include "octet/error.h"
#include "octet/nn/ordered_dict.h"
#include "octet/nn/qconfig_slot.h"
#include "octet/tensor.h"

namespace octet::nn {

class Module;
using ModulePtr = std::shared_ptr<Module>;

// Parameter and persistent buffer values by dotted name, in PyTorch's state_dict order.
using StateDict = OrderedDict<Tensor>;

// What load_state_dict did not match (PyTorch's _IncompatibleKeys).
struct IncompatibleKeys {
  std::vector<std::string> missing_keys;     // in the module, absent from the state dict
  std::vector<std::string> unexpected_keys;  // in the state dict, not in the module
};

// One load_state_dict call in progress, handed to every module's load_from_state_dict. Modules
// validate and queue copies; the copies run only when the whole tree validated, so a failed load
// leaves every tensor untouched.
struct StateDictLoad {
  const StateDict& state_dict;
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;
  std::vector<std::string> error_msgs;
  std::vector<std::function<void()>> copies;
};

namespace detail {

// Readable class name of a type: "octet::nn::Sequential" for typeid(Sequential).
std::string demangle(const std::type_info& type);
// The same without namespaces: "Sequential"; namespaces inside template arguments stay (what
// Module::name() prints for a class).
std::string short_type_name(const std::type_info& type);
// A dotted module path: ("layer1", "0") -> "layer1.0"; ("", "fc") -> "fc".
std::string join_path(const std::string& prefix, const std::string& name);

struct ParameterEntry {
  Tensor value;
  bool requires_grad = true;
  std::function<void(Module&, const Tensor&)> bind;  // assigns the bound member; empty if unbound
};
struct BufferEntry {
  Tensor value;
  bool persistent = true;
  std::function<void(Module&, const Tensor&)> bind;
};
struct ModuleEntry {
  ModulePtr module;
  std::function<bool(const Module&)> accepts;  // whether the bound member can hold a module
  std::function<void(Module&, const ModulePtr&)> bind;
  std::string member_type;  // the bound member's pointee type, for error messages
};

// Reference counts of the children and tensor storages a module holds, taken just before a
// shallow copy so that Cloneable can tell copies it rebinds from copies it cannot (see clone()).
struct AliasSnapshot {
  std::vector<long> child_counts;
  std::vector<std::pair<const Storage*, long>> storage_counts;
};

struct CloneMemo;  // original -> copy, for children and storages shared within the tree

}  // namespace detail

class Module : public std::enable_shared_from_this<Module> {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module& operator=(const Module&) = delete;

  // --- identity and printing -------------------------------------------------------------------
  // The class name used when printing ("Sequential"): the dynamic type without namespaces.
  virtual std::string name() const;
  // Extra information inside the parentheses of the printout ("in_features=4, out_features=2").
  virtual std::string extra_repr() const { return {}; }
  // PyTorch's repr: "Name(extra)" or "Name(\n  (child): ...\n)".
  virtual std::string to_string() const;

  // --- forward ---------------------------------------------------------------------------------
  // The single-tensor forward used by Sequential. The default is an Error: modules with other
  // signatures define their own forward and are called directly.
  virtual Tensor forward(const Tensor& input);

  // --- registration ----------------------------------------------------------------------------
  // Names are non-empty, contain no '.', and are unique among this module's parameters, buffers
  // and children. Each returns what it registered. `requires_grad` is kept for training
  // (quantization-aware training reads it); an undefined tensor registers a "None" slot.
  Tensor register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  Tensor register_buffer(std::string name, Tensor tensor, bool persistent = true);
  template <typename M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module);

  // Bound forms: also assign the registered value to `this->*member` and keep it assigned through
  // clone(), set_parameter() / set_buffer() and replace_module(). Owner is the class declaring the
  // member; this module must be an Owner.
  template <typename Owner>
  Tensor register_parameter(std::string name, Tensor Owner::*member, Tensor tensor, bool requires_grad = true);
  template <typename Owner>
  Tensor register_buffer(std::string name, Tensor Owner::*member, Tensor tensor, bool persistent = true);
  template <typename Owner, typename M, typename V>
  std::shared_ptr<V> register_module(std::string name, std::shared_ptr<M> Owner::*member,
                                     std::shared_ptr<V> module);

  // Removes a child (a bound member becomes null); an Error when there is none of that name.
  void unregister_module(const std::string& name);

  // --- lookup by name ------------------------------------------------------------------------
  // Local names (no dots).
  bool has_parameter(const std::string& name) const { return parameters_.contains(name); }
  bool has_buffer(const std::string& name) const { return buffers_.contains(name); }
  bool has_module(const std::string& name) const { return children_.contains(name); }
  // Dotted paths from this module ("layer1.0.conv1.weight"); a missing step is an Error naming it.
  // get_submodule("") is this module.
  ModulePtr get_submodule(const std::string& target) const;
  Tensor get_parameter(const std::string& target) const;
  Tensor get_buffer(const std::string& target) const;
  bool parameter_requires_grad(const std::string& target) const;
  bool buffer_is_persistent(const std::string& target) const;

  // --- module surgery (prepare, convert, fusion) ------------------------------------------------
  // Replaces the value of an existing parameter or buffer (any shape or dtype, or undefined),
  // keeping its position, flags and bound member.
  void set_parameter(const std::string& target, Tensor value);
  void set_buffer(const std::string& target, Tensor value);
  // Replaces the existing submodule at a dotted path, keeping its name and position; returns it.
  template <typename M>
  std::shared_ptr<M> replace_module(const std::string& target, std::shared_ptr<M> module);

  // --- walks ---------------------------------------------------------------------------------
  // PyTorch's order: modules in pre-order (a module, then its children depth-first), and for each
  // module its own entries in registration order. A tensor or module reachable twice (shared)
  // is listed once, under its first name. Undefined ("None") tensors are skipped.
  OrderedDict<Tensor> named_parameters(bool recurse = true) const;
  std::vector<Tensor> parameters(bool recurse = true) const;
  OrderedDict<Tensor> named_buffers(bool recurse = true) const;  // persistent or not
  std::vector<Tensor> buffers(bool recurse = true) const;
  OrderedDict<ModulePtr> named_children() const;
  std::vector<ModulePtr> children() const;
  // This module first, as `prefix` ("" by default), then every submodule by dotted name.
  OrderedDict<ModulePtr> named_modules(const std::string& prefix = "", bool remove_duplicate = true) const;
  std::vector<ModulePtr> modules() const;

  // --- modes -------------------------------------------------------------------------------------
  // Sets training mode on this module and every submodule (Dropout, BatchNorm and fake-quantize
  // modules read it).
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Sets requires_grad on every parameter of the tree.
  void requires_grad_(bool requires_grad = true);
  // Calls fn on every submodule (children first, recursively), then on this module.
  void apply(const std::function<void(Module&)>& fn);

  // --- state ---------------------------------------------------------------------------------
  // Parameters and persistent buffers by dotted name: this module's parameters, then its buffers,
  // then each child's state dict under "<child>.", like PyTorch. The tensors share storage with
  // the module (clone them for a snapshot).
  StateDict state_dict(const std::string& prefix = "") const;
  // Copies each tensor of the state dict into the module's tensor of the same name, in place,
  // converting dtypes like copy_. Shapes must match exactly. With strict, missing or unexpected
  // keys are an Error listing them; a shape mismatch is always an Error. On any Error nothing is
  // copied. Returns the keys that did not match.
  IncompatibleKeys load_state_dict(const StateDict& state_dict, bool strict = true);

  // --- eager-mode quantization ----------------------------------------------------------------------
  // torch.nn.Module.qconfig (see qconfig_slot.h): unset by default, inherited from the parent by
  // quantization::prepare(); nullptr opts a subtree out.
  QConfigSlot qconfig;
  // Where this module sits in the model it was last prepared or converted in ("layer1.0.conv1"), so
  // that errors raised in its forward name it; empty when unknown. Copied by clone().
  const std::string& qualified_name() const { return qualified_name_; }
  void set_qualified_name(std::string name) { qualified_name_ = std::move(name); }
  // How errors name this module: "QuantizedConv2d 'layer1.0.conv1'", or name() when the path is unknown.
  std::string error_name() const;

  // --- deep copy -------------------------------------------------------------------------------
  // A deep copy of the tree (types, modes, flags and tensor values; no storage shared with this
  // module). Modules derived from Cloneable<Derived> support it; others raise an Error.
  std::shared_ptr<Module> clone() const;

 protected:
  Module(const Module&) = default;  // a shallow copy, completed by Cloneable::clone

  // Writes this module's own entries (not its children's) into a state dict. Modules that store
  // their state in another form (quantized modules with packed weights) override both hooks.
  virtual void save_to_state_dict(StateDict& destination, const std::string& prefix) const;
  // Validates this module's own keys: records missing and unexpected keys and errors, and queues
  // the copies in `load`.
  virtual void load_from_state_dict(StateDictLoad& load, const std::string& prefix);

  // Deep copy of this module into a new object of the same dynamic type (Cloneable implements it).
  virtual std::shared_ptr<Module> clone_impl(detail::CloneMemo& memo) const;
  // For Cloneable: counts taken before the shallow copy, and the completion of a shallow copy
  // `copy` of this module into a deep one.
  detail::AliasSnapshot alias_snapshot() const;
  void finish_clone(Module& copy, const detail::AliasSnapshot& before, detail::CloneMemo& memo) const;

  // The children registry, for containers that index it.
  const OrderedDict<detail::ModuleEntry>& registered_children() const { return children_; }
  // PyTorch's _addindent: indents every line but the first by `spaces`.
  static std::string add_indent(const std::string& text, int spaces);
  // Shared pointer to this module (non-owning when the module is not held by a shared_ptr).
  ModulePtr self_ptr() const;

 private:
  void check_new_name(const std::string& name, const char* where) const;
  // Splits "a.b.c" into the module at "a.b" and the last name "c".
  std::pair<Module*, std::string> resolve_parent(const std::string& target, const char* where) const;
  // The module at a dotted path (non-empty); `target` is the full name being looked up, for errors.
  Module* get_submodule_impl(const std::string& path, const std::string& target, const char* where) const;
  void replace_child(const std::string& name, ModulePtr module, const char* where);
  void replace_at(const std::string& target, ModulePtr module, const char* where);
  static void collect_modules(const ModulePtr& module, const std::string& prefix, OrderedDict<ModulePtr>& out,
                              std::unordered_set<const Module*>* memo);
  ModulePtr clone_shared(detail::CloneMemo& memo) const;
  void state_dict_into(StateDict& destination, const std::string& prefix) const;
  void load_recursive(StateDictLoad& load, const std::string& prefix);

  OrderedDict<detail::ParameterEntry> parameters_{"parameter"};
  OrderedDict<detail::BufferEntry> buffers_{"buffer"};
  OrderedDict<detail::ModuleEntry> children_{"module"};
  bool training_ = true;
  std::string qualified_name_;
};

std::ostream& operator<<(std::ostream& os, const Module& module);

// --- templates -----------------------------------------------------------------------------------

template <typename M>
std::shared_ptr<M> Module::register_module(std::string name, std::shared_ptr<M> module) {
  static_assert(std::is_base_of_v<Module, M>, "register_module: M must derive from octet::nn::Module");
  check_new_name(name, "register_module");
  OCTET_CHECK(module != nullptr, "register_module", this->name(), ": module '", name, "' is null");
  children_.insert(std::move(name), detail::ModuleEntry{module, {}, {}, {}});
  return module;
}

template <typename Owner>
Tensor Module::register_parameter(std::string name, Tensor Owner::*member, Tensor tensor, bool requires_grad) {
  static_assert(std::is_base_of_v<Module, Owner>, "register_parameter: the member's class must be a Module");
  OCTET_CHECK(dynamic_cast<Owner*>(this) != nullptr, "register_parameter", this->name(), " is not a ",
              detail::demangle(typeid(Owner)), ", the class of the member bound to '", name, "'");
  register_parameter(name, tensor, requires_grad);
  auto bind = [member](Module& self, const Tensor& t) { dynamic_cast<Owner&>(self).*member = t; };
  bind(*this, tensor);
  parameters_.at(name).bind = std::move(bind);
  return tensor;
}

template <typename Owner>
Tensor Module::register_buffer(std::string name, Tensor Owner::*member, Tensor tensor, bool persistent) {
  static_assert(std::is_base_of_v<Module, Owner>, "register_buffer: the member's class must be a Module");
  OCTET_CHECK(dynamic_cast<Owner*>(this) != nullptr, "register_buffer", this->name(), " is not a ",
              detail::demangle(typeid(Owner)), ", the class of the member bound to '", name, "'");
  register_buffer(name, tensor, persistent);
  auto bind = [member](Module& self, const Tensor& t) { dynamic_cast<Owner&>(self).*member = t; };
  bind(*this, tensor);
  buffers_.at(name).bind = std::move(bind);
  return tensor;
}

template <typename Owner, typename M, typename V>
std::shared_ptr<V> Module::register_module(std::string name, std::shared_ptr<M> Owner::*member,
                                           std::shared_ptr<V> module) {
  static_assert(std::is_base_of_v<Module, Owner>, "register_module: the member's class must be a Module");
  static_assert(std::is_base_of_v<M, V>, "register_module: the module must fit the member's type");
  OCTET_CHECK(dynamic_cast<Owner*>(this) != nullptr, "register_module", this->name(), " is not a ",
              detail::demangle(typeid(Owner)), ", the class of the member bound to '", name, "'");
  register_module(name, module);
  detail::ModuleEntry& entry = children_.at(name);
  if constexpr (!std::is_same_v<M, Module>) {  // a Module member accepts any module
    entry.accepts = [](const Module& m) { return dynamic_cast<const M*>(&m) != nullptr; };
  }
  entry.bind = [member](Module& self, const ModulePtr& m) {
    dynamic_cast<Owner&>(self).*member = std::dynamic_pointer_cast<M>(m);
  };
  entry.member_type = detail::demangle(typeid(M));
  entry.bind(*this, module);
  return module;
}

template <typename M>
std::shared_ptr<M> Module::replace_module(const std::string& target, std::shared_ptr<M> module) {
  static_assert(std::is_base_of_v<Module, M>, "replace_module: M must derive from octet::nn::Module");
  replace_at(target, module, "replace_module");
  return module;
}

}  // namespace octet::nn
