// qdwconv_kernels.h: the 8-bit depthwise-convolution microkernels (u8 activations x offset-free weights, int32 sums) and their dispatch.
//
// One call computes `pixels` output pixels of `channels` channels each. Output pixel p reads `taps`
// input pixels through an indirection buffer (XNNPACK's design): tap t of pixel p is the row
//
//   in(p, t) = input[p * input_stride + t] + (that pointer == zero ? 0 : input_offset)     (bytes)
//
// input_stride (in pointers) is taps when every pixel has its own list; neighbouring output pixels
// of a stride-s convolution share taps, so the operator may lay the taps out column by column and
// step by s columns (input_stride = s * kernel_height < taps), building far fewer pointers.
// and channel c of that row is in(p, t)[c]. Then, for c < channels,
//
//   acc[c] = col_init[c] + sum_{t < taps} in(p, t)[c] * w(t, c)           (wrapping int32)
//   out[p][c] = clamp(nearbyint((float)acc[c] * multiplier[c]) + zero_point, qmin, qmax)
//
// the requantization of NUMERICS.md "Octet's contract" 2 (one float32 conversion, one float32
// multiply, no FMA; zero point and clamp in float32), written as a byte at output + p * output_stride.
//
// The weights are (w_q - zw[c]) (-255..255), so the kernel needs no weight zero point, and every
// product fits int32 exactly: no saturating step anywhere. The operator points padding taps at
// `zero`, a row of `channels` input-zero-point bytes, and sets
//
//   col_init[c] = bias_q[c] - za * sum_t w(t, c)
//
// so that acc = bias_q + sum_t (a - za)(w_q - zw): padded taps contribute exactly zero.
// input_offset moves every real row by the same amount (the next image of a batch reuses the
// buffer); `zero` is never moved.
//
// Packed weights ("c1" layout, common to every variant): one int32 lane per (tap, channel),
// channels padded to a multiple of kQDwConvChannelTile with zero weights:
//
//   tap t:  [w(t, 0)] [w(t, 1)] ... [w(t, Cp - 1)]        int32, index t * Cp + c  (Cp = channels rounded up to 16)
//
// A lane is an int16 pair (w, sign) and the activations are zero-extended bytes (a, 0), so one
// vpmaddwd / vpdpwssd per tap gives a * w exactly: the x86 kernels need one widening (vpmovzxbd)
// and one multiply-add per 16 (AVX-512) or 8 (AVX2) products, no interleaving shuffles. The kernels
// read weights up to Cp (pads are zero), but input and output bytes only for c < channels: no
// over-read of activations, no write past the pixel.
//
// Kernel names (docs/naming.md): qu8 activations x qs8 weights (any zero points), depthwise
// convolution, float32 requantization; qint8 activations are passed as (a ^ 0x80) with za + 128
// by the operator, as for the GEMM (kernels/qgemm_kernels.h). `QS8` output writes int8 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <vector>

#include "octet/cpu_features.h"

#ifndef OCTET_IF_ARCH_portable
#define OCTET_IF_ARCH_portable(...) __VA_ARGS__
#endif
#ifndef OCTET_IF_ARCH_x86
#if defined(OCTET_ARCH_X86)
#define OCTET_IF_ARCH_x86(...) __VA_ARGS__
#else
#define OCTET_IF_ARCH_x86(...)
#endif
#endif

namespace octet::kernels {

// Channels of one weight block: the packed layout pads channels to a multiple of it.
inline constexpr size_t kQDwConvChannelTile = 16;

// The output stage: an unsigned (quint8) or signed (qint8) byte, qmin/qmax inside its range.
enum class QDwConvOutput : uint8_t { QU8, QS8 };

struct QDwConvParams {
  QDwConvOutput output = QDwConvOutput::QU8;
  const float* multiplier = nullptr;  // channels values: a_scale * w_scale[c] / out_scale, float32
  int32_t zero_point = 0;             // inside the output type's range
  int32_t qmin = 0;                   // ReLU: qmin = zero_point
  int32_t qmax = 255;
};

// pixels >= 1, taps >= 1, channels >= 1; input holds (pixels - 1) * input_stride + taps row
// pointers; weights are packed for (channels, taps) by qdwconv_pack_weights, in the taps' order;
// col_init holds `channels` values.
using qu8_qs8w_dwconv_fp32_fn = void (*)(size_t channels, size_t pixels, size_t taps, const uint8_t* const* input,
                                         size_t input_stride, size_t input_offset, const uint8_t* zero,
                                         const int32_t* weights,
                                         const int32_t* col_init, void* output, size_t output_stride,
                                         const QDwConvParams* params);

// OCTET_QDWCONV_UKERNEL(arch, name, isa, level) declares octet::kernels::<name>__<isa>.
#define OCTET_QDWCONV_UKERNEL(arch, name, isa, level) \
  OCTET_IF_ARCH_##arch(std::remove_pointer_t<name##_fn> name##__##isa;)
#include "kernels/qdwconv_kernels.inc"
#undef OCTET_QDWCONV_UKERNEL

struct QDwConvKernel {
  qu8_qs8w_dwconv_fp32_fn fn = nullptr;
  Isa isa = Isa::Ref;
  std::string_view name;  // e.g. "qu8_qs8w_dwconv_fp32__avx2"
};
// The best kernel usable under the current ISA cap (set_max_isa / OCTET_MAX_ISA), picked per call.
QDwConvKernel qdwconv_kernel();
// Every kernel compiled into this build, best level first (the tests run each one).
const std::vector<QDwConvKernel>& qdwconv_compiled_kernels();

// int32 elements of the packed weights for (channels, taps).
size_t qdwconv_packed_size(size_t channels, size_t taps);
// Packs w (channel c's taps at w + c * w_stride, PyTorch's [C, 1, kd, kh, kw] layout with
// w_stride = taps) minus the weight zero point (zero_point[c], or zero_point[0] for every channel
// when per_channel is false) into the c1 layout, and writes w_sum[c] = sum_t (w - zw).
void qdwconv_pack_weights(size_t channels, size_t taps, const int8_t* w, size_t w_stride, const int32_t* zero_point,
                          bool per_channel, int32_t* packed, int32_t* w_sum);

// ---- Row-pair kernels ----------------------------------------------------------------------------
//
// The indirection kernels above widen every byte of every tap (one shuffle per 8 or 16 products),
// which leaves 8-bit depthwise layers slower than float ones on AVX2. The row-pair kernels widen
// each input element once per input row instead, into "paired" rows that put two horizontally
// neighbouring pixels of one channel into one int32 lane as an int16 pair:
//
//   P[j][c] = a(j, c) | a(j + 1, c) << 16           j: padded column (column 0 is input column -pad_left)
//
// where a(j, c) is the input byte of padded column j (the input zero point in the padding). With
// weights paired the same way along the kernel width, W[r][q][c] = w(r, 2q, c) | w(r, 2q + 1, c) << 16
// (the second 0 when 2q + 1 == KW), one vpmaddwd / vpdpwssd gives two taps of 8 / 16 channels:
//
//   acc(ow, c) = col_init[c] + sum_{r < rows} sum_{q < pairs} P_r[ow * stride + 2q][c] (x) W[r][q][c]
//   (x) = lo16 * lo16 + hi16 * hi16 in int32, exact: |a| <= 255, |w| <= 255, a pair sum < 2^31
//
// and the memory operand of the multiply-add needs no shuffle at all: about 4 (AVX2) or 3 (VNNI)
// instructions per 16 / 32 products. A paired row serves every output row that reads it (KH of
// them at stride 1). rows = KD * KH kernel rows (r in the (kd, kh) order), pairs = ceil(KW / 2); width
// dilation must be 1 (the operator takes the indirection kernels otherwise). The sum, the
// requantization and the output bytes are those of the indirection kernels (the same col_init,
// multiplier and params): equal to qu8_qs8w_dwconv_fp32__scalar bit for bit.
//
// Layouts (cp = channels rounded up to kQDwConvChannelTile; lanes c >= channels are zero in W and
// ignored in P):
//   P_r: input[r][j * cp + c], j < (out_width - 1) * stride + 2 * pairs - 1, int32
//   W:   weights[(r * pairs + q) * cp + c], int32 (qdwconv_rowp_pack_weights)
// Output pixel ow's `channels` bytes go to output + ow * output_stride. Lanes past `channels` of
// P, W, col_init and multiplier are never read beyond cp (col_init / multiplier: beyond channels).
using qu8_qs8w_dwconv_rowp_fp32_fn = void (*)(size_t channels, size_t out_width, size_t rows, size_t pairs,
                                              size_t stride, const int32_t* const* input, const int32_t* weights,
                                              const int32_t* col_init, void* output, size_t output_stride,
                                              const QDwConvParams* params);

#define OCTET_QDWCONV_ROWP_UKERNEL(arch, name, isa, level) \
  OCTET_IF_ARCH_##arch(std::remove_pointer_t<name##_fn> name##__##isa;)
#include "kernels/qdwconv_rowp_kernels.inc"
#undef OCTET_QDWCONV_ROWP_UKERNEL

struct QDwConvRowpKernel {
  qu8_qs8w_dwconv_rowp_fp32_fn fn = nullptr;  // nullptr: none usable under the cap
  Isa isa = Isa::Ref;
  std::string_view name;
};
// The best row-pair kernel usable under the current ISA cap (fn == nullptr when none, e.g. `ref`).
QDwConvRowpKernel qdwconv_rowp_kernel();
const std::vector<QDwConvRowpKernel>& qdwconv_rowp_compiled_kernels();

// Pairs the c1 weights (qdwconv_pack_weights; tap t = kw * rows + r, the operator's column-major tap
// order) into W above: rows * ceil(kw / 2) * cp int32 values.
size_t qdwconv_rowp_packed_size(size_t channels, size_t rows, size_t kw);
void qdwconv_rowp_pack_weights(size_t channels, size_t rows, size_t kw, const int32_t* c1, int32_t* packed);
// One paired row: `columns` lanes-rows of P from an input row of `width` pixels (pixel i's
// `channels` bytes at in + i * in_stride; in == nullptr: a row of padding) starting at input
// column -pad_left, za in the padding and 0 in lanes c >= channels.
void qdwconv_rowp_pair_row(size_t channels, const uint8_t* in, size_t in_stride, size_t width, size_t pad_left,
                           size_t columns, uint8_t za, int32_t* out);
// Its variants (the function above takes the best usable one): every one writes the same lanes.
void qdwconv_rowp_pair_row__scalar(size_t channels, const uint8_t* in, size_t in_stride, size_t width,
                                   size_t pad_left, size_t columns, uint8_t za, int32_t* out);
OCTET_IF_ARCH_x86(void qdwconv_rowp_pair_row__avx2(size_t channels, const uint8_t* in, size_t in_stride, size_t width,
                                                   size_t pad_left, size_t columns, uint8_t za, int32_t* out);)

// ---- Row-quad kernels ----------------------------------------------------------------------------
//
// On AVX-512 VNNI the indirection kernel widens every byte of every tap (vpmovzxbd, one shuffle per 16
// products) and multiplies it with one vpdpwssd: the shuffle port binds. The row-quad kernels use
// vpdpbusd, which adds four u8 x s8 products into an int32 lane, on "quads": four horizontally
// neighbouring input pixels of one channel in one lane,
//
//   Q[j][c] = bytes (a(j, c), a(j + 1, c), a(j + 2, c), a(j + 3, c))    j: padded column (0 is -pad_left)
//
// (a(j, c) the input byte, the zero point in the padding), formed in registers from the input rows by
// two byte and two word unpacks per 16 channels, shared by neighbouring output pixels. With the
// weights of a kernel row in the same order, W[r][c] = (w(r, 0), w(r, 1), w(r, 2), w(r, 3)) (zero past
// KW), one vpdpbusd gives a whole kernel row of 16 channels:
//
//   acc(ow, c) = col_init[c] + sum_{r < 3} Q_r[ow * stride][c] . W[r][c]
//
// exact in int32 (no int16 stage). A 3x3 layer costs 3 vpdpbusd and about 6 shuffles per 16 channels
// and output pixel, against 9 vpmovzxbd + 9 vpdpwssd. Conditions: 3 kernel rows (KD * KH = 3),
// KW <= 4, width dilation 1, and int8 weights: w - zw in [-128, 127] for every tap (always so for
// symmetric weights; the operator checks qdwconv_rowq_weights_fit, else it keeps the indirection
// kernel). The sums and the output stage are the indirection kernels': equal to
// qu8_qs8w_dwconv_fp32__scalar bit for bit.
//
// Input: rows[r] points at input row r's pixel 0 (`channels` bytes per pixel, `width` pixels), or is
// null for a row of padding; padded column j is input pixel j - pad_left. Output pixel ow's bytes go
// to output + ow * output_stride + c, c < channels.
//
// Channel order: channels go in blocks, 64 wide (a 512-bit vector) while more than 32 remain, then
// one of 32 (256 bits); a block's last lanes may be padding. Inside a block of V channels the order is
// the one byte and word unpacks leave: vector k (k = 0..3), 128-bit lane L (L < V / 16), dword i holds
// channel 16 L + 4 k + i, i.e. the block's 16-byte chunk k * V / 16 + L holds channels 16 L + 4 k ..
// 16 L + 4 k + 3. The weights (qdwconv_rowq_pack_weights: W[r] for every block, 4 * padded_channels
// bytes per row) and col_init / multiplier (qdwconv_rowq_block_order, padded_channels values) come in
// that order; the kernel's byte packs undo it on the way out.
using qu8_qs8w_dwconv_rowq_fp32_fn = void (*)(size_t channels, size_t out_width, size_t stride,
                                              const uint8_t* const* rows, size_t width, size_t pad_left, uint8_t za,
                                              const int8_t* weights, const int32_t* col_init, const float* multiplier,
                                              void* output, size_t output_stride, const QDwConvParams* params);

#define OCTET_QDWCONV_ROWQ_UKERNEL(arch, name, isa, level) \
  OCTET_IF_ARCH_##arch(std::remove_pointer_t<name##_fn> name##__##isa;)
#include "kernels/qdwconv_rowq_kernels.inc"
#undef OCTET_QDWCONV_ROWQ_UKERNEL

struct QDwConvRowqKernel {
  qu8_qs8w_dwconv_rowq_fp32_fn fn = nullptr;  // nullptr: none usable under the cap
  Isa isa = Isa::Ref;
  std::string_view name;
};
// The best row-quad kernel usable under the current ISA cap (fn == nullptr when none).
QDwConvRowqKernel qdwconv_rowq_kernel();
const std::vector<QDwConvRowqKernel>& qdwconv_rowq_compiled_kernels();

// Channels rounded up to the blocks above (64, 64, ..., then 64 or 32).
size_t qdwconv_rowq_padded_channels(size_t channels);
// Whether every c1 weight (qdwconv_pack_weights: w - zw) fits int8, the row-quad kernels' condition.
bool qdwconv_rowq_weights_fit(size_t channels, size_t taps, const int32_t* c1);
// The c1 weights of a 3-row kernel of width kw <= 4 (tap t = kw * 3 + r, the operator's column-major
// tap order) in the block order: 3 * 4 * padded_channels int8 values.
size_t qdwconv_rowq_packed_size(size_t channels);
void qdwconv_rowq_pack_weights(size_t channels, size_t kw, const int32_t* c1, int8_t* packed);
// channels 32-bit values (int32, or float bit patterns) into the block order (padded_channels values,
// zeros in the padding).
void qdwconv_rowq_block_order(size_t channels, const uint32_t* in, uint32_t* out);

}  // namespace octet::kernels
