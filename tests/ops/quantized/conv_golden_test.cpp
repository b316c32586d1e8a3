// conv_golden_test.cpp: the quantized convolutions against PyTorch's torch.ops.quantized outputs (scripts/golden/gen_quantized_conv.py).
//
// Same integers in, same qparams; Octet follows its contract (int32 bias with scale
// x_scale * w_scale, one float32 multiplier), PyTorch's x86 engine keeps the bias in float and
// requantizes the float sum, and qnnpack rounds its multiplier its own way. A value that lies
// within that rounding of a step boundary may land one step apart, never more: the test prints how
// many elements are exact and the largest difference per case and requires max |diff| <= 1.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/quantized/conv.h"
#include "ops/quantized/conv_test_util.h"

namespace octet {
namespace {

namespace Q = octet::quantized;

Shape shape_arg(const nlohmann::json& j) { return j.get<std::vector<int64_t>>(); }

TEST(QConvGolden, MatchesPyTorchWithinOneStep) {
  const test::GoldenFile file("quantized_conv");
  ASSERT_FALSE(file.cases().empty());
  int64_t total = 0, total_exact = 0;
  for (const test::GoldenCase& c : file.cases()) {
    const nlohmann::json& a = c.args;
    const Tensor x = make_per_tensor_quantized_tensor(c.in(0), a.at("x_scale").get<double>(), a.at("x_zero_point").get<int64_t>());
    const bool per_channel = a.at("per_channel").get<bool>();
    const Tensor w = per_channel ? make_per_channel_quantized_tensor(c.in(1), c.in(2), c.in(3), a.at("axis").get<int64_t>())
                                 : make_per_tensor_quantized_tensor(c.in(1), c.in(2).at<double>({0}), c.in(3).at<int64_t>({0}));
    const Tensor b = a.at("bias").get<bool>() ? c.in(4) : Tensor();
    const Shape stride = shape_arg(a.at("stride")), padding = shape_arg(a.at("padding"));
    const Shape dilation = shape_arg(a.at("dilation")), output_padding = shape_arg(a.at("output_padding"));
    const int64_t groups = a.at("groups").get<int64_t>();
    const double so = a.at("out_scale").get<double>();
    const int64_t zo = a.at("out_zero_point").get<int64_t>();
    Tensor y;
    if (c.op == "conv1d") y = Q::conv1d(x, Q::conv1d_prepack(w, b, stride, padding, dilation, groups), so, zo);
    if (c.op == "conv2d") y = Q::conv2d(x, Q::conv2d_prepack(w, b, stride, padding, dilation, groups), so, zo);
    if (c.op == "conv2d_relu") y = Q::conv2d_relu(x, Q::conv2d_prepack(w, b, stride, padding, dilation, groups), so, zo);
    if (c.op == "conv3d") y = Q::conv3d(x, Q::conv3d_prepack(w, b, stride, padding, dilation, groups), so, zo);
    if (c.op == "conv_transpose2d") {
      y = Q::conv_transpose2d(x, Q::conv_transpose2d_prepack(w, b, stride, padding, output_padding, dilation, groups),
                              so, zo);
    }
    ASSERT_TRUE(y.defined()) << c.name << ": unknown op " << c.op;
    ASSERT_EQ(y.shape(), c.out(0).shape()) << c.name;
    const std::vector<int64_t> got = test::qconv::integers(y);
    auto compare = [&](const Tensor& expected, int64_t* exact, int64_t* max_diff) {
      const Tensor e = expected.to(kInt64).contiguous();
      *exact = 0;
      *max_diff = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        const int64_t d = std::abs(got[i] - e.data_ptr<int64_t>()[i]);
        *exact += d == 0;
        *max_diff = std::max(*max_diff, d);
      }
    };
    int64_t exact = 0, max_diff = 0;
    compare(c.out(0), &exact, &max_diff);
    std::printf("[  GOLDEN  ] %-32s %6lld of %6zu exact (%.2f%%), max diff %lld\n", c.name.c_str(),
                static_cast<long long>(exact), got.size(), 100.0 * static_cast<double>(exact) / static_cast<double>(got.size()),
                static_cast<long long>(max_diff));
    if (a.at("pytorch_vs_own_recipe_max_diff").get<int64_t>() > 1) {
      // PyTorch's op disagrees with its own dequantize -> float -> quantize result (the generator
      // prints which): hold Octet to that recipe instead, and keep the distance to the op above.
      compare(c.out(1), &exact, &max_diff);
      std::printf("[  GOLDEN  ] %-32s PyTorch's op is %lld steps from its own float recipe; vs the recipe: %lld of "
                  "%zu exact, max diff %lld\n",
                  c.name.c_str(), static_cast<long long>(a.at("pytorch_vs_own_recipe_max_diff").get<int64_t>()),
                  static_cast<long long>(exact), got.size(), static_cast<long long>(max_diff));
    }
    EXPECT_LE(max_diff, 1) << c.name << ": more than one step from PyTorch";
    total += static_cast<int64_t>(got.size());
    total_exact += exact;
  }
  std::printf("[  GOLDEN  ] all cases: %lld of %lld exact (against the recipe where PyTorch disagrees with it)\n",
              static_cast<long long>(total_exact),
              static_cast<long long>(total));
}

}  // namespace
}  // namespace octet
