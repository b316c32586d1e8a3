// pool_kernels_test.cpp: every pooling microkernel variant against __scalar: exact for the window rows (NaN and infinities included), no reads past the named elements, sums to rounding.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "kernels/pool_kernels.h"
#include "kernels/quantize_tester.h"
#include "octet/cpu_features.h"
#include "octet/generator.h"

namespace octet::kernels {
namespace {

using octet::kernels::test::GuardedBuffer;

template <typename Fn>
struct Variant {
  std::string name;
  Isa level;
  Fn fn;
};

struct Variants {
  std::vector<Variant<f32_maxpool_taps_fn>> f32_maxpool_taps;
  std::vector<Variant<f32_sumpool_taps_fn>> f32_sumpool_taps;
  std::vector<Variant<f32_rsum_fn>> f32_rsum;
};

// Every compiled variant this machine can run, expanded from the one list.
const Variants& variants() {
  static const Variants v = [] {
    Variants out;
#define OCTET_POOL_UKERNEL(arch, family, isa, level)                                   \
  OCTET_IF_ARCH_##arch(if (isa_supported_by_hardware(Isa::level)) {                  \
    out.family.push_back({#family "__" #isa, Isa::level, &family##__##isa});         \
  })
#include "kernels/pool_kernels.inc"
#undef OCTET_POOL_UKERNEL
    return out;
  }();
  return v;
}

bool same(float a, float b) { return (std::isnan(a) && std::isnan(b)) || std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b); }

float draw(Generator& g) {
  const int64_t kind = g.randint(0, 20);
  if (kind == 0) return std::numeric_limits<float>::quiet_NaN();
  if (kind == 1) return -std::numeric_limits<float>::infinity();
  if (kind == 2) return std::numeric_limits<float>::infinity();
  return static_cast<float>(g.normal());
}

// The window rows over a grid of n (vector multiples +- 1), taps, strides (contiguous,
// deinterleaved, gathered) and dilations; the input ends exactly at a guard page.
template <typename Fn>
void check_taps(const std::vector<Variant<Fn>>& list, bool with_nan) {
  ASSERT_FALSE(list.empty());
  Generator g(octet::test::test_seed(41));
  for (size_t n : {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 67}) {
    for (size_t taps : {1, 2, 3, 5}) {
      for (size_t stride : {1, 2, 3, 7}) {
        for (size_t dilation : {1, 2}) {
          const size_t len = (n - 1) * stride + (taps - 1) * dilation + 1;
          GuardedBuffer<float> in(len);
          for (size_t i = 0; i < len; ++i) in[i] = with_nan ? draw(g) : static_cast<float>(g.normal());
          std::vector<float> acc0(n);
          for (size_t j = 0; j < n; ++j) acc0[j] = with_nan ? draw(g) : static_cast<float>(g.normal());
          std::vector<float> want = acc0;
          list.back().fn(n, taps, in.data(), stride, dilation, want.data());  // __scalar is last
          for (const auto& v : list) {
            GuardedBuffer<float> acc(n);
            for (size_t j = 0; j < n; ++j) acc[j] = acc0[j];
            v.fn(n, taps, in.data(), stride, dilation, acc.data());
            for (size_t j = 0; j < n; ++j) {
              ASSERT_TRUE(same(acc[j], want[j])) << v.name << " n " << n << " taps " << taps << " stride " << stride
                                                 << " dilation " << dilation << " j " << j << ": " << acc[j]
                                                 << " vs " << want[j];
            }
          }
        }
      }
    }
  }
}

TEST(PoolKernels, MaxTapsEqualScalarWithNaNAndInfinities) { check_taps(variants().f32_maxpool_taps, true); }

// Sum adds the taps in the same order in every variant, so it is exact too.
TEST(PoolKernels, SumTapsEqualScalar) { check_taps(variants().f32_sumpool_taps, false); }

TEST(PoolKernels, RowSumAgreesWithDoubleSum) {
  Generator g(octet::test::test_seed(42));
  for (const auto& v : variants().f32_rsum) {
    for (size_t n : {1, 5, 8, 15, 16, 17, 63, 64, 65, 1000, 3136}) {
      GuardedBuffer<float> x(n);
      double want = 0, mag = 0;
      for (size_t i = 0; i < n; ++i) {
        x[i] = static_cast<float>(g.normal());
        want += x[i];
        mag += std::fabs(x[i]);
      }
      EXPECT_NEAR(v.fn(n, x.data()), want, 1e-6 * mag + 1e-7) << v.name << " n " << n;
    }
  }
}

}  // namespace
}  // namespace octet::kernels
