// norm_kernels_test.cpp: every normalisation microkernel variant against __scalar and double-precision truth, tails and in-place use included.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "kernels/norm_kernels.h"
#include "kernels/quantize_tester.h"
#include "octet/cpu_features.h"
#include "octet/generator.h"

namespace octet::kernels {
namespace {

using octet::kernels::test::GuardedBuffer;

template <typename Fn>
struct Variant {
  std::string name;
  Fn fn;
};

struct Variants {
  std::vector<Variant<f32_vscaleshift_fn>> f32_vscaleshift;
  std::vector<Variant<f32_vnormaffine_fn>> f32_vnormaffine;
  std::vector<Variant<f32_rmoments_fn>> f32_rmoments;
};

const Variants& variants() {
  static const Variants v = [] {
    Variants out;
#define OCTET_NORM_UKERNEL(arch, family, isa, level)                  \
  OCTET_IF_ARCH_##arch(if (isa_supported_by_hardware(Isa::level)) { \
    out.family.push_back({#family "__" #isa, &family##__##isa});    \
  })
#include "kernels/norm_kernels.inc"
#undef OCTET_NORM_UKERNEL
    return out;
  }();
  return v;
}

const size_t kSizes[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1001};

TEST(NormKernels, ScaleShiftMatchesDoubleInPlaceToo) {
  Generator g(octet::test::test_seed(51));
  for (const auto& v : variants().f32_vscaleshift) {
    for (size_t n : kSizes) {
      GuardedBuffer<float> x(n), y(n);
      for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(g.normal() * 3.0);
      const float scale = 1.7f, shift = -0.3f;
      v.fn(n, x.data(), scale, shift, y.data());
      for (size_t i = 0; i < n; ++i) {
        const double want = double(x[i]) * scale + shift;
        ASSERT_NEAR(y[i], want, 2e-7 * (std::fabs(want) + std::fabs(double(x[i]) * scale))) << v.name << " n " << n << " i " << i;
      }
      v.fn(n, x.data(), scale, shift, x.data());  // in place
      for (size_t i = 0; i < n; ++i) ASSERT_NEAR(x[i], y[i], 1e-6 * (1 + std::fabs(y[i]))) << v.name << " in place";
    }
  }
}

TEST(NormKernels, NormAffineEveryParameterCombination) {
  Generator g(octet::test::test_seed(52));
  for (const auto& v : variants().f32_vnormaffine) {
    for (size_t n : kSizes) {
      GuardedBuffer<float> x(n), w(n), b(n), y(n);
      for (size_t i = 0; i < n; ++i) {
        x[i] = static_cast<float>(g.normal() * 2.0 + 1.0);
        w[i] = static_cast<float>(g.normal());
        b[i] = static_cast<float>(g.normal());
      }
      for (int combo = 0; combo < 4; ++combo) {
        const float* pw = (combo & 1) ? w.data() : nullptr;
        const float* pb = (combo & 2) ? b.data() : nullptr;
        v.fn(n, x.data(), 1.0f, 0.5f, pw, pb, y.data());
        for (size_t i = 0; i < n; ++i) {
          const double t = (double(x[i]) - 1.0) * 0.5;
          const double want = t * (pw ? w[i] : 1.0) + (pb ? b[i] : 0.0);
          ASSERT_NEAR(y[i], want, 1e-6 * (1.0 + std::fabs(t))) << v.name << " n " << n << " combo " << combo << " i " << i;
        }
      }
    }
  }
}

TEST(NormKernels, MomentsAreExactInDoubleEvenWithAnOffset) {
  Generator g(octet::test::test_seed(53));
  for (const auto& v : variants().f32_rmoments) {
    for (size_t n : kSizes) {
      for (double offset : {0.0, 1e4}) {
        GuardedBuffer<float> x(n);
        for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(offset + g.normal());
        double sum = 0;
        for (size_t i = 0; i < n; ++i) sum += x[i];
        const double mean = sum / double(n);
        double m2 = 0;
        for (size_t i = 0; i < n; ++i) m2 += (double(x[i]) - mean) * (double(x[i]) - mean);
        double got_mean = 0, got_m2 = 0;
        v.fn(n, x.data(), &got_mean, &got_m2);
        EXPECT_NEAR(got_mean, mean, 1e-12 * (1 + std::fabs(mean))) << v.name << " n " << n;
        EXPECT_NEAR(got_m2, m2, 1e-9 * (1 + m2)) << v.name << " n " << n << " offset " << offset;
      }
    }
  }
}

}  // namespace
}  // namespace octet::kernels
