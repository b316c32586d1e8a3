// qdwconv_dispatch.cpp: picks the 8-bit depthwise-convolution kernel for the current ISA cap; packs its weights.
#include <cstring>
#include <vector>

#include "kernels/qdwconv_kernels.h"

namespace octet::kernels {

const std::vector<QDwConvKernel>& qdwconv_compiled_kernels() {
  static const std::vector<QDwConvKernel> kernels = {
#define OCTET_QDWCONV_UKERNEL(arch, name, isa, level) \
  OCTET_IF_ARCH_##arch(QDwConvKernel{&name##__##isa, Isa::level, #name "__" #isa}, )
#include "kernels/qdwconv_kernels.inc"
#undef OCTET_QDWCONV_UKERNEL
  };
  return kernels;
}

// The list goes best first and ends with the __scalar kernel (level Ref, always usable).
QDwConvKernel qdwconv_kernel() {
  for (const QDwConvKernel& k : qdwconv_compiled_kernels()) {
    if (isa_usable(k.isa)) return k;
  }
  return qdwconv_compiled_kernels().back();
}

size_t qdwconv_packed_size(size_t channels, size_t taps) {
  const size_t cp = (channels + kQDwConvChannelTile - 1) / kQDwConvChannelTile * kQDwConvChannelTile;
  return taps * cp;
}

void qdwconv_pack_weights(size_t channels, size_t taps, const int8_t* w, size_t w_stride, const int32_t* zero_point,
                          bool per_channel, int32_t* packed, int32_t* w_sum) {
  const size_t cp = (channels + kQDwConvChannelTile - 1) / kQDwConvChannelTile * kQDwConvChannelTile;
  std::memset(packed, 0, qdwconv_packed_size(channels, taps) * sizeof(int32_t));
  for (size_t c = 0; c < channels; ++c) {
    const int32_t zw = zero_point[per_channel ? c : 0];
    int32_t sum = 0;
    for (size_t t = 0; t < taps; ++t) {
      const int32_t v = static_cast<int32_t>(w[c * w_stride + t]) - zw;  // -255..255
      packed[t * cp + c] = v;
      sum += v;  // |sum| <= 255 * taps
    }
    w_sum[c] = sum;
  }
}

const std::vector<QDwConvRowpKernel>& qdwconv_rowp_compiled_kernels() {
  static const std::vector<QDwConvRowpKernel> kernels = {
#define OCTET_QDWCONV_ROWP_UKERNEL(arch, name, isa, level) \
  OCTET_IF_ARCH_##arch(QDwConvRowpKernel{&name##__##isa, Isa::level, #name "__" #isa}, )
#include "kernels/qdwconv_rowp_kernels.inc"
#undef OCTET_QDWCONV_ROWP_UKERNEL
  };
  return kernels;
}

QDwConvRowpKernel qdwconv_rowp_kernel() {
  for (const QDwConvRowpKernel& k : qdwconv_rowp_compiled_kernels()) {
    if (isa_usable(k.isa)) return k;
  }
  return QDwConvRowpKernel{};
}

size_t qdwconv_rowp_packed_size(size_t channels, size_t rows, size_t kw) {
  const size_t cp = (channels + kQDwConvChannelTile - 1) / kQDwConvChannelTile * kQDwConvChannelTile;
  return rows * ((kw + 1) / 2) * cp;
}

void qdwconv_rowp_pack_weights(size_t channels, size_t rows, size_t kw, const int32_t* c1, int32_t* packed) {
  const size_t cp = (channels + kQDwConvChannelTile - 1) / kQDwConvChannelTile * kQDwConvChannelTile;
  const size_t pairs = (kw + 1) / 2;
  for (size_t r = 0; r < rows; ++r) {
    for (size_t q = 0; q < pairs; ++q) {
      int32_t* dst = packed + (r * pairs + q) * cp;
      const int32_t* lo = c1 + (2 * q * rows + r) * cp;
      const int32_t* hi = 2 * q + 1 < kw ? c1 + ((2 * q + 1) * rows + r) * cp : nullptr;
      for (size_t c = 0; c < cp; ++c) {
        // Two int16 halves: w in -255..255 fits, and the low half's sign must not reach the high one.
        const uint32_t l = static_cast<uint16_t>(static_cast<int16_t>(lo[c]));
        const uint32_t h = hi != nullptr ? static_cast<uint16_t>(static_cast<int16_t>(hi[c])) : 0u;
        dst[c] = static_cast<int32_t>(l | h << 16);
      }
    }
  }
}

void qdwconv_rowp_pair_row__scalar(size_t channels, const uint8_t* in, size_t in_stride, size_t width,
                                   size_t pad_left, size_t columns, uint8_t za, int32_t* out) {
  const size_t cp = (channels + kQDwConvChannelTile - 1) / kQDwConvChannelTile * kQDwConvChannelTile;
  const uint32_t zpair = static_cast<uint32_t>(za) | static_cast<uint32_t>(za) << 16;
  // Padded column j's input pixel, or null in the padding.
  auto pixel = [&](size_t j) -> const uint8_t* {
    if (in == nullptr || j < pad_left || j - pad_left >= width) return nullptr;
    return in + (j - pad_left) * in_stride;
  };
  for (size_t j = 0; j < columns; ++j) {
    uint32_t* dst = reinterpret_cast<uint32_t*>(out + j * cp);
    const uint8_t* a = pixel(j);
    const uint8_t* b = pixel(j + 1);
    if (a != nullptr && b != nullptr) {  // the common case: a plain loop the compiler vectorizes
      for (size_t c = 0; c < channels; ++c) dst[c] = static_cast<uint32_t>(a[c]) | static_cast<uint32_t>(b[c]) << 16;
    } else if (a == nullptr && b == nullptr) {
      for (size_t c = 0; c < channels; ++c) dst[c] = zpair;
    } else {
      for (size_t c = 0; c < channels; ++c) {
        const uint32_t lo = a != nullptr ? a[c] : za, hi = b != nullptr ? b[c] : za;
        dst[c] = lo | hi << 16;
      }
    }
    for (size_t c = channels; c < cp; ++c) dst[c] = 0;
  }
}

void qdwconv_rowp_pair_row(size_t channels, const uint8_t* in, size_t in_stride, size_t width, size_t pad_left,
                           size_t columns, uint8_t za, int32_t* out) {
#if defined(OCTET_ARCH_X86)
  if (isa_usable(Isa::Avx2)) {
    qdwconv_rowp_pair_row__avx2(channels, in, in_stride, width, pad_left, columns, za, out);
    return;
  }
#endif
  qdwconv_rowp_pair_row__scalar(channels, in, in_stride, width, pad_left, columns, za, out);
}

// ---- Row-quad kernels ----

const std::vector<QDwConvRowqKernel>& qdwconv_rowq_compiled_kernels() {
  static const std::vector<QDwConvRowqKernel> kernels = {
#define OCTET_QDWCONV_ROWQ_UKERNEL(arch, name, isa, level) \
  OCTET_IF_ARCH_##arch(QDwConvRowqKernel{&name##__##isa, Isa::level, #name "__" #isa}, )
#include "kernels/qdwconv_rowq_kernels.inc"
#undef OCTET_QDWCONV_ROWQ_UKERNEL
  };
  return kernels;
}

QDwConvRowqKernel qdwconv_rowq_kernel() {
  for (const QDwConvRowqKernel& k : qdwconv_rowq_compiled_kernels()) {
    if (isa_usable(k.isa)) return k;
  }
  return QDwConvRowqKernel{};
}

size_t qdwconv_rowq_padded_channels(size_t channels) {
  const size_t full = channels / 64 * 64, rest = channels - full;
  return full + (rest == 0 ? 0 : rest <= 32 ? 32 : 64);
}

namespace {

// Position of channel c in the block order (kernels/qdwconv_kernels.h, "Row-quad kernels").
size_t rowq_position(size_t channels, size_t c) {
  const size_t b0 = c / 64 * 64;
  const size_t width = channels - b0 > 32 ? 64 : 32;  // this block's width V
  const size_t cb = c - b0, lane = cb / 16, k = cb % 16 / 4, i = cb % 4;
  return b0 + (k * (width / 16) + lane) * 4 + i;
}

}  // namespace

bool qdwconv_rowq_weights_fit(size_t channels, size_t taps, const int32_t* c1) {
  const size_t cp = (channels + kQDwConvChannelTile - 1) / kQDwConvChannelTile * kQDwConvChannelTile;
  for (size_t t = 0; t < taps; ++t) {
    for (size_t c = 0; c < channels; ++c) {
      const int32_t v = c1[t * cp + c];
      if (v < -128 || v > 127) return false;
    }
  }
  return true;
}

size_t qdwconv_rowq_packed_size(size_t channels) { return 3 * 4 * qdwconv_rowq_padded_channels(channels); }

void qdwconv_rowq_pack_weights(size_t channels, size_t kw, const int32_t* c1, int8_t* packed) {
  const size_t cp = (channels + kQDwConvChannelTile - 1) / kQDwConvChannelTile * kQDwConvChannelTile;
  const size_t row = 4 * qdwconv_rowq_padded_channels(channels);
  std::memset(packed, 0, qdwconv_rowq_packed_size(channels));
  for (size_t r = 0; r < 3; ++r) {
    for (size_t t = 0; t < kw && t < 4; ++t) {
      const int32_t* tap = c1 + (t * 3 + r) * cp;
      for (size_t c = 0; c < channels; ++c) packed[r * row + 4 * rowq_position(channels, c) + t] = static_cast<int8_t>(tap[c]);
    }
  }
}

void qdwconv_rowq_block_order(size_t channels, const uint32_t* in, uint32_t* out) {
  std::memset(out, 0, qdwconv_rowq_padded_channels(channels) * sizeof(uint32_t));
  for (size_t c = 0; c < channels; ++c) out[rowq_position(channels, c)] = in[c];
}

}  // namespace octet::kernels
