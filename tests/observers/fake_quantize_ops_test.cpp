// fake_quantize_ops_test.cpp: fake_quantize_per_tensor/per_channel forward == quantize -> dequantize
// bit for bit on every ISA, the straight-through mask and backward, the fused observer op, and every
// bad argument by its message.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "octet/fake_quantize.h"
#include "octet/octet.h"

namespace octet {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Runs the body once per ISA level this machine has (below the cap in force), restoring the cap.
class EveryIsa {
 public:
  EveryIsa() : saved_(max_isa()) {}
  ~EveryIsa() { set_max_isa(saved_); }
  std::vector<Isa> levels() const {
    std::vector<Isa> out;
    for (Isa i : {Isa::Ref, Isa::Avx2, Isa::Avx512, Isa::Avx512Vnni, Isa::Neon}) {
      if (isa_supported_by_hardware(i) && i <= saved_) out.push_back(i);
    }
    return out;
  }

 private:
  Isa saved_;
};

// Random floats around the grid mixed with the values that break quantizers: halfway points,
// saturating values, infinities, signed zeros, denormals (no NaN: see NanGoesToQmin).
Tensor nasty_floats(const Shape& shape, float scale, Generator& g) {
  Tensor t = randn(shape, g);
  float* d = t.data_ptr<float>();
  const float specials[] = {0.0f, -0.0f, kInf, -kInf, 1e30f, -1e30f, 1e-40f, -1e-40f,
                            std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest()};
  for (int64_t i = 0; i < t.numel(); ++i) {
    const auto kind = g.randint(0, 8);
    if (kind == 0) d[i] = specials[g.randint(0, 10)];
    if (kind == 1) d[i] = (static_cast<float>(g.randint(-300, 300)) + 0.5f) * scale;  // near-halfway
    if (kind == 2) d[i] *= 200.0f * scale;                                           // saturating
    if (kind >= 3) d[i] *= 60.0f * scale;
  }
  return t;
}

std::vector<float> floats_of(const Tensor& t) {
  const Tensor c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

std::vector<bool> bools_of(const Tensor& t) {
  const Tensor c = t.contiguous();
  return std::vector<bool>(c.data_ptr<bool>(), c.data_ptr<bool>() + c.numel());
}

void expect_same_bits(const Tensor& actual, const Tensor& expected, const std::string& what) {
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  const std::vector<float> a = floats_of(actual), e = floats_of(expected);
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint32_t>(a[i]), std::bit_cast<uint32_t>(e[i]))
        << what << " [" << i << "]: " << a[i] << " vs " << e[i];
  }
}

// The mask by its definition: the unclamped value nearbyint(x / scale) + zero_point (with the
// reciprocal, as quantize) inside the range.
std::vector<bool> expected_mask(const Tensor& x, float scale, int64_t zp, int64_t qmin, int64_t qmax) {
  std::vector<bool> m;
  for (float v : floats_of(x)) {
    const double t = static_cast<double>(std::nearbyint(v * (1.0f / scale))) + static_cast<double>(zp);
    m.push_back(t >= static_cast<double>(qmin) && t <= static_cast<double>(qmax));
  }
  return m;
}

// --- per tensor ----------------------------------------------------------------------------------

TEST(FakeQuantizePerTensor, EqualsQuantizeThenDequantizeOnEveryIsa) {
  const uint64_t seed = test::test_seed(101);
  EveryIsa isas;
  for (Isa isa : isas.levels()) {
    set_max_isa(isa);
    Generator g(seed);
    for (DType dtype : {kQUInt8, kQInt8}) {
      const int64_t qmin = dtype_qmin(dtype), qmax = dtype_qmax(dtype);
      for (int64_t n : {1, 7, 15, 16, 17, 31, 33, 64, 65, 1000, 70001}) {
        for (int64_t zp : {qmin, qmin == 0 ? int64_t{1} : int64_t{0}, (qmin + qmax) / 2, qmax}) {
          const float scale = 0.002f + 0.1f * g.uniform_float();
          const Tensor x = nasty_floats({n}, scale, g);
          const auto [y, mask] = fake_quantize_per_tensor_affine_cachemask(x, scale, zp, qmin, qmax);
          const Tensor want = quantize_per_tensor(x, scale, zp, dtype).dequantize();
          const std::string what = std::string("isa ").append(isa_name(isa)).append(" n ").append(std::to_string(n));
          expect_same_bits(y, want, what);
          EXPECT_EQ(bools_of(mask), expected_mask(x, scale, zp, qmin, qmax)) << what;
          expect_same_bits(fake_quantize_per_tensor_affine(x, scale, zp, qmin, qmax), want, what + " (no mask)");
        }
      }
    }
  }
}

// Narrower ranges than the dtype's (reduce_range, 4-bit, XNNPACK's -127..127): the dtype's
// quantize then a clamp to the range is the same as fake quantization to that range.
TEST(FakeQuantizePerTensor, SubRangesEqualQuantizeClampDequantize) {
  const uint64_t seed = test::test_seed(102);
  Generator g(seed);
  struct R {
    int64_t qmin, qmax;
  };
  for (R r : {R{0, 127}, R{-127, 127}, R{0, 15}, R{-8, 7}, R{-64, 63}}) {
    for (int64_t zp : {r.qmin, r.qmax, (r.qmin + r.qmax) / 2}) {
      const float scale = 0.01f + 0.2f * g.uniform_float();
      const Tensor x = nasty_floats({301}, scale, g);
      const auto [y, mask] = fake_quantize_per_tensor_affine_cachemask(x, scale, zp, r.qmin, r.qmax);
      const std::vector<float> xs = floats_of(x), ys = floats_of(y);
      for (size_t i = 0; i < xs.size(); ++i) {
        const int64_t q = quantize_value(xs[i], scale, zp, r.qmin, r.qmax);
        ASSERT_EQ(std::bit_cast<uint32_t>(ys[i]), std::bit_cast<uint32_t>(dequantize_value(q, scale, zp)))
            << "x " << xs[i] << " range " << r.qmin << ".." << r.qmax << " zp " << zp;
      }
      EXPECT_EQ(bools_of(mask), expected_mask(x, scale, zp, r.qmin, r.qmax));
    }
  }
}

TEST(FakeQuantizePerTensor, KnownValues) {
  // scale 0.5, zero point 3, 0..15: 1.0 -> 2 + 3 = 5 -> 1.0; ties to even; clamped ends.
  const Tensor x = from_vector<float>({1.0f, 1.25f, 1.75f, -1.5f, -1.75f, 6.0f, 6.25f, 100.0f, -0.0f});
  const auto [y, mask] = fake_quantize_per_tensor_affine_cachemask(x, 0.5, 3, 0, 15);
  EXPECT_EQ(floats_of(y), (std::vector<float>{1.0f, 1.0f, 2.0f, -1.5f, -1.5f, 6.0f, 6.0f, 6.0f, 0.0f}));
  EXPECT_EQ(bools_of(mask), (std::vector<bool>{true, true, true, true, false, true, true, false, true}));
  // PyTorch #49779: x * (1 / scale) is exactly 127.5 (x / scale is not): rounds to 128.
  const Tensor t = fake_quantize_per_tensor_affine(from_vector<float>({0.273939937f}), 0.00214854861, 0, 0, 255);
  EXPECT_EQ(t.at<float>({0}), 128.0f * 0.00214854861f);
}

// PyTorch's fake quantization maps NaN to quant_min with mask false on every path (its quantize
// gives quant_max); +-inf saturate with mask false.
TEST(FakeQuantizePerTensor, NanGoesToQminInfinitiesSaturate) {
  EveryIsa isas;
  for (Isa isa : isas.levels()) {
    set_max_isa(isa);
    std::vector<float> v(37, kNaN);
    v[3] = kInf;
    v[4] = -kInf;
    const auto [y, mask] = fake_quantize_per_tensor_affine_cachemask(from_vector(v), 0.25, 10, 0, 255);
    const std::vector<float> ys = floats_of(y);
    const std::vector<bool> ms = bools_of(mask);
    for (size_t i = 0; i < v.size(); ++i) {
      const float want = i == 3 ? (255 - 10) * 0.25f : (0 - 10) * 0.25f;
      EXPECT_EQ(ys[i], want) << isa_name(isa) << " " << i;
      EXPECT_FALSE(ms[i]) << isa_name(isa) << " " << i;
    }
  }
}

TEST(FakeQuantizePerTensor, ShapesStridesAndTensorQParams) {
  Generator g(test::test_seed(103));
  const Tensor x = randn({5, 7, 3}, g);
  const Tensor xt = x.transpose(0, 2);  // not contiguous
  const Tensor y = fake_quantize_per_tensor_affine(xt, 0.05, 4, 0, 255);
  EXPECT_EQ(y.shape(), xt.shape());
  expect_same_bits(y, fake_quantize_per_tensor_affine(xt.contiguous(), 0.05, 4, 0, 255), "transposed");
  // The tensor-qparams overload reads one float32 scale and one int32/int64 zero point.
  expect_same_bits(fake_quantize_per_tensor_affine(x, full({1}, 0.05, kFloat32), full({1}, 4, kInt32), 0, 255),
                   fake_quantize_per_tensor_affine(x, static_cast<float>(0.05), 4, 0, 255), "tensor qparams");
  expect_same_bits(fake_quantize_per_tensor_affine(x, full({}, 0.05, kFloat32), full({}, 4, kInt64), 0, 255),
                   fake_quantize_per_tensor_affine(x, static_cast<float>(0.05), 4, 0, 255), "0-d qparams");
  // 0-d and empty inputs.
  EXPECT_EQ(fake_quantize_per_tensor_affine(full({}, 0.3), 0.25, 0, 0, 255).at<float>({}), 0.25f);
  EXPECT_EQ(fake_quantize_per_tensor_affine(zeros({0, 3}), 0.25, 0, 0, 255).shape(), (Shape{0, 3}));
}

// Bounds past +-2^24 take the scalar kernel on every ISA (the SIMD ones need float32 bounds).
TEST(FakeQuantizePerTensor, WideInt32RangeMatchesQuantizeValue) {
  EveryIsa isas;
  const int64_t qmin = std::numeric_limits<int32_t>::min(), qmax = std::numeric_limits<int32_t>::max();
  for (Isa isa : isas.levels()) {
    set_max_isa(isa);
    const std::vector<float> v = {1.0f, -3.5f, 1e9f, -1e9f, 3e9f, -3e9f, 123456.7f};
    const Tensor y = fake_quantize_per_tensor_affine(from_vector(v), 1.0, 0, qmin, qmax);
    const std::vector<float> ys = floats_of(y);
    for (size_t i = 0; i < v.size(); ++i) {
      EXPECT_EQ(ys[i], dequantize_value(quantize_value(v[i], 1.0f, 0, qmin, qmax), 1.0f, 0)) << v[i];
    }
  }
}

TEST(FakeQuantizeBackward, GradTimesMask) {
  const Tensor x = from_vector<float>({0.3f, -2.0f, 5.0f, 0.01f, 300.0f, -1.0f, 1.0f, kNaN});
  const auto [y, mask] = fake_quantize_per_tensor_affine_cachemask(x, 0.5, 0, 0, 15);
  const Tensor dy = from_vector<float>({1.0f, -2.0f, -3.0f, 4.0f, kInf, 0.25f, kNaN, 2.0f});
  const Tensor dx = fake_quantize_per_tensor_affine_cachemask_backward(dy, mask);
  const std::vector<float> d = floats_of(dx);
  // Inside: dY; outside: dY * 0 (so -0 for negative dY and NaN for inf, as PyTorch's dY * mask).
  EXPECT_EQ(d[0], 1.0f);
  EXPECT_EQ(std::bit_cast<uint32_t>(d[1]), std::bit_cast<uint32_t>(-0.0f));
  EXPECT_EQ(d[2], -3.0f);
  EXPECT_EQ(d[3], 4.0f);
  EXPECT_TRUE(std::isnan(d[4]));
  EXPECT_EQ(std::bit_cast<uint32_t>(d[5]), 0u);  // 0.25 * 0
  EXPECT_TRUE(std::isnan(d[6]));
  EXPECT_EQ(d[7], 0.0f);  // NaN input: mask false
  expect_same_bits(fake_quantize_per_channel_affine_cachemask_backward(dy, mask), dx, "per-channel spelling");
}

// The straight-through mask is the derivative of the forward where the forward is not flat: zero
// in the clamped regions (finite differences of the output are 0 there), and the identity elsewhere
// by the estimator's definition. Checked on points away from the range ends.
TEST(FakeQuantizeBackward, MaskIsZeroExactlyWhereTheOutputIsClamped) {
  Generator g(test::test_seed(104));
  const float scale = 0.1f;
  const int64_t zp = 5, qmin = 0, qmax = 20;
  for (int i = 0; i < 200; ++i) {
    const float x = (g.uniform_float() * 4.0f - 1.5f);
    const float lo_end = (qmin - zp - 0.5f) * scale, hi_end = (qmax - zp + 0.5f) * scale;
    if (std::fabs(x - lo_end) < 1e-3f || std::fabs(x - hi_end) < 1e-3f) continue;
    const float h = 1e-3f;
    const Tensor xs = from_vector<float>({x - h, x, x + h});
    const auto [y, mask] = fake_quantize_per_tensor_affine_cachemask(xs, scale, zp, qmin, qmax);
    const std::vector<float> ys = floats_of(y);
    const bool inside = bools_of(mask)[1];
    if (!inside) {
      EXPECT_EQ(ys[0], ys[2]) << "clamped at x " << x << ": the output must be flat";
    } else {
      EXPECT_TRUE(x > lo_end && x < hi_end) << "x " << x;
    }
  }
}

// --- per channel ---------------------------------------------------------------------------------

TEST(FakeQuantizePerChannel, EqualsQuantizePerChannelThenDequantizeOnEveryAxisAndIsa) {
  const uint64_t seed = test::test_seed(111);
  EveryIsa isas;
  for (Isa isa : isas.levels()) {
    set_max_isa(isa);
    Generator g(seed);
    // Inner sizes below and above the per-channel loop's switch to one kernel call per channel.
    for (const Shape& shape : {Shape{3, 4, 5}, Shape{2, 3, 40}, Shape{6, 33}, Shape{2, 3, 4, 17}, Shape{70, 3}}) {
      for (int64_t axis = -1; axis < static_cast<int64_t>(shape.size()); ++axis) {
        for (DType dtype : {kQUInt8, kQInt8}) {
          const int64_t ax = axis < 0 ? axis + static_cast<int64_t>(shape.size()) : axis;
          const int64_t c = shape[static_cast<size_t>(ax)];
          const int64_t qmin = dtype_qmin(dtype), qmax = dtype_qmax(dtype);
          std::vector<float> scales;
          std::vector<int64_t> zps;
          for (int64_t i = 0; i < c; ++i) {
            scales.push_back(0.01f + 0.05f * g.uniform_float());
            zps.push_back(i == 0 ? qmin : i == 1 ? qmax : g.randint(qmin, qmax + 1));
          }
          const Tensor x = nasty_floats(shape, 0.03f, g);
          const Tensor scale_t = from_vector(scales);
          std::vector<double> scales_d(scales.begin(), scales.end());
          const Tensor want = quantize_per_channel(x, scales_d, zps, ax, dtype).dequantize();
          for (DType zdt : {kInt32, kInt64}) {
            const auto [y, mask] =
                fake_quantize_per_channel_affine_cachemask(x, scale_t, from_vector(zps).to(zdt), axis, qmin, qmax);
            const std::string what = std::string("isa ").append(isa_name(isa)).append(" shape ")
                                         .append(shape_to_string(shape)).append(" axis ").append(std::to_string(axis));
            expect_same_bits(y, want, what);
            // The mask, channel by channel, equals the per-tensor one on the slice.
            for (int64_t ch = 0; ch < c; ++ch) {
              const auto [ys, ms] = fake_quantize_per_tensor_affine_cachemask(
                  x.select(ax, ch), scales[static_cast<size_t>(ch)], zps[static_cast<size_t>(ch)], qmin, qmax);
              EXPECT_EQ(bools_of(mask.select(ax, ch)), bools_of(ms)) << what << " channel " << ch;
            }
          }
        }
      }
    }
  }
}

// Float zero points (per_channel_affine_float_qparams): t = nearbyint(fma(x, inv_scale, zp)) (the
// multiply-add fused, as PyTorch's compiled kernel), then (clamp(t) - zp) * scale in double, rounded
// to float32 at the end, as ATen's kernel.
TEST(FakeQuantizePerChannel, FloatZeroPoints) {
  Generator g(test::test_seed(112));
  const Tensor x = randn({4, 9}, g);
  const std::vector<float> scales = {0.01f, 0.02f, 0.015f, 0.1f}, zps = {82.25f, 132.89f, -41.33f, 0.5f};
  const auto [y, mask] = fake_quantize_per_channel_affine_cachemask(x, from_vector(scales), from_vector(zps), 0, 0, 255);
  const std::vector<float> xs = floats_of(x), ys = floats_of(y);
  const std::vector<bool> ms = bools_of(mask);
  for (size_t i = 0; i < xs.size(); ++i) {
    const size_t c = i / 9;
    const float t = std::nearbyint(std::fma(xs[i], 1.0f / scales[c], zps[c]));
    const double q = std::fmin(std::fmax(static_cast<double>(t), 0.0), 255.0);
    const auto want = static_cast<float>((q - zps[c]) * static_cast<double>(scales[c]));
    EXPECT_EQ(std::bit_cast<uint32_t>(ys[i]), std::bit_cast<uint32_t>(want)) << i;
    EXPECT_EQ(ms[i], t >= 0.0f && t <= 255.0f) << i;
  }
}

// --- fused moving-average observer + fake quantize ---------------------------------------------------

struct FusedState {
  Tensor running_min = full({}, kInf);
  Tensor running_max = full({}, -kInf);
  Tensor scale = ones({1});
  Tensor zero_point = zeros({1}, kInt32);
};

FakeQuantizeResult fused_step(FusedState& s, const Tensor& x, bool observe, bool quantize, int64_t qmin, int64_t qmax,
                              bool symmetric = false, bool per_channel = false, int64_t axis = 0) {
  return fused_moving_avg_obs_fake_quant_cachemask(x, full({1}, observe ? 1 : 0, kInt64),
                                                   full({1}, quantize ? 1 : 0, kInt64), s.running_min, s.running_max,
                                                   s.scale, s.zero_point, 0.01, qmin, qmax, axis, per_channel, symmetric);
}

TEST(FusedMovingAvgObsFakeQuant, MovingAverageAndFbgemmQParams) {
  FusedState s;
  // First batch sets the range: [-1, 3]. fbgemm: scale = 4 / 255 rounded to float32, zero point from
  // min: 0 - (-1) / scale = 63.75 -> 64.
  fused_step(s, from_vector<float>({-1.0f, 0.5f, 3.0f}), true, true, 0, 255);
  EXPECT_EQ(s.running_min.item<float>(), -1.0f);
  EXPECT_EQ(s.running_max.item<float>(), 3.0f);
  EXPECT_EQ(s.scale.item<float>(), static_cast<float>(4.0 / 255.0));
  EXPECT_EQ(s.zero_point.item<int64_t>(), 64);
  // Then min += 0.01f * (batch_min - min), in float32.
  const auto r = fused_step(s, from_vector<float>({-3.0f, 1.0f}), true, true, 0, 255);
  const float c = 0.01f;
  EXPECT_EQ(s.running_min.item<float>(), -1.0f + c * (-3.0f - -1.0f));
  EXPECT_EQ(s.running_max.item<float>(), 3.0f + c * (1.0f - 3.0f));
  // The output is fake_quantize_per_tensor_affine with the new qparams.
  expect_same_bits(r.output,
                   fake_quantize_per_tensor_affine(from_vector<float>({-3.0f, 1.0f}), s.scale.item<float>(),
                                                   s.zero_point.item<int64_t>(), 0, 255),
                   "output");
  // Observer off: the range stays; fake quant off: the input comes back, mask all true, qparams kept.
  const float min_before = s.running_min.item<float>(), scale_before = s.scale.item<float>();
  fused_step(s, from_vector<float>({-100.0f, 100.0f}), false, true, 0, 255);
  EXPECT_EQ(s.running_min.item<float>(), min_before);
  const auto off = fused_step(s, from_vector<float>({-100.0f, 100.0f}), true, false, 0, 255);
  EXPECT_EQ(floats_of(off.output), (std::vector<float>{-100.0f, 100.0f}));
  EXPECT_EQ(bools_of(off.mask), (std::vector<bool>{true, true}));
  EXPECT_EQ(s.scale.item<float>(), scale_before);
  EXPECT_NE(s.running_min.item<float>(), min_before);
}

TEST(FusedMovingAvgObsFakeQuant, SymmetricAndSmallScales) {
  // Symmetric qint8: the range is centred, scale = max(|min| / 128, |max| / 127), zero point
  // (qmin + qmax) / 2 = -0.5 -> 0.
  FusedState s;
  fused_step(s, from_vector<float>({-2.0f, 1.0f}), true, true, -128, 127, /*symmetric=*/true);
  EXPECT_EQ(s.zero_point.item<int64_t>(), 0);
  const auto max_scale = static_cast<double>(std::max(std::fabs(-2.0f / -128.0f), std::fabs(1.0f / 127.0f)));
  const auto lo = static_cast<float>(max_scale * -128), hi = static_cast<float>(max_scale * 127);
  EXPECT_EQ(s.scale.item<float>(), static_cast<float>((static_cast<double>(hi) - lo) / 255.0));
  // A range below the fp16 threshold: the scale is raised to 6.1e-5.
  FusedState t;
  fused_step(t, from_vector<float>({0.0f, 1e-6f}), true, true, 0, 255);
  EXPECT_EQ(t.scale.item<float>(), 6.1e-5f);
  EXPECT_EQ(t.zero_point.item<int64_t>(), 0);
}

TEST(FusedMovingAvgObsFakeQuant, PerChannelResizesAndReducesEveryOtherDim) {
  for (int64_t axis : {0, 1, -1}) {
    FusedState s;
    s.running_min = Tensor(zeros({0}));
    s.running_max = Tensor(zeros({0}));
    Generator g(test::test_seed(121));
    const Tensor x = randn({3, 4, 5}, g);
    const auto r = fused_step(s, x, true, true, -128, 127, true, true, axis);
    const int64_t ax = axis < 0 ? axis + 3 : axis;
    ASSERT_EQ(s.running_min.numel(), x.size(ax));
    ASSERT_EQ(s.scale.numel(), x.size(ax));
    ASSERT_EQ(s.zero_point.dtype(), kInt32);
    for (int64_t ch = 0; ch < x.size(ax); ++ch) {
      const std::vector<float> v = floats_of(x.select(ax, ch));
      EXPECT_EQ(s.running_min.at<float>({ch}), *std::min_element(v.begin(), v.end()));
      EXPECT_EQ(s.running_max.at<float>({ch}), *std::max_element(v.begin(), v.end()));
    }
    expect_same_bits(r.output, fake_quantize_per_channel_affine(x, s.scale, s.zero_point, axis, -128, 127), "output");
  }
}

// Beyond PyTorch: +-inf are skipped when observing, NaN is an Error, and fake quantization before
// anything was observed is an Error (PyTorch uses scale 0.1).
TEST(FusedMovingAvgObsFakeQuant, NonFiniteAndUnobservedPolicies) {
  FusedState s;
  fused_step(s, from_vector<float>({-kInf, -1.0f, 2.0f, kInf}), true, true, 0, 255);
  EXPECT_EQ(s.running_min.item<float>(), -1.0f);
  EXPECT_EQ(s.running_max.item<float>(), 2.0f);
  EXPECT_OCTET_ERROR(fused_step(s, from_vector<float>({1.0f, kNaN}), true, true, 0, 255), "NaN");
  FusedState fresh;
  EXPECT_OCTET_ERROR(fused_step(fresh, from_vector<float>({1.0f}), false, true, 0, 255), "observed range");
  // A batch with no finite value changes nothing (and the range is still unobserved).
  EXPECT_OCTET_ERROR(fused_step(fresh, from_vector<float>({kInf}), true, true, 0, 255), "observed range");
}

TEST(FusedMovingAvgObsFakeQuant, BadArguments) {
  FusedState s;
  const Tensor x = ones({3});
  auto call = [&](const Tensor& obs, const Tensor& fq, Tensor& rmin, Tensor& rmax, Tensor& sc, Tensor& zp, int64_t qmin,
                  int64_t qmax, bool per_channel) {
    return fused_moving_avg_obs_fake_quant(x, obs, fq, rmin, rmax, sc, zp, 0.01, qmin, qmax, 0, per_channel, false);
  };
  const Tensor on = ones({1}, kInt64);
  EXPECT_OCTET_ERROR(call(ones({2}, kInt64), on, s.running_min, s.running_max, s.scale, s.zero_point, 0, 255, false),
                     "observer_on must be a one-element");
  EXPECT_OCTET_ERROR(call(on, ones({1}, kFloat32), s.running_min, s.running_max, s.scale, s.zero_point, 0, 255, false),
                     "fake_quant_on must be a one-element");
  Tensor two = zeros({2});
  EXPECT_OCTET_ERROR(call(on, on, two, s.running_max, s.scale, s.zero_point, 0, 255, false), "one element each");
  Tensor fzp = zeros({1});
  EXPECT_OCTET_ERROR(call(on, on, s.running_min, s.running_max, s.scale, fzp, 0, 255, false), "zero_point must be an int32");
  Tensor izp = zeros({1}, kInt32), dmin = full({}, kInf, kFloat64);
  EXPECT_OCTET_ERROR(call(on, on, dmin, s.running_max, s.scale, izp, 0, 255, false), "running_min must be a float32");
  EXPECT_OCTET_ERROR(call(on, on, s.running_min, s.running_max, s.scale, s.zero_point, 5, 5, false),
                     "must be less than quant_max");
  EXPECT_OCTET_ERROR(call(on, on, s.running_min, s.running_max, s.scale, s.zero_point, 10, 5, false),
                     "quant_min (10) must be less than or equal to quant_max (5)");
  EXPECT_OCTET_ERROR(fused_moving_avg_obs_fake_quant(full({}, 1.0), on, on, s.running_min, s.running_max, s.scale,
                                                     s.zero_point, 0.01, 0, 255, 0, true, false),
                     "0-d tensor");
}

// --- bad arguments -------------------------------------------------------------------------------

TEST(FakeQuantizeErrors, EveryBadArgumentIsNamed) {
  const Tensor x = ones({2, 3});
  // Ranges and zero points.
  EXPECT_OCTET_ERROR(fake_quantize_per_tensor_affine(x, 0.1, 0, 10, 5), "quant_min (10) must be less than or equal");
  EXPECT_OCTET_ERROR(fake_quantize_per_tensor_affine(x, 0.1, 300, 0, 255), "zero_point (300) must lie between");
  EXPECT_OCTET_ERROR(fake_quantize_per_tensor_affine(x, 0.1, 0, int64_t{-1} << 40, 255), "int32 range");
  // Scales.
  EXPECT_OCTET_ERROR(fake_quantize_per_tensor_affine(x, 0.0, 0, 0, 255), "scale must be finite and > 0");
  EXPECT_OCTET_ERROR(fake_quantize_per_tensor_affine(x, -0.5, 0, 0, 255), "scale must be finite and > 0");
  EXPECT_OCTET_ERROR(fake_quantize_per_tensor_affine(x, std::nan(""), 0, 0, 255), "scale must be finite");
  EXPECT_OCTET_ERROR(fake_quantize_per_tensor_affine(x, 1e-45, 0, 0, 255), "finite float32 reciprocal");
  // Input dtypes.
  EXPECT_OCTET_ERROR(fake_quantize_per_tensor_affine(ones({2}, kFloat64), 0.1, 0, 0, 255),
                     "expected input to be a float32 tensor, got float64");
  EXPECT_OCTET_ERROR(fake_quantize_per_tensor_affine(Tensor(), 0.1, 0, 0, 255), "input tensor is undefined");
  // Tensor qparams.
  EXPECT_OCTET_ERROR(fake_quantize_per_tensor_affine(x, ones({2}), zeros({1}, kInt32), 0, 255),
                     "scale must be a one-element float32 tensor");
  EXPECT_OCTET_ERROR(fake_quantize_per_tensor_affine(x, ones({1}), zeros({1}), 0, 255),
                     "zero_point must be a one-element int32 or int64 tensor");
  // Per channel.
  const Tensor s3 = full({3}, 0.1), z3 = zeros({3}, kInt32);
  EXPECT_OCTET_ERROR(fake_quantize_per_channel_affine(x, s3, z3, 2, 0, 255), "axis 2 is out of range for a 2-d input");
  EXPECT_OCTET_ERROR(fake_quantize_per_channel_affine(x, s3, z3, -3, 0, 255), "axis -3 is out of range");
  EXPECT_OCTET_ERROR(fake_quantize_per_channel_affine(x, s3, z3, 0, 0, 255), "expected 2 scales and zero points");
  EXPECT_OCTET_ERROR(fake_quantize_per_channel_affine(x, full({3}, 0.1), zeros({2}, kInt32), 1, 0, 255),
                     "same length");
  EXPECT_OCTET_ERROR(fake_quantize_per_channel_affine(x, full({3}, 0.1, kFloat64), z3, 1, 0, 255),
                     "scale must be a float32 tensor");
  EXPECT_OCTET_ERROR(fake_quantize_per_channel_affine(x, s3, zeros({3}, kUInt8), 1, 0, 255),
                     "zero_point must be an int32, int64 or float32 tensor");
  EXPECT_OCTET_ERROR(fake_quantize_per_channel_affine(x, full({1, 3}, 0.1), zeros({1, 3}, kInt32), 1, 0, 255),
                     "must be 1-d tensors");
  EXPECT_OCTET_ERROR(fake_quantize_per_channel_affine(x, s3, from_vector<int32_t>({0, 256, 0}), 1, 0, 255),
                     "zero_point[1] (256) must lie between");
  EXPECT_OCTET_ERROR(fake_quantize_per_channel_affine(x, from_vector<float>({0.1f, 0.0f, 0.1f}), z3, 1, 0, 255),
                     "scale[1] must be finite and > 0");
  EXPECT_OCTET_ERROR(fake_quantize_per_channel_affine(x, s3, from_vector<float>({0.0f, kNaN, 0.0f}), 1, 0, 255),
                     "zero_point[1] must be finite");
  EXPECT_OCTET_ERROR(fake_quantize_per_channel_affine(full({}, 1.0), full({1}, 0.1), zeros({1}, kInt32), 0, 0, 255),
                     "0-d tensor");
  // Backward.
  const auto [y, mask] = fake_quantize_per_tensor_affine_cachemask(x, 0.1, 0, 0, 255);
  EXPECT_OCTET_ERROR(fake_quantize_per_tensor_affine_cachemask_backward(ones({3, 2}), mask),
                     "mask and grad_output must have the same shape");
  EXPECT_OCTET_ERROR(fake_quantize_per_tensor_affine_cachemask_backward(ones({2, 3}), ones({2, 3})),
                     "mask must be a bool tensor");
  EXPECT_OCTET_ERROR(fake_quantize_per_channel_affine_cachemask_backward(ones({2, 3}, kInt32), mask),
                     "expected grad_output to be a float32 tensor");
}

}  // namespace
}  // namespace octet
