// serialize.h: a module's state dict on disk, as a safetensors file (the format Hugging Face and
// safetensors.torch.save_file use, so checkpoints move between PyTorch and Octet).
#pragma once

#include <string>

#include "octet/nn/module.h"

namespace octet::nn {

// Writes module.state_dict() to path (tensors by dotted name, contiguous; metadata
// {"format": "pt"}). Tied weights are written once per name.
void save_state_dict(const Module& module, const std::string& path);

// Reads a safetensors file and loads it into the module like Module::load_state_dict (in place,
// dtypes converted, shapes checked, strict by default).
IncompatibleKeys load_state_dict(Module& module, const std::string& path, bool strict = true);

}  // namespace octet::nn
