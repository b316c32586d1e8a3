// quantize_tester.h: builder-style testers that run a quantize-family kernel against its __scalar
// variant and an independent inline formula, demanding bit-for-bit equality.
//
// Usage (as XNNPACK's VUnaryMicrokernelTester):
//   VQuantizeTester().batch_size(67).zero_point(128).qmin(0).qmax(127).Test(name, kernel, scalar);
// On a mismatch the failure names the kernel, the index, the input, all three outputs, the params
// and the seed; OCTET_TEST_SEED=<seed> reruns the same inputs.
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>
#include <new>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#include <unistd.h>
#define OCTET_TEST_HAS_GUARD_PAGES 1
#endif

#include "kernels/quantize_kernels.h"

namespace octet::kernels::test {

// The seed every tester derives its inputs from: OCTET_TEST_SEED when set, else a fixed default so
// that a plain run is reproducible.
inline uint64_t test_seed() {
  static const uint64_t seed = [] {
    const char* env = std::getenv("OCTET_TEST_SEED");
    return env != nullptr && *env != '\0' ? std::strtoull(env, nullptr, 0) : UINT64_C(20240521);
  }();
  return seed;
}

// splitmix64 step: decorrelates the per-case seeds derived from the global one.
inline uint64_t mix_seed(uint64_t h, uint64_t v) {
  uint64_t z = h + v + UINT64_C(0x9E3779B97F4A7C15);
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

// n elements that end exactly where a PROT_NONE page begins, so reading or writing past the end
// faults (MLAS's guard-page buffers). Without mmap it degrades to a plain vector.
template <typename T>
class GuardedBuffer {
 public:
  explicit GuardedBuffer(size_t n) : n_(n) {
#if defined(OCTET_TEST_HAS_GUARD_PAGES)
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t bytes = n * sizeof(T);
    const size_t data_bytes = (bytes + page - 1) / page * page;
    map_bytes_ = data_bytes + page;
    void* base = mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();
    base_ = static_cast<char*>(base);
    if (mprotect(base_ + data_bytes, page, PROT_NONE) != 0) throw std::bad_alloc();
    data_ = reinterpret_cast<T*>(base_ + data_bytes - bytes);
#else
    storage_.resize(n + 1);
    data_ = storage_.data();
#endif
  }
  ~GuardedBuffer() {
#if defined(OCTET_TEST_HAS_GUARD_PAGES)
    munmap(base_, map_bytes_);
#endif
  }
  GuardedBuffer(const GuardedBuffer&) = delete;
  GuardedBuffer& operator=(const GuardedBuffer&) = delete;

  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return n_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  // Fills the bytes with a pattern, so an element a kernel forgets to write shows up as a mismatch.
  void poison(unsigned char byte) {
    if (n_ != 0) std::memset(static_cast<void*>(data_), byte, n_ * sizeof(T));
  }

 private:
  size_t n_;
  T* data_ = nullptr;
#if defined(OCTET_TEST_HAS_GUARD_PAGES)
  char* base_ = nullptr;
  size_t map_bytes_ = 0;
#else
  std::vector<T> storage_;
#endif
};

// --- values worth hitting in every lane ----------------------------------------------------------

inline float float_from_bits(uint32_t b) { return std::bit_cast<float>(b); }

inline const std::vector<float>& special_floats() {
  static const std::vector<float> values = {
      0.0f, -0.0f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
      std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(),
      float_from_bits(0x7F800001u),  // signalling NaN
      float_from_bits(0xFFC12345u),  // negative NaN with a payload
      std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::denorm_min(),
      float_from_bits(0x007FFFFFu),  // largest denormal
      std::numeric_limits<float>::min(), -std::numeric_limits<float>::min(),
      std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(), 1e30f, -1e30f, 1e-30f,
      0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 127.5f, -127.5f, 128.5f, -128.5f, 254.5f, 255.5f,
      256.5f, 0.49999997f, 0.50000006f, -0.49999997f, 126.49999f, 127.49999f, 127.50001f,
      4194304.5f, -4194304.5f, 4194305.5f,  // halfway cases at 2^22, where float still has halves
      8388607.5f, 16777216.0f, -16777216.0f, 16777218.0f, 2147483520.0f, 2147483648.0f,
      -2147483648.0f, -2147483904.0f, 4294967296.0f, 0.273939937f, 255.0f, 256.0f, -129.0f, 127.0f};
  return values;
}

inline const std::vector<int32_t>& special_int32s() {
  static const std::vector<int32_t> values = {
      std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::min() + 1,
      std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::max() - 1,
      0, 1, -1, 2, -2, 3, -3, 5, -5, 127, 128, 255, 256, -128, -129, 16777216, -16777216,
      16777217, -16777217,  // the first integers float cannot hold: they round to even
      16777219, 33554434, 33554435, 2147483584, 2147483583, -2147483584, -2147483585, 1 << 30,
      -(1 << 30), 123456789, -987654321};
  return values;
}

template <typename T>
std::vector<T> special_inputs() {
  if constexpr (std::is_same_v<T, float>) {
    return special_floats();
  } else if constexpr (std::is_same_v<T, int32_t>) {
    return special_int32s();
  } else {
    std::vector<T> all;  // 8-bit: every value
    for (int v = std::numeric_limits<T>::min(); v <= std::numeric_limits<T>::max(); ++v) {
      all.push_back(static_cast<T>(v));
    }
    return all;
  }
}

enum class Inputs {
  Mixed,     // in-range, saturating, halfway and special values, mixed at random
  Halfway,   // every product exactly k + 0.5 (exact when the scale is a power of two)
  Specials,  // special_inputs() rotated by `rotation`, repeated to n
  Bits,      // uniformly random bit patterns (NaNs, infinities, huge values included)
};

inline const char* inputs_name(Inputs i) {
  switch (i) {
    case Inputs::Mixed: return "mixed";
    case Inputs::Halfway: return "halfway";
    case Inputs::Specials: return "specials";
    case Inputs::Bits: return "bits";
  }
  return "?";
}

// --- printing ------------------------------------------------------------------------------------

inline std::string show(float v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g (%a, 0x%08x)", static_cast<double>(v), static_cast<double>(v),
                std::bit_cast<uint32_t>(v));
  return buf;
}
inline std::string show(int32_t v) { return std::to_string(v); }
inline std::string show(uint8_t v) { return std::to_string(static_cast<int>(v)); }
inline std::string show(int8_t v) { return std::to_string(static_cast<int>(v)); }

template <typename T>
bool same_bits(T a, T b) {
  if constexpr (std::is_same_v<T, float>) {
    return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
  } else {
    return a == b;
  }
}

// Compares kernel output against the __scalar output and both against the inline formula; reports
// the first disagreement only (one bug usually breaks many lanes). params_text(i) describes the
// parameters element i was computed with.
template <typename In, typename Out, typename ParamsText>
void expect_identical(const char* kernel, size_t n, const In* x, const Out* got, const Out* scalar,
                      const std::vector<Out>& formula, const ParamsText& params_text) {
  for (size_t i = 0; i < n; ++i) {
    if (same_bits(got[i], scalar[i]) && same_bits(scalar[i], formula[i])) continue;
    ADD_FAILURE() << kernel << " differs at index " << i << " of n=" << n << "\n  input    "
                  << show(x[i]) << "\n  kernel   " << show(got[i]) << "\n  __scalar "
                  << show(scalar[i]) << "\n  formula  " << show(formula[i]) << "\n  params   "
                  << params_text(i) << "\n  rerun with OCTET_TEST_SEED=" << test_seed();
    return;
  }
}

// --- the independent formulas --------------------------------------------------------------------

// Quantize with the zero point added exactly (in double). Equal to the kernels' float32 addition
// because whenever the two differ (|r| >= 2^24) both are clamped to the same bound.
inline int32_t formula_quantize(float x, float inv_scale, int32_t zero_point, int32_t qmin, int32_t qmax) {
  const float r = std::nearbyint(x * inv_scale);
  if (std::isnan(r)) return qmax;  // PyTorch's answer for 8-bit activations
  const double t = static_cast<double>(r) + zero_point;
  return t < qmin ? qmin : t > qmax ? qmax : static_cast<int32_t>(t);
}

// The difference is exact in int64; a zero difference is +0 in every rounding mode (a float
// subtraction x - x would give -0 when rounding downward).
inline float formula_dequantize(int32_t q, int32_t zero_point, float scale) {
  return static_cast<float>(static_cast<int64_t>(q) - zero_point) * scale;
}

// --- input generation ----------------------------------------------------------------------------

class InputMaker {
 public:
  InputMaker(uint64_t seed, Inputs kind, size_t rotation) : rng_(seed), kind_(kind), rotation_(rotation) {}

  // Floats fed to a quantize kernel whose product with inv_scale should land in, around and far
  // outside [qmin - zp, qmax - zp].
  float next_float(size_t i, float inv_scale, int32_t zp, int32_t qmin, int32_t qmax) {
    switch (kind_) {
      case Inputs::Specials: return pick_special<float>(i);
      case Inputs::Bits: return float_from_bits(static_cast<uint32_t>(rng_()));
      case Inputs::Halfway: return halfway_float(inv_scale, zp, qmin, qmax);
      case Inputs::Mixed: break;
    }
    switch (rng_() % 8) {
      case 5: return halfway_float(inv_scale, zp, qmin, qmax);
      case 6: return pick_special<float>(rng_());
      case 7: return float_from_bits(static_cast<uint32_t>(rng_()));
      default: break;
    }
    return static_cast<float>(around_range(usable_scale(inv_scale), zp, qmin, qmax));
  }

  // Accumulators fed to a requantize kernel (acc * multiplier around [qmin - zp, qmax - zp]).
  int32_t next_acc(size_t i, float multiplier, int32_t zp, int32_t qmin, int32_t qmax) {
    switch (kind_) {
      case Inputs::Specials: return pick_special<int32_t>(i);
      case Inputs::Bits: return static_cast<int32_t>(static_cast<uint32_t>(rng_()));
      case Inputs::Halfway: return clamp_to_int32((random_k(zp, qmin, qmax) + 0.5) * usable_scale(multiplier));
      case Inputs::Mixed: break;
    }
    switch (rng_() % 8) {
      case 5: return clamp_to_int32((random_k(zp, qmin, qmax) + 0.5) * usable_scale(multiplier));
      case 6: return pick_special<int32_t>(rng_());
      case 7: return static_cast<int32_t>(static_cast<uint32_t>(rng_()));
      default: break;
    }
    return clamp_to_int32(around_range(usable_scale(multiplier), zp, qmin, qmax));
  }

  // Integers fed to a dequantize kernel.
  template <typename T>
  T next_int(size_t i) {
    if (kind_ == Inputs::Specials) return pick_special<T>(i);
    if (kind_ == Inputs::Mixed && rng_() % 8 == 0) return pick_special<T>(rng_());
    return static_cast<T>(static_cast<std::make_unsigned_t<T>>(rng_()));
  }

  float uniform(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng_); }
  int32_t uniform_int(int32_t lo, int32_t hi) { return std::uniform_int_distribution<int32_t>(lo, hi)(rng_); }
  uint64_t raw() { return rng_(); }

 private:
  // 1 / inv_scale when that is a usable real number; a unit scale otherwise (inv_scale 0, inf, NaN).
  static double usable_scale(float inv_scale) {
    const double s = 1.0 / static_cast<double>(inv_scale);
    return std::isfinite(s) && s != 0.0 ? s : 1.0;
  }
  // Uniform over the inputs that quantize into [qmin - 6, qmax + 6] (a negative scale flips it).
  double around_range(double scale, int32_t zp, int32_t qmin, int32_t qmax) {
    const double a = (qmin - zp - 6) * scale, b = (qmax - zp + 6) * scale;
    return std::uniform_real_distribution<double>(a < b ? a : b, a < b ? b : a)(rng_);
  }
  int32_t random_k(int32_t zp, int32_t qmin, int32_t qmax) {
    return std::uniform_int_distribution<int32_t>(qmin - zp - 3, qmax - zp + 3)(rng_);
  }
  float halfway_float(float inv_scale, int32_t zp, int32_t qmin, int32_t qmax) {
    return static_cast<float>((random_k(zp, qmin, qmax) + 0.5) * usable_scale(inv_scale));
  }
  static int32_t clamp_to_int32(double v) {
    if (!(v > -2147483648.0)) return std::numeric_limits<int32_t>::min();
    if (v > 2147483647.0) return std::numeric_limits<int32_t>::max();
    return static_cast<int32_t>(std::llround(v));
  }
  template <typename T>
  T pick_special(uint64_t i) {
    static const std::vector<T> values = special_inputs<T>();
    return values[(i + rotation_) % values.size()];
  }

  std::mt19937_64 rng_;
  Inputs kind_;
  size_t rotation_;
};

// --- testers -------------------------------------------------------------------------------------

// Shared builder state of the testers that quantize to 8 bits (per tensor, channelwise, requantize).
template <typename Derived>
class QuantizeTesterBase {
 public:
  Derived& batch_size(size_t n) { n_ = n; return self(); }
  Derived& zero_point(int32_t zp) { zero_point_ = zp; return self(); }
  Derived& qmin(int32_t v) { qmin_ = v; return self(); }
  Derived& qmax(int32_t v) { qmax_ = v; return self(); }
  Derived& inputs(Inputs kind) { inputs_ = kind; return self(); }
  Derived& rotation(size_t r) { rotation_ = r; return self(); }

 protected:
  Derived& self() { return static_cast<Derived&>(*this); }
  uint64_t case_seed(uint64_t extra) const {
    uint64_t h = mix_seed(test_seed(), n_);
    h = mix_seed(h, static_cast<uint32_t>(zero_point_));
    h = mix_seed(h, static_cast<uint32_t>(qmin_) * 65536u + static_cast<uint32_t>(qmax_ & 0xFFFF));
    h = mix_seed(h, static_cast<uint64_t>(inputs_) * 1000 + rotation_);
    return mix_seed(h, extra);
  }
  std::string common_params() const {
    std::ostringstream s;
    s << "zero_point=" << zero_point_ << " qmin=" << qmin_ << " qmax=" << qmax_
      << " inputs=" << inputs_name(inputs_) << " rotation=" << rotation_;
    return s.str();
  }

  size_t n_ = 1;
  int32_t zero_point_ = 0;
  int32_t qmin_ = 0;
  int32_t qmax_ = 255;
  Inputs inputs_ = Inputs::Mixed;
  size_t rotation_ = 0;
};

// f32 -> q8 per tensor: {f32_qu8,f32_qs8}_vquantize.
class VQuantizeTester : public QuantizeTesterBase<VQuantizeTester> {
 public:
  VQuantizeTester& inv_scale(float v) { inv_scale_ = v; return *this; }

  template <typename Out>
  void Test(const char* kernel, void (*fn)(size_t, const float*, Out*, const QuantizeParams*),
            void (*scalar)(size_t, const float*, Out*, const QuantizeParams*)) const {
    InputMaker make(case_seed(std::bit_cast<uint32_t>(inv_scale_)), inputs_, rotation_);
    GuardedBuffer<float> x(n_);
    for (size_t i = 0; i < n_; ++i) x[i] = make.next_float(i, inv_scale_, zero_point_, qmin_, qmax_);
    const QuantizeParams params{inv_scale_, zero_point_, qmin_, qmax_};
    GuardedBuffer<Out> y(n_), y_scalar(n_);
    y.poison(0x5A);
    y_scalar.poison(0xA5);
    fn(n_, x.data(), y.data(), &params);
    scalar(n_, x.data(), y_scalar.data(), &params);
    std::vector<Out> formula(n_);
    for (size_t i = 0; i < n_; ++i) {
      formula[i] = static_cast<Out>(formula_quantize(x[i], inv_scale_, zero_point_, qmin_, qmax_));
    }
    const std::string text = "inv_scale=" + show(inv_scale_) + " " + common_params();
    expect_identical(kernel, n_, x.data(), y.data(), y_scalar.data(), formula,
                     [&](size_t) { return text; });
  }

 private:
  float inv_scale_ = 1.0f;
};

// q32 accumulators -> q8: qs32_{qu8,qs8}_vrequantize.
class VRequantizeTester : public QuantizeTesterBase<VRequantizeTester> {
 public:
  VRequantizeTester& multiplier(float v) { multiplier_ = v; return *this; }

  template <typename Out>
  void Test(const char* kernel, void (*fn)(size_t, const int32_t*, Out*, const RequantizeParams*),
            void (*scalar)(size_t, const int32_t*, Out*, const RequantizeParams*)) const {
    InputMaker make(case_seed(std::bit_cast<uint32_t>(multiplier_)), inputs_, rotation_);
    GuardedBuffer<int32_t> acc(n_);
    for (size_t i = 0; i < n_; ++i) acc[i] = make.next_acc(i, multiplier_, zero_point_, qmin_, qmax_);
    const RequantizeParams params{multiplier_, zero_point_, qmin_, qmax_};
    GuardedBuffer<Out> y(n_), y_scalar(n_);
    y.poison(0x5A);
    y_scalar.poison(0xA5);
    fn(n_, acc.data(), y.data(), &params);
    scalar(n_, acc.data(), y_scalar.data(), &params);
    std::vector<Out> formula(n_);
    for (size_t i = 0; i < n_; ++i) {
      // (float)acc rounds to nearest even, as cvtdq2ps does.
      formula[i] = static_cast<Out>(
          formula_quantize(static_cast<float>(acc[i]), multiplier_, zero_point_, qmin_, qmax_));
    }
    const std::string text = "multiplier=" + show(multiplier_) + " " + common_params();
    expect_identical(kernel, n_, acc.data(), y.data(), y_scalar.data(), formula,
                     [&](size_t) { return text; });
  }

 private:
  float multiplier_ = 1.0f / 256.0f;
};

// f32 -> q8 with one (inv_scale, zero_point) per element: {f32_qu8,f32_qs8}_vquantize_cw.
// Each element's inv_scale is drawn from a pool mixing random, power-of-two and special values; its
// zero point uniformly from [qmin, qmax].
class VQuantizeCwTester : public QuantizeTesterBase<VQuantizeCwTester> {
 public:
  template <typename Out>
  void Test(const char* kernel,
            void (*fn)(size_t, const float*, Out*, const float*, const int32_t*, int32_t, int32_t),
            void (*scalar)(size_t, const float*, Out*, const float*, const int32_t*, int32_t, int32_t)) const {
    InputMaker make(case_seed(0xC0FFEE), inputs_, rotation_);
    GuardedBuffer<float> x(n_), inv_scale(n_);
    GuardedBuffer<int32_t> zp(n_);
    static const float kPool[] = {1.0f, 0.5f, 4.0f, 465.430481f, 0.0f, 1e-30f,
                                  std::numeric_limits<float>::max(),
                                  std::numeric_limits<float>::infinity(),
                                  std::numeric_limits<float>::quiet_NaN(),
                                  std::numeric_limits<float>::denorm_min()};
    for (size_t i = 0; i < n_; ++i) {
      const uint64_t pick = make.raw() % 16;
      inv_scale[i] = pick < std::size(kPool) ? kPool[pick] : make.uniform(0.01f, 300.0f);
      zp[i] = make.uniform_int(qmin_, qmax_);
      x[i] = make.next_float(i, inv_scale[i], zp[i], qmin_, qmax_);
    }
    GuardedBuffer<Out> y(n_), y_scalar(n_);
    y.poison(0x5A);
    y_scalar.poison(0xA5);
    fn(n_, x.data(), y.data(), inv_scale.data(), zp.data(), qmin_, qmax_);
    scalar(n_, x.data(), y_scalar.data(), inv_scale.data(), zp.data(), qmin_, qmax_);
    std::vector<Out> formula(n_);
    for (size_t i = 0; i < n_; ++i) {
      formula[i] = static_cast<Out>(formula_quantize(x[i], inv_scale[i], zp[i], qmin_, qmax_));
    }
    expect_identical(kernel, n_, x.data(), y.data(), y_scalar.data(), formula, [&](size_t i) {
      return "inv_scale[i]=" + show(inv_scale[i]) + " zero_point[i]=" + show(zp[i]) +
             " qmin=" + show(qmin_) + " qmax=" + show(qmax_) + " inputs=" + inputs_name(inputs_);
    });
  }
};

// q -> f32: {qu8,qs8,qs32}_f32_vdequantize. Outputs are compared as bit patterns.
class VDequantizeTester {
 public:
  VDequantizeTester& batch_size(size_t n) { n_ = n; return *this; }
  VDequantizeTester& scale(float v) { scale_ = v; return *this; }
  VDequantizeTester& zero_point(int32_t zp) { zero_point_ = zp; return *this; }
  VDequantizeTester& inputs(Inputs kind) { inputs_ = kind; return *this; }
  VDequantizeTester& rotation(size_t r) { rotation_ = r; return *this; }

  template <typename In>
  void Test(const char* kernel, void (*fn)(size_t, const In*, float*, const DequantizeParams*),
            void (*scalar)(size_t, const In*, float*, const DequantizeParams*)) const {
    uint64_t seed = mix_seed(test_seed(), n_);
    seed = mix_seed(seed, std::bit_cast<uint32_t>(scale_));
    seed = mix_seed(seed, static_cast<uint32_t>(zero_point_));
    seed = mix_seed(seed, static_cast<uint64_t>(inputs_) * 1000 + rotation_);
    InputMaker make(seed, inputs_, rotation_);
    GuardedBuffer<In> x(n_);
    for (size_t i = 0; i < n_; ++i) x[i] = make.next_int<In>(i);
    const DequantizeParams params{scale_, zero_point_};
    GuardedBuffer<float> y(n_), y_scalar(n_);
    y.poison(0x5A);
    y_scalar.poison(0xA5);
    fn(n_, x.data(), y.data(), &params);
    scalar(n_, x.data(), y_scalar.data(), &params);
    std::vector<float> formula(n_);
    for (size_t i = 0; i < n_; ++i) formula[i] = formula_dequantize(x[i], zero_point_, scale_);
    std::vector<int32_t> shown(x.data(), x.data() + n_);  // print 8-bit inputs as numbers
    std::ostringstream params_text;
    params_text << "scale=" << show(scale_) << " zero_point=" << zero_point_
                << " inputs=" << inputs_name(inputs_) << " rotation=" << rotation_;
    const std::string text = params_text.str();
    expect_identical(kernel, n_, shown.data(), y.data(), y_scalar.data(), formula,
                     [&](size_t) { return text; });
  }

 private:
  size_t n_ = 1;
  float scale_ = 1.0f;
  int32_t zero_point_ = 0;
  Inputs inputs_ = Inputs::Mixed;
  size_t rotation_ = 0;
};

}  // namespace octet::kernels::test
