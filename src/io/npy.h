// npy.h: the .npy format on byte sources, shared by load_npy/save_npy and the .npz members.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/byte_source.h"
#include "octet/tensor.h"

namespace octet::io::detail {

// Parses and validates the header, then reads the whole source as one array: owning, C-contiguous,
// byte-swapped to little-endian. The data must fill the rest of the source exactly.
Tensor read_npy(const ByteSource& src);

// The bytes before the data (magic, version, header length, padded header) for a C-order array of t's
// dtype and shape, exactly as numpy.save writes them: version 1.0 unless the header needs 2.0.
// An Error (reported as `where`, message prefixed by `subject`) for dtypes .npy cannot hold.
std::vector<uint8_t> npy_prefix(const Tensor& t, const char* where, const std::string& subject = "");

}  // namespace octet::io::detail
