// tensor_file.cpp: load_tensor: one serialized TensorProto file, as ONNX's test data sets store inputs and outputs.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "octet/error.h"
#include "octet/onnx/import.h"
#include "onnx/external_data.h"
#include "onnx/tensor_proto.h"

namespace octet::onnx {

Tensor load_tensor(const std::string& path, std::string* name) {
  namespace fs = std::filesystem;
  std::ifstream in(path, std::ios::binary);
  OCTET_CHECK(in.is_open(), "onnx", "'", path, "' cannot be opened");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const std::string data = bytes.str();
  ::onnx::TensorProto proto;
  OCTET_CHECK(!data.empty() && proto.ParseFromString(data), "onnx", path,
              ": not a serialized TensorProto (empty, truncated or corrupt)");
  const std::string what = detail::str_cat(path, ": tensor '", proto.name(), "'");
  if (onnx_detail::has_external_data(proto)) {
    onnx_detail::ExternalDataPolicy policy;
    const fs::path p(path);
    policy.base_dir = p.has_parent_path() ? p.parent_path().string() : std::string(".");
    onnx_detail::inline_external_data(&proto, policy, what);
  }
  if (name != nullptr) *name = proto.name();
  return onnx_detail::tensor_from_proto(proto, what);
}

}  // namespace octet::onnx
