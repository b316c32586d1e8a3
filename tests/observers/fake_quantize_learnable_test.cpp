// fake_quantize_learnable_test.cpp: learnable fake quantization (LSQ): the forward's zero-point
// rounding, the gradients against closed forms and finite differences, per channel against per
// tensor, and every bad argument by its message.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "common/test_util.h"
#include "octet/fake_quantize.h"
#include "octet/octet.h"

namespace octet {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::vector<float> floats_of(const Tensor& t) {
  const Tensor c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

Tensor scalar1(float v) { return full({1}, v, kFloat32); }

void expect_same_bits(const Tensor& a, const Tensor& e, const std::string& what) {
  ASSERT_EQ(a.shape(), e.shape()) << what;
  const std::vector<float> av = floats_of(a), ev = floats_of(e);
  for (size_t i = 0; i < av.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint32_t>(av[i]), std::bit_cast<uint32_t>(ev[i])) << what << " [" << i << "]";
  }
}

// --- forward -------------------------------------------------------------------------------------

// The forward rounds the zero point half to even and clamps it to the range, then fake-quantizes.
TEST(LearnableFakeQuantize, ForwardRoundsAndClampsTheZeroPoint) {
  Generator g(test::test_seed(201));
  const Tensor x = randn({50}, g);
  struct Z {
    float zp;
    int64_t rounded;
  };
  for (Z z : {Z{2.5f, 2}, Z{3.5f, 4}, Z{-0.7f, -1}, Z{-1.5f, -2}, Z{300.0f, 127}, Z{-200.0f, -128}, Z{7.49f, 7}}) {
    const Tensor y = fake_quantize_learnable_per_tensor_affine(x, scalar1(0.02f), scalar1(z.zp), -128, 127, 0.5);
    expect_same_bits(y, fake_quantize_per_tensor_affine(x, 0.02f, z.rounded, -128, 127), "zp " + std::to_string(z.zp));
  }
  const Tensor xc = randn({3, 8}, g);
  const Tensor yc = fake_quantize_learnable_per_channel_affine(xc, from_vector<float>({0.01f, 0.02f, 0.03f}),
                                                               from_vector<float>({2.5f, 300.0f, -3.5f}), 0, 0, 255);
  expect_same_bits(yc, fake_quantize_per_channel_affine(xc, from_vector<float>({0.01f, 0.02f, 0.03f}),
                                                        from_vector<int32_t>({2, 255, 0}), 0, 0, 255),
                   "per channel");
}

// --- gradients: closed forms ------------------------------------------------------------------------

// The LSQ gradients of one element by their definition (Esser et al.), in double: with
// v = x / scale + zero_point and q = round(v),
//   inside [qmin, qmax]: dx = dy, dscale = dy * (q - v) (= dy * (x_fq - x) / scale), dzp = 0;
//   clamped:             dx = 0,  dscale = dy * (bound - zero_point),               dzp = -dy * scale.
// tolerance: the float32 kernel forms x_fq - x, which cancels down to (q - v) * scale, so its error
// is a few float32 ulps of |v| (not of the result).
struct Grads {
  double dx, dscale, dzp, tolerance;
};
// zp is the zero point the backward uses (backward_zero_point).
Grads closed_form(double x, double dy, double scale, double zp, int64_t qmin, int64_t qmax) {
  const double v = x / scale + zp;
  const double q = std::nearbyint(v);
  const double tol = 1e-6 * (1.0 + std::fabs(v) + std::fabs(zp)) * (1.0 + std::fabs(dy));
  if (q < qmin) return {0.0, dy * (qmin - zp), -dy * scale, tol};
  if (q > qmax) return {0.0, dy * (qmax - zp), -dy * scale, tol};
  return {dy, dy * (q - v), 0.0, tol};
}

// ATen's per-tensor backward reads the zero-point parameter as (int64)clamp(zp + 0.5f): truncated
// toward zero, so a negative integral zero point z acts as z + 1 there (the forward uses z).
double backward_zero_point(float zp, int64_t qmin, int64_t qmax) {
  return std::trunc(std::fmin(std::fmax(zp + 0.5f, static_cast<float>(qmin)), static_cast<float>(qmax)));
}

// Values whose v is not within 1e-3 of a rounding tie, so float32 and double round alike.
float away_from_ties(Generator& g, float scale, float zp, int64_t qmin, int64_t qmax) {
  for (;;) {
    const float x = (static_cast<float>(g.uniform_double()) * (qmax - qmin + 20) + (qmin - 10) - zp) * scale;
    const double v = static_cast<double>(x) / scale + zp;
    if (std::fabs(v - std::floor(v) - 0.5) > 1e-3) return x;
  }
}

TEST(LearnableFakeQuantizeBackward, PerTensorMatchesTheClosedForm) {
  Generator g(test::test_seed(202));
  struct C {
    int64_t qmin, qmax;
    float scale, zp;
  };
  for (C c : {C{0, 255, 0.05f, 10.0f}, C{-128, 127, 0.03f, 0.0f}, C{0, 15, 0.25f, 3.0f}, C{-8, 7, 0.5f, -2.0f}}) {
    for (double grad_factor : {1.0, 0.0625, 1.0 / std::sqrt(400.0 * 255.0)}) {
      const int64_t n = 400;
      std::vector<float> xs(n), dys(n);
      for (int64_t i = 0; i < n; ++i) {
        xs[static_cast<size_t>(i)] = away_from_ties(g, c.scale, c.zp, c.qmin, c.qmax);
        dys[static_cast<size_t>(i)] = static_cast<float>(g.normal());
      }
      const FakeQuantizeGrads got = fake_quantize_learnable_per_tensor_affine_backward(
          from_vector(dys), from_vector(xs), scalar1(c.scale), scalar1(c.zp), c.qmin, c.qmax, grad_factor);
      const std::vector<float> dx = floats_of(got.input);
      double sum_scale = 0, sum_zp = 0, mag = 0;
      for (int64_t i = 0; i < n; ++i) {
        const auto k = static_cast<size_t>(i);
        const Grads want = closed_form(xs[k], dys[k], c.scale, backward_zero_point(c.zp, c.qmin, c.qmax), c.qmin, c.qmax);
        EXPECT_EQ(dx[k], static_cast<float>(want.dx)) << "x " << xs[k];
        // One element at a time: the sums are the elements themselves.
        const FakeQuantizeGrads one = fake_quantize_learnable_per_tensor_affine_backward(
            scalar1(dys[k]), scalar1(xs[k]), scalar1(c.scale), scalar1(c.zp), c.qmin, c.qmax, grad_factor);
        EXPECT_NEAR(one.scale.item<float>(), want.dscale * grad_factor, want.tolerance * grad_factor) << "x " << xs[k];
        EXPECT_NEAR(one.zero_point.item<float>(), want.dzp * grad_factor, want.tolerance * grad_factor);
        sum_scale += want.dscale * grad_factor;
        sum_zp += want.dzp * grad_factor;
        mag += want.tolerance * grad_factor;
      }
      ASSERT_EQ(got.scale.shape(), (Shape{1}));
      ASSERT_EQ(got.zero_point.shape(), (Shape{1}));
      EXPECT_NEAR(got.scale.item<float>(), sum_scale, mag + 1e-6 * std::fabs(sum_scale));
      EXPECT_NEAR(got.zero_point.item<float>(), sum_zp, mag + 1e-6 * std::fabs(sum_zp));
    }
  }
}

// --- gradients: finite differences -----------------------------------------------------------------

// LSQ's gradients are the exact derivatives of its straight-through surrogate, with the region
// (inside the range or clamped, decided by round(v0), v0 = x / s + z at the evaluation point) frozen:
//   inside:  y(x, s, z) = s * (x / s + z - z) + s * K,  K = round(v0) - v0   (round's derivative is 1)
//   clamped: y(x, s, z) = s * (bound - z)
// so y equals the forward at the point. Central differences of y in x, s and z.
TEST(LearnableFakeQuantizeBackward, EqualsFiniteDifferencesOfTheSurrogate) {
  Generator g(test::test_seed(203));
  const int64_t qmin = -20, qmax = 30;
  int inside_count = 0, clamped_count = 0;
  for (int i = 0; i < 300; ++i) {
    const float s = 0.01f + 0.1f * g.uniform_float();
    // Integral and >= 0: the forward's and backward's zero-point rules agree on it.
    const auto z = static_cast<float>(g.randint(0, qmax + 1));
    const float x = away_from_ties(g, s, z, qmin, qmax);
    const double v0 = static_cast<double>(x) / s + z;
    const double q0 = std::nearbyint(v0);
    const bool inside = q0 >= qmin && q0 <= qmax;
    const double bound = q0 < qmin ? qmin : qmax;
    const double k = q0 - v0;
    auto y = [&](double xx, double ss, double zz) {
      return inside ? ss * ((xx / ss + zz) - zz) + ss * k : ss * (bound - zz);
    };
    const double hx = 1e-4 * s, hs = 1e-6 * s, hz = 1e-4;
    const double dx = (y(x + hx, s, z) - y(x - hx, s, z)) / (2 * hx);
    const double ds = (y(x, s + hs, z) - y(x, s - hs, z)) / (2 * hs);
    const double dz = (y(x, s, z + hz) - y(x, s, z - hz)) / (2 * hz);
    const FakeQuantizeGrads got = fake_quantize_learnable_per_tensor_affine_backward(
        scalar1(1.0f), scalar1(x), scalar1(s), scalar1(z), qmin, qmax, 1.0);
    EXPECT_NEAR(got.input.item<float>(), dx, 1e-4) << "x " << x << " s " << s << " z " << z;
    EXPECT_NEAR(got.scale.item<float>(), ds, 1e-4 * (1 + std::fabs(v0))) << "x " << x << " s " << s << " z " << z;
    EXPECT_NEAR(got.zero_point.item<float>(), dz, 1e-4 * (1 + std::fabs(dz))) << "x " << x << " s " << s;
    ++(inside ? inside_count : clamped_count);
  }
  EXPECT_GT(inside_count, 50);
  EXPECT_GT(clamped_count, 5);
}

// grad_factor multiplies both parameter gradients last: a power of two scales them exactly.
TEST(LearnableFakeQuantizeBackward, GradFactorScalesTheParameterGradients) {
  Generator g(test::test_seed(204));
  const Tensor x = randn({200}, g) * full({}, 3.0), dy = randn({200}, g);
  const auto one = fake_quantize_learnable_per_tensor_affine_backward(dy, x, scalar1(0.02f), scalar1(3.0f), 0, 255, 1.0);
  const auto quarter =
      fake_quantize_learnable_per_tensor_affine_backward(dy, x, scalar1(0.02f), scalar1(3.0f), 0, 255, 0.25);
  expect_same_bits(quarter.input, one.input, "dx does not scale");
  EXPECT_EQ(quarter.scale.item<float>(), one.scale.item<float>() * 0.25f);
  EXPECT_EQ(quarter.zero_point.item<float>(), one.zero_point.item<float>() * 0.25f);
}

// ATen's backward takes the zero point as (int64)clamp(zp + 0.5): truncation, not the forward's
// rounding. With zp = -0.7 the forward uses -1, the backward 0: a value clamped low then gets
// dscale = dy * (qmin - 0).
TEST(LearnableFakeQuantizeBackward, BackwardZeroPointIsTruncatedAfterAddingAHalf) {
  const auto g = fake_quantize_learnable_per_tensor_affine_backward(scalar1(1.0f), scalar1(-100.0f), scalar1(0.1f),
                                                                    scalar1(-0.7f), -128, 127, 1.0);
  EXPECT_EQ(g.scale.item<float>(), -128.0f);
  EXPECT_EQ(g.zero_point.item<float>(), -0.1f);
  EXPECT_EQ(g.input.item<float>(), 0.0f);
  // NaN inputs count as clamped low (ATen's float -> int64 conversion gives INT64_MIN for them).
  const auto n = fake_quantize_learnable_per_tensor_affine_backward(scalar1(2.0f), scalar1(kNaN), scalar1(0.1f),
                                                                    scalar1(3.0f), 0, 255, 1.0);
  EXPECT_EQ(n.scale.item<float>(), 2.0f * (0 - 3));
  EXPECT_EQ(n.input.item<float>(), 0.0f);
}

// Per channel, each channel's gradients are the per-tensor ones of its slice (integral zero points
// >= 0, where the two granularities' zero-point rules agree: per channel ATen rounds half to even,
// per tensor it truncates zp + 0.5), summed in the same order.
TEST(LearnableFakeQuantizeBackward, PerChannelEqualsPerTensorOnEachSlice) {
  Generator g(test::test_seed(205));
  for (const Shape& shape : {Shape{4, 6}, Shape{3, 5, 2}, Shape{2, 3, 7}}) {
    for (int64_t axis = 0; axis < static_cast<int64_t>(shape.size()); ++axis) {
      const int64_t c = shape[static_cast<size_t>(axis)];
      std::vector<float> scales, zps;
      for (int64_t i = 0; i < c; ++i) {
        scales.push_back(0.01f + 0.05f * g.uniform_float());
        zps.push_back(static_cast<float>(g.randint(0, 11)));
      }
      const Tensor x = randn(shape, g) * full({}, 2.0), dy = randn(shape, g);
      const auto pc = fake_quantize_learnable_per_channel_affine_backward(dy, x, from_vector(scales), from_vector(zps),
                                                                          axis, -8, 7, 0.5);
      ASSERT_EQ(pc.scale.shape(), (Shape{c}));
      for (int64_t ch = 0; ch < c; ++ch) {
        const auto pt = fake_quantize_learnable_per_tensor_affine_backward(
            dy.select(axis, ch), x.select(axis, ch), scalar1(scales[static_cast<size_t>(ch)]),
            scalar1(zps[static_cast<size_t>(ch)]), -8, 7, 0.5);
        expect_same_bits(pc.input.select(axis, ch).contiguous(), pt.input, "dx");
        EXPECT_EQ(pc.scale.at<float>({ch}), pt.scale.item<float>()) << "axis " << axis << " ch " << ch;
        EXPECT_EQ(pc.zero_point.at<float>({ch}), pt.zero_point.item<float>()) << "axis " << axis << " ch " << ch;
      }
    }
  }
}

TEST(LearnableFakeQuantizeBackward, EmptyInputGivesZeroGradients) {
  const auto g = fake_quantize_learnable_per_tensor_affine_backward(zeros({0}), zeros({0}), scalar1(0.1f),
                                                                    scalar1(0.0f), 0, 255, 1.0);
  EXPECT_EQ(g.input.numel(), 0);
  EXPECT_EQ(g.scale.item<float>(), 0.0f);
  EXPECT_EQ(g.zero_point.item<float>(), 0.0f);
}

// --- bad arguments -------------------------------------------------------------------------------

TEST(LearnableFakeQuantizeErrors, EveryBadArgumentIsNamed) {
  const Tensor x = ones({2, 3}), dy = ones({2, 3});
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_tensor_affine(x, full({2}, 0.1), scalar1(0.0f), 0, 255),
                     "scale must be a one-element float32 tensor");
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_tensor_affine(x, scalar1(0.1f), zeros({1}, kInt32), 0, 255),
                     "zero_point must be a one-element float32 tensor");
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_tensor_affine(x, scalar1(0.1f), scalar1(kNaN), 0, 255),
                     "zero_point must be finite");
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_tensor_affine(x, scalar1(-0.1f), scalar1(0.0f), 0, 255),
                     "scale must be finite and > 0");
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_tensor_affine_backward(dy, x, scalar1(0.1f), scalar1(0.0f), 1, 255),
                     "must contain 0");
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_tensor_affine_backward(ones({3, 2}), x, scalar1(0.1f), scalar1(0.0f),
                                                                        0, 255),
                     "grad_output and input must have the same shape");
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_tensor_affine_backward(dy, x, scalar1(0.0f), scalar1(0.0f), 0, 255),
                     "scale must be finite and > 0");
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_tensor_affine_backward(dy, ones({2, 3}, kFloat64), scalar1(0.1f),
                                                                        scalar1(0.0f), 0, 255),
                     "expected input to be a float32 tensor");
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_tensor_affine_backward(dy, x, scalar1(0.1f), scalar1(0.0f), 9, 3),
                     "quant_min (9) must be less than or equal to quant_max (3)");
  // Per channel.
  const Tensor s3 = full({3}, 0.1), z3 = zeros({3});
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_channel_affine(x, s3, zeros({2}), 1, 0, 255),
                     "zero_point must be a 1-d tensor of 3 values");
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_channel_affine(x, s3, zeros({3}, kInt32), 1, 0, 255),
                     "zero_point must be a float32 tensor");
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_channel_affine(x, s3, z3, 2, 0, 255), "axis 2 is out of range");
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_channel_affine_backward(dy, x, full({2}, 0.1), z3, 1, 0, 255),
                     "scale must be a 1-d tensor of 3 values");
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_channel_affine_backward(dy, x, from_vector<float>({0.1f, -1.0f, 0.1f}),
                                                                         z3, 1, 0, 255),
                     "scale[1] must be finite and > 0");
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_channel_affine_backward(dy, x, s3, from_vector<float>({0, kNaN, 0}), 1,
                                                                         0, 255),
                     "zero_point[1] must be finite");
  EXPECT_OCTET_ERROR(fake_quantize_learnable_per_channel_affine_backward(dy, x, s3, z3, 1, 2, 255), "must contain 0");
}

}  // namespace
}  // namespace octet
