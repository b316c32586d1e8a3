// conv_transpose.cpp: the quantized transposed convolution: an int32 GEMM per group into columns, then a col2im gather in int32, the bias, and requantization.
//
// Per image and group, cols[i][t][co] = sum_ci (x[i][ci] - za)(w[ci][co][t] - zw[co]) for every
// input pixel i and tap t (the driver's S32 stage: exact int32, zero points corrected). Output pixel
// o of channel co then receives cols[i][t][co] from every (i, t) with i * stride - padding +
// t * dilation == o in each dim. Gathering those per output pixel (rather than scattering per input
// pixel) lets threads own disjoint output rows, and each output is finished in one pass:
//
//   acc = bias_q[co] + sum of its cols          (wrapping int32, like every accumulator here)
//   y   = clamp(nearbyint((float)acc * M[co]) + zp, qmin, qmax)     (NUMERICS.md contract 2)
//
// cols holds one image: in_pixels x (groups * taps * cog) int32.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "octet/engine.h"
#include "ops/quantized/conv_packed.h"

namespace octet::quantized {
namespace {

// Output pixels below which the gather stays on one thread.
constexpr int64_t kGatherPerThread = 1 << 14;

// The requantization rule in float32 and in this order (the kernels' __scalar form).
inline int32_t requantize(int32_t acc, float multiplier, float zero_point, float qmin, float qmax) {
  float t = std::nearbyint(static_cast<float>(acc) * multiplier) + zero_point;
  if (!(t <= qmax)) t = qmax;
  if (t < qmin) t = qmin;
  return static_cast<int32_t>(t);
}

// The input index i with i * s - pad + k * dil == o in one dim, or -1 when there is none.
inline int64_t source_index(int64_t o, int64_t k, int64_t s, int64_t pad, int64_t dil, int64_t in) {
  const int64_t num = o + pad - k * dil;
  if (num < 0 || num % s != 0) return -1;
  const int64_t i = num / s;
  return i < in ? i : -1;
}

}  // namespace

void conv_transpose_gemm(const ConvPackedParams::Impl& p, const QConvGeom& g, const uint8_t* x,
                         int32_t x_zero_point, bool x_signed, const ConvRequant& rq, const ConvOutputStage& st,
                         uint8_t* out) {
  const int64_t cig = g.group_in(), cog = g.group_out(), taps = g.taps(), C = g.out_channels;
  const int64_t row_cols = g.groups * taps * cog;  // int32 columns per input pixel
  const int64_t P = g.in_pixels(), OP = g.out_pixels();
  const int64_t ID = g.in[0], IH = g.in[1], IW = g.in[2];
  const int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2];
  std::vector<int32_t> cols(static_cast<size_t>(P * row_cols));
  const float zp = static_cast<float>(st.zero_point);
  const float qmin = static_cast<float>(st.qmin), qmax = static_cast<float>(st.qmax);
  const int threads =
      static_cast<int>(std::clamp<int64_t>(OP / kGatherPerThread, 1, get_num_threads()));

  for (int64_t n = 0; n < g.batch; ++n) {
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      ops::QGemmActivations act;
      act.data = x + n * P * g.in_channels + grp * cig;
      act.stride = g.in_channels;
      act.zero_point = x_zero_point;
      act.is_signed = x_signed;
      ops::QGemmOutputSpec spec;
      spec.stage = kernels::QGemmOutput::S32;
      spec.c = cols.data() + grp * taps * cog;
      spec.c_stride = row_cols * static_cast<int64_t>(sizeof(int32_t));
      ops::qgemm(P, act, *p.gemm[static_cast<size_t>(grp)], nullptr, spec, 0);
    }
    uint8_t* image_out = out + n * OP * C;
#pragma omp parallel num_threads(threads)
    {
      std::vector<uint32_t> acc(static_cast<size_t>(C));
#pragma omp for schedule(static)
      for (int64_t row = 0; row < OD * OH; ++row) {
        const int64_t od = row / OH, oh = row % OH;
        for (int64_t ow = 0; ow < OW; ++ow) {
          for (int64_t o = 0; o < C; ++o) {
            acc[static_cast<size_t>(o)] = rq.bias_q.empty() ? 0u : static_cast<uint32_t>(rq.bias_q[static_cast<size_t>(o)]);
          }
          for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
            const int64_t id = source_index(od, kd, g.stride[0], g.pad[0], g.dilation[0], ID);
            if (id < 0) continue;
            for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
              const int64_t ih = source_index(oh, kh, g.stride[1], g.pad[1], g.dilation[1], IH);
              if (ih < 0) continue;
              for (int64_t kw = 0; kw < g.kernel[2]; ++kw) {
                const int64_t iw = source_index(ow, kw, g.stride[2], g.pad[2], g.dilation[2], IW);
                if (iw < 0) continue;
                const int64_t t = (kd * g.kernel[1] + kh) * g.kernel[2] + kw;
                const int32_t* src = cols.data() + ((id * IH + ih) * IW + iw) * row_cols + t * cog;
                for (int64_t grp = 0; grp < g.groups; ++grp) {
                  uint32_t* a = acc.data() + grp * cog;
                  const int32_t* s = src + grp * taps * cog;
                  for (int64_t co = 0; co < cog; ++co) a[co] += static_cast<uint32_t>(s[co]);
                }
              }
            }
          }
          uint8_t* y = image_out + ((od * OH + oh) * OW + ow) * C;
          for (int64_t o = 0; o < C; ++o) {
            const int32_t q = requantize(static_cast<int32_t>(acc[static_cast<size_t>(o)]),
                                         rq.multiplier[static_cast<size_t>(o)], zp, qmin, qmax);
            y[o] = static_cast<uint8_t>(q);  // qint8: the two's complement byte of q
          }
        }
      }
    }
  }
}

}  // namespace octet::quantized
