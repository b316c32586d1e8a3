// byte_source.cpp: file and memory byte sources with bounds-checked reads; whole-file writes.
#include "io/byte_source.h"

#include <cerrno>
#include <cstring>
#include <limits>

#include "octet/error.h"

namespace octet::io::detail {

void ByteSource::read(uint64_t offset, void* dst, uint64_t n) const {
  OCTET_CHECK(offset <= size() && n <= size() - offset, where_, name_, ": read of ", n, " bytes at offset ",
              offset, " is past the end of the data (", size(), " bytes)");
  if (n != 0) read_unchecked(offset, dst, n);
}

std::vector<uint8_t> ByteSource::read_vector(uint64_t offset, uint64_t n) const {
  OCTET_CHECK(offset <= size() && n <= size() - offset, where_, name_, ": read of ", n, " bytes at offset ",
              offset, " is past the end of the data (", size(), " bytes)");
  std::vector<uint8_t> out(static_cast<std::size_t>(n));
  read(offset, out.data(), n);
  return out;
}

FileSource::FileSource(const std::string& where, const std::string& path) : ByteSource(where, path) {
  file_ = std::fopen(path.c_str(), "rb");
  OCTET_CHECK(file_ != nullptr, where, path, ": cannot open for reading (", std::strerror(errno), ")");
  // Seek to the end for the size: works for regular files; anything else (a pipe) fails here.
  const bool ok = fseeko(file_, 0, SEEK_END) == 0;
  const off_t end = ok ? ftello(file_) : -1;
  if (end < 0) {
    std::fclose(file_);
    OCTET_FAIL(where, path, ": cannot determine the file size (not a regular file?)");
  }
  size_ = static_cast<uint64_t>(end);
}

FileSource::~FileSource() {
  if (file_ != nullptr) std::fclose(file_);
}

void FileSource::read_unchecked(uint64_t offset, void* dst, uint64_t n) const {
  OCTET_CHECK(offset <= static_cast<uint64_t>(std::numeric_limits<off_t>::max()) &&
                  fseeko(file_, static_cast<off_t>(offset), SEEK_SET) == 0,
              where(), name(), ": cannot seek to offset ", offset);
  const std::size_t got = std::fread(dst, 1, static_cast<std::size_t>(n), file_);
  // The file may have shrunk since it was opened.
  OCTET_CHECK(got == n, where(), name(), ": read ", got, " of ", n, " bytes at offset ", offset,
              " (file truncated while reading?)");
}

void MemorySource::read_unchecked(uint64_t offset, void* dst, uint64_t n) const {
  std::memcpy(dst, bytes_.data() + offset, static_cast<std::size_t>(n));
}

void write_file(const std::string& where, const std::string& path,
                std::span<const std::span<const uint8_t>> chunks) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  OCTET_CHECK(f != nullptr, where, path, ": cannot open for writing (", std::strerror(errno), ")");
  uint64_t put = 0, total = 0;
  for (const auto& chunk : chunks) {
    total += chunk.size();
    if (!chunk.empty()) put += std::fwrite(chunk.data(), 1, chunk.size(), f);
  }
  const int flush_err = std::fflush(f);
  const int close_err = std::fclose(f);
  OCTET_CHECK(put == total && flush_err == 0 && close_err == 0, where, path, ": write failed after ", put,
              " of ", total, " bytes");
}

}  // namespace octet::io::detail
