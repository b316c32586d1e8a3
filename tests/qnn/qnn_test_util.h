// qnn_test_util.h: helpers shared by the quantized-module tests: seeded quantized inputs, exact and one-step comparisons, fixed output observers and state-dict round trips.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "common/test_util.h"
#include "octet/octet.h"
#include "octet/nn/quantized/from_float.h"
#include "octet/quantization/fixed_qparams_observer.h"

namespace octet::test {

// A per-tensor quantized tensor whose integers are uniform over the dtype's whole range.
inline Tensor random_quantized(const Shape& shape, double scale, int64_t zero_point, DType dtype, Generator& gen) {
  const bool s = dtype == kQInt8;
  const Tensor ints = randint(s ? -128 : 0, s ? 128 : 256, shape, gen, s ? kInt8 : kUInt8);
  return make_per_tensor_quantized_tensor(ints, scale, zero_point);
}

// The stored integers as int64, contiguous (any layout, any 8-bit dtype).
inline Tensor ints64(const Tensor& q) { return q.int_repr().contiguous().to(kInt64); }

// Expects the same shape, dtype, qparams and integers, naming the first differing element.
inline void expect_same_quantized(const Tensor& actual, const Tensor& expected, const std::string& what) {
  ASSERT_TRUE(actual.is_quantized() && expected.is_quantized()) << what;
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  ASSERT_EQ(actual.dtype(), expected.dtype()) << what;
  EXPECT_TRUE(actual.quantizer()->equals(*expected.quantizer()))
      << what << ": qparams " << actual.q_scale() << "/" << actual.q_zero_point() << " vs " << expected.q_scale()
      << "/" << expected.q_zero_point();
  const Tensor a = ints64(actual), e = ints64(expected);
  const int64_t* pa = a.data_ptr<int64_t>();
  const int64_t* pe = e.data_ptr<int64_t>();
  for (int64_t i = 0; i < a.numel(); ++i) {
    if (pa[i] != pe[i]) {
      ADD_FAILURE() << what << ": element " << i << " is " << pa[i] << ", expected " << pe[i];
      return;
    }
  }
}

// How far two integer tensors (same shape) are apart: elements that differ and the largest gap.
struct IntDiff {
  int64_t mismatches = 0;
  int64_t max_diff = 0;
  int64_t total = 0;
};
inline IntDiff int_diff(const Tensor& actual_ints, const Tensor& expected_ints) {
  const Tensor a = actual_ints.contiguous().to(kInt64), e = expected_ints.contiguous().to(kInt64);
  IntDiff d;
  d.total = a.numel();
  const int64_t* pa = a.data_ptr<int64_t>();
  const int64_t* pe = e.data_ptr<int64_t>();
  for (int64_t i = 0; i < a.numel(); ++i) {
    const int64_t g = std::abs(pa[i] - pe[i]);
    d.mismatches += g != 0;
    d.max_diff = std::max(d.max_diff, g);
  }
  return d;
}

// Expects |actual - expected| <= 1 everywhere (shapes equal) and prints how many differ, with why
// one step is allowed. Returns the counts.
inline IntDiff expect_within_one_step(const Tensor& actual_ints, const Tensor& expected_ints, const std::string& what,
                                      const std::string& why) {
  EXPECT_EQ(actual_ints.shape(), expected_ints.shape()) << what;
  if (actual_ints.shape() != expected_ints.shape()) return {};
  const IntDiff d = int_diff(actual_ints, expected_ints);
  std::printf("[  COUNT   ] %s: %lld of %lld elements differ (max %lld step) -- %s\n", what.c_str(),
              static_cast<long long>(d.mismatches), static_cast<long long>(d.total),
              static_cast<long long>(d.max_diff), why.c_str());
  EXPECT_LE(d.max_diff, 1) << what << ": " << d.mismatches << " of " << d.total << " differ";
  return d;
}

// An output observer that already "saw" data with these qparams (FixedQParamsObserver), for
// FromFloatArgs.
inline std::shared_ptr<quantization::FixedQParamsObserver> fixed_observer(double scale, int64_t zero_point,
                                                                          DType dtype = kQUInt8) {
  const bool s = dtype == kQInt8;
  return std::make_shared<quantization::FixedQParamsObserver>(scale, zero_point, dtype, kPerTensorAffine,
                                                              s ? -128 : 0, s ? 127 : 255);
}

// FromFloatArgs with these observers (spelled out: GCC 12 warns about designated initializers that
// leave out a member without a default initializer).
inline nn::quantized::FromFloatArgs from_float_args(const quantization::ActivationPostProcess* output_observer,
                                                    quantization::ActivationPostProcessFactory weight_observer = {}) {
  nn::quantized::FromFloatArgs args;
  args.output_observer = output_observer;
  args.weight_observer = std::move(weight_observer);
  return args;
}

// The float path a static module is compared with: quantize(f(dequantize(x))) with the module's
// output qparams.
inline Tensor requantize_float(const Tensor& y_float, double scale, int64_t zero_point, DType dtype) {
  return quantize_per_tensor(y_float, scale, zero_point, dtype);
}

// Saves m's state dict, loads it into `fresh` (strict) and checks both give the same integers on x;
// the clone of m must too, and must not share m's output qparam buffers.
template <typename M, typename Run>
void expect_state_round_trip(M& m, M& fresh, const Run& run, const std::string& what) {
  const Tensor before = run(m);
  const nn::StateDict sd = m.state_dict();
  const nn::IncompatibleKeys keys = fresh.load_state_dict(sd);
  EXPECT_TRUE(keys.missing_keys.empty() && keys.unexpected_keys.empty()) << what;
  expect_same_quantized(run(fresh), before, what + " (state_dict round trip)");
  auto copy = std::dynamic_pointer_cast<M>(m.clone());
  ASSERT_NE(copy, nullptr) << what;
  expect_same_quantized(run(*copy), before, what + " (clone)");
}

}  // namespace octet::test
