// npy.cpp: .npy header parsing (a strict parser for the Python dict literal numpy writes), reading
// with byte swapping and Fortran-order transposition, and numpy-identical header writing.
#include "io/npy.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "octet/error.h"

namespace octet::io::detail {
namespace {

constexpr uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
// numpy refuses headers over 10000 characters unless trusted; a little more room for other writers,
// while keeping the parse of an untrusted header small.
constexpr uint64_t kMaxHeaderBytes = 1 << 20;
constexpr std::size_t kAlign = 64;          // numpy's ARRAY_ALIGN
constexpr std::size_t kGrowthDigits = 21;   // numpy's GROWTH_AXIS_MAX_DIGITS

struct Descr {
  const char* code;  // without the byte-order character
  DType dtype;
};
constexpr Descr kDescrs[] = {{"f8", kFloat64}, {"f4", kFloat32}, {"f2", kFloat16}, {"i8", kInt64}, {"i4", kInt32},
                             {"i2", kInt16},   {"i1", kInt8},    {"u1", kUInt8},   {"b1", kBool}};

struct Header {
  DType dtype = kFloat32;
  bool big_endian = false;
  bool fortran_order = false;
  Shape shape;
};

// Recursive-descent parser for numpy's header, e.g. "{'descr': '<f4', 'fortran_order': False,
// 'shape': (2, 3), }": a dict of exactly those three keys; string, bool and tuple-of-int values.
class HeaderParser {
 public:
  HeaderParser(const ByteSource& src, std::string_view text, bool python2_ints)
      : src_(src), text_(text), python2_ints_(python2_ints) {}

  Header parse() {
    Header h;
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    while (!accept('}')) {
      const std::string key = parse_string("a key");
      expect(':');
      if (key == "descr") {
        check_unique(have_descr, key);
        parse_descr(&h);
      } else if (key == "fortran_order") {
        check_unique(have_order, key);
        h.fortran_order = parse_bool();
      } else if (key == "shape") {
        check_unique(have_shape, key);
        h.shape = parse_shape();
      } else {
        fail("unexpected key '" + key + "' (expected 'descr', 'fortran_order' and 'shape')");
      }
      if (!accept(',')) {
        expect('}');
        break;
      }
    }
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the dict");
    if (!have_descr || !have_order || !have_shape) {
      fail(std::string("missing key '") + (!have_descr ? "descr" : !have_order ? "fortran_order" : "shape") + "'");
    }
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    OCTET_FAIL(src_.where(), src_.name(), ": bad .npy header: ", what, " at offset ", pos_, " in \"",
               std::string(text_.substr(0, 200)), "\"");
  }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool accept(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!accept(c)) fail(std::string("expected '") + c + "'");
  }
  void check_unique(bool& seen, const std::string& key) const {
    if (seen) fail("key '" + key + "' appears twice");
    seen = true;
  }
  std::string parse_string(const char* what) {
    skip_space();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) fail(std::string("expected ") + what);
    const char quote = text_[pos_++];
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      // numpy never escapes anything in these strings.
      if (text_[pos_] == '\\' || text_[pos_] == '\n') fail("unsupported character in a string");
      ++pos_;
    }
    if (pos_ >= text_.size()) fail("unterminated string");
    return std::string(text_.substr(start, pos_++ - start));
  }
  bool parse_bool() {
    skip_space();
    for (const auto& [word, value] : {std::pair<std::string_view, bool>{"True", true}, {"False", false}}) {
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    }
    fail("fortran_order must be True or False");
  }
  void parse_descr(Header* h) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '[') fail("structured dtypes are not supported");
    const std::string d = parse_string("a descr string");
    const DType* found = nullptr;
    for (const Descr& x : kDescrs) {
      if (d.size() == 3 && d.compare(1, 2, x.code) == 0) found = &x.dtype;
    }
    const bool one_byte = found != nullptr && element_size(*found) == 1;
    // '|' (no byte order) only makes sense for one-byte types; '<'/'>' are accepted for any.
    if (found == nullptr || !(d[0] == '<' || d[0] == '>' || (d[0] == '|' && one_byte))) {
      fail("unsupported descr '" + d + "' (expected f8, f4, f2, i8, i4, i2, i1, u1 or b1 with byte order '<' or '>', "
           "or '|' for one-byte types)");
    }
    h->dtype = *found;
    h->big_endian = d[0] == '>' && !one_byte;
  }
  Shape parse_shape() {
    expect('(');
    Shape shape;
    bool trailing_comma = false;
    while (!accept(')')) {
      shape.push_back(parse_dim());
      trailing_comma = accept(',');
      if (!trailing_comma) {
        expect(')');
        break;
      }
    }
    // "(3)" is the int 3 in Python, not a tuple.
    if (shape.size() == 1 && !trailing_comma) fail("shape must be a tuple, e.g. (3,)");
    return shape;
  }
  int64_t parse_dim() {
    skip_space();
    const std::size_t start = pos_;
    uint64_t v = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      const auto digit = static_cast<uint64_t>(text_[pos_] - '0');
      if (v > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) - digit) / 10) fail("shape size overflows");
      v = v * 10 + digit;
      ++pos_;
    }
    if (pos_ == start) fail("shape must be a tuple of non-negative integers");
    // Python 2 wrote longs as "3L"; numpy still reads them from version 1.0 and 2.0 files.
    if (python2_ints_ && pos_ < text_.size() && text_[pos_] == 'L') ++pos_;
    return static_cast<int64_t>(v);
  }

  const ByteSource& src_;
  std::string_view text_;
  bool python2_ints_;
  std::size_t pos_ = 0;
};

void byte_swap(void* data, std::size_t elem, uint64_t n) {
  auto* p = static_cast<uint8_t*>(data);
  for (uint64_t i = 0; i < n; ++i, p += elem) std::reverse(p, p + elem);
}

}  // namespace

Tensor read_npy(const ByteSource& src) {
  const uint64_t size = src.size();
  OCTET_CHECK(size >= 10, src.where(), src.name(), ": ", size, " bytes is too short for a .npy file");
  uint8_t pre[12];
  src.read(0, pre, 8);
  OCTET_CHECK(std::memcmp(pre, kMagic, 6) == 0, src.where(), src.name(), ": not a .npy file (bad magic)");
  const int major = pre[6], minor = pre[7];
  OCTET_CHECK((major == 1 || major == 2 || major == 3) && minor == 0, src.where(), src.name(),
              ": unsupported .npy version ", major, ".", minor, " (expected 1.0, 2.0 or 3.0)");
  const uint64_t len_bytes = major == 1 ? 2 : 4;
  OCTET_CHECK(size >= 8 + len_bytes, src.where(), src.name(), ": ", size, " bytes is too short for a .npy file");
  src.read(8, pre + 8, len_bytes);
  const uint64_t header_len = major == 1 ? load_le16(pre + 8) : load_le32(pre + 8);
  const uint64_t data_offset = 8 + len_bytes + header_len;
  OCTET_CHECK(header_len <= kMaxHeaderBytes, src.where(), src.name(), ": header length ", header_len,
              " exceeds the limit of ", kMaxHeaderBytes, " bytes");
  OCTET_CHECK(data_offset <= size, src.where(), src.name(), ": header length ", header_len,
              " is larger than the rest of the file (", size - 8 - len_bytes, " bytes)");
  const std::vector<uint8_t> text = src.read_vector(8 + len_bytes, header_len);
  const Header h = HeaderParser(src, std::string_view(reinterpret_cast<const char*>(text.data()), text.size()),
                                /*python2_ints=*/major <= 2)
                       .parse();

  const std::size_t elem = element_size(h.dtype);
  uint64_t nbytes = elem;
  for (int64_t d : h.shape) {
    // Zero sizes are skipped so that overflow does not depend on where a 0 sits in the shape.
    OCTET_CHECK(d == 0 || (!__builtin_mul_overflow(nbytes, static_cast<uint64_t>(d), &nbytes) &&
                           nbytes <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())),
                src.where(), src.name(), ": shape ", shape_to_string(h.shape), " overflows 64-bit sizes");
  }
  if (std::find(h.shape.begin(), h.shape.end(), 0) != h.shape.end()) nbytes = 0;
  const uint64_t have = size - data_offset;
  OCTET_CHECK(have >= nbytes, src.where(), src.name(), ": shape ", shape_to_string(h.shape), " of ",
              dtype_name(h.dtype), " needs ", nbytes, " data bytes but the file has ", have, " (truncated?)");
  OCTET_CHECK(have == nbytes, src.where(), src.name(), ": ", have - nbytes, " unexpected bytes after the ",
              nbytes, " data bytes of shape ", shape_to_string(h.shape));

  // Fortran order is C order of the reversed shape; read that, then transpose.
  Shape stored = h.shape;
  if (h.fortran_order) std::reverse(stored.begin(), stored.end());
  auto storage = std::make_shared<Storage>(static_cast<std::size_t>(nbytes), /*zero_fill=*/false);
  src.read(data_offset, storage->data(), nbytes);
  const uint64_t numel = nbytes / elem;
  if (h.big_endian) byte_swap(storage->data(), elem, numel);
  if (h.dtype == kBool) {
    const auto* p = static_cast<const uint8_t*>(storage->data());
    for (uint64_t i = 0; i < numel; ++i) {
      OCTET_CHECK(p[i] <= 1, src.where(), src.name(), ": bool element ", i, " is ", static_cast<int>(p[i]),
                  " (expected 0 or 1)");
    }
  }
  Tensor t(std::move(storage), 0, stored, contiguous_strides(stored), h.dtype);
  if (h.fortran_order && t.dim() > 1) {
    Shape dims(static_cast<std::size_t>(t.dim()));
    for (int64_t i = 0; i < t.dim(); ++i) dims[static_cast<std::size_t>(i)] = t.dim() - 1 - i;
    t = t.permute(dims).contiguous();
  }
  return t;
}

std::vector<uint8_t> npy_prefix(const Tensor& t, const char* where, const std::string& subject) {
  OCTET_CHECK(t.defined(), where, subject, "tensor is undefined");
  const char* code = nullptr;
  for (const Descr& x : kDescrs) {
    if (x.dtype == t.dtype()) code = x.code;
  }
  OCTET_CHECK(code != nullptr, where, subject, "dtype ", t.dtype(), " cannot be stored in .npy (supported: float64, float32, ",
              "float16, int64, int32, int16, int8, uint8, bool; convert bfloat16 with to(kFloat32), quantized ",
              "tensors with int_repr())");
  // The dict exactly as numpy writes it: sorted keys, repr() values, then growth room for the first axis.
  std::string shape = "(";
  for (std::size_t i = 0; i < t.shape().size(); ++i) {
    shape += (i ? ", " : "") + std::to_string(t.shape()[i]);
  }
  shape += t.shape().size() == 1 ? ",)" : ")";
  std::string dict = std::string("{'descr': '") + (element_size(t.dtype()) == 1 ? '|' : '<') + code +
                     "', 'fortran_order': False, 'shape': " + shape + ", }";
  if (t.dim() > 0) dict.append(kGrowthDigits - std::min(kGrowthDigits, std::to_string(t.shape()[0]).size()), ' ');
  // Pad so that the data starts 64-byte aligned; numpy always adds 1..64 spaces and a newline.
  const auto wrap = [&](std::size_t len_bytes) {
    const std::size_t hlen = dict.size() + 1;
    const std::size_t pad = kAlign - (8 + len_bytes + hlen) % kAlign;
    return hlen + pad;
  };
  std::size_t len_bytes = 2;
  if (wrap(2) > 0xffff) len_bytes = 4;
  const std::size_t header_len = wrap(len_bytes);
  OCTET_CHECK(header_len <= 0xffffffffu, where, subject, "shape ", shape_to_string(t.shape()), " makes a header too long");
  std::vector<uint8_t> out(kMagic, kMagic + 6);
  out.push_back(len_bytes == 2 ? 1 : 2);
  out.push_back(0);
  if (len_bytes == 2) {
    append_le16(out, static_cast<uint16_t>(header_len));
  } else {
    append_le32(out, static_cast<uint32_t>(header_len));
  }
  out.insert(out.end(), dict.begin(), dict.end());
  out.insert(out.end(), header_len - dict.size() - 1, ' ');
  out.push_back('\n');
  return out;
}

}  // namespace octet::io::detail
