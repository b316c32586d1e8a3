// serialize.h: a module's state dict on disk, as a safetensors file (the format Hugging Face and
// safetensors.torch.save_file use, so checkpoints move between PyTorch and Octet).
//
// Quantized tensors. safetensors has no quantized dtypes, so a quantized tensor at key K (a
// quantized module's "weight", for instance) is written as three plain tensors and one metadata
// entry -- its integers and qparams, never a packed layout:
//
//   K                 the stored integers: U8 (quint8), I8 (qint8), I32 (qint32), with K's shape;
//                     quint4x2: the packed bytes (element 2i in the low nibble of byte i), U8 [ceil(n / 2)]
//   K + "_scale"      F64, the scale(s) exactly as the tensor holds them: 0-d per tensor, [C] per channel
//   K + "_zero_point" I64 zero point(s), 0-d or [C]; F32 [C] for per_channel_affine_float_qparams
//   __metadata__["octet.quantized"]  a JSON object with one entry per quantized key:
//                     {"K": {"dtype": "qint8", "qscheme": "per_channel_affine", "axis": 0, "shape": [...]}}
//                     (axis only per channel; shape only for quint4x2, whose stored tensor is 1-D)
//
// The sibling names follow the "<name>_scale" / "<name>_zero_point" convention of quantized
// checkpoints on the Hugging Face hub (compressed-tensors), so other tools can read them; a state
// dict that already has a key of that name is an Error. Loading rebuilds the quantized tensor with
// exactly the saved integers and qparams, and load_state_dict lets each quantized module repack its
// weight for the CPU it runs on. Files without the metadata entry load as plain tensors.
#pragma once

#include <map>
#include <string>

#include "octet/nn/module.h"

namespace octet::nn {

// Writes module.state_dict() to path (tensors by dotted name, contiguous; metadata
// {"format": "pt"}, plus "octet.quantized" when a tensor is quantized). Tied weights are written
// once per name.
void save_state_dict(const Module& module, const std::string& path);

// Reads a safetensors file and loads it into the module like Module::load_state_dict (in place,
// dtypes converted, shapes checked, strict by default; quantized tensors rebuilt as above).
IncompatibleKeys load_state_dict(Module& module, const std::string& path, bool strict = true);

// The state dict <-> file mapping alone: a state dict as safetensors tensors and metadata, and a
// loaded file back as a state dict (quantized entries rebuilt; malformed ones are an Error naming
// `file` and the key).
void state_dict_to_safetensors(const StateDict& state_dict, std::map<std::string, Tensor>& tensors,
                               std::map<std::string, std::string>& metadata);
StateDict state_dict_from_safetensors(std::map<std::string, Tensor> tensors,
                                      const std::map<std::string, std::string>& metadata,
                                      const std::string& file = "<memory>");

}  // namespace octet::nn
