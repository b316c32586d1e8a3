// npz_hardening_test.cpp: malformed .npz (zip) archives are Errors with precise messages, never
// crashes: every truncation, CRC mismatches, size lies, bad records, overlaps and bad members.
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

void put16(std::vector<uint8_t>& b, std::size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v);
  b[at + 1] = static_cast<uint8_t>(v >> 8);
}
void put32(std::vector<uint8_t>& b, std::size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t get32(const std::vector<uint8_t>& b, std::size_t at) {
  return io::detail::load_le32(b.data() + at);
}

// One-member archives built by the writer, with the offsets the tests patch.
struct Archive {
  std::vector<uint8_t> bytes;
  std::size_t data = 0;     // member data
  std::size_t central = 0;  // central directory entry
  std::size_t end = 0;      // end record
};

Archive archive(const std::vector<std::pair<std::string, std::vector<uint8_t>>>& members, bool compress) {
  io::detail::ZipWriter w;
  for (const auto& [name, bytes] : members) {
    const std::span<const uint8_t> parts[] = {bytes};
    w.add(name, parts, compress);
  }
  w.finish();
  Archive a;
  for (const auto& c : w.chunks()) a.bytes.insert(a.bytes.end(), c.begin(), c.end());
  a.data = 30 + members[0].first.size();
  a.end = a.bytes.size() - 22;
  a.central = get32(a.bytes, a.end + 16);
  return a;
}

std::vector<uint8_t> npy_member(const Tensor& t) {
  test::TempFile tmp(".npy");
  io::save_npy(tmp.path(), t);
  return test::read_bytes(tmp.path());
}

class NpzHardening : public ::testing::Test {
 protected:
  void expect_error(const std::vector<uint8_t>& bytes, const std::string& substr) {
    test::write_bytes(tmp_.path(), bytes);
    EXPECT_OCTET_ERROR(io::load_npz(tmp_.path()), substr);
  }
  std::string at(const std::string& member) const { return tmp_.path() + ": member '" + member + "'"; }

  test::TempFile tmp_{".npz"};
  const std::vector<uint8_t> member_ = npy_member(arange(0, 40, 1, kFloat32).reshape({8, 5}));
};

TEST_F(NpzHardening, EveryTruncationIsAnError) {
  for (const std::string name : {"arrays_compressed.npz", "arrays.npz"}) {
    const std::vector<uint8_t> bytes = test::read_bytes(test::io_data(name));
    // Every length for the small archive; a prime stride plus the last 600 bytes for the larger one.
    for (std::size_t len = 0; len < bytes.size(); ++len) {
      if (bytes.size() > 4000 && len % 7 != 0 && len + 600 < bytes.size()) continue;
      test::write_bytes(tmp_.path(), {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len)});
      EXPECT_THROW(io::load_npz(tmp_.path()), Error) << name << " truncated to " << len;
    }
  }
}

TEST_F(NpzHardening, NotAnArchive) {
  expect_error({}, "load_npz: " + tmp_.path() + ": 0 bytes is too short for a zip archive");
  expect_error(std::vector<uint8_t>(100, 'x'), "not a zip archive (no end of central directory record)");
  // A trailing byte after the end record's comment is not an end record.
  Archive a = archive({{"a.npy", member_}}, false);
  a.bytes.push_back(0);
  expect_error(a.bytes, "no end of central directory record");
}

TEST_F(NpzHardening, BadCrc) {
  for (bool compress : {false, true}) {
    Archive a = archive({{"a.npy", member_}}, compress);
    put32(a.bytes, a.central + 16, get32(a.bytes, a.central + 16) ^ 1);
    expect_error(a.bytes, at("a.npy") + ": CRC-32 mismatch");
  }
  Archive a = archive({{"a.npy", member_}}, false);
  a.bytes[a.data + member_.size() - 1] ^= 0x40;  // a data byte
  expect_error(a.bytes, "CRC-32 mismatch");
}

TEST_F(NpzHardening, SizeLies) {
  Archive s = archive({{"a.npy", member_}}, false);
  put32(s.bytes, s.central + 24, static_cast<uint32_t>(member_.size() + 1));
  expect_error(s.bytes, at("a.npy") + ": stored member sizes differ (" + std::to_string(member_.size()) +
                            " compressed, " + std::to_string(member_.size() + 1) + " uncompressed)");
  put32(s.bytes, s.central + 20, static_cast<uint32_t>(member_.size() + 1));
  expect_error(s.bytes, ") runs into the central directory at ");

  Archive d = archive({{"a.npy", member_}}, true);
  const uint32_t csize = get32(d.bytes, d.central + 20);
  put32(d.bytes, d.central + 24, static_cast<uint32_t>(member_.size() + 10));
  expect_error(d.bytes, at("a.npy") + ": decompresses to " + std::to_string(member_.size()) + " bytes, its header says " +
                            std::to_string(member_.size() + 10));
  put32(d.bytes, d.central + 24, static_cast<uint32_t>(member_.size() - 10));
  expect_error(d.bytes, "decompresses to more than the " + std::to_string(member_.size() - 10) + " bytes");
  put32(d.bytes, d.central + 24, 0xfffffff0u);
  expect_error(d.bytes, "claims 4294967280 bytes from " + std::to_string(csize) +
                            " compressed bytes, more than deflate can produce");
  put32(d.bytes, d.central + 24, static_cast<uint32_t>(member_.size()));
  put32(d.bytes, d.central + 20, csize - 3);  // the stream is cut
  expect_error(d.bytes, at("a.npy") + ": deflate data ends early, after ");
  Archive junk = archive({{"a.npy", member_}}, true);
  junk.bytes[junk.data] = 0xff;  // an invalid block type
  expect_error(junk.bytes, "corrupt deflate data");
}

TEST_F(NpzHardening, Records) {
  Archive a = archive({{"a.npy", member_}}, false);
  std::vector<uint8_t> b = a.bytes;
  put16(b, a.central + 10, 12);  // bzip2
  expect_error(b, at("a.npy") + ": unsupported compression method 12 (expected 0, stored, or 8, deflated)");
  b = a.bytes;
  put16(b, a.central + 8, 1);
  expect_error(b, "encrypted members are not supported");
  b = a.bytes;
  put32(b, a.central, 0x12345678);
  expect_error(b, "bad central directory entry 0");
  b = a.bytes;
  put32(b, a.end + 16, static_cast<uint32_t>(a.end));  // central directory offset past its end
  expect_error(b, ": central directory [");
  b = a.bytes;
  put16(b, a.end + 10, 2);
  put16(b, a.end + 8, 2);
  expect_error(b, "2 entries cannot fit in a central directory of 51 bytes");
  b = a.bytes;
  put16(b, a.end + 4, 1);
  expect_error(b, "multi-disk zip archives are not supported");
  b = a.bytes;
  put32(b, 0, 0);
  expect_error(b, at("a.npy") + ": bad local header signature");
  b = a.bytes;
  b[30] = 'b';  // the local header's copy of the name
  expect_error(b, "local header names a different member");
  b = a.bytes;
  put32(b, a.central + 42, static_cast<uint32_t>(a.central));
  expect_error(b, "local header offset " + std::to_string(a.central) + " is out of range");
  b = a.bytes;
  put16(b, a.central + 30, 200);  // extra field length past the directory
  expect_error(b, "central directory entry 0 runs past the directory");
  b = a.bytes;
  put16(b, a.end + 10, 0xffff);  // says ZIP64 but has no locator
  expect_error(b, "ZIP64 end of central directory locator missing");
}

TEST_F(NpzHardening, OverlappingMembers) {
  // Two central entries for the same local header: the second copy of the entry is renamed in place.
  Archive a = archive({{"a.npy", member_}}, false);
  std::vector<uint8_t> b(a.bytes.begin(), a.bytes.begin() + static_cast<std::ptrdiff_t>(a.end));
  b.insert(b.end(), a.bytes.begin() + static_cast<std::ptrdiff_t>(a.central),
           a.bytes.begin() + static_cast<std::ptrdiff_t>(a.end));
  b.insert(b.end(), a.bytes.begin() + static_cast<std::ptrdiff_t>(a.end), a.bytes.end());
  const std::size_t end = b.size() - 22;
  put16(b, end + 8, 2);
  put16(b, end + 10, 2);
  put32(b, end + 12, 2 * 51);
  expect_error(b, "members 'a.npy' and 'a.npy' overlap");
}

TEST_F(NpzHardening, Members) {
  expect_error(archive({{"a.txt", member_}}, false).bytes, tmp_.path() + ": member 'a.txt' is not a .npy array");
  expect_error(archive({{"a.npy", member_}, {"a.npy", member_}}, true).bytes, "member 'a.npy' appears twice");
  std::vector<uint8_t> bad = member_;
  bad[1] = 'X';
  expect_error(archive({{"w.npy", bad}}, true).bytes, "load_npz: " + at("w.npy") + ": not a .npy file (bad magic)");
  bad = member_;
  bad.pop_back();
  expect_error(archive({{"w.npy", bad}}, false).bytes, at("w.npy") + ": shape [8, 5] of float32 needs 160 data bytes");
}

TEST_F(NpzHardening, CorruptedBytesNeverCrash) {
  const std::vector<uint8_t> bytes = test::read_bytes(test::io_data("arrays_compressed.npz"));
  // Every byte of the central directory and end record, and a sample of the rest.
  const std::size_t cd = get32(bytes, bytes.size() - 22 + 16);
  for (std::size_t pos = 0; pos < bytes.size(); pos += pos < cd ? 5 : 1) {
    std::vector<uint8_t> bad = bytes;
    bad[pos] ^= 0x5a;
    test::write_bytes(tmp_.path(), bad);
    try {
      io::load_npz(tmp_.path());
    } catch (const Error&) {
    }
  }
}

}  // namespace
}  // namespace octet
