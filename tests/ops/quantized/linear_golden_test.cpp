// linear_golden_test.cpp: quantized linear / linear_dynamic against torch.ops.quantized (x86 and qnnpack engines), reporting exact counts.
//
// Golden data: scripts/golden/gen_quantized_linear.py -> tests/data/golden/quantized_linear.safetensors.
//
// Static linear: PyTorch's x86 engine (fbgemm) keeps the bias in float and requantizes
// (float)acc * (sa * sw) + bias with its own float rounding, while Octet adds an int32 bias of
// scale sa * sw and multiplies once by M = sa * sw / so (NUMERICS.md, "Octet's contract"). The two
// exact values differ by less than one output step, so an output can differ by 1 where the value
// lies near a rounding boundary; the test asserts at most 1 and prints how often that happens.
// qnnpack quantizes the bias to int32 as Octet does but forms M in float32 from float32 operands
// ((sw * sa) / so, two roundings against Octet's one), so it may differ by 1 as well, more rarely.
//
// Dynamic linear: both compute (float)acc * (a_scale * w_scale) + bias in float32 from the same
// integers; PyTorch rounds a_scale * w_scale from float32 operands, Octet from doubles, and fbgemm
// may apply the two scales in separate multiplies. The results agree to a few float32 ulps of the
// largest output.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/octet.h"

namespace octet {
namespace {

namespace Q = octet::quantized;

Q::LinearPackedParamsPtr pack_case(const test::GoldenCase& c) {
  const Tensor& w_int = c.in(1);
  const Tensor& scales = c.in(2);
  const Tensor& zps = c.in(3);
  const Tensor w_q = c.args.at("per_channel").get<bool>()
                         ? make_per_channel_quantized_tensor(w_int, scales, zps, 0)
                         : make_per_tensor_quantized_tensor(w_int, scales.at<double>({0}), zps.at<int64_t>({0}));
  return Q::linear_prepack(w_q, c.args.at("bias").get<bool>() ? c.in(4) : Tensor());
}

struct Tally {
  int64_t total = 0, exact = 0;
  double max_diff = 0;
};

TEST(QuantizedLinearGolden, StaticWithinOneStepOfPyTorch) {
  test::GoldenFile file("quantized_linear");
  std::map<std::string, Tally> per_engine;
  int cases = 0;
  for (const std::string op : {"linear", "linear_relu"}) {
    for (const test::GoldenCase& c : file.cases_of(op)) {
      ++cases;
      const Tensor x_q = make_per_tensor_quantized_tensor(c.in(0), c.args.at("x_scale").get<double>(),
                                                          c.args.at("x_zero_point").get<int64_t>());
      const auto packed = pack_case(c);
      const double so = c.args.at("out_scale").get<double>();
      const int64_t zo = c.args.at("out_zero_point").get<int64_t>();
      const Tensor y = op == "linear" ? Q::linear(x_q, packed, so, zo) : Q::linear_relu(x_q, packed, so, zo);
      const Tensor& want = c.out(0);
      ASSERT_EQ(y.shape(), want.shape()) << c.name;
      const Tensor got = y.int_repr().to(kInt64).contiguous();
      const Tensor exp = want.to(kInt64).contiguous();
      Tally t;
      for (int64_t e = 0; e < got.numel(); ++e) {
        const auto d = std::llabs(got.data_ptr<int64_t>()[e] - exp.data_ptr<int64_t>()[e]);
        t.exact += d == 0;
        t.max_diff = std::max(t.max_diff, static_cast<double>(d));
        ++t.total;
      }
      EXPECT_LE(t.max_diff, 1.0) << c.name;
      Tally& all = per_engine[c.args.at("engine").get<std::string>()];
      all.total += t.total;
      all.exact += t.exact;
      all.max_diff = std::max(all.max_diff, t.max_diff);
    }
  }
  EXPECT_GT(cases, 0);
  for (const auto& [engine, t] : per_engine) {
    std::printf("[  GOLDEN  ] static, PyTorch %s engine: %lld of %lld outputs exact (%.3f%%), max |diff| %g\n",
                engine.c_str(), static_cast<long long>(t.exact), static_cast<long long>(t.total),
                100.0 * static_cast<double>(t.exact) / static_cast<double>(t.total), t.max_diff);
  }
}

TEST(QuantizedLinearGolden, DynamicMatchesPyTorch) {
  test::GoldenFile file("quantized_linear");
  std::map<std::string, Tally> per_engine;
  int cases = 0;
  for (const std::string op : {"linear_dynamic", "linear_relu_dynamic"}) {
    for (const test::GoldenCase& c : file.cases_of(op)) {
      ++cases;
      const auto packed = pack_case(c);
      const bool reduce = c.args.at("reduce_range").get<bool>();
      const Tensor y = op == "linear_dynamic" ? Q::linear_dynamic(c.in(0), packed, reduce)
                                              : Q::linear_relu_dynamic(c.in(0), packed, reduce);
      const Tensor& want = c.out(0);
      ASSERT_EQ(y.shape(), want.shape()) << c.name;
      const Tensor got = y.contiguous();
      const Tensor exp = want.contiguous();
      double max_ref = 0;
      for (int64_t e = 0; e < exp.numel(); ++e) max_ref = std::max(max_ref, std::fabs(static_cast<double>(exp.data_ptr<float>()[e])));
      Tally t;
      for (int64_t e = 0; e < got.numel(); ++e) {
        const float a = got.data_ptr<float>()[e], b = exp.data_ptr<float>()[e];
        t.exact += a == b;
        t.max_diff = std::max(t.max_diff, std::fabs(static_cast<double>(a) - static_cast<double>(b)) / max_ref);
        ++t.total;
      }
      // A few float32 ulps (2^-23 = 1.2e-7) of the largest output.
      EXPECT_LE(t.max_diff, 1e-6) << c.name;
      Tally& all = per_engine[c.args.at("engine").get<std::string>()];
      all.total += t.total;
      all.exact += t.exact;
      all.max_diff = std::max(all.max_diff, t.max_diff);
    }
  }
  EXPECT_GT(cases, 0);
  for (const auto& [engine, t] : per_engine) {
    std::printf("[  GOLDEN  ] dynamic, PyTorch %s engine: %lld of %lld outputs bit-identical (%.3f%%), max |diff| %.3g of "
                "the largest output\n",
                engine.c_str(), static_cast<long long>(t.exact), static_cast<long long>(t.total),
                100.0 * static_cast<double>(t.exact) / static_cast<double>(t.total), t.max_diff);
  }
}

}  // namespace
}  // namespace octet
