// qgemm_dispatch_test.cpp: the 8-bit GEMM list and pick (ISA cap, 7-bit pairing, verbose log), and the
// weight / activation packing the kernels read.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/test_util.h"
#include "core/verbose.h"
#include "kernels/qgemm_kernels.h"
#include "kernels/quantize_tester.h"  // GuardedBuffer
#include "octet/cpu_features.h"

namespace octet::kernels {
namespace {

// Restores the ISA cap when a test that moves it ends, however it ends.
class CapGuard {
 public:
  CapGuard() : saved_(max_isa()) {}
  ~CapGuard() { set_max_isa(saved_); }

 private:
  Isa saved_;
};

constexpr Isa kX86Levels[] = {Isa::Ref, Isa::Avx2, Isa::Avx512, Isa::Avx512Vnni, Isa::Amx};

bool contains(const std::vector<std::string>& lines, std::string_view a, std::string_view b = {}) {
  for (const std::string& line : lines) {
    if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) return true;
  }
  return false;
}

TEST(QGemmDispatch, compiled_kernels_follow_the_list_best_first) {
  std::vector<std::string_view> expected;
#define OCTET_QGEMM_UKERNEL(arch, name, isa, level, mr, nr, act_bits) \
  OCTET_IF_ARCH_##arch(expected.push_back(#name "__" #isa);)
#include "kernels/qgemm_kernels.inc"
#undef OCTET_QGEMM_UKERNEL
  const std::vector<QGemmKernel>& all = qgemm_compiled_kernels();
  ASSERT_EQ(all.size(), expected.size());
  std::set<std::string_view> names;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].name, expected[i]);
    EXPECT_TRUE(names.insert(all[i].name).second) << "duplicate " << all[i].name;
    EXPECT_TRUE(all[i].act_bits == 7 || all[i].act_bits == 8) << all[i].name;
    EXPECT_EQ(all[i].nr % 4, 0u) << all[i].name;
    // The name carries the tile and the activation range: qu7_... / qu8_..._<mr>x<nr>c4__isa.
    const std::string tile = std::to_string(all[i].mr) + "x" + std::to_string(all[i].nr) + "c4__";
    EXPECT_NE(all[i].name.find(tile), std::string_view::npos) << all[i].name;
    EXPECT_EQ(all[i].name.substr(0, 3), all[i].act_bits == 7 ? "qu7" : "qu8");
    if (i > 0) {
      EXPECT_LE(all[i].isa, all[i - 1].isa) << all[i].name << " is listed after a lower level";
    }
  }
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back().isa, Isa::Ref);
  EXPECT_EQ(all.back().act_bits, 8) << "the last resort must take every byte";
}

// Under each cap: the exact kernel is the first usable 8-bit one, never above the cap; the 7-bit one
// shares its level and panel width and has at least its rows.
TEST(QGemmDispatch, picks_by_the_cap) {
  CapGuard guard;
  for (Isa cap : kX86Levels) {
    set_max_isa(cap);
    SCOPED_TRACE(std::string("cap ").append(isa_name(cap)));
    const QGemmKernels k = qgemm_kernels();
    ASSERT_NE(k.exact.fn, nullptr);
    EXPECT_EQ(k.exact.act_bits, 8);
    EXPECT_TRUE(isa_usable(k.exact.isa));
    EXPECT_EQ(k.isa, k.exact.isa);
    for (const QGemmKernel& cand : qgemm_compiled_kernels()) {
      if (cand.name == k.exact.name) break;
      // AMX kernels are skipped unless OCTET_ENABLE_AMX=1 (not yet verified on AMX hardware).
      if (cand.act_bits == 8 && cand.isa != Isa::Amx) {
        EXPECT_FALSE(isa_usable(cand.isa)) << cand.name << " is usable and listed first";
      }
    }
    if (k.fast7.fn != nullptr) {
      EXPECT_EQ(k.fast7.act_bits, 7);
      EXPECT_EQ(k.fast7.isa, k.exact.isa);
      EXPECT_EQ(k.fast7.nr, k.exact.nr);
    }
    // The cached pick equals a fresh one.
    const QGemmKernels fresh = qgemm_pick(nullptr);
    EXPECT_EQ(fresh.exact.name, k.exact.name);
    EXPECT_EQ(fresh.fast7.name, k.fast7.name);
  }
#if defined(OCTET_ARCH_X86)
  set_max_isa(Isa::Ref);
  EXPECT_EQ(qgemm_kernels().exact.name, "qu8_qs8w_gemm_4x4c4__scalar");
  EXPECT_EQ(qgemm_kernels().fast7.fn, nullptr);
  if (isa_supported_by_hardware(Isa::Avx2)) {
    set_max_isa(Isa::Avx2);
    EXPECT_EQ(qgemm_kernels().exact.isa, Isa::Avx2);
    EXPECT_NE(qgemm_kernels().fast7.fn, nullptr) << "AVX2 has a vpmaddubsw (qu7) kernel";
    set_max_isa(Isa::Avx512);  // no AVX-512 (non-VNNI) GEMM kernels: AVX2's
    EXPECT_EQ(qgemm_kernels().exact.isa, Isa::Avx2);
  }
  if (isa_supported_by_hardware(Isa::Avx512Vnni)) {
    set_max_isa(Isa::Avx512Vnni);
    EXPECT_EQ(qgemm_kernels().exact.isa, Isa::Avx512Vnni);
    EXPECT_EQ(qgemm_kernels().fast7.fn, nullptr) << "vpdpbusd is exact for every byte";
  }
#endif
}

// The verbose log's lines: each better candidate with the reason it was rejected, then the pick.
TEST(QGemmDispatch, log_says_why_each_candidate_was_rejected) {
  CapGuard guard;
  set_max_isa(Isa::Ref);
  std::vector<std::string> log;
  const QGemmKernels k = qgemm_pick(&log);
  EXPECT_TRUE(contains(log, "picked qu8_qs8w_gemm_4x4c4__scalar", "no 7-bit kernel")) << ::testing::PrintToString(log);
  for (const QGemmKernel& cand : qgemm_compiled_kernels()) {
    if (cand.isa == Isa::Ref) continue;
    const std::string reason = isa_rejection_reason(cand.isa);
    EXPECT_FALSE(reason.empty());
    EXPECT_TRUE(contains(log, std::string(cand.name).append(" rejected: "), reason)) << cand.name << "\n"
                                                                                     << ::testing::PrintToString(log);
  }
  EXPECT_EQ(k.exact.isa, Isa::Ref);
#if defined(OCTET_ARCH_X86)
  if (isa_supported_by_hardware(Isa::Avx512Vnni)) {
    // Under the VNNI level the AVX2 qu7 kernels are usable but not taken: the log says why.
    set_max_isa(Isa::Avx512Vnni);
    log.clear();
    qgemm_pick(&log);
    EXPECT_TRUE(contains(log, "qu7_", "has no 7-bit kernel of its own")) << ::testing::PrintToString(log);
  }
#endif
}

// With the log on, each distinct pick is logged once however many calls lead to it.
TEST(QGemmDispatch, verbose_log_once_per_pick) {
  CapGuard guard;
  const bool was_enabled = verbose_enabled();
  set_verbose_enabled(true);
  ::testing::internal::CaptureStderr();
  for (int round = 0; round < 3; ++round) {
    for (Isa cap : kX86Levels) {
      set_max_isa(cap);
      (void)qgemm_kernels();
    }
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  set_verbose_enabled(was_enabled);
  std::set<std::string_view> picks;
  for (Isa cap : kX86Levels) {
    set_max_isa(cap);
    picks.insert(qgemm_kernels().exact.name);
  }
  for (std::string_view name : picks) {
    const std::string line = std::string("octet: qgemm: picked ").append(name);
    size_t count = 0;
    for (size_t at = err.find(line); at != std::string::npos; at = err.find(line, at + 1)) ++count;
    // Once in a fresh process; 0 when an earlier test (or OCTET_VERBOSE at start-up) already logged it.
    EXPECT_LE(count, 1u) << err;
    static std::set<std::string> seen;
    if (std::getenv("OCTET_VERBOSE") == nullptr && seen.insert(std::string(name)).second) {
      EXPECT_EQ(count, 1u) << name << " was not logged:\n" << err;
    }
  }
}

// --- packing -------------------------------------------------------------------------------------

// The c4 layout, byte by byte: w(k, p*nr + j) at p*nr*Kp + (k/4)*nr*4 + j*4 + k%4, pads zero.
TEST(QGemmPack, weights_follow_the_c4_layout) {
  std::mt19937 rng(static_cast<uint32_t>(::octet::test::test_seed(11)));
  for (size_t nr : {4, 8, 16, 32}) {
    for (size_t n : {size_t{1}, nr - 1, nr, nr + 1, 3 * nr + 2}) {
      for (size_t k : {0, 1, 3, 4, 5, 17, 64}) {
        const size_t w_stride = k + 3;
        std::vector<int8_t> w(n * w_stride);
        for (int8_t& v : w) v = static_cast<int8_t>(rng());
        const size_t kp = (k + 3) / 4 * 4, np = (n + nr - 1) / nr * nr;
        ASSERT_EQ(qgemm_packed_size(n, k, nr), np * kp);
        std::vector<int8_t> packed(np * kp + 1, 0x33);
        qgemm_pack_weights(n, k, nr, w.data(), w_stride, packed.data());
        for (size_t col = 0; col < np; ++col) {
          for (size_t kk = 0; kk < kp; ++kk) {
            const size_t p = col / nr, j = col % nr;
            const size_t off = p * nr * kp + (kk / 4) * nr * 4 + j * 4 + kk % 4;
            const int8_t want = col < n && kk < k ? w[col * w_stride + kk] : 0;
            ASSERT_EQ(packed[off], want) << "nr " << nr << " n " << n << " k " << k << " col " << col << " k " << kk;
          }
        }
        EXPECT_EQ(packed[np * kp], 0x33) << "wrote past the packed size";
      }
    }
  }
}

TEST(QGemmPack, bad_panel_width_is_an_error) {
  int8_t w[4] = {}, packed[4] = {};
  EXPECT_OCTET_ERROR(qgemm_packed_size(4, 4, 0), "qgemm_packed_size: panel width nr must be > 0");
  EXPECT_OCTET_ERROR(qgemm_pack_weights(1, 4, 0, w, 4, packed), "qgemm_pack_weights: panel width nr must be > 0");
}

using PackFn = uint8_t (*)(size_t, size_t, const uint8_t*, size_t, uint8_t, uint8_t*, size_t, int32_t*);

// A packing variant against the definition: bytes flipped, zero pad to a multiple of 4, sums mod 2^32,
// the largest byte, nothing written past the pad; sources and rows end at guard pages.
void check_pack_activations(PackFn fn, uint64_t seed) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::vector<size_t> ks;
  for (size_t k = 0; k <= 70; ++k) ks.push_back(k);
  for (size_t k : {95, 96, 97, 127, 128, 129, 768, 1000, 4099}) ks.push_back(k);
  for (size_t m : {1, 2, 5}) {
    for (size_t k : ks) {
      for (uint8_t flip : {uint8_t{0}, uint8_t{0x80}}) {
        for (int pattern = 0; pattern < 4; ++pattern) {
          const size_t kp = (k + 3) / 4 * 4, a_stride = k + 3, p_stride = kp + 5;
          test::GuardedBuffer<uint8_t> a(m == 0 || k == 0 ? 1 : (m - 1) * a_stride + k);
          for (size_t i = 0; i < a.size(); ++i) {
            // random; all 0x7F (max <= 127 exactly); all 0xFF; one 0x80 at the last byte.
            a[i] = pattern == 0 ? static_cast<uint8_t>(rng()) : pattern == 1 ? 0x7F : pattern == 2 ? 0xFF : 0x00;
          }
          if (pattern == 3 && k > 0) a[a.size() - 1] = 0x80;
          const size_t packed_bytes = (m - 1) * p_stride + kp;
          test::GuardedBuffer<uint8_t> packed(packed_bytes == 0 ? 1 : packed_bytes);
          packed.poison(0xEE);
          test::GuardedBuffer<int32_t> sums(m);
          const uint8_t got_max = fn(m, k, a.data(), a_stride, flip, packed.data(), p_stride, sums.data());
          uint8_t want_max = 0;
          for (size_t i = 0; i < m; ++i) {
            uint32_t sum = 0;
            for (size_t kk = 0; kk < kp; ++kk) {
              const uint8_t want = kk < k ? static_cast<uint8_t>(a[i * a_stride + kk] ^ flip) : 0;
              sum += want;
              want_max = want > want_max ? want : want_max;
              ASSERT_EQ(packed[i * p_stride + kk], want) << "row " << i << " byte " << kk << " k " << k << " flip " << int(flip);
            }
            if (i + 1 < m) {
              for (size_t kk = kp; kk < p_stride; ++kk) ASSERT_EQ(packed[i * p_stride + kk], 0xEE) << "wrote past the pad";
            }
            ASSERT_EQ(sums[i], static_cast<int32_t>(sum)) << "row " << i << " k " << k;
          }
          ASSERT_EQ(got_max, want_max) << "m " << m << " k " << k << " pattern " << pattern;
          // Without row sums.
          EXPECT_EQ(fn(m, k, a.data(), a_stride, flip, packed.data(), p_stride, nullptr), want_max);
        }
      }
    }
  }
}

TEST(QGemmPack, activations_scalar) { check_pack_activations(&qgemm_pack_activations__scalar, ::octet::test::test_seed(12)); }

TEST(QGemmPack, activations_dispatched) { check_pack_activations(&qgemm_pack_activations, ::octet::test::test_seed(13)); }

#if defined(OCTET_ARCH_X86)
TEST(QGemmPack, activations_avx2) {
  if (!isa_usable(Isa::Avx2)) GTEST_SKIP() << "Isa::Avx2 cannot run here: " << isa_rejection_reason(Isa::Avx2);
  check_pack_activations(&qgemm_pack_activations__avx2, ::octet::test::test_seed(14));
}
#endif

using ScanFn = uint8_t (*)(size_t, size_t, const uint8_t*, size_t, uint8_t, int32_t*);

// Every k around the 64- and 32-byte steps, rows with a gap (stride > k), flips, and patterns that
// put the largest byte first, last, in a tail byte, or nowhere above 0x7F.
void check_scan_activations(ScanFn fn, uint64_t seed) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::vector<size_t> ks;
  for (size_t k = 0; k <= 100; ++k) ks.push_back(k);
  for (size_t k : {127, 128, 129, 768, 1000, 4099}) ks.push_back(k);
  for (size_t m : {1, 2, 5}) {
    for (size_t k : ks) {
      for (uint8_t flip : {uint8_t{0}, uint8_t{0x80}}) {
        for (int pattern = 0; pattern < 5; ++pattern) {
          const size_t a_stride = k + 3;
          test::GuardedBuffer<uint8_t> a(k == 0 ? 1 : (m - 1) * a_stride + k);
          for (size_t i = 0; i < a.size(); ++i) {
            // random; all 0x7F; all 0xFF; small bytes with one 0x80 at the end; random bytes <= 0x7F.
            a[i] = pattern == 0   ? static_cast<uint8_t>(rng())
                   : pattern == 1 ? 0x7F
                   : pattern == 2 ? 0xFF
                   : pattern == 3 ? static_cast<uint8_t>(rng() % 8)
                                  : static_cast<uint8_t>(rng() & 0x7F);
          }
          if (pattern == 3 && k > 0) a[a.size() - 1] = 0x80;
          test::GuardedBuffer<int32_t> sums(m);
          const uint8_t got_max = fn(m, k, a.data(), a_stride, flip, sums.data());
          uint8_t want_max = 0;
          for (size_t i = 0; i < m; ++i) {
            uint32_t sum = 0;
            for (size_t kk = 0; kk < k; ++kk) {
              const uint8_t v = a[i * a_stride + kk];
              sum += v;
              const auto f = static_cast<uint8_t>(v ^ flip);
              want_max = f > want_max ? f : want_max;
            }
            ASSERT_EQ(sums[i], static_cast<int32_t>(sum)) << "row " << i << " k " << k << " seed " << seed;
          }
          ASSERT_EQ(got_max, want_max) << "m " << m << " k " << k << " pattern " << pattern << " flip " << int(flip)
                                       << " seed " << seed;
          EXPECT_EQ(fn(m, k, a.data(), a_stride, flip, nullptr), want_max);
        }
      }
    }
  }
}

TEST(QGemmScan, activations_scalar) { check_scan_activations(&qgemm_scan_activations__scalar, ::octet::test::test_seed(15)); }

TEST(QGemmScan, activations_dispatched) { check_scan_activations(&qgemm_scan_activations, ::octet::test::test_seed(16)); }

#if defined(OCTET_ARCH_X86)
TEST(QGemmScan, activations_avx2) {
  if (!isa_usable(Isa::Avx2)) GTEST_SKIP() << "Isa::Avx2 cannot run here: " << isa_rejection_reason(Isa::Avx2);
  check_scan_activations(&qgemm_scan_activations__avx2, ::octet::test::test_seed(17));
}
#endif

TEST(QGemmScan, empty_gives_max_zero) {
  uint8_t a[1] = {200};
  EXPECT_EQ(qgemm_scan_activations(0, 1, a, 1, 0, nullptr), 0);
  EXPECT_EQ(qgemm_scan_activations(1, 0, a, 1, 0x80, nullptr), 0);
}

TEST(QGemmPack, empty_activations_give_max_zero) {
  uint8_t a[1] = {200}, packed[1] = {};
  EXPECT_EQ(qgemm_pack_activations(0, 1, a, 1, 0, packed, 4, nullptr), 0);
  EXPECT_EQ(qgemm_pack_activations__scalar(0, 1, a, 1, 0, packed, 4, nullptr), 0);
}

}  // namespace
}  // namespace octet::kernels
