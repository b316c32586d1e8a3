// conv_test_util.h: quantized convolution problems for the tests: seeded integer data, the packed params, and an inline int64 direct-convolution reference.
//
// The reference restates the contract of include/octet/quantized/conv.h output by output, with no
// im2col, no channels-last layout and no zero-point algebra: for every output it sums
// (x - za) * (w - zw[o]) over the taps that land inside the input (padding is the zero point, so
// it adds nothing), adds the int32 bias (the qint32 rule on the float bias), wraps once to int32,
// and requantizes with one float32 multiply by M[o] = (float)(sa * sw[o] / so), nearbyint, the
// zero point and the clamp. Transposed convolutions are referenced by scattering each input pixel
// through the kernel (the definition), not by the op's gather.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "octet/octet.h"
#include "octet/quantized/conv.h"

namespace octet::test::qconv {

namespace Q = octet::quantized;

// Restores the ISA cap and the thread count when a test ends.
struct SavedSettings {
  Isa isa = max_isa();
  int threads = get_num_threads();
  ~SavedSettings() {
    set_max_isa(isa);
    set_num_threads(threads);
  }
};

enum class Fill {
  Random,      // uniform over each dtype
  Extreme,     // each value its dtype's min or max: the largest products, both signs
  Saturating,  // activations at their max, weights at -128: 255 x -128 everywhere
  Low7,        // activations in the 128 lowest values of their dtype (offset bytes <= 127: the
               // 7-bit GEMM kernels), weights uniform
};

inline int32_t wrap32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

// The qint32 quantize rule with zero point 0: nearbyint(x * (1 / scale)) saturated to int32.
inline int32_t quantize_bias(float x, float scale) {
  const float r = std::nearbyint(x * (1.0f / scale));
  if (!(r < 2147483648.0f)) return std::numeric_limits<int32_t>::max();
  if (r < -2147483648.0f) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(r);
}

// One problem, built with chained setters. Spatial sizes take one value per spatial dim.
struct ConvProblem {
  int spatial = 2;
  bool transposed = false;
  bool relu = false;
  int64_t batch = 1;
  bool unbatched = false;  // the input has no batch dim (batch must be 1)
  int64_t in_channels = 4;
  int64_t out_channels = 4;
  int64_t groups = 1;
  Shape in = {7, 7};
  Shape kernel = {3, 3};
  Shape stride = {1, 1};
  Shape padding = {0, 0};
  Shape dilation = {1, 1};
  Shape output_padding = {0, 0};
  DType act = kQUInt8;
  int64_t a_zp = 0;
  bool per_channel = false;
  std::vector<int64_t> w_zps = {0};  // per-tensor: [0]; per-channel: cycled over the channels
  int64_t out_zp = 0;
  double out_factor = 1.0;  // < 1 saturates more outputs
  bool bias = true;
  Fill fill = Fill::Random;

  std::string describe() const {
    std::ostringstream os;
    os << (transposed ? "conv_transpose" : "conv") << spatial << "d" << (relu ? "_relu" : "") << " N " << batch
       << (unbatched ? " (unbatched)" : "") << " Cin " << in_channels << " Cout " << out_channels << " groups "
       << groups << " in " << shape_to_string(in) << " k " << shape_to_string(kernel) << " s "
       << shape_to_string(stride) << " p " << shape_to_string(padding) << " d " << shape_to_string(dilation);
    if (transposed) os << " op " << shape_to_string(output_padding);
    os << " " << act << " za " << a_zp << " zw " << (per_channel ? "per-channel " : "per-tensor ") << w_zps[0]
       << " zo " << out_zp << " bias " << bias << " fill " << static_cast<int>(fill) << " isa "
       << isa_name(max_isa()) << " threads " << get_num_threads();
    return os.str();
  }
};

// The generated tensors and the expected integers (in the logical (N, C_out, *out) order).
struct ConvData {
  Tensor x, w, b;
  Q::ConvPackedParamsPtr packed;
  double out_scale = 1;
  Shape out_shape;
  std::vector<int64_t> expected;
};

inline int64_t draw(Generator& g, int64_t lo, int64_t hi, Fill fill, bool is_weight) {
  switch (fill) {
    case Fill::Random: return g.randint(lo, hi + 1);
    case Fill::Extreme: return g.randint(0, 2) == 0 ? lo : hi;
    case Fill::Saturating: return is_weight ? lo : hi;
    case Fill::Low7: return is_weight ? g.randint(lo, hi + 1) : g.randint(lo, lo + 128);
  }
  return 0;
}

inline ConvData make_conv(const ConvProblem& pr, Generator& g) {
  const int S = pr.spatial;
  const auto su = static_cast<size_t>(S);
  const int64_t N = pr.batch, Cin = pr.in_channels, Cout = pr.out_channels, G = pr.groups;
  const int64_t cig = Cin / G, cog = Cout / G;
  // 3-D geometry with unit leading dims.
  int64_t in[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, p[3] = {0, 0, 0}, d[3] = {1, 1, 1}, out[3] = {1, 1, 1};
  for (size_t i = 0; i < su; ++i) {
    const size_t j = 3 - su + i;
    in[j] = pr.in[i];
    k[j] = pr.kernel[i];
    s[j] = pr.stride[i];
    p[j] = pr.padding[i];
    d[j] = pr.dilation[i];
    out[j] = pr.transposed ? (in[j] - 1) * s[j] - 2 * p[j] + d[j] * (k[j] - 1) + pr.output_padding[i] + 1
                           : (in[j] + 2 * p[j] - d[j] * (k[j] - 1) - 1) / s[j] + 1;
  }
  const int64_t taps = k[0] * k[1] * k[2], P = in[0] * in[1] * in[2], OP = out[0] * out[1] * out[2];
  const int64_t aq_min = pr.act == kQUInt8 ? 0 : -128, aq_max = pr.act == kQUInt8 ? 255 : 127;

  std::vector<int64_t> x(static_cast<size_t>(N * Cin * P));
  for (auto& v : x) v = draw(g, aq_min, aq_max, pr.fill, false);
  const int64_t w_rows = pr.transposed ? Cin : Cout, w_cols = pr.transposed ? cog : cig;
  std::vector<int64_t> w(static_cast<size_t>(w_rows * w_cols * taps));
  for (auto& v : w) v = draw(g, -128, 127, pr.fill, true);
  // Per-channel qparams along axis 0 (conv: C_out) or axis 1 (transposed: cog).
  const int64_t qchannels = pr.per_channel ? (pr.transposed ? cog : Cout) : 1;
  std::vector<double> sw(static_cast<size_t>(qchannels));
  std::vector<int64_t> zw(static_cast<size_t>(qchannels));
  for (int64_t c = 0; c < qchannels; ++c) {
    sw[static_cast<size_t>(c)] = static_cast<float>(0.001 + 0.01 * g.uniform_double());  // float32 values
    zw[static_cast<size_t>(c)] = pr.w_zps[static_cast<size_t>(c) % pr.w_zps.size()];
  }
  auto sw_of = [&](int64_t o) { return sw[pr.per_channel ? static_cast<size_t>(pr.transposed ? o % cog : o) : 0]; };
  auto zw_of = [&](int64_t o) { return zw[pr.per_channel ? static_cast<size_t>(pr.transposed ? o % cog : o) : 0]; };
  const double sa = static_cast<float>(0.005 + 0.05 * g.uniform_double());
  std::vector<float> bias(static_cast<size_t>(Cout));
  for (auto& b : bias) b = static_cast<float>((2.0 * g.uniform_double() - 1.0) * 2.0);

  // Accumulators, (n, o, out pixel) order.
  std::vector<int64_t> acc(static_cast<size_t>(N * Cout * OP), 0);
  auto X = [&](int64_t n, int64_t c, int64_t z, int64_t y, int64_t xx) {
    return x[static_cast<size_t>(((n * Cin + c) * in[0] + z) * in[1] * in[2] + y * in[2] + xx)];
  };
  auto W = [&](int64_t r, int64_t c, int64_t kd, int64_t kh, int64_t kw) {
    return w[static_cast<size_t>(((r * w_cols + c) * k[0] + kd) * k[1] * k[2] + kh * k[2] + kw)];
  };
  if (!pr.transposed) {
    for (int64_t n = 0; n < N; ++n)
      for (int64_t o = 0; o < Cout; ++o)
        for (int64_t od = 0; od < out[0]; ++od)
          for (int64_t oh = 0; oh < out[1]; ++oh)
            for (int64_t ow = 0; ow < out[2]; ++ow) {
              int64_t sum = 0;
              const int64_t grp = o / cog;
              for (int64_t ci = 0; ci < cig; ++ci)
                for (int64_t kd = 0; kd < k[0]; ++kd)
                  for (int64_t kh = 0; kh < k[1]; ++kh)
                    for (int64_t kw = 0; kw < k[2]; ++kw) {
                      const int64_t id = od * s[0] - p[0] + kd * d[0], ih = oh * s[1] - p[1] + kh * d[1],
                                    iw = ow * s[2] - p[2] + kw * d[2];
                      if (id < 0 || id >= in[0] || ih < 0 || ih >= in[1] || iw < 0 || iw >= in[2]) continue;
                      sum += (X(n, grp * cig + ci, id, ih, iw) - pr.a_zp) * (W(o, ci, kd, kh, kw) - zw_of(o));
                    }
              acc[static_cast<size_t>((n * Cout + o) * OP + (od * out[1] + oh) * out[2] + ow)] = sum;
            }
  } else {
    for (int64_t n = 0; n < N; ++n)
      for (int64_t ci = 0; ci < Cin; ++ci)
        for (int64_t id = 0; id < in[0]; ++id)
          for (int64_t ih = 0; ih < in[1]; ++ih)
            for (int64_t iw = 0; iw < in[2]; ++iw) {
              const int64_t a = X(n, ci, id, ih, iw) - pr.a_zp, grp = ci / cig;
              for (int64_t co = 0; co < cog; ++co)
                for (int64_t kd = 0; kd < k[0]; ++kd)
                  for (int64_t kh = 0; kh < k[1]; ++kh)
                    for (int64_t kw = 0; kw < k[2]; ++kw) {
                      const int64_t od = id * s[0] - p[0] + kd * d[0], oh = ih * s[1] - p[1] + kh * d[1],
                                    ow = iw * s[2] - p[2] + kw * d[2];
                      if (od < 0 || od >= out[0] || oh < 0 || oh >= out[1] || ow < 0 || ow >= out[2]) continue;
                      const int64_t o = grp * cog + co;
                      acc[static_cast<size_t>((n * Cout + o) * OP + (od * out[1] + oh) * out[2] + ow)] +=
                          a * (W(ci, co, kd, kh, kw) - zw_of(o));
                    }
            }
  }
  int64_t lo = 0, hi = 0;
  for (size_t i = 0; i < acc.size(); ++i) {
    const int64_t o = static_cast<int64_t>(i) / OP % Cout;
    if (pr.bias) acc[i] += quantize_bias(bias[static_cast<size_t>(o)], static_cast<float>(sa * sw_of(o)));
    acc[i] = wrap32(acc[i]);
    lo = std::min(lo, acc[i]);
    hi = std::max(hi, acc[i]);
  }
  const double sw_max = *std::max_element(sw.begin(), sw.end());
  ConvData r;
  r.out_scale = static_cast<float>(sa * sw_max * static_cast<double>(std::max<int64_t>(hi - lo, 1)) / 200.0 * pr.out_factor);
  const int64_t qmin = pr.relu ? pr.out_zp : aq_min;
  r.expected.resize(acc.size());
  for (size_t i = 0; i < acc.size(); ++i) {
    const int64_t o = static_cast<int64_t>(i) / OP % Cout;
    const auto m = static_cast<float>(sa * sw_of(o) / r.out_scale);
    float v = std::nearbyint(static_cast<float>(static_cast<int32_t>(acc[i])) * m) + static_cast<float>(pr.out_zp);
    v = std::min(std::max(v, static_cast<float>(qmin)), static_cast<float>(aq_max));
    r.expected[i] = static_cast<int64_t>(v);
  }

  // Tensors.
  Shape x_shape{N, Cin};
  Shape w_shape{w_rows, w_cols};
  r.out_shape = {N, Cout};
  for (size_t i = 0; i < su; ++i) {
    x_shape.push_back(pr.in[i]);
    w_shape.push_back(pr.kernel[i]);
    r.out_shape.push_back(out[3 - su + i]);
  }
  if (pr.unbatched) {
    x_shape.erase(x_shape.begin());
    r.out_shape.erase(r.out_shape.begin());
  }
  const Tensor x_int = pr.act == kQUInt8 ? from_vector(std::vector<uint8_t>(x.begin(), x.end()), x_shape)
                                         : from_vector(std::vector<int8_t>(x.begin(), x.end()), x_shape);
  r.x = make_per_tensor_quantized_tensor(x_int, sa, pr.a_zp);
  const Tensor w_int = from_vector(std::vector<int8_t>(w.begin(), w.end()), w_shape);
  r.w = pr.per_channel ? make_per_channel_quantized_tensor(w_int, from_vector(sw), from_vector(zw), pr.transposed ? 1 : 0)
                       : make_per_tensor_quantized_tensor(w_int, sw[0], zw[0]);
  if (pr.bias) r.b = from_vector(bias);
  if (pr.transposed) {
    if (S == 1) r.packed = Q::conv_transpose1d_prepack(r.w, r.b, pr.stride, pr.padding, pr.output_padding, pr.dilation, G);
    if (S == 2) r.packed = Q::conv_transpose2d_prepack(r.w, r.b, pr.stride, pr.padding, pr.output_padding, pr.dilation, G);
    if (S == 3) r.packed = Q::conv_transpose3d_prepack(r.w, r.b, pr.stride, pr.padding, pr.output_padding, pr.dilation, G);
  } else {
    if (S == 1) r.packed = Q::conv1d_prepack(r.w, r.b, pr.stride, pr.padding, pr.dilation, G);
    if (S == 2) r.packed = Q::conv2d_prepack(r.w, r.b, pr.stride, pr.padding, pr.dilation, G);
    if (S == 3) r.packed = Q::conv3d_prepack(r.w, r.b, pr.stride, pr.padding, pr.dilation, G);
  }
  return r;
}

// The op the problem names, on input x.
inline Tensor run_conv(const ConvProblem& pr, const ConvData& d, const Tensor& x) {
  const double so = d.out_scale;
  const int64_t zo = pr.out_zp;
  if (pr.transposed) {
    if (pr.spatial == 1) return Q::conv_transpose1d(x, d.packed, so, zo);
    if (pr.spatial == 2) return Q::conv_transpose2d(x, d.packed, so, zo);
    return Q::conv_transpose3d(x, d.packed, so, zo);
  }
  if (pr.spatial == 1) return pr.relu ? Q::conv1d_relu(x, d.packed, so, zo) : Q::conv1d(x, d.packed, so, zo);
  if (pr.spatial == 2) return pr.relu ? Q::conv2d_relu(x, d.packed, so, zo) : Q::conv2d(x, d.packed, so, zo);
  return pr.relu ? Q::conv3d_relu(x, d.packed, so, zo) : Q::conv3d(x, d.packed, so, zo);
}

// The stored integers of a quantized tensor in logical (row-major) order.
inline std::vector<int64_t> integers(const Tensor& q) {
  const Tensor t = q.int_repr().to(kInt64).contiguous();
  const int64_t* p = t.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + t.numel());
}

// Expects out to hold exactly the reference integers, with the output qparams and dtype.
inline void expect_exact(const Tensor& out, const ConvProblem& pr, const ConvData& d) {
  ASSERT_EQ(out.shape(), d.out_shape) << pr.describe();
  ASSERT_EQ(out.dtype(), pr.act) << pr.describe();
  ASSERT_EQ(out.q_scale(), d.out_scale) << pr.describe();
  ASSERT_EQ(out.q_zero_point(), pr.out_zp) << pr.describe();
  const std::vector<int64_t> got = integers(out);
  ASSERT_EQ(got.size(), d.expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i], d.expected[i]) << "element " << i << " of " << shape_to_string(d.out_shape) << ": "
                                     << pr.describe();
  }
}

// Runs pr under the current ISA cap for 1, 2 and 3 threads, each against the exact reference.
inline void check_threads(const ConvProblem& pr, Generator& g) {
  const ConvData d = make_conv(pr, g);
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    expect_exact(run_conv(pr, d, d.x), pr, d);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// A 2-d problem with the other fields at their defaults.
inline ConvProblem problem2d(int64_t cin, int64_t cout, Shape in, Shape k, bool transposed = false) {
  ConvProblem p;
  p.transposed = transposed;
  p.in_channels = cin;
  p.out_channels = cout;
  p.in = std::move(in);
  p.kernel = std::move(k);
  return p;
}

// A fixture parameterized by ISA level: skips levels this machine cannot run, caps dispatch at the
// level, seeds gen_ (printing the seed) and restores the cap and thread count afterwards.
template <uint64_t kSeed>
class IsaFixture : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!isa_usable(GetParam())) GTEST_SKIP() << isa_name(GetParam()) << ": " << isa_rejection_reason(GetParam());
    gen_.manual_seed(test_seed(kSeed));
    set_max_isa(GetParam());
  }
  SavedSettings saved_;
  Generator gen_;
};

}  // namespace octet::test::qconv
