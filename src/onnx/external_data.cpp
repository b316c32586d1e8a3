// external_data.cpp: external tensor data, resolved inside the model's folder only and checked against the tensor's size before reading.
#include "onnx/external_data.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "octet/error.h"
#include "onnx/tensor_proto.h"

namespace octet::onnx_detail {
namespace {

namespace fs = std::filesystem;
constexpr const char* kWhere = "onnx";

int64_t parse_size(const std::string& text, std::string_view key, std::string_view what) {
  int64_t v = -1;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  OCTET_CHECK(ec == std::errc() && p == end && v >= 0, kWhere, what, ": external data key '", key,
              "' must be a non-negative integer, got '", text, "'");
  return v;
}

// A location is a relative path inside the model's folder: it may name subfolders, never climb
// out of the folder (".."), start at the root, or name a drive.
void check_location(const std::string& location, std::string_view what) {
  OCTET_CHECK(!location.empty(), kWhere, what, ": external data has an empty location");
  OCTET_CHECK(location.find('\0') == std::string::npos, kWhere, what, ": external data location contains a NUL byte");
  const bool absolute = location.front() == '/' || location.front() == '\\' ||
                        (location.size() >= 2 && location[1] == ':');
  OCTET_CHECK(!absolute, kWhere, what, ": external data location '", location,
              "' is an absolute path; it must be relative to the model's folder");
  size_t start = 0;
  while (start <= location.size()) {
    size_t end = location.find_first_of("/\\", start);
    if (end == std::string::npos) end = location.size();
    OCTET_CHECK(location.compare(start, end - start, "..") != 0, kWhere, what, ": external data location '", location,
                "' leaves the model's folder ('..' is not allowed)");
    start = end + 1;
  }
}

bool is_inside(const fs::path& file, const fs::path& dir) {
  auto f = file.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++f) {
    if (d->empty()) continue;  // a trailing separator
    if (f == file.end() || *f != *d) return false;
  }
  return f != file.end();
}

}  // namespace

bool has_external_data(const ::onnx::TensorProto& proto) {
  return proto.data_location() == ::onnx::TensorProto::EXTERNAL;
}

std::string canonical_dir(const std::string& base_dir) {
  std::error_code ec;
  const fs::path dir = fs::canonical(base_dir.empty() ? fs::path(".") : fs::path(base_dir), ec);
  OCTET_CHECK(!ec && fs::is_directory(dir), kWhere, "model folder '", base_dir, "' cannot be opened: ", ec.message());
  return dir.string();
}

int64_t inline_external_data(::onnx::TensorProto* proto, const ExternalDataPolicy& policy, std::string_view what) {
  std::string location;
  int64_t offset = 0;
  int64_t length = -1;
  bool has_location = false;
  for (const auto& kv : proto->external_data()) {
    if (kv.key() == "location") {
      location = kv.value();
      has_location = true;
    } else if (kv.key() == "offset") {
      offset = parse_size(kv.value(), "offset", what);
    } else if (kv.key() == "length") {
      length = parse_size(kv.value(), "length", what);
    }
    // "checksum" and unknown keys are informational.
  }
  OCTET_CHECK(has_location, kWhere, what, ": external data needs a 'location' key");
  OCTET_CHECK(!policy.base_dir.empty(), kWhere, what, ": its data is in external file '", location,
              "', but the model was not loaded from a file (load it with onnx::load_model, or give import_model a "
              "base_dir)");
  check_location(location, what);

  // Resolve symlinks and check that the file is still inside the folder.
  const fs::path dir = canonical_dir(policy.base_dir);
  std::error_code ec;
  const fs::path file = fs::canonical(dir / fs::path(location), ec);
  OCTET_CHECK(!ec, kWhere, what, ": external data file '", location, "' cannot be opened: ", ec.message());
  OCTET_CHECK(is_inside(file, dir), kWhere, what, ": external data file '", location,
              "' resolves outside the model's folder (through a symlink)");
  OCTET_CHECK(fs::is_regular_file(file), kWhere, what, ": external data file '", location, "' is not a regular file");
  const auto file_size = static_cast<int64_t>(fs::file_size(file, ec));
  OCTET_CHECK(!ec, kWhere, what, ": external data file '", location, "' cannot be read: ", ec.message());

  // The bytes the tensor needs, known before anything is read.
  const Shape shape = shape_of_proto(*proto, what);
  const DType dtype = dtype_of_code(proto->data_type(), what);
  const auto need = static_cast<int64_t>(shape_numel(shape, "onnx tensor") * static_cast<int64_t>(element_size(dtype)));
  OCTET_CHECK(offset <= file_size, kWhere, what, ": external data offset ", offset, " is past the end of '", location,
              "' (", file_size, " bytes)");
  if (length < 0) length = file_size - offset;
  OCTET_CHECK(length <= file_size - offset, kWhere, what, ": external data range [", offset, ", ", offset, " + ",
              length, ") is past the end of '", location, "' (", file_size, " bytes)");
  OCTET_CHECK(length == need, kWhere, what, ": external data holds ", length, " bytes but ", dtype_name(dtype),
              shape_to_string(shape), " needs ", need);

  std::string bytes(static_cast<size_t>(length), '\0');
  std::ifstream in(file, std::ios::binary);
  in.seekg(offset);
  in.read(bytes.data(), length);
  OCTET_CHECK(in.good() || (length == 0 && !in.bad()), kWhere, what, ": reading ", length, " bytes at offset ", offset,
              " of '", location, "' failed");
  proto->clear_external_data();
  proto->set_data_location(::onnx::TensorProto::DEFAULT);
  proto->set_raw_data(std::move(bytes));
  return length;
}

}  // namespace octet::onnx_detail
