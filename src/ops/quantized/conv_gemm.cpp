// conv_gemm.cpp: the GEMM path of the quantized convolutions: im2col rows of the channels-last input (1x1: the input rows themselves) times the packed weights, per group.
//
// Dense layers (one group, no width dilation) take the igemm path instead (conv_igemm.cpp), which
// reads the input in place; this one serves grouped and width-dilated layers, plain 1x1 layers, and
// kernel rows too short for igemm segments (conv_igemm_segment_bytes).
//
// Row r of the GEMM is output pixel r (all images back to back), column co an output channel of
// the group; K = taps * cig bytes in (kd, kh, kw, c) order, so each tap is one contiguous run of
// cig channels of one input pixel. Taps that fall in the padding are filled with the input zero
// point, so they contribute exactly zero to sum (a - za)(w - zw): the driver's zero-point algebra
// (ops/quantized/qgemm_driver.h) needs no special case for them.
//
// The im2col rows are written once, straight in the GEMM driver's packed format (rows of
// round_up(K, 4) bytes, zero pad, qint8 flipped to offset bytes) and handed to qgemm_packed(): no
// second packing copy, which dominated the stems with Cin = 3 (K = 27 / 147). A 1x1 stride-1
// quint8 convolution with K % 4 == 0 passes the input rows themselves. The largest byte (the
// driver's 7-bit check) comes from one scan of the input, not of the K-times larger im2col.
//
// Threads: im2col is done in chunks of rows small enough to stay in L2 (kIm2colBytes). With enough
// chunks, each thread takes whole chunks (im2col + GEMM of its rows, both parallel, the packed
// weights shared); with few (small images, deep layers) the chunks run in order and the driver
// splits each GEMM over the output channels instead.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/qgemm_kernels.h"
#include "octet/engine.h"
#include "ops/quantized/conv_packed.h"

namespace octet::quantized {
namespace {

// im2col bytes per chunk: a few hundred rows of K, read once by the GEMM while hot in L2.
constexpr int64_t kIm2colBytes = 192 * 1024;
// Multiply-adds below which a convolution stays on one thread (a parallel region costs more).
constexpr int64_t kMacsPerThread = int64_t{1} << 21;

bool is_pointwise(const QConvGeom& g) {
  for (int i = 0; i < 3; ++i) {
    if (g.kernel[i] != 1 || g.stride[i] != 1 || g.pad[i] != 0) return false;
  }
  return true;
}

// n bytes, inlined for the short runs of layers with few channels (a libc call per 3..16 bytes
// costs more than the copy): overlapping fixed-size moves, which the compiler emits as plain loads.
inline void copy_bytes(uint8_t* dst, const uint8_t* src, size_t n) {
  if (n > 64) {
    std::memcpy(dst, src, n);
  } else if (n >= 32) {  // the 7x7 stem's 21-byte and the 3x3 layers' 48..64-byte runs: no libc call
    uint8_t a[32], b[32];
    std::memcpy(a, src, 32);
    std::memcpy(b, src + n - 32, 32);
    std::memcpy(dst, a, 32);
    std::memcpy(dst + n - 32, b, 32);
  } else if (n >= 16) {
    uint8_t a[16], b[16];
    std::memcpy(a, src, 16);
    std::memcpy(b, src + n - 16, 16);
    std::memcpy(dst, a, 16);
    std::memcpy(dst + n - 16, b, 16);
  } else if (n >= 8) {
    uint64_t a, b;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + n - 8, &b, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, src, 4);
    std::memcpy(&b, src + n - 4, 4);
    std::memcpy(dst, &a, 4);
    std::memcpy(dst + n - 4, &b, 4);
  } else {
    for (size_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

// Rows [r0, r0 + m) of group grp's im2col matrix into dst (row stride ld bytes, K bytes of taps). With one group and
// no width dilation, the KW taps of one kernel row are KW neighbouring pixels, i.e. one contiguous
// run of KW * C bytes of the channels-last input: one copy instead of KW (the 7x7 stem of ResNet
// with C = 3 would otherwise copy 3 bytes at a time). The output pixel advances by increments, not
// divisions (four 64-bit divisions per row cost more than a 27-byte row).
// Each row then gets its bytes flipped by `flip` (0x80: qint8 to offset bytes) and zeros up to kp.
void im2col(const QConvGeom& g, const uint8_t* x, uint8_t pad_byte, uint8_t flip, int64_t grp, int64_t r0, int64_t m,
            uint8_t* dst, int64_t ld, int64_t kp) {
  const int64_t cig = g.group_in(), C = g.in_channels;
  const int64_t ID = g.in[0], IH = g.in[1], IW = g.in[2];
  const int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2], OP = g.out_pixels();
  const int64_t KW = g.kernel[2], dw = g.dilation[2];
  const bool contiguous_row = g.groups == 1 && dw == 1;
  const auto run = static_cast<size_t>(KW * C), tap = static_cast<size_t>(cig);
  int64_t n = r0 / OP, od = r0 % OP / (OH * OW), oh = r0 / OW % OH, ow = r0 % OW;
  const int64_t K = g.taps() * cig;
  for (int64_t r = r0; r < r0 + m; ++r) {
    uint8_t* row = dst + (r - r0) * ld;
    uint8_t* const row_begin = row;
    const uint8_t* image = x + n * g.in_pixels() * C + grp * cig;
    const int64_t iw0 = ow * g.stride[2] - g.pad[2];
    const bool cols_in = iw0 >= 0 && iw0 + (KW - 1) * dw < IW;
    for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
      const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dilation[0];
      for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
        const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dilation[1];
        if (id < 0 || id >= ID || ih < 0 || ih >= IH) {  // the whole kernel row is padding
          std::memset(row, pad_byte, static_cast<size_t>(KW) * tap);
          row += KW * cig;
          continue;
        }
        const uint8_t* src_row = image + (id * IH + ih) * IW * C;
        if (contiguous_row && cols_in) {
          copy_bytes(row, src_row + iw0 * C, run);
          row += run;
          continue;
        }
        for (int64_t kw = 0; kw < KW; ++kw) {
          const int64_t iw = iw0 + kw * dw;
          if (iw >= 0 && iw < IW) {
            copy_bytes(row, src_row + iw * C, tap);
          } else {
            std::memset(row, pad_byte, tap);
          }
          row += cig;
        }
      }
    }
    if (flip != 0) {
      for (int64_t i = 0; i < K; ++i) row_begin[i] = static_cast<uint8_t>(row_begin[i] ^ flip);
    }
    for (int64_t i = K; i < kp; ++i) row_begin[i] = 0;
    if (++ow == OW) {
      ow = 0;
      if (++oh == OH) {
        oh = 0;
        if (++od == OD) {
          od = 0;
          ++n;
        }
      }
    }
  }
}

// The common 2-D case of im2col above (no depth, one group, no width dilation: the stems and
// ResNet's dense 3x3 layers): rows are walked one output row segment at a time, with the KH input
// row pointers found once per segment rather than per pixel, and each interior pixel is KH runs
// of KW * C contiguous bytes. Same bytes as im2col().
void im2col_2d(const QConvGeom& g, const uint8_t* x, uint8_t pad_byte, uint8_t flip, int64_t r0, int64_t m,
               uint8_t* dst, int64_t ld, int64_t kp) {
  const int64_t C = g.in_channels, IH = g.in[1], IW = g.in[2], OH = g.out[1], OW = g.out[2];
  const int64_t KH = g.kernel[1], KW = g.kernel[2], sh = g.stride[1], sw = g.stride[2], ph = g.pad[1];
  const int64_t pw = g.pad[2], dh = g.dilation[1];
  const int64_t K = KH * KW * C, run = KW * C;
  constexpr int64_t kMaxKh = 16;
  const uint8_t* src[kMaxKh];
  int64_t r = r0;
  uint8_t* row = dst;
  while (r < r0 + m) {
    const int64_t n = r / (OH * OW), oh = r / OW % OH;
    int64_t ow = r % OW;
    const int64_t seg_end = std::min(r0 + m, r + (OW - ow));  // this output row's pixels in the range
    const uint8_t* image = x + n * IH * IW * C;
    for (int64_t kh = 0; kh < KH; ++kh) {
      const int64_t ih = oh * sh - ph + kh * dh;
      src[kh] = ih >= 0 && ih < IH ? image + ih * IW * C : nullptr;
    }
    for (; r < seg_end; ++r, ++ow, row += ld) {
      const int64_t iw0 = ow * sw - pw;
      uint8_t* out = row;
      if (iw0 >= 0 && iw0 + KW <= IW) {
        for (int64_t kh = 0; kh < KH; ++kh, out += run) {
          if (src[kh] != nullptr) {
            copy_bytes(out, src[kh] + iw0 * C, static_cast<size_t>(run));
          } else {
            std::memset(out, pad_byte, static_cast<size_t>(run));
          }
        }
      } else {
        for (int64_t kh = 0; kh < KH; ++kh) {
          for (int64_t kw = 0; kw < KW; ++kw, out += C) {
            const int64_t iw = iw0 + kw;
            if (src[kh] != nullptr && iw >= 0 && iw < IW) {
              copy_bytes(out, src[kh] + iw * C, static_cast<size_t>(C));
            } else {
              std::memset(out, pad_byte, static_cast<size_t>(C));
            }
          }
        }
      }
      if (flip != 0) {
        for (int64_t i = 0; i < K; ++i) row[i] = static_cast<uint8_t>(row[i] ^ flip);
      }
      for (int64_t i = K; i < kp; ++i) row[i] = 0;
    }
  }
}

// One growing buffer per thread, kept between calls.
uint8_t* im2col_scratch(size_t bytes) {
  thread_local std::vector<uint8_t> buffer;
  if (buffer.size() < bytes) buffer.resize(bytes);
  return buffer.data();
}

// Row sums (only for weights with nonzero zero points), one buffer per thread.
int32_t* row_sum_scratch(size_t count) {
  thread_local std::vector<int32_t> buffer;
  if (buffer.size() < count) buffer.resize(count);
  return buffer.data();
}

}  // namespace

void conv_gemm(const ConvPackedParams::Impl& p, const QConvGeom& g, const uint8_t* x, int32_t x_zero_point,
               bool x_signed, const ConvRequant& rq, const ConvOutputStage& st, uint8_t* out) {
  const int64_t cig = g.group_in(), cog = g.group_out(), K = g.taps() * cig, M = g.batch * g.out_pixels();
  const int32_t* bias = rq.bias_q.empty() ? nullptr : rq.bias_q.data();
  ops::QGemmOutputSpec spec;
  spec.stage = x_signed ? kernels::QGemmOutput::QS8 : kernels::QGemmOutput::QU8;
  spec.c_stride = g.out_channels;
  spec.zero_point = st.zero_point;
  spec.qmin = st.qmin;
  spec.qmax = st.qmax;
  // Rows [r0, r0 + m) of group grp on packed rows (a + i * a_stride, offset bytes; row sums when
  // the weights need them).
  const auto za_off = static_cast<int32_t>(x_zero_point + (x_signed ? 128 : 0));
  auto gemm_packed = [&](int64_t grp, const uint8_t* a, int64_t a_stride, const int32_t* sums, int max_byte, int64_t r0,
                         int64_t m, int threads) {
    ops::QGemmPackedActivations act;
    act.data = a;
    act.stride = a_stride;
    act.zero_point = za_off;
    act.row_sums = sums;
    act.max_byte = max_byte;
    ops::QGemmOutputSpec o = spec;
    o.c = out + r0 * g.out_channels + grp * cog;
    o.multiplier = rq.multiplier.data() + grp * cog;
    ops::qgemm_packed(m, act, *p.gemm[static_cast<size_t>(grp)], bias != nullptr ? bias + grp * cog : nullptr, o,
                      threads);
  };
  const uint8_t flip = x_signed ? 0x80 : 0x00;
  // The largest offset byte of the input: every im2col byte is an input byte or the zero point.
  // Only a level with a 7-bit kernel needs it (255 takes the exact kernel, the same answer).
  auto scan_input = [&]() -> int {
    if (kernels::qgemm_kernels().fast7.fn == nullptr) return 255;
    const int64_t in_bytes = g.batch * g.in_pixels() * g.in_channels;
    return kernels::qgemm_scan_activations(1, static_cast<size_t>(in_bytes), x, static_cast<size_t>(in_bytes), flip,
                                           nullptr);
  };

  if (is_pointwise(g)) {  // the channels-last input rows are the GEMM's A: nothing to gather
    if (!x_signed && cig % 4 == 0) {  // ... and already in the packed format
      const int input_max = scan_input();
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        const uint8_t* a = x + grp * cig;
        const ops::QGemmPackedWeights& w = *p.gemm[static_cast<size_t>(grp)];
        int32_t* sums = nullptr;
        if (!w.symmetric()) {
          sums = row_sum_scratch(static_cast<size_t>(M));
          (void)kernels::qgemm_scan_activations(static_cast<size_t>(M), static_cast<size_t>(cig), a,
                                                static_cast<size_t>(g.in_channels), 0, sums);
        }
        gemm_packed(grp, a, g.in_channels, sums, input_max, 0, M, 0);
      }
      return;
    }
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      ops::QGemmActivations act;
      act.data = x + grp * cig;
      act.stride = g.in_channels;
      act.zero_point = x_zero_point;
      act.is_signed = x_signed;
      ops::QGemmOutputSpec o = spec;
      o.c = out + grp * cog;
      o.multiplier = rq.multiplier.data() + grp * cog;
      ops::qgemm(M, act, *p.gemm[static_cast<size_t>(grp)], bias != nullptr ? bias + grp * cog : nullptr, o, 0);
    }
    return;
  }

  // The stored byte of the zero point (qint8: its two's complement; im2col flips it with the rest).
  const auto pad_byte = static_cast<uint8_t>(x_zero_point);
  const bool padded = g.pad[0] != 0 || g.pad[1] != 0 || g.pad[2] != 0;
  const int max_byte = std::max(scan_input(), padded ? static_cast<int>(za_off) : 0);
  const int64_t kp = (K + 3) / 4 * 4;
  const bool fast_2d = g.kernel[0] == 1 && g.in[0] == 1 && g.out[0] == 1 && g.groups == 1 && g.dilation[2] == 1 &&
                       g.kernel[1] <= 16;
  const int64_t chunk = std::clamp<int64_t>(kIm2colBytes / std::max<int64_t>(kp, 1), 16, 4096);
  const int64_t chunks = (M + chunk - 1) / chunk;
  const int64_t macs = M * g.out_channels * K;
  const int threads = static_cast<int>(std::clamp<int64_t>(macs / kMacsPerThread, 1, get_num_threads()));
  auto run_chunk = [&](int64_t c, int gemm_threads) {
    const int64_t r0 = c * chunk, m = std::min(chunk, M - r0);
    uint8_t* a = im2col_scratch(static_cast<size_t>(m * kp));
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      if (fast_2d) {
        im2col_2d(g, x, pad_byte, flip, r0, m, a, kp, kp);
      } else {
        im2col(g, x, pad_byte, flip, grp, r0, m, a, kp, kp);
      }
      int32_t* sums = nullptr;
      if (!p.gemm[static_cast<size_t>(grp)]->symmetric()) {
        sums = row_sum_scratch(static_cast<size_t>(m));
        (void)kernels::qgemm_scan_activations(static_cast<size_t>(m), static_cast<size_t>(kp), a,
                                              static_cast<size_t>(kp), 0, sums);
      }
      gemm_packed(grp, a, kp, sums, max_byte, r0, m, gemm_threads);
    }
  };
  if (threads > 1 && chunks >= 2 * threads) {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int64_t c = 0; c < chunks; ++c) run_chunk(c, 1);
  } else {
    for (int64_t c = 0; c < chunks; ++c) run_chunk(c, threads);
  }
}

}  // namespace octet::quantized
