// safetensors.h: read and write tensors in Hugging Face's safetensors format, safely.
//
// Format: an 8-byte little-endian header length N, N bytes of JSON
//   {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value", ...}}
// then the raw little-endian tensor bytes (offsets relative to the end of the header). Files are
// untrusted: every length, offset, dtype and shape is validated before any byte is read, and a
// truncated or inconsistent file is an octet::Error naming the file and the problem.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "octet/tensor.h"

namespace octet::io {

struct SafetensorsFile {
  std::map<std::string, Tensor> tensors;            // contiguous, owning copies
  std::map<std::string, std::string> metadata;      // the "__metadata__" string map
};

// Supported dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL.
SafetensorsFile load_safetensors(const std::string& path);
SafetensorsFile load_safetensors(std::span<const uint8_t> bytes, const std::string& name = "<memory>");

// Writes tensors (any layout; written contiguous) with optional metadata ("__metadata__" only when
// non-empty). The header's keys are sorted by name and padded with spaces to 8 bytes; the data is laid
// out as the reference writer does, larger element sizes first and then by name, so every tensor is
// aligned to its element size. Quantized tensors are an Error (save int_repr() and the qparams instead).
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
std::vector<uint8_t> save_safetensors(const std::map<std::string, Tensor>& tensors,
                                      const std::map<std::string, std::string>& metadata = {});

}  // namespace octet::io
