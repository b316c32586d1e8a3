// quantized_input_modules_test.cpp: the float modules PyTorch leaves in place after eager-mode convert() (ReLU, MaxPool2d, Upsample, Flatten, ...) run quantized input through the quantized ops, bit for bit; the float-only modules keep asking for a DeQuantStub.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "octet/generator.h"
#include "octet/nn/activation.h"
#include "octet/nn/batchnorm.h"
#include "octet/nn/container.h"
#include "octet/nn/conv.h"
#include "octet/nn/dropout.h"
#include "octet/nn/flatten.h"
#include "octet/nn/identity.h"
#include "octet/nn/linear.h"
#include "octet/nn/pooling.h"
#include "octet/nn/upsampling.h"
#include "octet/quantize.h"
#include "octet/quantized/activation.h"
#include "octet/quantized/pooling.h"
#include "octet/quantized/resize.h"
#include "octet/tensor.h"

namespace octet {
namespace {

namespace Q = octet::quantized;

// Local helpers (not ops/quantized/qop_test_util.h, which pulls in the whole API through octet.h).
// An integer tensor uniform over the dtype's range, as a quantized tensor.
Tensor random_q(const Shape& shape, DType dtype, double scale, int64_t zero_point, Generator& gen) {
  const Tensor ints = dtype == kQUInt8 ? randint(0, 256, shape, gen, kInt32).to(kUInt8)
                                       : randint(-128, 128, shape, gen, kInt32).to(kInt8);
  return make_per_tensor_quantized_tensor(ints, scale, zero_point);
}

// The stored integers in logical (row-major) order.
std::vector<int32_t> ints(const Tensor& q) {
  const Tensor t = q.int_repr().to(kInt32).contiguous();
  return std::vector<int32_t>(t.data_ptr<int32_t>(), t.data_ptr<int32_t>() + t.numel());
}

// Same shape, dtype, qparams and integers (the first differing element is reported).
void expect_same_q(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_TRUE(got.is_quantized()) << what << ": got a " << got.dtype() << " tensor";
  ASSERT_EQ(got.shape(), want.shape()) << what;
  EXPECT_EQ(got.dtype(), want.dtype()) << what;
  EXPECT_EQ(got.q_scale(), want.q_scale()) << what;
  EXPECT_EQ(got.q_zero_point(), want.q_zero_point()) << what;
  const std::vector<int32_t> a = ints(got), b = ints(want);
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i], b[i]) << what << ": element " << i;
  }
}

class QuantizedInputModules : public ::testing::Test {
 protected:
  void SetUp() override { gen_ = Generator(test::test_seed(0x6e12)); }
  // quint8 with a zero point inside the range, so clamps bite on both sides.
  Tensor input(const Shape& shape, DType dtype = kQUInt8) {
    return random_q(shape, dtype, dtype == kQUInt8 ? 0.04 : 0.02, dtype == kQUInt8 ? 90 : 5, gen_);
  }
  Generator gen_;
};

TEST_F(QuantizedInputModules, ActivationModulesRunTheQuantizedOps) {
  for (DType dtype : {kQUInt8, kQInt8}) {
    const Tensor x = input({2, 4, 3, 5}, dtype);
    const std::string d = dtype == kQUInt8 ? " quint8" : " qint8";
    expect_same_q(nn::ReLU().forward(x), Q::relu(x), "ReLU" + d);
    expect_same_q(nn::ReLU6().forward(x), Q::relu6(x), "ReLU6" + d);
    expect_same_q(nn::Hardtanh({.min_val = -0.4, .max_val = 0.6}).forward(x), Q::hardtanh(x, -0.4, 0.6), "Hardtanh" + d);
    expect_same_q(nn::Hardsigmoid().forward(x), Q::hardsigmoid(x), "Hardsigmoid" + d);
    expect_same_q(nn::Sigmoid().forward(x), Q::sigmoid(x), "Sigmoid" + d);
    expect_same_q(nn::Tanh().forward(x), Q::tanh(x), "Tanh" + d);
    expect_same_q(nn::Hardswish().forward(x), Q::hardswish(x, x.q_scale(), x.q_zero_point()), "Hardswish" + d);
    expect_same_q(nn::GELU().forward(x), Q::gelu(x), "GELU" + d);
    expect_same_q(nn::ELU({.alpha = 0.7}).forward(x), Q::elu(x, x.q_scale(), x.q_zero_point(), 0.7), "ELU" + d);
    expect_same_q(nn::LeakyReLU({.negative_slope = 0.1}).forward(x), Q::leaky_relu(x, 0.1), "LeakyReLU" + d);
  }
  // The PyTorch qparams, stated on their own: ReLU keeps the input's, Sigmoid has 1/256 and 0.
  const Tensor x = input({8});
  EXPECT_EQ(nn::ReLU().forward(x).q_scale(), x.q_scale());
  EXPECT_EQ(nn::ReLU().forward(x).q_zero_point(), x.q_zero_point());
  EXPECT_EQ(nn::Sigmoid().forward(x).q_scale(), 1.0 / 256.0);
  EXPECT_EQ(nn::Sigmoid().forward(x).q_zero_point(), 0);
}

TEST_F(QuantizedInputModules, PoolingModulesRunTheQuantizedOps) {
  const Tensor x1 = input({2, 3, 12}), x2 = input({2, 3, 9, 8}), x3 = input({2, 3, 4, 6, 5});
  expect_same_q(nn::MaxPool1d({3}, {.stride = {2}, .padding = {1}}).forward(x1), Q::max_pool1d(x1, {3}, {2}, {1}),
                "MaxPool1d");
  expect_same_q(nn::MaxPool2d({3}, {.stride = {2}, .padding = {1}, .ceil_mode = true}).forward(x2),
                Q::max_pool2d(x2, {3}, {2}, {1}, {1}, true), "MaxPool2d");
  expect_same_q(nn::MaxPool3d({2}).forward(x3), Q::max_pool3d(x3, {2}), "MaxPool3d");
  expect_same_q(nn::AvgPool1d({4}, {.stride = {3}}).forward(x1),
                Q::avg_pool2d(x1.unsqueeze(-2), {1, 4}, {1, 3}).squeeze(-2), "AvgPool1d");
  expect_same_q(nn::AvgPool2d({3}, {.padding = {1}, .count_include_pad = false}).forward(x2),
                Q::avg_pool2d(x2, {3}, {}, {1}, false, false), "AvgPool2d");
  expect_same_q(nn::AvgPool3d({2}, {.divisor_override = 3}).forward(x3), Q::avg_pool3d(x3, {2}, {}, {0}, false, true, 3),
                "AvgPool3d");
  expect_same_q(nn::AdaptiveAvgPool1d({5}).forward(x1), Q::adaptive_avg_pool2d(x1.unsqueeze(-2), {1, 5}).squeeze(-2),
                "AdaptiveAvgPool1d");
  expect_same_q(nn::AdaptiveAvgPool2d({1, 1}).forward(x2), Q::adaptive_avg_pool2d(x2, {1, 1}), "AdaptiveAvgPool2d");
  expect_same_q(nn::AdaptiveAvgPool3d({2, 3, 2}).forward(x3), Q::adaptive_avg_pool3d(x3, {2, 3, 2}), "AdaptiveAvgPool3d");
  const Tensor y = nn::MaxPool2d({2}).forward(x2);
  EXPECT_EQ(y.q_scale(), x2.q_scale());
  EXPECT_EQ(y.q_zero_point(), x2.q_zero_point());
}

TEST_F(QuantizedInputModules, UpsampleRunsTheQuantizedResize) {
  const Tensor x = input({1, 3, 4, 6});
  expect_same_q(nn::Upsample({.scale_factor = {2}}).forward(x), Q::interpolate(x, {}, {2.0}, "nearest"), "nearest");
  expect_same_q(nn::Upsample({.size = {7, 9}, .mode = "bilinear", .align_corners = true}).forward(x),
                Q::upsample_bilinear2d(x, {7, 9}, true), "bilinear");
  EXPECT_OCTET_ERROR(nn::Upsample({.scale_factor = {2}, .mode = "bicubic"}).forward(x),
                     "mode 'bicubic' is not supported on a quantized quint8 input; the quantized path supports nearest "
                     "and bilinear");
  EXPECT_OCTET_ERROR(nn::Upsample({.scale_factor = {2}}).forward(zeros({1, 1, 2, 2}, kInt64)),
                     "Upsample: expected a float32 input, got int64 (a quantized input runs the quantized op)");
}

TEST_F(QuantizedInputModules, ShapeAndPassThroughModulesKeepQParams) {
  const Tensor x = input({2, 3, 4, 5}, kQInt8);
  const Tensor flat = nn::Flatten().forward(x);
  EXPECT_EQ(flat.shape(), (Shape{2, 60}));
  expect_same_q(flat, x.reshape({2, 60}), "Flatten");
  expect_same_q(nn::Unflatten(1, {3, -1}).forward(x.flatten(1, 2)), x, "Unflatten");
  expect_same_q(nn::Identity().forward(x), x, "Identity");
  nn::Dropout dropout(0.3);
  dropout.eval();
  expect_same_q(dropout.forward(x), x, "Dropout eval");
  dropout.train();
  EXPECT_OCTET_ERROR(dropout.forward(x), "dropout: training=true with p > 0 is not supported on a quantized qint8 input");
}

// The tail of a converted model: quantized tensors flow through the float modules PyTorch leaves.
TEST_F(QuantizedInputModules, SequentialOfLeftOverFloatModules) {
  nn::Sequential tail(std::make_shared<nn::MaxPool2d>(Shape{2}), std::make_shared<nn::ReLU>(),
                      std::make_shared<nn::Upsample>(nn::UpsampleOptions{.scale_factor = {2}}),
                      std::make_shared<nn::AdaptiveAvgPool2d>(Shape{1}), std::make_shared<nn::Flatten>(),
                      std::make_shared<nn::Dropout>(0.5));
  tail.eval();
  const Tensor x = input({2, 4, 6, 6});
  const Tensor want =
      Q::adaptive_avg_pool2d(Q::upsample_nearest2d(Q::relu(Q::max_pool2d(x, {2})), {6, 6}, 2.0, 2.0), {1}).flatten(1);
  expect_same_q(tail.forward(x), want, "Sequential");
}

TEST_F(QuantizedInputModules, FloatOnlyModulesStillAskForADeQuantStub) {
  const Tensor x = input({1, 2, 4, 4});
  const char* hint = "is a DeQuantStub (or DeQuantize) missing before this module?";
  EXPECT_OCTET_ERROR(nn::Conv2d(2, 2, {3}).forward(x), hint);
  EXPECT_OCTET_ERROR(nn::Linear(4, 2).forward(x), hint);
  nn::BatchNorm2d bn(2);
  bn.eval();
  EXPECT_OCTET_ERROR(bn.forward(x), hint);
  EXPECT_OCTET_ERROR(nn::AdaptiveMaxPool2d({1}).forward(x), std::string("AdaptiveMaxPool2d: expected a float32 input, "
                                                                         "got a quantized quint8 tensor: ") + hint);
  EXPECT_OCTET_ERROR(nn::MaxPool2d({2}).forward_with_indices(x),
                     "return_indices is not supported on a quantized quint8 input");
  EXPECT_OCTET_ERROR(nn::Mish().forward(x), "mish: expected input to be a float32 tensor, got quint8");
}

}  // namespace
}  // namespace octet
