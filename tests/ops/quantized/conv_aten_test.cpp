// conv_aten_test.cpp: the quantized convolutions against ATen's reference recipe: quantize -> dequantize -> float conv -> quantize.
//
// The float recipe and Octet's integer contract differ in two roundings, so outputs may differ by
// one step, never more:
//  - the bias: Octet adds round(bias / (sa * sw)) to the int32 sum (the contract), the recipe adds
//    the float bias; the difference is at most half a step of sa * sw, i.e. 0.5 * M output steps;
//  - the float recipe rounds every product and partial sum in float32 and multiplies by the
//    output's 1/scale, where Octet's sum is exact and is scaled by one float32 multiplier M.
// Either moves a value across a rounding boundary only when it lies within that error of it. The
// test reports how many elements are exact and requires max |diff| <= 1 and at least 95% exact.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "octet/octet.h"
#include "octet/quantized/conv.h"
#include "ops/quantized/conv_test_util.h"

namespace octet {
namespace {

namespace F = octet::functional;
namespace Q = octet::quantized;

struct Recipe {
  std::string name;
  int spatial = 2;
  bool transposed = false;
  bool relu = false;
  Shape x_shape, w_shape;
  Shape stride, padding, dilation, output_padding;
  int64_t groups = 1;
  bool per_channel = false;
  DType act = kQUInt8;
};

void compare(const Recipe& r, Generator& g) {
  const Tensor xf = rand(r.x_shape, g);  // [0, 1): activations after a ReLU
  const Tensor wf = randn(r.w_shape, g);
  const int64_t cout = r.transposed ? r.w_shape[1] * r.groups : r.w_shape[0];
  const Tensor bf = randn({cout}, g);
  const double sa = 1.0 / 255;
  const Tensor x = r.act == kQUInt8 ? quantize_per_tensor(xf, sa, 3, kQUInt8) : quantize_per_tensor(xf, sa, -125, kQInt8);
  Tensor w;
  if (r.per_channel) {
    const int64_t axis = r.transposed ? 1 : 0, n = r.w_shape[static_cast<size_t>(axis)];
    std::vector<double> scales;
    std::vector<int64_t> zps;
    for (int64_t c = 0; c < n; ++c) {
      scales.push_back(static_cast<float>(0.02 + 0.001 * static_cast<double>(c)));
      zps.push_back(c % 3 - 1);
    }
    w = quantize_per_channel(wf, scales, zps, axis, kQInt8);
  } else {
    w = quantize_per_tensor(wf, 0.025, 2, kQInt8);
  }
  // The recipe.
  Tensor yf;
  const Tensor xd = x.dequantize(), wd = w.dequantize();
  if (!r.transposed) {
    if (r.spatial == 1) yf = F::conv1d(xd, wd, bf, r.stride, r.padding, r.dilation, r.groups);
    if (r.spatial == 2) yf = F::conv2d(xd, wd, bf, r.stride, r.padding, r.dilation, r.groups);
    if (r.spatial == 3) yf = F::conv3d(xd, wd, bf, r.stride, r.padding, r.dilation, r.groups);
  } else {
    if (r.spatial == 1) yf = F::conv_transpose1d(xd, wd, bf, r.stride, r.padding, r.output_padding, r.groups, r.dilation);
    if (r.spatial == 2) yf = F::conv_transpose2d(xd, wd, bf, r.stride, r.padding, r.output_padding, r.groups, r.dilation);
    if (r.spatial == 3) yf = F::conv_transpose3d(xd, wd, bf, r.stride, r.padding, r.output_padding, r.groups, r.dilation);
  }
  if (r.relu) yf = F::relu(yf);
  // Output qparams spreading the float range over the dtype, as an observer would.
  float lo = 0, hi = 0;
  const Tensor yc = yf.contiguous();
  for (int64_t i = 0; i < yc.numel(); ++i) {
    lo = std::min(lo, yc.data_ptr<float>()[i]);
    hi = std::max(hi, yc.data_ptr<float>()[i]);
  }
  const double so = static_cast<float>((hi - lo) / 255.0);
  const int64_t zo = (r.act == kQUInt8 ? 0 : -128) + static_cast<int64_t>(std::nearbyint(-lo / so));
  const Tensor expected = quantize_per_tensor(yf, so, zo, r.act);

  Q::ConvPackedParamsPtr p;
  Tensor y;
  if (!r.transposed) {
    if (r.spatial == 1) p = Q::conv1d_prepack(w, bf, r.stride, r.padding, r.dilation, r.groups);
    if (r.spatial == 2) p = Q::conv2d_prepack(w, bf, r.stride, r.padding, r.dilation, r.groups);
    if (r.spatial == 3) p = Q::conv3d_prepack(w, bf, r.stride, r.padding, r.dilation, r.groups);
    if (r.spatial == 1) y = r.relu ? Q::conv1d_relu(x, p, so, zo) : Q::conv1d(x, p, so, zo);
    if (r.spatial == 2) y = r.relu ? Q::conv2d_relu(x, p, so, zo) : Q::conv2d(x, p, so, zo);
    if (r.spatial == 3) y = r.relu ? Q::conv3d_relu(x, p, so, zo) : Q::conv3d(x, p, so, zo);
  } else {
    if (r.spatial == 1) p = Q::conv_transpose1d_prepack(w, bf, r.stride, r.padding, r.output_padding, r.dilation, r.groups);
    if (r.spatial == 2) p = Q::conv_transpose2d_prepack(w, bf, r.stride, r.padding, r.output_padding, r.dilation, r.groups);
    if (r.spatial == 3) p = Q::conv_transpose3d_prepack(w, bf, r.stride, r.padding, r.output_padding, r.dilation, r.groups);
    if (r.spatial == 1) y = Q::conv_transpose1d(x, p, so, zo);
    if (r.spatial == 2) y = Q::conv_transpose2d(x, p, so, zo);
    if (r.spatial == 3) y = Q::conv_transpose3d(x, p, so, zo);
  }
  ASSERT_EQ(y.shape(), expected.shape()) << r.name;
  const std::vector<int64_t> a = test::qconv::integers(y), e = test::qconv::integers(expected);
  int64_t exact = 0, max_diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const int64_t diff = std::abs(a[i] - e[i]);
    exact += diff == 0;
    max_diff = std::max(max_diff, diff);
  }
  std::printf("[  ATEN    ] %s: %lld of %zu exact, max diff %lld\n", r.name.c_str(), static_cast<long long>(exact),
              a.size(), static_cast<long long>(max_diff));
  EXPECT_LE(max_diff, 1) << r.name;
  EXPECT_GE(static_cast<double>(exact), 0.95 * static_cast<double>(a.size())) << r.name;
}

TEST(QConvAten, MatchesDequantizeFloatConvQuantize) {
  Generator g(test::test_seed(0xa7e));
  const std::vector<Recipe> recipes = {
      {"conv2d_3x3", 2, false, false, {2, 8, 12, 11}, {16, 8, 3, 3}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, 1, true},
      {"conv2d_relu_s2", 2, false, true, {1, 6, 13, 13}, {10, 6, 3, 3}, {2, 2}, {1, 1}, {1, 1}, {0, 0}, 1, false},
      {"conv2d_groups_dil", 2, false, false, {1, 8, 12, 12}, {12, 4, 3, 3}, {1, 1}, {2, 2}, {2, 2}, {0, 0}, 2, true},
      {"conv2d_depthwise", 2, false, false, {2, 24, 10, 10}, {24, 1, 3, 3}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, 24, true},
      {"conv2d_1x1", 2, false, false, {1, 32, 7, 7}, {16, 32, 1, 1}, {1, 1}, {0, 0}, {1, 1}, {0, 0}, 1, true},
      {"conv2d_qint8", 2, false, false, {1, 6, 9, 9}, {8, 6, 3, 3}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, 1, true, kQInt8},
      {"conv1d", 1, false, false, {2, 5, 30}, {7, 5, 5}, {2}, {2}, {1}, {0}, 1, true},
      {"conv3d", 3, false, false, {1, 4, 5, 6, 6}, {6, 4, 3, 3, 3}, {1, 2, 2}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, 1, true},
      {"conv_transpose2d", 2, true, false, {1, 8, 6, 5}, {8, 6, 4, 4}, {2, 2}, {1, 1}, {1, 1}, {0, 0}, 1, false},
      {"conv_transpose2d_pc", 2, true, false, {2, 6, 5, 5}, {6, 4, 3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 2, true},
      {"conv_transpose1d", 1, true, false, {1, 4, 11}, {4, 3, 3}, {3}, {1}, {2}, {1}, 1, false},
      {"conv_transpose3d", 3, true, false, {1, 4, 3, 4, 4}, {4, 2, 2, 3, 3}, {2, 1, 2}, {0, 1, 1}, {1, 1, 1}, {1, 0, 1}, 1, true},
  };
  for (const Recipe& r : recipes) compare(r, g);
}

}  // namespace
}  // namespace octet
