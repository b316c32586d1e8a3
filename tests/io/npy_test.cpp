// npy_test.cpp: .npy files written by numpy (every dtype, big-endian, Fortran order, 0-d, empty,
// versions 1-3) load exactly; Octet writes numpy's bytes exactly and reads its own files back.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/test_util.h"
#include "io/io_test_util.h"
#include "octet/octet.h"

namespace octet {
namespace {

TEST(Npy, LoadsEveryNumpyFixture) {
  int count = 0;
  for (const auto& [file, record] : test::io_expected().items()) {
    if (file.rfind("npy/", 0) != 0) continue;
    test::expect_matches(io::load_npy(test::io_data(file)), record, file);
    ++count;
  }
  EXPECT_GE(count, 20);
}

TEST(Npy, WritesTheBytesNumpyWrites) {
  // numpy's own C-order little-endian files: load, save, compare byte for byte (header included).
  for (const std::string name : {"f8", "f4", "f2", "i8", "i4", "i2", "i1", "u1", "b1", "scalar_f4", "scalar_i8",
                                 "empty_f4"}) {
    const std::string path = test::io_data("npy/" + name + ".npy");
    test::TempFile tmp(".npy");
    io::save_npy(tmp.path(), io::load_npy(path));
    EXPECT_EQ(test::read_bytes(tmp.path()), test::read_bytes(path)) << name;
  }
}

TEST(Npy, BigEndianAndFortranFilesBecomeLittleEndianCOrder) {
  for (const std::string name : {"big_f4", "big_f8", "big_f2", "big_i8", "big_i4", "big_i2", "fortran_f4",
                                 "fortran_i2", "fortran_big_f8", "v2_f4", "v3_f4"}) {
    const Tensor t = io::load_npy(test::io_data("npy/" + name + ".npy"));
    EXPECT_TRUE(t.is_contiguous()) << name;
    test::TempFile tmp(".npy");
    io::save_npy(tmp.path(), t);
    const std::vector<uint8_t> bytes = test::read_bytes(tmp.path());
    ASSERT_GT(bytes.size(), 10u);
    EXPECT_EQ(bytes[6], 1) << name << ": version 1.0";
    EXPECT_NE(std::string(bytes.begin(), bytes.end()).find("'fortran_order': False"), std::string::npos) << name;
    test::expect_identical(io::load_npy(tmp.path()), t, name);
  }
}

TEST(Npy, RoundTripsEveryDtypeAndLayout) {
  Generator g(test::test_seed(21));
  const Tensor base = randn({3, 4, 5}, g);
  const std::vector<std::pair<std::string, Tensor>> cases{
      {"f32", randn({2, 7}, g)},
      {"f64", randn({5}, g, kFloat64)},
      {"f16", randn({3, 1, 2}, g).to(kFloat16)},
      {"i64", randint(-(int64_t{1} << 40), int64_t{1} << 40, {6}, g)},
      {"i32", randint(-100000, 100000, {2, 3}, g, kInt32)},
      {"i16", randint(-30000, 30000, {4}, g, kInt16)},
      {"i8", randint(-128, 128, {9}, g, kInt8)},
      {"u8", randint(0, 256, {3, 3}, g, kUInt8)},
      {"bool", randint(0, 2, {2, 5}, g).to(kBool)},
      {"scalar", full({}, 7.0, kInt32)},
      {"empty", empty({0}, kFloat64)},
      {"empty2d", empty({3, 0}, kInt8)},
      {"permuted", base.permute({2, 0, 1})},
      {"sliced", base.slice(2, 0, 5, 2)},
      {"expanded", randn({1, 3}, g).expand({4, 3})},
  };
  for (const auto& [name, t] : cases) {
    test::TempFile tmp(".npy");
    io::save_npy(tmp.path(), t);
    const std::vector<uint8_t> bytes = test::read_bytes(tmp.path());
    const std::size_t data_offset = bytes.size() - t.nbytes();
    EXPECT_EQ(data_offset % 64, 0u) << name << ": data starts 64-byte aligned";
    EXPECT_EQ(bytes[data_offset - 1], '\n') << name;
    test::expect_identical(io::load_npy(tmp.path()), t, name);
  }
}

TEST(Npy, HugeHeaderUsesVersion2) {
  // 22000 dimensions of size 1 make a header over 65535 bytes, which needs the 4-byte length.
  const Tensor t = full(Shape(22000, 1), 1.5);
  test::TempFile tmp(".npy");
  io::save_npy(tmp.path(), t);
  const std::vector<uint8_t> bytes = test::read_bytes(tmp.path());
  EXPECT_EQ(bytes[6], 2);
  EXPECT_EQ(bytes[7], 0);
  EXPECT_EQ((bytes.size() - 4) % 64, 0u);
  test::expect_identical(io::load_npy(tmp.path()), t, "22000-d");
}

// A version 1.0 file with the given header text (unpadded) and data.
std::vector<uint8_t> npy_file(const std::string& header, const std::vector<uint8_t>& data, int major = 1) {
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
  const std::size_t n = header.size();
  out.push_back(static_cast<uint8_t>(n));
  out.push_back(static_cast<uint8_t>(n >> 8));
  if (major != 1) {
    out.push_back(static_cast<uint8_t>(n >> 16));
    out.push_back(static_cast<uint8_t>(n >> 24));
  }
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

TEST(Npy, AcceptsWhatNumpyAccepts) {
  test::TempFile tmp(".npy");
  // Python 2 longs in version 1.0 files; double quotes; no trailing comma; unaligned header.
  test::write_bytes(tmp.path(), npy_file("{'descr': '|u1', 'fortran_order': False, 'shape': (2L, 3L), }\n",
                                         {1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(io::load_npy(tmp.path()).shape(), (Shape{2, 3}));
  test::write_bytes(tmp.path(), npy_file("{\"shape\": (3,), \"descr\": \"<u1\", \"fortran_order\": True}", {7, 8, 9}));
  const Tensor t = io::load_npy(tmp.path());
  EXPECT_EQ(t.shape(), (Shape{3}));
  EXPECT_EQ(t.at<int64_t>({2}), 9);
  // One-byte types may carry any byte order mark.
  test::write_bytes(tmp.path(), npy_file("{'descr': '>i1', 'fortran_order': False, 'shape': ()}", {0xff}));
  EXPECT_EQ(io::load_npy(tmp.path()).item<int64_t>(), -1);
}

TEST(Npy, WriterRejectsWhatNpyCannotHold) {
  test::TempFile tmp(".npy");
  EXPECT_OCTET_ERROR(io::save_npy(tmp.path(), full({2}, 1.0, kBFloat16)),
                     "save_npy: dtype bfloat16 cannot be stored in .npy");
  EXPECT_OCTET_ERROR(io::save_npy(tmp.path(), quantize_per_tensor(full({2}, 1.0), 0.1, 0, kQUInt8)),
                     "save_npy: dtype quint8 cannot be stored in .npy");
  EXPECT_OCTET_ERROR(io::save_npy(tmp.path(), Tensor()), "save_npy: tensor is undefined");
  EXPECT_OCTET_ERROR(io::save_npy("/nonexistent-dir/x.npy", full({1}, 0.0)),
                     "save_npy: /nonexistent-dir/x.npy: cannot open for writing");
  EXPECT_OCTET_ERROR(io::load_npy("/nonexistent-dir/x.npy"), "load_npy: /nonexistent-dir/x.npy: cannot open");
}

}  // namespace
}  // namespace octet
