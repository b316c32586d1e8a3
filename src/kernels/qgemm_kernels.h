// qgemm_kernels.h: the 8-bit integer GEMM microkernels (u8 activations x s8 weights, int32 sums) and their dispatch.
//
// One tile computes, for i < mr rows and j < nc columns,
//
//   acc[i][j] = sum_{k < kc} a[i][k] * w[k][j]                       (raw stored integers)
//             + col_init[j]                                          (per call, see below)
//             - w_zero_point[j] * a_sum[i]                           (only when a_sum != nullptr)
//
// in wrapping 32-bit arithmetic (every term mod 2^32, so any order of summation gives the same
// bits), then hands acc to one output stage (QGemmOutput). With za the activations' zero point,
// zw[j] the weights' and bias_q[j] the int32 bias, the operator sets
//
//   col_init[j] = bias_q[j] - za * colsum_w[j] + K * za * zw[j],     a_sum[i] = sum_k a[i][k]
//
// which makes acc = bias_q + sum_k (a - za)(w - zw), the integer answer NUMERICS.md defines.
// a_sum is needed only when some zw[j] != 0 (symmetric weights never need it).
//
// Activations are unsigned bytes. qint8 activations are passed as (a ^ 0x80), which is a + 128 as
// an unsigned byte, with za + 128 as their zero point: the same sum, one kernel family.
//
// Packed weights ("c4" layout): K is padded to a multiple of KR = 4 and N to a multiple of the
// kernel's NR, pads are zero. Panel p holds columns [p*NR, p*NR + NR); inside it, k-group g holds
// NR columns of 4 consecutive k each, so one 32-bit lane is one column's 4 weights:
//
//   panel p:  g=0: [w(0,j0) w(1,j0) w(2,j0) w(3,j0)] [w(0,j1) .. w(3,j1)] ... [.. jNR-1]
//             g=1: [w(4,j0) .. w(7,j0)] ...
//   byte offset of w(k, p*NR + j) = p*NR*Kp + (k/4)*NR*4 + j*4 + k%4      (Kp = K rounded up to 4)
//
// This is the operand order of vpdpbusd / vpmaddubsw (4 consecutive k of one column per lane), so
// the AVX2 and AVX-512 VNNI kernels read the same layout; only NR differs between kernels.
//
// Activations: row i starts at a + i * a_stride and holds kc bytes, kc a multiple of 4; the bytes
// past the true K must be zero (the pad's weights are zero too, and the 7-bit kernels need every
// byte <= 127).
//
// Kernels whose name starts with qu7 require every activation byte to be <= 127: AVX2's vpmaddubsw
// adds two u8*s8 products into a saturating int16, and 2*127*128 = 32512 still fits while 2*255*128
// does not. The operator checks the bound (the largest byte qgemm_pack_activations or
// qgemm_scan_activations returns) and otherwise takes the qu8 kernel of the
// same layout, which is exact for every byte (vpmaddwd on widened int16, or VNNI's vpdpbusd, which
// has no int16 stage).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
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

// What a tile's acc becomes. The choice is made once per tile (after the K loop), so one kernel
// serves every output type.
enum class QGemmOutput : uint8_t {
  S32,  // c is int32_t: c = acc (convolution's col2im, tests)
  QU8,  // c is uint8_t: c = clamp(nearbyint((float)acc * multiplier[j]) + zero_point, qmin, qmax),
        //               0 <= qmin <= qmax <= 255
  QS8,  // c is int8_t:  the same formula, -128 <= qmin <= qmax <= 127
  F32,  // c is float:   c = clamp((float)acc * scale[j] + bias[j], min, max)  (dynamic linear)
};

// Parameters of one GEMM call. Pointers to per-column arrays are indexed by the tile's column j
// relative to the `col_init` / `multiplier` / ... base the caller passes for that tile (the caller
// advances them with the tile, as it does c).
//
// Requantization (QU8/QS8) is Octet's contract (NUMERICS.md 2): one float32 conversion of acc, one
// float32 multiply (no FMA), nearbyint, the zero point added and the clamp done in float32, then the
// conversion to the byte. A ReLU is qmin = zero_point. Every float step rounds in the current mode
// (to nearest unless the caller changed it), and every kernel follows that mode as the scalar one does.
// F32: one conversion, one multiply, one add (no FMA), then v = max < v ? max : v and
// v = min > v ? min : v (fmin/fmax with ties of +0/-0 resolved to v).
// Multipliers, scales and biases are finite, so no NaN arises.
struct QGemmParams {
  QGemmOutput output = QGemmOutput::S32;
  const int32_t* col_init = nullptr;      // nc values; required
  const int32_t* a_sum = nullptr;         // mr values, or nullptr when every weight zero point is 0
  const int32_t* w_zero_point = nullptr;  // nc values; read only when a_sum != nullptr
  // QU8 / QS8
  const float* multiplier = nullptr;  // nc values: a_scale * w_scale[j] / out_scale, as float32
  int32_t zero_point = 0;
  int32_t qmin = 0;
  int32_t qmax = 255;
  // F32
  const float* scale = nullptr;  // nc values: a_scale * w_scale[j], as float32
  const float* bias = nullptr;   // nc values (nullptr: no bias)
  float min = -__builtin_inff();
  float max = __builtin_inff();
};

// C[mr x nc] for 1 <= mr <= MR, 1 <= nc <= NR, kc a multiple of 4 (kc == 0 gives the epilogue
// alone). `w` points at one packed panel (NR columns, kc/4 groups); c row i is at
// c + i * c_stride bytes (a byte stride, since the element type depends on the output stage).
// A kernel reads exactly kc bytes of each of its mr activation rows, its panel, nc values of each
// per-column array and mr row sums, and writes exactly mr x nc outputs: no over-read, no over-write.
using qgemm_fn = void (*)(size_t mr, size_t nc, size_t kc, const uint8_t* a, size_t a_stride,
                          const int8_t* w, void* c, size_t c_stride, const QGemmParams* params);

// OCTET_QGEMM_UKERNEL(arch, name, isa, level, mr, nr, act_bits) declares octet::kernels::<name>__<isa>.
#define OCTET_QGEMM_UKERNEL(arch, name, isa, level, mr, nr, act_bits) \
  OCTET_IF_ARCH_##arch(std::remove_pointer_t<qgemm_fn> name##__##isa;)
#include "kernels/qgemm_kernels.inc"
#undef OCTET_QGEMM_UKERNEL

// A GEMM microkernel with its tile.
struct QGemmKernel {
  qgemm_fn fn = nullptr;
  size_t mr = 0;
  size_t nr = 0;             // the packed panel width it reads
  int act_bits = 8;          // 7: every activation byte must be <= 127; 8: any byte
  Isa isa = Isa::Ref;
  std::string_view name;     // e.g. "qu8_qs8w_gemm_4x8c4__avx2"
};

// The kernels the operators use under the current ISA cap: `exact` takes any activation byte,
// `fast7` (when not null) is quicker and needs bytes <= 127; both read panels of the same NR.
struct QGemmKernels {
  QGemmKernel exact;
  QGemmKernel fast7;  // fn == nullptr when the level has none
  Isa isa = Isa::Ref;
};
// Picked at each call from the cap (set_max_isa / OCTET_MAX_ISA), best level first: `exact` is the
// first usable 8-bit kernel of qgemm_compiled_kernels(); `fast7` the first 7-bit one of the same
// level and panel width, of any tile height (callers size row slivers by the chosen kernel's mr).
// The pick is cached per cap. With OCTET_VERBOSE=1, the first call that leads to a pick
// logs to stderr why each better candidate was rejected and what was picked (once per distinct pick).
QGemmKernels qgemm_kernels();
// The same pick, computed afresh; when `log` is not null it receives the verbose log's lines.
QGemmKernels qgemm_pick(std::vector<std::string>* log);
// Every kernel compiled into this build, best level first (tests run each against the scalar one).
const std::vector<QGemmKernel>& qgemm_compiled_kernels();

// ---- Indirect GEMM (igemm) ----------------------------------------------------------------------
//
// The same tile, sums and output stages as qgemm_fn, with the activation rows gathered through
// pointers (XNNPACK's igemm): row i of the tile is ks segments of kc bytes each (kc a multiple of 4),
// segment s at a[i * ks + s], so K = ks * kc and
//
//   acc[i][j] = sum_{s < ks} sum_{k < kc} a[i * ks + s][k] * w(s * kc + k, j)  + col_init[j] - zw[j] * a_sum[i]
//
// A convolution points the segments of an output pixel straight at the input rows it reads (one
// segment per kernel row: KW * C contiguous bytes of a channels-last input), instead of copying them
// into an im2col row. w is one packed c4 panel of K = ks * kc. A kernel reads exactly kc bytes at each
// of its mr * ks pointers and nothing else of the activations; pointers may repeat (padding rows).
using qigemm_fn = void (*)(size_t mr, size_t nc, size_t kc, size_t ks, const uint8_t* const* a, const int8_t* w,
                           void* c, size_t c_stride, const QGemmParams* params);

// OCTET_QIGEMM_UKERNEL(arch, name, isa, level, mr, nr, act_bits) declares octet::kernels::<name>__<isa>.
#define OCTET_QIGEMM_UKERNEL(arch, name, isa, level, mr, nr, act_bits) \
  OCTET_IF_ARCH_##arch(std::remove_pointer_t<qigemm_fn> name##__##isa;)
#include "kernels/qigemm_kernels.inc"
#undef OCTET_QIGEMM_UKERNEL

struct QIGemmKernel {
  qigemm_fn fn = nullptr;
  size_t mr = 0;
  size_t nr = 0;
  int act_bits = 8;
  Isa isa = Isa::Ref;
  std::string_view name;
};
struct QIGemmKernels {
  QIGemmKernel exact;
  QIGemmKernel fast7;  // fn == nullptr when none
  Isa isa = Isa::Ref;
};
// The igemm kernels for the panels qgemm_kernels() reads: `exact` the first usable 8-bit kernel of
// panel width qgemm_kernels().exact.nr, `fast7` the first usable 7-bit one of its level and width.
QIGemmKernels qigemm_kernels();
// Every igemm kernel compiled into this build, best level first.
const std::vector<QIGemmKernel>& qigemm_compiled_kernels();

// Packs w (N rows of K int8, row n at w + n * w_stride: PyTorch's [out_features, in_features]
// layout) into the c4 layout for panel width nr. `packed` must hold qgemm_packed_size(n, k, nr)
// bytes. Pads are zero.
size_t qgemm_packed_size(size_t n, size_t k, size_t nr);
void qgemm_pack_weights(size_t n, size_t k, size_t nr, const int8_t* w, size_t w_stride, int8_t* packed);

// Copies m rows of k activation bytes into rows of round_up(k, 4) bytes (zero pad), applying
// `flip` (0x80 turns qint8 into offset uint8, 0 copies), writes each row's sum of the written
// bytes to row_sum (when not null) and returns the largest byte written (0 for m == 0): the
// operator's check for the 7-bit kernels.
uint8_t qgemm_pack_activations(size_t m, size_t k, const uint8_t* a, size_t a_stride, uint8_t flip,
                               uint8_t* packed, size_t packed_stride, int32_t* row_sum);
// Its variants (the function above takes the best usable one; tests compare them): every one
// writes the same bytes, sums (mod 2^32) and maximum.
uint8_t qgemm_pack_activations__scalar(size_t m, size_t k, const uint8_t* a, size_t a_stride, uint8_t flip,
                                       uint8_t* packed, size_t packed_stride, int32_t* row_sum);
OCTET_IF_ARCH_x86(uint8_t qgemm_pack_activations__avx2(size_t m, size_t k, const uint8_t* a, size_t a_stride,
                                                       uint8_t flip, uint8_t* packed, size_t packed_stride,
                                                       int32_t* row_sum);)

// Scans m rows of k bytes (row i at a + i * a_stride) without copying them: returns the largest
// value of (byte ^ flip) (0 for m == 0 or k == 0) and, when row_sum is not null, writes each row's
// sum of its bytes (unflipped, mod 2^32). For activations already in the packed format (an im2col
// written in place, a 1x1 convolution's input rows): the operator's 7-bit check and row sums with
// no second copy. Every variant returns the same maximum and sums.
uint8_t qgemm_scan_activations(size_t m, size_t k, const uint8_t* a, size_t a_stride, uint8_t flip, int32_t* row_sum);
uint8_t qgemm_scan_activations__scalar(size_t m, size_t k, const uint8_t* a, size_t a_stride, uint8_t flip,
                                       int32_t* row_sum);
OCTET_IF_ARCH_x86(uint8_t qgemm_scan_activations__avx2(size_t m, size_t k, const uint8_t* a, size_t a_stride,
                                                       uint8_t flip, int32_t* row_sum);)

}  // namespace octet::kernels
