// safetensors_hardening_test.cpp: malformed safetensors files are Errors with precise messages, never
// crashes: every truncation, bad header lengths, bad JSON, dtypes, shapes, offsets and metadata.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "io/io_test_util.h"
#include "octet/octet.h"

namespace octet {
namespace {

// An 8-byte little-endian length, the header text, then data_bytes bytes of data.
std::vector<uint8_t> file_with(const std::string& header, std::size_t data_bytes, uint8_t fill = 0) {
  std::vector<uint8_t> out;
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data_bytes, fill);
  return out;
}

std::vector<uint8_t> with_length(uint64_t n, std::vector<uint8_t> bytes) {
  for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<uint8_t>(n >> (8 * i));
  return bytes;
}

#define EXPECT_LOAD_ERROR(bytes, substr) EXPECT_OCTET_ERROR(io::load_safetensors(bytes, "t.st"), substr)

TEST(SafetensorsHardening, EveryTruncationIsAnError) {
  for (const std::string file : {"all_dtypes.safetensors", "no_metadata.safetensors"}) {
    const std::vector<uint8_t> bytes = test::read_bytes(test::io_data(file));
    ASSERT_GT(bytes.size(), 100u);
    for (std::size_t len = 0; len < bytes.size(); ++len) {
      const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
      EXPECT_THROW(io::load_safetensors(cut, "cut"), Error) << file << " truncated to " << len;
    }
  }
  // The same through a real file, a few lengths.
  const std::vector<uint8_t> bytes = test::read_bytes(test::io_data("no_metadata.safetensors"));
  test::TempFile tmp(".safetensors");
  for (std::size_t len : {std::size_t{0}, std::size_t{7}, std::size_t{8}, std::size_t{20}, bytes.size() - 1}) {
    test::write_bytes(tmp.path(), {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len)});
    EXPECT_OCTET_ERROR(io::load_safetensors(tmp.path()), "load_safetensors: " + tmp.path() + ": ");
  }
}

TEST(SafetensorsHardening, HeaderLength) {
  EXPECT_LOAD_ERROR(std::vector<uint8_t>(5, 0), "load_safetensors: t.st: file is 5 bytes, too small");
  const auto ok = file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4);
  EXPECT_LOAD_ERROR(with_length(~uint64_t{0}, ok), "header length 18446744073709551615 exceeds the limit");
  EXPECT_LOAD_ERROR(with_length(100'000'001, ok), "exceeds the limit of 100000000 bytes");
  EXPECT_LOAD_ERROR(with_length(ok.size() - 7, ok), "is larger than the rest of the file (" +
                                                        std::to_string(ok.size() - 8) + " bytes)");
  EXPECT_LOAD_ERROR(with_length(0, ok), "header does not start with '{'");
  // A shorter length leaves part of the JSON in the data region.
  EXPECT_LOAD_ERROR(with_length(10, ok), "header is not valid JSON");
}

TEST(SafetensorsHardening, HeaderJson) {
  EXPECT_LOAD_ERROR(file_with(" {}", 0), "header does not start with '{'");
  EXPECT_LOAD_ERROR(file_with("[1, 2]", 0), "header does not start with '{'");
  EXPECT_LOAD_ERROR(file_with("{\"a\": ", 0), "header is not valid JSON");
  EXPECT_LOAD_ERROR(file_with("{} {}", 0), "header is not valid JSON");
  EXPECT_LOAD_ERROR(file_with("{\"a\xff\": 1}", 0), "header is not valid JSON");
  EXPECT_LOAD_ERROR(file_with(R"({"a": 1})", 0), "tensor 'a': expected an object {dtype, shape, data_offsets}, got number");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"F32","shape":[1]}})", 4), "tensor 'a': missing \"data_offsets\"");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", 4), "tensor 'a': missing \"dtype\"");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", 4), "tensor 'a': missing \"shape\"");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                              R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8),
                    "header lists 'a' twice");
  // Padding with spaces (as writers do) and unknown fields (as the reference ignores them) are fine.
  const auto padded = file_with(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2],"extra":1}}   )", 2, 7);
  EXPECT_EQ(io::load_safetensors(padded).tensors.at("a").at<int64_t>({1}), 7);
}

TEST(SafetensorsHardening, Dtypes) {
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", 1),
                    "tensor 'a': unsupported dtype \"F8_E4M3\" (expected F64, F32");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}})", 4),
                    "unsupported dtype \"f32\"");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}})", 4),
                    "tensor 'a': dtype must be a string, got 4");
  EXPECT_LOAD_ERROR(file_with(R"({"b":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})", 3, 2),
                    "tensor 'b': BOOL element 0 is 2 (expected 0 or 1)");
}

TEST(SafetensorsHardening, Shapes) {
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,4]}})", 4),
                    "tensor 'a': shape must be a list of non-negative integers, got [2,-1]");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", 4),
                    "shape must be a list of non-negative integers");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"F32","shape":"[1]","data_offsets":[0,4]}})", 4),
                    "shape must be a list of integers");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,4]}})", 4),
                    "shape must be a list of non-negative integers");
  // 2^40 * 2^40 elements.
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}})", 4),
                    "tensor 'a': shape [1099511627776,1099511627776] of F32 overflows 64-bit sizes");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]}})", 8),
                    "overflows 64-bit sizes");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})", 20),
                    "tensor 'a': shape [2,3] of F32 needs 24 bytes but data_offsets [0, 20] span 20");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"F32","shape":[],"data_offsets":[0,0]}})", 0),
                    "shape [] of F32 needs 4 bytes");
}

TEST(SafetensorsHardening, Offsets) {
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}})", 4),
                    "tensor 'a': data_offsets begin 4 > end 0");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4,8]}})", 4),
                    "tensor 'a': data_offsets must be [begin, end] with non-negative integers, got [0,4,8]");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[-1,3]}})", 4),
                    "data_offsets must be [begin, end]");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})", 4),
                    "tensor 'a': data_offsets end 6 is past the end of the data (4 bytes)");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                              R"("b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})", 6),
                    "tensor 'b' data [2, 6) overlaps tensor 'a' ending at 4");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                              R"("b":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})", 4),
                    "overlaps tensor 'a'");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                              R"("b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}})", 8),
                    "gap in the data region: bytes [4, 6) before tensor 'b' belong to no tensor");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})", 6),
                    "gap in the data region: bytes [0, 2)");
  EXPECT_LOAD_ERROR(file_with(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})", 9),
                    "the data region has 5 bytes after the last tensor");
  EXPECT_LOAD_ERROR(file_with("{}", 1), "the data region has 1 bytes after the last tensor");
  // Empty tensors may sit anywhere on a boundary, like in the reference.
  const auto ok = file_with(R"({"e":{"dtype":"F32","shape":[0,5],"data_offsets":[4,4]},)"
                            R"("a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                            R"("z":{"dtype":"F64","shape":[3,0],"data_offsets":[0,0]}})", 4);
  EXPECT_EQ(io::load_safetensors(ok).tensors.at("e").shape(), (Shape{0, 5}));
}

TEST(SafetensorsHardening, Metadata) {
  EXPECT_LOAD_ERROR(file_with(R"({"__metadata__":{"a":1}})", 0), "t.st: __metadata__ value of 'a' must be a string, got 1");
  EXPECT_LOAD_ERROR(file_with(R"({"__metadata__":{"a":{"b":"c"}}})", 0), "__metadata__ value of 'a' must be a string");
  EXPECT_LOAD_ERROR(file_with(R"({"__metadata__":["a"]})", 0), "__metadata__ must be an object of strings, got array");
  EXPECT_LOAD_ERROR(file_with(R"({"__metadata__":null})", 0), "__metadata__ must be an object of strings, got null");
}

TEST(SafetensorsHardening, CorruptedBytesNeverCrash) {
  // Flipping any single byte of the header gives either a valid file or an Error.
  const std::vector<uint8_t> bytes = test::read_bytes(test::io_data("all_dtypes.safetensors"));
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[static_cast<std::size_t>(i)];
  for (std::size_t pos = 0; pos < 8 + n; ++pos) {
    for (uint8_t x : {uint8_t{0x01}, uint8_t{0x20}, uint8_t{0x80}, uint8_t{0xff}}) {
      std::vector<uint8_t> bad = bytes;
      bad[pos] ^= x;
      try {
        io::load_safetensors(bad);
      } catch (const Error&) {
      }
    }
  }
}

}  // namespace
}  // namespace octet
