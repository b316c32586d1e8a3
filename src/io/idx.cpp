// idx.cpp: the IDX reader (plain or gzipped, through zlib) and the Fashion-MNIST loader.
#include "octet/io/idx.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <sstream>
#include <system_error>

#include "octet/error.h"

namespace octet::io {
namespace {

constexpr const char* kReadWhere = "read_idx";
constexpr const char* kLoadWhere = "load_fashion_mnist";
constexpr const char* kPackageRoot = "/usr/share/datasets/fashion-mnist";
constexpr int kMaxDims = 8;
// Deflate cannot expand better than about 1032:1, so a gzip file of c bytes holds at most
// 1032 * c + 64 bytes: a header asking for more is truncated, found before allocating for it.
constexpr uint64_t kMaxDeflateRatio = 1032;

std::string hex_byte(unsigned v) {
  std::ostringstream os;
  os << "0x" << std::hex << std::uppercase << (v < 16 ? "0" : "") << v;
  return os.str();
}

// The element type an IDX type code names, or false when it names none.
bool idx_dtype(unsigned code, DType& dtype) {
  switch (code) {
    case 0x08: dtype = kUInt8; return true;
    case 0x09: dtype = kInt8; return true;
    case 0x0B: dtype = kInt16; return true;
    case 0x0C: dtype = kInt32; return true;
    case 0x0D: dtype = kFloat32; return true;
    case 0x0E: dtype = kFloat64; return true;
    default: return false;
  }
}

// Big-endian elements of `size` bytes to the host's (little-endian) order, in place.
void swap_to_host(uint8_t* data, uint64_t count, std::size_t size) {
  if (size == 1) return;
  for (uint64_t i = 0; i < count; ++i) std::reverse(data + i * size, data + (i + 1) * size);
}

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// Reads up to n bytes; returns how many came (fewer only at the end of the data). A corrupt gzip
// stream is an Error; a stream that ends early is reported by the caller as truncated.
uint64_t read_some(gzFile f, const std::string& path, uint8_t* dst, uint64_t n) {
  uint64_t done = 0;
  while (done < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<uint64_t>(n - done, 1u << 30));
    const int got = gzread(f, dst + done, chunk);
    if (got < 0) {
      int errnum = 0;
      const char* msg = gzerror(f, &errnum);
      OCTET_FAIL(kReadWhere, path, ": corrupt gzip stream (", msg ? msg : "unknown zlib error", ")");
    }
    if (got == 0) {
      // zlib reports a gzip stream cut short as Z_BUF_ERROR at the end of input.
      int errnum = 0;
      gzerror(f, &errnum);
      OCTET_CHECK(errnum == Z_OK || errnum == Z_BUF_ERROR, kReadWhere, path, ": read error (zlib error ", errnum,
                  ")");
      break;
    }
    done += static_cast<uint64_t>(got);
  }
  return done;
}

std::string shape_text(const Tensor& t) {
  std::ostringstream os;
  os << dtype_name(t.dtype()) << " [";
  for (int64_t d = 0; d < t.dim(); ++d) os << (d ? ", " : "") << t.size(d);
  os << "]";
  return os.str();
}

// root/name.gz when it exists, else root/name when it exists; else an Error naming the .gz file.
std::string find_split_file(const std::string& root, const std::string& name) {
  const std::filesystem::path gz = std::filesystem::path(root) / (name + ".gz");
  const std::filesystem::path plain = std::filesystem::path(root) / name;
  std::error_code ec;
  if (std::filesystem::is_regular_file(gz, ec)) return gz.string();
  if (std::filesystem::is_regular_file(plain, ec)) return plain.string();
  // From the default folder, say how to get the data; a folder the caller chose is theirs to fix.
  const auto normal = [](const std::string& p) { return std::filesystem::path(p).lexically_normal(); };
  const bool default_root = normal(root) == normal(kPackageRoot) || normal(root) == normal(default_fashion_mnist_root());
  OCTET_FAIL(kLoadWhere, gz.string(), ": no such file (nor ", name, ")",
             default_root ? "; install Debian's dataset-fashion-mnist package (scripts/setup.sh does), or set "
                            "OCTET_FASHION_MNIST to a folder holding the Fashion-MNIST files"
                          : "");
}

}  // namespace

Tensor read_idx(const std::string& path) {
  std::error_code ec;
  OCTET_CHECK(std::filesystem::is_regular_file(path, ec), kReadWhere, path, ": no such file");
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  OCTET_CHECK(!ec, kReadWhere, path, ": cannot read its size (", ec.message(), ")");

  errno = 0;
  GzFile f(gzopen(path.c_str(), "rb"));
  OCTET_CHECK(f != nullptr, kReadWhere, path, ": cannot open (",
              errno ? std::strerror(errno) : "out of memory", ")");
  gzbuffer(f.get(), 1u << 17);
  const bool gzipped = gzdirect(f.get()) == 0;

  std::array<uint8_t, 4> magic{};
  const uint64_t got_magic = read_some(f.get(), path, magic.data(), 4);
  OCTET_CHECK(got_magic == 4, kReadWhere, path, ": truncated header: ", got_magic,
              " bytes, an IDX file starts with a 4-byte magic");
  OCTET_CHECK(magic[0] == 0 && magic[1] == 0, kReadWhere, path, ": not an IDX file (bad magic ",
              hex_byte(magic[0]), " ", hex_byte(magic[1]), " ", hex_byte(magic[2]), " ", hex_byte(magic[3]),
              "; expected 0x00 0x00, a type code and a dimension count)");
  DType dtype = kUInt8;
  OCTET_CHECK(idx_dtype(magic[2], dtype), kReadWhere, path, ": unknown IDX element type ", hex_byte(magic[2]),
              " (expected 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32 or 0x0E float64)");
  const int ndim = magic[3];
  OCTET_CHECK(ndim >= 1 && ndim <= kMaxDims, kReadWhere, path, ": ", ndim, " dimensions (expected 1..", kMaxDims,
              ")");

  std::array<uint8_t, 4 * kMaxDims> dim_bytes{};
  const uint64_t want_dims = 4 * static_cast<uint64_t>(ndim);
  const uint64_t got_dims = read_some(f.get(), path, dim_bytes.data(), want_dims);
  OCTET_CHECK(got_dims == want_dims, kReadWhere, path, ": truncated header: ", 4 + got_dims, " bytes, ", ndim,
              " dimensions need ", 4 + want_dims);

  Shape shape;
  const uint64_t elem = element_size(dtype);
  uint64_t nbytes = elem;
  for (int d = 0; d < ndim; ++d) {
    const uint8_t* b = dim_bytes.data() + 4 * d;
    const uint64_t size = (uint64_t{b[0]} << 24) | (uint64_t{b[1]} << 16) | (uint64_t{b[2]} << 8) | b[3];
    shape.push_back(static_cast<int64_t>(size));
    // Dimensions are < 2^32 each; the byte count is checked against overflow as it grows.
    OCTET_CHECK(!__builtin_mul_overflow(nbytes, size, &nbytes) &&
                    nbytes <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()),
                kReadWhere, path, ": dimensions too large (the data would overflow 64 bits)");
  }
  const uint64_t header = 4 + want_dims;
  // Before allocating: the file must be able to hold the data the header announces.
  const uint64_t max_data = gzipped ? kMaxDeflateRatio * file_size + 64 : file_size - std::min(file_size, header);
  OCTET_CHECK(nbytes <= max_data, kReadWhere, path, ": truncated data: the header announces ", nbytes,
              " bytes but the file holds ", gzipped ? "far fewer" : std::to_string(max_data).c_str(),
              gzipped ? "" : " bytes");

  Tensor out = empty(shape, dtype);
  auto* data = static_cast<uint8_t*>(out.raw_data());
  const uint64_t got = read_some(f.get(), path, data, nbytes);
  OCTET_CHECK(got == nbytes, kReadWhere, path, ": truncated data: ", got, " of the ", nbytes,
              " bytes the header announces");
  uint8_t extra = 0;
  OCTET_CHECK(read_some(f.get(), path, &extra, 1) == 0, kReadWhere, path, ": trailing bytes after the ", nbytes,
              " data bytes the header announces");
  swap_to_host(data, nbytes / elem, elem);
  return out;
}

FashionMNIST load_fashion_mnist(const std::string& root, bool train) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string images_path = find_split_file(root, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_split_file(root, prefix + "-labels-idx1-ubyte");

  FashionMNIST data;
  data.images = read_idx(images_path);
  OCTET_CHECK(data.images.dtype() == kUInt8 && data.images.dim() == 3 && data.images.size(1) == 28 &&
                  data.images.size(2) == 28,
              kLoadWhere, images_path, ": expected uint8 images [N, 28, 28], got ", shape_text(data.images));
  const Tensor labels = read_idx(labels_path);
  OCTET_CHECK(labels.dtype() == kUInt8 && labels.dim() == 1, kLoadWhere, labels_path,
              ": expected uint8 labels [N], got ", shape_text(labels));
  OCTET_CHECK(labels.size(0) == data.images.size(0), kLoadWhere, images_path, " holds ", data.images.size(0),
              " images but ", labels_path, " holds ", labels.size(0), " labels");
  const uint8_t* l = labels.data_ptr<uint8_t>();
  for (int64_t i = 0; i < labels.numel(); ++i) {
    OCTET_CHECK(l[i] <= 9, kLoadWhere, labels_path, ": label ", static_cast<int>(l[i]), " at index ", i,
                " is outside 0..9");
  }
  data.labels = labels.to(kInt64);
  return data;
}

std::string default_fashion_mnist_root() {
  const char* env = std::getenv("OCTET_FASHION_MNIST");
  return env && *env ? std::string(env) : std::string(kPackageRoot);
}

const char* fashion_mnist_class_name(int64_t label) {
  static constexpr const char* kNames[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                             "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  OCTET_CHECK(label >= 0 && label < 10, "fashion_mnist_class_name", "label ", label, " is outside 0..9");
  return kNames[label];
}

}  // namespace octet::io
