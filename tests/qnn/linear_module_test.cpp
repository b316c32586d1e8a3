// linear_module_test.cpp: nn::quantized::Linear and intrinsic::quantized::LinearReLU against the quantized operator, the float path, from_float, the state dict, printing and every error.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/test_util.h"
#include "octet/nn/intrinsic/fused.h"
#include "octet/nn/intrinsic/fusion.h"
#include "octet/nn/intrinsic/quantized/linear_relu.h"
#include "octet/nn/quantized/linear.h"
#include "octet/octet.h"
#include "octet/quantization/min_max_observer.h"
#include "octet/quantization/per_channel_observer.h"
#include "qnn/qnn_test_util.h"

namespace octet {
namespace {

namespace F = octet::functional;
namespace Q = octet::quantized;
namespace nnq = octet::nn::quantized;
namespace nniq = octet::nn::intrinsic::quantized;
using test::expect_same_quantized;
using test::random_quantized;

Tensor random_weight(int64_t out, int64_t in, bool per_channel, Generator& gen) {
  const Tensor w = randn({out, in}, gen);
  if (!per_channel) return quantize_per_tensor(w, 0.02, 0, kQInt8);
  std::vector<double> scales;
  std::vector<int64_t> zps;
  for (int64_t j = 0; j < out; ++j) {
    scales.push_back(static_cast<float>(0.01 + 0.002 * static_cast<double>(j)));
    zps.push_back(j % 3 - 1);
  }
  return quantize_per_channel(w, scales, zps, 0, kQInt8);
}

TEST(QuantizedLinearModule, EqualsTheOperatorExactly) {
  Generator gen(test::test_seed(601));
  for (bool per_channel : {false, true}) {
    for (bool bias : {false, true}) {
      for (DType dtype : {kQUInt8, kQInt8}) {
        for (const Shape& xshape : {Shape{37}, Shape{5, 37}, Shape{2, 3, 37}}) {
          nnq::Linear m(37, 11, {.bias = bias});
          const Tensor w = random_weight(11, 37, per_channel, gen);
          const Tensor b = bias ? randn({11}, gen) : Tensor();
          m.set_weight_bias(w, b);
          m.set_scale(0.173);
          m.set_zero_point(dtype == kQInt8 ? -3 : 121);
          const Tensor x = random_quantized(xshape, 0.037, dtype == kQInt8 ? 4 : 131, dtype, gen);
          const Tensor expected = Q::linear(x, Q::linear_prepack(w, b), 0.173, m.zero_point());
          expect_same_quantized(m.forward(x), expected, "linear");
          nniq::LinearReLU r(37, 11, {.bias = bias});
          r.set_weight_bias(w, b);
          r.set_scale(0.173);
          r.set_zero_point(m.zero_point());
          expect_same_quantized(r.forward(x), Q::linear_relu(x, Q::linear_prepack(w, b), 0.173, m.zero_point()),
                                "linear_relu");
        }
      }
    }
  }
}

// With power-of-two scales every dequantized value, product and partial sum of the float path is
// exact in float32, and so is the int32 bias: the float path and the integer contract must agree
// on every element.
TEST(QuantizedLinearModule, FloatPathIsExactWithPowerOfTwoScales) {
  Generator gen(test::test_seed(602));
  const int64_t in = 64, out = 24;
  std::vector<double> scales;
  for (int64_t j = 0; j < out; ++j) scales.push_back(std::ldexp(1.0, -6 - static_cast<int>(j % 3)));
  const Tensor w = quantize_per_channel(randn({out, in}, gen), scales, std::vector<int64_t>(out, 0), 0, kQInt8);
  // bias = k * sa * sw[j]: exactly an int32 bias.
  std::vector<float> bias_values;
  for (int64_t j = 0; j < out; ++j) {
    bias_values.push_back(static_cast<float>(gen.randint(-3000, 3000)) * std::ldexp(1.0f, -5) *
                          static_cast<float>(scales[static_cast<std::size_t>(j)]));
  }
  const Tensor b = from_vector(bias_values);
  for (bool relu : {false, true}) {
    nnq::Linear plain(in, out);
    nniq::LinearReLU fused(in, out);
    nnq::Linear& m = relu ? static_cast<nnq::Linear&>(fused) : plain;
    m.set_weight_bias(w, b);
    m.set_scale(std::ldexp(1.0, -3));
    m.set_zero_point(100);
    const Tensor x = random_quantized({9, in}, std::ldexp(1.0, -5), 128, kQUInt8, gen);
    Tensor yf = F::linear(x.dequantize(), w.dequantize(), b);
    if (relu) yf = F::relu(yf);
    const Tensor expected = test::requantize_float(yf, m.scale(), m.zero_point(), kQUInt8);
    expect_same_quantized(m.forward(x), expected, relu ? "linear_relu vs float path" : "linear vs float path");
  }
}

// With arbitrary float32 scales the contract (int32 bias, one float32 requantization multiply)
// and the float path (float bias, float32 sums) round differently near ties: one step at most.
TEST(QuantizedLinearModule, FloatPathWithinOneStep) {
  Generator gen(test::test_seed(603));
  nnq::Linear m(50, 31);
  const Tensor w = random_weight(31, 50, true, gen);
  const Tensor b = randn({31}, gen);
  m.set_weight_bias(w, b);
  m.set_scale(0.0731);
  m.set_zero_point(117);
  const Tensor x = random_quantized({64, 50}, 0.0219, 125, kQUInt8, gen);
  const Tensor expected =
      test::requantize_float(F::linear(x.dequantize(), w.dequantize(), b), 0.0731, 117, kQUInt8);
  const test::IntDiff d = test::expect_within_one_step(
      m.forward(x).int_repr(), expected.int_repr(), "Linear vs quantize(F::linear(dequantize))",
      "the module quantizes the bias to int32 (scale sa*sw) and requantizes with one float32 multiply; the float path "
      "keeps the bias in float and rounds its float32 sums");
  EXPECT_LT(d.mismatches, d.total / 50) << "more than 2% of the outputs off by one step";
}

TEST(QuantizedLinearModule, FromFloatUsesThePerChannelDefaultAndTheOutputObserver) {
  Generator gen(test::test_seed(604));
  nn::Linear lin(20, 6);
  lin.reset_parameters(&gen);
  auto out_obs = test::fixed_observer(0.0625, 77);  // a float32 value, as observer scales are
  const auto q = nnq::Linear::from_float(lin, test::from_float_args(out_obs.get()));
  quantization::PerChannelMinMaxObserver wobs({.dtype = kQInt8, .qscheme = kPerChannelSymmetric});
  wobs.observe(lin.weight);
  const QuantizerPtr wq = wobs.quantizer();
  const Tensor expected_w = quantize_per_channel(lin.weight, wq->scales(), wq->zero_points(), 0, kQInt8);
  expect_same_quantized(q->weight(), expected_w, "from_float weight");
  EXPECT_TRUE(equal(q->bias(), lin.bias));
  EXPECT_EQ(q->scale(), 0.0625);
  EXPECT_EQ(q->zero_point(), 77);
  // The float module is untouched, and the bias is a copy.
  q->bias().fill_(0);
  EXPECT_FALSE(equal(q->bias(), zeros({6})));
  // A per-tensor weight observer from the factory.
  const auto pt = nnq::Linear::from_float(
      lin, test::from_float_args(out_obs.get(), quantization::default_weight_observer()));
  EXPECT_EQ(pt->weight().qscheme(), kPerTensorAffine);
  EXPECT_EQ(pt->to_string(),
            "QuantizedLinear(in_features=20, out_features=6, scale=0.0625, zero_point=77, qscheme=torch.per_tensor_affine)");
  EXPECT_EQ(q->to_string(),
            "QuantizedLinear(in_features=20, out_features=6, scale=0.0625, zero_point=77, qscheme=torch.per_channel_affine)");
}

TEST(QuantizedLinearModule, FromFloatClampsToANarrowWeightRange) {
  // PyTorch's _quantize_weight quantizes to the dtype's full range, then clamps the integers to the
  // observer's quant_min..quant_max: a weight observer with fixed qparams and range -50..50 sees
  // weights up to 1.0 (100 steps of 0.01), which must end at 50.
  nn::Linear lin(4, 2);
  lin.set_parameter("weight", from_vector(std::vector<float>{-1.0f, 0.5f, 0.25f, 1.0f, 0.1f, -0.2f, 0.3f, -0.4f}, {2, 4}));
  auto out_obs = test::fixed_observer(0.1, 128);
  const auto q = nnq::Linear::from_float(
      lin, test::from_float_args(out_obs.get(), quantization::with_args<quantization::FixedQParamsObserver>(
                0.01, int64_t{0}, kQInt8, kPerTensorSymmetric, int64_t{-50}, int64_t{50})));
  EXPECT_TRUE(equal(q->weight().int_repr(),
                    from_vector(std::vector<int8_t>{-50, 50, 25, 50, 10, -20, 30, -40}, {2, 4})));
}

TEST(QuantizedLinearModule, FromFloatFoldsLinearBn1d) {
  Generator gen(test::test_seed(605));
  auto lin = std::make_shared<nn::Linear>(8, 5);
  lin->reset_parameters(&gen);
  auto bn = std::make_shared<nn::BatchNorm1d>(5);
  bn->running_mean.copy_(randn({5}, gen));
  bn->running_var.copy_(F::add(rand({5}, gen), 0.5));
  bn->weight.copy_(randn({5}, gen));
  auto pair = std::make_shared<nn::intrinsic::LinearBn1d>(lin, bn);
  pair->eval();
  auto out_obs = test::fixed_observer(0.2, 100);
  const nnq::FromFloatArgs args = test::from_float_args(out_obs.get());
  const auto q = nnq::Linear::from_float(*pair, args);
  const auto expected = nnq::Linear::from_float(*nn::utils::fuse_linear_bn_eval(*lin, *bn), args);
  expect_same_quantized(q->weight(), expected->weight(), "folded weight");
  EXPECT_TRUE(equal(q->bias(), expected->bias()));
}

TEST(QuantizedLinearModule, LinearReLUFromFloat) {
  Generator gen(test::test_seed(606));
  auto lin = std::make_shared<nn::Linear>(10, 4);
  lin->reset_parameters(&gen);
  nn::intrinsic::LinearReLU fused(lin, std::make_shared<nn::ReLU>());
  auto out_obs = test::fixed_observer(0.02, 0);
  const auto q = nniq::LinearReLU::from_float(fused, test::from_float_args(out_obs.get()));
  EXPECT_EQ(q->name(), "QuantizedLinearReLU");
  const auto plain = nnq::Linear::from_float(*lin, test::from_float_args(out_obs.get()));
  const Tensor x = random_quantized({3, 10}, 0.05, 128, kQUInt8, gen);
  expect_same_quantized(q->forward(x), Q::relu(plain->forward(x)), "LinearReLU == relu(Linear)");
}

TEST(QuantizedLinearModule, StateDictRoundTripAndClone) {
  Generator gen(test::test_seed(607));
  nnq::Linear m(12, 7);
  m.set_weight_bias(random_weight(7, 12, true, gen), randn({7}, gen));
  m.set_scale(0.09);
  m.set_zero_point(64);
  const nn::StateDict sd = m.state_dict();
  ASSERT_EQ(sd.size(), 4u);
  EXPECT_EQ(sd.item(0).first, "weight");
  EXPECT_EQ(sd.item(1).first, "bias");
  EXPECT_EQ(sd.item(2).first, "scale");
  EXPECT_EQ(sd.item(3).first, "zero_point");
  EXPECT_EQ(sd.at("weight").dtype(), kQInt8);
  EXPECT_EQ(sd.at("weight").qscheme(), kPerChannelAffine);
  EXPECT_EQ(sd.at("scale").dtype(), kFloat64);
  EXPECT_EQ(sd.at("zero_point").dtype(), kInt64);
  const Tensor x = random_quantized({4, 12}, 0.03, 120, kQUInt8, gen);
  nnq::Linear fresh(12, 7);
  test::expect_state_round_trip(m, fresh, [&](nnq::Linear& mod) { return mod.forward(x); }, "Linear");
  // The clone is independent: changing the original's qparams leaves it alone.
  auto copy = m.clone();
  m.set_scale(0.5);
  EXPECT_EQ(copy->scale(), 0.09);
  // No bias: no "bias" key.
  nnq::Linear nb(3, 2, {.bias = false});
  EXPECT_FALSE(nb.state_dict().contains("bias"));
}

TEST(QuantizedLinearModule, Errors) {
  Generator gen(test::test_seed(608));
  nnq::Linear m(6, 3);
  EXPECT_OCTET_ERROR(m.forward(randn({2, 6}, gen)),
                     "QuantizedLinear: expected a quantized input (quint8 or qint8), got float32: a QuantStub (or "
                     "nn::quantized::Quantize) is probably missing before this module");
  EXPECT_OCTET_ERROR(m.forward(random_quantized({2, 5}, 0.1, 0, kQUInt8, gen)),
                     "QuantizedLinear: expected an input of shape (*, 6) (in_features=6), got shape [2, 5]");
  EXPECT_OCTET_ERROR(m.forward(Tensor()), "QuantizedLinear: the input is undefined");
  EXPECT_OCTET_ERROR(m.forward(quantize_per_tensor(randn({2, 6}, gen), 0.1, 0, kQInt32)),
                     "expected a quint8 or qint8 input, got qint32");
  EXPECT_OCTET_ERROR(m.set_weight_bias(randn({3, 6}, gen), zeros({3})), "weight: expected a qint8 tensor");
  EXPECT_OCTET_ERROR(m.set_weight_bias(random_weight(3, 5, false, gen), zeros({3})),
                     "weight: size mismatch: the checkpoint has shape [3, 5], the module expects [3, 6]");
  EXPECT_OCTET_ERROR(m.set_weight_bias(random_weight(3, 6, false, gen), Tensor()), "built with a bias; pass one");
  EXPECT_OCTET_ERROR(m.set_weight_bias(random_weight(3, 6, false, gen), zeros({4})), "bias: size mismatch");
  EXPECT_OCTET_ERROR(m.set_scale(0.0), "QuantizedLinear: scale must be finite and > 0, got 0");
  EXPECT_OCTET_ERROR(nnq::Linear(-1, 3), "in_features and out_features must be >= 0");

  // from_float without or with an unusable observer.
  nn::Linear lin(6, 3);
  EXPECT_OCTET_ERROR(nnq::Linear::from_float(lin, {}), "QuantizedLinear.from_float: no output observer");
  quantization::MinMaxObserver unobserved;
  EXPECT_OCTET_ERROR(nnq::Linear::from_float(lin, test::from_float_args(&unobserved)),
                     "QuantizedLinear.from_float: the output observer cannot give qparams (was the model calibrated?)");
  auto out_obs = test::fixed_observer(0.1, 0);
  EXPECT_OCTET_ERROR(
      nnq::Linear::from_float(lin, test::from_float_args(out_obs.get(), quantization::with_args<quantization::MinMaxObserver>(
                                        quantization::MinMaxObserverOptions{.dtype = kQUInt8}))),
      "the weight observer (MinMaxObserver) must have dtype qint8, got quint8");
  quantization::MinMaxObserver qint32_obs({.dtype = kQInt32});
  qint32_obs.observe(randn({4}, gen));
  EXPECT_OCTET_ERROR(nnq::Linear::from_float(lin, test::from_float_args(&qint32_obs)),
                     "the output observer (MinMaxObserver) targets qint32");

  // load_state_dict: every bad entry is reported and nothing changes.
  nnq::Linear target(6, 3);
  const Tensor before = target.weight();
  nn::StateDict bad = m.state_dict();
  bad.insert("extra", zeros({1}));
  EXPECT_OCTET_ERROR(target.load_state_dict(bad), "Unexpected key(s) in state_dict: \"extra\"");
  nn::StateDict float_weight("sd");
  float_weight.insert("weight", randn({3, 6}, gen));
  float_weight.insert("bias", zeros({3}));
  float_weight.insert("scale", full({}, 0.1, kFloat64));
  float_weight.insert("zero_point", zeros({}, kInt64));
  EXPECT_OCTET_ERROR(target.load_state_dict(float_weight),
                     "While copying the parameter named \"weight\", an exception occurred: expected a qint8 tensor");
  nn::StateDict missing("sd");
  missing.insert("scale", full({}, 0.1, kFloat64));
  missing.insert("zero_point", zeros({}, kInt64));
  EXPECT_OCTET_ERROR(target.load_state_dict(missing), "Missing key(s) in state_dict: \"weight\", \"bias\"");
  expect_same_quantized(target.weight(), before, "unchanged after failed loads");
}

}  // namespace
}  // namespace octet
