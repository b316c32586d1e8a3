// linear_aten_test.cpp: quantized linear checked ATen's way: quantize -> dequantize -> float linear -> requantize.
//
// The float reference differs from the integer contract in three roundings, so an output may be
// one step away where the exact value lies within float noise of a rounding boundary:
//   - the float linear sums float32 products (FMA, blocked over K) instead of exact integers;
//   - it adds the float bias, where the contract adds bias_q = nearbyint(bias / (sa * sw)) (an error
//     of at most half a bias step, sa * sw, i.e. M / 2 output steps);
//   - it requantizes with 1 / so after multiplying by sa * sw, where the contract multiplies the
//     integer sum by one rounded M = sa * sw / so.
// Each moves the pre-rounding value by far less than one step, so the two answers differ by at most
// 1, and only rarely: the test asserts max |diff| <= 1 and prints how many elements are exact.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/octet.h"

namespace octet {
namespace {

namespace F = octet::functional;
namespace Q = octet::quantized;

Tensor random_weight(int64_t n, int64_t k, Generator& g, bool per_channel) {
  const Tensor w = randn({n, k}, g);
  if (!per_channel) return quantize_per_tensor(w, 0.025, 2, kQInt8);
  std::vector<double> scales(static_cast<size_t>(n));
  std::vector<int64_t> zps(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    scales[static_cast<size_t>(j)] = static_cast<float>(0.015 + 0.02 * g.uniform_double());
    zps[static_cast<size_t>(j)] = j % 5 - 2;
  }
  return quantize_per_channel(w, scales, zps, 0, kQInt8);
}

struct Tally {
  int64_t total = 0, exact = 0, max_diff = 0;
};

TEST(QuantizedLinearAten, StaticWithinOneStepOfFloatReference) {
  Generator g(test::test_seed(1111));
  Tally all;
  struct S {
    int64_t m, n, k;
  };
  for (const S& s : {S{1, 64, 64}, S{7, 33, 100}, S{32, 96, 768}, S{16, 40, 3072}}) {
    for (DType dt : {kQUInt8, kQInt8}) {
      for (bool per_channel : {false, true}) {
        for (bool relu : {false, true}) {
          const Tensor x = randn({s.m, s.k}, g);
          const int64_t za = dt == kQUInt8 ? 128 : 0;
          const Tensor x_q = quantize_per_tensor(x, 0.03, za, dt);
          const Tensor w_q = random_weight(s.n, s.k, g, per_channel);
          const Tensor b = randn({s.n}, g);
          // Output qparams covering the float output's range: y has a standard deviation of about
          // sqrt(k) (unit-normal x and w), about 25 steps of so, so few outputs saturate.
          Tensor y_f = F::linear(x_q.dequantize(), w_q.dequantize(), b);
          if (relu) y_f = F::relu(y_f);
          const double so = 0.04 * std::sqrt(static_cast<double>(s.k));
          const int64_t zo = dt == kQUInt8 ? 100 : -20;
          const Tensor want = quantize_per_tensor(y_f, so, zo, dt).int_repr().to(kInt64);
          const auto packed = Q::linear_prepack(w_q, b);
          const Tensor y = relu ? Q::linear_relu(x_q, packed, so, zo) : Q::linear(x_q, packed, so, zo);
          const Tensor got = y.int_repr().to(kInt64);
          Tally t;
          int64_t saturated = 0;
          for (int64_t e = 0; e < got.numel(); ++e) {
            const int64_t d = std::llabs(got.data_ptr<int64_t>()[e] - want.data_ptr<int64_t>()[e]);
            t.exact += d == 0;
            const int64_t v = got.data_ptr<int64_t>()[e];
            saturated += v == dtype_qmin(dt) || v == dtype_qmax(dt);
            t.max_diff = std::max(t.max_diff, d);
            ++t.total;
          }
          EXPECT_LE(t.max_diff, 1) << "m " << s.m << " n " << s.n << " k " << s.k << " " << dt << " per_channel "
                                   << per_channel << " relu " << relu;
          // Not a test of saturation: most outputs must land inside the range.
          EXPECT_LT(saturated * 20, t.total) << saturated << " of " << t.total << " outputs saturated";
          all.total += t.total;
          all.exact += t.exact;
          all.max_diff = std::max(all.max_diff, t.max_diff);
        }
      }
    }
  }
  std::printf("[  ATEN    ] static: %lld of %lld outputs exact (%.3f%%), max |diff| %lld\n",
              static_cast<long long>(all.exact), static_cast<long long>(all.total),
              100.0 * static_cast<double>(all.exact) / static_cast<double>(all.total),
              static_cast<long long>(all.max_diff));
  // Disagreements need the exact value within float noise of a half step: rare, not systematic.
  EXPECT_GE(static_cast<double>(all.exact), 0.99 * static_cast<double>(all.total));
}

// Dynamic: the same float reference on the dynamically quantized input. The two differ only by
// float32 rounding (the reference rounds every dequantized operand and partial sum; Octet sums
// integers exactly and rounds twice at the end), so they agree to a relative 1e-5.
TEST(QuantizedLinearAten, DynamicMatchesFloatReference) {
  Generator g(test::test_seed(2222));
  for (int64_t k : {16, 100, 768, 3072}) {
    for (bool reduce : {false, true}) {
      for (bool per_channel : {false, true}) {
        const Tensor x = randn({9, k}, g);
        const Tensor w_q = random_weight(50, k, g, per_channel);
        const Tensor b = randn({50}, g);
        const Tensor ref = F::linear(quantize_per_tensor_dynamic(x, kQUInt8, reduce).dequantize(), w_q.dequantize(), b);
        const auto packed = Q::linear_prepack(w_q, b);
        std::string what = std::string("k ").append(std::to_string(k)).append(reduce ? " reduce" : "");
        test::expect_close(Q::linear_dynamic(x, packed, reduce), ref, what, 1e-5);
        test::expect_close(Q::linear_relu_dynamic(x, packed, reduce), F::relu(ref), what.append(" relu"), 1e-5);
      }
    }
  }
}

}  // namespace
}  // namespace octet
