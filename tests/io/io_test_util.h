// io_test_util.h: helpers for the io tests: fixture paths, raw bytes, temp files, and exact comparison
// against the records of tests/data/io/expected.json (written by scripts/golden/gen_io_fixtures.py).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "octet/octet.h"

namespace octet::test {

inline std::string io_data(const std::string& relative) {
  return std::string(OCTET_TEST_DATA_DIR) + "/io/" + relative;
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(f.good()) << "cannot write " << path;
}

// A fresh path in the test temp folder, removed when the object goes away.
class TempFile {
 public:
  explicit TempFile(const std::string& suffix) {
    static std::atomic<int> counter{0};
    path_ = ::testing::TempDir() + "octet_io_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + suffix;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline const nlohmann::json& io_expected() {
  static const nlohmann::json doc = [] {
    std::ifstream f(io_data("expected.json"));
    return nlohmann::json::parse(f);
  }();
  return doc;
}

// Element i of a contiguous tensor as the expected.json encoding: bit pattern for floats, value else.
inline nlohmann::json encoded_element(const Tensor& t, int64_t i) {
  const void* p = t.raw_data();
  switch (t.dtype()) {
    case kFloat64: return static_cast<const uint64_t*>(p)[i];
    case kFloat32: return static_cast<const uint32_t*>(p)[i];
    case kFloat16:
    case kBFloat16: return static_cast<const uint16_t*>(p)[i];
    case kInt64: return static_cast<const int64_t*>(p)[i];
    case kInt32: return static_cast<const int32_t*>(p)[i];
    case kInt16: return static_cast<const int16_t*>(p)[i];
    case kInt8: return static_cast<const int8_t*>(p)[i];
    case kUInt8: return static_cast<const uint8_t*>(p)[i];
    case kBool: return static_cast<const uint8_t*>(p)[i];
    default: ADD_FAILURE() << "unexpected dtype " << t.dtype(); return nullptr;
  }
}

// Exact equality with one expected.json record {"dtype", "shape", "values"}.
inline void expect_matches(const Tensor& t, const nlohmann::json& record, const std::string& what) {
  ASSERT_TRUE(t.defined()) << what;
  EXPECT_EQ(std::string(dtype_name(t.dtype())), record.at("dtype").get<std::string>()) << what;
  ASSERT_EQ(t.shape(), record.at("shape").get<Shape>()) << what;
  ASSERT_TRUE(t.is_contiguous()) << what;
  const auto& values = record.at("values");
  ASSERT_EQ(static_cast<int64_t>(values.size()), t.numel()) << what;
  for (int64_t i = 0; i < t.numel(); ++i) {
    ASSERT_EQ(encoded_element(t, i), values[static_cast<std::size_t>(i)]) << what << " element " << i;
  }
}

// Bitwise equality of dtype, shape and contents (equal() treats NaN == NaN but not -0.0 vs 0.0 bits).
inline void expect_identical(const Tensor& a, const Tensor& b, const std::string& what) {
  ASSERT_EQ(a.dtype(), b.dtype()) << what;
  ASSERT_EQ(a.shape(), b.shape()) << what;
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  ASSERT_EQ(ca.nbytes(), cb.nbytes()) << what;
  EXPECT_EQ(std::memcmp(ca.raw_data(), cb.raw_data(), ca.nbytes()), 0) << what;
}

}  // namespace octet::test
