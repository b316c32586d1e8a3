// dynamic_linear_test.cpp: nn::quantized::dynamic::Linear against its operator, its float counterpart, PyTorch's goldens, state dicts, clones and bad inputs.
//
// What "exact" means here. qint8: the module is exactly linear_dynamic(x, packed, reduce_range) with
// the x86 engine's reduce_range; its float output is (float)acc * (float)(sa * sw) + bias, so against
// the float path (x quantized with the same dynamic qparams, dequantized, float linear with the
// dequantized weight) it agrees to float rounding of a K-term sum, not bit for bit: held to 1e-6
// of the largest output. float16: the module is the FMA chain of linear_fp16.h bit for bit; the
// float Linear with weights rounded to half sums in another order (float tolerance again).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/nn/quantized/dynamic/linear.h"
#include "octet/octet.h"
#include "octet/quantization/qconfig.h"

namespace octet {
namespace {

namespace nnqd = nn::quantized::dynamic;
namespace Q = octet::quantized;
using test::relative_error;

struct EngineGuard {
  Engine saved = get_engine();
  ~EngineGuard() { set_engine(saved); }
};

std::shared_ptr<nn::Linear> float_linear(int64_t k, int64_t n, bool bias, Generator& gen) {
  auto lin = std::make_shared<nn::Linear>(k, n, nn::LinearOptions{bias});
  lin->weight.copy_(randn({n, k}, gen) * 0.3);
  if (bias) lin->bias.copy_(randn({n}, gen));
  return lin;
}

nn::quantized::FromFloatArgs weight_args(const quantization::QConfig& qc) { return {nullptr, qc.weight}; }

TEST(DynamicLinear, EqualsTheOperator) {
  EngineGuard guard;
  Generator gen(test::test_seed(11));
  auto lin = float_linear(37, 19, true, gen);
  auto q = nnqd::Linear::from_float(*lin);
  const Tensor x = randn({4, 37}, gen) * 2.0;
  // x86: reduce_range (PyTorch's module since version 4).
  EXPECT_TRUE(equal(q->forward(x), Q::linear_dynamic(x, q->packed_params().int8(), /*reduce_range=*/true)));
  // A qnnpack-like engine: all 8 bits.
  set_engine(Engine::Ref);
  EXPECT_TRUE(equal(q->forward(x), Q::linear_dynamic(x, q->packed_params().int8(), /*reduce_range=*/false)));
  EXPECT_FALSE(equal(Q::linear_dynamic(x, q->packed_params().int8(), true),
                     Q::linear_dynamic(x, q->packed_params().int8(), false)));

  auto h = nnqd::Linear::from_float(*lin, weight_args(quantization::float16_dynamic_qconfig()));
  EXPECT_TRUE(equal(h->forward(x), Q::linear_dynamic_fp16(x, h->packed_params().fp16())));
}

TEST(DynamicLinear, AgainstTheFloatPath) {
  Generator gen(test::test_seed(12));
  for (bool per_channel : {false, true}) {
    auto lin = float_linear(64, 24, true, gen);
    const quantization::QConfig qc =
        per_channel ? quantization::per_channel_dynamic_qconfig() : quantization::default_dynamic_qconfig();
    auto q = nnqd::Linear::from_float(*lin, weight_args(qc));
    const Tensor x = randn({2, 5, 64}, gen) * 1.5 - 0.2;
    // The float path: the input quantized with the same dynamic qparams (quint8, reduce_range).
    const Tensor xq = quantize_per_tensor_dynamic(x, kQUInt8, /*reduce_range=*/true);
    nn::Linear ref_lin(64, 24);
    ref_lin.weight.copy_(q->weight().dequantize());
    ref_lin.bias.copy_(lin->bias);
    const Tensor want = ref_lin.forward(xq.dequantize());
    const double err = relative_error(q->forward(x), want);
    std::printf("[          ] qint8 %s: max error %.3g of the largest output\n", per_channel ? "per-channel" : "per-tensor",
                err);
    EXPECT_LT(err, 1e-6);
  }
  // float16: the float Linear with weights rounded to half.
  auto lin = float_linear(300, 40, true, gen);
  auto h = nnqd::Linear::from_float(*lin, weight_args(quantization::float16_dynamic_qconfig()));
  nn::Linear ref_lin(300, 40);
  ref_lin.weight.copy_(lin->weight.to(kFloat16).to(kFloat32));
  ref_lin.bias.copy_(lin->bias);
  const Tensor x = randn({3, 300}, gen);
  const double err = relative_error(h->forward(x), ref_lin.forward(x));
  std::printf("[          ] float16: max error %.3g of the largest output\n", err);
  EXPECT_LT(err, 1e-6);
}

// PyTorch 2.15, x86 engine: the converted weights bit for bit, the outputs to float tolerance
// (qint8: fbgemm adds the float bias in its own order) or bit for bit (float16, full column blocks).
TEST(DynamicLinear, PyTorchGolden) {
  EngineGuard guard;
  set_engine(Engine::X86);
  test::GoldenFile golden("qnn_dynamic");
  int checked = 0;
  for (const test::GoldenCase& c : golden.cases_of("linear")) {
    SCOPED_TRACE(c.name);
    const Tensor& w = c.get("w/weight");
    const bool bias = c.args.at("bias");
    auto lin = std::make_shared<nn::Linear>(w.size(1), w.size(0), nn::LinearOptions{bias});
    lin->weight.copy_(w);
    if (bias) lin->bias.copy_(c.get("w/bias"));
    const std::string qconfig = c.args.at("qconfig");
    const quantization::QConfig qc = qconfig == "per_channel_dynamic" ? quantization::per_channel_dynamic_qconfig()
                                     : qconfig == "float16_dynamic"   ? quantization::float16_dynamic_qconfig()
                                                                      : quantization::default_dynamic_qconfig();
    auto q = nnqd::Linear::from_float(*lin, weight_args(qc));
    const Tensor y = q->forward(c.in(0));
    const Tensor& want = c.out(0);
    if (c.args.at("dtype") == "qint8") {
      const Tensor qw = q->weight();
      EXPECT_TRUE(equal(qw.int_repr(), c.get("q/weight"))) << "quantized weight integers";
      const Tensor scales = qw.qscheme() == kPerTensorAffine || qw.qscheme() == kPerTensorSymmetric
                                ? full({w.size(0)}, qw.q_scale(), kFloat64)
                                : qw.q_per_channel_scales();
      EXPECT_TRUE(equal(scales, c.get("q/weight.scales"))) << "weight scales";
      const double err = relative_error(y, want);
      std::printf("[          ] %s: max error %.3g of the largest output\n", c.name.c_str(), err);
      EXPECT_LT(err, 1e-6);
    } else {
      EXPECT_TRUE(equal(q->weight(), c.get("q/weight"))) << "float16 weight";
      // Columns fbgemm sums as one chain are bit for bit; the tail it sums in 512-blocks (K > 512)
      // within a few ulp.
      const int64_t full_cols = c.args.at("full_cols"), n = want.size(-1);
      const Tensor yc = y.reshape({-1, n}), wc = want.reshape({-1, n});
      int64_t exact = 0, total = 0, tail_diff = 0;
      for (int64_t i = 0; i < yc.size(0); ++i) {
        for (int64_t j = 0; j < n; ++j) {
          const float a = yc.at<float>({i, j}), b = wc.at<float>({i, j});
          ++total;
          if (a == b) {
            ++exact;
          } else if (j < full_cols || w.size(1) <= 512) {
            ADD_FAILURE() << "element (" << i << ", " << j << ") of a full column block: " << a << " vs " << b;
          } else {
            ++tail_diff;
            EXPECT_LE(std::fabs(a - b), 1e-5f * (std::fabs(b) + 1.0f)) << "tail element (" << i << ", " << j << ")";
          }
        }
      }
      std::printf("[          ] %s: %lld/%lld bit-exact (%lld tail elements differ)\n", c.name.c_str(),
                  static_cast<long long>(exact), static_cast<long long>(total), static_cast<long long>(tail_diff));
    }
    ++checked;
  }
  EXPECT_EQ(checked, 7);
}

TEST(DynamicLinear, StateDictRoundTripAndClone) {
  Generator gen(test::test_seed(13));
  const Tensor x = randn({3, 20}, gen);
  for (DType dtype : {kQInt8, kFloat16}) {
    for (bool bias : {true, false}) {
      auto lin = float_linear(20, 9, bias, gen);
      const quantization::QConfig qc =
          dtype == kQInt8 ? quantization::per_channel_dynamic_qconfig() : quantization::float16_dynamic_qconfig();
      auto q = nnqd::Linear::from_float(*lin, weight_args(qc));
      const nn::StateDict sd = q->state_dict();
      ASSERT_EQ(sd.size(), bias ? 2u : 1u);
      EXPECT_EQ(sd.at("weight").dtype(), dtype);
      if (bias) {
        EXPECT_EQ(sd.at("bias").dtype(), kFloat32);
      }
      auto fresh = std::make_shared<nnqd::Linear>(20, 9, nnqd::LinearOptions{bias, dtype});
      EXPECT_FALSE(equal(fresh->forward(x), q->forward(x)));
      fresh->load_state_dict(sd);
      EXPECT_TRUE(equal(fresh->forward(x), q->forward(x)));
      EXPECT_TRUE(equal(fresh->weight(), q->weight()));
      auto copy = q->clone();
      EXPECT_TRUE(equal(copy->forward(x), q->forward(x)));
      EXPECT_EQ(copy->to_string(), q->to_string());
      // Loading into the clone leaves the original alone.
      copy->load_state_dict(fresh->state_dict());
      EXPECT_TRUE(equal(q->forward(x), fresh->forward(x)));
    }
  }
}

TEST(DynamicLinear, PrintsLikePyTorch) {
  Generator gen(test::test_seed(14));
  auto lin = float_linear(4, 2, true, gen);
  EXPECT_EQ(nnqd::Linear::from_float(*lin)->to_string(),
            "DynamicQuantizedLinear(in_features=4, out_features=2, dtype=torch.qint8, qscheme=torch.per_tensor_affine)");
  EXPECT_EQ(nnqd::Linear::from_float(*lin, weight_args(quantization::per_channel_dynamic_qconfig()))->to_string(),
            "DynamicQuantizedLinear(in_features=4, out_features=2, dtype=torch.qint8, qscheme=torch.per_channel_affine)");
  EXPECT_EQ(nnqd::Linear::from_float(*lin, weight_args(quantization::float16_dynamic_qconfig()))->to_string(),
            "DynamicQuantizedLinear(in_features=4, out_features=2, dtype=torch.float16)");
  EXPECT_EQ(nnqd::Linear(4, 2, {.bias = false}).to_string(),
            "DynamicQuantizedLinear(in_features=4, out_features=2, dtype=torch.qint8, qscheme=torch.per_tensor_affine)");
}

TEST(DynamicLinear, FloatDtypesAndShapes) {
  Generator gen(test::test_seed(15));
  auto q = nnqd::Linear::from_float(*float_linear(8, 3, true, gen));
  const Tensor x = randn({2, 4, 8}, gen);
  EXPECT_EQ(q->forward(x).shape(), (Shape{2, 4, 3}));
  const Tensor y64 = q->forward(x.to(kFloat64));  // PyTorch's Y.to(x.dtype)
  EXPECT_EQ(y64.dtype(), kFloat64);
  EXPECT_TRUE(equal(y64.to(kFloat32), q->forward(x)));
}

TEST(DynamicLinear, Errors) {
  Generator gen(test::test_seed(16));
  auto lin = float_linear(8, 3, true, gen);
  auto q = nnqd::Linear::from_float(*lin);
  EXPECT_OCTET_ERROR(q->forward(quantize_per_tensor(ones({2, 8}), 0.1, 0, kQUInt8)),
                     "DynamicQuantizedLinear: expected a float input, got quint8: a dynamic quantized module takes "
                     "float inputs and quantizes them itself; a DeQuantStub");
  EXPECT_OCTET_ERROR(q->forward(ones({2, 7})), "expected an input of shape (*, 8) (in_features=8), got shape [2, 7]");
  EXPECT_OCTET_ERROR(q->forward(ones({2, 8}, kInt64)), "expected a floating-point input, got int64");
  EXPECT_OCTET_ERROR(q->forward(Tensor()), "the input is undefined");
  EXPECT_OCTET_ERROR(q->forward(from_vector<float>({1, 2, NAN, 4, 5, 6, 7, 8}, {1, 8})), "NaN or infinity");
  EXPECT_OCTET_ERROR(nnqd::Linear(4, 2, {.dtype = kQUInt8}),
                     "the only supported dtypes for dynamic quantized linear are qint8 and float16, got quint8");
  EXPECT_OCTET_ERROR(nnqd::Linear(-1, 2), "in_features and out_features must be >= 0");
  EXPECT_OCTET_ERROR(nnqd::Linear::from_float(*lin, weight_args(quantization::default_quint8_weight_qconfig())),
                     "DynamicQuantizedLinear.from_float: the only supported weight dtypes for dynamic quantization are "
                     "qint8 and float16");
  EXPECT_OCTET_ERROR(nnqd::Linear::from_float(*lin, weight_args(quantization::float_qparams_weight_only_qconfig())),
                     "got quint8");
  // set_weight_bias: wrong kinds, shapes and bias presence.
  EXPECT_OCTET_ERROR(q->set_weight_bias(ones({3, 8}), zeros({3})), "expected a qint8 tensor");
  EXPECT_OCTET_ERROR(q->set_weight_bias(quantize_per_tensor(ones({3, 7}), 0.1, 0, kQInt8), zeros({3})),
                     "size mismatch");
  EXPECT_OCTET_ERROR(q->set_weight_bias(quantize_per_tensor(ones({3, 8}), 0.1, 0, kQInt8), Tensor()),
                     "the module was built with a bias; pass one");
  nnqd::Linear h(8, 3, {.dtype = kFloat16});
  EXPECT_OCTET_ERROR(h.set_weight_bias(quantize_per_tensor(ones({3, 8}), 0.1, 0, kQInt8), zeros({3})),
                     "expected a float16 (or float) weight for a float16 module, got qint8");
  EXPECT_OCTET_ERROR(h.set_weight_bias(from_vector<float>({NAN}, {1, 1}).expand({3, 8}).contiguous(), zeros({3})),
                     "weights must be finite");
  // load_state_dict: missing, unexpected and malformed entries; nothing changes on an Error.
  const Tensor x = randn({2, 8}, gen);
  const Tensor before = q->forward(x);
  nn::StateDict bad = q->state_dict();
  bad.erase("bias");
  EXPECT_OCTET_ERROR(q->load_state_dict(bad), "Missing key(s) in state_dict: \"bias\"");
  bad = q->state_dict();
  bad.insert("extra", zeros({1}));
  EXPECT_OCTET_ERROR(q->load_state_dict(bad), "Unexpected key(s) in state_dict: \"extra\"");
  bad = q->state_dict();
  bad.insert_or_assign("weight", zeros({3, 8}));
  EXPECT_OCTET_ERROR(q->load_state_dict(bad), "While copying the parameter named \"weight\"");
  bad = q->state_dict();
  bad.insert_or_assign("bias", zeros({4}));
  EXPECT_OCTET_ERROR(q->load_state_dict(bad), "size mismatch: the checkpoint has shape [4]");
  EXPECT_TRUE(equal(q->forward(x), before));
}

}  // namespace
}  // namespace octet
