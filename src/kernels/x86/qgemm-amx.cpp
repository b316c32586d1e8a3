// qgemm-amx.cpp: AMX 8-bit GEMM microkernel over c4 panels (tdpbusd), meant to be bit-exact with qgemm-scalar.cpp.
//
// UNVERIFIED: the machine this was written on has no AMX, so this kernel has been compiled but never
// run. Its tests (tests/kernels/qgemm_kernels_test.cpp) skip unless isa_usable(Isa::Amx); run them
// on an AMX host (Sapphire Rapids or later) before trusting it.
//
// The c4 panel is the B operand of tdpbusd as it is: with NR = 16, 16 consecutive k-groups of a
// panel are a 16 x 64-byte tile (row g = k-group g: 16 columns x 4 k), and tdpbusd computes
//   C[i][j] += sum over groups g of sum_{t<4} A[i][4g + t] (u8) * B[g][4j + t] (s8)
// with the four products of a group summed exactly and added to the int32 accumulator, wrapping,
// as vpdpbusd does lane by lane. This tile is 16 rows x 32 columns: two C tiles share each A tile;
// the panel's k-group is 128 bytes, so B tile v (columns 16v..16v+15) starts at byte 64v of the
// group and has a row stride of 128. K is consumed 64 at a time (16 groups), then one shorter
// tile for the rest (kc % 64, configured separately), so nothing past kc is read.
//
// Tiles: tmm0/tmm1 C (mr x 16 int32), tmm2 A (mr x 64 bytes), tmm3/tmm4 B (16 x 64 bytes), tmm5 A tail
// (mr x tail bytes), tmm6/tmm7 B tail (tail/4 x 64 bytes). The accumulators go to a stack buffer
// and through the AVX-512 output stage shared with the VNNI kernel.
#if defined(OCTET_ARCH_X86)

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

#include "kernels/qgemm_kernels.h"

namespace octet::kernels {
// Helpers stay in this anonymous namespace: every x86 GEMM file has its own copies, compiled with its
// own flags, so the linker can never run this file's AMX-flagged code on a CPU without AMX.
namespace {

#include "kernels/x86/qgemm-epilogue-avx512.inc"

// The 64-byte tile configuration ldtilecfg reads (palette 1).
struct alignas(64) TileConfig {
  uint8_t palette_id = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};  // bytes per row of each tile
  uint8_t rows[16] = {};
};
static_assert(sizeof(TileConfig) == 64, "ldtilecfg reads 64 bytes");

constexpr size_t kMR = 16, kNR = 32, kGroupBytes = kNR * 4;

}  // namespace

void qu8_qs8w_gemm_16x32c4__amx(size_t mr, size_t nc, size_t kc, const uint8_t* a, size_t a_stride,
                                const int8_t* w, void* c, size_t c_stride, const QGemmParams* p) {
  assert(mr >= 1 && mr <= kMR && nc >= 1 && nc <= kNR && kc % 4 == 0);
  const size_t tail = kc % 64;
  TileConfig cfg;
  const auto rows = static_cast<uint8_t>(mr);
  cfg.rows[0] = rows, cfg.colsb[0] = 64;  // C, columns 0..15
  cfg.rows[1] = rows, cfg.colsb[1] = 64;  // C, columns 16..31
  cfg.rows[2] = rows, cfg.colsb[2] = 64;  // A, 64 k
  cfg.rows[3] = 16, cfg.colsb[3] = 64;    // B, 16 groups x columns 0..15
  cfg.rows[4] = 16, cfg.colsb[4] = 64;    // B, 16 groups x columns 16..31
  if (tail != 0) {
    cfg.rows[5] = rows, cfg.colsb[5] = static_cast<uint16_t>(tail);
    cfg.rows[6] = static_cast<uint8_t>(tail / 4), cfg.colsb[6] = 64;
    cfg.rows[7] = static_cast<uint8_t>(tail / 4), cfg.colsb[7] = 64;
  }
  _tile_loadconfig(&cfg);
  _tile_zero(0);
  _tile_zero(1);
  size_t k = 0;
  for (; k + 64 <= kc; k += 64) {
    const int8_t* wg = w + (k / 4) * kGroupBytes;
    _tile_loadd(2, a + k, static_cast<long>(a_stride));
    _tile_loadd(3, wg, static_cast<long>(kGroupBytes));
    _tile_loadd(4, wg + 64, static_cast<long>(kGroupBytes));
    _tile_dpbusd(0, 2, 3);
    _tile_dpbusd(1, 2, 4);
  }
  if (tail != 0) {
    const int8_t* wg = w + (k / 4) * kGroupBytes;
    _tile_loadd(5, a + k, static_cast<long>(a_stride));
    _tile_loadd(6, wg, static_cast<long>(kGroupBytes));
    _tile_loadd(7, wg + 64, static_cast<long>(kGroupBytes));
    _tile_dpbusd(0, 5, 6);
    _tile_dpbusd(1, 5, 7);
  }
  alignas(64) int32_t acc[kMR][kNR];
  _tile_stored(0, &acc[0][0], static_cast<long>(kNR * sizeof(int32_t)));
  _tile_stored(1, &acc[0][16], static_cast<long>(kNR * sizeof(int32_t)));
  _tile_release();

  Columns16 cols[2];
  cols[0] = load_columns(p, 0, nc);
  cols[1] = nc > 16 ? load_columns(p, 16, nc) : Columns16{};
  const Stage s = load_stage(p);
  for (size_t i = 0; i < mr; ++i) {
    char* row = static_cast<char*>(c) + i * c_stride;
    const int32_t a_sum_i = p->a_sum != nullptr ? p->a_sum[i] : 0;
    store_row16(_mm512_load_si512(&acc[i][0]), a_sum_i, cols[0], s, p, row, 0);
    if (nc > 16) store_row16(_mm512_load_si512(&acc[i][16]), a_sum_i, cols[1], s, p, row, 16);
  }
}

}  // namespace octet::kernels

#endif  // OCTET_ARCH_X86
