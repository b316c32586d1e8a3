// numpy.h: read and write numpy's .npy (one array) and .npz (a zip of .npy files) formats, safely.
//
// .npy: magic "\x93NUMPY", version 1.0/2.0/3.0, a Python-dict header with 'descr' (e.g. '<f4'),
// 'fortran_order' and 'shape', then the data. .npz: a zip archive of NAME.npy members, stored
// (np.savez) or deflated (np.savez_compressed). Files are untrusted: sizes and headers are validated
// before reading; malformed input is an octet::Error naming the file and the problem.
#pragma once

#include <map>
#include <string>

#include "octet/tensor.h"

namespace octet::io {

// Supported dtypes: f8, f4, f2, i8, i4, i2, i1, u1, b1 (little-endian or '|'); big-endian data is
// byte-swapped on load; fortran_order arrays are loaded as C-contiguous copies. The data must fill the
// rest of the file exactly. save_npy writes numpy.save's exact bytes (C order, version 1.0 unless
// the header needs 2.0, data 64-byte aligned); bfloat16 and quantized tensors are an Error.
Tensor load_npy(const std::string& path);
void save_npy(const std::string& path, const Tensor& t);

// Members keyed by name without the ".npy" suffix; every member must be a .npy file, and its CRC-32
// must match. save_npz writes reproducible archives (fixed timestamps; ZIP64 records when needed).
std::map<std::string, Tensor> load_npz(const std::string& path);
void save_npz(const std::string& path, const std::map<std::string, Tensor>& tensors, bool compressed = false);

}  // namespace octet::io
