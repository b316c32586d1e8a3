// pool_test.cpp: quantized max/avg/adaptive pooling against the float ops (ATen's way) and the integer rule written out, over layouts, threads and ISA levels; argument errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "octet/octet.h"
#include "octet/quantized/pooling.h"
#include "ops/quantized/qop_test_util.h"

namespace octet {
namespace {

namespace F = functional;
namespace Q = quantized;
using test::qop::compare;
using test::qop::expect_same_q;
using test::qop::for_each_config;
using test::qop::IntDiff;
using test::qop::random_q;

constexpr uint64_t kSeed = 20240613;

// Shapes (batched and not) that reach the row kernels' vector blocks (wide rows), their tails, and
// the channels-last path's channel tails (C = 35).
const std::vector<Shape>& shapes_2d() {
  static const std::vector<Shape> s = {{2, 3, 9, 11}, {1, 35, 8, 9}, {3, 1, 7, 7}, {4, 10, 13}, {1, 2, 5, 150}};
  return s;
}

struct Window {
  Shape kernel, stride, padding, dilation;
  bool ceil_mode;
};

// Every combination PyTorch accepts for a 2-D window grid (padding <= kernel / 2).
std::vector<Window> windows_2d(bool with_dilation) {
  std::vector<Window> out;
  for (const Shape& k : {Shape{1}, Shape{2}, Shape{3}, Shape{2, 3}}) {
    for (const Shape& s : {Shape{}, Shape{1}, Shape{2}, Shape{3, 2}}) {
      for (const Shape& p : {Shape{0}, Shape{1}}) {
        if (p[0] > k[0] / 2 || p[0] > k.back() / 2) continue;
        for (const Shape& d : with_dilation ? std::vector<Shape>{{1}, {2}} : std::vector<Shape>{{1}}) {
          for (bool ceil : {false, true}) out.push_back({k, s, p, d, ceil});
        }
      }
    }
  }
  return out;
}

std::string describe(const Shape& shape, const Window& w, DType dtype, int64_t zp, const char* layout) {
  std::string s("shape ");
  s.append(shape_to_string(shape)).append(" kernel ").append(shape_to_string(w.kernel)).append(" stride ")
      .append(shape_to_string(w.stride)).append(" padding ").append(shape_to_string(w.padding)).append(" dilation ")
      .append(shape_to_string(w.dilation)).append(w.ceil_mode ? " ceil" : " floor").append(" ")
      .append(std::string(dtype_name(dtype))).append(" zp ").append(std::to_string(zp)).append(" ").append(layout);
  return s;
}

// The layouts every op must accept with the same answer.
std::vector<std::pair<const char*, Tensor>> layouts(const Tensor& q) {
  std::vector<std::pair<const char*, Tensor>> out = {{"contiguous", q}, {"strided", test::qop::to_strided(q)}};
  if (q.dim() >= 4) out.push_back({"channels-last", test::qop::to_channels_last(q)});
  return out;
}

bool output_fits(const Tensor& q, const Window& w, int64_t spatial) {
  try {
    F::max_pool2d(zeros(Shape(q.shape().end() - spatial - 1, q.shape().end())), w.kernel, w.stride, w.padding,
                  w.dilation, w.ceil_mode);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// --- max pooling: exact against the float op --------------------------------------------------------

TEST(QPool, max_pool2d_equals_the_float_op_on_dequantized_values) {
  Generator gen(test::test_seed(kSeed));
  int64_t cases = 0;
  for (const Shape& shape : shapes_2d()) {
    for (const Window& w : windows_2d(true)) {
      if (!output_fits(zeros(shape), w, 2)) continue;
      const DType dtype = cases % 2 ? kQInt8 : kQUInt8;
      const std::vector<int64_t> zps = test::qop::zero_points(dtype);
      const int64_t zp = zps[static_cast<size_t>(cases) % zps.size()];
      const Tensor q = random_q(shape, dtype, 0.05, zp, gen);
      // ATen's way: dequantize, float max pool, quantize with the same qparams. Max commutes with
      // the monotone dequantize, so this is exact.
      const Tensor want = quantize_per_tensor(
          F::max_pool2d(q.dequantize(), w.kernel, w.stride, w.padding, w.dilation, w.ceil_mode), q.q_scale(), zp, dtype);
      for (const auto& [name, x] : layouts(q)) {
        const Tensor got = Q::max_pool2d(x, w.kernel, w.stride, w.padding, w.dilation, w.ceil_mode);
        expect_same_q(got, want, describe(shape, w, dtype, zp, name));
      }
      ++cases;
      if (::testing::Test::HasFailure()) return;
    }
  }
  EXPECT_GT(cases, 200);
}

TEST(QPool, max_pool1d_and_3d_equal_the_float_ops) {
  Generator gen(test::test_seed(kSeed + 1));
  for (DType dtype : {kQUInt8, kQInt8}) {
    for (int64_t zp : test::qop::zero_points(dtype)) {
      const Tensor q1 = random_q({2, 3, 77}, dtype, 0.1, zp, gen);
      expect_same_q(Q::max_pool1d(q1, {3}, {2}, {1}, {2}, true),
                    quantize_per_tensor(F::max_pool1d(q1.dequantize(), {3}, {2}, {1}, {2}, true), 0.1, zp, dtype),
                    "max_pool1d");
      const Tensor q3 = random_q({2, 3, 5, 6, 40}, dtype, 0.1, zp, gen);
      for (const auto& [name, x] : layouts(q3)) {
        expect_same_q(Q::max_pool3d(x, {2, 3, 3}, {1, 2, 2}, {1, 1, 0}, {1}, false),
                      quantize_per_tensor(F::max_pool3d(q3.dequantize(), {2, 3, 3}, {1, 2, 2}, {1, 1, 0}, {1}, false),
                                          0.1, zp, dtype),
                      std::string("max_pool3d ").append(name));
      }
    }
  }
}

// Dilation can leave a window with no input element (every tap in the padding): PyTorch's quantized
// kernel then gives the lowest value, the float op -inf (which quantizes to the same).
TEST(QPool, max_pool_window_entirely_in_padding_gives_the_lowest_value) {
  Generator gen(test::test_seed(kSeed + 2));
  // W = 1, kernel 2, padding 1, dilation 2: the taps sit at -1 and 1, both outside [0, 1).
  const Tensor q = random_q({1, 1, 1, 1}, kQInt8, 1.0, 5, gen);
  const Tensor y = Q::max_pool2d(q, {1, 2}, {1, 1}, {0, 1}, {1, 2}, false);
  ASSERT_EQ(y.shape(), (Shape{1, 1, 1, 1}));
  EXPECT_EQ(y.int_repr().at<int64_t>({0, 0, 0, 0}), -128);
  expect_same_q(y, quantize_per_tensor(F::max_pool2d(q.dequantize(), {1, 2}, {1, 1}, {0, 1}, {1, 2}), 1.0, 5, kQInt8),
                "float op");
}

// --- average pooling: the integer rule exactly, the float op within one step ---------------------------

// The average rule of octet/quantized/pooling.h written out with PyTorch's window arithmetic, on a
// (planes, D, H, W) view: acc = sum (q - zp), y = clamp(nearbyint((float)acc * (1.0f / divisor)) + zp).
struct AvgSpec {
  std::vector<int64_t> k, s, p;  // per dim of the 3-D view
  bool cip;
  std::optional<int64_t> divisor;
  bool adaptive = false;
};

Tensor reference_avg(const Tensor& q, int64_t spatial, const AvgSpec& a, const Shape& out_shape) {
  const std::vector<int32_t> x = test::qop::ints(q);
  const int64_t zp = q.q_zero_point(), qmin = dtype_qmin(q.dtype()), qmax = dtype_qmax(q.dtype());
  std::vector<int64_t> in(3, 1), out(3, 1);
  for (int64_t i = 0; i < spatial; ++i) {
    in[static_cast<size_t>(3 - spatial + i)] = q.size(q.dim() - spatial + i);
    out[static_cast<size_t>(3 - spatial + i)] = out_shape[out_shape.size() - static_cast<size_t>(spatial - i)];
  }
  const int64_t planes = q.numel() / (in[0] * in[1] * in[2]);
  std::vector<int32_t> y;
  for (int64_t pl = 0; pl < planes; ++pl) {
    for (int64_t od = 0; od < out[0]; ++od) {
      for (int64_t oh = 0; oh < out[1]; ++oh) {
        for (int64_t ow = 0; ow < out[2]; ++ow) {
          int64_t lo[3], hi[3], pool = 1;
          const int64_t o[3] = {od, oh, ow};
          for (size_t d = 0; d < 3; ++d) {
            if (a.adaptive) {
              lo[d] = (o[d] * in[d]) / out[d];
              hi[d] = (( o[d] + 1) * in[d] + out[d] - 1) / out[d];
              pool *= hi[d] - lo[d];
              continue;
            }
            const int64_t start = o[d] * a.s[d] - a.p[d];
            const int64_t end = std::min(start + a.k[d], in[d] + a.p[d]);
            pool *= end - start;
            lo[d] = std::max<int64_t>(start, 0);
            hi[d] = std::min(end, in[d]);
          }
          int64_t acc = 0, count = 0;
          for (int64_t i = lo[0]; i < hi[0]; ++i) {
            for (int64_t j = lo[1]; j < hi[1]; ++j) {
              for (int64_t l = lo[2]; l < hi[2]; ++l) {
                acc += x[static_cast<size_t>(((pl * in[0] + i) * in[1] + j) * in[2] + l)] - zp;
                ++count;
              }
            }
          }
          const int64_t div = a.divisor ? *a.divisor : a.cip ? pool : count;
          const float r = std::nearbyint(static_cast<float>(acc) * (1.0f / static_cast<float>(div)));
          const double t = static_cast<double>(r) + static_cast<double>(zp);
          y.push_back(static_cast<int32_t>(t < qmin ? qmin : t > qmax ? qmax : t));
        }
      }
    }
  }
  Tensor ints = from_vector(y, out_shape).to(q.dtype() == kQUInt8 ? kUInt8 : kInt8);
  return make_per_tensor_quantized_tensor(ints, q.q_scale(), zp);
}

TEST(QPool, avg_pool2d_is_the_integer_rule_and_within_one_step_of_the_float_op) {
  Generator gen(test::test_seed(kSeed + 3));
  int64_t cases = 0;
  IntDiff vs_float;
  for (const Shape& shape : shapes_2d()) {
    for (const Window& w : windows_2d(false)) {
      if (!output_fits(zeros(shape), w, 2)) continue;
      for (bool cip : {true, false}) {
        for (std::optional<int64_t> div : {std::optional<int64_t>{}, std::optional<int64_t>{3}}) {
          const DType dtype = cases % 2 ? kQInt8 : kQUInt8;
          const std::vector<int64_t> zps = test::qop::zero_points(dtype);
          const int64_t zp = zps[static_cast<size_t>(cases) % zps.size()];
          // Narrow data around the zero point makes averages land on ties (x.5) often.
          const Tensor q = cases % 3 == 0 ? random_q(shape, dtype, 0.02, zp, gen, zp - 3, zp + 3)
                                          : random_q(shape, dtype, 0.02, zp, gen);
          const Tensor fl = F::avg_pool2d(q.dequantize(), w.kernel, w.stride, w.padding, w.ceil_mode, cip, div);
          const Tensor aten = quantize_per_tensor(fl, q.q_scale(), zp, dtype);
          const int64_t k0 = w.kernel[0], k1 = w.kernel.back();
          const int64_t s0 = w.stride.empty() ? k0 : w.stride[0], s1 = w.stride.empty() ? k1 : w.stride.back();
          const AvgSpec spec{{1, k0, k1}, {1, s0, s1}, {0, w.padding[0], w.padding.back()}, cip, div};
          const Tensor want = reference_avg(q, 2, spec, fl.shape());
          for (const auto& [name, x] : layouts(q)) {
            const Tensor got = Q::avg_pool2d(x, w.kernel, w.stride, w.padding, w.ceil_mode, cip, div);
            expect_same_q(got, want, describe(shape, w, dtype, zp, name));
          }
          const IntDiff d = compare(want, aten);
          vs_float.total += d.total;
          vs_float.exact += d.exact;
          vs_float.max_diff = std::max(vs_float.max_diff, d.max_diff);
          ++cases;
          if (::testing::Test::HasFailure()) return;
        }
      }
    }
  }
  // The float op rounds the dequantized values and their sum, so an average that is exactly
  // k + 1/2 in integers can land on either side of the tie there: one step, never more.
  std::printf("[ QPOOL    ] avg_pool2d vs dequantize -> F::avg_pool2d -> quantize: %s\n", vs_float.str().c_str());
  EXPECT_LE(vs_float.max_diff, 1);
  EXPECT_GT(cases, 400);
}

TEST(QPool, avg_pool3d_is_the_integer_rule_on_every_layout) {
  Generator gen(test::test_seed(kSeed + 4));
  for (DType dtype : {kQUInt8, kQInt8}) {
    for (int64_t zp : test::qop::zero_points(dtype)) {
      const Tensor q = random_q({2, 3, 5, 7, 41}, dtype, 0.3, zp, gen);
      for (bool ceil : {false, true}) {
        for (bool cip : {true, false}) {
          const Tensor fl = F::avg_pool3d(q.dequantize(), {2, 3, 3}, {2, 2, 2}, {1, 1, 1}, ceil, cip);
          const Tensor want = reference_avg(q, 3, AvgSpec{{2, 3, 3}, {2, 2, 2}, {1, 1, 1}, cip, {}}, fl.shape());
          for (const auto& [name, x] : layouts(q)) {
            expect_same_q(Q::avg_pool3d(x, {2, 3, 3}, {2, 2, 2}, {1, 1, 1}, ceil, cip), want,
                          std::string("avg_pool3d ").append(name));
          }
          EXPECT_LE(compare(want, quantize_per_tensor(fl, 0.3, zp, dtype)).max_diff, 1);
        }
      }
    }
  }
}

// Windows wider than the AVX2 kernel's 256-tap 16-bit stage, all at the type's maximum.
TEST(QPool, avg_pool_of_many_saturating_taps) {
  for (DType dtype : {kQUInt8, kQInt8}) {
    const int64_t hi = dtype == kQUInt8 ? 255 : 127;
    Tensor ints = full({1, 2, 20, 40}, static_cast<double>(hi), dtype == kQUInt8 ? kUInt8 : kInt8);
    const Tensor q = make_per_tensor_quantized_tensor(ints, 1.0, dtype == kQUInt8 ? 0 : -128);
    for (const auto& [name, x] : layouts(q)) {
      const Tensor y = Q::avg_pool2d(x, {17, 17}, {1, 1});
      for (int32_t v : test::qop::ints(y)) ASSERT_EQ(v, hi) << name;
    }
  }
}

TEST(QPool, adaptive_avg_pool_is_the_integer_rule) {
  Generator gen(test::test_seed(kSeed + 5));
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{2, 3, 7, 7}, {1, 1}},       // global: one row sum per plane
      {{2, 3, 14, 28}, {7, 14}},    // uniform windows, short rows: column sums
      {{2, 3, 8, 64}, {4, 32}},     // uniform windows, rows of 32: the row kernels
      {{2, 3, 10, 13}, {3, 5}},     // irregular windows
      {{1, 40, 9, 9}, {4, 4}},      // channels-last channel tails
      {{3, 11, 17}, {5, 17}},       // unbatched
      {{1, 2, 56, 56}, {1, 1}}};
  for (DType dtype : {kQUInt8, kQInt8}) {
    for (const auto& [shape, out] : cases) {
      for (int64_t zp : test::qop::zero_points(dtype)) {
        const Tensor q = random_q(shape, dtype, 0.7, zp, gen);
        const Tensor fl = F::adaptive_avg_pool2d(q.dequantize(), out);
        AvgSpec spec{};
        spec.adaptive = true;
        const Tensor want = reference_avg(q, 2, spec, fl.shape());
        for (const auto& [name, x] : layouts(q)) {
          expect_same_q(Q::adaptive_avg_pool2d(x, out), want, describe(shape, Window{out, {}, {}, {}, false}, dtype, zp, name));
        }
        EXPECT_LE(compare(want, quantize_per_tensor(fl, 0.7, zp, dtype)).max_diff, 1);
      }
    }
    const Tensor q3 = random_q({2, 3, 6, 7, 8}, dtype, 0.7, 3, gen);
    AvgSpec spec{};
    spec.adaptive = true;
    for (const Shape& out : {Shape{1}, Shape{3, 2, 5}, Shape{2, 7, 4}}) {
      const Tensor fl = F::adaptive_avg_pool3d(q3.dequantize(), out);
      for (const auto& [name, x] : layouts(q3)) {
        expect_same_q(Q::adaptive_avg_pool3d(x, out), reference_avg(q3, 3, spec, fl.shape()),
                      std::string("adaptive_avg_pool3d ").append(name));
      }
    }
  }
}

// The row-sum path (global pooling) and the row-kernel path (avg_pool2d with the plane as window)
// must give the same integers: both are the same rule.
TEST(QPool, global_average_agrees_between_paths) {
  Generator gen(test::test_seed(kSeed + 6));
  const Tensor q = random_q({2, 5, 9, 70}, kQUInt8, 0.1, 77, gen);
  expect_same_q(Q::adaptive_avg_pool2d(q, {1}), Q::avg_pool2d(q, {9, 70}), "global");
}

// --- every configuration gives the same integers ------------------------------------------------------

TEST(QPool, threads_and_isa_levels_agree) {
  Generator gen(test::test_seed(kSeed + 7));
  const Tensor q = random_q({2, 37, 23, 71}, kQUInt8, 0.1, 128, gen);
  const Tensor cl = test::qop::to_channels_last(q);
  const Tensor s8 = random_q({2, 37, 23, 71}, kQInt8, 0.1, -3, gen);
  const Tensor m0 = Q::max_pool2d(q, {3}, {2}, {1}), a0 = Q::avg_pool2d(cl, {3}, {2}, {1}, true, false);
  const Tensor g0 = Q::adaptive_avg_pool2d(s8, {5, 7}), s0 = Q::avg_pool2d(s8, {2, 4}, {1, 3});
  for_each_config([&](const std::string& label) {
    expect_same_q(Q::max_pool2d(q, {3}, {2}, {1}), m0, label);
    expect_same_q(Q::avg_pool2d(cl, {3}, {2}, {1}, true, false), a0, label);
    expect_same_q(Q::adaptive_avg_pool2d(s8, {5, 7}), g0, label);
    expect_same_q(Q::avg_pool2d(s8, {2, 4}, {1, 3}), s0, label);
  });
}

// --- layout and qparams of the output ----------------------------------------------------------------

TEST(QPool, channels_last_in_gives_channels_last_out_with_the_input_qparams) {
  Generator gen(test::test_seed(kSeed + 8));
  const Tensor q = test::qop::to_channels_last(random_q({2, 8, 10, 10}, kQInt8, 0.25, -7, gen));
  const Tensor y = Q::max_pool2d(q, {2});
  EXPECT_EQ(y.shape(), (Shape{2, 8, 5, 5}));
  EXPECT_EQ(y.stride(1), 1);  // channels innermost in memory
  EXPECT_FALSE(y.is_contiguous());
  EXPECT_EQ(y.q_scale(), 0.25);
  EXPECT_EQ(y.q_zero_point(), -7);
  const Tensor z = Q::avg_pool2d(random_q({2, 8, 10, 10}, kQUInt8, 0.5, 9, gen), {2});
  EXPECT_TRUE(z.is_contiguous());
  EXPECT_EQ(z.q_scale(), 0.5);
  EXPECT_EQ(z.q_zero_point(), 9);
}

// --- errors -----------------------------------------------------------------------------------------------

TEST(QPool, bad_arguments_are_errors_with_clear_messages) {
  Generator gen(test::test_seed(kSeed + 9));
  const Tensor q = random_q({1, 2, 6, 6}, kQUInt8, 0.1, 0, gen);
  EXPECT_OCTET_ERROR(Q::max_pool2d(zeros({1, 2, 6, 6}), {2}), "expected a quantized input");
  EXPECT_OCTET_ERROR(Q::avg_pool2d(zeros({1, 2, 6, 6}), {2}), "expected a quantized input");
  EXPECT_OCTET_ERROR(Q::max_pool2d(Tensor(), {2}), "undefined");
  EXPECT_OCTET_ERROR(Q::max_pool2d(q.reshape({12, 6}), {2}), "expected a 3-D or 4-D input");
  EXPECT_OCTET_ERROR(Q::max_pool1d(q, {2}), "expected a 2-D or 3-D input");
  EXPECT_OCTET_ERROR(Q::avg_pool3d(q.reshape({2, 6, 6}), {2}), "expected a 4-D or 5-D input");
  EXPECT_OCTET_ERROR(Q::max_pool2d(q, {7}), "larger than the padded input");
  EXPECT_OCTET_ERROR(Q::avg_pool2d(q, {9}, {1}, {1}), "larger than the padded input");
  EXPECT_OCTET_ERROR(Q::max_pool2d(q, {3}, {1}, {-1}), "padding must be >= 0");
  EXPECT_OCTET_ERROR(Q::avg_pool2d(q, {3}, {1}, {2}), "at most half of the kernel size");
  EXPECT_OCTET_ERROR(Q::max_pool2d(q, {0}), "kernel_size must be > 0");
  EXPECT_OCTET_ERROR(Q::max_pool2d(q, {2}, {0}), "stride must be > 0");
  EXPECT_OCTET_ERROR(Q::max_pool2d(q, {2}, {1}, {0}, {0}), "dilation must be > 0");
  EXPECT_OCTET_ERROR(Q::max_pool2d(q, {2, 2, 2}), "kernel_size must hold 1 or 2 values");
  EXPECT_OCTET_ERROR(Q::avg_pool2d(q, {2}, {}, {0}, false, true, 0), "divisor_override must be non-zero");
  EXPECT_OCTET_ERROR(Q::adaptive_avg_pool2d(q, {-1}), "output_size must be >= 0");
  EXPECT_OCTET_ERROR(Q::adaptive_avg_pool2d(q, {2, 2, 2}), "output_size must hold 1 or 2 values");
  EXPECT_OCTET_ERROR(Q::max_pool2d(random_q({1, 0, 4, 4}, kQUInt8, 0.1, 0, gen), {2}), "non-zero sizes");
  const Tensor per_channel = quantize_per_channel(ones({1, 2, 4, 4}), {0.1, 0.2}, {0, 0}, 1, kQUInt8);
  EXPECT_OCTET_ERROR(Q::avg_pool2d(per_channel, {2}), "expected per-tensor qparams");
  const Tensor q32 = quantize_per_tensor(ones({1, 2, 4, 4}), 0.1, 0, kQInt32);
  EXPECT_OCTET_ERROR(Q::max_pool2d(q32, {2}), "expected a quint8 or qint8 input");
  // A window of 2^23 + 1 elements would overflow the int32 sum's guarantee.
  const Tensor big = make_per_tensor_quantized_tensor(zeros({1, 1, 8388609}, kUInt8), 1.0, 0);
  EXPECT_OCTET_ERROR(Q::adaptive_avg_pool2d(big.unsqueeze(2), {1}), "too large");
}

}  // namespace
}  // namespace octet
