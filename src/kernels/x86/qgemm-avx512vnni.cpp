// qgemm-avx512vnni.cpp: AVX-512 VNNI 8-bit GEMM microkernels over c4 panels (vpdpbusd), bit-exact with qgemm-scalar.cpp.
//
// One k-group of a panel of NR = 16 columns is 64 bytes, one zmm: 16 lanes of 4 consecutive k of one
// column, the operand order of vpdpbusd. Per k-group and row, the row's 4 activation bytes are
// broadcast to every lane and
//   vpdpbusd  acc += a0*w0 + a1*w1 + a2*w2 + a3*w3      (u8 x s8, 32-bit sum, wrapping)
// The four products and their sum are exact in int32 (|.| <= 4 * 255 * 128); only the accumulation
// wraps, as the contract's wrapping sum does. There is no int16 stage, so every activation byte is
// allowed: this family needs no 7-bit variant.
//
// The epilogue is the scalar kernel's, 16 columns at a time, with the same float32 operations in the
// same order (no FMA), rounding by vrndscaleps in the current MXCSR mode (nearbyint), masked loads
// and stores for the columns past nc.
#if defined(OCTET_ARCH_X86)

// GCC 12 flags the intrinsics' own _mm512_undefined_*() placeholders as maybe-uninitialized (GCC
// bug 105593); the warning points into the header, so it is silenced for the header only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "kernels/qgemm_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace: the AVX2 file has helpers of the same shape, and one
// shared inline definition would let the linker pick this file's AVX-512 code for AVX2-only CPUs.
namespace {

// The 16-column output stage (Columns16, Stage, store_row16), shared with the AMX kernel.
#include "kernels/x86/qgemm-epilogue-avx512.inc"

inline __m512i broadcast4(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// MR rows x 16*NV columns.
template <size_t MR, size_t NV>
struct Tile {
  static void run(size_t nc, size_t kc, const uint8_t* a, size_t a_stride, const int8_t* w, void* c, size_t c_stride,
                  const QGemmParams* p) {
    assert(nc >= 1 && nc <= 16 * NV && kc % 4 == 0);
    __m512i acc[MR][NV];
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; ++i) {
#pragma GCC unroll 4
      for (size_t v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_si512();
    }
#pragma GCC unroll 2
    for (size_t k = 0; k < kc; k += 4) {
      __m512i wv[NV];
#pragma GCC unroll 4
      for (size_t v = 0; v < NV; ++v) wv[v] = _mm512_loadu_si512(w + 64 * v);
      w += 64 * NV;
#pragma GCC unroll 16
      for (size_t i = 0; i < MR; ++i) {
        const __m512i ai = broadcast4(a + i * a_stride + k);
#pragma GCC unroll 4
        for (size_t v = 0; v < NV; ++v) acc[i][v] = _mm512_dpbusd_epi32(acc[i][v], ai, wv[v]);
      }
    }

    Columns16 cols[NV];
#pragma GCC unroll 4
    for (size_t v = 0; v < NV; ++v) cols[v] = 16 * v < nc ? load_columns(p, 16 * v, nc) : Columns16{};
    const Stage s = load_stage(p);
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; ++i) {
      char* row = static_cast<char*>(c) + i * c_stride;
      const int32_t a_sum_i = p->a_sum != nullptr ? p->a_sum[i] : 0;
#pragma GCC unroll 4
      for (size_t v = 0; v < NV; ++v) {
        if (16 * v < nc) store_row16(acc[i][v], a_sum_i, cols[v], s, p, row, 16 * v);
      }
    }
  }
};

// Runs Tile<R, NV> for R = mr (1 <= mr <= MR): each row count has its own instantiation, so a short
// tile (M = 1, the last rows of a product) costs its own rows only.
template <size_t NV, size_t... R>
inline void by_rows(std::index_sequence<R...>, size_t mr, size_t nc, size_t kc, const uint8_t* a, size_t a_stride,
                    const int8_t* w, void* c, size_t c_stride, const QGemmParams* p) {
  (void)((mr == R + 1 ? (Tile<R + 1, NV>::run(nc, kc, a, a_stride, w, c, c_stride, p), true) : false) || ...);
}

}  // namespace

void qu8_qs8w_gemm_10x32c4__avx512vnni(size_t mr, size_t nc, size_t kc, const uint8_t* a, size_t a_stride,
                                       const int8_t* w, void* c, size_t c_stride, const QGemmParams* p) {
  assert(mr >= 1 && mr <= 10);
  by_rows<2>(std::make_index_sequence<10>(), mr, nc, kc, a, a_stride, w, c, c_stride, p);
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
