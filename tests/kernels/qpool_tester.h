// qpool_tester.h: builder-style testers that run an 8-bit pooling kernel against its __scalar variant and an inline formula, demanding bit-for-bit equality.
//
// Usage (as XNNPACK's AvgPoolMicrokernelTester):
//   QPoolTester().n(67).taps(9).stride(2).zero_point_in(128).multiplier(1.0f / 9).seed(s)
//       .TestAvg(name, kernel, scalar);
// Every tap lives in its own buffer that ends exactly at a PROT_NONE page, so a kernel reading past
// the last element it was given faults. On a mismatch the failure names the kernel, the output
// index, the three answers, the parameters and the seed; OCTET_TEST_SEED=<seed> reruns it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/qpool_kernels.h"
#include "kernels/quantize_tester.h"  // GuardedBuffer, mix_seed, formula_quantize

namespace octet::kernels::test {

// What the taps hold.
enum class PoolData {
  Random,    // uniform over the type
  AllMax,    // every element the type's max: the largest sums (u16 accumulators at their limit)
  AllMin,    // every element the type's min
  Extremes,  // min or max at random: sums far from the mean, ties in max
  Narrow,    // within a few values of the zero point: averages near ties after rounding
};

inline const char* pool_data_name(PoolData d) {
  switch (d) {
    case PoolData::Random: return "random";
    case PoolData::AllMax: return "all-max";
    case PoolData::AllMin: return "all-min";
    case PoolData::Extremes: return "extremes";
    case PoolData::Narrow: return "narrow";
  }
  return "?";
}

class QPoolTester {
 public:
  QPoolTester& n(size_t v) { n_ = v; return *this; }
  QPoolTester& taps(size_t v) { taps_ = v; return *this; }
  QPoolTester& stride(size_t v) { stride_ = v; return *this; }
  QPoolTester& data(PoolData d) { data_ = d; return *this; }
  QPoolTester& seed(uint64_t s) { seed_ = s; return *this; }
  // Average pooling: the input zero point (bias = -zero_point_in * taps unless bias() is given),
  // the output zero point, the float32 multiplier and the clamp range.
  QPoolTester& zero_point_in(int32_t v) { zero_point_in_ = v; return *this; }
  QPoolTester& bias(int32_t v) { bias_ = v; has_bias_ = true; return *this; }
  QPoolTester& zero_point(int32_t v) { zero_point_ = v; return *this; }
  QPoolTester& multiplier(float v) { multiplier_ = v; return *this; }
  QPoolTester& qmin(int32_t v) { qmin_ = v; return *this; }
  QPoolTester& qmax(int32_t v) { qmax_ = v; return *this; }

  template <typename T>
  void TestMax(const char* kernel, void (*fn)(size_t, size_t, const T* const*, size_t, T*),
               void (*scalar)(size_t, size_t, const T* const*, size_t, T*)) const {
    Inputs<T> in = make_inputs<T>();
    GuardedBuffer<T> y(n_), y_scalar(n_);
    y.poison(0x5A);
    y_scalar.poison(0xA5);
    fn(n_, taps_, in.ptrs.data(), stride_, y.data());
    scalar(n_, taps_, in.ptrs.data(), stride_, y_scalar.data());
    for (size_t j = 0; j < n_; ++j) {
      int32_t m = std::numeric_limits<T>::lowest();
      for (size_t t = 0; t < taps_; ++t) m = std::max<int32_t>(m, in.ptrs[t][j * stride_]);
      if (y[j] == y_scalar[j] && y_scalar[j] == m) continue;
      ADD_FAILURE() << kernel << " differs at output " << j << ": kernel " << +y[j] << ", __scalar "
                    << +y_scalar[j] << ", formula " << m << "\n  " << describe();
      return;
    }
  }

  template <typename T>
  void TestAvg(const char* kernel, void (*fn)(size_t, size_t, const T* const*, size_t, T*, const QAvgPoolParams*),
               void (*scalar)(size_t, size_t, const T* const*, size_t, T*, const QAvgPoolParams*)) const {
    Inputs<T> in = make_inputs<T>();
    const QAvgPoolParams p{bias_value(), multiplier_, zero_point_, qmin_, qmax_};
    GuardedBuffer<T> y(n_), y_scalar(n_);
    y.poison(0x5A);
    y_scalar.poison(0xA5);
    fn(n_, taps_, in.ptrs.data(), stride_, y.data(), &p);
    scalar(n_, taps_, in.ptrs.data(), stride_, y_scalar.data(), &p);
    for (size_t j = 0; j < n_; ++j) {
      int64_t acc = p.bias;
      for (size_t t = 0; t < taps_; ++t) acc += in.ptrs[t][j * stride_];
      // The requantization formula of docs/numerics.md, written independently of the kernels:
      // (float)acc, one float32 multiply, round half to even, add the zero point, clamp.
      const int32_t want = formula_quantize(static_cast<float>(acc), multiplier_, zero_point_, qmin_, qmax_);
      if (y[j] == y_scalar[j] && y_scalar[j] == want) continue;
      ADD_FAILURE() << kernel << " differs at output " << j << ": kernel " << +y[j] << ", __scalar "
                    << +y_scalar[j] << ", formula " << want << " (sum with bias " << acc << ")\n  "
                    << describe();
      return;
    }
  }

  // Row sums: n elements of one buffer (taps and stride unused).
  template <typename T>
  void TestRsum(const char* kernel, int32_t (*fn)(size_t, const T*), int32_t (*scalar)(size_t, const T*)) const {
    std::mt19937_64 rng(case_seed());
    GuardedBuffer<T> x(n_);
    int64_t want = 0;
    for (size_t i = 0; i < n_; ++i) {
      x[i] = next_value<T>(rng);
      want += x[i];
    }
    const int32_t got = fn(n_, x.data()), ref = scalar(n_, x.data());
    EXPECT_TRUE(got == ref && ref == want)
        << kernel << ": kernel " << got << ", __scalar " << ref << ", formula " << want << "\n  " << describe();
  }

 private:
  template <typename T>
  struct Inputs {
    std::vector<std::unique_ptr<GuardedBuffer<T>>> buffers;
    std::vector<const T*> ptrs;
  };

  // One guarded buffer per tap holding exactly the elements the kernel may read.
  template <typename T>
  Inputs<T> make_inputs() const {
    std::mt19937_64 rng(case_seed());
    Inputs<T> in;
    const size_t len = n_ == 0 ? 0 : (n_ - 1) * stride_ + 1;
    for (size_t t = 0; t < taps_; ++t) {
      in.buffers.push_back(std::make_unique<GuardedBuffer<T>>(len));
      GuardedBuffer<T>& b = *in.buffers.back();
      for (size_t i = 0; i < len; ++i) b[i] = next_value<T>(rng);
      in.ptrs.push_back(b.data());
    }
    return in;
  }

  template <typename T>
  T next_value(std::mt19937_64& rng) const {
    constexpr int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    switch (data_) {
      case PoolData::AllMax: return static_cast<T>(hi);
      case PoolData::AllMin: return static_cast<T>(lo);
      case PoolData::Extremes: return static_cast<T>(rng() % 2 ? hi : lo);
      case PoolData::Narrow: {
        const int32_t v = zero_point_in_ + static_cast<int32_t>(rng() % 7) - 3;
        return static_cast<T>(v < lo ? lo : v > hi ? hi : v);
      }
      case PoolData::Random: break;
    }
    return static_cast<T>(std::uniform_int_distribution<int32_t>(lo, hi)(rng));
  }

  int32_t bias_value() const {
    return has_bias_ ? bias_ : static_cast<int32_t>(-static_cast<int64_t>(zero_point_in_) * static_cast<int64_t>(taps_));
  }

  uint64_t case_seed() const {
    uint64_t h = mix_seed(seed_, n_);
    h = mix_seed(h, taps_ * 131 + stride_);
    h = mix_seed(h, static_cast<uint64_t>(data_) * 1000003u + static_cast<uint32_t>(zero_point_in_ + 1000));
    return mix_seed(h, static_cast<uint32_t>(zero_point_ + 1000));
  }

  std::string describe() const {
    std::ostringstream s;
    s << "n=" << n_ << " taps=" << taps_ << " stride=" << stride_ << " data=" << pool_data_name(data_)
      << " zero_point_in=" << zero_point_in_ << " bias=" << bias_value() << " multiplier=" << show(multiplier_)
      << " zero_point=" << zero_point_ << " qmin=" << qmin_ << " qmax=" << qmax_
      << "\n  rerun with OCTET_TEST_SEED=" << seed_;
    return s.str();
  }

  size_t n_ = 1, taps_ = 1, stride_ = 1;
  PoolData data_ = PoolData::Random;
  uint64_t seed_ = 0;
  int32_t zero_point_in_ = 0, bias_ = 0, zero_point_ = 0;
  bool has_bias_ = false;
  float multiplier_ = 1.0f;
  int32_t qmin_ = 0, qmax_ = 255;
};

}  // namespace octet::kernels::test
