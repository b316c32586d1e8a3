// linear_errors_test.cpp: every bad input to quantized linear_prepack / linear / linear_dynamic is an Error that says what to do.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "common/test_util.h"
#include "octet/octet.h"

namespace octet {
namespace {

namespace Q = octet::quantized;

Tensor weight_q(int64_t n = 4, int64_t k = 6) { return quantize_per_tensor(ones({n, k}), 0.02, 0, kQInt8); }
Tensor input_q(int64_t m = 3, int64_t k = 6, DType dt = kQUInt8) {
  return quantize_per_tensor(ones({m, k}), 0.05, dt == kQUInt8 ? 10 : 0, dt);
}

TEST(QuantizedLinearErrors, PrepackRejectsBadWeights) {
  EXPECT_OCTET_ERROR(Q::linear_prepack(Tensor()), "the weight is an undefined tensor");
  EXPECT_OCTET_ERROR(Q::linear_prepack(ones({4, 6})), "expected a quantized qint8 weight, got float32: quantize it first");
  EXPECT_OCTET_ERROR(Q::linear_prepack(quantize_per_tensor(ones({4, 6}), 0.1, 0, kQUInt8)),
                     "expected a qint8 weight, got quint8");
  EXPECT_OCTET_ERROR(Q::linear_prepack(quantize_per_tensor(ones({2, 4, 6}), 0.1, 0, kQInt8)),
                     "expected a 2-D weight [out_features, in_features], got shape [2, 4, 6]");
  // Per-channel along the input features: one scale per in_feature is not a linear weight.
  const Tensor w_axis1 = quantize_per_channel(ones({4, 6}), std::vector<double>(6, 0.1), std::vector<int64_t>(6, 0),
                                              1, kQInt8);
  EXPECT_OCTET_ERROR(Q::linear_prepack(w_axis1), "a per-channel weight must be quantized along axis 0 (one scale per output feature), got axis 1");
}

TEST(QuantizedLinearErrors, PrepackRejectsBadBias) {
  EXPECT_OCTET_ERROR(Q::linear_prepack(weight_q(), ones({5})), "expected a bias of shape [4] (out_features), got shape [5]");
  EXPECT_OCTET_ERROR(Q::linear_prepack(weight_q(), ones({4, 1})), "expected a bias of shape [4]");
  EXPECT_OCTET_ERROR(Q::linear_prepack(weight_q(), ones({4}, kInt32)), "expected a floating-point bias, got int32");
  Tensor b = ones({4});
  b.data_ptr<float>()[2] = NAN;
  EXPECT_OCTET_ERROR(Q::linear_prepack(weight_q(), b), "bias[2] is nan; a bias must be finite");
}

TEST(QuantizedLinearErrors, LinearRejectsBadInputs) {
  const auto packed = Q::linear_prepack(weight_q(), ones({4}));
  EXPECT_OCTET_ERROR(Q::linear(ones({3, 6}), packed, 0.1, 0),
                     "expected a quantized input (quint8 or qint8), got float32: quantize it first (quantize_per_tensor), "
                     "or call linear_dynamic for float inputs");
  EXPECT_OCTET_ERROR(Q::linear(Tensor(), packed, 0.1, 0), "the input is an undefined tensor");
  EXPECT_OCTET_ERROR(Q::linear(quantize_per_tensor(ones({3, 6}), 0.1, 0, kQInt32), packed, 0.1, 0),
                     "expected a quint8 or qint8 input, got qint32");
  const Tensor x_pc = quantize_per_channel(ones({3, 6}), std::vector<double>(3, 0.1), std::vector<int64_t>(3, 0), 0,
                                           kQUInt8);
  EXPECT_OCTET_ERROR(Q::linear(x_pc, packed, 0.1, 0), "expected a per-tensor quantized input, got per_channel_affine");
  EXPECT_OCTET_ERROR(Q::linear(input_q(3, 7), packed, 0.1, 0),
                     "the input has 7 features (last dim of shape [3, 7]) but the weight expects in_features = 6");
  EXPECT_OCTET_ERROR(Q::linear(input_q().select(0, 0).select(0, 0), packed, 0.1, 0), "expected an input of rank >= 1");
  EXPECT_OCTET_ERROR(Q::linear(input_q(), nullptr, 0.1, 0),
                     "the packed weights are null: pack the quantized weight with linear_prepack(w_q, bias) first");
  EXPECT_OCTET_ERROR(Q::linear_relu(input_q(), nullptr, 0.1, 0), "quantized::linear_relu: the packed weights are null");
}

TEST(QuantizedLinearErrors, LinearRejectsBadOutputQParams) {
  const auto packed = Q::linear_prepack(weight_q(), ones({4}));
  // 1e-40 is a positive double but a float32 denormal whose reciprocal overflows.
  for (double s : {0.0, -1.0, std::nan(""), std::numeric_limits<double>::infinity(), 1e-40}) {
    EXPECT_OCTET_ERROR(Q::linear(input_q(), packed, s, 0), "quantized::linear: the output scale must be finite and > 0 (and representable in float32), got ");
    EXPECT_OCTET_ERROR(Q::linear_relu(input_q(), packed, s, 0), "the output scale must be finite and > 0");
  }
  EXPECT_OCTET_ERROR(Q::linear(input_q(), packed, 0.1, 256), "the output zero point 256 is outside quint8's range [0, 255]");
  EXPECT_OCTET_ERROR(Q::linear(input_q(), packed, 0.1, -1), "the output zero point -1 is outside quint8's range [0, 255]");
  EXPECT_OCTET_ERROR(Q::linear(input_q(3, 6, kQInt8), packed, 0.1, 128),
                     "the output zero point 128 is outside qint8's range [-128, 127]");
  EXPECT_OCTET_ERROR(Q::linear(input_q(3, 6, kQInt8), packed, 0.1, -129), "outside qint8's range");
  // Valid scales whose multiplier sa * sw / so is not a finite positive float32: 1e30 * 0.02 / 1e-20
  // overflows, 1e-30 * 0.02 / 1e30 rounds to 0.
  const Tensor x_huge = make_per_tensor_quantized_tensor(ones({3, 6}, kUInt8), 1e30, 0);
  EXPECT_OCTET_ERROR(Q::linear(x_huge, packed, 1e-20, 0),
                     "the requantization multiplier input_scale * weight_scale / output_scale = 1e+30 * 0.02");
  const Tensor x_small = make_per_tensor_quantized_tensor(ones({3, 6}, kUInt8), 1e-30, 0);
  EXPECT_OCTET_ERROR(Q::linear(x_small, packed, 1e30, 0), "(output feature 0) is not a positive finite float32 value");
  // sa * sw = 1e-40, below float32's normal range: the bias cannot be quantized with that scale.
  const auto packed_tiny = Q::linear_prepack(make_per_tensor_quantized_tensor(ones({4, 6}, kInt8), 1e-20, 0), ones({4}));
  const Tensor x_tiny = make_per_tensor_quantized_tensor(ones({3, 6}, kUInt8), 1e-20, 0);
  EXPECT_OCTET_ERROR(Q::linear(x_tiny, packed_tiny, 1e-38, 0),
                     "the bias scale input_scale * weight_scale = 1e-20 * 1e-20 (output feature 0) has no finite float32 "
                     "reciprocal, so the bias cannot be quantized");
}

TEST(QuantizedLinearErrors, DynamicRejectsBadInputs) {
  const auto packed = Q::linear_prepack(weight_q(), ones({4}));
  EXPECT_OCTET_ERROR(Q::linear_dynamic(input_q(), packed),
                     "expected a floating-point input, got quint8: linear_dynamic quantizes its input itself; call linear for "
                     "quantized inputs");
  EXPECT_OCTET_ERROR(Q::linear_dynamic(ones({3, 6}, kInt32), packed), "expected a floating-point input, got int32");
  EXPECT_OCTET_ERROR(Q::linear_dynamic(ones({3, 5}), packed), "the input has 5 features");
  EXPECT_OCTET_ERROR(Q::linear_dynamic(ones({3, 6}), nullptr), "quantized::linear_dynamic: the packed weights are null");
  EXPECT_OCTET_ERROR(Q::linear_relu_dynamic(ones({3, 6}), nullptr), "quantized::linear_relu_dynamic: the packed weights are null");
  // sa * sw beyond float32: 1e38 weight scale times an input scale of about 8.
  const auto packed_huge = Q::linear_prepack(make_per_tensor_quantized_tensor(ones({4, 6}, kInt8), 1e38, 0));
  EXPECT_OCTET_ERROR(Q::linear_dynamic(full({3, 6}, 1000.0), packed_huge), "(output feature 0) overflows float32");
  for (float bad : {NAN, INFINITY, -INFINITY}) {
    Tensor x = ones({3, 6});
    x.data_ptr<float>()[7] = bad;
    EXPECT_OCTET_ERROR(Q::linear_dynamic(x, packed), "the input contains NaN or infinity");
  }
}

}  // namespace
}  // namespace octet
