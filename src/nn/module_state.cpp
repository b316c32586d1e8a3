// module_state.cpp: state_dict and load_state_dict, with PyTorch's key order and error messages.
#include <string>
#include <unordered_set>
#include <vector>

#include "octet/nn/module.h"

namespace octet::nn {

namespace {

std::string quoted_list(const std::vector<std::string>& keys) {
  std::string out;
  for (std::size_t i = 0; i < keys.size(); ++i) out += (i ? ", \"" : "\"") + keys[i] + "\"";
  return out;
}

// Checks one (module tensor, checkpoint tensor) pair and queues the copy. The dtype conversion
// happens here, so that a value the module's dtype cannot hold fails before anything is copied.
void queue_copy(StateDictLoad& load, const std::string& key, const Tensor& dst, const Tensor& src) {
  if (src.shape() != dst.shape()) {
    load.error_msgs.push_back("size mismatch for " + key + ": copying a param with shape " +
                              shape_to_string(src.shape()) + " from checkpoint, the shape in current model is " +
                              shape_to_string(dst.shape()) + ".");
    return;
  }
  Tensor value = src;
  try {
    if (dst.is_quantized()) {
      OCTET_CHECK(src.is_quantized() && src.dtype() == dst.dtype() && src.quantizer()->equals(*dst.quantizer()),
                  "copy_", "copying into a quantized tensor needs a source with the same dtype and qparams; got ",
                  src.dtype(), " into ", dst.dtype());
    } else if (src.dtype() != dst.dtype() || src.is_quantized()) {
      value = src.to(dst.dtype());
    }
  } catch (const Error& e) {
    load.error_msgs.push_back("While copying the parameter named \"" + key + "\", an exception occurred: " + e.what());
    return;
  }
  load.copies.push_back([d = dst, value]() mutable { d.copy_(value); });
}

}  // namespace

StateDict Module::state_dict(const std::string& prefix) const {
  StateDict out("state_dict");
  state_dict_into(out, prefix);
  return out;
}

void Module::state_dict_into(StateDict& destination, const std::string& prefix) const {
  save_to_state_dict(destination, prefix);
  for (const auto& [child_name, entry] : children_) entry.module->state_dict_into(destination, prefix + child_name + ".");
}

void Module::save_to_state_dict(StateDict& destination, const std::string& prefix) const {
  for (const auto& [param_name, entry] : parameters_) {
    if (entry.value.defined()) destination.insert(prefix + param_name, entry.value);
  }
  for (const auto& [buffer_name, entry] : buffers_) {
    if (entry.value.defined() && entry.persistent) destination.insert(prefix + buffer_name, entry.value);
  }
}

void Module::load_from_state_dict(StateDictLoad& load, const std::string& prefix) {
  std::unordered_set<std::string> local;  // names this module expects in the checkpoint
  auto visit = [&](const std::string& local_name, const Tensor& dst) {
    local.insert(local_name);
    const std::string key = prefix + local_name;
    if (const Tensor* src = load.state_dict.find(key)) {
      queue_copy(load, key, dst, *src);
    } else {
      load.missing_keys.push_back(key);
    }
  };
  for (const auto& [param_name, entry] : parameters_) {
    if (entry.value.defined()) visit(param_name, entry.value);
  }
  for (const auto& [buffer_name, entry] : buffers_) {
    if (entry.value.defined() && entry.persistent) visit(buffer_name, entry.value);
  }
  // Like PyTorch: a key under this prefix is unexpected here when its rest is a plain name that is
  // not one of this module's tensors, or a dotted name whose first part is not one of its children
  // (children check the rest themselves).
  for (const auto& [key, value] : load.state_dict) {
    if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix) != 0) continue;
    const std::size_t dot = key.find('.', prefix.size());
    const bool known = dot == std::string::npos ? local.count(key.substr(prefix.size())) != 0
                                                : children_.contains(key.substr(prefix.size(), dot - prefix.size()));
    if (!known) load.unexpected_keys.push_back(key);
  }
}

void Module::load_recursive(StateDictLoad& load, const std::string& prefix) {
  load_from_state_dict(load, prefix);
  for (const auto& [child_name, entry] : children_) entry.module->load_recursive(load, prefix + child_name + ".");
}

IncompatibleKeys Module::load_state_dict(const StateDict& state_dict, bool strict) {
  StateDictLoad load{state_dict, {}, {}, {}, {}};
  load_recursive(load, "");
  std::vector<std::string> messages;
  if (strict && !load.missing_keys.empty()) {
    messages.push_back("Missing key(s) in state_dict: " + quoted_list(load.missing_keys) + ".");
  }
  if (strict && !load.unexpected_keys.empty()) {
    messages.push_back("Unexpected key(s) in state_dict: " + quoted_list(load.unexpected_keys) + ".");
  }
  messages.insert(messages.end(), load.error_msgs.begin(), load.error_msgs.end());
  if (!messages.empty()) {
    std::string text = "Error(s) in loading state_dict for " + name() + ":";
    for (const std::string& m : messages) text += "\n\t" + m;
    OCTET_FAIL("load_state_dict", text);
  }
  for (auto& copy : load.copies) copy();
  return {std::move(load.missing_keys), std::move(load.unexpected_keys)};
}

}  // namespace octet::nn
