// serialize.cpp: save and load state dicts as safetensors files.
#include "octet/nn/serialize.h"

#include <map>

#include "octet/io/safetensors.h"

namespace octet::nn {

void save_state_dict(const Module& module, const std::string& path) {
  std::map<std::string, Tensor> tensors;
  for (const auto& [key, tensor] : module.state_dict()) tensors.emplace(key, tensor);
  io::save_safetensors(path, tensors, {{"format", "pt"}});
}

IncompatibleKeys load_state_dict(Module& module, const std::string& path, bool strict) {
  io::SafetensorsFile file = io::load_safetensors(path);
  StateDict state_dict("state_dict");
  for (auto& [key, tensor] : file.tensors) state_dict.insert(key, std::move(tensor));
  return module.load_state_dict(state_dict, strict);
}

}  // namespace octet::nn
