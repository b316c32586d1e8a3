// conv_module_test.cpp: nn::quantized::Conv1d/2d/3d, ConvTranspose1d/2d/3d and intrinsic::quantized::ConvReLU1d/2d/3d against the quantized operators, the float path, from_float, the state dict, printing and every error.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "octet/nn/intrinsic/fused.h"
#include "octet/nn/intrinsic/fusion.h"
#include "octet/nn/intrinsic/quantized/conv_relu.h"
#include "octet/nn/quantized/conv.h"
#include "octet/octet.h"
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

// A qint8 weight: per tensor, or per channel along `axis` with float32 scales.
Tensor random_weight(const Shape& shape, bool per_channel, int64_t axis, Generator& gen) {
  const Tensor w = randn(shape, gen);
  if (!per_channel) return quantize_per_tensor(w, 0.021, 0, kQInt8);
  std::vector<double> scales;
  for (int64_t c = 0; c < shape[static_cast<std::size_t>(axis)]; ++c) {
    scales.push_back(static_cast<float>(0.012 + 0.003 * static_cast<double>(c)));
  }
  return quantize_per_channel(w, scales, std::vector<int64_t>(scales.size(), 0), axis, kQInt8);
}

Shape spatial(int dims, int64_t n, int64_t c, int64_t size) {
  Shape s{n, c};
  for (int d = 0; d < dims; ++d) s.push_back(size);
  return s;
}

Tensor float_conv(int dims, const Tensor& x, const Tensor& w, const Tensor& b, const Shape& stride, const Shape& pad,
                  const Shape& dil, int64_t groups) {
  switch (dims) {
    case 1: return F::conv1d(x, w, b, stride, pad, dil, groups);
    case 2: return F::conv2d(x, w, b, stride, pad, dil, groups);
    default: return F::conv3d(x, w, b, stride, pad, dil, groups);
  }
}

std::shared_ptr<nnq::detail::QConvNd> make_conv(int dims, bool relu, int64_t cin, int64_t cout, int64_t k,
                                                nn::ConvOptions o) {
  if (relu) {
    if (dims == 1) return std::make_shared<nniq::ConvReLU1d>(cin, cout, Shape{k}, o);
    if (dims == 2) return std::make_shared<nniq::ConvReLU2d>(cin, cout, Shape{k}, o);
    return std::make_shared<nniq::ConvReLU3d>(cin, cout, Shape{k}, o);
  }
  if (dims == 1) return std::make_shared<nnq::Conv1d>(cin, cout, Shape{k}, o);
  if (dims == 2) return std::make_shared<nnq::Conv2d>(cin, cout, Shape{k}, o);
  return std::make_shared<nnq::Conv3d>(cin, cout, Shape{k}, o);
}

Q::ConvPackedParamsPtr prepack(int dims, const Tensor& w, const Tensor& b, const Shape& s, const Shape& p,
                               const Shape& d, int64_t g) {
  if (dims == 1) return Q::conv1d_prepack(w, b, s, p, d, g);
  if (dims == 2) return Q::conv2d_prepack(w, b, s, p, d, g);
  return Q::conv3d_prepack(w, b, s, p, d, g);
}

Tensor run_op(int dims, bool relu, const Tensor& x, const Q::ConvPackedParamsPtr& p, double s, int64_t z) {
  if (dims == 1) return relu ? Q::conv1d_relu(x, p, s, z) : Q::conv1d(x, p, s, z);
  if (dims == 2) return relu ? Q::conv2d_relu(x, p, s, z) : Q::conv2d(x, p, s, z);
  return relu ? Q::conv3d_relu(x, p, s, z) : Q::conv3d(x, p, s, z);
}

TEST(QuantizedConvModule, EqualsTheOperatorExactly) {
  Generator gen(test::test_seed(611));
  for (int dims : {1, 2, 3}) {
    for (bool relu : {false, true}) {
      for (bool per_channel : {false, true}) {
        for (int64_t groups : {1, 2}) {
          const int64_t cin = 4, cout = 6, k = 3;
          nn::ConvOptions o;
          o.stride = {2};
          o.padding = {1};
          o.groups = groups;
          auto m = make_conv(dims, relu, cin, cout, k, o);
          Shape wshape = spatial(dims, cout, cin / groups, k);
          const Tensor w = random_weight(wshape, per_channel, 0, gen);
          const Tensor b = randn({cout}, gen);
          m->set_weight_bias(w, b);
          m->set_scale(0.11);
          m->set_zero_point(119);
          const Tensor x = random_quantized(spatial(dims, 2, cin, 7), 0.04, 130, kQUInt8, gen);
          const Shape s(static_cast<std::size_t>(dims), 2), p(static_cast<std::size_t>(dims), 1),
              d(static_cast<std::size_t>(dims), 1);
          const Tensor expected = run_op(dims, relu, x, prepack(dims, w, b, s, p, d, groups), 0.11, 119);
          const std::string what = m->name() + (per_channel ? " per-channel" : " per-tensor");
          expect_same_quantized(m->forward(x), expected, what);
          // Unbatched input: the batched answer's first image.
          expect_same_quantized(m->forward(x.select(0, 0)), expected.select(0, 0), what + " unbatched");
        }
      }
    }
  }
}

// Power-of-two scales make the float path exact (see linear_module_test.cpp); the padding modes
// other than zeros pad the quantized input first, so they must agree with F::pad + float conv too.
TEST(QuantizedConvModule, FloatPathIsExactWithPowerOfTwoScalesForEveryPaddingMode) {
  Generator gen(test::test_seed(612));
  for (int dims : {1, 2, 3}) {
    for (const std::string mode : {"zeros", "reflect", "replicate", "circular"}) {
      for (bool relu : {false, true}) {
        const int64_t cin = 3, cout = 4, k = 3;
        nn::ConvOptions o;
        o.padding = {1};
        o.padding_mode = mode;
        auto m = make_conv(dims, relu, cin, cout, k, o);
        std::vector<double> scales;
        for (int64_t c = 0; c < cout; ++c) scales.push_back(std::ldexp(1.0, -6 - static_cast<int>(c % 2)));
        const Tensor w = quantize_per_channel(randn(spatial(dims, cout, cin, k), gen), scales,
                                              std::vector<int64_t>(cout, 0), 0, kQInt8);
        m->set_weight_bias(w, zeros({cout}));
        m->set_scale(std::ldexp(1.0, -2));
        m->set_zero_point(128);
        const Tensor x = random_quantized(spatial(dims, 2, cin, 5), std::ldexp(1.0, -4), 120, kQUInt8, gen);
        Tensor xf = x.dequantize();
        Shape pad(static_cast<std::size_t>(dims), 1);
        if (mode != "zeros") {
          xf = F::pad(xf, Shape(static_cast<std::size_t>(2 * dims), 1), mode);
          pad.assign(static_cast<std::size_t>(dims), 0);
        }
        Tensor yf = float_conv(dims, xf, w.dequantize(), zeros({cout}), Shape(static_cast<std::size_t>(dims), 1), pad,
                               Shape(static_cast<std::size_t>(dims), 1), 1);
        if (relu) yf = F::relu(yf);
        expect_same_quantized(m->forward(x), test::requantize_float(yf, m->scale(), 128, kQUInt8),
                              m->name() + " padding_mode=" + mode);
      }
    }
  }
}

TEST(QuantizedConvModule, SamePaddingMatchesTheFloatModule) {
  // "same" with an even kernel pads one more on the right: the quantized input is padded first.
  Generator gen(test::test_seed(613));
  for (int64_t k : {3, 4}) {
    nn::ConvOptions o;
    o.padding_str = "same";
    nn::Conv2d fm(2, 3, {k}, o);
    fm.reset_parameters(&gen);
    const Tensor w = quantize_per_tensor(fm.weight, std::ldexp(1.0, -7), 0, kQInt8);
    fm.set_parameter("weight", w.dequantize());
    fm.set_parameter("bias", zeros({3}));
    nnq::Conv2d m(2, 3, {k}, o);
    m.set_weight_bias(w, zeros({3}));
    m.set_scale(std::ldexp(1.0, -3));
    m.set_zero_point(128);
    const Tensor x = random_quantized({1, 2, 6, 5}, std::ldexp(1.0, -4), 128, kQUInt8, gen);
    expect_same_quantized(m.forward(x), test::requantize_float(fm.forward(x.dequantize()), m.scale(), 128, kQUInt8),
                          "padding='same' kernel " + std::to_string(k));
  }
}

TEST(QuantizedConvModule, FloatPathWithinOneStep) {
  Generator gen(test::test_seed(614));
  nn::ConvOptions o;
  o.padding = {1};
  nnq::Conv2d m(5, 7, {3}, o);
  const Tensor w = random_weight({7, 5, 3, 3}, true, 0, gen);
  const Tensor b = randn({7}, gen);
  m.set_weight_bias(w, b);
  m.set_scale(0.093);
  m.set_zero_point(121);
  const Tensor x = random_quantized({2, 5, 9, 9}, 0.0317, 127, kQUInt8, gen);
  const Tensor expected = test::requantize_float(F::conv2d(x.dequantize(), w.dequantize(), b, {1, 1}, {1, 1}), 0.093,
                                                 121, kQUInt8);
  const test::IntDiff d = test::expect_within_one_step(
      m.forward(x).int_repr(), expected.int_repr(), "Conv2d vs quantize(F::conv2d(dequantize))",
      "int32 bias and one float32 requantization multiply vs the float path's float bias and float32 sums");
  EXPECT_LT(d.mismatches, d.total / 50);
}

TEST(QuantizedConvTransposeModule, EqualsTheOperatorAndTheFloatPath) {
  Generator gen(test::test_seed(615));
  for (int dims : {1, 2, 3}) {
    for (bool per_channel : {false, true}) {
      for (int64_t groups : {1, 2}) {
        const int64_t cin = 4, cout = 6;
        nn::ConvTransposeOptions o;
        o.stride = {2};
        o.padding = {1};
        o.output_padding = {1};
        o.groups = groups;
        std::shared_ptr<nnq::detail::QConvNd> m;
        if (dims == 1) m = std::make_shared<nnq::ConvTranspose1d>(cin, cout, Shape{3}, o);
        if (dims == 2) m = std::make_shared<nnq::ConvTranspose2d>(cin, cout, Shape{3}, o);
        if (dims == 3) m = std::make_shared<nnq::ConvTranspose3d>(cin, cout, Shape{3}, o);
        // Per channel along axis 1 (the output channel within its group), power-of-two scales.
        const Shape wshape = spatial(dims, cin, cout / groups, 3);
        Tensor w;
        if (per_channel) {
          std::vector<double> scales;
          for (int64_t c = 0; c < cout / groups; ++c) scales.push_back(std::ldexp(1.0, -6 - static_cast<int>(c % 3)));
          w = quantize_per_channel(randn(wshape, gen), scales, std::vector<int64_t>(scales.size(), 0), 1, kQInt8);
        } else {
          w = quantize_per_tensor(randn(wshape, gen), std::ldexp(1.0, -6), 0, kQInt8);
        }
        m->set_weight_bias(w, zeros({cout}));
        m->set_scale(std::ldexp(1.0, -2));
        m->set_zero_point(100);
        const Tensor x = random_quantized(spatial(dims, 2, cin, 4), std::ldexp(1.0, -4), 131, kQUInt8, gen);
        const Shape s(static_cast<std::size_t>(dims), 2), p(static_cast<std::size_t>(dims), 1),
            op(static_cast<std::size_t>(dims), 1), d(static_cast<std::size_t>(dims), 1);
        Q::ConvPackedParamsPtr packed;
        Tensor expected, yf;
        const Tensor xf = x.dequantize(), wf = w.dequantize();
        if (dims == 1) {
          packed = Q::conv_transpose1d_prepack(w, zeros({cout}), s, p, op, d, groups);
          expected = Q::conv_transpose1d(x, packed, m->scale(), 100);
          yf = F::conv_transpose1d(xf, wf, zeros({cout}), s, p, op, groups, d);
        } else if (dims == 2) {
          packed = Q::conv_transpose2d_prepack(w, zeros({cout}), s, p, op, d, groups);
          expected = Q::conv_transpose2d(x, packed, m->scale(), 100);
          yf = F::conv_transpose2d(xf, wf, zeros({cout}), s, p, op, groups, d);
        } else {
          packed = Q::conv_transpose3d_prepack(w, zeros({cout}), s, p, op, d, groups);
          expected = Q::conv_transpose3d(x, packed, m->scale(), 100);
          yf = F::conv_transpose3d(xf, wf, zeros({cout}), s, p, op, groups, d);
        }
        const std::string what = m->name() + (per_channel ? " per-channel" : " per-tensor") + " groups " +
                                 std::to_string(groups);
        expect_same_quantized(m->forward(x), expected, what);
        expect_same_quantized(m->forward(x), test::requantize_float(yf, m->scale(), 100, kQUInt8), what + " float");
      }
    }
  }
}

TEST(QuantizedConvModule, FromFloat) {
  Generator gen(test::test_seed(616));
  nn::ConvOptions o;
  o.padding = {1};
  o.groups = 2;
  nn::Conv2d fm(4, 6, {3}, o);
  fm.reset_parameters(&gen);
  auto out_obs = test::fixed_observer(0.078125, 90);
  const auto q = nnq::Conv2d::from_float(fm, test::from_float_args(out_obs.get()));
  quantization::PerChannelMinMaxObserver wobs({.dtype = kQInt8, .qscheme = kPerChannelSymmetric});
  wobs.observe(fm.weight);
  const QuantizerPtr wq = wobs.quantizer();
  expect_same_quantized(q->weight(), quantize_per_channel(fm.weight, wq->scales(), wq->zero_points(), 0, kQInt8),
                        "per-channel default weight");
  EXPECT_TRUE(equal(q->bias(), fm.bias));
  EXPECT_EQ(q->scale(), 0.078125);
  EXPECT_EQ(q->zero_point(), 90);
  EXPECT_EQ(q->groups(), 2);
  EXPECT_EQ(q->to_string(),
            "QuantizedConv2d(4, 6, kernel_size=(3, 3), stride=(1, 1), scale=0.078125, zero_point=90, padding=(1, 1), "
            "groups=2)");

  // Transposed: per-tensor by default; a per-channel observer gives one scale per output channel (axis 1).
  nn::ConvTranspose2d ft(4, 6, {3}, {.stride = {2}, .groups = 2});
  ft.reset_parameters(&gen);
  const auto qt = nnq::ConvTranspose2d::from_float(ft, test::from_float_args(out_obs.get()));
  EXPECT_EQ(qt->weight().qscheme(), kPerTensorAffine);
  const auto qtc = nnq::ConvTranspose2d::from_float(
      ft, test::from_float_args(out_obs.get(), quantization::default_per_channel_weight_observer()));
  EXPECT_EQ(qtc->weight().qscheme(), kPerChannelAffine);
  EXPECT_EQ(qtc->weight().q_per_channel_axis(), 1);
  quantization::PerChannelMinMaxObserver tobs({.dtype = kQInt8, .qscheme = kPerChannelSymmetric});
  tobs.observe(ft.weight.transpose(0, 1));
  EXPECT_EQ(qtc->weight().quantizer()->scales(), tobs.quantizer()->scales());
  EXPECT_EQ(qt->to_string(),
            "QuantizedConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(2, 2), scale=0.078125, zero_point=90, groups=2)");
}

TEST(QuantizedConvModule, FromFloatFoldsBatchNormAndFusesReLU) {
  Generator gen(test::test_seed(617));
  auto conv = std::make_shared<nn::Conv2d>(3, 5, Shape{3}, nn::ConvOptions{.padding = {1}});
  conv->reset_parameters(&gen);
  auto bn = std::make_shared<nn::BatchNorm2d>(5);
  bn->running_mean.copy_(randn({5}, gen));
  bn->running_var.copy_(F::add(rand({5}, gen), 0.5));
  bn->weight.copy_(randn({5}, gen));
  bn->bias.copy_(randn({5}, gen));
  auto relu = std::make_shared<nn::ReLU>();
  nn::intrinsic::ConvBnReLU2d cbr(conv, bn, relu);
  cbr.eval();
  auto out_obs = test::fixed_observer(0.03, 0);
  const auto args = test::from_float_args(out_obs.get());
  const auto q = nniq::ConvReLU2d::from_float(cbr, args);
  const auto folded = nn::utils::fuse_conv_bn_eval(*conv, *bn);
  const auto expected = nnq::Conv2d::from_float(*folded, args);
  expect_same_quantized(q->weight(), expected->weight(), "folded weight");
  EXPECT_TRUE(equal(q->bias(), expected->bias()));
  const Tensor x = random_quantized({1, 3, 6, 6}, 0.05, 128, kQUInt8, gen);
  expect_same_quantized(q->forward(x), Q::relu(expected->forward(x)), "ConvReLU2d == relu(Conv2d)");
  // ConvBn2d -> Conv2d, and ConvReLU2d from the fused float module.
  nn::intrinsic::ConvBn2d cb(conv, bn);
  cb.eval();
  expect_same_quantized(nnq::Conv2d::from_float(cb, args)->weight(), expected->weight(), "ConvBn2d");
  nn::intrinsic::ConvReLU2d cr(folded, relu);
  expect_same_quantized(nniq::ConvReLU2d::from_float(cr, args)->forward(x), q->forward(x), "ConvReLU2d from float");
  EXPECT_EQ(q->name(), "QuantizedConvReLU2d");
  // Training-mode BatchNorm cannot be folded.
  cbr.train();
  EXPECT_OCTET_ERROR(nniq::ConvReLU2d::from_float(cbr, args), "fuse_conv_bn_eval: Fusion only for eval!");
}

// from_float of every convolution class (1d/2d/3d, transposed, the BatchNorm-folding and fused-ReLU
// forms) gives the module of the float one's geometry, with the observed qparams, that runs the
// matching operator on the quantized weight.
TEST(QuantizedConvModule, FromFloatOfEveryClass) {
  Generator gen(test::test_seed(620));
  auto obs = test::fixed_observer(0.125, 60);
  const auto args = test::from_float_args(obs.get());
  auto bn_of = [&](auto bn) {
    bn->running_mean.copy_(randn({4}, gen));
    bn->running_var.copy_(F::add(rand({4}, gen), 0.5));
    bn->eval();
    return bn;
  };
  auto relu = std::make_shared<nn::ReLU>();
  {
    auto c = std::make_shared<nn::Conv1d>(2, 4, Shape{3}, nn::ConvOptions{.padding = {1}});
    auto bn = bn_of(std::make_shared<nn::BatchNorm1d>(4));
    const Tensor x = random_quantized({1, 2, 6}, 0.05, 128, kQUInt8, gen);
    const auto q = nnq::Conv1d::from_float(*c, args);
    expect_same_quantized(q->forward(x), Q::conv1d(x, q->packed_params(), 0.125, 60), "Conv1d");
    nn::intrinsic::ConvBn1d cb(c, bn);
    cb.eval();
    const auto folded = nnq::Conv1d::from_float(*nn::utils::fuse_conv_bn_eval(*c, *bn), args);
    expect_same_quantized(nnq::Conv1d::from_float(cb, args)->forward(x), folded->forward(x), "ConvBn1d");
    nn::intrinsic::ConvBnReLU1d cbr(c, bn, relu);
    cbr.eval();
    expect_same_quantized(nniq::ConvReLU1d::from_float(cbr, args)->forward(x), Q::relu(folded->forward(x)),
                          "ConvBnReLU1d");
    expect_same_quantized(nniq::ConvReLU1d::from_float(nn::intrinsic::ConvReLU1d(c, relu), args)->forward(x),
                          Q::relu(q->forward(x)), "ConvReLU1d");
  }
  {
    auto c = std::make_shared<nn::Conv3d>(2, 4, Shape{2});
    auto bn = bn_of(std::make_shared<nn::BatchNorm3d>(4));
    const Tensor x = random_quantized({1, 2, 3, 3, 3}, 0.05, 128, kQUInt8, gen);
    const auto q = nnq::Conv3d::from_float(*c, args);
    expect_same_quantized(q->forward(x), Q::conv3d(x, q->packed_params(), 0.125, 60), "Conv3d");
    nn::intrinsic::ConvBn3d cb(c, bn);
    cb.eval();
    const auto folded = nnq::Conv3d::from_float(*nn::utils::fuse_conv_bn_eval(*c, *bn), args);
    expect_same_quantized(nnq::Conv3d::from_float(cb, args)->forward(x), folded->forward(x), "ConvBn3d");
    nn::intrinsic::ConvBnReLU3d cbr(c, bn, relu);
    cbr.eval();
    expect_same_quantized(nniq::ConvReLU3d::from_float(cbr, args)->forward(x), Q::relu(folded->forward(x)),
                          "ConvBnReLU3d");
    expect_same_quantized(nniq::ConvReLU3d::from_float(nn::intrinsic::ConvReLU3d(c, relu), args)->forward(x),
                          Q::relu(q->forward(x)), "ConvReLU3d");
  }
  {
    nn::ConvTranspose1d t1(2, 4, {3}, {.stride = {2}});
    const Tensor x = random_quantized({1, 2, 5}, 0.05, 128, kQUInt8, gen);
    const auto q = nnq::ConvTranspose1d::from_float(t1, args);
    expect_same_quantized(q->forward(x), Q::conv_transpose1d(x, q->packed_params(), 0.125, 60), "ConvTranspose1d");
    nn::ConvTranspose3d t3(2, 4, {2});
    const Tensor x3 = random_quantized({1, 2, 2, 2, 2}, 0.05, 128, kQUInt8, gen);
    const auto q3 = nnq::ConvTranspose3d::from_float(t3, args);
    expect_same_quantized(q3->forward(x3), Q::conv_transpose3d(x3, q3->packed_params(), 0.125, 60),
                          "ConvTranspose3d");
    EXPECT_EQ(q3->weight().qscheme(), kPerTensorAffine);
  }
}

TEST(QuantizedConvModule, StateDictRoundTripAndClone) {
  Generator gen(test::test_seed(618));
  for (int dims : {1, 2, 3}) {
    nn::ConvOptions o;
    o.padding = {1};
    o.padding_mode = dims == 3 ? "zeros" : "reflect";
    auto m = make_conv(dims, false, 3, 4, 3, o);
    m->set_weight_bias(random_weight(spatial(dims, 4, 3, 3), true, 0, gen), randn({4}, gen));
    m->set_scale(0.13);
    m->set_zero_point(101);
    auto fresh = make_conv(dims, false, 3, 4, 3, o);
    const Tensor x = random_quantized(spatial(dims, 1, 3, 5), 0.05, 128, kQUInt8, gen);
    test::expect_state_round_trip(*m, *fresh, [&](nnq::detail::QConvNd& c) { return c.forward(x); }, m->name());
    const nn::StateDict sd = m->state_dict();
    EXPECT_EQ(sd.item(0).first, "weight");
    EXPECT_EQ(sd.item(1).first, "bias");
    EXPECT_EQ(sd.item(2).first, "scale");
    EXPECT_EQ(sd.item(3).first, "zero_point");
  }
  nnq::ConvTranspose1d t(2, 4, {3}, {.groups = 2});
  t.set_weight_bias(random_weight({2, 2, 3}, true, 1, gen), randn({4}, gen));
  nnq::ConvTranspose1d t2(2, 4, {3}, {.groups = 2});
  const Tensor x = random_quantized({1, 2, 5}, 0.05, 128, kQUInt8, gen);
  test::expect_state_round_trip(t, t2, [&](nnq::ConvTranspose1d& c) { return c.forward(x); }, "ConvTranspose1d");
}

TEST(QuantizedConvModule, Errors) {
  Generator gen(test::test_seed(619));
  nnq::Conv2d m(4, 6, {3});
  EXPECT_OCTET_ERROR(m.forward(randn({1, 4, 5, 5}, gen)),
                     "QuantizedConv2d: expected a quantized input (quint8 or qint8), got float32: a QuantStub");
  EXPECT_OCTET_ERROR(m.forward(random_quantized({1, 3, 5, 5}, 0.1, 0, kQUInt8, gen)),
                     "QuantizedConv2d: expected an input with 4 channels (in_channels) at dim 1, got shape [1, 3, 5, 5]");
  EXPECT_OCTET_ERROR(m.forward(random_quantized({4, 5}, 0.1, 0, kQUInt8, gen)),
                     "QuantizedConv2d: expected a 4-D (batched) or 3-D (unbatched) input, got shape [4, 5]");
  EXPECT_OCTET_ERROR(m.set_weight_bias(random_weight({6, 4, 3, 3}, true, 1, gen), zeros({6})),
                     "per-channel weights must be quantized along axis 0, got axis 1");
  EXPECT_OCTET_ERROR(nnq::Conv2d(4, 6, {3}, {.groups = 3}), "in_channels must be divisible by groups");
  EXPECT_OCTET_ERROR(nnq::Conv2d(4, 6, {3}, {.padding_mode = "mirror"}), "padding_mode must be one of");
  EXPECT_OCTET_ERROR(nnq::Conv2d(4, 6, {3}, {.stride = {2}, .padding_str = "same"}),
                     "padding='same' is not supported for strided convolutions");
  EXPECT_OCTET_ERROR(nnq::Conv2d(4, 6, {3, 3, 3}), "kernel_size must have 1 or 2 values");
  nn::ConvTransposeOptions to;
  to.padding_mode = "reflect";
  EXPECT_OCTET_ERROR(nnq::ConvTranspose2d(4, 6, {3}, to), "only 'zeros' padding mode is supported");
  nn::Conv2d fm(4, 6, {3});
  EXPECT_OCTET_ERROR(nnq::Conv2d::from_float(fm, {}), "QuantizedConv2d.from_float: no output observer");
  auto out_obs = test::fixed_observer(0.1, 0);
  EXPECT_OCTET_ERROR(nnq::Conv2d::from_float(fm, test::from_float_args(
                                                     out_obs.get(), quantization::default_float_qparams_observer())),
                     "must have dtype qint8, got quint8");
  // load_state_dict with a weight of the wrong shape.
  nn::StateDict sd = m.state_dict();
  sd.at("weight") = random_weight({6, 4, 1, 1}, false, 0, gen);
  EXPECT_OCTET_ERROR(m.load_state_dict(sd),
                     "While copying the parameter named \"weight\", an exception occurred: size mismatch: the checkpoint "
                     "has shape [6, 4, 1, 1], the module expects [6, 4, 3, 3]");
  nnq::Conv2d nb(4, 6, {3}, {.bias = false});
  EXPECT_OCTET_ERROR(nb.load_state_dict(m.state_dict()), "Unexpected key(s) in state_dict: \"bias\"");
  EXPECT_EQ(nb.to_string(), "QuantizedConv2d(4, 6, kernel_size=(3, 3), stride=(1, 1), scale=1.0, zero_point=0, bias=False)");
}

}  // namespace
}  // namespace octet
