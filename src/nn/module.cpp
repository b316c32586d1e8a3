// module.cpp: Module registration, lookup by dotted path, module surgery, walks, modes and printing.
#include "octet/nn/module.h"

#include <cxxabi.h>

#include <cstdlib>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_set>

namespace octet::nn {

namespace detail {

std::string demangle(const std::type_info& type) {
  int status = 0;
  char* readable = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string out = (status == 0 && readable != nullptr) ? readable : type.name();
  std::free(readable);
  return out;
}

// "octet::nn::Sequential" -> "Sequential"; "(anonymous namespace)::Net" -> "Net"; namespaces inside
// template arguments stay.
std::string short_type_name(const std::type_info& type) {
  const std::string name = demangle(type);
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i + 1 < name.size(); ++i) {
    const char c = name[i];
    if (c == '<' || c == '(') ++depth;
    if (c == '>' || c == ')') --depth;
    if (depth == 0 && c == ':' && name[i + 1] == ':') start = i + 2;
  }
  return name.substr(start);
}

std::string join_path(const std::string& prefix, const std::string& name) {
  if (prefix.empty()) return name;
  std::string out = prefix;
  out.append(".").append(name);
  return out;
}

}  // namespace detail

namespace {

// How error messages name the module found at a dotted path from the root of a lookup.
std::string describe(const Module& module, const std::string& path) {
  return path.empty() ? module.name() : "'" + path + "' (" + module.name() + ")";
}

// The parent's dotted path in `target` = "parent.path.last".
std::string parent_path(const std::string& target, const std::string& last) {
  return target.size() == last.size() ? std::string() : target.substr(0, target.size() - last.size() - 1);
}

// Identity of a tensor for de-duplication (PyTorch compares Parameter objects; a Tensor here is a
// value, so two are "the same" when they view the same elements of the same storage).
using TensorKey = std::tuple<const Storage*, int64_t, Shape, Shape, DType>;
TensorKey tensor_key(const Tensor& t) {
  return {t.storage().get(), t.storage_offset(), t.shape(), t.strides(), t.dtype()};
}

}  // namespace

// --- identity and printing -------------------------------------------------------------------------

std::string Module::name() const { return detail::short_type_name(typeid(*this)); }

std::string Module::error_name() const {
  std::string out = name();
  if (!qualified_name_.empty()) out.append(" '").append(qualified_name_).append("'");
  return out;
}

std::string Module::add_indent(const std::string& text, int spaces) {
  if (text.find('\n') == std::string::npos) return text;
  const std::string pad(static_cast<std::size_t>(spaces), ' ');
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

std::string Module::to_string() const {
  std::vector<std::string> lines;
  const std::string extra = extra_repr();
  std::size_t extra_lines = 0;
  if (!extra.empty()) {
    std::istringstream in(extra);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    extra_lines = lines.size();
  }
  for (const auto& [child_name, entry] : children_) {
    lines.push_back("(" + child_name + "): " + add_indent(entry.module->to_string(), 2));
  }
  std::string out = name() + "(";
  if (lines.size() == 1 && extra_lines == 1) {
    out += lines[0];  // the one-line form most leaf modules print
  } else if (!lines.empty()) {
    out += "\n  ";
    for (std::size_t i = 0; i < lines.size(); ++i) out += (i ? "\n  " : "") + lines[i];
    out += "\n";
  }
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Module& module) { return os << module.to_string(); }

Tensor Module::forward(const Tensor&) {
  OCTET_FAIL("forward", name(), " has no single-tensor forward(const Tensor&); call its own forward, "
             "or override forward(const Tensor&) to use it in a Sequential");
}

ModulePtr Module::self_ptr() const {
  if (ModulePtr owned = std::const_pointer_cast<Module>(weak_from_this().lock())) return owned;
  // Not held by a shared_ptr (a module on the stack): an aliasing pointer that owns nothing.
  return ModulePtr(ModulePtr{}, const_cast<Module*>(this));
}

// --- registration ------------------------------------------------------------------------------------

void Module::check_new_name(const std::string& new_name, const char* where) const {
  OCTET_CHECK(!new_name.empty(), where, name(), ": a name can't be empty");
  OCTET_CHECK(new_name.find('.') == std::string::npos, where, name(), ": a name can't contain \".\", got '",
              new_name, "'");
  const char* kind = parameters_.contains(new_name) ? "parameter"
                     : buffers_.contains(new_name)  ? "buffer"
                     : children_.contains(new_name) ? "child module"
                                                    : nullptr;
  OCTET_CHECK(kind == nullptr, where, name(), " already has a ", kind, " named '", new_name, "'");
}

Tensor Module::register_parameter(std::string param_name, Tensor tensor, bool requires_grad) {
  check_new_name(param_name, "register_parameter");
  parameters_.insert(std::move(param_name), detail::ParameterEntry{tensor, requires_grad, {}});
  return tensor;
}

Tensor Module::register_buffer(std::string buffer_name, Tensor tensor, bool persistent) {
  check_new_name(buffer_name, "register_buffer");
  buffers_.insert(std::move(buffer_name), detail::BufferEntry{tensor, persistent, {}});
  return tensor;
}

void Module::unregister_module(const std::string& child_name) {
  detail::ModuleEntry* entry = children_.find(child_name);
  OCTET_CHECK(entry != nullptr, "unregister_module", name(), " has no child module '", child_name, "'");
  if (entry->bind) entry->bind(*this, nullptr);
  children_.erase(child_name);
}

// --- lookup by dotted path ---------------------------------------------------------------------------

std::pair<Module*, std::string> Module::resolve_parent(const std::string& target, const char* where) const {
  OCTET_CHECK(!target.empty(), where, "the target name is empty");
  const std::size_t last_dot = target.rfind('.');
  if (last_dot == std::string::npos) return {const_cast<Module*>(this), target};
  return {get_submodule_impl(target.substr(0, last_dot), target, where), target.substr(last_dot + 1)};
}

Module* Module::get_submodule_impl(const std::string& path, const std::string& target, const char* where) const {
  const Module* current = this;
  std::string walked;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t dot = path.find('.', start);
    if (dot == std::string::npos) dot = path.size();
    const std::string atom = path.substr(start, dot - start);
    const detail::ModuleEntry* entry = current->children_.find(atom);
    OCTET_CHECK(entry != nullptr, where, "'", target, "' not found: ", describe(*current, walked),
                " has no child module '", atom, "'");
    walked = detail::join_path(walked, atom);
    current = entry->module.get();
    start = dot + 1;
  }
  return const_cast<Module*>(current);
}

ModulePtr Module::get_submodule(const std::string& target) const {
  if (target.empty()) return self_ptr();
  auto [parent, child_name] = resolve_parent(target, "get_submodule");
  const detail::ModuleEntry* entry = parent->children_.find(child_name);
  OCTET_CHECK(entry != nullptr, "get_submodule", "'", target, "' not found: ",
              describe(*parent, parent_path(target, child_name)), " has no child module '", child_name, "'");
  return entry->module;
}

Tensor Module::get_parameter(const std::string& target) const {
  auto [parent, param_name] = resolve_parent(target, "get_parameter");
  const detail::ParameterEntry* entry = parent->parameters_.find(param_name);
  OCTET_CHECK(entry != nullptr, "get_parameter", "'", target, "' not found: ",
              describe(*parent, parent_path(target, param_name)), " has no parameter '", param_name, "'");
  return entry->value;
}

Tensor Module::get_buffer(const std::string& target) const {
  auto [parent, buffer_name] = resolve_parent(target, "get_buffer");
  const detail::BufferEntry* entry = parent->buffers_.find(buffer_name);
  OCTET_CHECK(entry != nullptr, "get_buffer", "'", target, "' not found: ",
              describe(*parent, parent_path(target, buffer_name)), " has no buffer '", buffer_name, "'");
  return entry->value;
}

bool Module::parameter_requires_grad(const std::string& target) const {
  auto [parent, param_name] = resolve_parent(target, "parameter_requires_grad");
  const detail::ParameterEntry* entry = parent->parameters_.find(param_name);
  OCTET_CHECK(entry != nullptr, "parameter_requires_grad", "'", target, "' not found: ",
              describe(*parent, parent_path(target, param_name)), " has no parameter '", param_name, "'");
  return entry->requires_grad;
}

bool Module::buffer_is_persistent(const std::string& target) const {
  auto [parent, buffer_name] = resolve_parent(target, "buffer_is_persistent");
  const detail::BufferEntry* entry = parent->buffers_.find(buffer_name);
  OCTET_CHECK(entry != nullptr, "buffer_is_persistent", "'", target, "' not found: ",
              describe(*parent, parent_path(target, buffer_name)), " has no buffer '", buffer_name, "'");
  return entry->persistent;
}

// --- module surgery ----------------------------------------------------------------------------------

void Module::set_parameter(const std::string& target, Tensor value) {
  auto [parent, param_name] = resolve_parent(target, "set_parameter");
  detail::ParameterEntry* entry = parent->parameters_.find(param_name);
  OCTET_CHECK(entry != nullptr, "set_parameter", "'", target, "' not found: ",
              describe(*parent, parent_path(target, param_name)), " has no parameter '", param_name, "'");
  if (entry->bind) entry->bind(*parent, value);
  entry->value = std::move(value);
}

void Module::set_buffer(const std::string& target, Tensor value) {
  auto [parent, buffer_name] = resolve_parent(target, "set_buffer");
  detail::BufferEntry* entry = parent->buffers_.find(buffer_name);
  OCTET_CHECK(entry != nullptr, "set_buffer", "'", target, "' not found: ",
              describe(*parent, parent_path(target, buffer_name)), " has no buffer '", buffer_name, "'");
  if (entry->bind) entry->bind(*parent, value);
  entry->value = std::move(value);
}

void Module::replace_child(const std::string& child_name, ModulePtr module, const char* where) {
  detail::ModuleEntry* entry = children_.find(child_name);
  OCTET_CHECK(entry != nullptr, where, name(), " has no child module '", child_name, "' to replace");
  OCTET_CHECK(module != nullptr, where, "the new module for '", child_name, "' is null");
  OCTET_CHECK(!entry->accepts || entry->accepts(*module), where, name(), " binds child '", child_name,
              "' to a member of type ", entry->member_type, "; cannot replace it with ", module->name());
  if (entry->bind) entry->bind(*this, module);
  entry->module = std::move(module);
}

void Module::replace_at(const std::string& target, ModulePtr module, const char* where) {
  OCTET_CHECK(!target.empty(), where, "cannot replace the root module (the target is empty)");
  auto [parent, child_name] = resolve_parent(target, where);
  OCTET_CHECK(parent->children_.contains(child_name), where, "'", target, "' not found: ",
              describe(*parent, parent_path(target, child_name)), " has no child module '", child_name, "'");
  parent->replace_child(child_name, std::move(module), where);
}

// --- walks ---------------------------------------------------------------------------------------------

void Module::collect_modules(const ModulePtr& module, const std::string& prefix, OrderedDict<ModulePtr>& out,
                             std::unordered_set<const Module*>* memo) {
  if (memo != nullptr && !memo->insert(module.get()).second) return;
  out.insert(prefix, module);
  for (const auto& [child_name, entry] : module->children_) {
    collect_modules(entry.module, detail::join_path(prefix, child_name), out, memo);
  }
}

OrderedDict<ModulePtr> Module::named_modules(const std::string& prefix, bool remove_duplicate) const {
  OrderedDict<ModulePtr> out("named_modules");
  std::unordered_set<const Module*> memo;
  collect_modules(self_ptr(), prefix, out, remove_duplicate ? &memo : nullptr);
  return out;
}

std::vector<ModulePtr> Module::modules() const { return named_modules().values(); }

OrderedDict<ModulePtr> Module::named_children() const {
  OrderedDict<ModulePtr> out("named_children");
  std::unordered_set<const Module*> memo;
  for (const auto& [child_name, entry] : children_) {
    if (memo.insert(entry.module.get()).second) out.insert(child_name, entry.module);
  }
  return out;
}

std::vector<ModulePtr> Module::children() const { return named_children().values(); }

OrderedDict<Tensor> Module::named_parameters(bool recurse) const {
  OrderedDict<Tensor> out("named_parameters");
  std::set<TensorKey> seen;
  const OrderedDict<ModulePtr> mods = recurse ? named_modules() : OrderedDict<ModulePtr>{{"", self_ptr()}};
  for (const auto& [prefix, module] : mods) {
    for (const auto& [param_name, entry] : module->parameters_) {
      if (entry.value.defined() && seen.insert(tensor_key(entry.value)).second) {
        out.insert(detail::join_path(prefix, param_name), entry.value);
      }
    }
  }
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const { return named_parameters(recurse).values(); }

OrderedDict<Tensor> Module::named_buffers(bool recurse) const {
  OrderedDict<Tensor> out("named_buffers");
  std::set<TensorKey> seen;
  const OrderedDict<ModulePtr> mods = recurse ? named_modules() : OrderedDict<ModulePtr>{{"", self_ptr()}};
  for (const auto& [prefix, module] : mods) {
    for (const auto& [buffer_name, entry] : module->buffers_) {
      if (entry.value.defined() && seen.insert(tensor_key(entry.value)).second) {
        out.insert(detail::join_path(prefix, buffer_name), entry.value);
      }
    }
  }
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const { return named_buffers(recurse).values(); }

// --- modes -----------------------------------------------------------------------------------------------

void Module::train(bool on) {
  training_ = on;
  for (const ModulePtr& child : children()) child->train(on);
}

void Module::requires_grad_(bool requires_grad) {
  for (const ModulePtr& module : modules()) {
    for (auto& item : module->parameters_) item.second.requires_grad = requires_grad;
  }
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (const ModulePtr& child : children()) child->apply(fn);
  fn(*this);
}

}  // namespace octet::nn
