// norm_module_test.cpp: nn::quantized::BatchNorm2d/3d, LayerNorm, GroupNorm, InstanceNorm1d/2d/3d and intrinsic::quantized::BNReLU2d/3d against the quantized operators, the float path, from_float, the state dict, printing and errors.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/test_util.h"
#include "octet/nn/intrinsic/fused.h"
#include "octet/nn/intrinsic/quantized/bn_relu.h"
#include "octet/nn/quantized/normalization.h"
#include "octet/octet.h"
#include "qnn/qnn_test_util.h"

namespace octet {
namespace {

namespace F = octet::functional;
namespace Q = octet::quantized;
namespace nnq = octet::nn::quantized;
namespace nniq = octet::nn::intrinsic::quantized;
using test::expect_same_quantized;
using test::random_quantized;

// The float path of a norm: quantize(norm(dequantize(x))). The operators take their statistics
// exactly from the integers and round once; the float path rounds its float statistics, so an
// element may differ by one step where the value lies within float rounding of a tie.
void expect_float_path(const Tensor& actual, const Tensor& yf, double scale, int64_t zp, DType dtype,
                       const std::string& what) {
  test::expect_within_one_step(actual.int_repr(), test::requantize_float(yf, scale, zp, dtype).int_repr(), what,
                               "statistics from exact integer sums vs float32 statistics of the dequantized input");
}

template <typename BN>
void fill_bn(BN& bn, int64_t c, Generator& gen) {
  bn.weight.copy_(randn({c}, gen));
  bn.bias.copy_(randn({c}, gen));
  bn.running_mean.copy_(F::mul(randn({c}, gen), 0.5));
  bn.running_var.copy_(F::add(rand({c}, gen), 0.5));
}

TEST(QuantizedNormModules, BatchNormEqualsTheOperatorAndTheFloatPath) {
  Generator gen(test::test_seed(621));
  for (DType dtype : {kQUInt8, kQInt8}) {
    const int64_t zp = dtype == kQInt8 ? -2 : 125, ozp = dtype == kQInt8 ? 3 : 128;
    nnq::BatchNorm2d bn2(5);
    fill_bn(bn2, 5, gen);
    bn2.set_scale(0.06);
    bn2.set_zero_point(ozp);
    const Tensor x2 = random_quantized({2, 5, 4, 3}, 0.04, zp, dtype, gen);
    expect_same_quantized(bn2.forward(x2),
                          Q::batch_norm2d(x2, bn2.weight, bn2.bias, bn2.running_mean, bn2.running_var, 1e-5, 0.06, ozp),
                          "BatchNorm2d");
    expect_float_path(bn2.forward(x2),
                      F::batch_norm(x2.dequantize(), bn2.running_mean, bn2.running_var, bn2.weight, bn2.bias, false,
                                    0.1, 1e-5),
                      0.06, ozp, dtype, "BatchNorm2d float path");
    nnq::BatchNorm3d bn3(3, {.eps = 1e-3});
    fill_bn(bn3, 3, gen);
    bn3.set_scale(0.05);
    bn3.set_zero_point(ozp);
    const Tensor x3 = random_quantized({2, 3, 2, 3, 4}, 0.04, zp, dtype, gen);
    expect_same_quantized(bn3.forward(x3),
                          Q::batch_norm3d(x3, bn3.weight, bn3.bias, bn3.running_mean, bn3.running_var, 1e-3, 0.05, ozp),
                          "BatchNorm3d");
    // BNReLU: the batch norm's integers clamped at the zero point.
    nniq::BNReLU2d r2(5);
    r2.load_state_dict(bn2.state_dict());
    expect_same_quantized(r2.forward(x2), Q::relu(bn2.forward(x2)), "BNReLU2d");
    nniq::BNReLU3d r3(3, {.eps = 1e-3});
    r3.load_state_dict(bn3.state_dict());
    expect_same_quantized(r3.forward(x3), Q::relu(bn3.forward(x3)), "BNReLU3d");
    expect_float_path(r2.forward(x2),
                      F::relu(F::batch_norm(x2.dequantize(), bn2.running_mean, bn2.running_var, bn2.weight, bn2.bias,
                                            false, 0.1, 1e-5)),
                      0.06, ozp, dtype, "BNReLU2d float path");
  }
}

TEST(QuantizedNormModules, LayerGroupInstanceNormEqualTheOperatorsAndTheFloatPath) {
  Generator gen(test::test_seed(622));
  const Tensor w6 = randn({6}, gen), b6 = randn({6}, gen);
  const Tensor x = random_quantized({3, 6, 5}, 0.04, 120, kQUInt8, gen);
  nnq::LayerNorm ln({5}, randn({5}, gen), randn({5}, gen), 0.07, 130);
  expect_same_quantized(ln.forward(x), Q::layer_norm(x, {5}, ln.weight, ln.bias, 1e-5, 0.07, 130), "LayerNorm");
  expect_float_path(ln.forward(x), F::layer_norm(x.dequantize(), {5}, ln.weight, ln.bias, 1e-5), 0.07, 130, kQUInt8,
                    "LayerNorm float path");
  nnq::GroupNorm gn(3, 6, w6, b6, 0.08, 126);
  expect_same_quantized(gn.forward(x), Q::group_norm(x, 3, w6, b6, 1e-5, 0.08, 126), "GroupNorm");
  expect_float_path(gn.forward(x), F::group_norm(x.dequantize(), 3, w6, b6, 1e-5), 0.08, 126, kQUInt8,
                    "GroupNorm float path");
  nnq::InstanceNorm1d in1(6, w6, b6, 0.09, 127, {.affine = true});
  expect_same_quantized(in1.forward(x), Q::instance_norm(x, w6, b6, 1e-5, 0.09, 127), "InstanceNorm1d");
  expect_float_path(in1.forward(x), F::instance_norm(x.dequantize(), {}, {}, w6, b6), 0.09, 127, kQUInt8,
                    "InstanceNorm1d float path");
  // Unbatched: the batched answer's first sample.
  expect_same_quantized(in1.forward(x.select(0, 0)), in1.forward(x).select(0, 0), "InstanceNorm1d unbatched");
  const Tensor x2 = random_quantized({2, 6, 3, 4}, 0.03, 100, kQUInt8, gen);
  nnq::InstanceNorm2d in2(6, w6, b6, 0.09, 127, {.affine = true});
  expect_same_quantized(in2.forward(x2), Q::instance_norm(x2, w6, b6, 1e-5, 0.09, 127), "InstanceNorm2d");
  const Tensor x3 = random_quantized({2, 6, 2, 3, 2}, 0.03, 100, kQUInt8, gen);
  nnq::InstanceNorm3d in3(6, Tensor(), Tensor(), 0.09, 127);
  expect_same_quantized(in3.forward(x3), Q::instance_norm(x3, {}, {}, 1e-5, 0.09, 127), "InstanceNorm3d");
}

TEST(QuantizedNormModules, FromFloatCopiesStateAndTakesTheOutputQParams) {
  Generator gen(test::test_seed(623));
  nn::BatchNorm2d bn(4, {.eps = 1e-3, .momentum = 0.2});
  fill_bn(bn, 4, gen);
  auto obs = test::fixed_observer(0.03125, 60);
  const auto args = test::from_float_args(obs.get());
  const auto q = nnq::BatchNorm2d::from_float(bn, args);
  EXPECT_TRUE(equal(q->running_mean, bn.running_mean));
  EXPECT_TRUE(equal(q->weight, bn.weight));
  EXPECT_EQ(q->eps(), 1e-3);
  EXPECT_EQ(q->scale(), 0.03125);
  EXPECT_EQ(q->zero_point(), 60);
  q->running_mean.fill_(7);  // a copy: the float module is untouched
  EXPECT_FALSE(equal(q->running_mean, bn.running_mean));
  EXPECT_EQ(q->to_string(),
            "QuantizedBatchNorm2d(4, eps=0.001, momentum=0.2, affine=True, bias=True, track_running_stats=True)");
  auto bnp = std::make_shared<nn::BatchNorm2d>(4);
  fill_bn(*bnp, 4, gen);
  nn::intrinsic::BNReLU2d bnr(bnp, std::make_shared<nn::ReLU>());
  const auto qr = nniq::BNReLU2d::from_float(bnr, args);
  EXPECT_EQ(qr->name(), "QuantizedBNReLU2d");
  EXPECT_TRUE(equal(qr->running_var, bnp->running_var));

  nn::LayerNorm ln({3, 4}, {.eps = 1e-6});
  const auto qln = nnq::LayerNorm::from_float(ln, args);
  EXPECT_EQ(qln->to_string(), "QuantizedLayerNorm((3, 4), eps=1e-06, elementwise_affine=True, bias=True)");
  nn::GroupNorm gn(2, 4);
  EXPECT_EQ(nnq::GroupNorm::from_float(gn, args)->to_string(),
            "QuantizedGroupNorm(2, 4, eps=1e-05, affine=True, bias=True)");
  nn::InstanceNorm2d in(4);
  EXPECT_EQ(nnq::InstanceNorm2d::from_float(in, args)->to_string(),
            "QuantizedInstanceNorm2d(4, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)");
  nn::BatchNorm2d untracked(4, {.track_running_stats = false});
  EXPECT_OCTET_ERROR(nnq::BatchNorm2d::from_float(untracked, args),
                     "QuantizedBatchNorm2d.from_float: the float BatchNorm2d tracks no running statistics");
  EXPECT_OCTET_ERROR(nnq::LayerNorm::from_float(ln, {}), "QuantizedLayerNorm.from_float: no output observer");
}

TEST(QuantizedNormModules, StateDictRoundTripAndClone) {
  Generator gen(test::test_seed(624));
  nnq::BatchNorm2d bn(3);
  fill_bn(bn, 3, gen);
  bn.set_scale(0.05);
  bn.set_zero_point(100);
  const nn::StateDict sd = bn.state_dict();
  const std::vector<std::string> keys{"weight", "bias", "running_mean", "running_var", "num_batches_tracked", "scale",
                                      "zero_point"};
  ASSERT_EQ(sd.size(), keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(sd.item(i).first, keys[i]);
  const Tensor x = random_quantized({1, 3, 2, 2}, 0.03, 128, kQUInt8, gen);
  nnq::BatchNorm2d fresh(3);
  test::expect_state_round_trip(bn, fresh, [&](nnq::BatchNorm2d& m) { return m.forward(x); }, "BatchNorm2d");
  nnq::GroupNorm gn(1, 3, randn({3}, gen), randn({3}, gen), 0.1, 3);
  nnq::GroupNorm gfresh(1, 3, zeros({3}), zeros({3}), 1.0, 0);
  test::expect_state_round_trip(gn, gfresh, [&](nnq::GroupNorm& m) { return m.forward(x); }, "GroupNorm");
}

TEST(QuantizedNormModules, Errors) {
  Generator gen(test::test_seed(625));
  nnq::BatchNorm2d bn(3);
  EXPECT_OCTET_ERROR(bn.forward(randn({1, 3, 2, 2}, gen)),
                     "QuantizedBatchNorm2d: expected a quantized input (quint8 or qint8), got float32: a QuantStub");
  EXPECT_OCTET_ERROR(bn.forward(random_quantized({1, 3, 2}, 0.1, 0, kQUInt8, gen)),
                     "QuantizedBatchNorm2d: expected a 4-D input (N, C, H, W), got shape [1, 3, 2]");
  EXPECT_OCTET_ERROR(bn.forward(random_quantized({1, 4, 2, 2}, 0.1, 0, kQUInt8, gen)),
                     "expected 3 channels (num_features) at dim 1, got shape [1, 4, 2, 2]");
  nnq::BatchNorm3d bn3(3);
  EXPECT_OCTET_ERROR(bn3.forward(random_quantized({1, 3, 2, 2}, 0.1, 0, kQUInt8, gen)),
                     "expected a 5-D input (N, C, D, H, W)");
  nnq::GroupNorm gn(2, 4, Tensor(), Tensor(), 0.1, 0);
  EXPECT_OCTET_ERROR(gn.forward(random_quantized({1, 3, 2}, 0.1, 0, kQUInt8, gen)),
                     "expected 4 channels (num_channels) at dim 1");
  nnq::InstanceNorm2d in(4, Tensor(), Tensor(), 0.1, 0);
  EXPECT_OCTET_ERROR(in.forward(random_quantized({4, 2}, 0.1, 0, kQUInt8, gen)),
                     "expected a 4-D (N, C, H, W) or 3-D (C, H, W) input, got shape [4, 2]");
  EXPECT_OCTET_ERROR(nnq::LayerNorm({4}, Tensor(), Tensor(), 0.1, 0).forward(randn({2, 4}, gen)), "a QuantStub");
  EXPECT_OCTET_ERROR(bn.set_scale(-1), "QuantizedBatchNorm2d: scale must be finite and > 0, got -1");
}

}  // namespace
}  // namespace octet
