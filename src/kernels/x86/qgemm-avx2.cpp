// qgemm-avx2.cpp: AVX2 8-bit GEMM microkernels over c4 panels (qu7: vpmaddubsw; qu8: vpmaddwd on int16), bit-exact with qgemm-scalar.cpp.
//
// Both kernels read the same c4 panels (NR = 8: one k-group of a panel is 32 bytes, one ymm).
//
// qu7 (activation bytes <= 127): per k-group and row, the 4 activation bytes are broadcast to every
// 32-bit lane and
//   vpmaddubsw  t16 = a0*w0 + a1*w1, a2*w2 + a3*w3    (u8 x s8 -> int16, saturating)
//   vpmaddwd    t32 = t16_lo + t16_hi                  (x ones: int16 pairs -> int32, exact)
//   vpaddd      acc += t32                             (wrapping)
// The int16 sums cannot saturate: |a*w + a'*w'| <= 2 * 127 * 128 = 32512 < 32767.
//
// qu8 (any byte): both operands are widened to int16 first, so no product can saturate:
//   vpmovsxbw   weights of 4 columns (16 bytes) -> 16 x int16
//   vpmovzxbw   the row's 4 bytes, broadcast 4 times -> 16 x int16 (a0 a1 a2 a3 a0 a1 a2 a3 ...)
//   vpmaddwd    a0*w0 + a1*w1, a2*w2 + a3*w3 per column (2 lanes per column), |.| <= 2*255*128
//   vpaddd      acc += ...
// and the two lanes of each column are added once, after the K loop (vphaddd).
//
// The epilogue is the scalar kernel's, 8 columns at a time: the same float32 operations in the same
// order (separate multiply and add, never FMA), rounding by vroundps in the current MXCSR mode (what
// nearbyint does), clamping in float, so the bytes equal the scalar ones under every rounding mode.
#if defined(OCTET_ARCH_X86)

#include <immintrin.h>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "kernels/qgemm_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace: the AVX-512 file has helpers of the same shape built with
// other flags, and one shared inline definition would let the linker run AVX-512 code on AVX2 CPUs.
// For the same reason nothing here calls inline library functions (std::min, std::nearbyint, ...).
namespace {

// Lanes [0, n) set, for n in 0..8: a window into {-1 x 8, 0 x 8}.
alignas(64) constexpr int32_t kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

inline __m256i lane_mask(size_t n) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&kMaskTable[8 - n]));
}

// Dwords [0, n) set, for n in 0..4: the mask of _mm_maskload_epi32 / _mm_maskstore_epi32.
inline __m128i tail_dwords(size_t n) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(&kMaskTable[8 - n]));
}

inline __m256i broadcast4(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// vbroadcastss from memory: a load-port uop only. GCC turns _mm_set1_epi32 of a loaded int, and even
// _mm_broadcastd_epi32(_mm_loadu_si32(p)), into vmovd + vpshufd: one more shuffle-port uop per row
// and k-group, 15% of the qu8 kernel's speed.
inline __m128i broadcast4_128(const uint8_t* p) {
  return _mm_castps_si128(_mm_broadcast_ss(reinterpret_cast<const float*>(p)));
}

// Writes the low n <= 8 bytes of v.
inline void store_bytes(void* y, size_t n, __m128i v) {
  uint8_t* out = static_cast<uint8_t*>(y);
  if (n == 8) {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), v);
    return;
  }
  uint64_t bits = static_cast<uint64_t>(_mm_cvtsi128_si64(v));
  if (n & 4) {
    const uint32_t w = static_cast<uint32_t>(bits);
    std::memcpy(out, &w, 4);
    out += 4;
    bits >>= 32;
  }
  if (n & 2) {
    const uint16_t h = static_cast<uint16_t>(bits);
    std::memcpy(out, &h, 2);
    out += 2;
    bits >>= 16;
  }
  if (n & 1) *out = static_cast<uint8_t>(bits);
}

// The per-column operands of one vector of 8 columns, loaded once per tile. Masked loads read only
// the nc valid columns (the caller's arrays hold nc values), and give 0 in the other lanes.
struct Columns8 {
  __m256i init;  // col_init
  __m256i wzp;   // w_zero_point (only when a_sum != nullptr)
  __m256 mul;    // multiplier (QU8/QS8) or scale (F32)
  __m256 bias;   // F32 bias (0 when absent; then it is not added)
  __m256i mask;  // lanes < nc
  size_t n;      // valid columns in this vector, 1..8
};

inline Columns8 load_columns(const QGemmParams* p, size_t j0, size_t nc) {
  Columns8 c;
  c.n = nc - j0 < 8 ? nc - j0 : 8;
  c.mask = lane_mask(c.n);
  c.init = _mm256_maskload_epi32(p->col_init + j0, c.mask);
  c.wzp = p->a_sum != nullptr ? _mm256_maskload_epi32(p->w_zero_point + j0, c.mask) : _mm256_setzero_si256();
  c.mul = _mm256_setzero_ps();
  c.bias = _mm256_setzero_ps();
  if (p->output == QGemmOutput::QU8 || p->output == QGemmOutput::QS8) {
    c.mul = _mm256_maskload_ps(p->multiplier + j0, c.mask);
  } else if (p->output == QGemmOutput::F32) {
    c.mul = _mm256_maskload_ps(p->scale + j0, c.mask);
    if (p->bias != nullptr) c.bias = _mm256_maskload_ps(p->bias + j0, c.mask);
  }
  return c;
}

// The row-invariant float constants of the output stages.
struct Stage {
  __m256 zp, qmin, qmax;  // QU8 / QS8
  __m256 lo, hi;          // F32
};

inline Stage load_stage(const QGemmParams* p) {
  Stage s;
  s.zp = _mm256_set1_ps(static_cast<float>(p->zero_point));
  s.qmin = _mm256_set1_ps(static_cast<float>(p->qmin));
  s.qmax = _mm256_set1_ps(static_cast<float>(p->qmax));
  s.lo = _mm256_set1_ps(p->min);
  s.hi = _mm256_set1_ps(p->max);
  return s;
}

// acc (8 columns of one row, in column order) through the output stage into c row `row`, columns
// [j0, j0 + cols.n). a_sum_i is the row's activation sum (ignored unless p->a_sum).
inline void store_row8(__m256i acc, int32_t a_sum_i, const Columns8& cols, const Stage& s, const QGemmParams* p,
                       char* row, size_t j0) {
  // acc + col_init - w_zero_point * a_sum, every term mod 2^32 (vpmulld keeps the low 32 bits).
  acc = _mm256_add_epi32(acc, cols.init);
  if (p->a_sum != nullptr) acc = _mm256_sub_epi32(acc, _mm256_mullo_epi32(cols.wzp, _mm256_set1_epi32(a_sum_i)));
  switch (p->output) {
    case QGemmOutput::S32: {
      int32_t* out = reinterpret_cast<int32_t*>(row) + j0;
      if (cols.n == 8) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), acc);
      } else {
        _mm256_maskstore_epi32(out, cols.mask, acc);
      }
      break;
    }
    case QGemmOutput::QU8:
    case QGemmOutput::QS8: {
      // t = nearbyint((float)acc * M) + zp; min(t, qmax) (minps returns qmax, its second operand, for
      // a NaN t, as the scalar !(t <= qmax) does); max(qmin, t); then exact integers.
      __m256 t = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), cols.mul);
      t = _mm256_round_ps(t, _MM_FROUND_CUR_DIRECTION | _MM_FROUND_NO_EXC);
      t = _mm256_add_ps(t, s.zp);
      t = _mm256_min_ps(t, s.qmax);
      t = _mm256_max_ps(s.qmin, t);
      const __m256i q = _mm256_cvttps_epi32(t);  // integral, inside [qmin, qmax]: exact
      // Saturating packs are exact here: every value is already inside the byte type's range.
      const __m128i q16 = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
      const __m128i q8 = p->output == QGemmOutput::QU8 ? _mm_packus_epi16(q16, q16) : _mm_packs_epi16(q16, q16);
      store_bytes(row + j0, cols.n, q8);
      break;
    }
    case QGemmOutput::F32: {
      // (float)acc * scale (+ bias), then max < v ? max : v and min > v ? min : v (vminps(x, y) is
      // x < y ? x : y), the scalar kernel's clamp, signed zeros included.
      __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), cols.mul);
      if (p->bias != nullptr) v = _mm256_add_ps(v, cols.bias);
      v = _mm256_min_ps(s.hi, v);
      v = _mm256_max_ps(s.lo, v);
      float* out = reinterpret_cast<float*>(row) + j0;
      if (cols.n == 8) {
        _mm256_storeu_ps(out, v);
      } else {
        _mm256_maskstore_ps(out, cols.mask, v);
      }
      break;
    }
  }
}

// The epilogue of an MR x (8 * NV) tile whose accumulators are in column order.
template <size_t MR, size_t NV>
inline void store_tile(const __m256i (&acc)[MR][NV], void* c, size_t c_stride, size_t nc, const QGemmParams* p) {
  Columns8 cols[NV];
#pragma GCC unroll 4
  for (size_t v = 0; v < NV; ++v) cols[v] = 8 * v < nc ? load_columns(p, 8 * v, nc) : Columns8{};
  const Stage s = load_stage(p);
#pragma GCC unroll 12
  for (size_t i = 0; i < MR; ++i) {
    char* row = static_cast<char*>(c) + i * c_stride;
    const int32_t a_sum_i = p->a_sum != nullptr ? p->a_sum[i] : 0;
#pragma GCC unroll 4
    for (size_t v = 0; v < NV; ++v) {
      if (8 * v < nc) store_row8(acc[i][v], a_sum_i, cols[v], s, p, row, 8 * v);
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

// Runs TILE<R, NV> for R = mr (1 <= mr <= MR): every row count has its own instantiation, so a short
// tile (M = 1 in a linear layer, the last rows of a product) costs its own rows only, not MR.
template <size_t NV, template <size_t, size_t> class Tile, class Rows, size_t... R>
inline void by_rows(std::index_sequence<R...>, size_t mr, size_t nc, size_t kc, const Rows& rows, const int8_t* w,
                    void* c, size_t c_stride, const QGemmParams* p) {
  (void)((mr == R + 1 ? (Tile<R + 1, NV>::run(nc, kc, rows, w, c, c_stride, p), true) : false) || ...);
}

// qu7: MR rows x 8*NV columns; every activation byte <= 127 (see the top of the file).
template <size_t MR, size_t NV>
struct Qu7Tile {
  template <class Rows>
  static void run(size_t nc, size_t kc, const Rows& rows, const int8_t* w, void* c, size_t c_stride,
                  const QGemmParams* p) {
    assert(nc >= 1 && nc <= 8 * NV && kc % 4 == 0);
    __m256i acc[MR][NV];
#pragma GCC unroll 12
    for (size_t i = 0; i < MR; ++i) {
#pragma GCC unroll 4
      for (size_t v = 0; v < NV; ++v) acc[i][v] = _mm256_setzero_si256();
    }
    const __m256i ones = _mm256_set1_epi16(1);
    for (size_t s = 0; s < rows.segments(); ++s) {
      const uint8_t* a[MR];
#pragma GCC unroll 12
      for (size_t i = 0; i < MR; ++i) a[i] = rows.row(i, s);
#pragma GCC unroll 2
      for (size_t k = 0; k < kc; k += 4) {
        __m256i wv[NV];
#pragma GCC unroll 4
        for (size_t v = 0; v < NV; ++v) wv[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 32 * v));
        w += 32 * NV;
#pragma GCC unroll 12
        for (size_t i = 0; i < MR; ++i) {
          const __m256i ai = broadcast4(a[i] + k);
#pragma GCC unroll 4
          for (size_t v = 0; v < NV; ++v) {
            const __m256i t = _mm256_madd_epi16(_mm256_maddubs_epi16(ai, wv[v]), ones);
            acc[i][v] = _mm256_add_epi32(acc[i][v], t);
          }
        }
      }
    }
    store_tile<MR, NV>(acc, c, c_stride, nc, p);
  }
};

// qu8: MR rows x 8*NV columns, any activation byte (see the top of the file). Accumulator u of a row
// holds columns 4u..4u+3 as pairs of lanes (k 0-1 and k 2-3 of each group).
template <size_t MR, size_t NV>
struct Qu8Tile {
  template <class Rows>
  static void run(size_t nc, size_t kc, const Rows& rows, const int8_t* w, void* c, size_t c_stride,
                  const QGemmParams* p) {
    assert(nc >= 1 && nc <= 8 * NV && kc % 4 == 0);
    constexpr size_t NU = 2 * NV;  // vectors of 4 columns
    __m256i acc[MR][NU];
#pragma GCC unroll 12
    for (size_t i = 0; i < MR; ++i) {
#pragma GCC unroll 8
      for (size_t u = 0; u < NU; ++u) acc[i][u] = _mm256_setzero_si256();
    }
    for (size_t s = 0; s < rows.segments(); ++s) {
      const uint8_t* a[MR];
#pragma GCC unroll 12
      for (size_t i = 0; i < MR; ++i) a[i] = rows.row(i, s);
#pragma GCC unroll 2
      for (size_t k = 0; k < kc; k += 4) {
        __m256i wv[NU];
#pragma GCC unroll 8
        for (size_t u = 0; u < NU; ++u) {
          wv[u] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + 16 * u)));
        }
        w += 16 * NU;
#pragma GCC unroll 12
        for (size_t i = 0; i < MR; ++i) {
          const __m256i ai = _mm256_cvtepu8_epi16(broadcast4_128(a[i] + k));
#pragma GCC unroll 8
          for (size_t u = 0; u < NU; ++u) acc[i][u] = _mm256_add_epi32(acc[i][u], _mm256_madd_epi16(ai, wv[u]));
        }
      }
    }
    // Pairs to columns: hadd(x, y) per 128-bit half gives [x0+x1, x2+x3, y0+y1, y2+y3], i.e. columns
    // (0 1 4 5 | 2 3 6 7) of the 8 held by accumulators u = 2v, 2v + 1; vpermq 0xD8 puts them in order.
    __m256i sum[MR][NV];
#pragma GCC unroll 12
    for (size_t i = 0; i < MR; ++i) {
#pragma GCC unroll 4
      for (size_t v = 0; v < NV; ++v) {
        sum[i][v] = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[i][2 * v], acc[i][2 * v + 1]), 0xD8);
      }
    }
    store_tile<MR, NV>(sum, c, c_stride, nc, p);
  }
};

}  // namespace

void qu7_qs8w_gemm_8x8c4__avx2(size_t mr, size_t nc, size_t kc, const uint8_t* a, size_t a_stride,
                               const int8_t* w, void* c, size_t c_stride, const QGemmParams* p) {
  assert(mr >= 1 && mr <= 8);
  by_rows<1, Qu7Tile>(std::make_index_sequence<8>(), mr, nc, kc, DirectRows{a, a_stride}, w, c, c_stride, p);
}

void qu8_qs8w_gemm_6x8c4__avx2(size_t mr, size_t nc, size_t kc, const uint8_t* a, size_t a_stride,
                               const int8_t* w, void* c, size_t c_stride, const QGemmParams* p) {
  assert(mr >= 1 && mr <= 6);
  by_rows<1, Qu8Tile>(std::make_index_sequence<6>(), mr, nc, kc, DirectRows{a, a_stride}, w, c, c_stride, p);
}

void qu7_qs8w_igemm_8x8c4__avx2(size_t mr, size_t nc, size_t kc, size_t ks, const uint8_t* const* a,
                                const int8_t* w, void* c, size_t c_stride, const QGemmParams* p) {
  assert(mr >= 1 && mr <= 8 && ks >= 1);
  by_rows<1, Qu7Tile>(std::make_index_sequence<8>(), mr, nc, kc, IndirectRows{a, ks}, w, c, c_stride, p);
}

void qu8_qs8w_igemm_6x8c4__avx2(size_t mr, size_t nc, size_t kc, size_t ks, const uint8_t* const* a,
                                const int8_t* w, void* c, size_t c_stride, const QGemmParams* p) {
  assert(mr >= 1 && mr <= 6 && ks >= 1);
  by_rows<1, Qu8Tile>(std::make_index_sequence<6>(), mr, nc, kc, IndirectRows{a, ks}, w, c, c_stride, p);
}

// Activation packing: 32 bytes per step, then 16, then the last r < 16 bytes and the zero pad in one
// masked step, so that short rows (K = 16..147 in the first layers of CNNs) cost a few instructions,
// not a byte loop. Each step flips the bytes, stores them, sums them by vpsadbw (exact 64-bit sums,
// kept mod 2^32 like the scalar sum) and folds them into a running vpmaxub. Nothing is read past a
// row's k bytes nor written past its round_up(k, 4).
uint8_t qgemm_pack_activations__avx2(size_t m, size_t k, const uint8_t* a, size_t a_stride, uint8_t flip,
                                     uint8_t* packed, size_t packed_stride, int32_t* row_sum) {
  const size_t kp = (k + 3) / 4 * 4;
  // Byte i of the window at kByteMask + 16 - r is 0xFF for i < r (the valid bytes of a tail of r).
  alignas(64) static constexpr uint8_t kByteMask[32] = {
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0};
  const __m256i vflip = _mm256_set1_epi8(static_cast<char>(flip));
  const __m128i vflip16 = _mm256_castsi256_si128(vflip);
  const __m256i zero = _mm256_setzero_si256();
  const __m128i zero16 = _mm_setzero_si128();
  __m256i vmax = zero;
  __m128i vmax16 = zero16;
  for (size_t i = 0; i < m; ++i) {
    const uint8_t* src = a + i * a_stride;
    uint8_t* dst = packed + i * packed_stride;
    __m256i vsum = zero;
    size_t kk = 0;
    for (; kk + 32 <= k; kk += 32) {
      const __m256i v = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + kk)), vflip);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + kk), v);
      vsum = _mm256_add_epi64(vsum, _mm256_sad_epu8(v, zero));
      vmax = _mm256_max_epu8(vmax, v);
    }
    __m128i vsum16 = _mm_add_epi64(_mm256_castsi256_si128(vsum), _mm256_extracti128_si256(vsum, 1));
    if (kk + 16 <= k) {
      const __m128i v = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + kk)), vflip16);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + kk), v);
      vsum16 = _mm_add_epi64(vsum16, _mm_sad_epu8(v, zero16));
      vmax16 = _mm_max_epu8(vmax16, v);
      kk += 16;
    }
    if (kk < kp) {
      // r < 16 bytes left: its whole dwords by a masked load, the last r % 4 bytes one by one, the
      // flip on the r valid bytes only (the pad stays 0), and (r + 3) / 4 dwords stored.
      const size_t r = k - kk, whole = r / 4;
      __m128i v = _mm_maskload_epi32(reinterpret_cast<const int*>(src + kk), tail_dwords(whole));
      if (r % 4 != 0) {
        const uint8_t* t = src + kk + 4 * whole;
        int32_t last = t[0];
        if (r % 4 > 1) last |= static_cast<int32_t>(t[1]) << 8;
        if (r % 4 > 2) last |= static_cast<int32_t>(t[2]) << 16;
        switch (whole) {
          case 0: v = _mm_insert_epi32(v, last, 0); break;
          case 1: v = _mm_insert_epi32(v, last, 1); break;
          case 2: v = _mm_insert_epi32(v, last, 2); break;
          default: v = _mm_insert_epi32(v, last, 3); break;
        }
      }
      const __m128i valid = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kByteMask + 16 - r));
      v = _mm_xor_si128(v, _mm_and_si128(vflip16, valid));
      _mm_maskstore_epi32(reinterpret_cast<int*>(dst + kk), tail_dwords((kp - kk) / 4), v);
      vsum16 = _mm_add_epi64(vsum16, _mm_sad_epu8(v, zero16));
      vmax16 = _mm_max_epu8(vmax16, v);
    }
    if (row_sum != nullptr) {
      const uint64_t sum = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_add_epi64(vsum16, _mm_unpackhi_epi64(vsum16, vsum16))));
      row_sum[i] = static_cast<int32_t>(static_cast<uint32_t>(sum));
    }
  }
  // The largest of the byte lanes.
  __m128i m16 = _mm_max_epu8(vmax16, _mm_max_epu8(_mm256_castsi256_si128(vmax), _mm256_extracti128_si256(vmax, 1)));
  m16 = _mm_max_epu8(m16, _mm_srli_si128(m16, 8));
  m16 = _mm_max_epu8(m16, _mm_srli_si128(m16, 4));
  m16 = _mm_max_epu8(m16, _mm_srli_si128(m16, 2));
  m16 = _mm_max_epu8(m16, _mm_srli_si128(m16, 1));
  return static_cast<uint8_t>(_mm_cvtsi128_si32(m16));
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
