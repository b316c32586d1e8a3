// conv_test.cpp: nn::Conv1d/2d/3d and ConvTranspose1d/2d/3d against PyTorch goldens (padding
// strings and modes, groups, dilation, unbatched inputs, output_size), initialisation and errors.
#include <gtest/gtest.h>

#include <cmath>

#include "common/test_util.h"
#include "nn/layer_golden.h"
#include "octet/octet.h"

namespace octet::nn {
namespace {

using test::LayerCase;

template <typename M, typename... Args>
LayerCase make(Args... args) {
  return {[=] { return std::make_shared<M>(args...); }};
}

TEST(NnConv, MatchesPyTorchGoldens) {
  using O = ConvOptions;
  using T = ConvTransposeOptions;
  test::run_layer_goldens(
      {"Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"},
      {
          {"conv1d_basic", make<Conv1d>(3, 5, Shape{3}, O{.stride = {2}, .padding = {1}})},
          {"conv1d_same_reflect", make<Conv1d>(4, 4, Shape{4}, O{.padding_str = "same", .padding_mode = "reflect"})},
          {"conv1d_unbatched_groups", make<Conv1d>(4, 6, Shape{3}, O{.groups = 2, .bias = false})},
          {"conv2d_stem", make<Conv2d>(3, 8, Shape{7}, O{.stride = {2}, .padding = {3}, .bias = false})},
          {"conv2d_depthwise", make<Conv2d>(6, 6, Shape{3}, O{.padding = {1}, .groups = 6})},
          {"conv2d_same_dilated", make<Conv2d>(5, 4, Shape{3, 4}, O{.padding_str = "same", .dilation = {2, 1}})},
          {"conv2d_valid", make<Conv2d>(3, 4, Shape{3}, O{.padding_str = "valid"})},
          {"conv2d_replicate",
           make<Conv2d>(3, 4, Shape{3}, O{.stride = {1, 2}, .padding = {1, 2}, .padding_mode = "replicate"})},
          {"conv2d_circular", make<Conv2d>(2, 3, Shape{3}, O{.padding = {1}, .padding_mode = "circular"})},
          {"conv2d_reflect_same", make<Conv2d>(3, 3, Shape{3}, O{.padding_str = "same", .padding_mode = "reflect"})},
          {"conv2d_1x1", make<Conv2d>(16, 7, Shape{1})},
          {"conv3d_basic", make<Conv3d>(3, 4, Shape{2, 3, 3}, O{.stride = {1, 2, 2}, .padding = {1}})},
          {"conv3d_groups", make<Conv3d>(4, 4, Shape{3}, O{.padding = {2}, .dilation = {2}, .groups = 2, .bias = false})},
          {"convt1d", make<ConvTranspose1d>(4, 3, Shape{3}, T{.stride = {2}, .padding = {1}, .output_padding = {1}})},
          {"convt2d", make<ConvTranspose2d>(16, 8, Shape{4}, T{.stride = {2}, .padding = {1}, .output_padding = {0}})},
          {"convt2d_groups", make<ConvTranspose2d>(6, 4, Shape{3}, T{.stride = {2}, .groups = 2, .bias = false, .dilation = {2}})},
          {"convt2d_output_size",
           {[] { return std::make_shared<ConvTranspose2d>(4, 3, Shape{3}, T{.stride = {2}, .padding = {1}}); },
            [](Module& m, const test::GoldenCase& c) {
              return std::vector<Tensor>{
                  dynamic_cast<ConvTranspose2d&>(m).forward(c.in(0), c.args.at("output_size").get<Shape>())};
            }}},
          {"convt3d", make<ConvTranspose3d>(3, 2, Shape{2, 3, 3},
                                            T{.stride = {1, 2, 2}, .padding = {0, 1, 1}, .output_padding = {0, 1, 0}})},
      });
}

TEST(NnConv, ShapesAndDefaultInitFollowPyTorch) {
  manual_seed(test::test_seed(17));
  Conv2d conv(8, 32, {3, 5}, {.groups = 2});
  EXPECT_EQ(conv.weight.shape(), (Shape{32, 4, 3, 5}));
  EXPECT_EQ(conv.bias.shape(), (Shape{32}));
  EXPECT_EQ(conv.kernel_size(), (Shape{3, 5}));
  EXPECT_EQ(conv.stride(), (Shape{1, 1}));
  ConvTranspose2d convt(8, 6, {4}, {.groups = 2});
  EXPECT_EQ(convt.weight.shape(), (Shape{8, 3, 4, 4}));
  // kaiming_uniform_(a = sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias uses the same bound.
  for (const detail::ConvNd* m : {static_cast<const detail::ConvNd*>(&conv), static_cast<const detail::ConvNd*>(&convt)}) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(m->weight.size(1) * m->kernel_size()[0] * m->kernel_size()[1]));
    for (const Tensor& t : {m->weight, m->bias}) {
      const Tensor d = t.to(kFloat64);
      double mx = 0;
      for (int64_t i = 0; i < d.numel(); ++i) mx = std::max(mx, std::fabs(d.data_ptr<double>()[i]));
      EXPECT_LE(mx, bound);
      EXPECT_GT(mx, 0.5 * bound);
    }
  }
}

TEST(NnConv, CloneKeepsHyperParameters) {
  auto conv = std::make_shared<Conv1d>(4, 4, Shape{3}, ConvOptions{.padding_str = "same", .padding_mode = "circular"});
  auto copy = conv->clone();
  EXPECT_EQ(copy->to_string(), conv->to_string());
  EXPECT_EQ(copy->padding_mode(), "circular");
  Generator g(test::test_seed(2));
  const Tensor x = randn({2, 4, 7}, g);
  EXPECT_TRUE(equal(copy->forward(x), conv->forward(x)));
  EXPECT_NE(copy->weight.storage(), conv->weight.storage());
}

TEST(NnConv, ConstructorErrors) {
  EXPECT_OCTET_ERROR(Conv2d(6, 4, {3}, {.groups = 4}), "Conv2d: in_channels must be divisible by groups, got in_channels=6 and groups=4");
  EXPECT_OCTET_ERROR(Conv2d(4, 6, {3}, {.groups = 4}), "Conv2d: out_channels must be divisible by groups, got out_channels=6 and groups=4");
  EXPECT_OCTET_ERROR(Conv1d(4, 4, {3}, {.groups = 0}), "Conv1d: groups must be a positive integer, got 0");
  EXPECT_OCTET_ERROR(Conv2d(3, 3, {3}, {.padding_str = "full"}), "Conv2d: invalid padding string 'full'");
  EXPECT_OCTET_ERROR(Conv2d(3, 3, {3}, {.stride = {2}, .padding_str = "same"}),
                     "Conv2d: padding='same' is not supported for strided convolutions, got stride=(2, 2)");
  EXPECT_OCTET_ERROR(Conv2d(3, 3, {3}, {.padding_mode = "mirror"}), "Conv2d: padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', got 'mirror'");
  EXPECT_OCTET_ERROR(Conv3d(3, 3, {3, 3}), "Conv3d: kernel_size must have 1 or 3 values, got (3, 3)");
  EXPECT_OCTET_ERROR(Conv2d(3, 3, {0}), "Conv2d: kernel_size must be > 0, got (0, 0)");
  EXPECT_OCTET_ERROR(Conv1d(0, 3, {3}), "Conv1d: in_channels and out_channels must be > 0, got 0 and 3");
  EXPECT_OCTET_ERROR(ConvTranspose2d(4, 4, {3}, {.padding_mode = "reflect"}),
                     "ConvTranspose2d: only 'zeros' padding mode is supported for ConvTranspose2d, got 'reflect'");
  EXPECT_OCTET_ERROR(ConvTranspose1d(4, 4, {3}, {.groups = 3}), "ConvTranspose1d: in_channels must be divisible by groups");
}

TEST(NnConv, ForwardErrorsNameTheModule) {
  Generator g(1);
  Conv2d conv(3, 4, {3});
  EXPECT_OCTET_ERROR(conv.forward(randn({3, 8}, g)), "Conv2d: expected a 3-D or 4-D input, got a 2-D input of shape [3, 8]");
  EXPECT_OCTET_ERROR(conv.forward(randn({1, 2, 3, 8, 8}, g)), "Conv2d: expected a 3-D or 4-D input, got a 5-D input");
  EXPECT_OCTET_ERROR(conv.forward(randn({1, 5, 8, 8}, g)),
                     "Conv2d: expected an input with 3 channels (in_channels) at dim 1, got shape [1, 5, 8, 8]");
  EXPECT_OCTET_ERROR(conv.forward(randn({5, 8, 8}, g)), "Conv2d: expected an input with 3 channels (in_channels) at dim 0");
  EXPECT_OCTET_ERROR(conv.forward(zeros({1, 3, 8, 8}, kInt32)), "Conv2d: expected a float32 input, got int32");
  Conv1d conv1(2, 2, {3});
  EXPECT_OCTET_ERROR(conv1.forward(randn({1, 2, 3, 8}, g)), "Conv1d: expected a 2-D or 3-D input");
  ConvTranspose3d convt(2, 2, {3});
  EXPECT_OCTET_ERROR(convt.forward(randn({2, 4, 4}, g)), "ConvTranspose3d: expected a 4-D or 5-D input");
  ConvTranspose2d up(4, 3, {3}, {.stride = {2}, .padding = {1}});
  const Tensor x = randn({1, 4, 5, 6}, g);
  EXPECT_OCTET_ERROR(up.forward(x, {13, 12}), "ConvTranspose2d: requested an output size of (13, 12), but valid sizes range from (9, 11) to (10, 12)");
  EXPECT_OCTET_ERROR(up.forward(x, {10}), "ConvTranspose2d: for a 4-D input, output_size must have 2 or 4 elements, got (10,)");
  EXPECT_EQ(up.forward(x, {1, 3, 9, 11}).shape(), (Shape{1, 3, 9, 11}));
}

}  // namespace
}  // namespace octet::nn
