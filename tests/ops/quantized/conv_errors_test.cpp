// conv_errors_test.cpp: every bad argument of the quantized convolutions is an octet::Error that says what was wrong.
#include <gtest/gtest.h>

#include "common/test_util.h"
#include "octet/octet.h"
#include "octet/quantized/conv.h"

namespace octet {
namespace {

namespace Q = octet::quantized;

Tensor qweight(const Shape& shape) { return quantize_per_tensor(full(shape, 0.1), 0.01, 0, kQInt8); }
Tensor qinput(const Shape& shape, DType dtype = kQUInt8) {
  return quantize_per_tensor(full(shape, 0.5), 0.02, dtype == kQUInt8 ? 10 : 0, dtype);
}

TEST(QConvErrors, PrepackRejectsBadWeights) {
  EXPECT_OCTET_ERROR(Q::conv2d_prepack(Tensor()), "the weight is an undefined tensor");
  EXPECT_OCTET_ERROR(Q::conv2d_prepack(full({4, 3, 3, 3}, 0.1)), "expected a quantized qint8 weight, got float32");
  EXPECT_OCTET_ERROR(Q::conv2d_prepack(quantize_per_tensor(full({4, 3, 3, 3}, 0.1), 0.01, 0, kQUInt8)),
                     "expected a qint8 weight, got quint8");
  EXPECT_OCTET_ERROR(Q::conv2d_prepack(qweight({4, 3, 3})), "expected a 4-D weight (out_channels, in_channels / groups, kH, kW)");
  EXPECT_OCTET_ERROR(Q::conv3d_prepack(qweight({4, 3, 3, 3})), "expected a 5-D weight");
  EXPECT_OCTET_ERROR(Q::conv_transpose2d_prepack(qweight({4, 3, 3})),
                     "(in_channels, out_channels / groups, kH, kW)");
  EXPECT_OCTET_ERROR(Q::conv2d_prepack(qweight({4, 3, 0, 3})), "kernel sizes must be >= 1");
  // Per-channel along the wrong axis.
  const Tensor w = full({4, 3, 3, 3}, 0.1);
  EXPECT_OCTET_ERROR(Q::conv2d_prepack(quantize_per_channel(w, {0.1, 0.1, 0.1}, {0, 0, 0}, 1, kQInt8)),
                     "a per-channel weight must be quantized along axis 0");
  EXPECT_OCTET_ERROR(Q::conv_transpose2d_prepack(quantize_per_channel(w, {0.1, 0.1, 0.1, 0.1}, {0, 0, 0, 0}, 0, kQInt8)),
                     "a per-channel weight must be quantized along axis 1");
}

TEST(QConvErrors, PrepackRejectsBadGeometry) {
  const Tensor w = qweight({6, 2, 3, 3});
  EXPECT_OCTET_ERROR(Q::conv2d_prepack(w, {}, {1, 1}, {0, 0}, {1, 1}, 0), "groups must be >= 1, got 0");
  EXPECT_OCTET_ERROR(Q::conv2d_prepack(w, {}, {1, 1}, {0, 0}, {1, 1}, 4),
                     "out_channels (weight.size(0) = 6) must be divisible by groups (4)");
  EXPECT_OCTET_ERROR(Q::conv_transpose2d_prepack(w, {}, {1, 1}, {0, 0}, {0, 0}, {1, 1}, 4),
                     "in_channels (weight.size(0) = 6) must be divisible by groups (4)");
  EXPECT_OCTET_ERROR(Q::conv2d_prepack(w, {}, {1, 0}), "stride must be > 0, got [1, 0]");
  EXPECT_OCTET_ERROR(Q::conv2d_prepack(w, {}, {1, 1}, {-1, 0}), "padding must be >= 0");
  EXPECT_OCTET_ERROR(Q::conv2d_prepack(w, {}, {1, 1}, {0, 0}, {0, 1}), "dilation must be > 0");
  EXPECT_OCTET_ERROR(Q::conv2d_prepack(w, {}, {1, 1, 1}), "stride must have 1 or 2 values, got 3");
  EXPECT_OCTET_ERROR(Q::conv_transpose2d_prepack(w, {}, {2, 2}, {0, 0}, {2, 0}),
                     "output_padding must be smaller than either stride or dilation");
}

TEST(QConvErrors, PrepackRejectsBadBias) {
  const Tensor w = qweight({4, 3, 3, 3});
  EXPECT_OCTET_ERROR(Q::conv2d_prepack(w, full({5}, 0.1)), "expected a bias of shape [4] (out_channels), got [5]");
  EXPECT_OCTET_ERROR(Q::conv2d_prepack(w, full({4}, 1, kInt32)), "expected a floating-point bias, got int32");
  EXPECT_OCTET_ERROR(Q::conv2d_prepack(w, full({4}, INFINITY)), "a bias must be finite");
  // Transposed: the bias has out_channels = weight.size(1) * groups entries.
  EXPECT_OCTET_ERROR(Q::conv_transpose2d_prepack(w, full({4}, 0.1)), "expected a bias of shape [3]");
}

TEST(QConvErrors, RunRejectsBadInputs) {
  const auto p = Q::conv2d_prepack(qweight({4, 3, 3, 3}), full({4}, 0.1));
  EXPECT_OCTET_ERROR(Q::conv2d(Tensor(), p, 0.1, 0), "the input is an undefined tensor");
  EXPECT_OCTET_ERROR(Q::conv2d(full({1, 3, 5, 5}, 0.5), p, 0.1, 0),
                     "expected a quantized input (quint8 or qint8), got float32: quantize it first");
  EXPECT_OCTET_ERROR(Q::conv2d(quantize_per_tensor(full({1, 3, 5, 5}, 0.5), 0.1, 0, kQInt32), p, 0.1, 0),
                     "expected a quint8 or qint8 input, got qint32");
  EXPECT_OCTET_ERROR(Q::conv2d(quantize_per_channel(full({1, 3, 5, 5}, 0.5), {0.1, 0.1, 0.1}, {0, 0, 0}, 1, kQUInt8),
                               p, 0.1, 0),
                     "expected a per-tensor quantized input");
  EXPECT_OCTET_ERROR(Q::conv2d(qinput({1, 1, 3, 5, 5}), p, 0.1, 0),
                     "expected a 3-D (unbatched) or 4-D (batched) input, got shape [1, 1, 3, 5, 5]");
  EXPECT_OCTET_ERROR(Q::conv2d(qinput({1, 4, 5, 5}), p, 0.1, 0), "input has 4 channels, but the weight");
  EXPECT_OCTET_ERROR(Q::conv2d(qinput({1, 3, 2, 5}), p, 0.1, 0),
                     "the dilated kernel (3) is larger than the padded input (2) in spatial dim 0");
}

TEST(QConvErrors, RunRejectsBadOutputQParams) {
  const auto p = Q::conv2d_prepack(qweight({4, 3, 3, 3}));
  const Tensor x = qinput({1, 3, 5, 5});
  EXPECT_OCTET_ERROR(Q::conv2d(x, p, 0.0, 0), "output_scale must be finite and > 0 (and representable in float32), got 0");
  EXPECT_OCTET_ERROR(Q::conv2d(x, p, -1.0, 0), "output_scale must be finite and > 0 (and representable in float32), got -1");
  EXPECT_OCTET_ERROR(Q::conv2d(x, p, NAN, 0), "output_scale must be finite and > 0");
  EXPECT_OCTET_ERROR(Q::conv2d(x, p, 0.1, 256), "output_zero_point must lie in [0, 255] for quint8, got 256");
  EXPECT_OCTET_ERROR(Q::conv2d(x, p, 0.1, -1), "output_zero_point must lie in [0, 255] for quint8, got -1");
  EXPECT_OCTET_ERROR(Q::conv2d(qinput({1, 3, 5, 5}, kQInt8), p, 0.1, 128),
                     "output_zero_point must lie in [-128, 127] for qint8, got 128");
  EXPECT_OCTET_ERROR(Q::conv2d(x, p, 1e300, 0), "output_scale must be finite and > 0 (and representable in float32)");
  // A multiplier that underflows float32: 1e-30 * 0.01 / 1e20.
  const Tensor tiny = quantize_per_tensor(full({1, 3, 5, 5}, 0.0), 1e-30, 0, kQUInt8);
  EXPECT_OCTET_ERROR(Q::conv2d(tiny, p, 1e20, 0), "is not a positive finite float32 value");
}

TEST(QConvErrors, RunRejectsParamsOfAnotherOp) {
  const auto p2 = Q::conv2d_prepack(qweight({4, 3, 3, 3}));
  const auto p3 = Q::conv3d_prepack(qweight({4, 3, 1, 3, 3}));
  const auto t2 = Q::conv_transpose2d_prepack(qweight({3, 4, 3, 3}));
  const Tensor x4 = qinput({1, 3, 5, 5}), x5 = qinput({1, 3, 2, 5, 5});
  EXPECT_OCTET_ERROR(Q::conv2d(x4, p3, 0.1, 0), "the packed params were made by conv3d_prepack; this op needs conv2d_prepack");
  EXPECT_OCTET_ERROR(Q::conv3d(x5, p2, 0.1, 0), "the packed params were made by conv2d_prepack; this op needs conv3d_prepack");
  EXPECT_OCTET_ERROR(Q::conv2d(x4, t2, 0.1, 0),
                     "the packed params were made by conv_transpose2d_prepack; this op needs conv2d_prepack");
  EXPECT_OCTET_ERROR(Q::conv_transpose2d(x4, p2, 0.1, 0),
                     "the packed params were made by conv2d_prepack; this op needs conv_transpose2d_prepack");
  EXPECT_OCTET_ERROR(Q::conv1d(qinput({1, 3, 5}), p2, 0.1, 0), "this op needs conv1d_prepack");
  EXPECT_OCTET_ERROR(Q::conv2d_relu(x4, nullptr, 0.1, 0), "the packed params are null (use quantized::conv2d_prepack)");
  EXPECT_OCTET_ERROR(Q::conv_transpose2d(qinput({1, 4, 5, 5}), t2, 0.1, 0),
                     "input has 4 channels, but the weight ([3, 4, 3, 3]) expects 3");
  // (1 - 1) * 1 - 2 * 3 + 1 * (3 - 1) + 0 + 1 = -3 output rows.
  const auto t2p = Q::conv_transpose2d_prepack(qweight({3, 4, 3, 3}), {}, {1, 1}, {3, 3});
  EXPECT_OCTET_ERROR(Q::conv_transpose2d(qinput({1, 3, 1, 1}), t2p, 0.1, 0),
                     "the output size in spatial dim 0 would be -3");
}

}  // namespace
}  // namespace octet
