// npy_hardening_test.cpp: malformed .npy files are Errors with precise messages, never crashes:
// every truncation, bad magic and versions, header syntax, descr, shape and data-size lies.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/test_util.h"
#include "io/io_test_util.h"
#include "octet/octet.h"

namespace octet {
namespace {

std::vector<uint8_t> npy_file(const std::string& header, std::size_t data_bytes, int major = 1, int minor = 0,
                              uint8_t fill = 0) {
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), static_cast<uint8_t>(minor)};
  const std::size_t n = header.size();
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data_bytes, fill);
  return out;
}

std::string dict(const std::string& descr, const std::string& order, const std::string& shape) {
  return "{'descr': " + descr + ", 'fortran_order': " + order + ", 'shape': " + shape + ", }\n";
}

class NpyHardening : public ::testing::Test {
 protected:
  // Writes the bytes to a file and expects load_npy to fail with the substring.
  void expect_error(const std::vector<uint8_t>& bytes, const std::string& substr) {
    test::write_bytes(tmp_.path(), bytes);
    EXPECT_OCTET_ERROR(io::load_npy(tmp_.path()), substr);
  }
  test::TempFile tmp_{".npy"};
};

TEST_F(NpyHardening, EveryTruncationIsAnError) {
  for (const std::string name : {"f4", "fortran_big_f8", "scalar_i8", "v3_f4", "empty_f4"}) {
    const std::vector<uint8_t> bytes = test::read_bytes(test::io_data("npy/" + name + ".npy"));
    for (std::size_t len = 0; len < bytes.size(); ++len) {
      test::write_bytes(tmp_.path(), {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len)});
      EXPECT_THROW(io::load_npy(tmp_.path()), Error) << name << " truncated to " << len;
    }
  }
}

TEST_F(NpyHardening, MagicAndVersion) {
  expect_error({}, "load_npy: " + tmp_.path() + ": 0 bytes is too short for a .npy file");
  std::vector<uint8_t> bad = npy_file(dict("'<f4'", "False", "(1,)"), 4);
  bad[0] = 0x92;
  expect_error(bad, "not a .npy file (bad magic)");
  expect_error(npy_file(dict("'<f4'", "False", "(1,)"), 4, 0, 0), "unsupported .npy version 0.0 (expected 1.0, 2.0 or 3.0)");
  expect_error(npy_file(dict("'<f4'", "False", "(1,)"), 4, 1, 1), "unsupported .npy version 1.1");
  expect_error(npy_file(dict("'<f4'", "False", "(1,)"), 4, 4, 0), "unsupported .npy version 4.0");
}

TEST_F(NpyHardening, HeaderLength) {
  std::vector<uint8_t> bytes = npy_file(dict("'<f4'", "False", "(1,)"), 4);
  bytes[8] = 0xff;
  bytes[9] = 0xff;
  expect_error(bytes, "header length 65535 is larger than the rest of the file");
  bytes = npy_file(dict("'<f4'", "False", "(1,)"), 4, 2);
  bytes[11] = 0x10;  // 256 MiB
  expect_error(bytes, "exceeds the limit of 1048576 bytes");
}

TEST_F(NpyHardening, HeaderSyntax) {
  expect_error(npy_file("['descr']", 0), "bad .npy header: expected '{' at offset 0");
  expect_error(npy_file("{'descr': '<f4', 'fortran_order': False}", 4), "missing key 'shape'");
  expect_error(npy_file("{'descr': '<f4', 'shape': (1,)}", 4), "missing key 'fortran_order'");
  expect_error(npy_file("{'fortran_order': False, 'shape': (1,)}", 4), "missing key 'descr'");
  expect_error(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", 4),
               "unexpected key 'x' (expected 'descr', 'fortran_order' and 'shape')");
  expect_error(npy_file("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 4),
               "key 'descr' appears twice");
  expect_error(npy_file(dict("'<f4", "False", "(1,)"), 4), "unsupported descr '<f4, ' (expected f8");
  expect_error(npy_file("{'descr': '<f4", 4), "unterminated string");
  expect_error(npy_file(dict("'<f4'", "False", "(1,)") + "x", 4), "unexpected text after the dict");
  expect_error(npy_file("{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}", 4), "expected '}'");
  expect_error(npy_file("{descr: '<f4'}", 4), "expected a key");
  expect_error(npy_file(dict("'<f\\x34'", "False", "(1,)"), 4), "unsupported character in a string");
  expect_error(npy_file(dict("'<f4'", "0", "(1,)"), 4), "fortran_order must be True or False");
  expect_error(npy_file(dict("'<f4'", "false", "(1,)"), 4), "fortran_order must be True or False");
  // Version 3.0 files come from Python 3: no "3L" longs.
  expect_error(npy_file(dict("'<f4'", "False", "(1L,)"), 4, 3), "expected ')'");
}

TEST_F(NpyHardening, Descr) {
  for (const std::string d : {"'<u4'", "'<c8'", "'|f4'", "'=f4'", "'<U3'", "'|O'", "'<f4 '", "'f4'", "'<M8[ns]'"}) {
    expect_error(npy_file(dict(d, "False", "(1,)"), 16), "unsupported descr " + d);
  }
  expect_error(npy_file(dict("[('a', '<f4')]", "False", "(1,)"), 4), "structured dtypes are not supported");
  expect_error(npy_file(dict("3", "False", "(1,)"), 4), "expected a descr string");
}

TEST_F(NpyHardening, Shape) {
  expect_error(npy_file(dict("'<f4'", "False", "(3)"), 12), "shape must be a tuple, e.g. (3,)");
  expect_error(npy_file(dict("'<f4'", "False", "[3]"), 12), "expected '('");
  expect_error(npy_file(dict("'<f4'", "False", "(-1,)"), 4), "shape must be a tuple of non-negative integers");
  expect_error(npy_file(dict("'<f4'", "False", "(1.5,)"), 4), "expected ')'");
  expect_error(npy_file(dict("'<f4'", "False", "(2,,)"), 8), "shape must be a tuple of non-negative integers");
  expect_error(npy_file(dict("'<f4'", "False", "(9223372036854775808,)"), 4), "shape size overflows");
  expect_error(npy_file(dict("'<f4'", "False", "(1099511627776, 1099511627776)"), 4),
               "shape [1099511627776, 1099511627776] overflows 64-bit sizes");
  expect_error(npy_file(dict("'<f4'", "False", "(2, 3)"), 20),
               "shape [2, 3] of float32 needs 24 data bytes but the file has 20 (truncated?)");
  expect_error(npy_file(dict("'<f4'", "False", "(2, 3)"), 25), "1 unexpected bytes after the 24 data bytes of shape [2, 3]");
  expect_error(npy_file(dict("'<f4'", "False", "()"), 0), "shape [] of float32 needs 4 data bytes");
}

TEST_F(NpyHardening, BoolValues) {
  expect_error(npy_file(dict("'|b1'", "False", "(3,)"), 3, 1, 0, 2), "bool element 0 is 2 (expected 0 or 1)");
}

TEST_F(NpyHardening, CorruptedHeaderBytesNeverCrash) {
  const std::vector<uint8_t> bytes = test::read_bytes(test::io_data("npy/fortran_i2.npy"));
  for (std::size_t pos = 0; pos < 128; ++pos) {
    for (uint8_t x : {uint8_t{0x01}, uint8_t{0x10}, uint8_t{0x80}}) {
      std::vector<uint8_t> bad = bytes;
      bad[pos] ^= x;
      test::write_bytes(tmp_.path(), bad);
      try {
        io::load_npy(tmp_.path());
      } catch (const Error&) {
      }
    }
  }
}

}  // namespace
}  // namespace octet
