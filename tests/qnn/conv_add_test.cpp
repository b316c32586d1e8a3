// conv_add_test.cpp: intrinsic::quantized::ConvAdd2d / ConvAddReLU2d equal their reference recipe (one quantization of conv + extra), from_float, state dict and errors.
#include <gtest/gtest.h>

#include "common/test_util.h"
#include "octet/nn/intrinsic/quantized/conv_add.h"
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

TEST(QuantizedConvAddModule, IsOneQuantizationOfConvPlusExtra) {
  Generator gen(test::test_seed(671));
  for (bool relu : {false, true}) {
    nn::ConvOptions o;
    o.padding = {1};
    std::shared_ptr<nnq::Conv2d> m;
    if (relu) {
      m = std::make_shared<nniq::ConvAddReLU2d>(3, 4, Shape{3}, o);
    } else {
      m = std::make_shared<nniq::ConvAdd2d>(3, 4, Shape{3}, o);
    }
    const Tensor w = quantize_per_channel(randn({4, 3, 3, 3}, gen), std::vector<double>{0.01, 0.02, 0.015, 0.03},
                                          std::vector<int64_t>(4, 0), 0, kQInt8);
    const Tensor b = randn({4}, gen);
    m->set_weight_bias(w, b);
    m->set_scale(0.1);
    m->set_zero_point(120);
    const Tensor x = random_quantized({2, 3, 5, 5}, 0.05, 128, kQUInt8, gen);
    const Tensor extra = random_quantized({2, 4, 5, 5}, 0.04, 130, kQUInt8, gen);
    Tensor yf = F::add(F::conv2d(x.dequantize(), w.dequantize(), b, {1, 1}, {1, 1}), extra.dequantize());
    if (relu) yf = F::relu(yf);
    const Tensor y = relu ? static_cast<nniq::ConvAddReLU2d&>(*m).forward(x, extra)
                          : static_cast<nniq::ConvAdd2d&>(*m).forward(x, extra);
    expect_same_quantized(y, quantize_per_tensor(yf, 0.1, 120, kQUInt8), m->name());
  }
}

TEST(QuantizedConvAddModule, FromFloatStateDictAndErrors) {
  Generator gen(test::test_seed(672));
  auto conv = std::make_shared<nn::Conv2d>(2, 3, Shape{1});
  conv->reset_parameters(&gen);
  auto obs = test::fixed_observer(0.0625, 100);
  const auto args = test::from_float_args(obs.get());
  const auto q = nniq::ConvAdd2d::from_float(nn::intrinsic::ConvAdd2d(conv), args);
  const auto plain = nnq::Conv2d::from_float(*conv, args);
  expect_same_quantized(q->weight(), plain->weight(), "ConvAdd2d weight");
  EXPECT_EQ(q->to_string(), "QuantizedConvAdd2d(2, 3, kernel_size=(1, 1), stride=(1, 1), scale=0.0625, zero_point=100)");
  const auto qr = nniq::ConvAddReLU2d::from_float(
      nn::intrinsic::ConvAddReLU2d(conv, {}, std::make_shared<nn::ReLU>()), args);
  EXPECT_EQ(qr->name(), "QuantizedConvAddReLU2d");
  const Tensor x = random_quantized({1, 2, 3, 3}, 0.05, 128, kQUInt8, gen);
  const Tensor extra = random_quantized({1, 3, 3, 3}, 0.05, 128, kQUInt8, gen);
  nniq::ConvAdd2d fresh(2, 3, {1});
  fresh.load_state_dict(q->state_dict());
  expect_same_quantized(fresh.forward(x, extra), q->forward(x, extra), "ConvAdd2d reloaded");
  EXPECT_OCTET_ERROR(q->forward(x), "QuantizedConvAdd2d: forward takes two inputs");
  EXPECT_OCTET_ERROR(qr->forward(x), "QuantizedConvAddReLU2d: forward takes two inputs");
  EXPECT_OCTET_ERROR(q->forward(x, extra.dequantize()),
                     "QuantizedConvAdd2d: expected a quantized extra input (quint8 or qint8), got float32");
  EXPECT_OCTET_ERROR(q->forward(x, random_quantized({1, 3, 2, 3}, 0.05, 128, kQUInt8, gen)),
                     "the extra input has shape [1, 3, 2, 3], the conv output [1, 3, 3, 3]");
  EXPECT_OCTET_ERROR(q->forward(x.dequantize(), extra), "QuantizedConvAdd2d: expected a quantized input");
}

}  // namespace
}  // namespace octet
