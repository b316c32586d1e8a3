// zip.cpp: ZIP central-directory reader (ZIP64, stored and deflated members, CRC-32) and writer.
//
// Record layouts follow PKWARE's APPNOTE.TXT (4.3.7 local header, 4.3.12 central header, 4.3.14-16
// ZIP64 end records, 4.5.3 ZIP64 extra field). All numbers are little-endian.
#include "io/zip.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "octet/error.h"

namespace octet::io::detail {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::size_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22, kZip64EndSize = 56, kZip64LocatorSize = 20;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint32_t k32 = 0xffffffffu;
constexpr uint16_t k16 = 0xffffu;
// Python's zipfile switches to ZIP64 above 2^31 - 1 (some readers treat the fields as signed).
constexpr uint64_t kZip64Limit = (uint64_t{1} << 31) - 1;
// Deflate emits at most 258 bytes per 2-bit code, about 1032:1; a larger claimed ratio is a lie.
constexpr uint64_t kMaxDeflateRatio = 1032;

// General-purpose flag bit 11 marks a UTF-8 name; without it readers assume code page 437.
uint16_t name_flags(const std::string& name) {
  const bool ascii = std::all_of(name.begin(), name.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x80; });
  return ascii ? 0 : 0x800;
}

uint32_t crc32_of(uint32_t crc, std::span<const uint8_t> bytes) {
  return static_cast<uint32_t>(crc32_z(crc, bytes.data(), bytes.size()));
}

}  // namespace

ZipReader::ZipReader(const ByteSource& src) : src_(src) {
  const std::string& where = src.where();
  const std::string& name = src.name();
  const uint64_t size = src.size();
  OCTET_CHECK(size >= kEndSize, where, name, ": ", size, " bytes is too short for a zip archive");

  // The end record is the last 22 bytes plus a comment of up to 65535 bytes: scan back for it.
  const uint64_t tail_len = std::min<uint64_t>(size, kEndSize + 0xffff);
  const std::vector<uint8_t> tail = src.read_vector(size - tail_len, tail_len);
  int64_t end_at = -1;  // in tail
  for (int64_t i = static_cast<int64_t>(tail_len - kEndSize); i >= 0; --i) {
    const uint8_t* p = tail.data() + i;
    if (load_le32(p) == kEndSig && static_cast<uint64_t>(i) + kEndSize + load_le16(p + 20) == tail_len) {
      end_at = i;
      break;
    }
  }
  OCTET_CHECK(end_at >= 0, where, name, ": not a zip archive (no end of central directory record)");
  const uint8_t* end = tail.data() + end_at;
  const uint64_t end_offset = size - tail_len + static_cast<uint64_t>(end_at);
  uint64_t disk = load_le16(end + 4), cd_disk = load_le16(end + 6);
  uint64_t disk_entries = load_le16(end + 8), total_entries = load_le16(end + 10);
  uint64_t cd_size = load_le32(end + 12), cd_offset = load_le32(end + 16);
  uint64_t cd_limit = end_offset;  // the central directory ends before this

  if (disk == k16 || cd_disk == k16 || disk_entries == k16 || total_entries == k16 || cd_size == k32 ||
      cd_offset == k32) {
    // ZIP64: a locator just before the end record points to the ZIP64 end record.
    OCTET_CHECK(end_offset >= kZip64LocatorSize, where, name, ": ZIP64 end of central directory locator missing");
    uint8_t loc[kZip64LocatorSize];
    src.read(end_offset - kZip64LocatorSize, loc, kZip64LocatorSize);
    OCTET_CHECK(load_le32(loc) == kZip64LocatorSig, where, name, ": ZIP64 end of central directory locator missing");
    const uint64_t z64_offset = load_le64(loc + 8);
    OCTET_CHECK(load_le32(loc + 4) == 0 && load_le32(loc + 16) <= 1, where, name,
                ": multi-disk zip archives are not supported");
    OCTET_CHECK(z64_offset <= end_offset - kZip64LocatorSize &&
                    end_offset - kZip64LocatorSize - z64_offset >= kZip64EndSize,
                where, name, ": ZIP64 end record offset ", z64_offset, " is out of range");
    uint8_t z[kZip64EndSize];
    src.read(z64_offset, z, kZip64EndSize);
    OCTET_CHECK(load_le32(z) == kZip64EndSig, where, name, ": bad ZIP64 end of central directory signature");
    disk = load_le32(z + 16);
    cd_disk = load_le32(z + 20);
    disk_entries = load_le64(z + 24);
    total_entries = load_le64(z + 32);
    cd_size = load_le64(z + 40);
    cd_offset = load_le64(z + 48);
    cd_limit = z64_offset;
  }
  OCTET_CHECK(disk == 0 && cd_disk == 0 && disk_entries == total_entries, where, name,
              ": multi-disk zip archives are not supported");
  OCTET_CHECK(cd_offset <= cd_limit && cd_size <= cd_limit - cd_offset, where, name, ": central directory [",
              cd_offset, ", +", cd_size, ") lies outside the archive");
  OCTET_CHECK(total_entries <= cd_size / kCentralSize, where, name, ": ", total_entries,
              " entries cannot fit in a central directory of ", cd_size, " bytes");

  const std::vector<uint8_t> cd = src.read_vector(cd_offset, cd_size);
  std::size_t pos = 0;
  entries_.reserve(static_cast<std::size_t>(total_entries));
  for (uint64_t i = 0; i < total_entries; ++i) {
    OCTET_CHECK(cd.size() - pos >= kCentralSize && load_le32(cd.data() + pos) == kCentralSig, where, name,
                ": bad central directory entry ", i);
    const uint8_t* h = cd.data() + pos;
    const uint16_t flags = load_le16(h + 8);
    ZipEntry e;
    e.method = load_le16(h + 10);
    e.crc32 = load_le32(h + 16);
    e.compressed_size = load_le32(h + 20);
    e.uncompressed_size = load_le32(h + 24);
    const std::size_t name_len = load_le16(h + 28), extra_len = load_le16(h + 30), comment_len = load_le16(h + 32);
    uint64_t start_disk = load_le16(h + 34);
    e.local_header_offset = load_le32(h + 42);
    OCTET_CHECK(cd.size() - pos - kCentralSize >= name_len + extra_len + comment_len, where, name,
                ": central directory entry ", i, " runs past the directory");
    e.name.assign(reinterpret_cast<const char*>(h + kCentralSize), name_len);
    const std::string at = name + ": member '" + e.name + "'";

    // ZIP64 extra field: 8-byte values for exactly the fields saturated above, in this order.
    const uint8_t* extra = h + kCentralSize + name_len;
    for (std::size_t x = 0; x + 4 <= extra_len;) {
      const uint16_t id = load_le16(extra + x), len = load_le16(extra + x + 2);
      OCTET_CHECK(x + 4 + len <= extra_len, where, at, ": extra field runs past its entry");
      if (id == kZip64ExtraId) {
        const uint8_t* f = extra + x + 4;
        std::size_t left = len;
        auto take = [&](uint64_t* v, uint64_t saturated, std::size_t bytes) {
          if (*v != saturated) return;
          OCTET_CHECK(left >= bytes, where, at, ": ZIP64 extra field too short");
          *v = bytes == 8 ? load_le64(f) : load_le32(f);
          f += bytes;
          left -= bytes;
        };
        take(&e.uncompressed_size, k32, 8);
        take(&e.compressed_size, k32, 8);
        take(&e.local_header_offset, k32, 8);
        take(&start_disk, k16, 4);
      }
      x += 4 + len;
    }
    pos += kCentralSize + name_len + extra_len + comment_len;

    OCTET_CHECK((flags & 0x41) == 0, where, at, ": encrypted members are not supported");
    OCTET_CHECK(start_disk == 0, where, at, ": multi-disk zip archives are not supported");
    OCTET_CHECK(e.method == 0 || e.method == 8, where, at, ": unsupported compression method ", e.method,
                " (expected 0, stored, or 8, deflated)");
    OCTET_CHECK(e.method != 0 || e.compressed_size == e.uncompressed_size, where, at, ": stored member sizes differ (",
                e.compressed_size, " compressed, ", e.uncompressed_size, " uncompressed)");
    OCTET_CHECK(e.method != 8 || e.uncompressed_size / kMaxDeflateRatio <= e.compressed_size, where, at, ": claims ",
                e.uncompressed_size, " bytes from ", e.compressed_size,
                " compressed bytes, more than deflate can produce");

    // The local header repeats the name; its own sizes may be zero (data descriptor) or ZIP64, so
    // the central directory's are used.
    OCTET_CHECK(e.local_header_offset <= cd_offset && cd_offset - e.local_header_offset >= kLocalSize, where, at,
                ": local header offset ", e.local_header_offset, " is out of range");
    uint8_t local[kLocalSize];
    src.read(e.local_header_offset, local, kLocalSize);
    OCTET_CHECK(load_le32(local) == kLocalSig, where, at, ": bad local header signature");
    const uint64_t local_name_len = load_le16(local + 26), local_extra_len = load_le16(local + 28);
    e.data_offset = e.local_header_offset + kLocalSize + local_name_len + local_extra_len;
    OCTET_CHECK(e.data_offset <= cd_offset && e.compressed_size <= cd_offset - e.data_offset, where, at, ": data [",
                e.data_offset, ", +", e.compressed_size, ") runs into the central directory at ", cd_offset);
    OCTET_CHECK(local_name_len == name_len &&
                    src.read_vector(e.local_header_offset + kLocalSize, name_len) ==
                        std::vector<uint8_t>(e.name.begin(), e.name.end()),
                where, at, ": local header names a different member");
    entries_.push_back(std::move(e));
  }
  OCTET_CHECK(pos == cd.size(), where, name, ": central directory has ", cd.size() - pos,
              " bytes after its last entry");

  // Members must not share bytes (overlapping members multiply a small file into a huge output).
  std::vector<const ZipEntry*> sorted;
  for (const ZipEntry& e : entries_) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(),
            [](const ZipEntry* a, const ZipEntry* b) { return a->local_header_offset < b->local_header_offset; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    OCTET_CHECK(sorted[i - 1]->data_offset + sorted[i - 1]->compressed_size <= sorted[i]->local_header_offset, where,
                name, ": members '", sorted[i - 1]->name, "' and '", sorted[i]->name, "' overlap");
  }
}

std::vector<uint8_t> ZipReader::read(const ZipEntry& e) const {
  const std::string& where = src_.where();
  const std::string at = src_.name() + ": member '" + e.name + "'";
  std::vector<uint8_t> out;
  if (e.method == 0) {
    out = src_.read_vector(e.data_offset, e.uncompressed_size);
  } else {
    const std::vector<uint8_t> in = src_.read_vector(e.data_offset, e.compressed_size);
    out.resize(static_cast<std::size_t>(e.uncompressed_size));
    z_stream z{};
    OCTET_CHECK(inflateInit2(&z, -MAX_WBITS) == Z_OK, where, at, ": zlib inflateInit2 failed");
    // avail_in/avail_out are 32-bit: feed and drain in chunks.
    constexpr uint64_t kChunk = uint64_t{1} << 30;
    uint64_t in_pos = 0, out_pos = 0;
    uint8_t none = 0;  // a valid next_out for an empty member
    z.next_out = &none;
    int rc = Z_OK;
    while (rc == Z_OK) {
      if (z.avail_in == 0 && in_pos < in.size()) {
        z.next_in = const_cast<Bytef*>(in.data() + in_pos);
        z.avail_in = static_cast<uInt>(std::min<uint64_t>(kChunk, in.size() - in_pos));
        in_pos += z.avail_in;
      }
      if (z.avail_out == 0 && out_pos < out.size()) {
        z.next_out = out.data() + out_pos;
        z.avail_out = static_cast<uInt>(std::min<uint64_t>(kChunk, out.size() - out_pos));
        out_pos += z.avail_out;
      }
      rc = inflate(&z, Z_NO_FLUSH);
      // No progress possible: input exhausted or output full before the end of the stream.
      if (rc == Z_BUF_ERROR && !((z.avail_in == 0 && in_pos < in.size()) || (z.avail_out == 0 && out_pos < out.size()))) {
        break;
      }
      if (rc == Z_BUF_ERROR) rc = Z_OK;
    }
    const uint64_t total_out = z.total_out, total_in = z.total_in;
    const bool input_left = z.avail_in != 0 || in_pos < in.size();
    const std::string msg = z.msg != nullptr ? z.msg : "";
    inflateEnd(&z);
    OCTET_CHECK(rc == Z_STREAM_END || rc == Z_BUF_ERROR, where, at, ": corrupt deflate data (", msg, ")");
    // Stuck with input left means the output buffer (the size in the header) is full.
    OCTET_CHECK(rc == Z_STREAM_END || !input_left, where, at, ": decompresses to more than the ", out.size(),
                " bytes its header says");
    OCTET_CHECK(rc == Z_STREAM_END, where, at, ": deflate data ends early, after ", total_out, " of ", out.size(),
                " bytes");
    OCTET_CHECK(total_out == out.size(), where, at, ": decompresses to ", total_out, " bytes, its header says ",
                out.size());
    OCTET_CHECK(total_in == in.size(), where, at, ": ", in.size() - total_in,
                " compressed bytes after the end of the deflate stream");
  }
  const uint32_t crc = crc32_of(0, out);
  OCTET_CHECK(crc == e.crc32, where, at, ": CRC-32 mismatch (data has ", std::hex, crc, ", header says ", e.crc32,
              ")");
  return out;
}

std::span<const uint8_t> ZipWriter::own(std::vector<uint8_t> bytes) {
  owned_.push_back(std::move(bytes));
  return owned_.back();
}

void ZipWriter::add(const std::string& name, std::span<const std::span<const uint8_t>> parts, bool compress) {
  OCTET_CHECK(!finished_, "ZipWriter", "add after finish");
  OCTET_CHECK(name.size() <= 0xffff, "ZipWriter", "member name of ", name.size(), " bytes is too long");
  Central c{name, static_cast<uint16_t>(compress ? 8 : 0), 0, 0, 0, offset_};
  for (const auto& part : parts) {
    c.crc32 = crc32_of(c.crc32, part);
    c.uncompressed_size += part.size();
  }
  std::vector<std::span<const uint8_t>> data(parts.begin(), parts.end());
  if (compress) {
    std::vector<uint8_t> out;
    z_stream z{};
    OCTET_CHECK(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK,
                "ZipWriter", "zlib deflateInit2 failed");
    constexpr std::size_t kChunk = std::size_t{1} << 20;
    for (std::size_t i = 0; i <= parts.size(); ++i) {
      const bool last = i == parts.size();
      std::span<const uint8_t> part = last ? std::span<const uint8_t>() : parts[i];
      std::size_t used = 0;
      int rc = Z_OK;
      do {
        const std::size_t n = std::min(kChunk, part.size() - used);
        z.next_in = const_cast<Bytef*>(part.data() + used);
        z.avail_in = static_cast<uInt>(n);
        used += n;
        const int flush = last ? Z_FINISH : Z_NO_FLUSH;
        do {
          const std::size_t have = out.size();
          out.resize(have + kChunk);
          z.next_out = out.data() + have;
          z.avail_out = static_cast<uInt>(kChunk);
          rc = deflate(&z, flush);
          OCTET_CHECK(rc != Z_STREAM_ERROR, "ZipWriter", "zlib deflate failed");
          out.resize(have + kChunk - z.avail_out);
        } while (z.avail_out == 0 || (last && rc != Z_STREAM_END));
      } while (used < part.size());
    }
    deflateEnd(&z);
    c.compressed_size = out.size();
    data = {own(std::move(out))};
  } else {
    c.compressed_size = c.uncompressed_size;
  }

  const bool zip64 = force_zip64_ || c.uncompressed_size > kZip64Limit || c.compressed_size > kZip64Limit;
  std::vector<uint8_t> h;
  append_le32(h, kLocalSig);
  append_le16(h, zip64 ? 45 : 20);  // version needed: 4.5 for ZIP64, 2.0 for deflate
  append_le16(h, name_flags(name));
  append_le16(h, c.method);
  append_le16(h, 0);                // time 00:00:00
  append_le16(h, (1 << 5) | 1);     // date 1980-01-01, so the output is reproducible
  append_le32(h, c.crc32);
  append_le32(h, zip64 ? k32 : static_cast<uint32_t>(c.compressed_size));
  append_le32(h, zip64 ? k32 : static_cast<uint32_t>(c.uncompressed_size));
  append_le16(h, static_cast<uint16_t>(name.size()));
  append_le16(h, zip64 ? 20 : 0);
  h.insert(h.end(), name.begin(), name.end());
  if (zip64) {
    append_le16(h, kZip64ExtraId);
    append_le16(h, 16);
    append_le64(h, c.uncompressed_size);
    append_le64(h, c.compressed_size);
  }
  offset_ += h.size() + c.compressed_size;
  chunks_.push_back(own(std::move(h)));
  for (const auto& d : data) chunks_.push_back(d);
  central_.push_back(std::move(c));
}

void ZipWriter::finish() {
  OCTET_CHECK(!finished_, "ZipWriter", "finish called twice");
  finished_ = true;
  const uint64_t cd_offset = offset_;
  std::vector<uint8_t> cd;
  for (const Central& c : central_) {
    const bool big_u = force_zip64_ || c.uncompressed_size > kZip64Limit;
    const bool big_c = force_zip64_ || c.compressed_size > kZip64Limit;
    const bool big_o = force_zip64_ || c.offset > kZip64Limit;
    std::vector<uint8_t> extra;
    if (big_u) append_le64(extra, c.uncompressed_size);
    if (big_c) append_le64(extra, c.compressed_size);
    if (big_o) append_le64(extra, c.offset);
    const bool zip64 = !extra.empty();
    append_le32(cd, kCentralSig);
    append_le16(cd, zip64 ? 45 : 20);  // version made by (MS-DOS attributes)
    append_le16(cd, zip64 ? 45 : 20);  // version needed
    append_le16(cd, name_flags(c.name));
    append_le16(cd, c.method);
    append_le16(cd, 0);
    append_le16(cd, (1 << 5) | 1);
    append_le32(cd, c.crc32);
    append_le32(cd, big_c ? k32 : static_cast<uint32_t>(c.compressed_size));
    append_le32(cd, big_u ? k32 : static_cast<uint32_t>(c.uncompressed_size));
    append_le16(cd, static_cast<uint16_t>(c.name.size()));
    append_le16(cd, static_cast<uint16_t>(zip64 ? extra.size() + 4 : 0));
    append_le16(cd, 0);  // comment
    append_le16(cd, 0);  // disk
    append_le16(cd, 0);  // internal attributes
    append_le32(cd, 0);  // external attributes
    append_le32(cd, big_o ? k32 : static_cast<uint32_t>(c.offset));
    cd.insert(cd.end(), c.name.begin(), c.name.end());
    if (zip64) {
      append_le16(cd, kZip64ExtraId);
      append_le16(cd, static_cast<uint16_t>(extra.size()));
      cd.insert(cd.end(), extra.begin(), extra.end());
    }
  }
  const uint64_t cd_size = cd.size(), count = central_.size();
  const bool zip64 = force_zip64_ || count >= k16 || cd_offset > kZip64Limit || cd_size > kZip64Limit;
  if (zip64) {
    const uint64_t z64_offset = cd_offset + cd_size;
    append_le32(cd, kZip64EndSig);
    append_le64(cd, kZip64EndSize - 12);  // size of the rest of this record
    append_le16(cd, 45);
    append_le16(cd, 45);
    append_le32(cd, 0);
    append_le32(cd, 0);
    append_le64(cd, count);
    append_le64(cd, count);
    append_le64(cd, cd_size);
    append_le64(cd, cd_offset);
    append_le32(cd, kZip64LocatorSig);
    append_le32(cd, 0);
    append_le64(cd, z64_offset);
    append_le32(cd, 1);
  }
  append_le32(cd, kEndSig);
  append_le16(cd, 0);
  append_le16(cd, 0);
  append_le16(cd, zip64 ? k16 : static_cast<uint16_t>(count));
  append_le16(cd, zip64 ? k16 : static_cast<uint16_t>(count));
  append_le32(cd, zip64 ? k32 : static_cast<uint32_t>(cd_size));
  append_le32(cd, zip64 ? k32 : static_cast<uint32_t>(cd_offset));
  append_le16(cd, 0);  // comment
  chunks_.push_back(own(std::move(cd)));
}

}  // namespace octet::io::detail
