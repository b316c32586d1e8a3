// zip.h: the subset of the ZIP format that .npz needs: a validating reader of stored (method 0) and
// deflated (method 8) members with ZIP64 support and CRC-32 checks, and a matching writer.
//
// The reader trusts nothing: it locates the end-of-central-directory record, checks every offset and
// size against the file, rejects overlapping members, encryption, multi-disk archives and sizes a
// deflate stream cannot produce, before it allocates or decompresses anything.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "io/byte_source.h"

namespace octet::io::detail {

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // 0 stored, 8 deflated
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
  uint64_t data_offset = 0;  // first byte of the member's (compressed) data
};

class ZipReader {
 public:
  // Reads and validates the central directory and every local header.
  explicit ZipReader(const ByteSource& src);
  const std::vector<ZipEntry>& entries() const { return entries_; }
  // The member's bytes, decompressed, with their size and CRC-32 checked.
  std::vector<uint8_t> read(const ZipEntry& e) const;

 private:
  const ByteSource& src_;
  std::vector<ZipEntry> entries_;
};

// Builds an archive as a list of byte chunks: member data given as spans is referenced, not copied
// (it must outlive the writer's chunks()); headers and deflated data are owned by the writer.
class ZipWriter {
 public:
  // force_zip64 writes ZIP64 records even for small archives (larger ones get them when needed).
  explicit ZipWriter(bool force_zip64 = false) : force_zip64_(force_zip64) {}
  // Adds a member whose bytes are the concatenated parts; compress selects deflate (8) over stored (0).
  void add(const std::string& name, std::span<const std::span<const uint8_t>> parts, bool compress);
  // Writes the central directory; afterwards chunks() is the whole archive.
  void finish();
  const std::vector<std::span<const uint8_t>>& chunks() const { return chunks_; }

 private:
  struct Central {
    std::string name;
    uint16_t method;
    uint32_t crc32;
    uint64_t compressed_size, uncompressed_size, offset;
  };
  std::span<const uint8_t> own(std::vector<uint8_t> bytes);

  bool force_zip64_;
  bool finished_ = false;
  uint64_t offset_ = 0;
  std::deque<std::vector<uint8_t>> owned_;  // a deque: growing it never moves earlier buffers
  std::vector<std::span<const uint8_t>> chunks_;
  std::vector<Central> central_;
};

}  // namespace octet::io::detail
