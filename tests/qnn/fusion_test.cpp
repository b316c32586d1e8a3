// fusion_test.cpp: BatchNorm folding (nn::utils::fuse_*_bn_*) keeps float outputs within 1e-5 and equals PyTorch's formulas, and the fused float containers of nn::intrinsic run their children.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/nn/intrinsic/fused.h"
#include "octet/nn/intrinsic/fusion.h"
#include "octet/octet.h"

namespace octet {
namespace {

namespace F = octet::functional;
namespace nni = octet::nn::intrinsic;

template <typename BN>
void randomize_bn(BN& bn, Generator& gen) {
  const int64_t c = bn.num_features();
  bn.weight.copy_(randn({c}, gen));
  bn.bias.copy_(randn({c}, gen));
  bn.running_mean.copy_(randn({c}, gen));
  bn.running_var.copy_(F::add(rand({c}, gen), 0.1));
}

TEST(BatchNormFolding, ConvBnEvalKeepsTheFloatOutput) {
  Generator gen(test::test_seed(651));
  for (bool bias : {true, false}) {
    for (int64_t groups : {1, 2}) {
      nn::ConvOptions o;
      o.padding = {1};
      o.groups = groups;
      o.bias = bias;
      nn::Conv2d conv(4, 6, {3}, o);
      conv.reset_parameters(&gen);
      nn::BatchNorm2d bn(6);
      randomize_bn(bn, gen);
      conv.eval();
      bn.eval();
      const auto fused = nn::utils::fuse_conv_bn_eval(conv, bn);
      EXPECT_TRUE(fused->bias.defined());
      const Tensor x = randn({2, 4, 7, 7}, gen);
      test::expect_close(fused->forward(x), bn.forward(conv.forward(x)), "conv+bn", 1e-5);
      // The inputs are not modified.
      EXPECT_EQ(conv.bias.defined(), bias);
    }
  }
  // 1d and 3d, and transposed (groups 1 and 2: folded per output channel along axis 1).
  nn::Conv1d c1(3, 5, {3});
  c1.reset_parameters(&gen);
  nn::BatchNorm1d b1(5);
  randomize_bn(b1, gen);
  c1.eval();
  b1.eval();
  const Tensor x1 = randn({2, 3, 9}, gen);
  test::expect_close(nn::utils::fuse_conv_bn_eval(c1, b1)->forward(x1), b1.forward(c1.forward(x1)), "conv1d+bn", 1e-5);
  nn::Conv3d c3(2, 3, {2});
  c3.reset_parameters(&gen);
  nn::BatchNorm3d b3(3);
  randomize_bn(b3, gen);
  c3.eval();
  b3.eval();
  const Tensor x3 = randn({1, 2, 4, 4, 4}, gen);
  test::expect_close(nn::utils::fuse_conv_bn_eval(c3, b3)->forward(x3), b3.forward(c3.forward(x3)), "conv3d+bn", 1e-5);
  for (int64_t groups : {1, 2}) {
    nn::ConvTranspose2d ct(4, 6, {3}, {.stride = {2}, .groups = groups});
    ct.reset_parameters(&gen);
    nn::BatchNorm2d bt(6);
    randomize_bn(bt, gen);
    ct.eval();
    bt.eval();
    const Tensor xt = randn({1, 4, 5, 5}, gen);
    test::expect_close(nn::utils::fuse_conv_bn_eval(ct, bt)->forward(xt), bt.forward(ct.forward(xt)),
                       "conv_transpose2d+bn groups " + std::to_string(groups), 1e-5);
  }
}

TEST(BatchNormFolding, LinearBnEvalKeepsTheFloatOutput) {
  Generator gen(test::test_seed(652));
  for (bool bias : {true, false}) {
    nn::Linear lin(10, 7, {.bias = bias});
    lin.reset_parameters(&gen);
    nn::BatchNorm1d bn(7);
    randomize_bn(bn, gen);
    lin.eval();
    bn.eval();
    const Tensor x = randn({5, 10}, gen);
    test::expect_close(nn::utils::fuse_linear_bn_eval(lin, bn)->forward(x), bn.forward(lin.forward(x)), "linear+bn",
                       1e-5);
  }
}

// The folded tensors equal PyTorch's fuse_modules output bit for bit (the golden from_float case
// stores the conv, the BatchNorm and PyTorch's folded weight and bias).
TEST(BatchNormFolding, EqualsPyTorchBitForBit) {
  test::GoldenFile golden("qnn_static");
  const auto cases = golden.cases_of("from_float_conv_bn_relu");
  ASSERT_EQ(cases.size(), 1u);
  const test::GoldenCase& c = cases[0];
  auto [w, b] = nn::utils::fuse_conv_bn_weights(c.get("weight_f"), c.get("bias_f"), c.get("mean"), c.get("var"),
                                                c.args.at("eps").get<double>(), c.get("bn_weight"), c.get("bn_bias"));
  EXPECT_TRUE(equal(w, c.get("fused_w")));
  EXPECT_TRUE(equal(b, c.get("fused_b")));
}

TEST(BatchNormFolding, Errors) {
  nn::Conv2d conv(3, 4, {3});
  nn::BatchNorm2d bn(4);
  EXPECT_OCTET_ERROR(nn::utils::fuse_conv_bn_eval(conv, bn), "fuse_conv_bn_eval: Fusion only for eval!");
  conv.eval();
  bn.eval();
  nn::BatchNorm2d bn5(5);
  bn5.eval();
  EXPECT_OCTET_ERROR(nn::utils::fuse_conv_bn_eval(conv, bn5),
                     "the BatchNorm2d has 5 features but the Conv2d has 4 output channels");
  nn::BatchNorm2d untracked(4, {.track_running_stats = false});
  untracked.eval();
  EXPECT_OCTET_ERROR(nn::utils::fuse_conv_bn_eval(conv, untracked), "has no running statistics");
  nn::Linear lin(3, 4);
  EXPECT_OCTET_ERROR(nn::utils::fuse_linear_bn_eval(lin, bn), "fuse_linear_bn_eval: Fusion only for eval!");
  EXPECT_OCTET_ERROR(nn::utils::fuse_conv_bn_weights(zeros({4, 3}), {}, zeros({4}), full({4}, -1.0), 1e-5, {}, {}),
                     "running_var + eps must be > 0");
  EXPECT_OCTET_ERROR(nn::utils::fuse_conv_bn_weights(zeros({5, 3, 1}), {}, zeros({4}), ones({4}), 1e-5, {}, {}),
                     "the weight has 5 output channels, the BatchNorm 4");
  EXPECT_OCTET_ERROR(nn::utils::fuse_linear_bn_weights(zeros({4, 3}), zeros({5}), zeros({4}), ones({4}), 1e-5, {}, {}),
                     "the linear bias has 5 elements, expected 4");
}

TEST(FusedFloatModules, RunTheirChildrenInOrder) {
  Generator gen(test::test_seed(653));
  auto conv = std::make_shared<nn::Conv2d>(3, 4, Shape{3}, nn::ConvOptions{.padding = {1}});
  conv->reset_parameters(&gen);
  auto bn = std::make_shared<nn::BatchNorm2d>(4);
  randomize_bn(*bn, gen);
  auto relu = std::make_shared<nn::ReLU>();
  const Tensor x = randn({1, 3, 5, 5}, gen);
  nni::ConvBnReLU2d cbr(conv, bn, relu);
  cbr.eval();
  EXPECT_TRUE(equal(cbr.forward(x), relu->forward(bn->forward(conv->forward(x)))));
  EXPECT_EQ(cbr.conv(), conv);
  EXPECT_EQ(cbr.bn(), bn);
  EXPECT_EQ(cbr.relu(), relu);
  EXPECT_EQ(cbr.to_string(),
            "ConvBnReLU2d(\n  (0): Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n  (1): BatchNorm2d(4, "
            "eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)\n  (2): ReLU()\n)");
  EXPECT_NE(dynamic_cast<const nni::FusedModule*>(&cbr), nullptr);
  const nn::StateDict sd = cbr.state_dict();
  EXPECT_TRUE(sd.contains("0.weight") && sd.contains("1.running_mean"));
  auto copy = cbr.clone();
  EXPECT_NE(copy->conv(), conv);
  EXPECT_TRUE(equal(copy->forward(x), cbr.forward(x)));

  nni::LinearReLU lr(std::make_shared<nn::Linear>(5, 3), relu);
  const Tensor v = randn({2, 5}, gen);
  EXPECT_TRUE(equal(lr.forward(v), F::relu(lr.linear()->forward(v))));
  nni::ConvReLU1d cr1(std::make_shared<nn::Conv1d>(2, 2, Shape{1}), relu);
  const Tensor x1 = randn({1, 2, 4}, gen);
  EXPECT_TRUE(equal(cr1.forward(x1), F::relu(cr1.conv()->forward(x1))));
  nni::BNReLU2d br(bn, relu);
  br.eval();
  const Tensor xb = randn({1, 4, 2, 2}, gen);
  EXPECT_TRUE(equal(br.forward(xb), F::relu(bn->forward(xb))));

  nni::ConvAdd2d ca(conv);
  const Tensor extra = randn({1, 4, 5, 5}, gen);
  EXPECT_TRUE(equal(ca.forward(x, extra), F::add(conv->forward(x), extra)));
  EXPECT_EQ(ca.to_string(), "ConvAdd2d(\n  (0): Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n)");
  nni::ConvAddReLU2d car(conv, {}, relu);
  EXPECT_TRUE(equal(car.forward(x, extra), F::relu(F::add(conv->forward(x), extra))));
  EXPECT_TRUE(car.state_dict().contains("0.weight"));
  EXPECT_EQ(car.relu(), relu);
  EXPECT_OCTET_ERROR(ca.forward(x), "ConvAdd2d: forward takes two inputs");
  EXPECT_OCTET_ERROR(car.forward(x), "ConvAddReLU2d: forward takes two inputs");
  EXPECT_OCTET_ERROR(nni::ConvReLU2d(nullptr, relu), "ConvReLU2d: module 0 is null");
  EXPECT_OCTET_ERROR(nni::ConvAddReLU2d(conv, {}, nullptr), "ConvAddReLU2d: the ReLU is null");
}

}  // namespace
}  // namespace octet
