// conv_layout.cpp: the channels-last input of the quantized convolutions: read in place when the memory already is, else copied once.
#include <algorithm>
#include <cstdint>

#include "octet/engine.h"
#include "ops/quantized/conv_packed.h"

namespace octet::quantized {
namespace {

// Whether (N, C, D, H, W) x has the strides of a contiguous (N, D, H, W, C) buffer. Dims of size 1
// have no meaningful stride (an unsqueeze or a one-pixel image), so they are not compared.
bool is_channels_last(const Tensor& x) {
  const int64_t C = x.size(1), D = x.size(2), H = x.size(3), W = x.size(4);
  const int64_t want[5] = {D * H * W * C, 1, H * W * C, W * C, C};
  for (int d = 0; d < 5; ++d) {
    if (x.size(d) > 1 && x.stride(d) != want[d]) return false;
  }
  return true;
}

// Channels per tile of the copy: each output pixel row is written in runs of this many channels
// while the reads advance along this many input rows at once (all sequential streams).
constexpr int64_t kChannelTile = 32;

}  // namespace

ChannelsLastInput channels_last_input(const Tensor& x, uint8_t flip, int64_t repeat) {
  ChannelsLastInput r;
  r.keep = x;
  if (flip == 0 && repeat == 1 && is_channels_last(x)) {
    r.data = static_cast<const uint8_t*>(x.raw_data());
    return r;
  }
  const int64_t N = x.size(0), C = x.size(1), D = x.size(2), H = x.size(3), W = x.size(4);
  const int64_t sn = x.stride(0), sc = x.stride(1), sd = x.stride(2), sh = x.stride(3), sw = x.stride(4);
  const int64_t cr = C * repeat;  // channels of the copy
  r.copy.resize(static_cast<size_t>(N * D * H * W * cr));
  const auto* src = static_cast<const uint8_t*>(x.raw_data());
  uint8_t* dst = r.copy.data();
  const int64_t rows = N * D * H;
  const int threads = static_cast<int>(std::clamp<int64_t>(rows * W * C / (1 << 18), 1, get_num_threads()));
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t n = row / (D * H), d = row / H % D, h = row % H;
    const uint8_t* s = src + n * sn + d * sd + h * sh;
    uint8_t* o = dst + row * W * cr;
    for (int64_t c0 = 0; c0 < C; c0 += kChannelTile) {
      const int64_t c1 = std::min(C, c0 + kChannelTile);
      for (int64_t w = 0; w < W; ++w) {
        uint8_t* ow = o + w * cr;
        if (repeat == 1) {  // separate loop: a runtime-length inner loop becomes a memset call per byte
          for (int64_t c = c0; c < c1; ++c) ow[c] = static_cast<uint8_t>(s[c * sc + w * sw] ^ flip);
        } else {
          for (int64_t c = c0; c < c1; ++c) {
            const auto v = static_cast<uint8_t>(s[c * sc + w * sw] ^ flip);
            for (int64_t j = 0; j < repeat; ++j) ow[c * repeat + j] = v;
          }
        }
      }
    }
  }
  r.data = r.copy.data();
  return r;
}

}  // namespace octet::quantized
