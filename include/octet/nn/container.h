// container.h: Sequential, ModuleList and ModuleDict, torch.nn's containers.
//
// Containers hold their modules only in the children registry (no typed members), so clone(),
// replace_module() and load_state_dict() see them like any other children. Sequential and
// ModuleList name their children "0", "1", ...; ModuleDict uses its keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "octet/nn/cloneable.h"
#include "octet/nn/module.h"

namespace octet::nn {

// Iterates the modules of a container in order (dereferences to const ModulePtr&).
class ModuleIterator {
 public:
  using Base = std::vector<std::pair<std::string, detail::ModuleEntry>>::const_iterator;
  using iterator_category = std::forward_iterator_tag;
  using value_type = ModulePtr;
  using difference_type = std::ptrdiff_t;
  using pointer = const ModulePtr*;
  using reference = const ModulePtr&;

  ModuleIterator() = default;
  explicit ModuleIterator(Base it) : it_(it) {}
  reference operator*() const { return it_->second.module; }
  pointer operator->() const { return &it_->second.module; }
  ModuleIterator& operator++() {
    ++it_;
    return *this;
  }
  ModuleIterator operator++(int) {
    ModuleIterator old = *this;
    ++it_;
    return old;
  }
  bool operator==(const ModuleIterator& other) const { return it_ == other.it_; }

 private:
  Base it_;
};

namespace detail {
// Casts a container element to M; an Error naming the element and both types otherwise.
template <typename M>
std::shared_ptr<M> cast_element(const ModulePtr& module, const std::string& where, const std::string& key) {
  auto typed = std::dynamic_pointer_cast<M>(module);
  OCTET_CHECK(typed != nullptr, where, "element ", key, " is a ", module->name(), ", not a ", demangle(typeid(M)));
  return typed;
}
}  // namespace detail

// Runs its modules one after another: forward(x) = m_n(...m_1(x)). Every module needs a
// single-tensor forward. An empty Sequential returns its input.
class Sequential : public Cloneable<Sequential> {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<ModulePtr> modules);
  explicit Sequential(const std::vector<ModulePtr>& modules);
  // Named children, like nn.Sequential(OrderedDict(...)).
  explicit Sequential(const std::vector<std::pair<std::string, ModulePtr>>& named_modules);
  // std::make_shared<Sequential>(a, b, c).
  template <typename... Ms>
    requires(sizeof...(Ms) > 0 && (std::is_base_of_v<Module, Ms> && ...))
  explicit Sequential(std::shared_ptr<Ms>... modules) {
    (push_back(std::move(modules)), ...);
  }

  // Appends a module named by its index.
  template <typename M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    return register_module(std::to_string(size()), std::move(module));
  }
  // Appends a module under a name.
  template <typename M>
  std::shared_ptr<M> push_back(std::string name, std::shared_ptr<M> module) {
    return register_module(std::move(name), std::move(module));
  }

  // The index-th module; negative indices count from the end. Out of range is an Error.
  const ModulePtr& operator[](int64_t index) const;
  template <typename M>
  std::shared_ptr<M> at(int64_t index) const {
    return detail::cast_element<M>((*this)[index], "Sequential", std::to_string(index));
  }
  std::size_t size() const { return registered_children().size(); }
  bool empty() const { return size() == 0; }
  ModuleIterator begin() const { return ModuleIterator(registered_children().begin()); }
  ModuleIterator end() const { return ModuleIterator(registered_children().end()); }

  Tensor forward(const Tensor& input) override;
};

// A list of modules (no forward of its own): for models that loop over blocks.
class ModuleList : public Cloneable<ModuleList> {
 public:
  ModuleList() = default;
  ModuleList(std::initializer_list<ModulePtr> modules);
  explicit ModuleList(const std::vector<ModulePtr>& modules);
  template <typename... Ms>
    requires(sizeof...(Ms) > 0 && (std::is_base_of_v<Module, Ms> && ...))
  explicit ModuleList(std::shared_ptr<Ms>... modules) {
    (push_back(std::move(modules)), ...);
  }

  template <typename M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    return register_module(std::to_string(size()), std::move(module));
  }
  void extend(const std::vector<ModulePtr>& modules);
  // Inserts before position index (negative counts from the end; size() appends), renumbering.
  void insert(int64_t index, ModulePtr module);

  const ModulePtr& operator[](int64_t index) const;
  template <typename M>
  std::shared_ptr<M> at(int64_t index) const {
    return detail::cast_element<M>((*this)[index], "ModuleList", std::to_string(index));
  }
  std::size_t size() const { return registered_children().size(); }
  bool empty() const { return size() == 0; }
  ModuleIterator begin() const { return ModuleIterator(registered_children().begin()); }
  ModuleIterator end() const { return ModuleIterator(registered_children().end()); }

  // PyTorch's ModuleList repr: runs of equal consecutive modules print once, as "(0-2): 3 x ...".
  std::string to_string() const override;
};

// Modules by key, in insertion order.
class ModuleDict : public Cloneable<ModuleDict> {
 public:
  ModuleDict() = default;
  explicit ModuleDict(const std::vector<std::pair<std::string, ModulePtr>>& items);

  // Sets a key: replaces the module of an existing key in place, or appends a new key.
  template <typename M>
  std::shared_ptr<M> insert(const std::string& key, std::shared_ptr<M> module) {
    if (has_module(key)) return replace_module(key, std::move(module));
    return register_module(key, std::move(module));
  }
  // insert() for each item, in order.
  void update(const std::vector<std::pair<std::string, ModulePtr>>& items);
  // Removes a key and returns its module; an Error when absent.
  ModulePtr pop(const std::string& key);
  void clear();

  // The module of a key; an Error when absent.
  const ModulePtr& operator[](const std::string& key) const;
  const ModulePtr& operator[](std::size_t) const = delete;  // keys are strings: dict[0] is a mistake
  template <typename M>
  std::shared_ptr<M> at(const std::string& key) const {
    return detail::cast_element<M>((*this)[key], "ModuleDict", "'" + key + "'");
  }
  bool contains(const std::string& key) const { return has_module(key); }
  std::size_t size() const { return registered_children().size(); }
  bool empty() const { return size() == 0; }
  std::vector<std::string> keys() const;
  std::vector<ModulePtr> values() const;
  std::vector<std::pair<std::string, ModulePtr>> items() const;
};

}  // namespace octet::nn
