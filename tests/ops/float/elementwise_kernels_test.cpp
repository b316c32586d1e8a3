// elementwise_kernels_test.cpp: every float32 elementwise microkernel at every compiled level: exact
// families bit for bit against __scalar (tails, aliasing, guard pages, NaN), approximations against
// the C library in double over a dense sweep of float inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "kernels/f32_elementwise_kernels.h"
#include "kernels/quantize_tester.h"
#include "octet/cpu_features.h"
#include "octet/generator.h"

namespace octet::kernels {
namespace {

using octet::kernels::test::GuardedBuffer;

// The compiled vector levels this machine can run (the scalar one is the reference).
std::vector<const F32ElementwiseKernels*> vector_levels() {
  std::vector<const F32ElementwiseKernels*> out;
  for (Isa isa : {Isa::Avx512, Isa::Avx2}) {
    const F32ElementwiseKernels* k = f32_elementwise_kernels_for(isa);
    if (k != nullptr && isa_supported_by_hardware(isa)) out.push_back(k);
  }
  return out;
}

bool same_float(float a, float b) {
  return (std::isnan(a) && std::isnan(b)) || std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

// Random normals at several scales mixed with the values every kernel must get right.
std::vector<float> test_inputs(size_t n, Generator& g) {
  static const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-40f, -1e-40f, 1e30f, -1e30f,
                                   3.0f, -3.0f, 6.0f, -6.0f, 88.7f, -88.7f, 100.0f, -100.0f, 0.625f, 1.0f};
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t kind = g.randint(0, 10);
    const float r = static_cast<float>(g.normal());
    v[i] = kind == 0 ? specials[g.randint(0, std::size(specials))] : kind < 4 ? r * 20.0f : r * 2.0f;
  }
  return v;
}

struct UnaryCase {
  const char* name;
  f32_vunary_fn F32ElementwiseKernels::*fn;
  F32UnaryParams params;
};

const std::vector<UnaryCase>& exact_unary_cases() {
  static const std::vector<UnaryCase> cases = {
      {"vabs", &F32ElementwiseKernels::vabs, {}},
      {"vneg", &F32ElementwiseKernels::vneg, {}},
      {"vsqrt", &F32ElementwiseKernels::vsqrt, {}},
      {"vrsqrt", &F32ElementwiseKernels::vrsqrt, {}},
      {"vclamp relu", &F32ElementwiseKernels::vclamp, {0.0f, INFINITY, 0.0f}},
      {"vclamp -1..6", &F32ElementwiseKernels::vclamp, {-1.0f, 6.0f, 0.0f}},
      {"vclamp min>max", &F32ElementwiseKernels::vclamp, {2.0f, 1.0f, 0.0f}},
      {"vlrelu", &F32ElementwiseKernels::vlrelu, {-INFINITY, INFINITY, 0.01f}},
      {"vlrelu negative slope", &F32ElementwiseKernels::vlrelu, {-INFINITY, INFINITY, -0.5f}},
      {"vhswish", &F32ElementwiseKernels::vhswish, {}},
      {"vhsigmoid", &F32ElementwiseKernels::vhsigmoid, {}},
  };
  return cases;
}

TEST(F32ElementwiseKernels, ExactUnaryFamiliesEqualScalar) {
  const uint64_t seed = octet::test::test_seed(11);
  const F32ElementwiseKernels& ref = f32_elementwise_kernels_ref();
  for (const F32ElementwiseKernels* k : vector_levels()) {
    Generator g(seed);
    for (const UnaryCase& c : exact_unary_cases()) {
      for (size_t n : {0, 1, 7, 8, 15, 16, 17, 31, 33, 64, 257}) {
        const std::vector<float> x = test_inputs(n, g);
        GuardedBuffer<float> in(n), out(n), want(n);
        for (size_t i = 0; i < n; ++i) in[i] = x[i];
        out.poison(0x7f);
        (k->*c.fn)(n, in.data(), out.data(), &c.params);
        (ref.*c.fn)(n, in.data(), want.data(), &c.params);
        for (size_t i = 0; i < n; ++i) {
          ASSERT_TRUE(same_float(out[i], want[i])) << c.name << " isa " << isa_name(k->isa) << " n " << n << " i "
                                                   << i << " x " << x[i] << " got " << out[i] << " want " << want[i];
        }
        // In place (y == x) gives the same answer.
        (k->*c.fn)(n, in.data(), in.data(), &c.params);
        for (size_t i = 0; i < n; ++i) ASSERT_TRUE(same_float(in[i], want[i])) << c.name << " in place, i " << i;
      }
    }
  }
}

TEST(F32ElementwiseKernels, BinaryFamiliesEqualScalar) {
  const uint64_t seed = octet::test::test_seed(12);
  const F32ElementwiseKernels& ref = f32_elementwise_kernels_ref();
  const std::pair<const char*, f32_vbinary_fn F32ElementwiseKernels::*> binary[] = {
      {"vadd", &F32ElementwiseKernels::vadd}, {"vsub", &F32ElementwiseKernels::vsub},
      {"vmul", &F32ElementwiseKernels::vmul}, {"vdiv", &F32ElementwiseKernels::vdiv},
      {"vmax", &F32ElementwiseKernels::vmax}, {"vmin", &F32ElementwiseKernels::vmin}};
  const std::pair<const char*, f32_vbinaryc_fn F32ElementwiseKernels::*> binaryc[] = {
      {"vaddc", &F32ElementwiseKernels::vaddc}, {"vsubc", &F32ElementwiseKernels::vsubc},
      {"vrsubc", &F32ElementwiseKernels::vrsubc}, {"vmulc", &F32ElementwiseKernels::vmulc},
      {"vdivc", &F32ElementwiseKernels::vdivc}, {"vrdivc", &F32ElementwiseKernels::vrdivc},
      {"vmaxc", &F32ElementwiseKernels::vmaxc}, {"vminc", &F32ElementwiseKernels::vminc}};
  for (const F32ElementwiseKernels* k : vector_levels()) {
    Generator g(seed);
    for (size_t n : {0, 1, 5, 8, 16, 23, 32, 47, 100, 1001}) {
      const std::vector<float> a = test_inputs(n, g), b = test_inputs(n, g);
      GuardedBuffer<float> pa(n), pb(n), out(n), want(n);
      for (size_t i = 0; i < n; ++i) pa[i] = a[i], pb[i] = b[i];
      for (const auto& [name, fn] : binary) {
        out.poison(0x7f);
        (k->*fn)(n, pa.data(), pb.data(), out.data());
        (ref.*fn)(n, pa.data(), pb.data(), want.data());
        for (size_t i = 0; i < n; ++i) {
          ASSERT_TRUE(same_float(out[i], want[i])) << name << " isa " << isa_name(k->isa) << " n " << n << " i "
                                                   << i << " a " << a[i] << " b " << b[i];
        }
      }
      for (float c : {0.0f, -2.5f, 3.0f, NAN, INFINITY}) {
        for (const auto& [name, fn] : binaryc) {
          out.poison(0x7f);
          (k->*fn)(n, pa.data(), c, out.data());
          (ref.*fn)(n, pa.data(), c, want.data());
          for (size_t i = 0; i < n; ++i) {
            ASSERT_TRUE(same_float(out[i], want[i])) << name << " isa " << isa_name(k->isa) << " n " << n << " i "
                                                     << i << " a " << a[i] << " c " << c;
          }
        }
      }
    }
  }
}

// Distance in units in the last place of the float nearest to want.
double ulp_error(float got, double want) {
  if (std::isnan(want)) return std::isnan(got) ? 0.0 : INFINITY;
  // Beyond FLT_MAX (after rounding) the answer is the infinity of that sign.
  if (std::isinf(static_cast<float>(want))) return got == static_cast<float>(want) ? 0.0 : INFINITY;
  const double ulp = std::ldexp(1.0, std::max(std::ilogb(std::fabs(want)), -126) - 23);
  return std::fabs(static_cast<double>(got) - want) / ulp;
}

struct Approx {
  const char* name;
  f32_vunary_fn F32ElementwiseKernels::*fn;
  double (*reference)(double);
  double max_ulp;
  // Extra ulp allowed per unit of the relative condition number |x f'(x) / f(x)|, for functions
  // whose argument is rounded inside before the steep part (gelu's tanh form in its negative tail).
  double ulp_per_cond;
  double lo, hi;  // swept range
};

double ref_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
double ref_silu(double x) { return x / (1.0 + std::exp(-x)); }
double ref_gelu(double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }
// 0.5 x (1 + tanh(u)) written as x sigmoid(2u), exact in double for every x.
double ref_gelutanh(double x) {
  const double u = std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x);
  return x / (1.0 + std::exp(-2.0 * u));
}

double condition(double (*f)(double), double x, double fx) {
  if (x == 0 || fx == 0 || !std::isfinite(fx)) return 0;
  const double h = 1e-6;
  return std::fabs((f(x * (1 + h)) - f(x * (1 - h))) / (2 * h * fx));
}

// Every 331st float bit pattern in [lo, hi] (about 25k per binade and sign) and the special values,
// through each vector level. Results below FLT_MIN (subnormal) are held to an absolute error of
// 2^-140 instead: their precision is lost by the format, not the kernel.
TEST(F32ElementwiseKernels, ApproximationsWithinAFewUlp) {
  const Approx cases[] = {
      {"vexp", &F32ElementwiseKernels::vexp, [](double x) { return std::exp(x); }, 2.0, 0.0, -120.0, 90.0},
      {"vtanh", &F32ElementwiseKernels::vtanh, [](double x) { return std::tanh(x); }, 3.0, 0.0, -12.0, 12.0},
      {"verf", &F32ElementwiseKernels::verf, [](double x) { return std::erf(x); }, 3.0, 0.0, -6.0, 6.0},
      {"vsigmoid", &F32ElementwiseKernels::vsigmoid, ref_sigmoid, 3.0, 0.0, -120.0, 120.0},
      {"vsilu", &F32ElementwiseKernels::vsilu, ref_silu, 4.0, 0.0, -120.0, 120.0},
      {"vgelu", &F32ElementwiseKernels::vgelu, ref_gelu, 7.0, 0.0, -16.0, 20.0},
      {"vgelutanh", &F32ElementwiseKernels::vgelutanh, ref_gelutanh, 4.0, 2.0, -20.0, 20.0},
  };
  const std::vector<const F32ElementwiseKernels*> levels = vector_levels();
  if (levels.empty()) GTEST_SKIP() << "no vector level runs on this machine";
  for (const Approx& c : cases) {
    std::vector<float> xs;
    for (uint32_t bits = 0; bits < 0x7f800000u; bits += 331) {
      for (uint32_t sign : {0u, 0x80000000u}) {
        const float x = std::bit_cast<float>(bits | sign);
        if (x >= c.lo && x <= c.hi) xs.push_back(x);
      }
    }
    for (double s : {double{INFINITY}, -double{INFINITY}, double{NAN}, 0.0, -0.0, c.lo, c.hi}) {
      xs.push_back(static_cast<float>(s));
    }
    std::vector<double> want(xs.size()), allowed(xs.size());
    for (size_t i = 0; i < xs.size(); ++i) {
      want[i] = c.reference(static_cast<double>(xs[i]));
      allowed[i] = c.max_ulp + c.ulp_per_cond * condition(c.reference, xs[i], want[i]);
    }
    for (const F32ElementwiseKernels* k : levels) {
      std::vector<float> ys(xs.size());
      (k->*c.fn)(xs.size(), xs.data(), ys.data(), nullptr);
      double worst = 0;
      size_t bad = 0, worst_i = 0;
      for (size_t i = 0; i < xs.size(); ++i) {
        double e;
        if (std::isfinite(want[i]) && std::fabs(want[i]) < std::numeric_limits<float>::min()) {
          e = std::fabs(ys[i] - want[i]) <= std::ldexp(1.0, -140) ? 0.0 : INFINITY;
        } else {
          e = ulp_error(ys[i], want[i]);
        }
        if (!(e <= allowed[i]) && bad++ == 0) {
          ADD_FAILURE() << c.name << " isa " << isa_name(k->isa) << ": x = " << xs[i] << " got " << ys[i]
                        << " want " << want[i] << " (" << e << " ulp, allowed " << allowed[i] << ")";
        }
        if (e > worst) worst = e, worst_i = i;
      }
      std::printf("%-10s %-7s max error %.2f ulp (at x = %.9g) over %zu inputs, %zu over the bound\n", c.name,
                  std::string(isa_name(k->isa)).c_str(), worst, static_cast<double>(xs[worst_i]), xs.size(), bad);
    }
  }
}

// The range scan (observers, dynamic quantization): the same min and max as __scalar for finite
// data at every length and alignment, and non-finite data flagged wherever it sits.
TEST(F32ElementwiseKernels, MinMaxScanEqualsScalar) {
  const uint64_t seed = octet::test::test_seed(29);
  const F32ElementwiseKernels& ref = f32_elementwise_kernels_ref();
  Generator g(seed);
  std::vector<float> data(4200);
  for (float& v : data) v = static_cast<float>(g.normal()) * 3.0f;
  for (const F32ElementwiseKernels* k : vector_levels()) {
    for (size_t n : {1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 127, 129, 1000, 4099}) {
      for (size_t offset : {0, 1, 5}) {
        GuardedBuffer<float> x(n);
        for (size_t i = 0; i < n; ++i) x[i] = data[i + offset];
        const F32MinMax want = ref.rminmax(n, x.data());
        const F32MinMax got = k->rminmax(n, x.data());
        ASSERT_TRUE(want.finite && got.finite) << "isa " << isa_name(k->isa) << " n " << n;
        ASSERT_EQ(got.min, want.min) << "isa " << isa_name(k->isa) << " n " << n << " offset " << offset;
        ASSERT_EQ(got.max, want.max) << "isa " << isa_name(k->isa) << " n " << n << " offset " << offset;
        ASSERT_EQ(got.min, *std::min_element(x.data(), x.data() + n));
        ASSERT_EQ(got.max, *std::max_element(x.data(), x.data() + n));
        // One non-finite element anywhere (first, last, a tail lane, mid-block) is flagged.
        for (size_t at : {size_t{0}, n - 1, n / 2, n > 17 ? n - 17 : 0}) {
          for (float bad : {NAN, INFINITY, -INFINITY}) {
            const float keep = x[at];
            x[at] = bad;
            EXPECT_FALSE(k->rminmax(n, x.data()).finite) << "isa " << isa_name(k->isa) << " n " << n << " at " << at;
            EXPECT_FALSE(ref.rminmax(n, x.data()).finite) << "scalar n " << n << " at " << at;
            x[at] = keep;
          }
        }
      }
    }
  }
}

TEST(F32ElementwiseKernels, SoftmaxRowKernels) {
  const uint64_t seed = octet::test::test_seed(13);
  const F32ElementwiseKernels& ref = f32_elementwise_kernels_ref();
  for (const F32ElementwiseKernels* k : vector_levels()) {
    Generator g(seed);
    for (size_t n : {1, 3, 8, 15, 16, 17, 40, 1000}) {
      GuardedBuffer<float> x(n), y(n), want(n);
      for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(g.normal()) * 5.0f;
      const float m = k->rmax(n, x.data());
      ASSERT_EQ(m, ref.rmax(n, x.data())) << "rmax n " << n;
      const float s = k->raddstoreexpminusmax(n, x.data(), m, y.data());
      double s_exact = 0;
      for (size_t i = 0; i < n; ++i) {
        const double e = std::exp(static_cast<double>(x[i] - m));  // the kernel rounds x - max to float first
        s_exact += e;
        EXPECT_NEAR(y[i], e, 3e-7 * e) << "exp n " << n << " i " << i;
      }
      EXPECT_NEAR(s, s_exact, 2e-6 * s_exact) << "sum n " << n;
      // A NaN anywhere makes the max NaN; -inf elsewhere does not hide it.
      x[n - 1] = NAN;
      EXPECT_TRUE(std::isnan(k->rmax(n, x.data()))) << "rmax NaN, n " << n;
      x[0] = NAN;
      EXPECT_TRUE(std::isnan(k->rmax(n, x.data()))) << "rmax NaN first, n " << n;
    }
  }
}

TEST(F32ElementwiseKernels, DispatchFollowsTheCap) {
  const Isa saved = max_isa();
  set_max_isa(Isa::Ref);
  EXPECT_EQ(f32_elementwise_kernels().isa, Isa::Ref);
  EXPECT_EQ(&f32_elementwise_kernels(), &f32_elementwise_kernels_ref());
  set_max_isa(saved);
  if (isa_usable(Isa::Avx512)) {
    EXPECT_EQ(f32_elementwise_kernels().isa, Isa::Avx512);
  } else if (isa_usable(Isa::Avx2)) {
    EXPECT_EQ(f32_elementwise_kernels().isa, Isa::Avx2);
  }
  EXPECT_EQ(f32_elementwise_kernels_for(Isa::Avx512Vnni), nullptr);
}

}  // namespace
}  // namespace octet::kernels
