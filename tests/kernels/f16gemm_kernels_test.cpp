// f16gemm_kernels_test.cpp: every compiled float16-weight GEMM tile equals the FMA-chain formula (and so the __scalar tile) bit for bit, and the dispatch picks per ISA cap.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "kernels/f16gemm_kernels.h"
#include "octet/cpu_features.h"
#include "octet/half.h"

namespace octet::kernels {
namespace {

constexpr uint64_t kDefaultSeed = 20261129;
constexpr size_t kPanel = kF16GemmPanelCols;

bool same_bits(float a, float b) { return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b); }

std::string show(float v) {
  std::ostringstream s;
  s.precision(9);
  s << v << " (0x" << std::hex << std::bit_cast<uint32_t>(v) << ")";
  return s.str();
}

// Restores the ISA cap a test changed.
class IsaCapGuard {
 public:
  IsaCapGuard() : saved_(max_isa()) {}
  ~IsaCapGuard() { set_max_isa(saved_); }

 private:
  Isa saved_;
};

// One problem for one tile: A [mr x kc] with a row stride past kc, weights in panels (with a panel
// stride past kc * 16), C with a row stride past nc whose extra columns must stay untouched.
struct Problem {
  size_t mr, nc, kc;
  bool accumulate, bias, relu;
};

class F16GemmTester {
 public:
  explicit F16GemmTester(uint64_t seed) : rng_(seed) {}

  // Values of mixed magnitudes: normals, zeros of both signs, tiny and subnormal floats.
  float value() {
    const int kind = static_cast<int>(rng_() % 16);
    std::normal_distribution<float> n(0.0f, 1.0f);
    switch (kind) {
      case 0: return 0.0f;
      case 1: return -0.0f;
      case 2: return n(rng_) * 1e-38f;  // float subnormals
      case 3: return n(rng_) * 1e6f;
      default: return n(rng_);
    }
  }
  // Any finite half: normals, subnormals, zeros (weights are finite by the prepack's contract).
  uint16_t half() {
    for (;;) {
      const auto h = static_cast<uint16_t>(rng_());
      if ((h & 0x7c00u) != 0x7c00u) return h;
    }
  }

  // Runs `fn` and checks every element of C against the chain, and the guard columns and rows.
  void check(const F32F16GemmKernel& k, const Problem& pb) {
    const size_t a_stride = pb.kc + 3, panels = (pb.nc + kPanel - 1) / kPanel;
    const size_t panel_stride = (pb.kc + 2) * kPanel, c_stride = pb.nc + 5;
    std::vector<float> a(pb.mr * a_stride + 1), bias(pb.nc);
    std::vector<uint16_t> b(panels * panel_stride + 1);
    for (float& v : a) v = value();
    for (uint16_t& h : b) h = half();
    for (float& v : bias) v = value();
    std::vector<float> c((pb.mr + 1) * c_stride);
    for (float& v : c) v = value();
    const std::vector<float> c0 = c;

    F32F16GemmParams params;
    params.accumulate = pb.accumulate;
    params.bias = pb.bias ? bias.data() : nullptr;
    params.relu = pb.relu;
    k.fn(pb.mr, pb.nc, pb.kc, a.data(), a_stride, b.data(), panel_stride, c.data(), c_stride, &params);

    for (size_t i = 0; i < pb.mr + 1; ++i) {
      for (size_t j = 0; j < c_stride; ++j) {
        const float got = c[i * c_stride + j];
        if (i >= pb.mr || j >= pb.nc) {
          if (!same_bits(got, c0[i * c_stride + j])) {
            ADD_FAILURE() << k.name << " wrote outside its tile at (" << i << ", " << j << ") " << describe(pb);
            return;
          }
          continue;
        }
        // The specification: one fma chain, k in order, then the bias and relu.
        float v = pb.accumulate ? c0[i * c_stride + j] : 0.0f;
        const uint16_t* col = b.data() + (j / kPanel) * panel_stride + j % kPanel;
        for (size_t kk = 0; kk < pb.kc; ++kk) v = std::fma(a[i * a_stride + kk], Half::to_float(col[kk * kPanel]), v);
        if (pb.bias) v = v + bias[j];
        if (pb.relu && v < 0.0f) v = 0.0f;
        if (!same_bits(got, v) && !(std::isnan(got) && std::isnan(v))) {
          ADD_FAILURE() << k.name << " differs at (" << i << ", " << j << "): kernel " << show(got) << ", formula "
                        << show(v) << " " << describe(pb);
          return;
        }
      }
    }
  }

 private:
  static std::string describe(const Problem& pb) {
    std::ostringstream s;
    s << "[mr " << pb.mr << ", nc " << pb.nc << ", kc " << pb.kc << ", accumulate " << pb.accumulate << ", bias "
      << pb.bias << ", relu " << pb.relu << "]";
    return s.str();
  }

  std::mt19937_64 rng_;
};

class F16GemmKernelTest : public ::testing::TestWithParam<size_t> {};

TEST_P(F16GemmKernelTest, EqualsFmaChainOnEdgeGrid) {
  const F32F16GemmKernel& k = f32_f16_gemm_compiled_kernels()[GetParam()];
  if (!isa_usable(k.isa)) GTEST_SKIP() << k.name << ": " << isa_rejection_reason(k.isa);
  F16GemmTester tester(test::test_seed(kDefaultSeed) + GetParam());
  // Columns: 1, a vector's worth (8) and a panel's (16) and their neighbours, up to the tile's nr.
  std::vector<size_t> ncs;
  for (size_t nc : {size_t{1}, size_t{2}, size_t{7}, size_t{8}, size_t{9}, size_t{15}, size_t{16}, size_t{17},
                    size_t{31}, size_t{32}, size_t{33}, size_t{47}, size_t{63}, size_t{64}, size_t{65}, size_t{100},
                    size_t{127}, size_t{128}}) {
    if (nc <= k.nr) ncs.push_back(nc);
  }
  for (size_t mr = 1; mr <= k.mr; ++mr) {
    for (size_t nc : ncs) {
      for (size_t kc : {size_t{0}, size_t{1}, size_t{2}, size_t{5}, size_t{16}, size_t{37}}) {
        for (int flags = 0; flags < 8; ++flags) {
          tester.check(k, {mr, nc, kc, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0});
          if (HasFailure()) return;
        }
      }
    }
  }
}

TEST_P(F16GemmKernelTest, LongChainsAndRelu) {
  const F32F16GemmKernel& k = f32_f16_gemm_compiled_kernels()[GetParam()];
  if (!isa_usable(k.isa)) GTEST_SKIP() << k.name << ": " << isa_rejection_reason(k.isa);
  F16GemmTester tester(test::test_seed(kDefaultSeed + 1) + GetParam());
  for (size_t kc : {size_t{511}, size_t{512}, size_t{1031}}) {
    tester.check(k, {k.mr, k.nr, kc, false, true, true});
    tester.check(k, {k.mr, k.nr - 1, kc, true, true, false});
  }
}

std::string kernel_name(const ::testing::TestParamInfo<size_t>& info) {
  return std::string(f32_f16_gemm_compiled_kernels()[info.param].name);
}

INSTANTIATE_TEST_SUITE_P(AllTiles, F16GemmKernelTest,
                         ::testing::Range(size_t{0}, f32_f16_gemm_compiled_kernels().size()), kernel_name);

TEST(F16GemmDispatch, PicksTheCappedLevelsTiles) {
  IsaCapGuard guard;
  set_max_isa(Isa::Ref);
  F32F16GemmKernels k = f32_f16_gemm_kernels();
  EXPECT_EQ(k.gemm.name, "f32_f16_gemm_4x16__scalar");
  EXPECT_EQ(k.gemv.name, "f32_f16_gemm_4x16__scalar");  // no one-row tile at this level
#if defined(OCTET_ARCH_X86)
  if (isa_supported_by_hardware(Isa::Avx2)) {
    set_max_isa(Isa::Avx2);
    k = f32_f16_gemm_kernels();
    EXPECT_EQ(k.gemm.name, "f32_f16_gemm_6x16__avx2");
    EXPECT_EQ(k.gemv.name, "f32_f16_gemm_1x64__avx2");
  }
  if (isa_supported_by_hardware(Isa::Avx512)) {
    set_max_isa(Isa::Amx);  // above AVX-512: its tiles are still the best this family has
    k = f32_f16_gemm_kernels();
    EXPECT_EQ(k.gemm.name, "f32_f16_gemm_14x32__avx512");
    EXPECT_EQ(k.gemv.name, "f32_f16_gemm_1x128__avx512");
    EXPECT_EQ(k.gemm.mr, 14u);
    EXPECT_EQ(k.gemv.nr, 128u);
  }
#endif
}

}  // namespace
}  // namespace octet::kernels
