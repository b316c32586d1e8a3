// qpool-avx2.cpp: AVX2 8-bit pooling kernels: 32 outputs per block, taps loaded contiguously (stride 1) or deinterleaved (stride 2); bit-exact with qpool-scalar.cpp.
#if defined(OCTET_ARCH_X86)

#include <immintrin.h>

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/qpool_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace, and nothing here calls inline library functions
// (std::min, std::nearbyint, ...): another ISA's file may define same-shaped helpers with other
// flags, and one shared inline definition would let the linker run AVX2 code on older CPUs.
namespace {

// Signed inputs are biased to unsigned with x ^ 0x80 (= x + 128 as a byte), so one unsigned code
// path serves both types: max commutes with the bias, and a sum gains 128 per tap, which the
// average kernels take out of their int32 bias.
template <typename T>
inline __m256i flip_mask() {
  return _mm256_set1_epi8(std::is_signed_v<T> ? static_cast<char>(0x80) : 0);
}

template <typename T>
inline const uint8_t* bytes(const T* p) {
  return reinterpret_cast<const uint8_t*>(p);
}

// --- blocks ---------------------------------------------------------------------------------------
//
// Every kernel works in blocks of 32 outputs; a block reads, for each tap, either
//   stride 1: 32 consecutive bytes, or
//   stride 2: 64 consecutive bytes whose even bytes (odd bytes for a block loaded from one byte
//             earlier) are the 32 elements.
// A block that would read past the last element named, x[t][(n - 1) * stride], is moved back to
// end exactly there: the last stride-1 block starts at n - 32, and the last stride-2 block covers
// outputs n - 32 .. n - 1 loaded from byte 2(n - 32) - 1, so it ends on byte 2(n - 1) and takes the
// odd bytes. Its outputs overlap the block before, which computes the same values. Rows of 16 to
// 32 outputs run as two overlapping blocks of 16 the same way. Shorter rows, and other strides,
// copy each tap's elements into a zeroed local buffer first, except blocks of at most
// kFewOutputs outputs (a window at a row's edge), which are summed in scalar code.

// Contiguous/Even/Odd: 32 outputs (a 32- or 64-byte run); the 16 variants: 16 outputs (a 16- or
// 32-byte run), for rows of 16 to 32 outputs, in two overlapping blocks.
enum class Layout { Contiguous, Even, Odd, Contiguous16, Even16, Odd16 };

constexpr bool is_half(Layout l) { return l == Layout::Contiguous16 || l == Layout::Even16 || l == Layout::Odd16; }

// packus of two u16 vectors holding outputs 0-15 and 16-31 in order interleaves their 128-bit
// halves: (0-7, 16-23 | 8-15, 24-31). The permute restores 0-31.
inline __m256i fix_lane_order(__m256i v) { return _mm256_permute4x64_epi64(v, _MM_SHUFFLE(3, 1, 2, 0)); }

// Where a block's bytes come from: the tap itself at a byte offset, or a staging buffer.
struct DirectTaps {
  size_t offset;
  template <typename T>
  const uint8_t* operator()(const T* tap) const {
    return bytes(tap) + offset;
  }
};
struct StagedTaps {
  size_t first, m, stride;  // elements first, first + stride, ... (m of them)
  uint8_t* buf;             // 64 bytes, zeroed
  template <typename T>
  const uint8_t* operator()(const T* tap) const {
    const uint8_t* p = bytes(tap) + first * stride;
    if (stride <= 2) {
      std::memcpy(buf, p, (m - 1) * stride + 1);  // the tap's run, read in place below
    } else {
      for (size_t i = 0; i < m; ++i) buf[i] = p[i * stride];
    }
    return buf;
  }
};

// The 32 elements of a block as two u16 vectors (biased to unsigned), in the lane order the
// matching pack restores: Contiguous widens with unpacklo/hi_epi8 (outputs 0-7|16-23 and
// 8-15|24-31), Even/Odd mask or shift the u16 lanes of two loads (outputs 0-15 and 16-31).
template <Layout L>
inline void load_block(const uint8_t* p, __m256i flip, __m256i* a, __m256i* b) {
  if (is_half(L)) {  // 16 outputs in a, in order; b stays zero
    *b = _mm256_setzero_si256();
    if (L == Layout::Contiguous16) {
      const __m128i v = _mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), _mm256_castsi256_si128(flip));
      *a = _mm256_cvtepu8_epi16(v);
    } else {
      const __m256i v = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), flip);
      *a = L == Layout::Even16 ? _mm256_and_si256(v, _mm256_set1_epi16(0x00FF)) : _mm256_srli_epi16(v, 8);
    }
    return;
  }
  if (L == Layout::Contiguous) {
    const __m256i v = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), flip);
    *a = _mm256_unpacklo_epi8(v, _mm256_setzero_si256());
    *b = _mm256_unpackhi_epi8(v, _mm256_setzero_si256());
  } else {
    const __m256i v0 = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), flip);
    const __m256i v1 = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32)), flip);
    if (L == Layout::Even) {
      const __m256i even = _mm256_set1_epi16(0x00FF);
      *a = _mm256_and_si256(v0, even);
      *b = _mm256_and_si256(v1, even);
    } else {
      *a = _mm256_srli_epi16(v0, 8);
      *b = _mm256_srli_epi16(v1, 8);
    }
  }
}

// Packs two u16 vectors of outputs (values <= 255) back into 32 bytes in output order.
template <Layout L>
inline __m256i pack_block(__m256i a, __m256i b) {
  const __m256i v = _mm256_packus_epi16(a, b);
  return L == Layout::Contiguous ? v : fix_lane_order(v);
}

// Blocks of at most this many outputs (the windows at a row's edges, which the operators pass one
// at a time) skip the staging and run element by element.
constexpr size_t kFewOutputs = 4;

// Runs block(j, taps_source, layout) over every block of a row of n outputs.
template <typename Block>
void for_each_block(size_t n, size_t stride, Block&& block) {
  size_t j = 0;
  if (stride == 1 && n >= 32) {
    for (;; j += 32) {
      if (j + 32 > n) j = n - 32;
      block.template run<Layout::Contiguous>(j, DirectTaps{j});
      if (j + 32 == n) return;
    }
  }
  if (stride == 2 && n >= 33) {
    for (;; j += 32) {
      if (j + 32 >= n) {
        j = n - 32;
        block.template run<Layout::Odd>(j, DirectTaps{2 * j - 1});
        return;
      }
      block.template run<Layout::Even>(j, DirectTaps{2 * j});
    }
  }
  // 16 to 32 outputs: two blocks of 16, the second ending on the last element.
  if (stride == 1 && n >= 16) {
    block.template run<Layout::Contiguous16>(0, DirectTaps{0}, 16);
    block.template run<Layout::Contiguous16>(n - 16, DirectTaps{n - 16}, 16);
    return;
  }
  if (stride == 2 && n >= 17) {
    block.template run<Layout::Even16>(0, DirectTaps{0}, 16);
    block.template run<Layout::Odd16>(n - 16, DirectTaps{2 * (n - 16) - 1}, 16);
    return;
  }
  alignas(32) uint8_t buf[64] = {};
  for (; j < n; j += 32) {
    const size_t m = n - j < 32 ? n - j : 32;
    if (m <= kFewOutputs) {  // a window at a row's edge: not worth staging every tap
      block.run_few(j, m, stride);
      continue;
    }
    const StagedTaps staged{j, m, stride, buf};
    if (stride == 2) {
      block.template run<Layout::Even>(j, staged, m);
    } else {
      block.template run<Layout::Contiguous>(j, staged, m);
    }
  }
}

// Stores the 32 bytes of a block, or its first m (a staged block).
inline void store_block(uint8_t* y, __m256i v, size_t m) {
  if (m == 32) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y), v);
    return;
  }
  alignas(32) uint8_t out[32];
  _mm256_store_si256(reinterpret_cast<__m256i*>(out), v);
  std::memcpy(y, out, m);
}

// --- max -----------------------------------------------------------------------------------------

// In the biased domain 0 is the lowest value, so a block starts at 0 and taps == 0 gives the
// type's lowest value, as the scalar kernel does. The u16 lanes hold values <= 255, so max_epu16
// is the byte max.
template <typename T>
struct MaxBlock {
  size_t taps;
  const T* const* x;
  uint8_t* y;
  __m256i flip;

  template <Layout L, typename Taps>
  void run(size_t j, const Taps& taps_at, size_t m = 32) const {
    if (L == Layout::Contiguous) {  // bytes as they are: 32 lanes of max_epu8
      __m256i acc = _mm256_setzero_si256();
      for (size_t t = 0; t < taps; ++t) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(taps_at(x[t])));
        acc = _mm256_max_epu8(acc, _mm256_xor_si256(v, flip));
      }
      store_block(y + j, _mm256_xor_si256(acc, flip), m);
      return;
    }
    __m256i ma = _mm256_setzero_si256(), mb = _mm256_setzero_si256();
    for (size_t t = 0; t < taps; ++t) {
      __m256i a, b;
      load_block<L>(taps_at(x[t]), flip, &a, &b);
      ma = _mm256_max_epu16(ma, a);
      mb = _mm256_max_epu16(mb, b);
    }
    store_block(y + j, _mm256_xor_si256(pack_block<L>(ma, mb), flip), m);
  }

  void run_few(size_t j, size_t m, size_t stride) const {
    for (size_t i = j; i < j + m; ++i) {
      T v = static_cast<T>(std::is_signed_v<T> ? -128 : 0);
      for (size_t t = 0; t < taps; ++t) v = x[t][i * stride] > v ? x[t][i * stride] : v;
      y[i] = static_cast<uint8_t>(v);
    }
  }
};

template <typename T>
void maxpool(size_t n, size_t taps, const T* const* x, size_t stride, T* y) {  // (MaxBlock::run_few below)
  assert(stride >= 1);
  for_each_block(n, stride, MaxBlock<T>{taps, x, reinterpret_cast<uint8_t*>(y), flip_mask<T>()});
}

// --- average -------------------------------------------------------------------------------------

// The requantization of qpool-scalar.cpp on 8 lanes: (float)acc (cvtdq2ps, to nearest even, as the
// scalar conversion), one multiply, then the clamp to [qmin - zp, qmax - zp] BEFORE rounding, then
// cvtps2dq (the MXCSR mode, as nearbyint) and the zero point. Clamping first gives the same
// answer as the scalar round-then-clamp for every input: rounding is monotone and the bounds are
// integers, so it fixes them. Clamping first also keeps cvtps2dq away from out-of-range floats.
struct Requantizer {
  __m256i bias;
  __m256 multiplier, lo, hi;
  __m256i zero_point;

  Requantizer(int32_t acc_bias, const QAvgPoolParams* p)
      : bias(_mm256_set1_epi32(acc_bias)),
        multiplier(_mm256_set1_ps(p->multiplier)),
        lo(_mm256_set1_ps(static_cast<float>(p->qmin - p->zero_point))),
        hi(_mm256_set1_ps(static_cast<float>(p->qmax - p->zero_point))),
        zero_point(_mm256_set1_epi32(p->zero_point)) {}

  __m256i operator()(__m256i acc) const {
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(acc, bias)), multiplier);
    v = _mm256_min_ps(v, hi);
    v = _mm256_max_ps(v, lo);
    return _mm256_add_epi32(_mm256_cvtps_epi32(v), zero_point);
  }

  // One lane of the same, with the scalar forms of the same instructions (cvtsi2ss, mulss, minss,
  // maxss, cvtss2si: identical rounding and NaN rules).
  int32_t one(uint32_t acc) const {
    const uint32_t biased = acc + static_cast<uint32_t>(_mm256_cvtsi256_si32(bias));
    __m128 v = _mm_cvtsi32_ss(_mm_setzero_ps(), static_cast<int32_t>(biased));
    v = _mm_mul_ss(v, _mm256_castps256_ps128(multiplier));
    v = _mm_min_ss(v, _mm256_castps256_ps128(hi));
    v = _mm_max_ss(v, _mm256_castps256_ps128(lo));
    return _mm_cvtss_si32(v) + _mm256_cvtsi256_si32(zero_point);
  }
};

// One block: the taps' u16 lanes summed in two u16 vectors for up to 256 taps at a time
// (256 * 255 = 65280), then widened into four int32 vectors; any order of exact integer additions
// gives the same sums. unpacklo/hi_epi16 and packs_epi32 are inverse within each 128-bit half, so
// the requantized int16 vectors come back in the order the u16 sums held them, and the final pack
// restores the output order as pack_block does. All in locals, so the sums stay in registers.
template <typename T>
struct AvgBlock {
  size_t taps;
  const T* const* x;
  uint8_t* y;
  __m256i flip;
  Requantizer rq;

  template <Layout L, typename Taps>
  void run(size_t j, const Taps& taps_at, size_t m = 32) const {
    const __m256i z = _mm256_setzero_si256();
    __m256i d0 = z, d1 = z, d2 = z, d3 = z;
    size_t t = 0;
    do {
      const size_t end = taps - t > 256 ? t + 256 : taps;
      __m256i w0 = z, w1 = z;
      for (; t < end; ++t) {
        __m256i a, b;
        load_block<L>(taps_at(x[t]), flip, &a, &b);
        w0 = _mm256_add_epi16(w0, a);
        w1 = _mm256_add_epi16(w1, b);
      }
      d0 = _mm256_add_epi32(d0, _mm256_unpacklo_epi16(w0, z));
      d1 = _mm256_add_epi32(d1, _mm256_unpackhi_epi16(w0, z));
      d2 = _mm256_add_epi32(d2, _mm256_unpacklo_epi16(w1, z));
      d3 = _mm256_add_epi32(d3, _mm256_unpackhi_epi16(w1, z));
    } while (t < taps);
    const __m256i h0 = _mm256_packs_epi32(rq(d0), rq(d1)), h1 = _mm256_packs_epi32(rq(d2), rq(d3));
    const __m256i v = std::is_signed_v<T> ? _mm256_packs_epi16(h0, h1) : _mm256_packus_epi16(h0, h1);
    store_block(y + j, L == Layout::Contiguous ? v : fix_lane_order(v), m);
  }

  // Scalar sums (in uint32: wrapping, exact because the true total fits), the one-lane requantizer.
  void run_few(size_t j, size_t m, size_t stride) const {
    for (size_t i = j; i < j + m; ++i) {
      uint32_t sum = 0;
      for (size_t t = 0; t < taps; ++t) sum += static_cast<uint32_t>(bytes(x[t])[i * stride] ^ (std::is_signed_v<T> ? 0x80u : 0u));
      y[i] = static_cast<uint8_t>(rq.one(sum));
    }
  }
};

template <typename T>
void avgpool(size_t n, size_t taps, const T* const* x, size_t stride, T* y, const QAvgPoolParams* p) {
  assert(stride >= 1 && taps <= kQPoolMaxTaps);
  // Signed taps were summed as x + 128: take 128 per tap back out, in wrapping int32 arithmetic,
  // which is exact because the true total fits (the kernel's precondition).
  const int32_t bias = std::is_signed_v<T>
                           ? static_cast<int32_t>(static_cast<uint32_t>(p->bias) - 128u * static_cast<uint32_t>(taps))
                           : p->bias;
  for_each_block(n, stride, AvgBlock<T>{taps, x, reinterpret_cast<uint8_t*>(y), flip_mask<T>(), Requantizer(bias, p)});
}

// --- row sums ------------------------------------------------------------------------------------

// {0 x 32, 0xFF x 32}: 32 bytes loaded from offset 32 - k keep all but the first k.
alignas(64) constexpr uint8_t kKeepMaskTable[64] = {
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

// vpsadbw against zero adds 8 bytes into each 64-bit lane: 32 bytes per instruction, no overflow.
// A tail re-reads the last 32 bytes with the already counted ones masked to zero (biased bytes, so
// a masked byte adds nothing); rows shorter than 32 bytes are copied into a padded block whose
// padding flips to zero.
template <typename T>
int32_t rsum(size_t n, const T* x_in) {
  assert(n <= kQPoolMaxTaps);
  const uint8_t* x = bytes(x_in);
  const __m256i flip = flip_mask<T>();
  __m256i acc = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i v = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)), flip);
    acc = _mm256_add_epi64(acc, _mm256_sad_epu8(v, _mm256_setzero_si256()));
  }
  if (i < n) {
    __m256i v;
    if (n >= 32) {
      const size_t counted = i - (n - 32);  // bytes of the last 32 the loop already added
      const __m256i keep = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kKeepMaskTable + 32 - counted));
      v = _mm256_and_si256(_mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + n - 32)), flip), keep);
    } else {
      alignas(32) uint8_t buf[32];
      std::memset(buf, std::is_signed_v<T> ? 0x80 : 0, sizeof buf);
      std::memcpy(buf, x, n);
      v = _mm256_xor_si256(_mm256_load_si256(reinterpret_cast<const __m256i*>(buf)), flip);
    }
    acc = _mm256_add_epi64(acc, _mm256_sad_epu8(v, _mm256_setzero_si256()));
  }
  const __m128i h = _mm_add_epi64(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  int64_t s = _mm_cvtsi128_si64(h) + _mm_extract_epi64(h, 1);
  if (std::is_signed_v<T>) s -= 128 * static_cast<int64_t>(n);
  return static_cast<int32_t>(s);
}

}  // namespace

void qu8_maxpool__avx2(size_t n, size_t taps, const uint8_t* const* x, size_t stride, uint8_t* y) {
  maxpool(n, taps, x, stride, y);
}
void qs8_maxpool__avx2(size_t n, size_t taps, const int8_t* const* x, size_t stride, int8_t* y) {
  maxpool(n, taps, x, stride, y);
}
void qu8_avgpool_minmax_fp32__avx2(size_t n, size_t taps, const uint8_t* const* x, size_t stride, uint8_t* y,
                                   const QAvgPoolParams* params) {
  avgpool(n, taps, x, stride, y, params);
}
void qs8_avgpool_minmax_fp32__avx2(size_t n, size_t taps, const int8_t* const* x, size_t stride, int8_t* y,
                                   const QAvgPoolParams* params) {
  avgpool(n, taps, x, stride, y, params);
}
int32_t qu8_s32_rsum__avx2(size_t n, const uint8_t* x) { return rsum(n, x); }
int32_t qs8_s32_rsum__avx2(size_t n, const int8_t* x) { return rsum(n, x); }

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
