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

}  // namespace octet::kernels
