// byte_source.h: bounded random-access reads from a file or a memory span, for the file-format readers.
//
// Readers of untrusted files validate every length and offset against size() before reading; read()
// checks the range again, so a reader bug is an Error, never an out-of-bounds access.
#pragma once

#include <bit>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace octet::io::detail {

// The formats store little-endian numbers and tensor bytes are copied as they are.
static_assert(std::endian::native == std::endian::little, "octet::io assumes a little-endian host");

class ByteSource {
 public:
  ByteSource(std::string where, std::string name) : where_(std::move(where)), name_(std::move(name)) {}
  virtual ~ByteSource() = default;
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  virtual uint64_t size() const = 0;
  // Reads exactly n bytes at offset into dst; an Error if [offset, offset + n) is not inside size().
  void read(uint64_t offset, void* dst, uint64_t n) const;
  std::vector<uint8_t> read_vector(uint64_t offset, uint64_t n) const;

  const std::string& where() const { return where_; }  // the operation, e.g. "load_npy"
  const std::string& name() const { return name_; }    // the file (or "<memory>")

 protected:
  virtual void read_unchecked(uint64_t offset, void* dst, uint64_t n) const = 0;

 private:
  std::string where_;
  std::string name_;
};

class FileSource final : public ByteSource {
 public:
  FileSource(const std::string& where, const std::string& path);
  ~FileSource() override;
  uint64_t size() const override { return size_; }

 protected:
  void read_unchecked(uint64_t offset, void* dst, uint64_t n) const override;

 private:
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(const std::string& where, std::span<const uint8_t> bytes, const std::string& name)
      : ByteSource(where, name), bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }

 protected:
  void read_unchecked(uint64_t offset, void* dst, uint64_t n) const override;

 private:
  std::span<const uint8_t> bytes_;
};

// Writes the chunks, in order, to path (created or truncated); an Error naming the file on any failure.
void write_file(const std::string& where, const std::string& path,
                std::span<const std::span<const uint8_t>> chunks);

// Little-endian integer helpers over byte buffers (callers check the bounds).
inline uint16_t load_le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t load_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
inline uint64_t load_le64(const uint8_t* p) {
  return static_cast<uint64_t>(load_le32(p)) | (static_cast<uint64_t>(load_le32(p + 4)) << 32);
}
inline void append_le16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
inline void append_le32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void append_le64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

}  // namespace octet::io::detail
