// functional_quantized_input_test.cpp: the float functional ops on quantized input run the quantized op (PyTorch's dispatch by dtype), bit for bit, with PyTorch's output qparams.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "octet/functional/activation.h"
#include "octet/functional/elementwise.h"
#include "octet/functional/pooling.h"
#include "octet/functional/resize.h"
#include "octet/generator.h"
#include "octet/quantize.h"
#include "octet/quantized/activation.h"
#include "octet/quantized/pooling.h"
#include "octet/quantized/resize.h"
#include "octet/tensor.h"

namespace octet {
namespace {

namespace F = octet::functional;
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

// One quantized input per dtype, with a zero point away from the ends so clamps bite on both sides.
struct Case {
  DType dtype;
  double scale;
  int64_t zero_point;
};
const Case kCases[] = {{kQUInt8, 0.05, 100}, {kQInt8, 0.03, -7}};

std::string label(const Case& c, const char* op) {
  std::string s(op);
  s.append(" ").append(c.dtype == kQUInt8 ? "quint8" : "qint8");
  return s;
}

class FunctionalQuantizedInput : public ::testing::Test {
 protected:
  void SetUp() override { gen_ = Generator(test::test_seed(0x6e11)); }
  Tensor input(const Case& c, const Shape& shape) { return random_q(shape, c.dtype, c.scale, c.zero_point, gen_); }
  Generator gen_;
};

// --- activations -----------------------------------------------------------------------------------

TEST_F(FunctionalQuantizedInput, ClampsKeepQParamsAndMatchQuantizedOps) {
  for (const Case& c : kCases) {
    const Tensor x = input(c, {2, 3, 5, 7});
    expect_same_q(F::relu(x), Q::relu(x), label(c, "relu"));
    expect_same_q(F::relu6(x), Q::relu6(x), label(c, "relu6"));
    expect_same_q(F::hardtanh(x, -0.5, 0.7), Q::hardtanh(x, -0.5, 0.7), label(c, "hardtanh"));
    expect_same_q(F::clamp(x, Scalar(-0.3), Scalar(0.9)), Q::clamp(x, -0.3, 0.9), label(c, "clamp"));
    expect_same_q(F::clamp(x, Scalar(0.2)), Q::clamp(x, 0.2), label(c, "clamp min only"));
    const Tensor y = F::relu(x);
    EXPECT_EQ(y.q_scale(), c.scale);
    EXPECT_EQ(y.q_zero_point(), c.zero_point);
    // An independent check: a clamp on the integers is exact, so relu commutes with dequantize.
    EXPECT_TRUE(equal(y.dequantize(), F::relu(x.dequantize()))) << label(c, "relu");
  }
}

TEST_F(FunctionalQuantizedInput, LookupTableActivationsUsePyTorchsOutputQParams) {
  for (const Case& c : kCases) {
    const Tensor x = input(c, {4, 33});
    const bool u8 = c.dtype == kQUInt8;
    const Tensor sig = F::sigmoid(x), hsig = F::hardsigmoid(x), th = F::tanh(x);
    expect_same_q(sig, Q::sigmoid(x), label(c, "sigmoid"));
    expect_same_q(hsig, Q::hardsigmoid(x), label(c, "hardsigmoid"));
    expect_same_q(th, Q::tanh(x), label(c, "tanh"));
    EXPECT_EQ(sig.q_scale(), 1.0 / 256.0);
    EXPECT_EQ(sig.q_zero_point(), u8 ? 0 : -128);
    EXPECT_EQ(hsig.q_scale(), 1.0 / 256.0);
    EXPECT_EQ(hsig.q_zero_point(), u8 ? 0 : -128);
    EXPECT_EQ(th.q_scale(), 2.0 / 256.0);
    EXPECT_EQ(th.q_zero_point(), u8 ? 128 : 0);

    // ATen's quantized hardswish, elu, gelu and leaky_relu keep the input's qparams.
    expect_same_q(F::hardswish(x), Q::hardswish(x, c.scale, c.zero_point), label(c, "hardswish"));
    expect_same_q(F::elu(x, 0.5), Q::elu(x, c.scale, c.zero_point, 0.5), label(c, "elu"));
    expect_same_q(F::gelu(x), Q::gelu(x, c.scale, c.zero_point), label(c, "gelu"));
    expect_same_q(F::gelu(x, "tanh"), Q::gelu(x, "tanh"), label(c, "gelu tanh"));
    expect_same_q(F::leaky_relu(x, 0.2), Q::leaky_relu(x, 0.2), label(c, "leaky_relu"));
    EXPECT_EQ(F::hardswish(x).q_scale(), c.scale);
    EXPECT_EQ(F::elu(x).q_zero_point(), c.zero_point);
  }
}

TEST_F(FunctionalQuantizedInput, DropoutIsTheIdentityInEvalAndAnErrorInTraining) {
  const Tensor x = input(kCases[0], {3, 8});
  expect_same_q(F::dropout(x, 0.5, /*training=*/false), x, "dropout eval");
  expect_same_q(F::dropout(x, 0.0, /*training=*/true), x, "dropout p=0");
  EXPECT_OCTET_ERROR(F::dropout(x, 0.5, /*training=*/true), "training=true with p > 0 is not supported on a quantized");
  EXPECT_OCTET_ERROR(F::dropout(x, 1.5, /*training=*/false), "between 0 and 1");
}

// --- pooling ---------------------------------------------------------------------------------------

TEST_F(FunctionalQuantizedInput, MaxPoolingMatchesQuantizedOps) {
  for (const Case& c : kCases) {
    const Tensor x1 = input(c, {2, 3, 11}), x2 = input(c, {2, 3, 9, 10}), x3 = input(c, {3, 5, 6, 7});
    expect_same_q(F::max_pool1d(x1, {3}, {2}, {1}, {2}, true), Q::max_pool1d(x1, {3}, {2}, {1}, {2}, true),
                  label(c, "max_pool1d"));
    expect_same_q(F::max_pool2d(x2, {3, 2}, {2, 1}, {1, 0}, {1}, true), Q::max_pool2d(x2, {3, 2}, {2, 1}, {1, 0}, {1}, true),
                  label(c, "max_pool2d"));
    expect_same_q(F::max_pool3d(x3, {2}, {}, {1}), Q::max_pool3d(x3, {2}, {}, {1}), label(c, "max_pool3d"));
    // Max pooling commutes with the (monotone) dequantize: an answer independent of the quantized op.
    const Tensor y = F::max_pool2d(x2, {3}, {2}, {1});
    EXPECT_EQ(y.q_scale(), c.scale);
    EXPECT_EQ(y.q_zero_point(), c.zero_point);
    EXPECT_TRUE(equal(y.dequantize(), F::max_pool2d(x2.dequantize(), {3}, {2}, {1}))) << label(c, "max_pool2d");
    // A channels-last input (what quantized convolutions return) too.
    const Tensor cl = x2.permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2});
    expect_same_q(F::max_pool2d(cl, {2}), Q::max_pool2d(cl, {2}), label(c, "max_pool2d channels-last"));
  }
}

TEST_F(FunctionalQuantizedInput, AveragePoolingMatchesQuantizedOps) {
  for (const Case& c : kCases) {
    const Tensor x2 = input(c, {2, 3, 9, 10}), x3 = input(c, {2, 3, 5, 6, 7});
    expect_same_q(F::avg_pool2d(x2, {3}, {2}, {1}), Q::avg_pool2d(x2, {3}, {2}, {1}), label(c, "avg_pool2d"));
    expect_same_q(F::avg_pool2d(x2, {3, 2}, {2}, {1, 1}, true, false), Q::avg_pool2d(x2, {3, 2}, {2}, {1, 1}, true, false),
                  label(c, "avg_pool2d count_include_pad=false ceil_mode"));
    expect_same_q(F::avg_pool2d(x2, {2}, {}, {0}, false, true, 3), Q::avg_pool2d(x2, {2}, {}, {0}, false, true, 3),
                  label(c, "avg_pool2d divisor_override"));
    expect_same_q(F::avg_pool3d(x3, {2, 3, 2}, {1, 2, 2}, {1}), Q::avg_pool3d(x3, {2, 3, 2}, {1, 2, 2}, {1}),
                  label(c, "avg_pool3d"));
    expect_same_q(F::adaptive_avg_pool2d(x2, {4, 3}), Q::adaptive_avg_pool2d(x2, {4, 3}), label(c, "adaptive_avg_pool2d"));
    expect_same_q(F::adaptive_avg_pool3d(x3, {2}), Q::adaptive_avg_pool3d(x3, {2}), label(c, "adaptive_avg_pool3d"));
  }
}

// avg_pool1d and adaptive_avg_pool1d are ATen composites over the 2d ops with a unit height.
TEST_F(FunctionalQuantizedInput, OneDimensionalAveragePoolingRunsThe2dOpOverAUnitHeight) {
  for (const Case& c : kCases) {
    for (const Shape& shape : {Shape{2, 3, 13}, Shape{3, 13}}) {
      const Tensor x = input(c, shape);
      const Tensor y = F::avg_pool1d(x, {3}, {2}, {1}, true, false);
      expect_same_q(y, Q::avg_pool2d(x.unsqueeze(-2), {1, 3}, {1, 2}, {0, 1}, true, false).squeeze(-2),
                    label(c, "avg_pool1d"));
      EXPECT_EQ(y.dim(), x.dim());
      expect_same_q(F::adaptive_avg_pool1d(x, {5}), Q::adaptive_avg_pool2d(x.unsqueeze(-2), {1, 5}).squeeze(-2),
                    label(c, "adaptive_avg_pool1d"));
    }
  }
  const Tensor x = input(kCases[0], {2, 3, 13});
  EXPECT_OCTET_ERROR(F::avg_pool1d(x, {3, 3}), "avg_pool1d: kernel_size must hold 1 or 1 values");
  EXPECT_OCTET_ERROR(F::adaptive_avg_pool1d(input(kCases[0], {13}), {2}), "adaptive_avg_pool1d: expected a 2-D or 3-D");
}

TEST_F(FunctionalQuantizedInput, PoolingArgumentsWithoutAQuantizedOpAreErrors) {
  const Tensor x = input(kCases[0], {1, 2, 6, 6});
  EXPECT_OCTET_ERROR(F::max_pool2d_with_indices(x, {2}),
                     "max_pool2d_with_indices: return_indices is not supported on a quantized quint8 input");
  EXPECT_OCTET_ERROR(F::max_pool1d_with_indices(input(kCases[1], {2, 6}), {2}),
                     "return_indices is not supported on a quantized qint8 input");
  // Adaptive max pooling has no quantized op: the float op's dtype check.
  EXPECT_OCTET_ERROR(F::adaptive_max_pool2d(x, {2}), "adaptive_max_pool2d: expected a float32 input, got quint8");
}

// --- resize ----------------------------------------------------------------------------------------

TEST_F(FunctionalQuantizedInput, InterpolateNearestAndBilinearMatchQuantizedOps) {
  for (const Case& c : kCases) {
    const Tensor x = input(c, {2, 3, 5, 7});
    expect_same_q(F::interpolate(x, {}, {2.0}), Q::upsample_nearest2d(x, {10, 14}, 2.0, 2.0), label(c, "nearest x2"));
    expect_same_q(F::interpolate(x, {8, 9}, {}, "nearest"), Q::interpolate(x, {8, 9}, {}, "nearest"),
                  label(c, "nearest size"));
    expect_same_q(F::interpolate(x, {}, {1.5, 2.5}, "bilinear"), Q::interpolate(x, {}, {1.5, 2.5}, "bilinear"),
                  label(c, "bilinear scale"));
    expect_same_q(F::interpolate(x, {9, 4}, {}, "bilinear", true), Q::upsample_bilinear2d(x, {9, 4}, true),
                  label(c, "bilinear align_corners"));
    EXPECT_EQ(F::interpolate(x, {}, {2.0}).q_scale(), c.scale);
    EXPECT_EQ(F::interpolate(x, {}, {2.0}, "bilinear").q_zero_point(), c.zero_point);
  }
}

TEST_F(FunctionalQuantizedInput, InterpolateModesWithoutAQuantizedOpAreErrors) {
  const Tensor x = input(kCases[0], {1, 2, 4, 4});
  for (const char* mode : {"bicubic", "area", "nearest-exact"}) {
    std::string want("interpolate: mode '");
    want.append(mode).append("' is not supported on a quantized quint8 input; the quantized path supports nearest and bilinear");
    EXPECT_OCTET_ERROR(F::interpolate(x, {8, 8}, {}, mode), want);
  }
  EXPECT_OCTET_ERROR(F::interpolate(x, {2, 2}, {}, "bilinear", std::nullopt, std::nullopt, /*antialias=*/true),
                     "interpolate: antialias=true is not supported on a quantized quint8 input");
  // The quantized resize is 2-D only.
  EXPECT_OCTET_ERROR(F::interpolate(input(kCases[0], {1, 2, 4}), {8}), "expected a 4-D (N, C, H, W) input");
}

// --- ops without a quantized counterpart, and inputs the quantized ops reject ------------------------

TEST_F(FunctionalQuantizedInput, OpsWithoutAQuantizedOpKeepRejectingQuantizedInput) {
  const Tensor x = input(kCases[0], {2, 5});
  EXPECT_OCTET_ERROR(F::mish(x), "mish: expected input to be a float32 tensor, got quint8");
  EXPECT_OCTET_ERROR(F::silu(x), "silu: expected input to be a float32 tensor, got quint8");
  EXPECT_OCTET_ERROR(F::softplus(x), "softplus: expected input to be a float32 tensor, got quint8");
  EXPECT_OCTET_ERROR(F::clamp(x, x, x), "clamp");
}

TEST_F(FunctionalQuantizedInput, InputsTheQuantizedOpRejectsAreErrorsNamingIt) {
  const Tensor per_channel = make_per_channel_quantized_tensor(zeros({3, 4}, kUInt8), from_vector(std::vector<double>{0.1, 0.2, 0.3}),
                                                               from_vector(std::vector<int64_t>{0, 1, 2}), 0);
  EXPECT_OCTET_ERROR(F::relu(per_channel), "quantized::relu: expected input to be quantized per tensor");
  EXPECT_OCTET_ERROR(F::hardswish(per_channel), "quantized::hardswish: expected input to be quantized per tensor");
  EXPECT_OCTET_ERROR(F::elu(per_channel), "quantized::elu: expected input to be quantized per tensor");
  const Tensor q32 = quantize_per_tensor(zeros({2, 2}), 0.1, 0, kQInt32);
  EXPECT_OCTET_ERROR(F::sigmoid(q32), "quantized::sigmoid: expected input to be quint8 or qint8, got qint32");
  EXPECT_OCTET_ERROR(F::hardtanh(input(kCases[0], {2}), 1.0, -1.0), "hardtanh: expected min_val <= max_val");
}

// --- shape ops on quantized tensors keep the qparams -----------------------------------------------

TEST_F(FunctionalQuantizedInput, TensorShapeMethodsKeepQParams) {
  const Case& c = kCases[1];
  const Tensor x = input(c, {2, 3, 4, 5});
  const std::vector<std::pair<const char*, Tensor>> views = {
      {"flatten", x.flatten(1)},      {"reshape", x.reshape({6, -1})},   {"view", x.view({2, 60})},
      {"unsqueeze", x.unsqueeze(0)},  {"squeeze", x.unsqueeze(2).squeeze()}, {"reshape copy", x.permute({0, 2, 1, 3}).reshape({-1})}};
  for (const auto& [what, v] : views) {
    ASSERT_TRUE(v.is_quantized()) << what;
    EXPECT_EQ(v.dtype(), c.dtype) << what;
    EXPECT_EQ(v.q_scale(), c.scale) << what;
    EXPECT_EQ(v.q_zero_point(), c.zero_point) << what;
  }
  EXPECT_EQ(ints(x.flatten(1)), ints(x));
  // A per-channel axis follows the flatten (dims before it merge).
  const Tensor pc = make_per_channel_quantized_tensor(zeros({2, 3, 4}, kInt8), from_vector(std::vector<double>{0.1, 0.2, 0.3, 0.4}),
                                                      from_vector(std::vector<int64_t>{0, 0, 0, 0}), 2);
  EXPECT_EQ(pc.flatten(0, 1).quantizer()->axis(), 1);
  EXPECT_OCTET_ERROR(pc.flatten(1), "the channel axis 2 (size 4) must stay a dimension of its own");
}

}  // namespace
}  // namespace octet
