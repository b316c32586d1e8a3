// conv_packed_test.cpp: ConvPackedParams (accessors, unpack) and the channels-last memory format of the quantized convolutions.
#include <gtest/gtest.h>

#include "common/test_util.h"
#include "ops/quantized/conv_test_util.h"

namespace octet {
namespace {

namespace Q = octet::quantized;
using test::qconv::ConvData;
using test::qconv::ConvProblem;

TEST(QConvPacked, UnpackReturnsTheOriginalWeightAndBias) {
  Generator g(test::test_seed(11));
  const Tensor w = quantize_per_channel(randn({6, 2, 3, 5}, g), {0.01, 0.02, 0.03, 0.04, 0.05, 0.06},
                                        {0, 1, -1, 5, 0, 127}, 0, kQInt8);
  const Tensor b = randn({6}, g);
  const auto p = Q::conv2d_prepack(w, b, {2, 1}, {1}, {1, 2}, 2);
  const auto [w2, b2] = p->unpack();
  EXPECT_TRUE(equal(w2, w));  // integers and quantizer
  EXPECT_TRUE(equal(b2, b));
  EXPECT_EQ(p->spatial_dims(), 2);
  EXPECT_FALSE(p->transposed());
  EXPECT_EQ(p->stride(), (Shape{2, 1}));
  EXPECT_EQ(p->padding(), (Shape{1, 1}));
  EXPECT_EQ(p->dilation(), (Shape{1, 2}));
  EXPECT_EQ(p->output_padding(), (Shape{0, 0}));
  EXPECT_EQ(p->groups(), 2);
  EXPECT_EQ(p->in_channels(), 4);
  EXPECT_EQ(p->out_channels(), 6);
  EXPECT_EQ(p->kernel_size(), (Shape{3, 5}));
  EXPECT_TRUE(p->weight_quantizer()->equals(*w.quantizer()));

  // Transposed, per-tensor, no bias; a non-contiguous weight view unpacks to the same values.
  const Tensor wt = quantize_per_tensor(randn({4, 3, 2, 2, 3}, g), 0.02, -3, kQInt8).transpose(3, 4);
  const auto t = Q::conv_transpose3d_prepack(wt, {}, {2}, {0}, {1}, {1}, 1);
  const auto [wt2, bt2] = t->unpack();
  EXPECT_TRUE(equal(wt2, wt.contiguous()));
  EXPECT_FALSE(bt2.defined());
  EXPECT_TRUE(t->transposed());
  EXPECT_EQ(t->out_channels(), 3);
  EXPECT_EQ(t->output_padding(), (Shape{1, 1, 1}));
}

TEST(QConvPacked, OutputIsAChannelsLastView) {
  Generator g(test::test_seed(12));
  ConvProblem pr;
  pr.in_channels = 5;
  pr.out_channels = 7;
  pr.in = {6, 8};
  pr.padding = {1, 1};
  pr.batch = 2;
  const ConvData d = test::qconv::make_conv(pr, g);
  const Tensor y = test::qconv::run_conv(pr, d, d.x);
  EXPECT_EQ(y.shape(), (Shape{2, 7, 6, 8}));
  // NHWC memory: channels innermost, then width, height, batch.
  EXPECT_EQ(y.strides(), (Shape{6 * 8 * 7, 1, 8 * 7, 7}));
  EXPECT_TRUE(y.contiguous().is_contiguous());
  test::qconv::expect_exact(y, pr, d);
}

// An input whose memory is channels-last (a permute of an NHWC tensor, like the output of a
// previous conv) is read in place and gives the same integers as the NCHW-contiguous input, for
// every path (im2col, 1x1, depthwise, transposed).
TEST(QConvPacked, ChannelsLastAndStridedInputsGiveTheSameResult) {
  Generator g(test::test_seed(13));
  for (int variant = 0; variant < 4; ++variant) {
    ConvProblem pr;
    pr.in_channels = 6;
    pr.out_channels = 6;
    pr.in = {7, 9};
    pr.a_zp = 100;
    pr.batch = 2;
    if (variant == 1) pr.kernel = {1, 1};
    if (variant == 2) pr.groups = 6;
    if (variant == 3) {
      pr.transposed = true;
      pr.stride = {2, 2};
    }
    const ConvData d = test::qconv::make_conv(pr, g);
    const Tensor nhwc = d.x.permute({0, 2, 3, 1}).contiguous();
    const Tensor channels_last = nhwc.permute({0, 3, 1, 2});
    ASSERT_EQ(channels_last.shape(), d.x.shape());
    test::qconv::expect_exact(test::qconv::run_conv(pr, d, channels_last), pr, d);
    // A strided (sliced) input is copied: compare with its own contiguous copy.
    const Tensor wide = quantize_per_tensor(randn({2, 6, 7, 20}, g), d.x.q_scale(), pr.a_zp, kQUInt8);
    const Tensor sliced = wide.slice(3, 1, 19, 2);
    ASSERT_EQ(sliced.shape(), d.x.shape());
    EXPECT_TRUE(equal(test::qconv::run_conv(pr, d, sliced), test::qconv::run_conv(pr, d, sliced.contiguous())))
        << "variant " << variant;
  }
}

// Chains: conv -> conv reads the first output in place.
TEST(QConvPacked, ChainedConvolutions) {
  Generator g(test::test_seed(14));
  const Tensor x = quantize_per_tensor(rand({1, 8, 10, 10}, g), 1.0 / 255, 0, kQUInt8);
  const auto p1 = Q::conv2d_prepack(quantize_per_tensor(randn({8, 8, 3, 3}, g), 0.05, 0, kQInt8), randn({8}, g),
                                    {1, 1}, {1, 1});
  const auto p2 = Q::conv2d_prepack(quantize_per_tensor(randn({8, 1, 3, 3}, g), 0.05, 0, kQInt8), {}, {1, 1},
                                    {1, 1}, {1, 1}, 8);
  const Tensor y1 = Q::conv2d_relu(x, p1, 0.1, 0);
  const Tensor y2 = Q::conv2d(y1, p2, 0.2, 128);
  EXPECT_TRUE(equal(y2, Q::conv2d(y1.contiguous(), p2, 0.2, 128)));
  EXPECT_EQ(y2.stride(1), 1);
}

TEST(QConvPacked, EmptyBatch) {
  const auto p = Q::conv2d_prepack(quantize_per_tensor(full({4, 3, 3, 3}, 0.1), 0.01, 0, kQInt8));
  const Tensor x = quantize_per_tensor(full({0, 3, 5, 5}, 0.5), 0.02, 0, kQUInt8);
  const Tensor y = Q::conv2d(x, p, 0.1, 3);
  EXPECT_EQ(y.shape(), (Shape{0, 4, 3, 3}));
  EXPECT_EQ(y.q_zero_point(), 3);
}

}  // namespace
}  // namespace octet
