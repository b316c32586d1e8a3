// pooling_test.cpp: nn::MaxPool, AvgPool, AdaptiveAvgPool and AdaptiveMaxPool (1d/2d/3d) modules
// against PyTorch goldens (indices included), printing and errors.
#include <gtest/gtest.h>

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

// Runs forward_with_indices: out0 values, out1 int64 indices.
template <typename M, typename... Args>
LayerCase make_with_indices(Args... args) {
  return {[=] { return std::make_shared<M>(args...); },
          [](Module& m, const test::GoldenCase& c) {
            auto [values, indices] = dynamic_cast<M&>(m).forward_with_indices(c.in(0));
            // forward() gives the same values.
            EXPECT_TRUE(equal(m.forward(c.in(0)), values));
            return std::vector<Tensor>{values, indices};
          }};
}

TEST(NnPooling, MatchesPyTorchGoldens) {
  using MO = MaxPoolOptions;
  using AO = AvgPoolOptions;
  test::run_layer_goldens(
      {"MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d",
       "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d"},
      {
          {"maxpool1d", make<MaxPool1d>(Shape{3}, MO{.stride = {2}, .padding = {1}})},
          {"maxpool2d", make<MaxPool2d>(Shape{3}, MO{.stride = {2}, .padding = {1}})},
          {"maxpool2d_ceil_dilated",
           make<MaxPool2d>(Shape{2, 3}, MO{.stride = {2, 1}, .dilation = {1, 2}, .ceil_mode = true})},
          {"maxpool3d", make<MaxPool3d>(Shape{2})},
          {"maxpool2d_indices", make_with_indices<MaxPool2d>(Shape{2})},
          {"avgpool1d", make<AvgPool1d>(Shape{3}, AO{.stride = {2}, .padding = {1}, .count_include_pad = false})},
          {"avgpool2d", make<AvgPool2d>(Shape{2})},
          {"avgpool2d_ceil_divisor",
           make<AvgPool2d>(Shape{3}, AO{.stride = {2}, .padding = {1}, .ceil_mode = true, .divisor_override = 4})},
          {"avgpool3d", make<AvgPool3d>(Shape{2, 2, 3}, AO{.stride = {1, 2, 2}})},
          {"adaptiveavg1d", make<AdaptiveAvgPool1d>(Shape{4})},
          {"adaptiveavg2d_global", make<AdaptiveAvgPool2d>(Shape{1, 1})},
          {"adaptiveavg2d", make<AdaptiveAvgPool2d>(Shape{3, 2})},
          {"adaptiveavg3d", make<AdaptiveAvgPool3d>(Shape{2})},
          {"adaptivemax1d", make<AdaptiveMaxPool1d>(Shape{3})},
          {"adaptivemax2d", make<AdaptiveMaxPool2d>(Shape{2, 3})},
          {"adaptivemax2d_indices", make_with_indices<AdaptiveMaxPool2d>(Shape{3})},
      });
}

// The 3-D adaptive max pool (scripts/golden/gen_resize_pool_extra.py, nn_modules_extra.safetensors).
TEST(NnPooling, AdaptiveMaxPool3dMatchesPyTorchGoldens) {
  static const test::GoldenFile extra("nn_modules_extra");
  test::run_layer_goldens({"AdaptiveMaxPool3d"},
                          {
                              {"adaptivemax3d", make<AdaptiveMaxPool3d>(Shape{2, 3, 2})},
                              {"adaptivemax3d_int", make<AdaptiveMaxPool3d>(Shape{3})},
                              {"adaptivemax3d_unbatched", make<AdaptiveMaxPool3d>(Shape{2})},
                              {"adaptivemax3d_indices", make_with_indices<AdaptiveMaxPool3d>(Shape{3, 2, 4})},
                          },
                          extra);
}

TEST(NnPooling, HyperParametersAndUnbatchedInput) {
  MaxPool2d pool({3}, {.stride = {2}, .padding = {1}});
  EXPECT_EQ(pool.kernel_size(), (Shape{3}));
  EXPECT_EQ(pool.stride(), (Shape{2}));
  AvgPool2d avg({2, 3});
  EXPECT_EQ(avg.stride(), (Shape{2, 3}));  // stride defaults to kernel_size
  EXPECT_EQ(avg.to_string(), "AvgPool2d(kernel_size=(2, 3), stride=(2, 3), padding=0)");
  Generator g(test::test_seed(6));
  const Tensor x = randn({3, 8, 7}, g);
  EXPECT_EQ(pool.forward(x).shape(), (Shape{3, 4, 4}));
  EXPECT_TRUE(equal(pool.forward(x), pool.forward(x.unsqueeze(0)).squeeze(0)));
  AdaptiveAvgPool2d gap({1, 1});
  auto copy = gap.clone();
  EXPECT_EQ(copy->output_size(), (Shape{1, 1}));
  EXPECT_EQ(copy->forward(x).shape(), (Shape{3, 1, 1}));
}

TEST(NnPooling, Errors) {
  Generator g(1);
  EXPECT_OCTET_ERROR(MaxPool2d({3, 3, 3}), "MaxPool2d: kernel_size must have 1 or 2 values, got (3, 3, 3)");
  EXPECT_OCTET_ERROR(MaxPool1d({0}), "MaxPool1d: kernel_size must be > 0, got 0");
  EXPECT_OCTET_ERROR(AvgPool2d({2}, {.padding = {-1}}), "AvgPool2d: padding must be >= 0, got -1");
  EXPECT_OCTET_ERROR(AvgPool3d({2}, {.divisor_override = 0}), "AvgPool3d: divisor_override must be > 0, got 0");
  EXPECT_OCTET_ERROR(AdaptiveAvgPool2d({0, 1}), "AdaptiveAvgPool2d: output_size must be > 0, got (0, 1)");
  MaxPool2d pool({2});
  EXPECT_OCTET_ERROR(pool.forward(randn({4, 4}, g)), "MaxPool2d: expected a 3-D or 4-D input, got a 2-D input of shape [4, 4]");
  AvgPool1d avg({2});
  EXPECT_OCTET_ERROR(avg.forward(randn({1, 2, 4, 4}, g)), "AvgPool1d: expected a 2-D or 3-D input, got a 4-D input");
  AdaptiveMaxPool1d amp({2});
  EXPECT_OCTET_ERROR(amp.forward_with_indices(zeros({2, 4}, kInt64)), "AdaptiveMaxPool1d: expected a float32 input, got int64");
  AdaptiveAvgPool3d aap({2});
  EXPECT_OCTET_ERROR(aap.forward(randn({2, 3, 4}, g)), "AdaptiveAvgPool3d: expected a 4-D or 5-D input, got a 3-D input");
  EXPECT_OCTET_ERROR(AdaptiveMaxPool3d({2, 2}), "AdaptiveMaxPool3d: output_size must have 1 or 3 values, got (2, 2)");
  EXPECT_OCTET_ERROR(AdaptiveMaxPool3d({2, 0, 2}), "AdaptiveMaxPool3d: output_size must be > 0, got (2, 0, 2)");
  AdaptiveMaxPool3d amp3({2});
  EXPECT_OCTET_ERROR(amp3.forward(randn({2, 3, 4}, g)), "AdaptiveMaxPool3d: expected a 4-D or 5-D input, got a 3-D input");
  EXPECT_OCTET_ERROR(amp3.forward_with_indices(zeros({1, 2, 3, 4, 4}, kFloat64)),
                     "AdaptiveMaxPool3d: expected a float32 input, got float64");
}

}  // namespace
}  // namespace octet::nn
