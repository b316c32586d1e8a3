// qnn_golden_test.cpp: every static quantized module against PyTorch 2.15's module of the same class, built from the same integers and qparams (tests/data/golden/qnn_static.safetensors, scripts/golden/gen_qnn_static.py): outputs, printing, and PyTorch's eager from_float.
//
// Exact where Octet's contract is PyTorch's arithmetic: qnnpack linear/conv (int32 bias), the norms,
// the lookup-table activations, softmax, Quantize/DeQuantize, QFunctional, and the from_float
// qparams and weights. Within one step, with the count printed, where PyTorch's arithmetic differs:
// x86 linear/conv (float bias, float multiplier), fbgemm transposed conv, onednn ConvAdd2d (int32 +
// float sum vs Octet's float reference), PReLU (PyTorch's integer kernel vs Octet's float recipe).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/nn/intrinsic/fused.h"
#include "octet/nn/intrinsic/quantized/bn_relu.h"
#include "octet/nn/intrinsic/quantized/conv_add.h"
#include "octet/nn/intrinsic/quantized/conv_relu.h"
#include "octet/nn/intrinsic/quantized/linear_relu.h"
#include "octet/nn/quantized/activation.h"
#include "octet/nn/quantized/conv.h"
#include "octet/nn/quantized/dropout.h"
#include "octet/nn/quantized/functional_modules.h"
#include "octet/nn/quantized/linear.h"
#include "octet/nn/quantized/normalization.h"
#include "octet/nn/quantized/quantize.h"
#include "octet/octet.h"
#include "octet/quantization/min_max_observer.h"
#include "qnn/qnn_test_util.h"

namespace octet {
namespace {

namespace nnq = octet::nn::quantized;
namespace nniq = octet::nn::intrinsic::quantized;
using json = nlohmann::json;
using test::expect_same_quantized;
using test::GoldenCase;

const test::GoldenFile& golden() {
  static const test::GoldenFile file("qnn_static");
  return file;
}

Tensor quantized_input(const GoldenCase& c, const std::string& key, const std::string& prefix) {
  return make_per_tensor_quantized_tensor(c.get(key), c.args.at(prefix + "_scale").get<double>(),
                                          c.args.at(prefix + "_zero_point").get<int64_t>());
}

Tensor weight_of(const GoldenCase& c) {
  if (c.args.contains("w_axis")) {
    return make_per_channel_quantized_tensor(c.get("w"), c.get("w_scales"), c.get("w_zps"),
                                             c.args.at("w_axis").get<int64_t>());
  }
  return make_per_tensor_quantized_tensor(c.get("w"), c.get("w_scales").item<double>(), c.get("w_zps").item<int64_t>());
}

Tensor bias_of(const GoldenCase& c) { return c.has("bias") ? c.get("bias") : Tensor(); }

template <typename M>
void set_output(M& m, const GoldenCase& c) {
  m.set_scale(c.args.at("out_scale").get<double>());
  m.set_zero_point(c.args.at("out_zero_point").get<int64_t>());
}

// Exact for the engines whose arithmetic is Octet's contract, else within one step.
void compare(const GoldenCase& c, const Tensor& y, bool exact, const std::string& why) {
  ASSERT_EQ(y.shape(), c.get("y").shape()) << c.name;
  if (exact) {
    const test::IntDiff d = test::int_diff(y.int_repr(), c.get("y"));
    EXPECT_EQ(d.mismatches, 0) << c.name << ": " << d.mismatches << " of " << d.total << " differ (max "
                               << d.max_diff << ")";
  } else {
    test::expect_within_one_step(y.int_repr(), c.get("y"), c.name, why);
  }
  if (c.args.contains("y_scale")) {
    EXPECT_EQ(y.q_scale(), c.args.at("y_scale").get<double>()) << c.name;
    EXPECT_EQ(y.q_zero_point(), c.args.at("y_zero_point").get<int64_t>()) << c.name;
  }
}

void expect_repr(const GoldenCase& c, const nn::Module& m) {
  // PyTorch's qnnpack packs a zero bias for a conv built without one, so its repr drops "bias=False".
  if (c.args.value("engine", "") == "qnnpack" && !c.args.value("bias", true)) return;
  if (c.args.contains("repr") && c.args.at("repr").is_string()) {
    EXPECT_EQ(m.to_string(), c.args.at("repr").get<std::string>()) << c.name;
  }
}

TEST(QnnGolden, Linear) {
  int n = 0;
  for (const GoldenCase& c : golden().cases_of("linear")) {
    const bool relu = c.args.at("relu").get<bool>();
    const int64_t in = c.args.at("in_features").get<int64_t>(), out = c.args.at("out_features").get<int64_t>();
    const nnq::LinearOptions o{c.args.at("bias").get<bool>()};
    std::shared_ptr<nnq::Linear> m = relu ? std::make_shared<nniq::LinearReLU>(in, out, o)
                                          : std::make_shared<nnq::Linear>(in, out, o);
    m->set_weight_bias(weight_of(c), bias_of(c));
    set_output(*m, c);
    const bool exact = c.args.at("engine") == "qnnpack";
    compare(c, m->forward(quantized_input(c, "x", "x")), exact,
            "PyTorch's x86 engine keeps the bias in float and requantizes with its own multiplier");
    expect_repr(c, *m);
    ++n;
  }
  EXPECT_EQ(n, 8);
}

std::shared_ptr<nnq::detail::QConvNd> make_conv(const GoldenCase& c) {
  const json& a = c.args;
  const int dims = a.at("dims").get<int>();
  const int64_t cin = a.at("in_channels").get<int64_t>(), cout = a.at("out_channels").get<int64_t>();
  const Shape k{a.at("kernel").get<int64_t>()};
  if (a.at("transposed").get<bool>()) {
    nn::ConvTransposeOptions o;
    o.stride = {a.at("stride").get<int64_t>()};
    o.padding = {a.at("padding").get<int64_t>()};
    o.output_padding = {a.at("output_padding").get<int64_t>()};
    o.groups = a.at("groups").get<int64_t>();
    o.bias = a.at("bias").get<bool>();
    o.dilation = {a.at("dilation").get<int64_t>()};
    if (dims == 1) return std::make_shared<nnq::ConvTranspose1d>(cin, cout, k, o);
    if (dims == 2) return std::make_shared<nnq::ConvTranspose2d>(cin, cout, k, o);
    return std::make_shared<nnq::ConvTranspose3d>(cin, cout, k, o);
  }
  nn::ConvOptions o;
  o.stride = {a.at("stride").get<int64_t>()};
  o.padding = {a.at("padding").get<int64_t>()};
  o.dilation = {a.at("dilation").get<int64_t>()};
  o.groups = a.at("groups").get<int64_t>();
  o.bias = a.at("bias").get<bool>();
  o.padding_mode = a.at("padding_mode").get<std::string>();
  const bool relu = a.at("relu").get<bool>();
  if (dims == 1) {
    return relu ? std::shared_ptr<nnq::detail::QConvNd>(std::make_shared<nniq::ConvReLU1d>(cin, cout, k, o))
                : std::make_shared<nnq::Conv1d>(cin, cout, k, o);
  }
  if (dims == 2) {
    return relu ? std::shared_ptr<nnq::detail::QConvNd>(std::make_shared<nniq::ConvReLU2d>(cin, cout, k, o))
                : std::make_shared<nnq::Conv2d>(cin, cout, k, o);
  }
  return relu ? std::shared_ptr<nnq::detail::QConvNd>(std::make_shared<nniq::ConvReLU3d>(cin, cout, k, o))
              : std::make_shared<nnq::Conv3d>(cin, cout, k, o);
}

TEST(QnnGolden, Conv) {
  int n = 0;
  for (const GoldenCase& c : golden().cases_of("conv")) {
    auto m = make_conv(c);
    m->set_weight_bias(weight_of(c), bias_of(c));
    set_output(*m, c);
    const bool exact = c.args.at("engine") == "qnnpack";
    compare(c, m->forward(quantized_input(c, "x", "x")), exact,
            "PyTorch's x86 / fbgemm convolutions keep the bias in float and requantize with their own multiplier");
    expect_repr(c, *m);
    ++n;
  }
  EXPECT_EQ(n, 19);
}

TEST(QnnGolden, ConvAdd) {
  int n = 0;
  for (const GoldenCase& c : golden().cases_of("conv_add")) {
    const bool relu = c.args.at("relu").get<bool>();
    nn::ConvOptions o;
    o.padding = {1};
    const Tensor x = quantized_input(c, "x", "x"), extra = quantized_input(c, "x2", "x2");
    Tensor y;
    if (relu) {
      nniq::ConvAddReLU2d m(4, 6, {3}, o);
      m.set_weight_bias(weight_of(c), bias_of(c));
      set_output(m, c);
      y = m.forward(x, extra);
      expect_repr(c, m);
    } else {
      nniq::ConvAdd2d m(4, 6, {3}, o);
      m.set_weight_bias(weight_of(c), bias_of(c));
      set_output(m, c);
      y = m.forward(x, extra);
      expect_repr(c, m);
    }
    compare(c, y, false,
            "onednn sums the int32 conv and the extra input in its own order; Octet quantizes the float reference once");
    ++n;
  }
  EXPECT_EQ(n, 2);
}

TEST(QnnGolden, Norms) {
  int n = 0;
  for (const GoldenCase& c : golden().cases_of("batch_norm")) {
    const int dims = c.args.at("dims").get<int>();
    const bool relu = c.args.at("relu").get<bool>();
    const int64_t f = c.args.at("num_features").get<int64_t>();
    std::shared_ptr<nn::detail::BatchNormBase> m;
    if (dims == 2) {
      m = relu ? std::shared_ptr<nn::detail::BatchNormBase>(std::make_shared<nniq::BNReLU2d>(f))
               : std::make_shared<nnq::BatchNorm2d>(f);
    } else {
      m = relu ? std::shared_ptr<nn::detail::BatchNormBase>(std::make_shared<nniq::BNReLU3d>(f))
               : std::make_shared<nnq::BatchNorm3d>(f);
    }
    m->weight.copy_(c.get("weight_f"));
    m->bias.copy_(c.get("bias_f"));
    m->running_mean.copy_(c.get("mean"));
    m->running_var.copy_(c.get("var"));
    auto& q = dynamic_cast<nnq::detail::OutputQParams<nn::detail::BatchNormBase>&>(*m);
    set_output(q, c);
    compare(c, m->forward(quantized_input(c, "x", "x")), true, "");
    expect_repr(c, *m);
    ++n;
  }
  for (const GoldenCase& c : golden().cases_of("layer_norm")) {
    nnq::LayerNorm m({6}, c.get("weight_f"), c.get("bias_f"), c.args.at("out_scale").get<double>(),
                     c.args.at("out_zero_point").get<int64_t>());
    compare(c, m.forward(quantized_input(c, "x", "x")), true, "");
    expect_repr(c, m);
    ++n;
  }
  for (const GoldenCase& c : golden().cases_of("group_norm")) {
    nnq::GroupNorm m(3, 6, c.get("weight_f"), c.get("bias_f"), c.args.at("out_scale").get<double>(),
                     c.args.at("out_zero_point").get<int64_t>());
    compare(c, m.forward(quantized_input(c, "x", "x")), true, "");
    expect_repr(c, m);
    ++n;
  }
  for (const GoldenCase& c : golden().cases_of("instance_norm")) {
    const int dims = c.args.at("dims").get<int>();
    const double s = c.args.at("out_scale").get<double>();
    const int64_t z = c.args.at("out_zero_point").get<int64_t>();
    const nn::InstanceNormOptions o{.affine = true};
    std::shared_ptr<nn::Module> m;
    if (dims == 1) m = std::make_shared<nnq::InstanceNorm1d>(3, c.get("weight_f"), c.get("bias_f"), s, z, o);
    if (dims == 2) m = std::make_shared<nnq::InstanceNorm2d>(3, c.get("weight_f"), c.get("bias_f"), s, z, o);
    if (dims == 3) m = std::make_shared<nnq::InstanceNorm3d>(3, c.get("weight_f"), c.get("bias_f"), s, z, o);
    compare(c, m->forward(quantized_input(c, "x", "x")), true, "");
    expect_repr(c, *m);
    ++n;
  }
  EXPECT_EQ(n, 10);
}

TEST(QnnGolden, Activations) {
  int n = 0;
  for (const GoldenCase& c : golden().cases()) {
    std::shared_ptr<nn::Module> m;
    const json& a = c.args;
    auto d = [&](const char* k) { return a.at(k).get<double>(); };
    auto i = [&](const char* k) { return a.at(k).get<int64_t>(); };
    if (c.op == "relu6") m = std::make_shared<nnq::ReLU6>();
    if (c.op == "dropout") m = std::make_shared<nnq::Dropout>(0.3);
    if (c.op == "hardswish") m = std::make_shared<nnq::Hardswish>(d("out_scale"), i("out_zero_point"));
    if (c.op == "elu") m = std::make_shared<nnq::ELU>(d("out_scale"), i("out_zero_point"), d("alpha"));
    if (c.op == "leaky_relu") {
      m = std::make_shared<nnq::LeakyReLU>(d("out_scale"), i("out_zero_point"), d("negative_slope"));
    }
    if (c.op == "sigmoid") m = std::make_shared<nnq::Sigmoid>(d("out_scale"), i("out_zero_point"));
    if (c.op == "softmax") m = std::make_shared<nnq::Softmax>(i("dim"), d("out_scale"), i("out_zero_point"));
    if (m == nullptr) continue;
    compare(c, m->forward(quantized_input(c, "x", "x")), true, "");
    expect_repr(c, *m);
    ++n;
  }
  EXPECT_EQ(n, 14);
  for (const GoldenCase& c : golden().cases_of("prelu")) {
    nnq::PReLU m(c.args.at("out_scale").get<double>(), c.args.at("out_zero_point").get<int64_t>(), 3);
    m.set_weight(make_per_tensor_quantized_tensor(c.get("w"), c.args.at("w_scale").get<double>(),
                                                  c.args.at("w_zero_point").get<int64_t>()));
    compare(c, m.forward(quantized_input(c, "x", "x")), false,
            "PyTorch's integer prelu kernel (the positive side times the weight's quantized 1.0) vs Octet's float "
            "recipe");
    expect_repr(c, m);
    ++n;
  }
  EXPECT_EQ(n, 15);
}

TEST(QnnGolden, QuantizeDeQuantizeAndQFunctional) {
  int n = 0;
  for (const GoldenCase& c : golden().cases_of("quantize")) {
    const std::string dt = c.args.at("dtype").get<std::string>();
    nnq::Quantize m(c.args.at("scale").get<double>(), c.args.at("zero_point").get<int64_t>(),
                    dt == "qint8" ? kQInt8 : kQUInt8);
    compare(c, m.forward(c.get("xf")), true, "");
    expect_repr(c, m);
    ++n;
  }
  for (const GoldenCase& c : golden().cases_of("dequantize")) {
    EXPECT_TRUE(equal(nnq::DeQuantize().forward(quantized_input(c, "x", "x")), c.get("y"))) << c.name;
    ++n;
  }
  for (const GoldenCase& c : golden().cases_of("qfunctional")) {
    nnq::QFunctional f;
    set_output(f, c);
    const std::string op = c.args.at("op").get<std::string>();
    const Tensor a = quantized_input(c, "x", "x");
    Tensor y;
    if (op == "add") y = f.add(a, quantized_input(c, "x2", "x2"));
    if (op == "add_relu") y = f.add_relu(a, quantized_input(c, "x2", "x2"));
    if (op == "mul") y = f.mul(a, quantized_input(c, "x2", "x2"));
    if (op == "cat") y = f.cat({a, quantized_input(c, "x2", "x2")}, 1);
    if (op == "add_scalar") y = f.add_scalar(a, c.args.at("scalar").get<double>());
    if (op == "mul_scalar") y = f.mul_scalar(a, c.args.at("scalar").get<double>());
    compare(c, y, true, "");
    expect_repr(c, f);
    ++n;
  }
  EXPECT_EQ(n, 20);
}

// PyTorch's eager flow (default_per_channel_qconfig: MinMaxObserver quint8 0..127 on the output,
// per-channel symmetric qint8 weights): Octet's from_float with the same observers, fed the same
// calibration outputs, gives the same output qparams, weight integers and scales.
TEST(QnnGolden, FromFloatMatchesPyTorchsEagerConvert) {
  {
    const auto cases = golden().cases_of("from_float_linear");
    ASSERT_EQ(cases.size(), 1u);
    const GoldenCase& c = cases[0];
    nn::Linear lin(12, 7);
    lin.weight.copy_(c.get("weight_f"));
    lin.bias.copy_(c.get("bias_f"));
    auto obs = quantization::default_per_channel_qconfig().activation();
    obs->forward(c.get("calib_out"));
    const auto q = nnq::Linear::from_float(
        lin, test::from_float_args(obs.get(), quantization::default_per_channel_qconfig().weight));
    EXPECT_EQ(q->scale(), c.args.at("out_scale").get<double>());
    EXPECT_EQ(q->zero_point(), c.args.at("out_zero_point").get<int64_t>());
    expect_same_quantized(q->weight(), weight_of(c), "from_float_linear weight");
    compare(c, q->forward(quantized_input(c, "x", "x")), false, "PyTorch's x86 linear keeps the bias in float");
    expect_repr(c, *q);
  }
  {
    const auto cases = golden().cases_of("from_float_conv_bn_relu");
    ASSERT_EQ(cases.size(), 1u);
    const GoldenCase& c = cases[0];
    auto conv = std::make_shared<nn::Conv2d>(3, 6, Shape{3}, nn::ConvOptions{.padding = {1}});
    conv->weight.copy_(c.get("weight_f"));
    conv->bias.copy_(c.get("bias_f"));
    auto bn = std::make_shared<nn::BatchNorm2d>(6, nn::BatchNormOptions{.eps = c.args.at("eps").get<double>()});
    bn->weight.copy_(c.get("bn_weight"));
    bn->bias.copy_(c.get("bn_bias"));
    bn->running_mean.copy_(c.get("mean"));
    bn->running_var.copy_(c.get("var"));
    nn::intrinsic::ConvBnReLU2d fused(conv, bn, std::make_shared<nn::ReLU>());
    fused.eval();
    auto obs = quantization::default_per_channel_qconfig().activation();
    obs->forward(c.get("calib_out"));
    const auto q = nniq::ConvReLU2d::from_float(
        fused, test::from_float_args(obs.get(), quantization::default_per_channel_qconfig().weight));
    EXPECT_EQ(q->scale(), c.args.at("out_scale").get<double>());
    EXPECT_EQ(q->zero_point(), c.args.at("out_zero_point").get<int64_t>());
    expect_same_quantized(q->weight(), weight_of(c), "from_float_conv_bn_relu weight");
    EXPECT_TRUE(equal(q->bias(), c.get("bias")));
    compare(c, q->forward(quantized_input(c, "x", "x")), false, "PyTorch's x86 conv keeps the bias in float");
    expect_repr(c, *q);
  }
}

}  // namespace
}  // namespace octet
