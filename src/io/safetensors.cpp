// safetensors.cpp: the safetensors reader (validate everything, then copy) and writer.
//
// Validation follows the reference implementation (huggingface/safetensors, Rust): header length at
// most 100 MB and inside the file, a JSON object starting with '{', known dtypes, shape products that
// do not overflow and match the byte span, and tensors tiling the data region exactly (no overlap,
// no gap, nothing after the last tensor).
#include "octet/io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "io/byte_source.h"
#include "octet/error.h"

namespace octet::io {
namespace {

using nlohmann::json;
using detail::ByteSource;

constexpr const char* kLoad = "load_safetensors";
constexpr const char* kSave = "save_safetensors";
constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit
constexpr const char* kMetadataKey = "__metadata__";

struct DTypeName {
  const char* name;
  DType dtype;
};
constexpr DTypeName kDTypes[] = {
    {"F64", kFloat64}, {"F32", kFloat32}, {"F16", kFloat16}, {"BF16", kBFloat16}, {"I64", kInt64},
    {"I32", kInt32},   {"I16", kInt16},   {"I8", kInt8},     {"U8", kUInt8},      {"BOOL", kBool},
};

bool dtype_from_name(const std::string& name, DType* out) {
  for (const auto& d : kDTypes) {
    if (name == d.name) {
      *out = d.dtype;
      return true;
    }
  }
  return false;
}

const char* dtype_to_name(DType t) {
  for (const auto& d : kDTypes) {
    if (d.dtype == t) return d.name;
  }
  return nullptr;
}

// One validated header entry.
struct Entry {
  std::string name;
  DType dtype = kFloat32;
  Shape shape;
  uint64_t begin = 0, end = 0;
};

// Reads a JSON value that must be a non-negative integer no larger than max.
bool as_uint(const json& v, uint64_t max, uint64_t* out) {
  if (!v.is_number_unsigned()) return false;
  *out = v.get<uint64_t>();
  return *out <= max;
}

Entry parse_entry(const ByteSource& src, const std::string& name, const json& info, uint64_t data_size) {
  const std::string at = src.name() + ": tensor '" + name + "'";
  OCTET_CHECK(info.is_object(), kLoad, at, ": expected an object {dtype, shape, data_offsets}, got ",
              info.type_name());
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    OCTET_CHECK(info.contains(key), kLoad, at, ": missing \"", key, "\"");
  }
  Entry e;
  e.name = name;
  const json& dtype = info.at("dtype");
  OCTET_CHECK(dtype.is_string(), kLoad, at, ": dtype must be a string, got ", dtype.dump());
  OCTET_CHECK(dtype_from_name(dtype.get<std::string>(), &e.dtype), kLoad, at, ": unsupported dtype ",
              dtype.dump(), " (expected F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)");

  const json& shape = info.at("shape");
  OCTET_CHECK(shape.is_array(), kLoad, at, ": shape must be a list of integers, got ", shape.dump());
  // numel * element size, in bytes, must not overflow 64 bits (or int64 for the Tensor).
  uint64_t nbytes = element_size(e.dtype);
  for (const json& d : shape) {
    uint64_t size = 0;
    OCTET_CHECK(as_uint(d, static_cast<uint64_t>(std::numeric_limits<int64_t>::max()), &size), kLoad, at,
                ": shape must be a list of non-negative integers, got ", shape.dump());
    e.shape.push_back(static_cast<int64_t>(size));
    // Zero sizes are skipped here so that overflow does not depend on where a 0 sits in the shape.
    OCTET_CHECK(size == 0 || (!__builtin_mul_overflow(nbytes, size, &nbytes) &&
                    nbytes <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())),
                kLoad, at, ": shape ", shape.dump(), " of ", dtype.get<std::string>(), " overflows 64-bit sizes");
  }
  if (std::find(e.shape.begin(), e.shape.end(), 0) != e.shape.end()) nbytes = 0;

  const json& offsets = info.at("data_offsets");
  OCTET_CHECK(offsets.is_array() && offsets.size() == 2 &&
                  as_uint(offsets[0], std::numeric_limits<uint64_t>::max(), &e.begin) &&
                  as_uint(offsets[1], std::numeric_limits<uint64_t>::max(), &e.end),
              kLoad, at, ": data_offsets must be [begin, end] with non-negative integers, got ", offsets.dump());
  OCTET_CHECK(e.begin <= e.end, kLoad, at, ": data_offsets begin ", e.begin, " > end ", e.end);
  OCTET_CHECK(e.end <= data_size, kLoad, at, ": data_offsets end ", e.end, " is past the end of the data (",
              data_size, " bytes)");
  OCTET_CHECK(e.end - e.begin == nbytes, kLoad, at, ": shape ", shape.dump(), " of ", dtype.get<std::string>(),
              " needs ", nbytes, " bytes but data_offsets [", e.begin, ", ", e.end, "] span ", e.end - e.begin);
  return e;
}

std::map<std::string, std::string> parse_metadata(const ByteSource& src, const json& meta) {
  OCTET_CHECK(meta.is_object(), kLoad, src.name(), ": __metadata__ must be an object of strings, got ",
              meta.type_name());
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : meta.items()) {
    OCTET_CHECK(value.is_string(), kLoad, src.name(), ": __metadata__ value of '", key,
                "' must be a string, got ", value.dump());
    out[key] = value.get<std::string>();
  }
  return out;
}

// Tensors sorted by offset must tile [0, data_size) exactly, as the reference requires.
void check_tiling(const ByteSource& src, std::vector<const Entry*> entries, uint64_t data_size) {
  std::sort(entries.begin(), entries.end(), [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t pos = 0;
  const Entry* prev = nullptr;
  for (const Entry* e : entries) {
    OCTET_CHECK(e->begin >= pos, kLoad, src.name(), ": tensor '", e->name, "' data [", e->begin, ", ", e->end,
                ") overlaps tensor '", prev ? prev->name : "", "' ending at ", pos);
    OCTET_CHECK(e->begin == pos, kLoad, src.name(), ": gap in the data region: bytes [", pos, ", ", e->begin,
                ") before tensor '", e->name, "' belong to no tensor");
    pos = e->end;
    prev = e;
  }
  OCTET_CHECK(pos == data_size, kLoad, src.name(), ": the data region has ", data_size - pos,
              " bytes after the last tensor (", data_size, " bytes, tensors cover ", pos, ")");
}

SafetensorsFile load(const ByteSource& src) {
  const uint64_t file_size = src.size();
  OCTET_CHECK(file_size >= 8, kLoad, src.name(), ": file is ", file_size,
              " bytes, too small for the 8-byte header length");
  uint8_t len_bytes[8];
  src.read(0, len_bytes, 8);
  const uint64_t header_len = detail::load_le64(len_bytes);
  OCTET_CHECK(header_len <= kMaxHeaderBytes, kLoad, src.name(), ": header length ", header_len,
              " exceeds the limit of ", kMaxHeaderBytes, " bytes");
  OCTET_CHECK(header_len <= file_size - 8, kLoad, src.name(), ": header length ", header_len,
              " is larger than the rest of the file (", file_size - 8, " bytes)");
  const std::vector<uint8_t> header = src.read_vector(8, header_len);
  OCTET_CHECK(!header.empty() && header[0] == '{', kLoad, src.name(), ": header does not start with '{'");

  // Duplicate top-level keys would silently drop a tensor; nlohmann keeps one, so count them here.
  std::set<std::string> seen;
  std::string duplicate;
  const auto on_event = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth == 1 && event == json::parse_event_t::key && duplicate.empty() &&
        !seen.insert(parsed.get<std::string>()).second) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  json doc;
  try {
    doc = json::parse(header.begin(), header.end(), on_event);
  } catch (const json::exception& e) {
    OCTET_FAIL(kLoad, src.name(), ": header is not valid JSON (", e.what(), ")");
  }
  OCTET_CHECK(doc.is_object(), kLoad, src.name(), ": header must be a JSON object, got ", doc.type_name());
  OCTET_CHECK(duplicate.empty(), kLoad, src.name(), ": header lists '", duplicate, "' twice");

  const uint64_t data_start = 8 + header_len;
  const uint64_t data_size = file_size - data_start;
  SafetensorsFile out;
  std::vector<Entry> entries;
  for (const auto& [key, value] : doc.items()) {
    if (key == kMetadataKey) {
      out.metadata = parse_metadata(src, value);
    } else {
      entries.push_back(parse_entry(src, key, value, data_size));
    }
  }
  std::vector<const Entry*> ptrs;
  for (const Entry& e : entries) ptrs.push_back(&e);
  check_tiling(src, ptrs, data_size);

  // Everything is consistent: allocate and copy.
  for (const Entry& e : entries) {
    const uint64_t nbytes = e.end - e.begin;
    auto storage = std::make_shared<Storage>(static_cast<std::size_t>(nbytes), /*zero_fill=*/false);
    src.read(data_start + e.begin, storage->data(), nbytes);
    if (e.dtype == kBool) {
      // Any byte but 0 or 1 is not a valid bool value.
      const auto* p = static_cast<const uint8_t*>(storage->data());
      for (uint64_t i = 0; i < nbytes; ++i) {
        OCTET_CHECK(p[i] <= 1, kLoad, src.name(), ": tensor '", e.name, "': BOOL element ", i, " is ",
                    static_cast<int>(p[i]), " (expected 0 or 1)");
      }
    }
    out.tensors.emplace(e.name, Tensor(std::move(storage), 0, e.shape, contiguous_strides(e.shape), e.dtype));
  }
  return out;
}

// The header bytes and the contiguous tensors, in data order, for either writer.
struct Serialized {
  std::vector<uint8_t> header;  // length prefix + padded JSON
  std::vector<Tensor> data;     // contiguous, in file order
};

Serialized serialize(const std::map<std::string, Tensor>& tensors,
                     const std::map<std::string, std::string>& metadata) {
  struct Item {
    const std::string* name;
    Tensor t;
  };
  std::vector<Item> items;
  for (const auto& [name, t] : tensors) {
    OCTET_CHECK(t.defined(), kSave, "tensor '", name, "' is undefined");
    OCTET_CHECK(!t.is_quantized(), kSave, "tensor '", name, "' is quantized (", t.dtype(),
                "); save int_repr() and the qparams instead");
    OCTET_CHECK(dtype_to_name(t.dtype()) != nullptr, kSave, "tensor '", name, "' has unsupported dtype ",
                t.dtype());
    OCTET_CHECK(name != kMetadataKey, kSave, "a tensor cannot be named ", kMetadataKey);
    items.push_back({&name, t.contiguous()});
  }
  // Data order as in the reference writer: larger elements first, then by name, so that every tensor
  // starts aligned to its element size (the data region starts 8-byte aligned).
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.t.element_size() > b.t.element_size(); });

  json doc = json::object();
  if (!metadata.empty()) doc[kMetadataKey] = metadata;
  Serialized out;
  uint64_t offset = 0;
  for (const Item& it : items) {
    const uint64_t nbytes = it.t.nbytes();
    doc[*it.name] = {{"dtype", dtype_to_name(it.t.dtype())},
                     {"shape", it.t.shape()},
                     {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    out.data.push_back(it.t);
  }
  std::string text;
  try {
    text = doc.dump();
  } catch (const json::exception& e) {
    OCTET_FAIL(kSave, "a tensor name or metadata string is not valid UTF-8 (", e.what(), ")");
  }
  // Pad with spaces so that the data starts 8-byte aligned, as the reference writer does.
  text.append((8 - text.size() % 8) % 8, ' ');
  detail::append_le64(out.header, text.size());
  out.header.insert(out.header.end(), text.begin(), text.end());
  return out;
}

std::span<const uint8_t> bytes_of(const Tensor& t) {
  return {static_cast<const uint8_t*>(t.raw_data()), t.nbytes()};
}

}  // namespace

SafetensorsFile load_safetensors(const std::string& path) {
  const detail::FileSource src(kLoad, path);
  return load(src);
}

SafetensorsFile load_safetensors(std::span<const uint8_t> bytes, const std::string& name) {
  const detail::MemorySource src(kLoad, bytes, name);
  return load(src);
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const Serialized s = serialize(tensors, metadata);
  std::vector<std::span<const uint8_t>> chunks{s.header};
  for (const Tensor& t : s.data) chunks.push_back(bytes_of(t));
  detail::write_file(kSave, path, chunks);
}

std::vector<uint8_t> save_safetensors(const std::map<std::string, Tensor>& tensors,
                                      const std::map<std::string, std::string>& metadata) {
  const Serialized s = serialize(tensors, metadata);
  std::vector<uint8_t> out = s.header;
  for (const Tensor& t : s.data) {
    const auto b = bytes_of(t);
    out.insert(out.end(), b.begin(), b.end());
  }
  return out;
}

}  // namespace octet::io
