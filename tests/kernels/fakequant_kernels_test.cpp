// fakequant_kernels_test.cpp: every compiled fake-quantize kernel equals its __scalar variant bit for
// bit (outputs and masks), in every rounding mode; the scalar kernels equal quantize -> dequantize
// and hand-computed answers.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "common/fp_environment.h"
#include "common/test_util.h"
#include "kernels/fakequant_kernels.h"
#include "kernels/fakequant_ukernels.h"
#include "kernels/quantize_tester.h"
#include "octet/cpu_features.h"
#include "octet/qparams.h"

namespace octet::kernels {
namespace {

using ::octet::test::for_each_fp_environment;
using test::GuardedBuffer;
using test::InputMaker;
using test::Inputs;
using test::show;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kFltMax = std::numeric_limits<float>::max();
constexpr float kDenormMin = std::numeric_limits<float>::denorm_min();
constexpr int32_t k24 = kFakeQuantMaxSimdBound;

// --- grids ---------------------------------------------------------------------------------------

// Every tail of both vector widths and of the unrolled main loops, and powers of two +-1.
std::vector<size_t> batch_sizes() {
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 70; ++n) sizes.push_back(n);
  for (size_t k = 7; k <= 11; ++k) {
    for (size_t n : {(size_t{1} << k) - 1, size_t{1} << k, (size_t{1} << k) + 1}) sizes.push_back(n);
  }
  return sizes;
}

// Passes through every loop of every variant: AVX-512 32 + 32 + 16 + tail 15, AVX2 16 x 4 + 8 + 7.
constexpr size_t kAllLoopsBatch = 32 * 2 + 16 + 15;

struct Range {
  int32_t qmin, qmax;
};

// 8-bit ranges (quint8, reduce_range, qint8, the XNNPACK-style narrow one), 4-bit, a single value,
// and the widest the SIMD variants accept (bounds at +-2^24, where q - zero_point reaches 2^25 and
// its conversion to float rounds).
const std::vector<Range>& ranges() {
  static const std::vector<Range> values = {{0, 255},   {0, 127}, {-128, 127}, {-127, 127}, {-8, 7},
                                            {0, 15},    {3, 3},   {-64, 63},   {-k24, k24}, {-k24 + 3, k24 - 5}};
  return values;
}

// {qmin, 0 (or qmin + 1), mid, qmax}: the zero point at both ends of the range included.
std::vector<int32_t> zero_points(Range r) {
  const int32_t second = (r.qmin < 0 && r.qmax >= 0) ? 0 : r.qmin + (r.qmin < r.qmax ? 1 : 0);
  std::vector<int32_t> zps;
  for (int32_t zp : {r.qmin, second, r.qmin + (r.qmax - r.qmin) / 2, r.qmax}) {
    bool seen = false;
    for (int32_t z : zps) seen = seen || z == zp;
    if (!seen) zps.push_back(zp);
  }
  return zps;
}

// Powers of two (exact halfway products), PyTorch #49779's scale (x * inv_scale == 127.5 exactly
// where x / scale is not), typical, tiny (inv_scale huge or inf) and huge scales.
const std::vector<float>& scales() {
  static const std::vector<float> values = {1.0f,   0.5f,   1.0f / 256.0f, 0.00214854861f, 0.0235f, 3.7e-3f,
                                            1e-10f, 1e-30f, kDenormMin,    1e10f,          3.0e38f, kFltMax};
  return values;
}

// --- the tester ----------------------------------------------------------------------------------

struct Outputs {
  std::vector<float> y;
  std::vector<uint8_t> mask;
};

// The independent formula for one element: quantize_value then dequantize_value (qparams.h) where
// x * inv_scale is not NaN, and (qmin - zp) * scale where it is (PyTorch's fake-quantize answer; its
// quantize gives qmax there). mask_known is false where the exact unclamped value passes 2^24: there
// the kernels' float32 addition of the zero point rounds (ATen's arithmetic) and a sum just past a
// bound of 2^24 may land on it, which this exact formula does not model.
struct Formula {
  float y;
  uint8_t mask;
  bool mask_known;
};
Formula formula(float x, float scale, float inv_scale, int32_t zp, int32_t qmin, int32_t qmax) {
  const float product = x * inv_scale;
  if (std::isnan(product)) return {dequantize_value(qmin, scale, zp), 0, true};
  const float y = dequantize_value(quantize_value(x, scale, zp, qmin, qmax), scale, zp);
  const double t = static_cast<double>(std::nearbyint(product)) + zp;
  return {y, static_cast<uint8_t>(t >= qmin && t <= qmax), std::fabs(t) <= 16777216.0};
}

// The first disagreement between a kernel, the __scalar reference and the formula (one bug usually
// breaks many lanes).
void expect_identical(const char* kernel, const float* x, const Outputs& got, const Outputs& ref,
                      const std::vector<Formula>& expected, const std::string& params) {
  for (size_t i = 0; i < got.y.size(); ++i) {
    const bool same_y = std::bit_cast<uint32_t>(got.y[i]) == std::bit_cast<uint32_t>(ref.y[i]) &&
                        std::bit_cast<uint32_t>(ref.y[i]) == std::bit_cast<uint32_t>(expected[i].y);
    const bool same_mask = (got.mask.empty() || got.mask[i] == ref.mask[i]) &&
                           (!expected[i].mask_known || ref.mask[i] == expected[i].mask);
    if (same_y && same_mask) continue;
    ADD_FAILURE() << kernel << " differs at index " << i << " of n=" << got.y.size() << "\n  input     " << show(x[i])
                  << "\n  kernel    " << show(got.y[i]) << " mask " << (got.mask.empty() ? -1 : got.mask[i])
                  << "\n  __scalar  " << show(ref.y[i]) << " mask " << static_cast<int>(ref.mask[i])
                  << "\n  formula   " << show(expected[i].y) << " mask " << static_cast<int>(expected[i].mask)
                  << (expected[i].mask_known ? "" : " (not compared)") << "\n  params    " << params
                  << "\n  rerun with OCTET_TEST_SEED=" << test::test_seed();
    return;
  }
}

// Runs a kernel and its __scalar variant on the same inputs (guard pages after every buffer, outputs
// poisoned first) and demands identical bits. Per tensor: one (scale, zero_point); channelwise
// (`channelwise(true)`): every element its own scale from scales() and zero point in [qmin, qmax].
class FakeQuantTester {
 public:
  FakeQuantTester& batch_size(size_t n) { n_ = n; return *this; }
  FakeQuantTester& scale(float s) { scale_ = s; return *this; }
  FakeQuantTester& zero_point(int32_t zp) { zero_point_ = zp; return *this; }
  FakeQuantTester& range(Range r) { range_ = r; return *this; }
  FakeQuantTester& inputs(Inputs kind) { inputs_ = kind; return *this; }
  FakeQuantTester& rotation(size_t r) { rotation_ = r; return *this; }
  FakeQuantTester& with_mask(bool on) { with_mask_ = on; return *this; }
  FakeQuantTester& in_place(bool on) { in_place_ = on; return *this; }

  void Test(const char* kernel, f32_vfakequant_fn fn, f32_vfakequant_fn scalar) const {
    InputMaker make(seed(0), inputs_, rotation_);
    GuardedBuffer<float> x(n_);
    const float inv_scale = 1.0f / scale_;
    for (size_t i = 0; i < n_; ++i) x[i] = make.next_float(i, inv_scale, zero_point_, range_.qmin, range_.qmax);
    const FakeQuantParams p{scale_, inv_scale, zero_point_, range_.qmin, range_.qmax};
    const Outputs ref = run([&](const float* in, float* y, uint8_t* m) { scalar(n_, in, y, m, &p); }, x, true);
    const Outputs got = run([&](const float* in, float* y, uint8_t* m) { fn(n_, in, y, m, &p); }, x, with_mask_);
    std::vector<Formula> expected(n_);
    for (size_t i = 0; i < n_; ++i) expected[i] = formula(x[i], scale_, inv_scale, zero_point_, range_.qmin, range_.qmax);
    std::ostringstream text;
    text << "scale=" << show(scale_) << " zero_point=" << zero_point_ << " " << describe();
    expect_identical(kernel, x.data(), got, ref, expected, text.str());
  }

  void Test(const char* kernel, f32_vfakequant_cw_fn fn, f32_vfakequant_cw_fn scalar) const {
    InputMaker make(seed(1), inputs_, rotation_);
    GuardedBuffer<float> x(n_), scale(n_), inv_scale(n_);
    GuardedBuffer<int32_t> zero_point(n_);
    for (size_t i = 0; i < n_; ++i) {
      scale[i] = scales()[make.raw() % scales().size()];
      inv_scale[i] = 1.0f / scale[i];
      zero_point[i] = make.uniform_int(range_.qmin, range_.qmax);
      x[i] = make.next_float(i, inv_scale[i], zero_point[i], range_.qmin, range_.qmax);
    }
    auto call = [&](f32_vfakequant_cw_fn f) {
      return [&, f](const float* in, float* y, uint8_t* m) {
        f(n_, in, y, m, scale.data(), inv_scale.data(), zero_point.data(), range_.qmin, range_.qmax);
      };
    };
    const Outputs ref = run(call(scalar), x, true);
    const Outputs got = run(call(fn), x, with_mask_);
    std::vector<Formula> expected(n_);
    for (size_t i = 0; i < n_; ++i) {
      expected[i] = formula(x[i], scale[i], inv_scale[i], zero_point[i], range_.qmin, range_.qmax);
    }
    expect_identical(kernel, x.data(), got, ref, expected, "channelwise " + describe());
  }

 private:
  uint64_t seed(uint64_t extra) const {
    uint64_t h = test::mix_seed(test::test_seed(), n_);
    h = test::mix_seed(h, std::bit_cast<uint32_t>(scale_));
    h = test::mix_seed(h, static_cast<uint32_t>(zero_point_));
    h = test::mix_seed(h, (static_cast<uint64_t>(static_cast<uint32_t>(range_.qmin)) << 32) |
                              static_cast<uint32_t>(range_.qmax));
    h = test::mix_seed(h, static_cast<uint64_t>(inputs_) * 1000 + rotation_);
    return test::mix_seed(h, extra);
  }
  std::string describe() const {
    std::ostringstream s;
    s << "qmin=" << range_.qmin << " qmax=" << range_.qmax << " inputs=" << test::inputs_name(inputs_)
      << " rotation=" << rotation_ << " mask=" << with_mask_ << " in_place=" << in_place_;
    return s.str();
  }
  // One call of `kernel` on a copy of x, into guarded, poisoned outputs.
  template <typename Kernel>
  Outputs run(const Kernel& kernel, const GuardedBuffer<float>& x, bool mask) const {
    GuardedBuffer<float> y(n_);
    GuardedBuffer<uint8_t> m(n_);
    y.poison(0x5A);
    m.poison(0xA5);
    const float* in = x.data();
    if (in_place_) {
      for (size_t i = 0; i < n_; ++i) y[i] = x[i];
      in = y.data();
    }
    kernel(in, y.data(), mask ? m.data() : nullptr);
    Outputs out{std::vector<float>(y.data(), y.data() + n_), {}};
    if (mask) out.mask.assign(m.data(), m.data() + n_);
    return out;
  }

  size_t n_ = 1;
  float scale_ = 1.0f;
  int32_t zero_point_ = 0;
  Range range_{0, 255};
  Inputs inputs_ = Inputs::Mixed;
  size_t rotation_ = 0;
  bool with_mask_ = true;
  bool in_place_ = false;
};

// --- checks, per family --------------------------------------------------------------------------

template <typename Fn>
void check_tails(const char* name, Fn fn, Fn scalar) {
  for (Range r : {Range{0, 255}, Range{-128, 127}, Range{-k24, k24}}) {
    for (size_t n : batch_sizes()) {
      for (bool mask : {true, false}) {
        FakeQuantTester().batch_size(n).scale(0.0235f).zero_point(r.qmin + (r.qmax - r.qmin) / 3).range(r)
            .with_mask(mask).Test(name, fn, scalar);
      }
      FakeQuantTester().batch_size(n).scale(0.0235f).zero_point(r.qmax).range(r).in_place(true).Test(name, fn, scalar);
      if (::testing::Test::HasFailure()) return;
    }
  }
}

template <typename Fn>
void check_params(const char* name, Fn fn, Fn scalar) {
  for (Range r : ranges()) {
    for (int32_t zp : zero_points(r)) {
      for (float scale : scales()) {
        for (Inputs inputs : {Inputs::Mixed, Inputs::Halfway}) {
          FakeQuantTester().batch_size(kAllLoopsBatch).scale(scale).zero_point(zp).range(r).inputs(inputs)
              .Test(name, fn, scalar);
          if (::testing::Test::HasFailure()) return;
        }
      }
    }
  }
}

// Every special value (NaN, +-inf, FLT_MAX, denormals, halfway values, 2^24 neighbours) in every
// lane position of a 32-wide block, and in the tail.
template <typename Fn>
void check_specials(const char* name, Fn fn, Fn scalar) {
  const size_t count = test::special_floats().size();
  for (Range r : {Range{0, 255}, Range{-128, 127}, Range{-k24, k24}}) {
    for (float scale : {1.0f, 0.5f, 0.00214854861f}) {
      for (size_t rotation = 0; rotation < 32; ++rotation) {
        FakeQuantTester().batch_size(count + rotation).scale(scale).zero_point(r.qmin + (r.qmax - r.qmin) / 2)
            .range(r).inputs(Inputs::Specials).rotation(rotation).Test(name, fn, scalar);
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

template <typename Fn>
void check_bits(const char* name, Fn fn, Fn scalar) {
  for (Range r : {Range{0, 255}, Range{-128, 127}, Range{-k24, k24}}) {
    for (float scale : {1.0f, 1e-30f, 0.0235f, 1e30f}) {
      for (int32_t zp : zero_points(r)) {
        FakeQuantTester().batch_size(16384 + 13).scale(scale).zero_point(zp).range(r).inputs(Inputs::Bits)
            .Test(name, fn, scalar);
      }
    }
  }
}

// The scalar kernels round in the current mode (nearbyint, int -> float conversion) and honour
// flush-to-zero / denormals-are-zero, so every variant must too.
template <typename Fn>
void check_fp_environments(const char* name, Fn fn, Fn scalar) {
  for_each_fp_environment([&] {
    check_params(name, fn, scalar);
    check_specials(name, fn, scalar);
  });
}

// --- every listed kernel against its __scalar variant --------------------------------------------

#define OCTET_FAKEQUANT_UKERNEL(arch, family, isa, level)                              \
  OCTET_IF_ARCH_##arch(                                                                \
      TEST(family##__##isa, tails) {                                                   \
        OCTET_SKIP_UNLESS_USABLE(level);                                               \
        check_tails(#family "__" #isa, &family##__##isa, &family##__scalar);           \
      }                                                                                \
      TEST(family##__##isa, params) {                                                  \
        OCTET_SKIP_UNLESS_USABLE(level);                                               \
        check_params(#family "__" #isa, &family##__##isa, &family##__scalar);          \
      }                                                                                \
      TEST(family##__##isa, specials_in_every_lane) {                                  \
        OCTET_SKIP_UNLESS_USABLE(level);                                               \
        check_specials(#family "__" #isa, &family##__##isa, &family##__scalar);        \
      }                                                                                \
      TEST(family##__##isa, random_bits) {                                             \
        OCTET_SKIP_UNLESS_USABLE(level);                                               \
        check_bits(#family "__" #isa, &family##__##isa, &family##__scalar);            \
      }                                                                                \
      TEST(family##__##isa, rounding_modes_and_flush_to_zero) {                        \
        OCTET_SKIP_UNLESS_USABLE(level);                                               \
        check_fp_environments(#family "__" #isa, &family##__##isa, &family##__scalar); \
      })
#include "kernels/fakequant_kernels.inc"
#undef OCTET_FAKEQUANT_UKERNEL

// --- the scalar specification --------------------------------------------------------------------

struct One {
  float y;
  uint8_t mask;
};

One scalar_one(float x, float scale, int32_t zp, int32_t qmin, int32_t qmax) {
  const FakeQuantParams p{scale, 1.0f / scale, zp, qmin, qmax};
  One r{0.0f, 0xFF};
  f32_vfakequant__scalar(1, &x, &r.y, &r.mask, &p);
  return r;
}

// Outside NaN, fake quantization is quantize_value then dequantize_value (qparams.h): the same
// reciprocal, rounding, zero-point addition and clamp, then the same dequantize; the mask says
// whether the clamp changed nothing.
TEST(f32_vfakequant__scalar, equals_quantize_then_dequantize) {
  const uint64_t seed = octet::test::test_seed(0xFA4E);
  for (Range r : ranges()) {
    for (int32_t zp : zero_points(r)) {
      for (float scale : scales()) {
        InputMaker make(test::mix_seed(seed, std::bit_cast<uint32_t>(scale) ^ static_cast<uint32_t>(zp)), Inputs::Mixed, 0);
        for (int i = 0; i < 300; ++i) {
          const float x = make.next_float(static_cast<size_t>(i), 1.0f / scale, zp, r.qmin, r.qmax);
          if (std::isnan(x * (1.0f / scale))) continue;  // NaN (or 0 * inf): qmin here, qmax in quantize
          const One got = scalar_one(x, scale, zp, r.qmin, r.qmax);
          const int64_t q = quantize_value(x, scale, zp, r.qmin, r.qmax);
          const float expected = dequantize_value(q, scale, zp);
          // The unclamped value as ATen forms it: the zero point added in float32 (at |t| > 2^24 the
          // sum rounds, and a sum just past a bound of 2^24 may round onto it).
          const float unclamped = static_cast<float>(zp) + std::nearbyint(x * (1.0f / scale));
          const bool inside = unclamped >= static_cast<float>(r.qmin) && unclamped <= static_cast<float>(r.qmax);
          ASSERT_EQ(std::bit_cast<uint32_t>(got.y), std::bit_cast<uint32_t>(expected))
              << "x=" << show(x) << " scale=" << show(scale) << " zp=" << zp << " q=" << q;
          ASSERT_EQ(got.mask, inside ? 1 : 0) << "x=" << show(x) << " scale=" << show(scale) << " zp=" << zp;
        }
      }
    }
  }
}

TEST(f32_vfakequant__scalar, hand_computed) {
  // quint8, scale 0.5, zero point 3: x = 1.0 -> q = 2 + 3 = 5 -> (5 - 3) * 0.5 = 1.0.
  EXPECT_EQ(scalar_one(1.0f, 0.5f, 3, 0, 255).y, 1.0f);
  // Halfway products round to even: 1.25 / 0.5 = 2.5 -> 2; 1.75 / 0.5 = 3.5 -> 4.
  EXPECT_EQ(scalar_one(1.25f, 0.5f, 0, 0, 255).y, 1.0f);
  EXPECT_EQ(scalar_one(1.75f, 0.5f, 0, 0, 255).y, 2.0f);
  // PyTorch #49779: x * (1 / scale) is exactly 127.5 (x / scale would be 127.499992): q = 128.
  EXPECT_EQ(scalar_one(0.273939937f, 0.00214854861f, 0, 0, 255).y, 128.0f * 0.00214854861f);
  // Clamped values saturate and leave the mask 0; the range ends themselves are inside.
  EXPECT_EQ(scalar_one(1000.0f, 1.0f, 3, 0, 255).y, 252.0f);
  EXPECT_EQ(scalar_one(1000.0f, 1.0f, 3, 0, 255).mask, 0);
  EXPECT_EQ(scalar_one(252.0f, 1.0f, 3, 0, 255).mask, 1);
  EXPECT_EQ(scalar_one(-3.0f, 1.0f, 3, 0, 255).mask, 1);
  EXPECT_EQ(scalar_one(-3.5f, 1.0f, 3, 0, 255).y, -3.0f);  // -3.5 -> -4 + 3 = -1 -> clamped to 0
  EXPECT_EQ(scalar_one(-3.5f, 1.0f, 3, 0, 255).mask, 0);
  // +-inf saturate; NaN goes to qmin with mask 0, as ATen's fmax(NaN, qmin) gives.
  EXPECT_EQ(scalar_one(kInf, 1.0f, 3, 0, 255).y, 252.0f);
  EXPECT_EQ(scalar_one(-kInf, 1.0f, 3, 0, 255).y, -3.0f);
  EXPECT_EQ(scalar_one(kNaN, 1.0f, 3, 0, 255).y, -3.0f);
  EXPECT_EQ(scalar_one(kNaN, 1.0f, 3, 0, 255).mask, 0);
  EXPECT_EQ(scalar_one(kNaN, 0.25f, 0, -128, 127).y, -32.0f);
  // The output zero is +0 in every case (the difference is an integer).
  EXPECT_EQ(std::bit_cast<uint32_t>(scalar_one(-0.1f, 1.0f, 0, -128, 127).y), 0u);
}

// Beyond 2^24 the scalar kernel keeps ATen's arithmetic: the float32 addition of the zero point
// rounds, the clamp runs in double, and q - zero_point rounds once when converted to float.
TEST(f32_vfakequant__scalar, wide_int32_range) {
  const int32_t qmin = std::numeric_limits<int32_t>::min(), qmax = std::numeric_limits<int32_t>::max();
  // 2^31 as float exceeds qmax: clamped to qmax; the mask compares with (float)qmax = 2^31, so it is 1
  // (ATen compares the float sum with the bound converted to float).
  const One top = scalar_one(2147483648.0f, 1.0f, 0, qmin, qmax);
  EXPECT_EQ(top.y, 2147483648.0f);  // (float)(2^31 - 1)
  EXPECT_EQ(top.mask, 1);
  // Zero point 1000000001 with x * inv_scale = 3: the float add gives 1000000000 (float spacing 64).
  const One zp = scalar_one(3.0f, 1.0f, 1000000001, qmin, qmax);
  EXPECT_EQ(zp.y, static_cast<float>(1000000000LL - 1000000001LL));
  EXPECT_EQ(zp.mask, 1);
}

}  // namespace
}  // namespace octet::kernels
