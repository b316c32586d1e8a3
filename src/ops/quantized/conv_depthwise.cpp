// conv_depthwise.cpp: the depthwise path of the quantized convolutions (one input channel per group): indirection rows over the channels-last input, the qdwconv kernel per output row.
//
// Output channel o reads input channel o / multiplier. With multiplier 1 the kernel reads the input
// pixels in place; otherwise (and for qint8, whose bytes the u8 kernel needs flipped) the input is
// first copied channels-last with each channel repeated `multiplier` times, so one kernel serves
// every depthwise layer. Padding taps point at a row of zero-point bytes.
//
// Under the AVX2 cap, a stride-1 layer without width dilation takes the row-pair kernel instead
// (kernels/qdwconv_kernels.h, "Row-pair kernels"): each input row is widened once into a paired
// row (two neighbouring pixels per int32 lane) that every output row reading it shares, kept in a
// small per-thread cache, and each vpmaddwd / vpdpwssd then does two taps with no shuffle. The
// sums and bytes are the indirection kernels' (the same col_init and output stage).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/qdwconv_kernels.h"
#include "octet/engine.h"
#include "ops/quantized/conv_packed.h"

namespace octet::quantized {
namespace {

// Multiply-adds below which the layer stays on one thread.
constexpr int64_t kMacsPerThread = int64_t{1} << 20;

// The row-pair path: for output row (n, od, oh) the KD * KH input rows it reads, each paired once
// (a thread's rows are consecutive, so at stride 1 an output row pairs one new input row and reuses
// KD * KH - 1 from its cache).
void conv_depthwise_rowp(const kernels::QDwConvRowpKernel& kernel, const ConvPackedParams::Impl& p, const QConvGeom& g,
                         const uint8_t* x, uint8_t za, const std::vector<int32_t>& col_init,
                         const kernels::QDwConvParams& params, uint8_t* out) {
  const int64_t C = g.out_channels, KW = g.kernel[2], KDH = g.kernel[0] * g.kernel[1];
  const int64_t pairs = (KW + 1) / 2;
  const auto cp = static_cast<int64_t>((C + kernels::kQDwConvChannelTile - 1) / kernels::kQDwConvChannelTile *
                                       kernels::kQDwConvChannelTile);
  const int64_t ID = g.in[0], IH = g.in[1], IW = g.in[2];
  const int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2], sw = g.stride[2];
  // Paired columns the kernel reads: pixel OW - 1's last pair starts at (OW - 1) * sw + 2 * (pairs - 1).
  const int64_t columns = (OW - 1) * sw + 2 * pairs - 1;
  const auto row_lanes = static_cast<size_t>(columns * cp);
  // The paired weights (a few KB; pairing them per call keeps the packed-weight object unchanged)
  // and a row of padding, in buffers kept between calls.
  thread_local std::vector<int32_t> w, pad_row;
  w.resize(kernels::qdwconv_rowp_packed_size(static_cast<size_t>(C), static_cast<size_t>(KDH), static_cast<size_t>(KW)));
  kernels::qdwconv_rowp_pack_weights(static_cast<size_t>(C), static_cast<size_t>(KDH), static_cast<size_t>(KW),
                                     p.dw_weights.data(), w.data());
  pad_row.resize(row_lanes);
  kernels::qdwconv_rowp_pair_row(static_cast<size_t>(C), nullptr, 0, 0, 0, static_cast<size_t>(columns), za,
                                 pad_row.data());
  // Pointers, not the thread_local names: inside the parallel region those name each thread's own.
  const int32_t* const w_pairs = w.data();
  const int32_t* const pad_pairs = pad_row.data();
  const int64_t rows = g.batch * OD * OH;
  const int64_t macs = rows * OW * C * KDH * KW;
  const int threads = static_cast<int>(std::clamp<int64_t>(macs / kMacsPerThread, 1, get_num_threads()));
  // Cache slots: enough for a window of KD * KH rows plus the next row's new ones.
  const int64_t slots = 2 * KDH;
#pragma omp parallel num_threads(threads)
  {
    // Grown, never shrunk, and not cleared: a slot is written before it is read (key -1 below).
    thread_local std::vector<int32_t> cache;
    if (cache.size() < static_cast<size_t>(slots) * row_lanes) cache.resize(static_cast<size_t>(slots) * row_lanes);
    std::vector<int64_t> key(static_cast<size_t>(slots), -1);  // the input row (n, id, ih) a slot holds
    std::vector<int64_t> used(static_cast<size_t>(slots), -1);  // the output row that last used it
    std::vector<const int32_t*> in_rows(static_cast<size_t>(KDH));
#pragma omp for schedule(static)
    for (int64_t row = 0; row < rows; ++row) {
      const int64_t n = row / (OD * OH), od = row / OH % OD, oh = row % OH;
      for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
        const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dilation[0];
        for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
          const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dilation[1];
          const auto r = static_cast<size_t>(kd * g.kernel[1] + kh);
          if (id < 0 || id >= ID || ih < 0 || ih >= IH) {
            in_rows[r] = pad_pairs;
            continue;
          }
          const int64_t k = (n * ID + id) * IH + ih;
          int64_t hit = -1, victim = 0;
          for (int64_t s = 0; s < slots; ++s) {
            if (key[static_cast<size_t>(s)] == k) hit = s;
            if (used[static_cast<size_t>(s)] < used[static_cast<size_t>(victim)]) victim = s;
          }
          if (hit < 0) {  // the least recently used slot (never one this output row already uses)
            hit = victim;
            key[static_cast<size_t>(hit)] = k;
            kernels::qdwconv_rowp_pair_row(static_cast<size_t>(C), x + k * IW * C, static_cast<size_t>(C),
                                           static_cast<size_t>(IW), static_cast<size_t>(g.pad[2]),
                                           static_cast<size_t>(columns), za,
                                           cache.data() + static_cast<size_t>(hit) * row_lanes);
          }
          used[static_cast<size_t>(hit)] = row;
          in_rows[r] = cache.data() + static_cast<size_t>(hit) * row_lanes;
        }
      }
      kernel.fn(static_cast<size_t>(C), static_cast<size_t>(OW), static_cast<size_t>(KDH), static_cast<size_t>(pairs),
                static_cast<size_t>(sw), in_rows.data(), w_pairs, col_init.data(), out + row * OW * C,
                static_cast<size_t>(C), &params);
    }
  }
}

// The row-quad path (AVX-512 VNNI; kernels/qdwconv_kernels.h, "Row-quad kernels"): per output row
// (n, od, oh), the 3 input rows it reads (null for padding rows) go to the kernel, which forms the
// quads of neighbouring pixels in registers; nothing is copied or gathered.
void conv_depthwise_rowq(const kernels::QDwConvRowqKernel& kernel, const ConvPackedParams::Impl& p, const QConvGeom& g,
                         const uint8_t* x, uint8_t za, const std::vector<int32_t>& col_init,
                         const kernels::QDwConvParams& params, uint8_t* out) {
  const int64_t C = g.out_channels, KW = g.kernel[2];
  const int64_t ID = g.in[0], IH = g.in[1], IW = g.in[2];
  const int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2];
  // col_init and the multipliers in the kernel's channel order.
  const size_t padded = kernels::qdwconv_rowq_padded_channels(static_cast<size_t>(C));
  std::vector<int32_t> init(padded);
  std::vector<float> mult(padded);
  kernels::qdwconv_rowq_block_order(static_cast<size_t>(C), reinterpret_cast<const uint32_t*>(col_init.data()),
                                    reinterpret_cast<uint32_t*>(init.data()));
  kernels::qdwconv_rowq_block_order(static_cast<size_t>(C), reinterpret_cast<const uint32_t*>(params.multiplier),
                                    reinterpret_cast<uint32_t*>(mult.data()));
  const int64_t rows = g.batch * OD * OH;
  const int64_t macs = rows * OW * C * 3 * KW;
  const int threads = static_cast<int>(std::clamp<int64_t>(macs / kMacsPerThread, 1, get_num_threads()));
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t n = row / (OD * OH), od = row / OH % OD, oh = row % OH;
    const uint8_t* in_rows[3];
    for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
      const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dilation[0];
      for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
        const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dilation[1];
        const bool in = id >= 0 && id < ID && ih >= 0 && ih < IH;
        in_rows[kd * g.kernel[1] + kh] = in ? x + ((n * ID + id) * IH + ih) * IW * C : nullptr;
      }
    }
    kernel.fn(static_cast<size_t>(C), static_cast<size_t>(OW), static_cast<size_t>(g.stride[2]), in_rows,
              static_cast<size_t>(IW), static_cast<size_t>(g.pad[2]), za, p.dw_rowq_weights.data(), init.data(),
              mult.data(), out + row * OW * C, static_cast<size_t>(C), &params);
  }
}

}  // namespace

void conv_depthwise(const ConvPackedParams::Impl& p, const QConvGeom& g, const Tensor& x5, int32_t x_zero_point,
                    bool x_signed, const ConvRequant& rq, const ConvOutputStage& st, uint8_t* out) {
  const int64_t C = g.out_channels, multiplier = C / g.in_channels, taps = g.taps();
  // qint8 runs as offset bytes: a ^ 0x80 == a + 128 with zero point za + 128.
  const ChannelsLastInput xin = channels_last_input(x5, x_signed ? 0x80 : 0x00, multiplier);
  const auto za = static_cast<uint8_t>(x_zero_point + (x_signed ? 128 : 0));
  const std::vector<uint8_t> zero(static_cast<size_t>(C), za);
  // col_init[c] = bias_q[c] - za * sum_t (w - zw), wrapped like the kernel's int32 sums.
  std::vector<int32_t> col_init(static_cast<size_t>(C));
  for (size_t c = 0; c < col_init.size(); ++c) {
    const uint32_t b = rq.bias_q.empty() ? 0u : static_cast<uint32_t>(rq.bias_q[c]);
    col_init[c] = static_cast<int32_t>(b - static_cast<uint32_t>(za) * static_cast<uint32_t>(p.dw_weight_sums[c]));
  }
  kernels::QDwConvParams params;
  params.output = x_signed ? kernels::QDwConvOutput::QS8 : kernels::QDwConvOutput::QU8;
  params.multiplier = rq.multiplier.data();
  params.zero_point = st.zero_point;
  params.qmin = st.qmin;
  params.qmax = st.qmax;
  const kernels::QDwConvKernel kernel = kernels::qdwconv_kernel();
  // Against the VNNI indirection kernel (a shuffle and a vpdpwssd per 16 products), the row-quad
  // kernel does four taps per vpdpbusd with no shuffle (kernels/qdwconv_kernels.h, "Row-quad kernels").
  const kernels::QDwConvRowqKernel rowq = kernels::qdwconv_rowq_kernel();
  if (rowq.fn != nullptr && kernel.isa == Isa::Avx512Vnni && rowq.isa == Isa::Avx512Vnni &&
      !p.dw_rowq_weights.empty()) {
    conv_depthwise_rowq(rowq, p, g, xin.data, za, col_init, params, out);
    return;
  }
  const kernels::QDwConvRowpKernel rowp = kernels::qdwconv_rowp_kernel();
  // Where the row pairing pays (measured, bench/ops/quantized_conv_bench.cpp): against the AVX2
  // indirection kernel (three instructions and a shuffle per 8 products), at stride 1 (a paired row
  // serves KH output rows; at stride 2 only about KH / 2) and on rows wide enough that the pairing
  // and the per-call setup are spread over many pixels.
  if (rowp.fn != nullptr && kernel.isa == Isa::Avx2 && rowp.isa == Isa::Avx2 && g.dilation[2] == 1 &&
      g.stride[2] == 1 && g.stride[1] == 1 && g.out[2] >= 16) {
    conv_depthwise_rowp(rowp, p, g, xin.data, za, col_init, params, out);
    return;
  }

  const int64_t ID = g.in[0], IH = g.in[1], IW = g.in[2];
  const int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2];
  const int64_t rows = g.batch * OD * OH;
  const int64_t macs = rows * OW * C * taps;
  const int threads = static_cast<int>(std::clamp<int64_t>(macs / kMacsPerThread, 1, get_num_threads()));
  const uint8_t* x = xin.data;
  // Taps are listed column by column, (kw, kd, kh), the order the weights were packed in. Without
  // width dilation, output pixel ow reads input columns ow * sw .. ow * sw + KW - 1, so the pixels
  // of a row share one list of padded columns and step sw columns apart: (OW - 1) * sw + KW
  // columns of KD * KH pointers instead of OW * KW. Otherwise each pixel gets its own KW columns.
  const int64_t KDH = g.kernel[0] * g.kernel[1], KW = g.kernel[2], sw = g.stride[2], dw = g.dilation[2];
  const bool shared = dw == 1 && sw <= KW;
  const int64_t columns = shared ? (OW - 1) * sw + KW : OW * KW;
  const int64_t step = shared ? sw * KDH : taps;
#pragma omp parallel num_threads(threads)
  {
    std::vector<const uint8_t*> ind(static_cast<size_t>(columns * KDH));
    std::vector<const uint8_t*> rows_in(static_cast<size_t>(KDH));  // per (kd, kh): the input row, or null
#pragma omp for schedule(static)
    for (int64_t row = 0; row < rows; ++row) {
      const int64_t n = row / (OD * OH), od = row / OH % OD, oh = row % OH;
      const uint8_t* image = x + n * g.in_pixels() * C;
      for (int64_t kd = 0; kd < g.kernel[0]; ++kd) {
        const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dilation[0];
        for (int64_t kh = 0; kh < g.kernel[1]; ++kh) {
          const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dilation[1];
          const bool in = id >= 0 && id < ID && ih >= 0 && ih < IH;
          rows_in[static_cast<size_t>(kd * g.kernel[1] + kh)] = in ? image + (id * IH + ih) * IW * C : nullptr;
        }
      }
      if (shared) {
        // List column j is padded input column j: inside the input for j in [j_lo, j_hi). One kernel
        // row at a time, the interior pointers step by C (a tight strided loop; per-column branches
        // made this loop a fifth of a 3x3 layer's time).
        const int64_t j_lo = std::min(columns, g.pad[2]), j_hi = std::clamp(IW + g.pad[2], j_lo, columns);
        for (int64_t dh = 0; dh < KDH; ++dh) {
          const uint8_t* r = rows_in[static_cast<size_t>(dh)];
          const uint8_t** slot = ind.data() + dh;
          const int64_t in_end = r != nullptr ? j_hi : j_lo;
          int64_t j = 0;
          for (; j < j_lo; ++j) slot[j * KDH] = zero.data();
          for (int64_t off = (j_lo - g.pad[2]) * C; j < in_end; ++j, off += C) slot[j * KDH] = r + off;
          for (; j < columns; ++j) slot[j * KDH] = zero.data();
        }
      } else {
        for (int64_t j = 0; j < columns; ++j) {
          // Input column of list column j: tap kw = j % KW of pixel ow = j / KW.
          const int64_t iw = (j / KW) * sw - g.pad[2] + (j % KW) * dw;
          const bool col_in = iw >= 0 && iw < IW;
          const uint8_t** slot = ind.data() + j * KDH;
          for (int64_t dh = 0; dh < KDH; ++dh) {
            const uint8_t* r = rows_in[static_cast<size_t>(dh)];
            slot[dh] = r != nullptr && col_in ? r + iw * C : zero.data();
          }
        }
      }
      kernel.fn(static_cast<size_t>(C), static_cast<size_t>(OW), static_cast<size_t>(taps), ind.data(),
                static_cast<size_t>(step), /*input_offset=*/0, zero.data(), p.dw_weights.data(), col_init.data(),
                out + row * OW * C, static_cast<size_t>(C), &params);
    }
  }
}

}  // namespace octet::quantized
