// upsampling_test.cpp: nn::Upsample against PyTorch goldens (every mode, "area" included, size and scale_factor),
// printing and errors.
#include <gtest/gtest.h>

#include "common/test_util.h"
#include "nn/layer_golden.h"
#include "octet/octet.h"

namespace octet::nn {
namespace {

using test::LayerCase;

LayerCase make(UpsampleOptions o) {
  return {[=] { return std::make_shared<Upsample>(o); }};
}

TEST(NnUpsample, MatchesPyTorchGoldens) {
  test::run_layer_goldens({"Upsample"},
                          {
                              {"up_nearest", make({.scale_factor = {2}})},
                              {"up_bilinear_size", make({.size = {7, 9}, .mode = "bilinear", .align_corners = true})},
                              {"up_bicubic", make({.scale_factor = {2, 1.5}, .mode = "bicubic"})},
                              {"up_linear", make({.scale_factor = {3}, .mode = "linear"})},
                              {"up_trilinear", make({.size = {3, 4, 5}, .mode = "trilinear"})},
                              {"up_nearest_exact", make({.size = {7}, .mode = "nearest-exact"})},
                          });
}

// mode "area" (scripts/golden/gen_resize_pool_extra.py, nn_modules_extra.safetensors).
TEST(NnUpsample, AreaMatchesPyTorchGoldens) {
  static const test::GoldenFile extra("nn_modules_extra");
  test::run_layer_goldens({"Upsample"},
                          {
                              {"up_area_size", make({.size = {4, 5}, .mode = "area"})},
                              {"up_area_scale", make({.scale_factor = {0.5}, .mode = "area"})},
                              {"up_area_1d", make({.size = {6}, .mode = "area"})},
                          },
                          extra);
}

TEST(NnUpsample, InsideSequentialAndClone) {
  auto net = std::make_shared<Sequential>(std::make_shared<Upsample>(UpsampleOptions{.scale_factor = {2}}),
                                          std::make_shared<Upsample>(UpsampleOptions{.size = {3, 3}}));
  Generator g(test::test_seed(12));
  const Tensor x = randn({1, 2, 4, 5}, g);
  EXPECT_EQ(net->forward(x).shape(), (Shape{1, 2, 3, 3}));
  auto copy = net->clone();
  EXPECT_EQ(copy->to_string(), net->to_string());
  EXPECT_EQ(copy->at<Upsample>(0)->options().scale_factor, (std::vector<double>{2.0}));
}

TEST(NnUpsample, Errors) {
  EXPECT_OCTET_ERROR(Upsample(UpsampleOptions{}), "Upsample: either size or scale_factor must be given");
  EXPECT_OCTET_ERROR(Upsample({.size = {4}, .scale_factor = {2}}),
                     "Upsample: only one of size or scale_factor may be given, got size=4 and scale_factor=2.0");
  EXPECT_OCTET_ERROR(Upsample({.size = {4}, .mode = "box"}), "Upsample: unknown mode 'box'");
  EXPECT_OCTET_ERROR(Upsample({.size = {4}, .align_corners = true}),
                     "Upsample: align_corners can only be set with the interpolating modes");
  EXPECT_OCTET_ERROR(Upsample({.size = {4}, .mode = "area", .align_corners = false}),
                     "Upsample: align_corners can only be set with the interpolating modes linear, bilinear, bicubic and "
                     "trilinear, not with mode 'area'");
  Upsample up({.scale_factor = {2}});
  Generator g(1);
  EXPECT_OCTET_ERROR(up.forward(randn({4, 4}, g)), "Upsample: expected a 3-D, 4-D or 5-D input, got a 2-D input of shape [4, 4]");
  EXPECT_OCTET_ERROR(up.forward(zeros({1, 1, 4}, kInt64)), "Upsample: expected a float32 input, got int64");
}

}  // namespace
}  // namespace octet::nn
