// qembedding-scalar.cpp: the __scalar rowwise embedding-bag kernels, the specification every other variant equals bit for bit.
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/qembedding_kernels.h"

namespace octet::kernels {
namespace {

// IEEE binary16 -> binary32, exact (every half is a float). Written out here so that the kernel
// layer needs nothing from the library: the same as F16C's vcvtph2ps.
float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  uint32_t bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);  // inf or NaN (payload kept)
  } else if (exp != 0) {
    bits = sign | ((exp + 112u) << 23) | (mant << 13);  // 112 = 127 - 15
  } else if (mant == 0) {
    bits = sign;  // +-0
  } else {
    // Denormal half: normalise. Value = mant * 2^-24.
    uint32_t e = 113;  // exponent of 2^-14 in float is 127 - 14 = 113, decremented per shift
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mant & 0x3FFu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// A row's scale and bias, from the bytes after its data.
struct RowParams {
  float scale, bias;
};
inline RowParams row_params_8bit(const uint8_t* row, size_t dim) {
  RowParams p;
  std::memcpy(&p.scale, row + dim, sizeof(float));
  std::memcpy(&p.bias, row + dim + sizeof(float), sizeof(float));
  return p;
}
inline RowParams row_params_4bit(const uint8_t* row, size_t dim) {
  uint16_t s, b;
  const size_t data = (dim + 1) / 2;
  std::memcpy(&s, row + data, sizeof s);
  std::memcpy(&b, row + data + sizeof s, sizeof b);
  return {half_to_float(s), half_to_float(b)};
}

inline uint32_t element_8bit(const uint8_t* row, size_t d) { return row[d]; }
inline uint32_t element_4bit(const uint8_t* row, size_t d) { return (row[d / 2] >> ((d % 2) * 4)) & 0x0Fu; }

template <bool kFourBit>
void bag_sum(size_t dim, size_t count, const uint8_t* weight, size_t row_bytes, const int64_t* indices,
             const float* per_sample_weights, float out_scale, float* out) {
  assert(dim == 0 || out != nullptr);
  for (size_t d = 0; d < dim; ++d) out[d] = 0.0f;
  if (count == 0) return;
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* row = weight + static_cast<size_t>(indices[i]) * row_bytes;
    RowParams p = kFourBit ? row_params_4bit(row, dim) : row_params_8bit(row, dim);
    if (per_sample_weights != nullptr) {
      p.scale *= per_sample_weights[i];
      p.bias *= per_sample_weights[i];
    }
    for (size_t d = 0; d < dim; ++d) {
      const float q = static_cast<float>(kFourBit ? element_4bit(row, d) : element_8bit(row, d));
      out[d] = (out[d] + p.bias) + p.scale * q;
    }
  }
  for (size_t d = 0; d < dim; ++d) out[d] *= out_scale;
}

template <bool kFourBit>
void bag_max(size_t dim, size_t count, const uint8_t* weight, size_t row_bytes, const int64_t* indices,
             float* out) {
  assert(dim == 0 || out != nullptr);
  for (size_t d = 0; d < dim; ++d) out[d] = 0.0f;
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* row = weight + static_cast<size_t>(indices[i]) * row_bytes;
    const RowParams p = kFourBit ? row_params_4bit(row, dim) : row_params_8bit(row, dim);
    for (size_t d = 0; d < dim; ++d) {
      const float q = static_cast<float>(kFourBit ? element_4bit(row, d) : element_8bit(row, d));
      const float v = p.bias + p.scale * q;
      out[d] = (i == 0 || v > out[d]) ? v : out[d];
    }
  }
}

}  // namespace

void qu8_f32_embeddingbag_sum_rowwise__scalar(size_t dim, size_t count, const uint8_t* weight, size_t row_bytes,
                                              const int64_t* indices, const float* per_sample_weights,
                                              float out_scale, float* out) {
  bag_sum<false>(dim, count, weight, row_bytes, indices, per_sample_weights, out_scale, out);
}
void qu4_f32_embeddingbag_sum_rowwise__scalar(size_t dim, size_t count, const uint8_t* weight, size_t row_bytes,
                                              const int64_t* indices, const float* per_sample_weights,
                                              float out_scale, float* out) {
  bag_sum<true>(dim, count, weight, row_bytes, indices, per_sample_weights, out_scale, out);
}
void qu8_f32_embeddingbag_max_rowwise__scalar(size_t dim, size_t count, const uint8_t* weight, size_t row_bytes,
                                              const int64_t* indices, float* out) {
  bag_max<false>(dim, count, weight, row_bytes, indices, out);
}
void qu4_f32_embeddingbag_max_rowwise__scalar(size_t dim, size_t count, const uint8_t* weight, size_t row_bytes,
                                              const int64_t* indices, float* out) {
  bag_max<true>(dim, count, weight, row_bytes, indices, out);
}

}  // namespace octet::kernels
