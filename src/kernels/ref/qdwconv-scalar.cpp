// qdwconv-scalar.cpp: the __scalar 8-bit depthwise-convolution kernel, the specification every other variant equals bit for bit.
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/qdwconv_kernels.h"

namespace octet::kernels {
namespace {

// Wrapping int32 arithmetic, written on uint32 so that overflow is defined.
inline int32_t wrap_add(int32_t x, int32_t y) {
  return static_cast<int32_t>(static_cast<uint32_t>(x) + static_cast<uint32_t>(y));
}

// The requantization rule (NUMERICS.md, "Octet's contract" 2), in float32 and in this order.
inline int32_t requantize_value(int32_t acc, float multiplier, float zero_point, float qmin, float qmax) {
  float t = std::nearbyint(static_cast<float>(acc) * multiplier) + zero_point;
  if (!(t <= qmax)) t = qmax;
  if (t < qmin) t = qmin;
  return static_cast<int32_t>(t);
}

}  // namespace

void qu8_qs8w_dwconv_fp32__scalar(size_t channels, size_t pixels, size_t taps, const uint8_t* const* input,
                                  size_t input_stride, size_t input_offset, const uint8_t* zero, const int32_t* weights,
                                  const int32_t* col_init, void* output, size_t output_stride,
                                  const QDwConvParams* p) {
  assert(channels >= 1 && pixels >= 1 && taps >= 1);
  const size_t cp = (channels + kQDwConvChannelTile - 1) / kQDwConvChannelTile * kQDwConvChannelTile;
  const float zp = static_cast<float>(p->zero_point);
  const float qmin = static_cast<float>(p->qmin);
  const float qmax = static_cast<float>(p->qmax);
  for (size_t px = 0; px < pixels; ++px) {
    const uint8_t* const* rows = input + px * input_stride;
    char* out = static_cast<char*>(output) + px * output_stride;
    for (size_t c = 0; c < channels; ++c) {
      int32_t acc = col_init[c];
      for (size_t t = 0; t < taps; ++t) {
        const uint8_t* row = rows[t] == zero ? zero : rows[t] + input_offset;
        const int32_t w = weights[t * cp + c];
        acc = wrap_add(acc, static_cast<int32_t>(row[c]) * w);
      }
      const int32_t q = requantize_value(acc, p->multiplier[c], zp, qmin, qmax);
      if (p->output == QDwConvOutput::QU8) {
        reinterpret_cast<uint8_t*>(out)[c] = static_cast<uint8_t>(q);
      } else {
        reinterpret_cast<int8_t*>(out)[c] = static_cast<int8_t>(q);
      }
    }
  }
}

}  // namespace octet::kernels
