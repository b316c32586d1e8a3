// module_clone.cpp: deep copies of module trees: fresh storage and children, rebound members,
// sharing inside the tree preserved, and detection of members clone() cannot rebind.
#include <cstring>
#include <map>
#include <unordered_map>

#include "octet/nn/module.h"

namespace octet::nn {

namespace detail {

struct CloneMemo {
  std::unordered_map<const Module*, ModulePtr> modules;
  std::unordered_map<const Storage*, std::shared_ptr<Storage>> storages;
};

}  // namespace detail

namespace {

// A tensor viewing a copy of its storage: the same offset, shape, strides, dtype and quantizer, so
// tensors that viewed one storage (tied weights, views of a packed buffer) still share one.
Tensor deep_copy(const Tensor& t, detail::CloneMemo& memo) {
  if (!t.defined()) return t;
  const Storage* original = t.storage().get();
  std::shared_ptr<Storage>& copy = memo.storages[original];
  if (copy == nullptr) {
    copy = std::make_shared<Storage>(original->nbytes(), /*zero_fill=*/false);
    if (original->nbytes() != 0) std::memcpy(copy->data(), original->data(), original->nbytes());
  }
  return Tensor(copy, t.storage_offset(), t.shape(), t.strides(), t.dtype(),
                t.is_quantized() ? t.quantizer() : nullptr);
}

}  // namespace

std::shared_ptr<Module> Module::clone() const {
  detail::CloneMemo memo;
  return clone_shared(memo);
}

ModulePtr Module::clone_shared(detail::CloneMemo& memo) const {
  auto it = memo.modules.find(this);
  if (it != memo.modules.end()) return it->second;  // shared within the tree: share the clone too
  ModulePtr copy = clone_impl(memo);
  memo.modules.emplace(this, copy);
  return copy;
}

std::shared_ptr<Module> Module::clone_impl(detail::CloneMemo&) const {
  OCTET_FAIL("clone", name(), " does not support clone(); derive it from nn::Cloneable<", name(),
             "> instead of nn::Module");
}

detail::AliasSnapshot Module::alias_snapshot() const {
  detail::AliasSnapshot snapshot;
  for (const auto& item : children_) snapshot.child_counts.push_back(item.second.module.use_count());
  auto note = [&](const Tensor& t) {
    if (t.defined()) snapshot.storage_counts.emplace_back(t.storage().get(), t.storage().use_count());
  };
  for (const auto& item : parameters_) note(item.second.value);
  for (const auto& item : buffers_) note(item.second.value);
  return snapshot;
}

void Module::finish_clone(Module& copy, const detail::AliasSnapshot& before, detail::CloneMemo& memo) const {
  // 1. The shallow copy added one reference per registry entry and per bound member to each child
  //    and storage. Any more are members clone() cannot see (a typed pointer kept from an unbound
  //    register_module, a view of a weight): the clone would silently share them with this module.
  std::map<const void*, std::pair<long, std::string>> expected;  // object -> (added refs, first name)
  auto expect = [&](const void* object, bool bound, const std::string& entry_name) {
    auto [it, inserted] = expected.try_emplace(object, 0, entry_name);
    it->second.first += bound ? 2 : 1;
  };
  for (const auto& [child_name, entry] : children_) expect(entry.module.get(), bool(entry.bind), child_name);
  for (const auto& [param_name, entry] : parameters_) {
    if (entry.value.defined()) expect(entry.value.storage().get(), bool(entry.bind), param_name);
  }
  for (const auto& [buffer_name, entry] : buffers_) {
    if (entry.value.defined()) expect(entry.value.storage().get(), bool(entry.bind), buffer_name);
  }
  auto check = [&](const void* object, long count_before, long count_now, const char* kind) {
    const auto& [added, entry_name] = expected.at(object);
    OCTET_CHECK(count_now - count_before <= added, "clone", name(), " keeps a copy of its ", kind, " '", entry_name,
                "' outside the registry, which the clone would share with the original; bind the member by "
                "registering it with a member pointer (register_module/register_parameter/register_buffer(\"",
                entry_name, "\", &", name(), "::member, ...)) or keep no copy");
  };
  std::size_t i = 0;
  for (const auto& item : children_) {
    check(item.second.module.get(), before.child_counts[i++], item.second.module.use_count(), "child module");
  }
  for (const auto& [storage, count_before] : before.storage_counts) {
    const Tensor* holder = nullptr;
    for (const auto& item : parameters_) {
      if (item.second.value.defined() && item.second.value.storage().get() == storage) holder = &item.second.value;
    }
    for (const auto& item : buffers_) {
      if (item.second.value.defined() && item.second.value.storage().get() == storage) holder = &item.second.value;
    }
    check(storage, count_before, holder->storage().use_count(), "tensor");
  }

  // 2. Fresh children and storage for the copy, with its bound members following.
  for (auto& [child_name, entry] : copy.children_) {
    ModulePtr child = entry.module->clone_shared(memo);
    if (entry.bind) entry.bind(copy, child);
    entry.module = std::move(child);
  }
  for (auto& [param_name, entry] : copy.parameters_) {
    Tensor t = deep_copy(entry.value, memo);
    if (entry.bind) entry.bind(copy, t);
    entry.value = std::move(t);
  }
  for (auto& [buffer_name, entry] : copy.buffers_) {
    Tensor t = deep_copy(entry.value, memo);
    if (entry.bind) entry.bind(copy, t);
    entry.value = std::move(t);
  }
}

}  // namespace octet::nn
