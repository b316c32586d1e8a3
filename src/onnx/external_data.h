// external_data.h: reads the bytes of tensors stored outside the model file, confined to the model's folder (internal).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "onnx/onnx_proto.h"

namespace octet::onnx_detail {

// Where a model's external data may come from.
struct ExternalDataPolicy {
  // The folder holding the model ("" when the model came from memory: external data is an Error).
  std::string base_dir;
};

// True when the tensor keeps its bytes in an external file.
bool has_external_data(const ::onnx::TensorProto& proto);

// Reads the external bytes of `proto` (location, offset, length keys) and stores them as its
// raw_data, so that the tensor is self-contained afterwards. Returns the bytes read. Every path is
// checked: relative, no "..", no absolute path, and inside base_dir after symlinks are resolved;
// the range must lie in the file and hold exactly the tensor's bytes. `what` names the tensor.
int64_t inline_external_data(::onnx::TensorProto* proto, const ExternalDataPolicy& policy, std::string_view what);

// The canonical folder of `base_dir` or an Error naming it.
std::string canonical_dir(const std::string& base_dir);

}  // namespace octet::onnx_detail
