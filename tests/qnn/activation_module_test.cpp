// activation_module_test.cpp: nn::quantized::ReLU6, Hardswish, ELU, LeakyReLU, Sigmoid, Tanh, Softmax, PReLU and Dropout against the quantized operators, the float path over every input integer, from_float, the state dict, printing and errors.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "octet/nn/quantized/activation.h"
#include "octet/nn/quantized/dropout.h"
#include "octet/octet.h"
#include "octet/quantization/min_max_observer.h"
#include "qnn/qnn_test_util.h"

namespace octet {
namespace {

namespace F = octet::functional;
namespace Q = octet::quantized;
namespace nnq = octet::nn::quantized;
using test::expect_same_quantized;
using test::random_quantized;

// Every stored integer of the dtype once, shaped (2, 2, 64).
Tensor all_integers(DType dtype, double scale, int64_t zero_point) {
  std::vector<int64_t> v(256);
  for (int i = 0; i < 256; ++i) v[static_cast<std::size_t>(i)] = dtype == kQInt8 ? i - 128 : i;
  const Tensor ints = from_vector(v, {2, 2, 64}).to(dtype == kQInt8 ? kInt8 : kUInt8);
  return make_per_tensor_quantized_tensor(ints, scale, zero_point);
}

TEST(QuantizedActivationModules, EqualTheOperators) {
  for (DType dtype : {kQUInt8, kQInt8}) {
    const int64_t zp = dtype == kQInt8 ? 3 : 131, ozp = dtype == kQInt8 ? -10 : 118;
    const Tensor x = all_integers(dtype, 0.047, zp);
    expect_same_quantized(nnq::ReLU6().forward(x), Q::relu6(x), "ReLU6");
    expect_same_quantized(nnq::Hardswish(0.03, ozp).forward(x), Q::hardswish(x, 0.03, ozp), "Hardswish");
    expect_same_quantized(nnq::ELU(0.04, ozp, 0.6).forward(x), Q::elu(x, 0.04, ozp, 0.6), "ELU");
    // LeakyReLU with the input's qparams is octet::quantized::leaky_relu.
    expect_same_quantized(nnq::LeakyReLU(0.047, zp, 0.2).forward(x), Q::leaky_relu(x, 0.2), "LeakyReLU");
    // Sigmoid / Tanh with PyTorch's fixed qparams are octet::quantized::sigmoid / tanh.
    const int64_t sig_zp = dtype == kQInt8 ? -128 : 0, tanh_zp = dtype == kQInt8 ? 0 : 128;
    expect_same_quantized(nnq::Sigmoid(1.0 / 256, sig_zp).forward(x), Q::sigmoid(x), "Sigmoid");
    expect_same_quantized(nnq::Tanh(2.0 / 256, tanh_zp).forward(x), Q::tanh(x), "Tanh");
    expect_same_quantized(nnq::Softmax(2, 1.0 / 256, ozp).forward(x), Q::softmax(x, 2, 1.0 / 256, ozp), "Softmax");
    // dim=None: PyTorch's legacy choice, dim 0 for a 3-d input.
    expect_same_quantized(nnq::Softmax(std::nullopt, 1.0 / 256, ozp).forward(x), Q::softmax(x, 0, 1.0 / 256, ozp),
                          "Softmax dim=None");
    expect_same_quantized(nnq::Dropout(0.4).forward(x), x, "Dropout");
  }
  // The defaults are PyTorch's fixed qparams for quint8.
  const Tensor x = all_integers(kQUInt8, 0.05, 128);
  expect_same_quantized(nnq::Sigmoid().forward(x), Q::sigmoid(x), "Sigmoid()");
  expect_same_quantized(nnq::Tanh().forward(x), Q::tanh(x), "Tanh()");
}

// Over every input integer, the module's table equals quantize(f(dequantize(x))) with the output
// qparams, except where f's float32 evaluation here and the table's (double, rounded once, for the
// transcendental functions) land on opposite sides of a rounding tie: then one step.
TEST(QuantizedActivationModules, FloatPathOverEveryInteger) {
  for (DType dtype : {kQUInt8, kQInt8}) {
    const int64_t zp = dtype == kQInt8 ? -4 : 124, ozp = dtype == kQInt8 ? 7 : 135;
    const Tensor x = all_integers(dtype, 0.043, zp);
    const Tensor xf = x.dequantize();
    auto check = [&](const Tensor& y, const Tensor& yf, double s, int64_t z, const char* what) {
      test::expect_within_one_step(y.int_repr(), test::requantize_float(yf, s, z, dtype).int_repr(), what,
                                   "the float path's own float32 rounding of f near a rounding tie");
    };
    check(nnq::Hardswish(0.031, ozp).forward(x), F::hardswish(xf), 0.031, ozp, "Hardswish");
    check(nnq::ELU(0.029, ozp, 1.3).forward(x), F::elu(xf, 1.3), 0.029, ozp, "ELU");
    check(nnq::LeakyReLU(0.037, ozp, 0.3).forward(x), F::leaky_relu(xf, 0.3), 0.037, ozp, "LeakyReLU");
    check(nnq::Sigmoid(0.0041, ozp).forward(x), F::sigmoid(xf), 0.0041, ozp, "Sigmoid");
    check(nnq::Tanh(0.0079, ozp).forward(x), F::tanh(xf), 0.0079, ozp, "Tanh");
    check(nnq::Softmax(2, 0.0039, ozp).forward(x), F::softmax(xf, 2), 0.0039, ozp, "Softmax");
    check(nnq::ReLU6().forward(x), F::relu6(xf), 0.043, zp, "ReLU6");
  }
}

TEST(QuantizedActivationModules, PReLUIsTheFloatPathExactly) {
  // Octet's PReLU is defined as quantize(prelu(dequantize(x), dequantize(w))) in float32: equal on
  // every element, per channel and shared.
  Generator gen(test::test_seed(631));
  for (DType dtype : {kQUInt8, kQInt8}) {
    for (int64_t n : {1, 3}) {
      nnq::PReLU m(0.05, dtype == kQInt8 ? 0 : 128, n);
      const Tensor w = quantize_per_tensor(F::mul(rand({n}, gen), 0.9), 1.0 / 200, 10, kQUInt8);
      m.set_weight(w);
      const Tensor x = random_quantized({2, 3, 4, 5}, 0.04, dtype == kQInt8 ? 1 : 126, dtype, gen);
      const Tensor yf = F::prelu(x.dequantize(), w.dequantize());
      expect_same_quantized(m.forward(x), test::requantize_float(yf, 0.05, m.zero_point(), dtype),
                            "PReLU num_parameters=" + std::to_string(n));
    }
  }
}

TEST(QuantizedActivationModules, FromFloat) {
  Generator gen(test::test_seed(632));
  auto obs = test::fixed_observer(0.015625, 40);
  const auto args = test::from_float_args(obs.get());
  EXPECT_EQ(nnq::ReLU6::from_float(nn::ReLU6({.inplace = true}))->to_string(), "QuantizedReLU6(inplace=True)");
  EXPECT_EQ(nnq::ReLU6::from_float(nn::ReLU6())->to_string(), "QuantizedReLU6()");
  const auto hs = nnq::Hardswish::from_float(nn::Hardswish(), args);
  EXPECT_EQ(hs->scale(), 0.015625);
  EXPECT_EQ(hs->to_string(), "QuantizedHardswish()");
  EXPECT_EQ(nnq::ELU::from_float(nn::ELU({.alpha = 0.5}), args)->to_string(), "QuantizedELU(alpha=0.5)");
  EXPECT_EQ(nnq::LeakyReLU::from_float(nn::LeakyReLU({.negative_slope = 0.2}), args)->to_string(),
            "QuantizedLeakyReLU(negative_slope=0.2)");
  const auto sig = nnq::Sigmoid::from_float(nn::Sigmoid(), args);
  EXPECT_EQ(sig->output_scale(), 0.015625);
  EXPECT_EQ(sig->to_string(), "Sigmoid()");
  EXPECT_EQ(nnq::Tanh::from_float(nn::Tanh(), args)->output_zero_point(), 40);
  EXPECT_EQ(nnq::Softmax::from_float(nn::Softmax(1), args)->to_string(), "QuantizedSoftmax(dim=1)");
  EXPECT_EQ(nnq::Softmax::from_float(nn::Softmax(), args)->to_string(), "QuantizedSoftmax(dim=None)");
  EXPECT_EQ(nnq::Dropout::from_float(nn::Dropout(0.3))->to_string(), "QuantizedDropout(p=0.3, inplace=False)");
  // PReLU: the slopes through a quint8 MinMaxObserver (the default, also replacing a qint8 one).
  nn::PReLU fp({.num_parameters = 3});
  fp.weight.copy_(from_vector(std::vector<float>{0.25f, -0.1f, 0.6f}));
  for (auto factory : {quantization::ActivationPostProcessFactory{}, quantization::default_per_channel_weight_observer()}) {
    const auto qp = nnq::PReLU::from_float(fp, test::from_float_args(obs.get(), factory));
    quantization::MinMaxObserver wobs({.dtype = kQUInt8});
    wobs.observe(fp.weight);
    const QuantizerPtr wq = wobs.quantizer();
    expect_same_quantized(qp->weight(), quantize_per_tensor(fp.weight, wq->scale(), wq->zero_point(), kQUInt8),
                          "PReLU slopes");
    EXPECT_EQ(qp->to_string(), "QuantizedPReLU()");
  }
  EXPECT_OCTET_ERROR(nnq::Hardswish::from_float(nn::Hardswish(), {}), "QuantizedHardswish.from_float: no output observer");
}

TEST(QuantizedActivationModules, StateDictsKeepTheOutputQParams) {
  Generator gen(test::test_seed(633));
  const Tensor x = random_quantized({2, 3, 4}, 0.05, 128, kQUInt8, gen);
  nnq::ELU elu(0.03, 100, 0.7);
  nnq::ELU elu2(1.0, 0, 0.7);
  test::expect_state_round_trip(elu, elu2, [&](nnq::ELU& m) { return m.forward(x); }, "ELU");
  nnq::Softmax sm(1, 0.004, 3);
  nnq::Softmax sm2(1);
  test::expect_state_round_trip(sm, sm2, [&](nnq::Softmax& m) { return m.forward(x); }, "Softmax");
  nnq::Sigmoid sg(0.005, 7);
  nnq::Sigmoid sg2;
  test::expect_state_round_trip(sg, sg2, [&](nnq::Sigmoid& m) { return m.forward(x); }, "Sigmoid");
  nnq::PReLU pr(0.04, 120, 3);
  pr.set_weight(quantize_per_tensor(from_vector(std::vector<float>{0.1f, 0.2f, 0.3f}), 0.01, 0, kQUInt8));
  nnq::PReLU pr2(1.0, 0, 3);
  test::expect_state_round_trip(pr, pr2, [&](nnq::PReLU& m) { return m.forward(x); }, "PReLU");
  EXPECT_EQ(pr.state_dict().item(0).first, "weight");
  nn::StateDict bad = pr.state_dict();
  bad.at("weight") = zeros({3});
  EXPECT_OCTET_ERROR(pr2.load_state_dict(bad), "expected a quint8 per-tensor weight of shape [3], got float32");
}

TEST(QuantizedActivationModules, Errors) {
  Generator gen(test::test_seed(634));
  const Tensor xf = randn({2, 3}, gen);
  const char* stub = "is probably missing before this module";
  EXPECT_OCTET_ERROR(nnq::ReLU6().forward(xf), std::string("QuantizedReLU6: expected a quantized input") );
  EXPECT_OCTET_ERROR(nnq::Hardswish(0.1, 0).forward(xf), stub);
  EXPECT_OCTET_ERROR(nnq::ELU(0.1, 0).forward(xf), stub);
  EXPECT_OCTET_ERROR(nnq::LeakyReLU(0.1, 0).forward(xf), stub);
  EXPECT_OCTET_ERROR(nnq::Sigmoid().forward(xf), "Sigmoid: expected a quantized input");
  EXPECT_OCTET_ERROR(nnq::Tanh().forward(xf), stub);
  EXPECT_OCTET_ERROR(nnq::Softmax().forward(xf), stub);
  EXPECT_OCTET_ERROR(nnq::PReLU(0.1, 0).forward(xf), stub);
  EXPECT_OCTET_ERROR(nnq::Dropout().forward(xf), "QuantizedDropout: expected a quantized input");
  const Tensor xq8 = random_quantized({2, 3}, 0.1, 0, kQInt8, gen);
  EXPECT_OCTET_ERROR(nnq::Tanh().forward(xq8), "output zero point must be in [-128, 127] for qint8, got 128");
  EXPECT_OCTET_ERROR(nnq::PReLU(0.1, 0, 4).forward(random_quantized({2, 3}, 0.1, 0, kQUInt8, gen)),
                     "QuantizedPReLU: num_parameters=4 does not match the 3 channels at dim 1");
  EXPECT_OCTET_ERROR(nnq::PReLU(0.1, 0, 0), "num_parameters must be at least 1");
  EXPECT_OCTET_ERROR(nnq::PReLU(0.1, 0, 2).set_weight(zeros({2})), "set_weight: expected a quint8 per-tensor weight");
  EXPECT_OCTET_ERROR(nnq::LeakyReLU(0.1, 0, std::nan("")), "negative_slope must be finite");
  EXPECT_OCTET_ERROR(nnq::Dropout(1.5), "dropout probability has to be between 0 and 1, but got 1.5");
  EXPECT_OCTET_ERROR(nnq::Hardswish(0.0, 0), "scale must be finite and > 0, got 0");
}

}  // namespace
}  // namespace octet
