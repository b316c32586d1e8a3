// norm_test.cpp: quantized batch/layer/group/instance norm and softmax against the float ops (ATen's way) and the documented rule written out; threads, ISA levels, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "octet/octet.h"
#include "octet/quantized/norm.h"
#include "ops/quantized/qop_test_util.h"

namespace octet {
namespace {

namespace F = functional;
namespace Q = quantized;
using test::qop::compare;
using test::qop::expect_same_q;
using test::qop::IntDiff;
using test::qop::random_q;

constexpr uint64_t kSeed = 20240616;

// The rule of octet/quantized/norm.h written out for groups of `span` consecutive elements whose
// channel is (element / inner) % channels: exact integer statistics (or the given mean and var),
// float64 coefficients rounded once, a float32 multiply and add, round half to even.
struct Stats {
  std::vector<double> mean, var;  // per group, real units
};
Tensor reference_norm(const Tensor& q, int64_t span, int64_t inner, int64_t channels, const Stats* given,
                      const std::vector<float>& weight, const std::vector<float>& bias, bool elementwise, double eps,
                      double out_scale, int64_t out_zp) {
  const std::vector<int32_t> x = test::qop::ints(q);
  const double s = static_cast<float>(q.q_scale());
  const int64_t zp = q.q_zero_point(), qmin = dtype_qmin(q.dtype()), qmax = dtype_qmax(q.dtype());
  std::vector<int32_t> y(x.size());
  const int64_t groups = static_cast<int64_t>(x.size()) / span;
  for (int64_t g = 0; g < groups; ++g) {
    double mean, var;
    if (given != nullptr) {
      mean = given->mean[static_cast<size_t>(g % static_cast<int64_t>(given->mean.size()))];
      var = given->var[static_cast<size_t>(g % static_cast<int64_t>(given->var.size()))];
    } else {
      int64_t sum = 0, sq = 0;
      for (int64_t i = 0; i < span; ++i) {
        const int64_t v = x[static_cast<size_t>(g * span + i)];
        sum += v;
        sq += v * v;
      }
      const double m = static_cast<double>(sum) / span;
      mean = s * (m - zp);
      var = s * s * std::max(static_cast<double>(sq) / span - m * m, 0.0);
    }
    const double k = 1.0 / std::sqrt(var + eps) / out_scale;
    if (elementwise && !(weight.empty() && bias.empty())) {  // layer_norm's affine: normalise, then apply
      const double rstd = 1.0 / std::sqrt(var + eps);
      const float A = static_cast<float>(s * rstd), B = static_cast<float>(-mean * rstd);
      for (int64_t i = 0; i < span; ++i) {
        const auto c = static_cast<size_t>(i);
        const float G = static_cast<float>((weight.empty() ? 1.0 : weight[c]) / out_scale);
        const float H = static_cast<float>((bias.empty() ? 0.0 : bias[c]) / out_scale);
        const float z = static_cast<float>(x[static_cast<size_t>(g * span + i)] - zp) * A + B;
        const double t = static_cast<double>(std::nearbyint(z * G + H)) + static_cast<double>(out_zp);
        y[static_cast<size_t>(g * span + i)] = static_cast<int32_t>(t < qmin ? qmin : t > qmax ? qmax : t);
      }
      continue;
    }
    for (int64_t i = 0; i < span; ++i) {
      const auto c = static_cast<size_t>(elementwise ? i : ((g * span + i) / inner) % channels);
      const double w = weight.empty() ? 1.0 : weight[c], b = bias.empty() ? 0.0 : bias[c];
      const float a = static_cast<float>((s * w) * k);
      const float o = static_cast<float>(b / out_scale - w * (mean * k));
      const float v = static_cast<float>(x[static_cast<size_t>(g * span + i)] - zp) * a + o;
      const double t = static_cast<double>(std::nearbyint(v)) + static_cast<double>(out_zp);
      y[static_cast<size_t>(g * span + i)] = static_cast<int32_t>(t < qmin ? qmin : t > qmax ? qmax : t);
    }
  }
  const Tensor ints = from_vector(y, q.shape()).to(q.dtype() == kQUInt8 ? kUInt8 : kInt8);
  return make_per_tensor_quantized_tensor(ints, out_scale, out_zp);
}

std::vector<float> values(const Tensor& t) {
  if (!t.defined()) return {};
  const Tensor c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

void accumulate(IntDiff& total, const IntDiff& d) {
  total.total += d.total;
  total.exact += d.exact;
  total.max_diff = std::max(total.max_diff, d.max_diff);
}

// Why the ATen way can differ by one step: it dequantizes (rounding each value), takes float
// statistics, and applies (x - mean) * rstd * w + b in float32 with other roundings than Octet's
// folded coefficients; values within those roundings of a tie land on the other side.
TEST(QNorm, batch_norm_is_the_rule_and_within_one_step_of_the_float_op) {
  Generator gen(test::test_seed(kSeed));
  IntDiff vs_float;
  for (DType dtype : {kQUInt8, kQInt8}) {
    for (int64_t zp : test::qop::zero_points(dtype)) {
      for (const Shape& shape : {Shape{2, 6, 5, 7}, Shape{1, 40, 3, 3}, Shape{2, 5, 3, 4, 6}}) {
        const int64_t C = shape[1], S = shape_numel(shape) / (shape[0] * C);
        const Tensor q = random_q(shape, dtype, 0.04, zp, gen);
        const Tensor w = randn({C}, gen), b = randn({C}, gen), mean = randn({C}, gen), var = rand({C}, gen);
        const int64_t ozp = dtype == kQUInt8 ? 128 : 0;
        Stats st;
        for (float m : values(mean)) st.mean.push_back(m);
        for (float v : values(var)) st.var.push_back(v);
        const Tensor want = reference_norm(q, S, S, C, &st, values(w), values(b), false, 1e-5, 0.03, ozp);
        const auto op = shape.size() == 4 ? &Q::batch_norm2d : &Q::batch_norm3d;
        for (const Tensor& x : {q, test::qop::to_channels_last(q), test::qop::to_strided(q)}) {
          expect_same_q(op(x, w, b, mean, var, 1e-5, 0.03, ozp), want, "batch_norm " + shape_to_string(shape));
        }
        const Tensor fl = F::batch_norm(q.dequantize(), mean, var, w, b, false, 0.1, 1e-5);
        accumulate(vs_float, compare(want, quantize_per_tensor(fl, 0.03, ozp, dtype)));
      }
    }
  }
  std::printf("[ QNORM    ] batch_norm vs dequantize -> F::batch_norm -> quantize: %s\n", vs_float.str().c_str());
  EXPECT_LE(vs_float.max_diff, 1);
}

TEST(QNorm, layer_group_instance_norm_are_the_rule_and_within_one_step_of_the_float_ops) {
  Generator gen(test::test_seed(kSeed + 1));
  IntDiff ln, gn, in;
  for (DType dtype : {kQUInt8, kQInt8}) {
    for (int64_t zp : test::qop::zero_points(dtype)) {
      const int64_t ozp = dtype == kQUInt8 ? 120 : -3;
      // layer_norm over 1 and 2 trailing dims, with and without affine; a narrow input (small
      // variance) and a full-range one.
      for (const Shape& ns : {Shape{33}, Shape{4, 16}}) {
        for (bool affine : {true, false}) {
          for (bool narrow : {false, true}) {
            Shape shape{3, 2};
            shape.insert(shape.end(), ns.begin(), ns.end());
            const Tensor q = narrow ? random_q(shape, dtype, 0.05, zp, gen, zp - 4, zp + 4) : random_q(shape, dtype, 0.05, zp, gen);
            const Tensor w = affine ? randn(ns, gen) : Tensor(), b = affine ? randn(ns, gen) : Tensor();
            const int64_t row = shape_numel(ns);
            const Tensor want = reference_norm(q, row, 1, 1, nullptr, values(w), values(b), true, 1e-5, 0.04, ozp);
            for (const Tensor& x : {q, test::qop::to_strided(q)}) {
              expect_same_q(Q::layer_norm(x, ns, w, b, 1e-5, 0.04, ozp), want, "layer_norm");
            }
            accumulate(ln, compare(want, quantize_per_tensor(F::layer_norm(q.dequantize(), ns, w, b, 1e-5), 0.04, ozp, dtype)));
          }
        }
      }
      // group_norm and instance_norm: 3-D and 4-D inputs.
      for (const auto& [shape, groups] : std::vector<std::pair<Shape, int64_t>>{{{2, 6, 5, 7}, 3}, {{2, 8, 33}, 2},
                                                                                 {{1, 32, 4, 4}, 8}, {{2, 4, 9}, 4}}) {
        const int64_t C = shape[1], S = shape_numel(shape) / (shape[0] * C);
        const Tensor q = random_q(shape, dtype, 0.05, zp, gen);
        const Tensor w = randn({C}, gen), b = randn({C}, gen);
        const Tensor want = reference_norm(q, C / groups * S, S, C, nullptr, values(w), values(b), false, 1e-5, 0.04, ozp);
        for (const Tensor& x : {q, test::qop::to_strided(q)}) {
          expect_same_q(Q::group_norm(x, groups, w, b, 1e-5, 0.04, ozp), want, "group_norm");
        }
        accumulate(gn, compare(want, quantize_per_tensor(F::group_norm(q.dequantize(), groups, w, b, 1e-5), 0.04, ozp, dtype)));
        const Tensor want_in = reference_norm(q, S, S, C, nullptr, values(w), values(b), false, 1e-5, 0.04, ozp);
        expect_same_q(Q::instance_norm(q, w, b, 1e-5, 0.04, ozp), want_in, "instance_norm");
        const Tensor fl = F::instance_norm(q.dequantize(), {}, {}, w, b, true, 0.1, 1e-5);
        accumulate(in, compare(want_in, quantize_per_tensor(fl, 0.04, ozp, dtype)));
      }
    }
  }
  std::printf("[ QNORM    ] vs dequantize -> F:: op -> quantize: layer_norm %s; group_norm %s; instance_norm %s\n",
              ln.str().c_str(), gn.str().c_str(), in.str().c_str());
  EXPECT_LE(ln.max_diff, 1);
  EXPECT_LE(gn.max_diff, 1);
  EXPECT_LE(in.max_diff, 1);
}

// A constant input has zero variance: every output is the bias (eps keeps rstd finite).
TEST(QNorm, constant_input_gives_the_bias) {
  const Tensor q = make_per_tensor_quantized_tensor(full({2, 3, 4}, 77, kUInt8), 0.1, 70);
  const Tensor b = from_vector(std::vector<float>{0.5f, -1.0f, 0.0f});
  const Tensor y = Q::group_norm(q, 3, Tensor(), b, 1e-5, 0.25, 100);
  const std::vector<int32_t> got = test::qop::ints(y);
  for (size_t i = 0; i < got.size(); ++i) {
    const int32_t want = 100 + (i % 12 < 4 ? 2 : i % 12 < 8 ? -4 : 0);
    EXPECT_EQ(got[i], want) << i;
  }
}

TEST(QNorm, softmax_is_dequantize_softmax_quantize) {
  Generator gen(test::test_seed(kSeed + 2));
  for (DType dtype : {kQUInt8, kQInt8}) {
    const Tensor q = random_q({3, 7, 20}, dtype, 0.08, dtype == kQUInt8 ? 100 : 0, gen);
    for (int64_t dim : {0, 1, 2, -1}) {
      const int64_t ozp = dtype == kQUInt8 ? 0 : -128;
      const Tensor want = quantize_per_tensor(F::softmax(q.dequantize(), dim), 1.0 / 256, ozp, dtype);
      expect_same_q(Q::softmax(q, dim, 1.0 / 256, ozp), want, "softmax");
    }
  }
}

TEST(QNorm, threads_and_isa_levels_agree) {
  Generator gen(test::test_seed(kSeed + 3));
  const Tensor q = random_q({2, 16, 9, 11}, kQUInt8, 0.04, 120, gen);
  const Tensor w = randn({16}, gen), b = randn({16}, gen), m = randn({16}, gen), v = rand({16}, gen);
  const Tensor bn = Q::batch_norm2d(test::qop::to_channels_last(q), w, b, m, v, 1e-5, 0.05, 128);
  const Tensor gn = Q::group_norm(q, 4, w, b, 1e-5, 0.05, 128);
  const Tensor ln = Q::layer_norm(q, {9, 11}, Tensor(), Tensor(), 1e-5, 0.05, 128);
  test::qop::for_each_config([&](const std::string& label) {
    expect_same_q(Q::batch_norm2d(test::qop::to_channels_last(q), w, b, m, v, 1e-5, 0.05, 128), bn, label);
    expect_same_q(Q::group_norm(q, 4, w, b, 1e-5, 0.05, 128), gn, label);
    expect_same_q(Q::layer_norm(q, {9, 11}, Tensor(), Tensor(), 1e-5, 0.05, 128), ln, label);
  });
}

TEST(QNorm, bad_arguments_are_errors_with_clear_messages) {
  Generator gen(test::test_seed(kSeed + 4));
  const Tensor q = random_q({2, 4, 3, 3}, kQUInt8, 0.1, 0, gen);
  const Tensor c4 = ones({4}), c3 = ones({3});
  const Tensor fx = zeros({2, 4, 3, 3});
  EXPECT_OCTET_ERROR(Q::batch_norm2d(fx, c4, c4, c4, c4, 1e-5, 0.1, 0), "expected a quantized input");
  EXPECT_OCTET_ERROR(Q::layer_norm(fx, {3}, {}, {}, 1e-5, 0.1, 0), "expected a quantized input");
  EXPECT_OCTET_ERROR(Q::group_norm(fx, 2, {}, {}, 1e-5, 0.1, 0), "expected a quantized input");
  EXPECT_OCTET_ERROR(Q::instance_norm(fx, {}, {}, 1e-5, 0.1, 0), "expected a quantized input");
  EXPECT_OCTET_ERROR(Q::softmax(fx, 1, 0.1, 0), "expected a quantized input");
  for (double bad : {0.0, -1.0, std::nan(""), static_cast<double>(INFINITY), 1e-300, 1e300}) {
    EXPECT_OCTET_ERROR(Q::batch_norm2d(q, c4, c4, c4, c4, 1e-5, bad, 0), "output_scale must be finite and > 0");
    EXPECT_OCTET_ERROR(Q::softmax(q, 1, bad, 0), "output_scale must be finite and > 0");
  }
  EXPECT_OCTET_ERROR(Q::layer_norm(q, {3}, {}, {}, 1e-5, 0.1, 256), "output_zero_point must lie in the quint8 range");
  EXPECT_OCTET_ERROR(Q::group_norm(q, 2, {}, {}, 1e-5, 0.1, -1), "output_zero_point must lie in the quint8 range");
  EXPECT_OCTET_ERROR(Q::batch_norm2d(q.reshape({2, 4, 9}), c4, c4, c4, c4, 1e-5, 0.1, 0), "expected a 4-D input");
  EXPECT_OCTET_ERROR(Q::batch_norm3d(q, c4, c4, c4, c4, 1e-5, 0.1, 0), "expected a 5-D input");
  EXPECT_OCTET_ERROR(Q::batch_norm2d(q, c3, c4, c4, c4, 1e-5, 0.1, 0), "weight should be a vector of 4 elements");
  EXPECT_OCTET_ERROR(Q::batch_norm2d(q, c4, c4, Tensor(), c4, 1e-5, 0.1, 0), "mean and var");
  EXPECT_OCTET_ERROR(Q::batch_norm2d(q, c4, c4, c4, c4, -1.0, 0.1, 0), "eps must be >= 0");
  EXPECT_OCTET_ERROR(Q::layer_norm(q, {4}, {}, {}, 1e-5, 0.1, 0), "expected input with shape [*, 4]");
  EXPECT_OCTET_ERROR(Q::layer_norm(q, {3}, c4, {}, 1e-5, 0.1, 0), "expected weight of shape [3]");
  EXPECT_OCTET_ERROR(Q::group_norm(q, 3, {}, {}, 1e-5, 0.1, 0), "divisible by num_groups");
  EXPECT_OCTET_ERROR(Q::group_norm(q, 0, {}, {}, 1e-5, 0.1, 0), "num_groups must be > 0");
  EXPECT_OCTET_ERROR(Q::instance_norm(q.reshape({2, 36}), {}, {}, 1e-5, 0.1, 0), "at least 3 dims");
  EXPECT_OCTET_ERROR(Q::instance_norm(q.reshape({2, 36, 1}), {}, {}, 1e-5, 0.1, 0), "more than 1 spatial element");
  EXPECT_OCTET_ERROR(Q::softmax(q, 4, 0.1, 0), "out of range");
  const Tensor per_channel = quantize_per_channel(ones({2, 4, 3, 3}), std::vector<double>(4, 0.1),
                                                  std::vector<int64_t>(4, 0), 1, kQUInt8);
  EXPECT_OCTET_ERROR(Q::layer_norm(per_channel, {3}, {}, {}, 1e-5, 0.1, 0), "expected per-tensor qparams");
}

}  // namespace
}  // namespace octet
