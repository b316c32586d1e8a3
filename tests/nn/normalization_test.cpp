// normalization_test.cpp: nn::LayerNorm, GroupNorm and InstanceNorm1d/2d/3d against PyTorch
// goldens, default parameters, printing and errors.
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

TEST(NnNormalization, MatchesPyTorchGoldens) {
  using I = InstanceNormOptions;
  test::run_layer_goldens(
      {"LayerNorm", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"},
      {
          {"ln_basic", make<LayerNorm>(Shape{13})},
          {"ln_2d_nobias", make<LayerNorm>(Shape{3, 5}, LayerNormOptions{.eps = 1e-6, .bias = false})},
          {"ln_noaffine", make<LayerNorm>(Shape{6}, LayerNormOptions{.elementwise_affine = false})},
          {"gn_basic", make<GroupNorm>(3, 6)},
          {"gn_noaffine", make<GroupNorm>(2, 4, GroupNormOptions{.affine = false})},
          {"in1d", make<InstanceNorm1d>(3)},
          {"in2d_affine", make<InstanceNorm2d>(4, I{.affine = true})},
          {"in2d_unbatched", make<InstanceNorm2d>(3)},
          {"in3d_track_eval", make<InstanceNorm3d>(2, I{.track_running_stats = true})},
          // Two training calls: the running statistics move with momentum 0.2, as in PyTorch.
          {"in1d_track_train", make<InstanceNorm1d>(3, I{.momentum = 0.2, .track_running_stats = true})},
      });
}

TEST(NnNormalization, DefaultParametersAndPrinting) {
  LayerNorm ln({768});
  EXPECT_TRUE(equal(ln.weight, ones({768})));
  EXPECT_TRUE(equal(ln.bias, zeros({768})));
  EXPECT_EQ(ln.to_string(), "LayerNorm((768,), eps=1e-05, elementwise_affine=True, bias=True)");
  GroupNorm gn(8, 64);
  EXPECT_EQ(gn.state_dict().keys(), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(gn.to_string(), "GroupNorm(8, 64, eps=1e-05, affine=True, bias=True)");
  InstanceNorm2d in(16, {.affine = true});
  EXPECT_EQ(in.state_dict().keys(), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_TRUE(equal(in.weight, ones({16})));
  InstanceNorm3d tracked(4, {.momentum = std::nullopt, .track_running_stats = true});
  EXPECT_EQ(tracked.state_dict().keys(),
            (std::vector<std::string>{"running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_EQ(tracked.to_string(),
            "InstanceNorm3d(4, eps=1e-05, momentum=None, affine=False, bias=False, track_running_stats=True)");
}

TEST(NnNormalization, InstanceNormWithoutAffineIgnoresNumFeatures) {
  // PyTorch only warns here: num_features is unused without per-channel tensors.
  Generator g(test::test_seed(4));
  InstanceNorm1d in(3);
  const Tensor x = randn({2, 5, 6}, g);
  EXPECT_EQ(in.forward(x).shape(), x.shape());
}

TEST(NnNormalization, Errors) {
  Generator g(1);
  EXPECT_OCTET_ERROR(GroupNorm(3, 8), "GroupNorm: num_channels (8) must be divisible by num_groups (3)");
  EXPECT_OCTET_ERROR(GroupNorm(0, 8), "GroupNorm: num_groups and num_channels must be > 0, got 0 and 8");
  EXPECT_OCTET_ERROR(LayerNorm(Shape{}), "LayerNorm: normalized_shape must have at least one dim");
  EXPECT_OCTET_ERROR(LayerNorm({3, 0}), "LayerNorm: normalized_shape must be positive, got (3, 0)");
  LayerNorm ln({4, 5});
  EXPECT_OCTET_ERROR(ln.forward(randn({2, 5, 4}, g)),
                     "LayerNorm: expected an input of shape (*, 4, 5) (normalized_shape=(4, 5)), got shape [2, 5, 4]");
  EXPECT_OCTET_ERROR(ln.forward(zeros({4, 5}, kInt64)), "LayerNorm: expected a float32 input, got int64");
  GroupNorm gn(2, 4);
  EXPECT_OCTET_ERROR(gn.forward(randn({2, 6, 3}, g)),
                     "GroupNorm: expected an input with 4 channels (num_channels) at dim 1, got shape [2, 6, 3]");
  EXPECT_OCTET_ERROR(gn.forward(randn({4}, g)), "GroupNorm: expected an input of at least 2 dims (N, C, *), got shape [4]");
  InstanceNorm2d in(3, {.affine = true});
  EXPECT_OCTET_ERROR(in.forward(randn({2, 3, 4}, g)),
                     "InstanceNorm2d: expected an input with 3 channels (num_features) at dim 0, got shape [2, 3, 4]");
  EXPECT_OCTET_ERROR(in.forward(randn({3, 4}, g)), "InstanceNorm2d: expected a 3-D or 4-D input, got a 2-D input");
  InstanceNorm1d in1(3);
  EXPECT_OCTET_ERROR(in1.forward(randn({2, 3, 4, 4}, g)), "InstanceNorm1d: expected a 2-D or 3-D input, got a 4-D input");
}

}  // namespace
}  // namespace octet::nn
