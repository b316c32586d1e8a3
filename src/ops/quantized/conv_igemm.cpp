// conv_igemm.cpp: the igemm path of the quantized convolutions: the GEMM kernels read the channels-last input in place through row pointers, no im2col.
//
// Row r of the GEMM is output pixel r (all images back to back), as on the im2col path, but its K
// bytes are not copied: with one group and no width dilation, kernel row (kd, kh) of output pixel
// (n, od, oh, ow) reads KW neighbouring input pixels, one contiguous run of KW * C bytes starting at
// input pixel (n, id, ih, ow * sw - pw). That run is one igemm segment (kernels/qgemm_kernels.h,
// "Indirect GEMM"); a pixel has KD * KH of them, and the indirection buffer holds one pointer per
// segment. XNNPACK's igemm does the same with one pointer per tap; a whole kernel row per pointer
// keeps the pointers few and the segments long (KW * C = 192 bytes for a 3x3 layer of 64 channels).
//
// Segments are kc = round_up(KW * C, 4) bytes (the kernels consume 4 k at a time). When KW * C is
// not a multiple of 4 (the 7x7 stem of ResNet: 21 bytes, kc = 24), the kernel also reads the first
// bytes of the next input pixel; the weights of those columns are zero (conv_prepack.cpp lays K out in
// segments), so they add nothing, and the zero-point algebra counts only the real columns
// (QGemmPackedWeights::k_real, row sums over the real bytes). Their bytes are input bytes, so the
// largest-byte bound of the 7-bit AVX2 kernels (a scan of the input) still holds.
//
// Where a segment cannot point into the input, it points elsewhere:
//   - the kernel row lies in the padding (id or ih outside): a shared segment of zero-point bytes
//     (they add exactly zero to sum (a - za)(w - zw), as on the im2col path);
//   - some of its KW pixels are padding (the left and right borders), or its kc bytes would run past
//     the end of the input: a copy in a per-chunk scratch buffer, padding taps filled with the zero
//     point and the tail with zeros.
// So only the border pixels are gathered; every interior pixel of a 3x3 layer costs KH pointers.
//
// Threads: rows are split in chunks (indirection and border scratch of a chunk stay in L1/L2). With
// enough chunks each thread takes whole chunks; otherwise the chunks run in order and the driver
// splits each over output channels and row blocks.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "kernels/qgemm_kernels.h"
#include "octet/engine.h"
#include "ops/quantized/conv_packed.h"

namespace octet::quantized {
namespace {

// Pointers per chunk: 128 KB of indirection. Large layers of few rows (ResNet's layer3/4: 196 and
// 49 rows) stay one chunk, so their weights are streamed once per call.
constexpr int64_t kChunkPointers = 16384;
// Multiply-adds below which a convolution stays on one thread (a parallel region costs more).
constexpr int64_t kMacsPerThread = int64_t{1} << 21;
// The fewest output rows a thread's chunk gets when chunks are cut smaller for threads.
constexpr int64_t kMinChunkRows = 256;

// Segments per pixel (KD * KH) the indirection handles; larger kernels take im2col.
constexpr int64_t kMaxKernelRows = 64;

int64_t round_up4(int64_t v) { return (v + 3) / 4 * 4; }

// An uninitialized byte buffer that only grows, one per thread per use (kept between calls).
class Scratch {
 public:
  void* get(size_t bytes) {
    if (bytes > size_) {
      const size_t rounded = (std::max(bytes, size_ + size_ / 2) + 63) / 64 * 64;
      data_.reset(std::aligned_alloc(64, rounded));
      if (!data_) throw std::bad_alloc();
      size_ = rounded;
    }
    return data_.get();
  }

 private:
  struct Free {
    void operator()(void* p) const { std::free(p); }
  };
  std::unique_ptr<void, Free> data_;
  size_t size_ = 0;
};

// Slot 0: indirection pointers; 1: gathered border segments; 2: row sums.
void* scratch(int slot, size_t bytes) {
  thread_local Scratch buffers[3];
  return buffers[slot].get(std::max<size_t>(bytes, 64));
}

// The segment pointers of rows [r0, r0 + m) into ind (ks per row); border segments are gathered into
// border (m * ks * kc bytes at most).
struct Indirection {
  const QConvGeom& g;
  const uint8_t* x;         // the channels-last input (offset bytes)
  const uint8_t* x_end;     // one past its last byte
  const uint8_t* zero_seg;  // kc bytes: run bytes of the zero point, then zeros
  uint8_t za;
  int64_t kc;

  void build(int64_t r0, int64_t m, const uint8_t** ind, uint8_t* border) const {
    const int64_t C = g.in_channels, ID = g.in[0], IH = g.in[1], IW = g.in[2];
    const int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2];
    const int64_t KD = g.kernel[0], KH = g.kernel[1], KW = g.kernel[2], ks = KD * KH;
    const int64_t sw = g.stride[2], pw = g.pad[2];
    // Output columns whose KW input columns are all inside: iw0 = ow * sw - pw >= 0 and iw0 + KW <= IW.
    const int64_t ow_lo = std::min(OW, (pw + sw - 1) / sw);
    const int64_t ow_hi = IW + pw >= KW ? std::min(OW, (IW + pw - KW) / sw + 1) : 0;
    // Per kernel row (kd, kh) of the current output row: its segment for an interior output column
    // ow is origin[s] + (offset[s] + ow * step[s]) (a padding row: the zero segment, step 0), formed
    // in integers so that no pointer ever leaves its buffer.
    const uint8_t* in_rows[kMaxKernelRows];
    const uint8_t* origin[kMaxKernelRows];
    int64_t offset[kMaxKernelRows], step[kMaxKernelRows];
    const int64_t in_bytes = x_end - x;
    int64_t r = r0;
    while (r < r0 + m) {
      const int64_t n = r / (OD * OH * OW), od = r / (OH * OW) % OD, oh = r / OW % OH;
      const int64_t ow0 = r % OW, ow1 = ow0 + std::min(r0 + m - r, OW - ow0);  // this output row's columns
      // The interior columns, also short of the input's end: a segment reads kc >= KW * C bytes.
      int64_t hi = ow_hi;
      for (int64_t kd = 0; kd < KD; ++kd) {
        const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dilation[0];
        for (int64_t kh = 0; kh < KH; ++kh) {
          const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dilation[1];
          const int64_t s = kd * KH + kh;
          if (id >= 0 && id < ID && ih >= 0 && ih < IH) {
            const int64_t row_off = ((n * ID + id) * IH + ih) * IW * C;
            in_rows[s] = x + row_off;
            origin[s] = x;
            offset[s] = row_off - pw * C;
            step[s] = sw * C;
            // offset + ow * step + kc <= in_bytes
            const int64_t room = in_bytes - kc - offset[s];
            hi = std::min(hi, room < 0 ? int64_t{0} : room / step[s] + 1);
          } else {
            in_rows[s] = nullptr;
            origin[s] = zero_seg;
            offset[s] = 0;
            step[s] = 0;
          }
        }
      }
      const int64_t lo = std::clamp(ow_lo, ow0, ow1);
      hi = std::clamp(hi, lo, ow1);
      const uint8_t** slot = ind + (r - r0) * ks;
      for (int64_t ow = ow0; ow < lo; ++ow, slot += ks) border = gather(ow, in_rows, ks, slot, border);
      for (int64_t s = 0; s < ks; ++s) {  // interior: pointers only, one kernel row at a time
        const uint8_t* const o = origin[s];
        const int64_t st = step[s];
        int64_t off = offset[s] + lo * st;
        const uint8_t** out = slot + s;
        for (int64_t ow = lo; ow < hi; ++ow, out += ks, off += st) *out = o + off;
      }
      slot += (hi - lo) * ks;
      for (int64_t ow = hi; ow < ow1; ++ow, slot += ks) border = gather(ow, in_rows, ks, slot, border);
      r += ow1 - ow0;
    }
  }

  // The segments of output column ow that may not point into the input: padding kernel rows take the
  // zero segment; the others are copied into border (the taps in the padding as the zero point, the
  // tail after KW * C bytes as zeros). Returns the next free byte of border.
  uint8_t* gather(int64_t ow, const uint8_t* const* in_rows, int64_t ks, const uint8_t** slot, uint8_t* border) const {
    const int64_t C = g.in_channels, IW = g.in[2], KW = g.kernel[2], run = KW * C;
    const int64_t iw0 = ow * g.stride[2] - g.pad[2];
    // Taps [a, b) of the kernel row are inside the input.
    const int64_t a = std::clamp<int64_t>(-iw0, 0, KW), b = std::clamp<int64_t>(IW - iw0, a, KW);
    for (int64_t s = 0; s < ks; ++s) {
      const uint8_t* row = in_rows[s];
      if (row == nullptr) {
        slot[s] = zero_seg;
        continue;
      }
      std::memset(border, za, static_cast<size_t>(a * C));
      std::memcpy(border + a * C, row + (iw0 + a) * C, static_cast<size_t>((b - a) * C));
      std::memset(border + b * C, za, static_cast<size_t>((KW - b) * C));
      std::memset(border + run, 0, static_cast<size_t>(kc - run));
      slot[s] = border;
      border += kc;
    }
    return border;
  }
};

}  // namespace

int64_t conv_igemm_segment_bytes(const ConvPackedParams::Impl& p) {
  if (p.transposed || p.groups != 1 || p.dilation.back() != 1) return 0;
  bool pointwise = true;  // 1x1, stride 1, unpadded: the input rows themselves are A (conv_gemm.cpp)
  for (size_t d = 0; d < p.kernel.size(); ++d) {
    if (p.kernel[d] != 1 || p.stride[d] != 1 || p.padding[d] != 0) pointwise = false;
  }
  if (pointwise) return 0;
  int64_t kernel_rows = 1;  // KD * KH segments per pixel; Indirection keeps one input row per segment
  for (size_t d = 0; d + 1 < p.kernel.size(); ++d) kernel_rows *= p.kernel[d];
  if (kernel_rows > kMaxKernelRows) return 0;
  const int64_t run = p.kernel.back() * p.in_channels, kc = round_up4(run);
  // Pad bytes are multiply-adds spent on zero weights: the segments are taken while the pads are at
  // most a quarter of them. MobileNetV2's 3x3 stem (9 real bytes of 12) measured 1.2x faster here than
  // on im2col (which packs its 27 bytes into 28 but copies every one); ResNet's 7x7 stem has 3 of 24.
  if ((kc - run) * 4 > kc) return 0;
  return kc;
}

void conv_igemm(const ConvPackedParams::Impl& p, const QConvGeom& g, const uint8_t* x, int32_t za_off,
                const ConvRequant& rq, const ConvOutputStage& st, uint8_t* out) {
  const int64_t C = g.in_channels, ks = g.kernel[0] * g.kernel[1], kc = p.igemm_kc, run = g.kernel[2] * C;
  const int64_t M = g.batch * g.out_pixels(), in_bytes = g.batch * g.in_pixels() * C;
  const ops::QGemmPackedWeights& w = *p.gemm[0];
  const int32_t* bias = rq.bias_q.empty() ? nullptr : rq.bias_q.data();
  ops::QGemmOutputSpec spec;
  spec.stage = st.is_signed ? kernels::QGemmOutput::QS8 : kernels::QGemmOutput::QU8;
  spec.c_stride = g.out_channels;
  spec.multiplier = rq.multiplier.data();
  spec.zero_point = st.zero_point;
  spec.qmin = st.qmin;
  spec.qmax = st.qmax;

  // Every byte a kernel reads is an input byte, the zero point or a zero pad: the input's largest
  // byte bounds them (only a level with a 7-bit kernel needs it; 255 takes the exact one).
  int max_byte = 255;
  if (kernels::qigemm_kernels().fast7.fn != nullptr) {
    max_byte = std::max<int>(kernels::qgemm_scan_activations(1, static_cast<size_t>(in_bytes), x,
                                                             static_cast<size_t>(in_bytes), 0, nullptr),
                             za_off);
  }
  std::vector<uint8_t> zero_seg(static_cast<size_t>(kc), 0);
  std::fill(zero_seg.begin(), zero_seg.begin() + run, static_cast<uint8_t>(za_off));
  const Indirection build{g, x, x + in_bytes, zero_seg.data(), static_cast<uint8_t>(za_off), kc};

  const int64_t macs = M * g.out_channels * ks * run;
  const int threads = static_cast<int>(std::clamp<int64_t>(macs / kMacsPerThread, 1, get_num_threads()));
  int64_t chunk = std::clamp<int64_t>(kChunkPointers / ks, 16, M);
  // With threads, cut at least two chunks per thread when the rows allow, so that each thread builds
  // its own chunk's pointers (otherwise a serial step before every GEMM): a stem with few output
  // channels and many pixels (MobileNetV2's 3 -> 32) ran slower on 2 threads than on 1 before.
  if (threads > 1) {
    const int64_t per_chunk = (M + 2 * threads - 1) / (2 * threads);
    if (per_chunk >= kMinChunkRows) chunk = std::min(chunk, per_chunk);
  }
  const int64_t chunks = (M + chunk - 1) / chunk;
  auto run_chunk = [&](int64_t c, int gemm_threads) {
    const int64_t r0 = c * chunk, m = std::min(chunk, M - r0);
    auto** ind = static_cast<const uint8_t**>(scratch(0, static_cast<size_t>(m * ks) * sizeof(const uint8_t*)));
    auto* border = static_cast<uint8_t*>(scratch(1, static_cast<size_t>(m * ks * kc)));
    build.build(r0, m, ind, border);
    int32_t* sums = nullptr;
    if (!w.symmetric()) {  // the real bytes of each segment, mod 2^32
      sums = static_cast<int32_t*>(scratch(2, static_cast<size_t>(m) * sizeof(int32_t)));
      for (int64_t i = 0; i < m; ++i) {
        uint32_t total = 0;
        for (int64_t s = 0; s < ks; ++s) {
          int32_t seg_sum = 0;
          (void)kernels::qgemm_scan_activations(1, static_cast<size_t>(run), ind[i * ks + s], static_cast<size_t>(run),
                                                0, &seg_sum);
          total += static_cast<uint32_t>(seg_sum);
        }
        sums[i] = static_cast<int32_t>(total);
      }
    }
    ops::QGemmIndirectActivations act;
    act.rows = ind;
    act.ks = ks;
    act.kc = kc;
    act.zero_point = za_off;
    act.row_sums = sums;
    act.max_byte = max_byte;
    ops::QGemmOutputSpec o = spec;
    o.c = out + r0 * g.out_channels;
    ops::qgemm_indirect(m, act, w, bias, o, gemm_threads);
  };
  if (threads > 1 && chunks >= 2 * threads) {
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int64_t c = 0; c < chunks; ++c) run_chunk(c, 1);
  } else {
    for (int64_t c = 0; c < chunks; ++c) run_chunk(c, threads);
  }
}

}  // namespace octet::quantized
