// quantize_module_test.cpp: nn::quantized::Quantize and DeQuantize: quantize_per_tensor / dequantize exactly, PyTorch's printing and float32 buffers, from_float, the state dict and errors.
#include <gtest/gtest.h>

#include "common/test_util.h"
#include "octet/nn/quantized/quantize.h"
#include "octet/octet.h"
#include "octet/quantization/min_max_observer.h"
#include "qnn/qnn_test_util.h"

namespace octet {
namespace {

namespace nnq = octet::nn::quantized;
using test::expect_same_quantized;

TEST(QuantizeModule, IsQuantizePerTensorWithTheFloat32Scale) {
  Generator gen(test::test_seed(661));
  const Tensor x = randn({3, 17}, gen);
  for (DType dtype : {kQUInt8, kQInt8, kQInt32}) {
    nnq::Quantize q(0.1, 3, dtype);
    // As PyTorch: the buffer is float32, so the scale in use is (float)0.1.
    EXPECT_EQ(q.scale(), static_cast<double>(0.1f));
    expect_same_quantized(q.forward(x), quantize_per_tensor(x, static_cast<float>(0.1), 3, dtype), "Quantize");
    EXPECT_TRUE(equal(nnq::DeQuantize().forward(q.forward(x)), q.forward(x).dequantize()));
  }
  EXPECT_EQ(nnq::Quantize(0.1, 3, kQUInt8).to_string(),
            "Quantize(scale=tensor([0.1000]), zero_point=tensor([3]), dtype=torch.quint8)");
  EXPECT_EQ(nnq::DeQuantize().to_string(), "DeQuantize()");
  const nn::StateDict sd = nnq::Quantize(0.1, 3, kQInt8).state_dict();
  EXPECT_EQ(sd.at("scale").dtype(), kFloat32);
  EXPECT_EQ(sd.at("scale").shape(), Shape{1});
  EXPECT_EQ(sd.at("zero_point").dtype(), kInt64);
}

TEST(QuantizeModule, FromFloatTakesTheObserversQParamsAndDtype) {
  Generator gen(test::test_seed(662));
  quantization::MinMaxObserver obs({.dtype = kQInt8});
  const Tensor x = randn({64}, gen);
  obs.observe(x);
  nn::Identity stub;
  const auto q = nnq::Quantize::from_float(stub, test::from_float_args(&obs));
  const QuantizerPtr expected = obs.quantizer();
  EXPECT_EQ(q->dtype(), kQInt8);
  EXPECT_EQ(q->scale(), expected->scale());
  EXPECT_EQ(q->zero_point(), expected->zero_point());
  expect_same_quantized(q->forward(x), quantize_per_tensor(x, expected->scale(), expected->zero_point(), kQInt8),
                        "from_float");
  // State dict round trip into a Quantize with other qparams.
  nnq::Quantize other(1.0, 0, kQInt8);
  other.load_state_dict(q->state_dict());
  expect_same_quantized(other.forward(x), q->forward(x), "reloaded");
  EXPECT_NE(nnq::DeQuantize::from_float(stub), nullptr);
}

TEST(QuantizeModule, Errors) {
  Generator gen(test::test_seed(663));
  nnq::Quantize q(0.1, 3, kQUInt8);
  const Tensor xq = q.forward(randn({4}, gen));
  EXPECT_OCTET_ERROR(q.forward(xq), "Quantize: the input is already quantized (quint8); Quantize takes a float tensor");
  EXPECT_OCTET_ERROR(q.forward(zeros({2}, kInt64)), "Quantize: expected a float32 input, got int64");
  EXPECT_OCTET_ERROR(nnq::Quantize(0.1, 3, kFloat32), "Quantize: dtype must be quint8, qint8 or qint32, got float32");
  EXPECT_OCTET_ERROR(nnq::Quantize(0.1, 300, kQUInt8), "zero_point");
  EXPECT_OCTET_ERROR(nnq::Quantize(-1.0, 0, kQUInt8), "scale");
  EXPECT_OCTET_ERROR(nnq::DeQuantize().forward(randn({4}, gen)),
                     "DeQuantize: expected a quantized input, got float32: the tensor is already float");
  nn::Identity stub;
  EXPECT_OCTET_ERROR(nnq::Quantize::from_float(stub, {}), "Quantize.from_float: no output observer");
  quantization::MinMaxObserver unobserved;
  EXPECT_OCTET_ERROR(nnq::Quantize::from_float(stub, test::from_float_args(&unobserved)),
                     "Quantize.from_float: the output observer cannot give qparams (was the model calibrated?)");
}

}  // namespace
}  // namespace octet
