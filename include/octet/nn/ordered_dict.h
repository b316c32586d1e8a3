// ordered_dict.h: octet::nn::OrderedDict, a string-keyed map that iterates in insertion order.
//
// Modules keep parameters, buffers and children in registration order (the order PyTorch's
// nn.Module uses for named_parameters, state_dict and printing), and look them up by name. A
// vector of (key, value) items gives the order; a hash index gives O(1) lookup.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "octet/error.h"

namespace octet::nn {

template <typename V>
class OrderedDict {
 public:
  using Item = std::pair<std::string, V>;
  using iterator = typename std::vector<Item>::iterator;
  using const_iterator = typename std::vector<Item>::const_iterator;

  // `what` names the contents in error messages ("state_dict", "parameter", ...).
  explicit OrderedDict(std::string what = "OrderedDict") : what_(std::move(what)) {}
  OrderedDict(std::initializer_list<Item> items, std::string what = "OrderedDict") : what_(std::move(what)) {
    for (const Item& item : items) insert(item.first, item.second);
  }

  // Appends; a key that is already present is an Error.
  V& insert(std::string key, V value) {
    OCTET_CHECK(index_.find(key) == index_.end(), what_, "duplicate key '", key, "'");
    index_.emplace(key, items_.size());
    items_.emplace_back(std::move(key), std::move(value));
    return items_.back().second;
  }
  // Replaces the value of an existing key in place (keeping its position) or appends a new one.
  V& insert_or_assign(const std::string& key, V value) {
    if (V* v = find(key)) {
      *v = std::move(value);
      return *v;
    }
    return insert(key, std::move(value));
  }

  V* find(const std::string& key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  const V* find(const std::string& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  bool contains(const std::string& key) const { return index_.find(key) != index_.end(); }
  // The value of a key; a missing key is an Error naming it.
  V& at(const std::string& key) {
    V* v = find(key);
    OCTET_CHECK(v != nullptr, what_, "no key '", key, "'");
    return *v;
  }
  const V& at(const std::string& key) const {
    const V* v = find(key);
    OCTET_CHECK(v != nullptr, what_, "no key '", key, "'");
    return *v;
  }
  V& operator[](const std::string& key) { return at(key); }
  const V& operator[](const std::string& key) const { return at(key); }
  // dict[0] would otherwise build a std::string from a null pointer; use item(i) for positions.
  V& operator[](std::size_t) = delete;
  const V& operator[](std::size_t) const = delete;
  // Position of a key in insertion order; -1 when absent.
  std::ptrdiff_t index_of(const std::string& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? -1 : static_cast<std::ptrdiff_t>(it->second);
  }
  // The i-th item in insertion order.
  Item& item(std::size_t i) {
    OCTET_CHECK(i < items_.size(), what_, "index ", i, " is out of range for ", items_.size(), " items");
    return items_[i];
  }
  const Item& item(std::size_t i) const {
    OCTET_CHECK(i < items_.size(), what_, "index ", i, " is out of range for ", items_.size(), " items");
    return items_[i];
  }

  // Removes a key (later items move up one place); returns whether it was present.
  bool erase(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    const std::size_t pos = it->second;
    index_.erase(it);
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(pos));
    for (std::size_t i = pos; i < items_.size(); ++i) index_[items_[i].first] = i;
    return true;
  }
  void clear() {
    items_.clear();
    index_.clear();
  }

  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  const std::vector<Item>& items() const { return items_; }

  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    out.reserve(items_.size());
    for (const Item& item : items_) out.push_back(item.first);
    return out;
  }
  std::vector<V> values() const {
    std::vector<V> out;
    out.reserve(items_.size());
    for (const Item& item : items_) out.push_back(item.second);
    return out;
  }

 private:
  std::string what_;
  std::vector<Item> items_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace octet::nn
