// functional_modules_test.cpp: FloatFunctional and QFunctional (add, add_relu, mul, mul_relu, add_scalar, mul_scalar, cat, matmul): operators, the float path, observers, from_float, the state dict and errors.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "common/test_util.h"
#include "octet/nn/quantized/functional_modules.h"
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

TEST(FloatFunctionalModule, ComputesTheFloatOpsAndObservesTheirResults) {
  Generator gen(test::test_seed(641));
  nnq::FloatFunctional f;
  const Tensor a = randn({2, 3}, gen), b = randn({2, 3}, gen);
  EXPECT_TRUE(equal(f.add(a, b), F::add(a, b)));
  EXPECT_TRUE(equal(f.mul(a, b), F::mul(a, b)));
  EXPECT_TRUE(equal(f.add_relu(a, b), F::relu(F::add(a, b))));
  EXPECT_TRUE(equal(f.mul_relu(a, b), F::relu(F::mul(a, b))));
  EXPECT_TRUE(equal(f.add_scalar(a, 1.5), F::add(a, 1.5)));
  EXPECT_TRUE(equal(f.mul_scalar(a, -2.0), F::mul(a, -2.0)));
  EXPECT_TRUE(equal(f.cat({a, b}, 1), F::cat({a, b}, 1)));
  EXPECT_TRUE(equal(f.matmul(a, b.t()), F::matmul(a, b.t())));
  EXPECT_EQ(f.to_string(), "FloatFunctional(\n  (activation_post_process): Identity()\n)");
  // prepare() swaps in an observer: it sees add's result, not add_scalar's (as PyTorch).
  auto obs = std::make_shared<quantization::MinMaxObserver>();
  f.replace_module("activation_post_process", obs);
  ASSERT_EQ(f.activation_post_process, obs);
  f.add_scalar(F::mul(a, 100.0), 0.0);
  EXPECT_FALSE(obs->has_observed());
  const Tensor s = f.add(a, b);
  EXPECT_TRUE(obs->has_observed());
  quantization::MinMaxObserver expected;
  expected.observe(s);
  EXPECT_TRUE(equal(obs->calculate_qparams().scale, expected.calculate_qparams().scale));
  // convert: QFunctional takes the observer's qparams from the FloatFunctional itself.
  const auto q = nnq::QFunctional::from_float(f);
  EXPECT_EQ(q->scale(), expected.quantizer()->scale());
  EXPECT_EQ(q->zero_point(), expected.quantizer()->zero_point());
}

TEST(QFunctionalModule, EqualsTheOperators) {
  Generator gen(test::test_seed(642));
  for (DType dtype : {kQUInt8, kQInt8}) {
    const bool s = dtype == kQInt8;
    nnq::QFunctional f;
    f.set_scale(0.061);
    f.set_zero_point(s ? 2 : 127);
    const Tensor a = random_quantized({2, 3, 8}, 0.04, s ? 10 : 120, dtype, gen);
    const Tensor b = random_quantized({2, 3, 8}, 0.03, s ? -7 : 140, dtype, gen);
    const Tensor row = random_quantized({8}, 0.02, s ? 0 : 128, dtype, gen);
    const double sc = 0.061;
    const int64_t z = f.zero_point();
    expect_same_quantized(f.add(a, b), Q::add(a, b, sc, z), "add");
    expect_same_quantized(f.add(a, row), Q::add(a, row, sc, z), "add broadcast");
    expect_same_quantized(f.add_relu(a, b), Q::add_relu(a, b, sc, z), "add_relu");
    expect_same_quantized(f.mul(a, b), Q::mul(a, b, sc, z), "mul");
    expect_same_quantized(f.mul_relu(a, b), Q::mul_relu(a, b, sc, z), "mul_relu");
    expect_same_quantized(f.add_scalar(a, 0.37), Q::add_scalar(a, 0.37), "add_scalar");
    expect_same_quantized(f.mul_scalar(a, -0.4), Q::mul_scalar(a, -0.4), "mul_scalar");
    expect_same_quantized(f.cat({a, b}, 1), Q::cat({a, b}, 1, sc, z), "cat");
    // matmul: dequantize, float matmul, quantize (PyTorch's quantized::matmul).
    const Tensor m = random_quantized({8, 5}, 0.02, s ? 0 : 128, dtype, gen);
    expect_same_quantized(f.matmul(a, m),
                          quantize_per_tensor(F::matmul(a.dequantize(), m.dequantize()), sc, z, dtype), "matmul");
  }
}

// The quantized add is PyTorch's: dequantize both (in the FMA form), add in float32, requantize; the
// plain float path dequantizes without an FMA, so it may round to the other side of a tie.
TEST(QFunctionalModule, FloatPath) {
  Generator gen(test::test_seed(643));
  nnq::QFunctional f;
  f.set_scale(0.05);
  f.set_zero_point(128);
  const Tensor a = random_quantized({4, 64}, 0.041, 120, kQUInt8, gen);
  const Tensor b = random_quantized({4, 64}, 0.037, 135, kQUInt8, gen);
  const Tensor af = a.dequantize(), bf = b.dequantize();
  const std::string why = "the operators dequantize with one FMA (PyTorch's vectorized form)";
  test::expect_within_one_step(f.add(a, b).int_repr(),
                               test::requantize_float(F::add(af, bf), 0.05, 128, kQUInt8).int_repr(), "add", why);
  test::expect_within_one_step(f.add_relu(a, b).int_repr(),
                               test::requantize_float(F::relu(F::add(af, bf)), 0.05, 128, kQUInt8).int_repr(),
                               "add_relu", why);
  test::expect_within_one_step(f.mul(a, b).int_repr(),
                               test::requantize_float(F::mul(af, bf), 0.05, 128, kQUInt8).int_repr(), "mul",
                               "the operator multiplies the integers and requantizes once; the float path rounds twice");
  // cat of tensors that already have the output's qparams copies the integers.
  const Tensor c = random_quantized({4, 8}, 0.05, 128, kQUInt8, gen);
  expect_same_quantized(f.cat({c, c}, 0), quantize_per_tensor(F::cat({c.dequantize(), c.dequantize()}, 0), 0.05, 128,
                                                             kQUInt8),
                        "cat");
}

TEST(QFunctionalModule, StateDictPrintingAndErrors) {
  Generator gen(test::test_seed(644));
  nnq::QFunctional f;
  f.set_scale(0.25);
  f.set_zero_point(3);
  EXPECT_EQ(f.to_string(), "QFunctional(\n  scale=0.25, zero_point=3\n  (activation_post_process): Identity()\n)");
  const nn::StateDict sd = f.state_dict();
  ASSERT_EQ(sd.size(), 2u);
  EXPECT_EQ(sd.item(0).first, "scale");
  EXPECT_EQ(sd.item(1).first, "zero_point");
  const Tensor a = random_quantized({3}, 0.1, 0, kQUInt8, gen);
  nnq::QFunctional g;
  test::expect_state_round_trip(f, g, [&](nnq::QFunctional& m) { return m.add(a, a); }, "QFunctional");

  EXPECT_OCTET_ERROR(f.forward(a), "QFunctional: Functional is not intended to use the 'forward'");
  EXPECT_OCTET_ERROR(nnq::FloatFunctional().forward(a), "FloatFunctional is not intended to use the 'forward'");
  const Tensor x = randn({3}, gen);
  EXPECT_OCTET_ERROR(f.add(x, a),
                     "QFunctional.add: expected a quantized first input (quint8 or qint8), got float32: a QuantStub (or "
                     "nn::quantized::Quantize) is probably missing before this module");
  EXPECT_OCTET_ERROR(f.mul(a, x), "QFunctional.mul: expected a quantized second input");
  EXPECT_OCTET_ERROR(f.cat({a, x}), "QFunctional.cat: expected a quantized input");
  EXPECT_OCTET_ERROR(f.add_scalar(x, 1.0), "QFunctional.add_scalar: expected a quantized input");
  nnq::FloatFunctional ff;
  EXPECT_OCTET_ERROR(ff.add(x, a),
                     "FloatFunctional.add: expected a float second input, got quint8: a DeQuantStub (or "
                     "nn::quantized::DeQuantize) is probably missing before this module");
  EXPECT_OCTET_ERROR(ff.cat({a}), "FloatFunctional.cat: expected a float input, got quint8");
  EXPECT_OCTET_ERROR(ff.mul_scalar(a, 2.0), "FloatFunctional.mul_scalar: expected a float input");
  // from_float needs a calibrated observer.
  EXPECT_OCTET_ERROR(nnq::QFunctional::from_float(ff), "QFunctional.from_float: no output observer");
  ff.replace_module("activation_post_process", std::make_shared<quantization::MinMaxObserver>());
  EXPECT_OCTET_ERROR(nnq::QFunctional::from_float(ff), "the output observer cannot give qparams");
}

}  // namespace
}  // namespace octet
