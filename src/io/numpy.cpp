// numpy.cpp: load_npy/save_npy and load_npz/save_npz on top of the .npy codec and the zip reader/writer.
#include "octet/io/numpy.h"

#include <span>
#include <string_view>
#include <vector>

#include "io/byte_source.h"
#include "io/npy.h"
#include "io/zip.h"
#include "octet/error.h"

namespace octet::io {
namespace {

constexpr std::string_view kSuffix = ".npy";

std::span<const uint8_t> bytes_of(const Tensor& t) {
  return {static_cast<const uint8_t*>(t.raw_data()), t.nbytes()};
}

}  // namespace

Tensor load_npy(const std::string& path) {
  const detail::FileSource src("load_npy", path);
  return detail::read_npy(src);
}

void save_npy(const std::string& path, const Tensor& t) {
  const std::vector<uint8_t> prefix = detail::npy_prefix(t, "save_npy");
  const Tensor c = t.contiguous();
  const std::span<const uint8_t> chunks[] = {prefix, bytes_of(c)};
  detail::write_file("save_npy", path, chunks);
}

std::map<std::string, Tensor> load_npz(const std::string& path) {
  const detail::FileSource src("load_npz", path);
  const detail::ZipReader zip(src);
  std::map<std::string, Tensor> out;
  for (const detail::ZipEntry& e : zip.entries()) {
    const std::string_view name = e.name;
    OCTET_CHECK(name.size() >= kSuffix.size() && name.substr(name.size() - kSuffix.size()) == kSuffix, "load_npz",
                path, ": member '", e.name, "' is not a .npy array");
    const std::string key(name.substr(0, name.size() - kSuffix.size()));
    OCTET_CHECK(out.count(key) == 0, "load_npz", path, ": member '", e.name, "' appears twice");
    const std::vector<uint8_t> bytes = zip.read(e);
    const detail::MemorySource member("load_npz", bytes, path + ": member '" + e.name + "'");
    out.emplace(key, detail::read_npy(member));
  }
  return out;
}

void save_npz(const std::string& path, const std::map<std::string, Tensor>& tensors, bool compressed) {
  // Headers and contiguous copies stay alive until the archive is written.
  std::vector<std::vector<uint8_t>> prefixes;
  std::vector<Tensor> data;
  detail::ZipWriter zip;
  for (const auto& [key, t] : tensors) {
    prefixes.push_back(detail::npy_prefix(t, "save_npz", "array '" + key + "': "));
    data.push_back(t.contiguous());
    const std::span<const uint8_t> parts[] = {prefixes.back(), bytes_of(data.back())};
    zip.add(key + std::string(kSuffix), parts, compressed);
  }
  zip.finish();
  detail::write_file("save_npz", path, zip.chunks());
}

}  // namespace octet::io
