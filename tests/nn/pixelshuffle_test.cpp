// pixelshuffle_test.cpp: nn::PixelShuffle and PixelUnshuffle against PyTorch goldens, round trip and errors.
#include <gtest/gtest.h>

#include "common/test_util.h"
#include "nn/layer_golden.h"
#include "octet/octet.h"

namespace octet::nn {
namespace {

TEST(NnPixelShuffle, MatchesPyTorchGoldens) {
  test::run_layer_goldens({"PixelShuffle", "PixelUnshuffle"},
                          {
                              {"pixelshuffle", {[] { return std::make_shared<PixelShuffle>(2); }}},
                              {"pixelunshuffle", {[] { return std::make_shared<PixelUnshuffle>(3); }}},
                          });
}

TEST(NnPixelShuffle, UnshuffleInvertsShuffle) {
  Generator g(test::test_seed(21));
  const Tensor x = randn({2, 18, 3, 4}, g);
  PixelShuffle up(3);
  PixelUnshuffle down(3);
  const Tensor y = up.forward(x);
  EXPECT_EQ(y.shape(), (Shape{2, 2, 9, 12}));
  EXPECT_TRUE(equal(down.forward(y), x));
  EXPECT_EQ(up.clone()->upscale_factor(), 3);
}

TEST(NnPixelShuffle, Errors) {
  Generator g(1);
  EXPECT_OCTET_ERROR(PixelShuffle(0), "PixelShuffle: upscale_factor must be > 0, got 0");
  EXPECT_OCTET_ERROR(PixelUnshuffle(-2), "PixelUnshuffle: downscale_factor must be > 0, got -2");
  PixelShuffle up(2);
  EXPECT_OCTET_ERROR(up.forward(randn({6, 3, 3}, g)),
                     "PixelShuffle: the channel dim (6) must be divisible by upscale_factor^2 = 4, got input of shape [6, 3, 3]");
  EXPECT_OCTET_ERROR(up.forward(randn({4, 4}, g)), "PixelShuffle: expected an input of at least 3 dims (*, C, H, W), got shape [4, 4]");
  PixelUnshuffle down(2);
  EXPECT_OCTET_ERROR(down.forward(randn({1, 2, 4, 5}, g)),
                     "PixelUnshuffle: the height and width (4, 5) must be divisible by downscale_factor = 2");
}

}  // namespace
}  // namespace octet::nn
