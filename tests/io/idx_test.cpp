// idx_test.cpp: the IDX reader (every dtype, plain and gzipped, every malformed-file error) and the
// Fashion-MNIST loader (on small synthetic splits, and on Debian's package when it is installed).
#include "octet/io/idx.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "io/io_test_util.h"

namespace octet::test {
namespace {

using Bytes = std::vector<uint8_t>;

// An IDX header: 00 00 <type> <ndim> then each dimension as a big-endian uint32.
Bytes idx_header(uint8_t type, const std::vector<uint32_t>& dims) {
  Bytes b = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<uint8_t>(d >> shift));
  }
  return b;
}

// Appends value's bytes big-endian (IDX's byte order).
template <typename T>
void append_be(Bytes& b, T value) {
  uint8_t raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));
  for (std::size_t i = sizeof(T); i-- > 0;) b.push_back(raw[i]);
}

void write_gzip(const std::string& path, const Bytes& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  if (!bytes.empty()) {
    ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  }
  ASSERT_EQ(gzclose(f), Z_OK);
}

void write_file(const std::string& path, const Bytes& bytes, bool gzipped) {
  if (gzipped) {
    write_gzip(path, bytes);
  } else {
    write_bytes(path, bytes);
  }
}

// A fresh temp folder, removed with its contents when the object goes away.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = ::testing::TempDir() + "octet_idx_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Sets an environment variable for one scope and restores the previous value after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class IdxRoundTrip : public ::testing::TestWithParam<bool> {};  // param: gzipped

template <typename T>
void check_round_trip(uint8_t type, DType dtype, const std::vector<T>& values, bool gzipped) {
  const std::vector<uint32_t> dims = {2, static_cast<uint32_t>(values.size() / 2)};
  Bytes bytes = idx_header(type, dims);
  for (T v : values) append_be(bytes, v);
  TempFile file(gzipped ? ".idx.gz" : ".idx");
  write_file(file.path(), bytes, gzipped);
  const Tensor t = io::read_idx(file.path());
  ASSERT_EQ(t.dtype(), dtype) << dtype_name(dtype);
  ASSERT_EQ(t.shape(), (Shape{2, static_cast<int64_t>(values.size() / 2)}));
  ASSERT_TRUE(t.is_contiguous());
  for (std::size_t i = 0; i < values.size(); ++i) {
    // Bit patterns, so that -0.0, NaN and denormals are held exactly.
    EXPECT_EQ(std::memcmp(t.data_ptr<T>() + i, &values[i], sizeof(T)), 0)
        << dtype_name(dtype) << " element " << i << (gzipped ? " (gzipped)" : " (plain)");
  }
}

TEST_P(IdxRoundTrip, EveryDtype) {
  const bool gz = GetParam();
  check_round_trip<uint8_t>(0x08, kUInt8, {0, 1, 127, 128, 254, 255}, gz);
  check_round_trip<int8_t>(0x09, kInt8, {-128, -1, 0, 1, 100, 127}, gz);
  check_round_trip<int16_t>(0x0B, kInt16, {-32768, -256, -1, 0, 258, 32767}, gz);
  check_round_trip<int32_t>(0x0C, kInt32, {INT32_MIN, -65536, -1, 0, 0x01020304, INT32_MAX}, gz);
  check_round_trip<float>(0x0D, kFloat32, {-0.0f, 1.5f, -3.25e-40f, 3.4e38f, std::nanf(""), 0.1f}, gz);
  check_round_trip<double>(0x0E, kFloat64, {-0.0, 1.5, -4.9e-324, 1.7e308, std::nan(""), 0.1}, gz);
}

TEST_P(IdxRoundTrip, HighRankAndEmpty) {
  const bool gz = GetParam();
  Bytes bytes = idx_header(0x08, {1, 2, 1, 3});
  for (uint8_t v = 0; v < 6; ++v) bytes.push_back(v);
  TempFile file(".idx");
  write_file(file.path(), bytes, gz);
  Tensor t = io::read_idx(file.path());
  ASSERT_EQ(t.shape(), (Shape{1, 2, 1, 3}));
  EXPECT_EQ(t.at<int64_t>({0, 1, 0, 2}), 5);

  write_file(file.path(), idx_header(0x0C, {0, 28}), gz);
  t = io::read_idx(file.path());
  EXPECT_EQ(t.shape(), (Shape{0, 28}));
  EXPECT_EQ(t.dtype(), kInt32);
}

INSTANTIATE_TEST_SUITE_P(PlainAndGzip, IdxRoundTrip, ::testing::Bool(),
                         [](const auto& info) { return info.param ? std::string("gzip") : std::string("plain"); });

// --- malformed files ------------------------------------------------------------------------------

TEST(IdxErrors, MissingFile) {
  TempDir dir;
  const std::string path = dir.file("absent.idx");
  EXPECT_OCTET_ERROR(io::read_idx(path), path + ": no such file");
  EXPECT_OCTET_ERROR(io::read_idx(dir.path()), ": no such file");  // a folder is not a file
}

TEST(IdxErrors, BadMagic) {
  for (bool gz : {false, true}) {
    TempFile file(".idx");
    Bytes bytes = idx_header(0x08, {2});
    bytes[1] = 0x08;
    bytes.insert(bytes.end(), {1, 2});
    write_file(file.path(), bytes, gz);
    EXPECT_OCTET_ERROR(io::read_idx(file.path()), file.path() + ": not an IDX file (bad magic 0x00 0x08 0x08 0x01");
  }
}

TEST(IdxErrors, UnknownTypeAndDimensionCount) {
  TempFile file(".idx");
  write_bytes(file.path(), idx_header(0x0A, {1}));
  EXPECT_OCTET_ERROR(io::read_idx(file.path()), ": unknown IDX element type 0x0A (expected 0x08 uint8");
  write_bytes(file.path(), Bytes{0, 0, 0x08, 0});
  EXPECT_OCTET_ERROR(io::read_idx(file.path()), ": 0 dimensions (expected 1..8)");
  write_bytes(file.path(), Bytes{0, 0, 0x08, 9});
  EXPECT_OCTET_ERROR(io::read_idx(file.path()), ": 9 dimensions (expected 1..8)");
}

TEST(IdxErrors, TruncatedHeader) {
  for (bool gz : {false, true}) {
    TempFile file(".idx");
    write_file(file.path(), Bytes{0, 0}, gz);
    EXPECT_OCTET_ERROR(io::read_idx(file.path()), ": truncated header: 2 bytes, an IDX file starts with a 4-byte magic");
    Bytes bytes = idx_header(0x08, {3, 4});
    bytes.resize(9);
    write_file(file.path(), bytes, gz);
    EXPECT_OCTET_ERROR(io::read_idx(file.path()), ": truncated header: 9 bytes, 2 dimensions need 12");
  }
}

TEST(IdxErrors, TruncatedData) {
  for (bool gz : {false, true}) {
    TempFile file(".idx");
    Bytes bytes = idx_header(0x0C, {2, 3});
    for (int i = 0; i < 5; ++i) append_be<int32_t>(bytes, i);  // 20 of 24 bytes
    bytes.push_back(7);                                        // and one more: 21
    write_file(file.path(), bytes, gz);
    if (gz) {
      EXPECT_OCTET_ERROR(io::read_idx(file.path()), ": truncated data: 21 of the 24 bytes the header announces");
    } else {
      EXPECT_OCTET_ERROR(io::read_idx(file.path()), ": truncated data: the header announces 24 bytes but the file holds 21 bytes");
    }
  }
}

TEST(IdxErrors, HeaderAnnouncingMoreThanAGzipCanHold) {
  // 2^32-1 x 2^16 bytes cannot come from a file this small: an Error before any allocation.
  TempFile file(".idx.gz");
  write_gzip(file.path(), idx_header(0x08, {0xFFFFFFFFu, 0x10000u}));
  EXPECT_OCTET_ERROR(io::read_idx(file.path()), ": truncated data: the header announces");
  write_gzip(file.path(), idx_header(0x0E, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}));
  EXPECT_OCTET_ERROR(io::read_idx(file.path()), ": dimensions too large (the data would overflow 64 bits)");
}

TEST(IdxErrors, GzipStreamCutShort) {
  TempFile file(".idx.gz");
  Bytes idx = idx_header(0x08, {4096});
  for (int i = 0; i < 4096; ++i) idx.push_back(static_cast<uint8_t>((i * 2654435761u) >> 24));  // incompressible
  write_gzip(file.path(), idx);
  Bytes gz = read_bytes(file.path());
  gz.resize(gz.size() / 2);
  write_bytes(file.path(), gz);
  EXPECT_OCTET_ERROR(io::read_idx(file.path()), ": truncated data: ");
  EXPECT_OCTET_ERROR(io::read_idx(file.path()), " of the 4096 bytes the header announces");
}

TEST(IdxErrors, TrailingBytes) {
  for (bool gz : {false, true}) {
    TempFile file(".idx");
    Bytes bytes = idx_header(0x08, {3});
    bytes.insert(bytes.end(), {1, 2, 3, 4});
    write_file(file.path(), bytes, gz);
    EXPECT_OCTET_ERROR(io::read_idx(file.path()), file.path() + ": trailing bytes after the 3 data bytes");
  }
}

TEST(IdxErrors, CorruptGzipStream) {
  // A valid gzip file of an IDX file with its deflate data overwritten.
  TempFile file(".idx.gz");
  Bytes idx = idx_header(0x08, {64});
  for (int i = 0; i < 64; ++i) idx.push_back(static_cast<uint8_t>(i * 7));
  write_gzip(file.path(), idx);
  Bytes gz = read_bytes(file.path());
  ASSERT_GT(gz.size(), 20u);
  for (std::size_t i = 10; i < gz.size() - 8; ++i) gz[i] = 0xFF;
  write_bytes(file.path(), gz);
  EXPECT_OCTET_ERROR(io::read_idx(file.path()), file.path() + ": corrupt gzip stream (");
}

// --- Fashion-MNIST loader on synthetic splits -----------------------------------------------------

// Writes <prefix>-images-idx3-ubyte[.gz] with n images of h x w (pixel = image index + row) and the
// labels file with the given labels.
void write_split(const TempDir& dir, const std::string& prefix, uint32_t n, uint32_t h, uint32_t w,
                 const Bytes& labels, bool gz) {
  Bytes images = idx_header(0x08, {n, h, w});
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t p = 0; p < h * w; ++p) images.push_back(static_cast<uint8_t>(i + p / w));
  }
  Bytes lab = idx_header(0x08, {static_cast<uint32_t>(labels.size())});
  lab.insert(lab.end(), labels.begin(), labels.end());
  const std::string suffix = gz ? ".gz" : "";
  write_file(dir.file(prefix + "-images-idx3-ubyte" + suffix), images, gz);
  write_file(dir.file(prefix + "-labels-idx1-ubyte" + suffix), lab, gz);
}

TEST(FashionMNISTLoader, LoadsGzippedAndPlainSplits) {
  TempDir dir;
  write_split(dir, "t10k", 3, 28, 28, {9, 0, 4}, /*gz=*/true);
  write_split(dir, "train", 2, 28, 28, {1, 2}, /*gz=*/false);
  const io::FashionMNIST test = io::load_fashion_mnist(dir.path(), /*train=*/false);
  ASSERT_EQ(test.images.shape(), (Shape{3, 28, 28}));
  EXPECT_EQ(test.images.dtype(), kUInt8);
  EXPECT_EQ(test.images.at<int64_t>({2, 5, 0}), 7);
  ASSERT_EQ(test.labels.dtype(), kInt64);
  ASSERT_EQ(test.labels.shape(), (Shape{3}));
  EXPECT_EQ(test.labels.at<int64_t>({0}), 9);
  EXPECT_EQ(test.labels.at<int64_t>({2}), 4);
  const io::FashionMNIST train = io::load_fashion_mnist(dir.path(), /*train=*/true);
  EXPECT_EQ(train.images.size(0), 2);
  EXPECT_EQ(train.labels.at<int64_t>({1}), 2);
}

TEST(FashionMNISTLoader, MissingFiles) {
  TempDir dir;
  EXPECT_OCTET_ERROR(io::load_fashion_mnist(dir.path(), false),
                     dir.file("t10k-images-idx3-ubyte.gz") + ": no such file (nor t10k-images-idx3-ubyte)");
  write_split(dir, "train", 2, 28, 28, {1, 2}, true);
  std::filesystem::remove(dir.file("train-labels-idx1-ubyte.gz"));
  EXPECT_OCTET_ERROR(io::load_fashion_mnist(dir.path(), true), dir.file("train-labels-idx1-ubyte.gz") + ": no such file");
  // From the default folder the message says how to get the data.
  ScopedEnv env("OCTET_FASHION_MNIST", dir.path());
  EXPECT_EQ(io::default_fashion_mnist_root(), dir.path());
  EXPECT_OCTET_ERROR(io::load_fashion_mnist(io::default_fashion_mnist_root(), false),
                     "install Debian's dataset-fashion-mnist package (scripts/setup.sh does)");
}

TEST(FashionMNISTLoader, DefaultRoot) {
  ScopedEnv env("OCTET_FASHION_MNIST", "");
  EXPECT_EQ(io::default_fashion_mnist_root(), "/usr/share/datasets/fashion-mnist");
}

TEST(FashionMNISTLoader, WrongImageShapeOrType) {
  TempDir dir;
  write_split(dir, "t10k", 2, 27, 28, {1, 2}, true);
  EXPECT_OCTET_ERROR(io::load_fashion_mnist(dir.path(), false),
                     dir.file("t10k-images-idx3-ubyte.gz") + ": expected uint8 images [N, 28, 28], got uint8 [2, 27, 28]");
  Bytes images = idx_header(0x09, {1, 28, 28});
  images.resize(images.size() + 28 * 28);
  write_gzip(dir.file("t10k-images-idx3-ubyte.gz"), images);
  EXPECT_OCTET_ERROR(io::load_fashion_mnist(dir.path(), false), "expected uint8 images [N, 28, 28], got int8 [1, 28, 28]");
}

TEST(FashionMNISTLoader, BadLabels) {
  TempDir dir;
  write_split(dir, "t10k", 3, 28, 28, {1, 10, 2}, true);
  EXPECT_OCTET_ERROR(io::load_fashion_mnist(dir.path(), false),
                     dir.file("t10k-labels-idx1-ubyte.gz") + ": label 10 at index 1 is outside 0..9");
  write_split(dir, "t10k", 3, 28, 28, {1, 2}, true);
  EXPECT_OCTET_ERROR(io::load_fashion_mnist(dir.path(), false), "t10k-images-idx3-ubyte.gz holds 3 images but ");
  EXPECT_OCTET_ERROR(io::load_fashion_mnist(dir.path(), false), "t10k-labels-idx1-ubyte.gz holds 2 labels");
  Bytes labels = idx_header(0x08, {1, 3});
  labels.insert(labels.end(), {1, 2, 3});
  write_gzip(dir.file("t10k-labels-idx1-ubyte.gz"), labels);
  EXPECT_OCTET_ERROR(io::load_fashion_mnist(dir.path(), false), ": expected uint8 labels [N], got uint8 [1, 3]");
}

// --- the real test split (Debian's dataset-fashion-mnist) -----------------------------------------

TEST(FashionMNISTLoader, RealTestSplit) {
  const std::string root = io::default_fashion_mnist_root();
  if (!std::filesystem::exists(root + "/t10k-labels-idx1-ubyte.gz")) {
    GTEST_SKIP() << "Fashion-MNIST is not installed in " << root
                 << " (install Debian's dataset-fashion-mnist package, or set OCTET_FASHION_MNIST)";
  }
  const io::FashionMNIST data = io::load_fashion_mnist(root, /*train=*/false);
  ASSERT_EQ(data.images.shape(), (Shape{10000, 28, 28}));
  ASSERT_EQ(data.labels.shape(), (Shape{10000}));
  std::vector<int64_t> histogram(10, 0);
  const int64_t* labels = data.labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < 10000; ++i) histogram[static_cast<std::size_t>(labels[i])]++;
  EXPECT_EQ(histogram, std::vector<int64_t>(10, 1000));
  // The first test labels are 9 2 1 1 6 (Ankle boot, Pullover, Trouser, ...); image 0's pixels sum
  // to 33456 (numpy on the same files).
  EXPECT_EQ(labels[0], 9);
  EXPECT_EQ(labels[1], 2);
  EXPECT_EQ(labels[4], 6);
  EXPECT_STREQ(io::fashion_mnist_class_name(labels[0]), "Ankle boot");
  int64_t sum = 0;
  const uint8_t* image = data.images.data_ptr<uint8_t>();
  for (int64_t p = 0; p < 28 * 28; ++p) sum += image[p];
  EXPECT_EQ(sum, 33456);
}

TEST(FashionMNISTLoader, ClassNames) {
  EXPECT_STREQ(io::fashion_mnist_class_name(0), "T-shirt/top");
  EXPECT_STREQ(io::fashion_mnist_class_name(9), "Ankle boot");
  EXPECT_OCTET_ERROR(io::fashion_mnist_class_name(10), "fashion_mnist_class_name: label 10 is outside 0..9");
}

}  // namespace
}  // namespace octet::test
