// conv_depthwise.cpp: depthwise convolution (one input channel per group), a channel at a time with the f32_dwconv kernel.
//
// Each input channel is padded and stride-phase-split once (PaddedPlanes, in a per-thread buffer
// that stays in L2), then each depth slice of each of its C_out / C_in output channels is one
// kernel call: out[oh][ow] = bias + sum over taps of w[tap] * tap_row(oh)[ow], all taps contiguous.
#include <algorithm>
#include <vector>

#include "kernels/f32_gemm_kernels.h"
#include "octet/engine.h"
#include "ops/float/conv_common.h"
#include "ops/float/gemm.h"

namespace octet::functional::detail {

bool is_depthwise(const ConvGeom& g) { return g.group_in() == 1; }

void conv_depthwise(const float* x, const float* w, const float* bias, float* y, const ConvGeom& g) {
  const int64_t C = g.in_channels, mult = g.group_out(), taps = g.kernel_size();
  const int64_t planes_n = g.batch * C;
  if (planes_n == 0 || g.out_size() == 0 || mult == 0) return;
  const bool in_place = input_in_place(g);
  const PaddedPlanes l = in_place ? input_layout(g) : padded_layout(g);
  // Offset of each tap from the position output (od, oh, 0) reads for tap 0.
  std::vector<int64_t> tap_off(static_cast<size_t>(taps));
  for (int64_t t = 0; t < taps; ++t) {
    const int64_t kd = t / (g.kernel[1] * g.kernel[2]), kh = t / g.kernel[2] % g.kernel[1], kw = t % g.kernel[2];
    const int64_t col = kw * g.dilation[2];
    tap_off[static_cast<size_t>(t)] = (kd * g.dilation[0] * l.rows + kh * g.dilation[1]) * l.row_stride +
                                      (col % g.stride[2]) * l.phase_stride + col / g.stride[2];
  }
  const kernels::F32Kernels kernels = kernels::f32_kernels();
  const auto dwconv = kernels.f32_dwconv_minmax;
  const auto padsplit = kernels.f32_padsplit;
  const double flops = 2.0 * static_cast<double>(planes_n * mult) * static_cast<double>(g.out_size() * taps);
  const int threads = std::max(1, std::min<int>(ops::threads_for(flops, get_num_threads()), static_cast<int>(planes_n)));
  const int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2];
  // Rows narrower than a vector waste most lanes one by one; at stride 1 they merge into one run.
  const bool merge_rows = OW < 16 && OH > 1 && g.stride[1] == 1 && g.stride[2] == 1;
  // Chunks of planes: small planes (7x7) cost less than a scheduling round trip each.
  const int64_t chunk = std::max<int64_t>(1, planes_n / (8 * threads));
#pragma omp parallel for num_threads(threads) schedule(dynamic, chunk)
  for (int64_t i = 0; i < planes_n; ++i) {
    const int64_t c = i % C;
    const float* plane = x + i * g.in_size();
    if (!in_place) {
      float* buf = ops::thread_scratch(3, static_cast<size_t>(l.plane_stride));
      pad_channels(plane, g, l, 0, 1, buf, padsplit);
      plane = buf;
    }
    kernels::F32GemmParams params;
    for (int64_t m = 0; m < mult; ++m) {
      const int64_t co = c * mult + m;
      float* out = y + ((i / C) * g.out_channels + co) * g.out_size();
      for (int64_t od = 0; od < OD; ++od) {
        const float* in = plane + od * g.stride[0] * l.rows * l.row_stride;
        float* o = out + od * OH * OW;
        if (merge_rows) {
          // Narrow rows at stride 1: all output rows as one run over the padded row pitch (the
          // positions between rows are computed and dropped), then compacted.
          const int64_t pitch = l.row_stride, run = (OH - 1) * pitch + OW;
          float* tmp = ops::thread_scratch(4, static_cast<size_t>(run));
          dwconv(1, static_cast<size_t>(run), static_cast<size_t>(taps), in, 0, tap_off.data(), w + co * taps,
                 bias != nullptr ? bias[co] : 0.0f, tmp, 0, &params);
          for (int64_t oh = 0; oh < OH; ++oh) std::copy(tmp + oh * pitch, tmp + oh * pitch + OW, o + oh * OW);
        } else {
          // One call per output depth slice: rows oh advance the input by stride rows.
          dwconv(static_cast<size_t>(OH), static_cast<size_t>(OW), static_cast<size_t>(taps), in,
                 static_cast<size_t>(g.stride[1] * l.row_stride), tap_off.data(), w + co * taps,
                 bias != nullptr ? bias[co] : 0.0f, o, static_cast<size_t>(OW), &params);
        }
      }
    }
  }
}

}  // namespace octet::functional::detail
