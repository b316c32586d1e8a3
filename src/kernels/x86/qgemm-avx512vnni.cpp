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

// acc[i][v] += the k-groups [0, kc) of row i (at rows[i]) times the panel at w (advanced past them).
template <size_t MR, size_t NV>
inline void accumulate(__m512i (&acc)[MR][NV], const uint8_t* const (&rows)[MR], size_t kc, const int8_t*& w) {
#pragma GCC unroll 2
  for (size_t k = 0; k < kc; k += 4) {
    __m512i wv[NV];
#pragma GCC unroll 4
    for (size_t v = 0; v < NV; ++v) wv[v] = _mm512_loadu_si512(w + 64 * v);
    w += 64 * NV;
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; ++i) {
      const __m512i ai = broadcast4(rows[i] + k);
#pragma GCC unroll 4
      for (size_t v = 0; v < NV; ++v) acc[i][v] = _mm512_dpbusd_epi32(acc[i][v], ai, wv[v]);
    }
  }
}

// MR rows x 16*NV columns: the sums start from col_init (loaded with the other per-column operands
// before the K loop), Rows::load gives the rows of each of its segments, then the output stage.
template <size_t MR, size_t NV, class Rows>
inline void tile(size_t nc, size_t kc, const Rows& rows, const int8_t* w, void* c, size_t c_stride,
                 const QGemmParams* p) {
  assert(nc >= 1 && nc <= 16 * NV && kc % 4 == 0);
  Columns16 cols[NV];
#pragma GCC unroll 4
  for (size_t v = 0; v < NV; ++v) cols[v] = 16 * v < nc ? load_columns(p, 16 * v, nc) : Columns16{};
  __m512i acc[MR][NV];
#pragma GCC unroll 16
  for (size_t i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (size_t v = 0; v < NV; ++v) acc[i][v] = cols[v].init;
  }
  for (size_t s = 0; s < rows.segments(); ++s) {
    const uint8_t* r[MR];
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; ++i) r[i] = rows.row(i, s);
    accumulate<MR, NV>(acc, r, kc, w);
  }

  if (p->a_sum != nullptr) {  // - w_zero_point[j] * a_sum[i], mod 2^32 (vpmulld keeps the low 32 bits)
#pragma GCC unroll 16
    for (size_t i = 0; i < MR; ++i) {
      const __m512i a_sum_i = _mm512_set1_epi32(p->a_sum[i]);
#pragma GCC unroll 4
      for (size_t v = 0; v < NV; ++v) acc[i][v] = _mm512_sub_epi32(acc[i][v], _mm512_mullo_epi32(cols[v].wzp, a_sum_i));
    }
  }
  if constexpr (NV == 2) {
    if (p->output == QGemmOutput::QU8 || p->output == QGemmOutput::QS8) {
      const Q8Stage s = load_q8_stage(p);
      const __mmask32 mask = nc >= 32 ? ~__mmask32(0) : static_cast<__mmask32>((1u << nc) - 1u);
      char* row = static_cast<char*>(c);
#pragma GCC unroll 8
      for (size_t i = 0; i + 1 < MR; i += 2, row += 2 * c_stride) {
        const __m512i b = q8_pack_rows(q8_row32(acc[i][0], acc[i][1], cols, s),
                                       q8_row32(acc[i + 1][0], acc[i + 1][1], cols, s), s.is_signed);
        store_bytes32(row, _mm512_castsi512_si256(b), nc, mask);
        store_bytes32(row + c_stride, _mm512_extracti64x4_epi64(b, 1), nc, mask);
      }
      if constexpr (MR % 2 == 1) {
        const __m512i t = q8_row32(acc[MR - 1][0], acc[MR - 1][1], cols, s);
        store_bytes32(row, _mm512_castsi512_si256(q8_pack_rows(t, t, s.is_signed)), nc, mask);
      }
      return;
    }
  }
  const Stage s = load_stage(p);
#pragma GCC unroll 16
  for (size_t i = 0; i < MR; ++i) {
    char* row = static_cast<char*>(c) + i * c_stride;
#pragma GCC unroll 4
    for (size_t v = 0; v < NV; ++v) {
      if (16 * v < nc) store_row16(acc[i][v], 0, cols[v], s, p, row, 16 * v, /*init_added=*/true);
    }
  }
}

// A GEMM tile's rows: one segment, row i at a + i * a_stride.
struct DirectRows {
  const uint8_t* a;
  size_t stride;
  static size_t segments() { return 1; }
  const uint8_t* row(size_t i, size_t) const { return a + i * stride; }
};

// An igemm tile's rows: ks segments, row i's segment s at a[i * ks + s].
struct IndirectRows {
  const uint8_t* const* a;
  size_t ks;
  size_t segments() const { return ks; }
  const uint8_t* row(size_t i, size_t s) const { return a[i * ks + s]; }
};

template <size_t MR, size_t NV>
struct Tile {
  static void gemm(size_t nc, size_t kc, const uint8_t* a, size_t a_stride, const int8_t* w, void* c,
                   size_t c_stride, const QGemmParams* p) {
    tile<MR, NV>(nc, kc, DirectRows{a, a_stride}, w, c, c_stride, p);
  }
  static void igemm(size_t nc, size_t kc, size_t ks, const uint8_t* const* a, const int8_t* w, void* c,
                    size_t c_stride, const QGemmParams* p) {
    tile<MR, NV>(nc, kc, IndirectRows{a, ks}, w, c, c_stride, p);
  }
};

// Runs Tile<R, NV> for R = mr (1 <= mr <= MR): each row count has its own instantiation, so a short
// tile (M = 1, the last rows of a product) costs its own rows only.
template <size_t NV, size_t... R>
inline void by_rows(std::index_sequence<R...>, size_t mr, size_t nc, size_t kc, const uint8_t* a, size_t a_stride,
                    const int8_t* w, void* c, size_t c_stride, const QGemmParams* p) {
  (void)((mr == R + 1 ? (Tile<R + 1, NV>::gemm(nc, kc, a, a_stride, w, c, c_stride, p), true) : false) || ...);
}
template <size_t NV, size_t... R>
inline void by_rows_indirect(std::index_sequence<R...>, size_t mr, size_t nc, size_t kc, size_t ks,
                             const uint8_t* const* a, const int8_t* w, void* c, size_t c_stride,
                             const QGemmParams* p) {
  (void)((mr == R + 1 ? (Tile<R + 1, NV>::igemm(nc, kc, ks, a, w, c, c_stride, p), true) : false) || ...);
}

}  // namespace

void qu8_qs8w_gemm_10x32c4__avx512vnni(size_t mr, size_t nc, size_t kc, const uint8_t* a, size_t a_stride,
                                       const int8_t* w, void* c, size_t c_stride, const QGemmParams* p) {
  assert(mr >= 1 && mr <= 10);
  by_rows<2>(std::make_index_sequence<10>(), mr, nc, kc, a, a_stride, w, c, c_stride, p);
}

void qu8_qs8w_igemm_10x32c4__avx512vnni(size_t mr, size_t nc, size_t kc, size_t ks, const uint8_t* const* a,
                                        const int8_t* w, void* c, size_t c_stride, const QGemmParams* p) {
  assert(mr >= 1 && mr <= 10 && ks >= 1);
  by_rows_indirect<2>(std::make_index_sequence<10>(), mr, nc, kc, ks, a, w, c, c_stride, p);
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
