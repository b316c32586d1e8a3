// npz_test.cpp: .npz archives written by np.savez / np.savez_compressed load exactly; Octet's archives
// (stored, deflated, ZIP64) read back identically through the zip reader and load_npz.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/test_util.h"
#include "io/byte_source.h"
#include "io/io_test_util.h"
#include "io/zip.h"
#include "octet/octet.h"

namespace octet {
namespace {

std::vector<uint8_t> concat(const std::vector<std::span<const uint8_t>>& chunks) {
  std::vector<uint8_t> out;
  for (const auto& c : chunks) out.insert(out.end(), c.begin(), c.end());
  return out;
}

TEST(Npz, LoadsNumpyArchives) {
  for (const std::string file : {"arrays.npz", "arrays_compressed.npz"}) {
    const auto arrays = io::load_npz(test::io_data(file));
    const auto& want = test::io_expected().at(file);
    ASSERT_EQ(arrays.size(), want.size()) << file;
    for (const auto& [key, record] : want.items()) {
      ASSERT_EQ(arrays.count(key), 1u) << file << " lacks " << key;
      test::expect_matches(arrays.at(key), record, file + " " + key);
    }
  }
}

std::map<std::string, Tensor> sample(Generator& g) {
  const Tensor base = randn({4, 3, 5}, g);
  return {{"weight", randn({8, 3}, g)},
          {"bias", randn({8}, g, kFloat64)},
          {"half", randn({2, 2}, g).to(kFloat16)},
          {"index", randint(-1000, 1000, {5}, g)},
          {"i32", randint(-1000, 1000, {5}, g, kInt32)},
          {"i16", randint(-1000, 1000, {5}, g, kInt16)},
          {"i8", randint(-100, 100, {5}, g, kInt8)},
          {"u8", randint(0, 256, {5}, g, kUInt8)},
          {"mask", randint(0, 2, {3, 3}, g).to(kBool)},
          {"scalar", full({}, 3.0)},
          {"empty", empty({0, 2})},
          {"view", base.permute({1, 2, 0})},
          {"zeros", zeros({100, 37})},
          {"dir/nested", randn({2}, g)}};
}

TEST(Npz, RoundTripsStoredAndCompressed) {
  Generator g(test::test_seed(31));
  const auto arrays = sample(g);
  for (bool compressed : {false, true}) {
    test::TempFile tmp(".npz");
    io::save_npz(tmp.path(), arrays, compressed);
    const auto back = io::load_npz(tmp.path());
    ASSERT_EQ(back.size(), arrays.size());
    for (const auto& [key, t] : arrays) test::expect_identical(back.at(key), t, key);
    // Deterministic output: saving again gives the same bytes.
    test::TempFile again(".npz");
    io::save_npz(again.path(), arrays, compressed);
    EXPECT_EQ(test::read_bytes(again.path()), test::read_bytes(tmp.path()));
  }
}

TEST(Npz, CompressedIsSmallerForCompressibleData) {
  const std::map<std::string, Tensor> arrays{{"zeros", zeros({256, 256})}};
  test::TempFile stored(".npz"), deflated(".npz");
  io::save_npz(stored.path(), arrays, false);
  io::save_npz(deflated.path(), arrays, true);
  EXPECT_GT(test::read_bytes(stored.path()).size(), 256u * 256 * 4);
  EXPECT_LT(test::read_bytes(deflated.path()).size(), 2000u);
  test::expect_identical(io::load_npz(deflated.path()).at("zeros"), arrays.at("zeros"), "zeros");
}

TEST(Npz, NonAsciiNamesAreMarkedUtf8) {
  const std::string key = "gewicht_\xc3\xa4";  // "gewicht_ä"
  test::TempFile tmp(".npz");
  io::save_npz(tmp.path(), {{key, full({2}, 1.0)}, {"plain", full({1}, 2.0)}});
  const std::vector<uint8_t> bytes = test::read_bytes(tmp.path());
  const io::detail::MemorySource src("zip", bytes, "utf8");
  const io::detail::ZipReader r(src);
  ASSERT_EQ(r.entries().size(), 2u);
  // Local headers: "gewicht_ä.npy" first (sorted), flag bit 11 set; then "plain.npy" without it.
  EXPECT_EQ(io::detail::load_le16(bytes.data() + 6), 0x800);
  EXPECT_EQ(io::detail::load_le16(bytes.data() + r.entries()[1].local_header_offset + 6), 0);
  EXPECT_EQ(io::load_npz(tmp.path()).count(key), 1u);
}

TEST(Npz, EmptyArchive) {
  test::TempFile tmp(".npz");
  io::save_npz(tmp.path(), {});
  EXPECT_EQ(test::read_bytes(tmp.path()).size(), 22u);  // just the end record
  EXPECT_TRUE(io::load_npz(tmp.path()).empty());
}

TEST(Npz, Zip64RecordsRoundTrip) {
  // Archives over 2 GiB get ZIP64 records; forcing them on small archives tests the same code.
  Generator g(test::test_seed(32));
  std::vector<uint8_t> a(1000), b(70000);
  for (auto& x : a) x = static_cast<uint8_t>(g.randint(0, 256));
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i % 7);
  for (bool compress : {false, true}) {
    io::detail::ZipWriter w(/*force_zip64=*/true);
    const std::span<const uint8_t> pa[] = {a};
    const std::span<const uint8_t> pb[] = {std::span<const uint8_t>(b).first(100), std::span<const uint8_t>(b).subspan(100)};
    w.add("a.bin", pa, compress);
    w.add("b.bin", pb, compress);
    w.finish();
    const std::vector<uint8_t> bytes = concat(w.chunks());
    const io::detail::MemorySource src("zip", bytes, "z64");
    const io::detail::ZipReader r(src);
    ASSERT_EQ(r.entries().size(), 2u);
    EXPECT_EQ(r.entries()[0].name, "a.bin");
    EXPECT_EQ(r.entries()[1].uncompressed_size, b.size());
    EXPECT_EQ(r.entries()[1].method, compress ? 8 : 0);
    EXPECT_EQ(r.read(r.entries()[0]), a);
    EXPECT_EQ(r.read(r.entries()[1]), b);
    // The end record defers to the ZIP64 one.
    EXPECT_EQ(bytes[bytes.size() - 22 + 10], 0xff);
  }
  // And load_npz on a ZIP64 archive of .npy members.
  const Tensor t = randn({3, 4}, g);
  test::TempFile npy(".npy");
  io::save_npy(npy.path(), t);
  const std::vector<uint8_t> member = test::read_bytes(npy.path());
  io::detail::ZipWriter w(/*force_zip64=*/true);
  const std::span<const uint8_t> parts[] = {member};
  w.add("t.npy", parts, true);
  w.finish();
  test::TempFile npz(".npz");
  test::write_bytes(npz.path(), concat(w.chunks()));
  test::expect_identical(io::load_npz(npz.path()).at("t"), t, "zip64 member");
}

TEST(Npz, WriterRejectsWhatNpyCannotHold) {
  test::TempFile tmp(".npz");
  EXPECT_OCTET_ERROR(io::save_npz(tmp.path(), {{"w", full({2}, 1.0, kBFloat16)}}),
                     "save_npz: array 'w': dtype bfloat16 cannot be stored in .npy");
  EXPECT_OCTET_ERROR(io::save_npz(tmp.path(), {{"u", Tensor()}}), "save_npz: array 'u': tensor is undefined");
  EXPECT_OCTET_ERROR(io::save_npz("/nonexistent-dir/x.npz", {{"w", full({1}, 0.0)}}),
                     "save_npz: /nonexistent-dir/x.npz: cannot open for writing");
  EXPECT_OCTET_ERROR(io::load_npz("/nonexistent-dir/x.npz"), "load_npz: /nonexistent-dir/x.npz: cannot open");
}

}  // namespace
}  // namespace octet
