// containers.cpp: Sequential, ModuleList and ModuleDict.
#include "octet/nn/container.h"

namespace octet::nn {

namespace {

// Wraps a python-style index into [0, size); an Error naming the container otherwise.
std::size_t wrap_index(int64_t index, std::size_t size, const char* where) {
  const auto n = static_cast<int64_t>(size);
  OCTET_CHECK(index >= -n && index < n, where, "index ", index, " is out of range for ", n, " modules");
  return static_cast<std::size_t>(index < 0 ? index + n : index);
}

}  // namespace

// --- Sequential ------------------------------------------------------------------------------------

Sequential::Sequential(std::initializer_list<ModulePtr> modules) {
  for (const ModulePtr& m : modules) push_back(m);
}

Sequential::Sequential(const std::vector<ModulePtr>& modules) {
  for (const ModulePtr& m : modules) push_back(m);
}

Sequential::Sequential(const std::vector<std::pair<std::string, ModulePtr>>& named_modules) {
  for (const auto& [name, m] : named_modules) push_back(name, m);
}

const ModulePtr& Sequential::operator[](int64_t index) const {
  return registered_children().item(wrap_index(index, size(), "Sequential")).second.module;
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const ModulePtr& m : *this) x = m->forward(x);
  return x;
}

// --- ModuleList ------------------------------------------------------------------------------------

ModuleList::ModuleList(std::initializer_list<ModulePtr> modules) {
  for (const ModulePtr& m : modules) push_back(m);
}

ModuleList::ModuleList(const std::vector<ModulePtr>& modules) { extend(modules); }

void ModuleList::extend(const std::vector<ModulePtr>& modules) {
  for (const ModulePtr& m : modules) push_back(m);
}

void ModuleList::insert(int64_t index, ModulePtr module) {
  const auto n = static_cast<int64_t>(size());
  OCTET_CHECK(index >= -n && index <= n, "ModuleList", "insert index ", index, " is out of range for ", n,
              " modules");
  OCTET_CHECK(module != nullptr, "ModuleList", "cannot insert a null module");
  const auto pos = static_cast<std::size_t>(index < 0 ? index + n : index);
  std::vector<ModulePtr> modules(begin(), end());
  modules.insert(modules.begin() + static_cast<std::ptrdiff_t>(pos), std::move(module));
  for (std::size_t i = size(); i-- > 0;) unregister_module(std::to_string(i));
  extend(modules);
}

const ModulePtr& ModuleList::operator[](int64_t index) const {
  return registered_children().item(wrap_index(index, size(), "ModuleList")).second.module;
}

std::string ModuleList::to_string() const {
  if (empty()) return name() + "()";
  std::vector<std::string> reprs;
  for (const ModulePtr& m : *this) reprs.push_back(m->to_string());
  std::string out = name() + "(";
  for (std::size_t start = 0; start < reprs.size();) {
    std::size_t end = start;
    while (end + 1 < reprs.size() && reprs[end + 1] == reprs[start]) ++end;
    // Built by appending: GCC 12 warns falsely (-Wrestrict) on "(" + std::to_string(...).
    std::string line = "(";
    line += std::to_string(start);
    if (end != start) {
      line += '-';
      line += std::to_string(end);
    }
    line += "): ";
    if (end != start) {
      line += std::to_string(end - start + 1);
      line += " x ";
    }
    line += reprs[start];
    out += "\n  " + add_indent(line, 2);
    start = end + 1;
  }
  return out + "\n)";
}

// --- ModuleDict ------------------------------------------------------------------------------------

ModuleDict::ModuleDict(const std::vector<std::pair<std::string, ModulePtr>>& items) { update(items); }

void ModuleDict::update(const std::vector<std::pair<std::string, ModulePtr>>& items) {
  for (const auto& [key, m] : items) insert(key, m);
}

ModulePtr ModuleDict::pop(const std::string& key) {
  OCTET_CHECK(contains(key), "ModuleDict", "no key '", key, "' to pop");
  ModulePtr m = (*this)[key];
  unregister_module(key);
  return m;
}

void ModuleDict::clear() {
  for (const std::string& key : keys()) unregister_module(key);
}

const ModulePtr& ModuleDict::operator[](const std::string& key) const {
  const detail::ModuleEntry* entry = registered_children().find(key);
  OCTET_CHECK(entry != nullptr, "ModuleDict", "no key '", key, "'");
  return entry->module;
}

std::vector<std::string> ModuleDict::keys() const { return registered_children().keys(); }

std::vector<ModulePtr> ModuleDict::values() const {
  return std::vector<ModulePtr>(ModuleIterator(registered_children().begin()),
                                ModuleIterator(registered_children().end()));
}

std::vector<std::pair<std::string, ModulePtr>> ModuleDict::items() const {
  std::vector<std::pair<std::string, ModulePtr>> out;
  for (const auto& [key, entry] : registered_children()) out.emplace_back(key, entry.module);
  return out;
}

}  // namespace octet::nn
