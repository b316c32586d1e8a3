// linear_kernels_test.cpp: every float32 GEMM / GEMV / depthwise / pack microkernel at every compiled level,
// against a float64 reference, over tile edges (mr, nc, kc sub-tiles), strides, epilogues and guard pages.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "kernels/f32_gemm_kernels.h"
#include "kernels/quantize_tester.h"
#include "octet/cpu_features.h"
#include "octet/generator.h"

namespace octet::kernels {
namespace {

using octet::kernels::test::GuardedBuffer;

// The compiled sets this machine can run, the scalar one included.
std::vector<F32Kernels> runnable_sets() {
  std::vector<F32Kernels> out;
  for (const F32Kernels& k : f32_compiled_kernels()) {
    if (isa_supported_by_hardware(k.isa)) out.push_back(k);
  }
  return out;
}

void fill(float* p, size_t n, Generator& g) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<float>(g.normal());
}

// |got - want| <= 1e-5 * (sum of |terms| + 1e-30): float32 sums of kc products stay well inside.
void expect_sum_close(float got, double want, double magnitude, const std::string& what) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << what;
    return;
  }
  EXPECT_LE(std::fabs(static_cast<double>(got) - want), 1e-5 * magnitude + 1e-30)
      << what << ": got " << got << ", want " << want;
}

struct GemmCase {
  size_t mr, nc, kc;
  bool accumulate, row_bias, col_bias, clamp;
};

void check_gemm(const F32Kernels& set, const GemmCase& t, Generator& g) {
  const F32GemmKernel& k = set.f32_gemm_minmax;
  const size_t a_stride = t.kc + 3, b_stride = t.nc + 5, c_stride = t.nc + 2;
  // Each buffer ends where the kernel's last legal access ends: an over-read faults.
  GuardedBuffer<float> a(t.kc == 0 ? 0 : (t.mr - 1) * a_stride + t.kc);
  GuardedBuffer<float> b(t.kc == 0 ? 0 : (t.kc - 1) * b_stride + t.nc);
  GuardedBuffer<float> c((t.mr - 1) * c_stride + t.nc);
  GuardedBuffer<float> rb(t.mr), cb(t.nc);
  fill(a.data(), a.size(), g);
  fill(b.data(), b.size(), g);
  fill(c.data(), c.size(), g);
  fill(rb.data(), rb.size(), g);
  fill(cb.data(), cb.size(), g);
  const std::vector<float> c0(c.data(), c.data() + c.size());
  F32GemmParams p;
  p.accumulate = t.accumulate;
  p.row_bias = t.row_bias ? rb.data() : nullptr;
  p.col_bias = t.col_bias ? cb.data() : nullptr;
  p.clamp = t.clamp;
  p.min = -1.5f;
  p.max = 2.0f;
  k.fn(t.mr, t.nc, t.kc, a.data(), a_stride, b.data(), b_stride, c.data(), c_stride, &p);
  for (size_t i = 0; i < t.mr; ++i) {
    for (size_t j = 0; j < t.nc; ++j) {
      double sum = 0, mag = 0;
      for (size_t kk = 0; kk < t.kc; ++kk) {
        const double term = static_cast<double>(a[i * a_stride + kk]) * b[kk * b_stride + j];
        sum += term;
        mag += std::fabs(term);
      }
      if (t.accumulate) {
        sum += c0[i * c_stride + j];
        mag += std::fabs(c0[i * c_stride + j]);
      } else {
        if (t.row_bias) sum += rb[i], mag += std::fabs(rb[i]);
        if (t.col_bias) sum += cb[j], mag += std::fabs(cb[j]);
      }
      if (t.clamp) sum = std::min(2.0, std::max(-1.5, sum));
      expect_sum_close(c[i * c_stride + j], sum, mag,
                       std::string(k.name) + " mr " + std::to_string(t.mr) + " nc " + std::to_string(t.nc) + " kc " +
                           std::to_string(t.kc) + " at " + std::to_string(i) + "," + std::to_string(j));
    }
  }
}

TEST(F32GemmKernel, TileEdgesAndEpiloguesOnEveryLevel) {
  const uint64_t seed = octet::test::test_seed(11);
  for (const F32Kernels& set : runnable_sets()) {
    Generator g(seed);
    const size_t MR = set.f32_gemm_minmax.mr, NR = set.f32_gemm_minmax.nr;
    std::vector<size_t> ncs = {1, NR / 2, NR / 2 + 1, NR - 1, NR};
    ncs.erase(std::unique(ncs.begin(), ncs.end()), ncs.end());
    for (size_t mr = 1; mr <= MR; ++mr) {
      for (size_t nc : ncs) {
        for (size_t kc : {size_t{0}, size_t{1}, size_t{3}, size_t{17}, size_t{64}}) {
          check_gemm(set, {mr, nc, kc, false, false, false, false}, g);
          check_gemm(set, {mr, nc, kc, false, true, true, false}, g);
          check_gemm(set, {mr, nc, kc, true, true, true, false}, g);
          check_gemm(set, {mr, nc, kc, (kc % 2) == 1, true, false, true}, g);
        }
      }
    }
  }
}

TEST(F32GemmKernel, ClampKeepsNaNAndInfinities) {
  for (const F32Kernels& set : runnable_sets()) {
    const size_t nr = set.f32_gemm_minmax.nr;
    std::vector<float> a = {NAN, INFINITY, -INFINITY, 1.0f};
    std::vector<float> b(nr, 1.0f), c(4 * nr, 0.0f);
    F32GemmParams p;
    p.clamp = true;
    p.min = -1.0f;
    p.max = 1.0f;
    set.f32_gemm_minmax.fn(4, nr, 1, a.data(), 1, b.data(), nr, c.data(), nr, &p);
    for (size_t j = 0; j < nr; ++j) {
      EXPECT_TRUE(std::isnan(c[j])) << set.f32_gemm_minmax.name;
      EXPECT_EQ(c[nr + j], 1.0f) << set.f32_gemm_minmax.name;
      EXPECT_EQ(c[2 * nr + j], -1.0f) << set.f32_gemm_minmax.name;
      EXPECT_EQ(c[3 * nr + j], 1.0f) << set.f32_gemm_minmax.name;
    }
  }
}

TEST(F32GemvKernel, RowsAndTailsOnEveryLevel) {
  const uint64_t seed = octet::test::test_seed(12);
  for (const F32Kernels& set : runnable_sets()) {
    Generator g(seed);
    for (size_t mx = 1; mx <= 4; ++mx) {
      for (size_t nw : {1, 3, 7, 8, 9, 17}) {
        for (size_t k : {0, 1, 7, 15, 16, 17, 100}) {
          for (int variant = 0; variant < 3; ++variant) {
            const size_t xs = k + 1, ws = k + 2, ys = nw + 3;
            GuardedBuffer<float> x(k == 0 ? 0 : (mx - 1) * xs + k), w(k == 0 ? 0 : (nw - 1) * ws + k);
            GuardedBuffer<float> y((mx - 1) * ys + nw), bias(nw);
            fill(x.data(), x.size(), g);
            fill(w.data(), w.size(), g);
            fill(y.data(), y.size(), g);
            fill(bias.data(), bias.size(), g);
            const std::vector<float> y0(y.data(), y.data() + y.size());
            F32GemmParams p;
            p.col_bias = variant >= 1 ? bias.data() : nullptr;
            p.accumulate = variant == 2;
            p.clamp = variant == 1;
            p.min = -2.0f;
            p.max = 2.5f;
            set.f32_gemv_minmax(mx, nw, k, x.data(), xs, w.data(), ws, y.data(), ys, &p);
            for (size_t m = 0; m < mx; ++m) {
              for (size_t n = 0; n < nw; ++n) {
                double sum = 0, mag = 0;
                for (size_t i = 0; i < k; ++i) {
                  const double term = static_cast<double>(x[m * xs + i]) * w[n * ws + i];
                  sum += term;
                  mag += std::fabs(term);
                }
                if (p.accumulate) {
                  sum += y0[m * ys + n];
                  mag += std::fabs(y0[m * ys + n]);
                } else if (p.col_bias != nullptr) {
                  sum += bias[n];
                  mag += std::fabs(bias[n]);
                }
                if (p.clamp) sum = std::min(2.5, std::max(-2.0, sum));
                expect_sum_close(y[m * ys + n], sum, mag,
                                 "gemv isa " + std::string(isa_name(set.isa)) + " mx " + std::to_string(mx) + " nw " +
                                     std::to_string(nw) + " k " + std::to_string(k));
              }
            }
          }
        }
      }
    }
  }
}

TEST(F32DwconvKernel, WidthsRowsAndTapsOnEveryLevel) {
  const uint64_t seed = octet::test::test_seed(13);
  for (const F32Kernels& set : runnable_sets()) {
    Generator g(seed);
    for (size_t taps : {1, 4, 9, 25}) {
      for (size_t width : {1, 7, 8, 15, 16, 17, 31, 63, 64, 65, 130}) {
        for (size_t rows : {1, 3}) {
          const bool clamp = (width + rows) % 2 == 0;
          // Taps at random offsets into the row; the buffer ends where the furthest read ends.
          std::vector<int64_t> off(taps);
          int64_t max_off = 0;
          for (auto& o : off) max_off = std::max(max_off, o = g.randint(0, 21));
          const size_t step = width + 25;
          GuardedBuffer<float> in((rows - 1) * step + static_cast<size_t>(max_off) + width);
          fill(in.data(), in.size(), g);
          std::vector<float> w(taps);
          fill(w.data(), taps, g);
          const size_t out_stride = width + 3;
          GuardedBuffer<float> out((rows - 1) * out_stride + width);
          F32GemmParams p;
          p.clamp = clamp;
          p.min = -1.0f;
          p.max = 1.25f;
          set.f32_dwconv_minmax(rows, width, taps, in.data(), step, off.data(), w.data(), 0.5f, out.data(), out_stride,
                                &p);
          for (size_t r = 0; r < rows; ++r) {
            for (size_t x = 0; x < width; ++x) {
              double sum = 0.5, mag = 0.5;
              for (size_t t = 0; t < taps; ++t) {
                const double term = static_cast<double>(w[t]) * in[r * step + static_cast<size_t>(off[t]) + x];
                sum += term;
                mag += std::fabs(term);
              }
              if (clamp) sum = std::min(1.25, std::max(-1.0, sum));
              expect_sum_close(out[r * out_stride + x], sum, mag,
                               "dwconv isa " + std::string(isa_name(set.isa)) + " taps " + std::to_string(taps) +
                                   " width " + std::to_string(width) + " row " + std::to_string(r) + " x " +
                                   std::to_string(x));
            }
          }
        }
      }
    }
  }
}

TEST(F32PackbKernel, RunsLandExactlyOnEveryLevel) {
  const uint64_t seed = octet::test::test_seed(14);
  for (const F32Kernels& set : runnable_sets()) {
    Generator g(seed);
    for (size_t nr : {8, 16, 32}) {
      for (int trial = 0; trial < 20; ++trial) {
        const size_t kc = static_cast<size_t>(g.randint(1, 20));
        // Random runs that tile a random prefix of the panel row, each from its own source offset.
        std::vector<F32PackRun> runs;
        size_t col = 0;
        while (col < nr && g.randint(0, 5) != 0) {
          const size_t len = static_cast<size_t>(g.randint(1, static_cast<int64_t>(nr - col) + 1));
          runs.push_back(F32PackRun{static_cast<uint32_t>(col), static_cast<uint32_t>(len), g.randint(0, 40)});
          col += len;
        }
        std::vector<std::vector<float>> src(kc, std::vector<float>(80));
        std::vector<const float*> rows;
        for (auto& r : src) {
          fill(r.data(), r.size(), g);
          rows.push_back(r.data());
        }
        std::vector<float> panel(kc * nr, -7.0f);
        set.f32_packb(kc, nr, rows.data(), runs.size(), runs.data(), panel.data());
        for (size_t k = 0; k < kc; ++k) {
          std::vector<float> want(nr, -7.0f);
          for (const F32PackRun& r : runs) {
            for (size_t i = 0; i < r.len; ++i) want[r.dst + i] = src[k][static_cast<size_t>(r.src) + i];
          }
          for (size_t j = 0; j < nr; ++j) {
            ASSERT_EQ(panel[k * nr + j], want[j]) << "packb isa " << isa_name(set.isa) << " nr " << nr << " k " << k
                                                  << " col " << j;
          }
        }
      }
    }
  }
}

TEST(F32PadsplitKernel, PaddedPhasesOnEveryLevel) {
  const uint64_t seed = octet::test::test_seed(15);
  for (const F32Kernels& set : runnable_sets()) {
    Generator g(seed);
    for (size_t stride : {1, 2, 3}) {
      for (size_t width : {1, 2, 7, 15, 16, 17, 31, 32, 33, 56, 112}) {
        for (size_t lo : {0, 1, 3}) {
          for (size_t hi : {0, 1, 2}) {
            const size_t padded = width + lo + hi;
            const size_t phase_len = (padded + stride - 1) / stride, phase_stride = phase_len + 1;
            const size_t rows = 1 + (width + lo) % 3, src_stride = width + 2, dst_stride = stride * phase_stride + 3;
            GuardedBuffer<float> src((rows - 1) * src_stride + width);
            fill(src.data(), src.size(), g);
            GuardedBuffer<float> dst((rows - 1) * dst_stride + (stride - 1) * phase_stride + phase_len);
            dst.poison(0x7f);
            set.f32_padsplit(rows, width, src.data(), src_stride, lo, stride, phase_len, dst.data(), phase_stride,
                             dst_stride);
            for (size_t r = 0; r < rows; ++r) {
              for (size_t q = 0; q < stride; ++q) {
                for (size_t i = 0; i < phase_len; ++i) {
                  const size_t j = i * stride + q;
                  const float want = j >= lo && j - lo < width ? src[r * src_stride + j - lo] : 0.0f;
                  ASSERT_EQ(dst[r * dst_stride + q * phase_stride + i], want)
                      << "padsplit isa " << isa_name(set.isa) << " stride " << stride << " width " << width << " lo "
                      << lo << " hi " << hi << " row " << r << " phase " << q << " i " << i;
                }
              }
            }
          }
        }
      }
    }
  }
}

TEST(F32Kernels, DispatchFollowsTheIsaCap) {
  const Isa saved = max_isa();
  set_max_isa(Isa::Ref);
  EXPECT_EQ(f32_kernels().f32_gemm_minmax.isa, Isa::Ref);
  EXPECT_EQ(f32_kernels().f32_gemm_minmax.name, "f32_gemm_minmax_4x8__scalar");
  set_max_isa(saved);
  if (isa_usable(Isa::Avx512)) {
    EXPECT_EQ(f32_kernels().f32_gemm_minmax.name, "f32_gemm_minmax_14x32__avx512");
  } else if (isa_usable(Isa::Avx2)) {
    EXPECT_EQ(f32_kernels().f32_gemm_minmax.name, "f32_gemm_minmax_6x16__avx2");
  }
}

}  // namespace
}  // namespace octet::kernels
