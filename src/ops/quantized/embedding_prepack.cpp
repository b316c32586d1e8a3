// embedding_prepack.cpp: embedding_bag_byte/4bit_prepack and _unpack: PyTorch's (fbgemm's) fused rowwise 8-bit and 4-bit embedding formats.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "core/tensor_impl.h"
#include "octet/engine.h"
#include "octet/half.h"
#include "octet/quantized/embedding.h"

namespace octet::quantized {
namespace {

// The float32 rows of a weight: its last dim is the row; every value must be finite (the rules
// below divide by the row's range).
Tensor float_rows(const Tensor& weight, const char* where) {
  OCTET_CHECK(weight.defined(), where, "weight is an undefined tensor");
  OCTET_CHECK(weight.is_floating_point(), where, "expected a floating-point weight, got ", weight.dtype(),
              weight.is_quantized() ? " (prepack takes the float weights)" : "");
  OCTET_CHECK(weight.dim() >= 1, where, "expected a weight of at least 1 dim (rows, embedding_dim), got a 0-d tensor");
  const Tensor w = weight.to(kFloat32).contiguous();
  const float* p = w.data_ptr<float>();
  for (int64_t i = 0; i < w.numel(); ++i) {
    OCTET_CHECK(std::isfinite(p[i]), where, "weight holds a non-finite value (", p[i], ") at flat index ", i,
                "; rowwise quantization needs finite rows");
  }
  return w;
}

// fbgemm's FloatOrHalfToFused8BitRowwiseQuantizedSBFloat.
void pack_row_8bit(const float* x, int64_t n, uint8_t* out) {
  float lo = x[0], hi = x[0];
  for (int64_t i = 1; i < n; ++i) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  const float range = hi - lo;
  const float scale = range / 255.0f, bias = lo;
  const float inverse_scale = 255.0f / (range + 1e-8f);
  for (int64_t i = 0; i < n; ++i) {
    const float v = std::nearbyint((x[i] - lo) * inverse_scale);  // lrintf: to nearest even
    out[i] = static_cast<uint8_t>(v < 0.0f ? 0.0f : v > 255.0f ? 255.0f : v);
  }
  std::memcpy(out + n, &scale, sizeof scale);
  std::memcpy(out + n + sizeof scale, &bias, sizeof bias);
}

// fbgemm's FloatOrHalfToFusedNBitRowwiseQuantizedSBHalf with 4 bits: the minimum is rounded to
// fp16 first (so that quantization uses the bias dequantization will), the scale is rounded to fp16.
void pack_row_4bit(const float* x, int64_t n, uint8_t* out) {
  float lo = x[0], hi = x[0];
  for (int64_t i = 1; i < n; ++i) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  lo = static_cast<float>(Half(lo));
  const float range = hi - lo;
  float scale = range == 0.0f ? 1.0f : range / 15.0f;
  scale = static_cast<float>(Half(scale));
  if (scale == 0.0f) scale = 1.0f;  // max == min after rounding: any scale works
  float inverse_scale = 1.0f / scale;
  if (std::isinf(inverse_scale)) {
    scale = 1.0f;
    inverse_scale = 1.0f;
  }
  const int64_t bytes = n / 2;
  std::memset(out, 0, static_cast<size_t>(bytes));
  for (int64_t i = 0; i < n; ++i) {
    const float v = std::nearbyint((x[i] - lo) * inverse_scale);
    const auto q = static_cast<uint8_t>(v < 0.0f ? 0.0f : v > 15.0f ? 15.0f : v);
    out[i / 2] = static_cast<uint8_t>(out[i / 2] | (q << ((i % 2) * 4)));
  }
  const Half hs(scale), hb(lo);
  std::memcpy(out + bytes, &hs.bits, 2);
  std::memcpy(out + bytes + 2, &hb.bits, 2);
}

// The packed weight of an unpack call: 2-D or more uint8 with room for the row's scale and bias.
Tensor packed_rows(const Tensor& packed, int64_t tail, const char* where) {
  OCTET_CHECK(packed.defined() && packed.dtype() == kUInt8 && packed.dim() >= 1, where,
              "expected a uint8 fused rowwise weight, got ",
              packed.defined() ? shape_to_string(packed.shape()) : std::string("an undefined tensor"));
  OCTET_CHECK(packed.size(-1) >= tail, where, "a fused row needs at least ", tail, " bytes (its scale and bias), got ",
              packed.size(-1));
  return packed.contiguous();
}

}  // namespace

Tensor embedding_bag_byte_prepack(const Tensor& weight) {
  constexpr const char* kWhere = "quantized::embedding_bag_byte_prepack";
  const Tensor w = float_rows(weight, kWhere);
  const int64_t cols = w.size(-1), rows = cols == 0 ? 0 : w.numel() / cols;
  OCTET_CHECK(cols > 0, kWhere, "expected a non-empty embedding dim, got shape ", shape_to_string(weight.shape()));
  Shape out_shape = w.shape();
  out_shape.back() = cols + 8;
  Tensor out = octet::detail::empty_uninitialized(out_shape, kUInt8);
  const float* px = w.data_ptr<float>();
  uint8_t* po = out.data_ptr<uint8_t>();
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
  for (int64_t r = 0; r < rows; ++r) pack_row_8bit(px + r * cols, cols, po + r * (cols + 8));
  return out;
}

Tensor embedding_bag_4bit_prepack(const Tensor& weight) {
  constexpr const char* kWhere = "quantized::embedding_bag_4bit_prepack";
  const Tensor w = float_rows(weight, kWhere);
  OCTET_CHECK(w.dim() == 2, kWhere, "expected a 2-D weight (rows, embedding_dim), got shape ",
              shape_to_string(weight.shape()));
  const int64_t rows = w.size(0), cols = w.size(1);
  OCTET_CHECK(cols > 0 && cols % 2 == 0, kWhere,
              "the embedding dim must be a positive multiple of 2 (two 4-bit values per byte), got ", cols);
  const int64_t row_bytes = cols / 2 + 4;
  Tensor out = octet::detail::empty_uninitialized({rows, row_bytes}, kUInt8);
  const float* px = w.data_ptr<float>();
  uint8_t* po = out.data_ptr<uint8_t>();
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
  for (int64_t r = 0; r < rows; ++r) pack_row_4bit(px + r * cols, cols, po + r * row_bytes);
  return out;
}

Tensor embedding_bag_byte_unpack(const Tensor& packed) {
  const Tensor p = packed_rows(packed, 8, "quantized::embedding_bag_byte_unpack");
  const int64_t row_bytes = p.size(-1), cols = row_bytes - 8, rows = p.numel() / row_bytes;
  Shape out_shape = p.shape();
  out_shape.back() = cols;
  Tensor out = octet::detail::empty_uninitialized(out_shape, kFloat32);
  const uint8_t* pi = p.data_ptr<uint8_t>();
  float* po = out.data_ptr<float>();
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t* row = pi + r * row_bytes;
    float scale, bias;
    std::memcpy(&scale, row + cols, sizeof scale);
    std::memcpy(&bias, row + cols + sizeof scale, sizeof bias);
    for (int64_t c = 0; c < cols; ++c) po[r * cols + c] = static_cast<float>(row[c]) * scale + bias;
  }
  return out;
}

Tensor embedding_bag_4bit_unpack(const Tensor& packed) {
  const Tensor p = packed_rows(packed, 4, "quantized::embedding_bag_4bit_unpack");
  OCTET_CHECK(p.dim() == 2, "quantized::embedding_bag_4bit_unpack", "expected a 2-D packed weight, got shape ",
              shape_to_string(p.shape()));
  const int64_t row_bytes = p.size(1), cols = (row_bytes - 4) * 2, rows = p.size(0);
  Tensor out = octet::detail::empty_uninitialized({rows, cols}, kFloat32);
  const uint8_t* pi = p.data_ptr<uint8_t>();
  float* po = out.data_ptr<float>();
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t* row = pi + r * row_bytes;
    uint16_t s, b;
    std::memcpy(&s, row + cols / 2, 2);
    std::memcpy(&b, row + cols / 2 + 2, 2);
    const float scale = Half::to_float(s), bias = Half::to_float(b);
    for (int64_t c = 0; c < cols; ++c) {
      const auto q = static_cast<uint8_t>((row[c / 2] >> ((c % 2) * 4)) & 0x0F);
      po[r * cols + c] = static_cast<float>(q) * scale + bias;
    }
  }
  return out;
}

}  // namespace octet::quantized
