// qelementwise_tester.h: builder-style testers that run an 8-bit elementwise kernel (add, mul, lookup,
// clamp) against its __scalar variant and an independent inline formula, demanding exact equality.
//
// Usage (as XNNPACK's VAddMicrokernelTester):
//   VAddTester().batch_size(67).a_zero_point(128).output_scale(0.5f).Test(name, kernel, scalar);
// Inputs come from a seed (seed()); a failure names the kernel, the index, the operands, all three
// outputs, the parameters and the seed to rerun with (OCTET_TEST_SEED=<seed>).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/qelementwise_kernels.h"
#include "kernels/quantize_tester.h"  // GuardedBuffer, show(), mix_seed()

namespace octet::kernels::test {

// How the 8-bit operands are filled.
enum class ByteInputs {
  Random,    // uniform bytes
  AllPairs,  // every (a, b) pair once: a = i % 256, b = i / 256 (batch size forced to 65536)
  Extremes,  // only the type's min, max, the zero points and their neighbours
};

inline const char* byte_inputs_name(ByteInputs i) {
  switch (i) {
    case ByteInputs::Random: return "random";
    case ByteInputs::AllPairs: return "all-pairs";
    case ByteInputs::Extremes: return "extremes";
  }
  return "?";
}

template <typename T>
inline T byte_of(uint64_t bits) {
  return static_cast<T>(static_cast<uint8_t>(bits));
}

// Fills a (n) and b (n, or 1 for a scalar second operand) as `kind` says.
template <typename T>
void fill_operands(ByteInputs kind, uint64_t seed, std::vector<int32_t> extremes, GuardedBuffer<T>& a,
                   GuardedBuffer<T>& b) {
  std::mt19937_64 rng(seed);
  const size_t n = a.size();
  for (size_t i = 0; i < n; ++i) {
    switch (kind) {
      case ByteInputs::Random: a[i] = byte_of<T>(rng()); break;
      case ByteInputs::AllPairs: a[i] = byte_of<T>(i); break;
      case ByteInputs::Extremes: a[i] = static_cast<T>(extremes[rng() % extremes.size()]); break;
    }
  }
  for (size_t i = 0; i < b.size(); ++i) {
    switch (kind) {
      case ByteInputs::Random: b[i] = byte_of<T>(rng()); break;
      case ByteInputs::AllPairs: b[i] = byte_of<T>(b.size() == 1 ? rng() : i >> 8); break;
      case ByteInputs::Extremes: b[i] = static_cast<T>(extremes[rng() % extremes.size()]); break;
    }
  }
}

// min, max, each zero point and its neighbours, clipped to T's range.
template <typename T>
std::vector<int32_t> extreme_values(std::initializer_list<int32_t> zero_points) {
  const int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  std::vector<int32_t> v = {lo, lo + 1, hi - 1, hi};
  for (int32_t zp : zero_points) {
    for (int32_t d : {-1, 0, 1}) {
      if (zp + d >= lo && zp + d <= hi) v.push_back(zp + d);
    }
  }
  return v;
}

// The quantize rule after the multiply, written independently of the kernels: round, add the zero
// point exactly (double), clamp; NaN gives qmax.
inline int32_t formula_round_clamp(float v, int32_t zero_point, int32_t qmin, int32_t qmax) {
  const float r = std::nearbyint(v);
  if (std::isnan(r)) return qmax;
  const double t = static_cast<double>(r) + zero_point;
  return t < qmin ? qmin : t > qmax ? qmax : static_cast<int32_t>(t);
}

// Compares kernel output with the __scalar output and both with the formula; reports the first
// disagreement (one bug usually breaks many lanes).
template <typename T>
void expect_bytes_identical(const char* kernel, size_t n, const T* a, const T* b, size_t b_count, const T* got,
                            const T* scalar, const std::vector<int32_t>& formula, const std::string& params) {
  for (size_t i = 0; i < n; ++i) {
    if (got[i] == scalar[i] && static_cast<int32_t>(scalar[i]) == formula[i]) continue;
    std::ostringstream s;
    s << kernel << " differs at index " << i << " of n=" << n << "\n  a        " << static_cast<int>(a[i]);
    if (b != nullptr) s << "\n  b        " << static_cast<int>(b[b_count == 1 ? 0 : i]);
    s << "\n  kernel   " << static_cast<int>(got[i]) << "\n  __scalar " << static_cast<int>(scalar[i])
      << "\n  formula  " << formula[i] << "\n  params   " << params;
    ADD_FAILURE() << s.str();
    return;
  }
}

// Shared builder state of the two binary testers.
template <typename Derived>
class BinaryTesterBase {
 public:
  Derived& batch_size(size_t n) { n_ = n; return self(); }
  Derived& a_scale(float v) { a_scale_ = v; return self(); }
  Derived& a_zero_point(int32_t v) { a_zero_point_ = v; return self(); }
  Derived& b_scale(float v) { b_scale_ = v; return self(); }
  Derived& b_zero_point(int32_t v) { b_zero_point_ = v; return self(); }
  Derived& output_scale(float v) { output_scale_ = v; return self(); }
  Derived& output_zero_point(int32_t v) { output_zero_point_ = v; return self(); }
  Derived& qmin(int32_t v) { qmin_ = v; return self(); }
  Derived& qmax(int32_t v) { qmax_ = v; return self(); }
  Derived& inputs(ByteInputs v) { inputs_ = v; return self(); }
  Derived& scalar_b(bool v) { scalar_b_ = v; return self(); }  // the `c` kernels: b is one element
  Derived& b_value(int32_t v) { b_value_ = v; return self(); }  // that element (default: random)
  Derived& seed(uint64_t v) { seed_ = v; return self(); }

 protected:
  Derived& self() { return static_cast<Derived&>(*this); }
  size_t count() const { return inputs_ == ByteInputs::AllPairs ? (scalar_b_ ? 256 : 65536) : n_; }
  uint64_t case_seed() const {
    uint64_t h = mix_seed(seed_, n_);
    h = mix_seed(h, static_cast<uint64_t>(inputs_) * 2 + (scalar_b_ ? 1 : 0));
    h = mix_seed(h, static_cast<uint32_t>(b_value_));
    h = mix_seed(h, static_cast<uint32_t>(a_zero_point_ + 1000 * b_zero_point_));
    return mix_seed(h, static_cast<uint32_t>(output_zero_point_ + 1000 * (qmin_ + 1000 * qmax_)));
  }
  std::string params_text() const {
    std::ostringstream s;
    s << "a_scale=" << show(a_scale_) << " a_zero_point=" << a_zero_point_ << " b_scale=" << show(b_scale_)
      << " b_zero_point=" << b_zero_point_ << " output_scale=" << show(output_scale_)
      << " output_zero_point=" << output_zero_point_ << " qmin=" << qmin_ << " qmax=" << qmax_
      << " inputs=" << byte_inputs_name(inputs_) << (scalar_b_ ? " scalar_b" : "")
      << "\n  rerun with OCTET_TEST_SEED=" << seed_;
    return s.str();
  }

  // Runs fn and scalar on the same operands and compares them with formula(a, b).
  template <typename T, typename Params, typename Formula>
  void run(const char* kernel, void (*fn)(size_t, const T*, const T*, T*, const Params*),
           void (*scalar)(size_t, const T*, const T*, T*, const Params*), const Params& params,
           Formula formula) const {
    const size_t n = count();
    GuardedBuffer<T> a(n), b(scalar_b_ ? 1 : n), y(n), y_scalar(n);
    fill_operands(inputs_, case_seed(),
                  extreme_values<T>({a_zero_point_, b_zero_point_, output_zero_point_}), a, b);
    if (scalar_b_ && b_value_ != kRandomB) b[0] = static_cast<T>(b_value_);
    y.poison(0x5A);
    y_scalar.poison(0xA5);
    fn(n, a.data(), b.data(), y.data(), &params);
    scalar(n, a.data(), b.data(), y_scalar.data(), &params);
    std::vector<int32_t> expected(n);
    for (size_t i = 0; i < n; ++i) expected[i] = formula(a[i], b[scalar_b_ ? 0 : i]);
    expect_bytes_identical(kernel, n, a.data(), b.data(), b.size(), y.data(), y_scalar.data(), expected,
                           params_text());
  }

  size_t n_ = 1;
  float a_scale_ = 0.05f;
  int32_t a_zero_point_ = 0;
  float b_scale_ = 0.07f;
  int32_t b_zero_point_ = 0;
  float output_scale_ = 0.1f;
  int32_t output_zero_point_ = 0;
  int32_t qmin_ = 0;
  int32_t qmax_ = 255;
  ByteInputs inputs_ = ByteInputs::Random;
  bool scalar_b_ = false;
  static constexpr int32_t kRandomB = std::numeric_limits<int32_t>::min();
  int32_t b_value_ = kRandomB;
  uint64_t seed_ = 0;
};

// {qu8,qs8}_vadd and _vaddc. The formula dequantizes with the C library's fmaf (one correctly
// rounded fused multiply-add), independent of the scalar kernel's exact double arithmetic.
class VAddTester : public BinaryTesterBase<VAddTester> {
 public:
  template <typename T>
  void Test(const char* kernel, void (*fn)(size_t, const T*, const T*, T*, const QAddParams*),
            void (*scalar)(size_t, const T*, const T*, T*, const QAddParams*)) const {
    const QAddParams p = make_qadd_params(a_scale_, a_zero_point_, b_scale_, b_zero_point_, output_scale_,
                                          output_zero_point_, qmin_, qmax_);
    run(kernel, fn, scalar, p, [&](T a, T b) {
      const float x = std::fma(p.a_scale, static_cast<float>(a), p.a_bias);
      const float z = std::fma(p.b_scale, static_cast<float>(b), p.b_bias);
      return formula_round_clamp((x + z) * p.inv_output_scale, p.output_zero_point, p.qmin, p.qmax);
    });
  }
};

// {qu8,qs8}_vmul and _vmulc: the product in int64, one float32 multiply.
class VMulTester : public BinaryTesterBase<VMulTester> {
 public:
  template <typename T>
  void Test(const char* kernel, void (*fn)(size_t, const T*, const T*, T*, const QMulParams*),
            void (*scalar)(size_t, const T*, const T*, T*, const QMulParams*)) const {
    const QMulParams p = make_qmul_params(a_scale_, a_zero_point_, b_scale_, b_zero_point_, output_scale_,
                                          output_zero_point_, qmin_, qmax_);
    run(kernel, fn, scalar, p, [&](T a, T b) {
      const int64_t acc = (int64_t{a} - a_zero_point_) * (int64_t{b} - b_zero_point_);
      return formula_round_clamp(static_cast<float>(acc) * p.multiplier, p.output_zero_point, p.qmin, p.qmax);
    });
  }
};

// x8_lut: the first n / 256 * 256 inputs run through every byte value starting at `rotation` (so
// rotations 0..63 put every value in every lane of a 64-byte block), the rest are random; the table
// is random or a given one.
class LutTester {
 public:
  LutTester& batch_size(size_t n) { n_ = n; return *this; }
  LutTester& rotation(size_t r) { rotation_ = r; return *this; }
  LutTester& seed(uint64_t v) { seed_ = v; return *this; }
  LutTester& table(const uint8_t* t) { table_ = t; return *this; }  // default: random

  void Test(const char* kernel, x8_lut_fn fn, x8_lut_fn scalar) const {
    std::mt19937_64 rng(mix_seed(mix_seed(seed_, n_), rotation_));
    GuardedBuffer<uint8_t> table(256), x(n_), y(n_), y_scalar(n_);
    for (size_t i = 0; i < 256; ++i) table[i] = table_ != nullptr ? table_[i] : static_cast<uint8_t>(rng());
    for (size_t i = 0; i < n_; ++i) {
      x[i] = i < n_ / 256 * 256 ? static_cast<uint8_t>(i + rotation_) : static_cast<uint8_t>(rng());
    }
    y.poison(0x5A);
    y_scalar.poison(0xA5);
    fn(n_, x.data(), y.data(), table.data());
    scalar(n_, x.data(), y_scalar.data(), table.data());
    std::vector<int32_t> expected(n_);
    for (size_t i = 0; i < n_; ++i) expected[i] = table[x[i]];
    std::ostringstream s;
    s << "rotation=" << rotation_ << (table_ != nullptr ? " given table" : " random table")
      << "\n  rerun with OCTET_TEST_SEED=" << seed_;
    expect_bytes_identical<uint8_t>(kernel, n_, x.data(), nullptr, 0, y.data(), y_scalar.data(), expected, s.str());
  }

 private:
  size_t n_ = 256;
  size_t rotation_ = 0;
  uint64_t seed_ = 0;
  const uint8_t* table_ = nullptr;
};

// {qu8,qs8}_vclamp: every byte value in every lane position, plus random bytes.
class VClampTester {
 public:
  VClampTester& batch_size(size_t n) { n_ = n; return *this; }
  VClampTester& min(int32_t v) { min_ = v; return *this; }
  VClampTester& max(int32_t v) { max_ = v; return *this; }
  VClampTester& seed(uint64_t v) { seed_ = v; return *this; }

  template <typename T>
  void Test(const char* kernel, void (*fn)(size_t, const T*, T*, const QClampParams*),
            void (*scalar)(size_t, const T*, T*, const QClampParams*)) const {
    std::mt19937_64 rng(mix_seed(mix_seed(seed_, n_), static_cast<uint32_t>(min_ * 1000 + max_)));
    GuardedBuffer<T> x(n_), y(n_), y_scalar(n_);
    for (size_t i = 0; i < n_; ++i) x[i] = byte_of<T>(i < 256 ? i : rng());
    y.poison(0x5A);
    y_scalar.poison(0xA5);
    const QClampParams p{min_, max_};
    fn(n_, x.data(), y.data(), &p);
    scalar(n_, x.data(), y_scalar.data(), &p);
    std::vector<int32_t> expected(n_);
    for (size_t i = 0; i < n_; ++i) {
      const int32_t v = x[i];
      expected[i] = v < min_ ? (min_ > max_ ? max_ : min_) : v > max_ ? max_ : v;
    }
    std::ostringstream s;
    s << "min=" << min_ << " max=" << max_ << "\n  rerun with OCTET_TEST_SEED=" << seed_;
    expect_bytes_identical<T>(kernel, n_, x.data(), nullptr, 0, y.data(), y_scalar.data(), expected, s.str());
  }

 private:
  size_t n_ = 256;
  int32_t min_ = 0;
  int32_t max_ = 255;
  uint64_t seed_ = 0;
};

}  // namespace octet::kernels::test
