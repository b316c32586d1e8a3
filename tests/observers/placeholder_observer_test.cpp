// placeholder_observer_test.cpp: the pass-through observers: PlaceholderObserver, NoopObserver,
// FixedQParamsObserver and RecordingObserver.
#include "octet/quantization/placeholder_observer.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "common/test_util.h"
#include "observers/observer_test_util.h"
#include "octet/quantization/fixed_qparams_observer.h"
#include "octet/quantization/recording_observer.h"

namespace octet::test {
namespace {

using namespace quantization;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// --- PlaceholderObserver / NoopObserver ----------------------------------------------------------------

TEST(PlaceholderObserver, CarriesDtypeAndIsDynamic) {
  PlaceholderObserver fp32;
  EXPECT_EQ(fp32.dtype(), kFloat32);
  EXPECT_FALSE(fp32.is_dynamic());
  EXPECT_EQ(fp32.qscheme(), kPerTensorAffine);
  EXPECT_EQ(fp32.eps(), kFloat32Eps);
  EXPECT_FALSE(fp32.quant_min().has_value());
  EXPECT_EQ(fp32.to_string(), "PlaceholderObserver(dtype=torch.float32, is_dynamic=False)");
  PlaceholderObserver fp16({.dtype = kFloat16, .is_dynamic = true});
  EXPECT_EQ(fp16.to_string(), "PlaceholderObserver(dtype=torch.float16, is_dynamic=True)");
  PlaceholderObserver dyn({.dtype = kQUInt8, .quant_min = 0, .quant_max = 255, .is_dynamic = true});
  EXPECT_EQ(dyn.to_string(), "PlaceholderObserver(dtype=torch.quint8, is_dynamic=True)");
  EXPECT_EQ(dyn.qrange().qmin, 0);
  EXPECT_EQ(dyn.qrange().qmax, 255);
  EXPECT_EQ(*dyn.quant_max(), 255);
  PlaceholderObserver custom_op({.custom_op_name = "my_op"});
  EXPECT_EQ(custom_op.custom_op_name(), "my_op");
  EXPECT_TRUE(custom_op.state_dict().empty());
}

TEST(PlaceholderObserver, PassesDataThroughAndHasNoQParams) {
  PlaceholderObserver obs({.dtype = kFloat16, .is_dynamic = true});
  const Tensor x = floats({1.0f, kNaN});  // not read, so not judged
  EXPECT_TRUE(equal(obs.forward(x), x));
  EXPECT_FALSE(obs.has_observed());
  EXPECT_OCTET_ERROR(obs.calculate_qparams(),
                     "calculate_qparams: PlaceholderObserver has no qparams: it only carries dtype float16 (dynamic: "
                     "qparams are computed from each input at run time) to convert()");
  EXPECT_OCTET_ERROR(obs.quantizer(), "PlaceholderObserver has no qparams");
  EXPECT_OCTET_ERROR(obs.observe(Tensor()), "observe: PlaceholderObserver: the input is undefined");
  obs.reset();
  std::shared_ptr<PlaceholderObserver> copy = obs.clone();
  EXPECT_TRUE(copy->is_dynamic());
  EXPECT_EQ(copy->dtype(), kFloat16);
}

TEST(PlaceholderObserver, MergeAndOptionErrors) {
  PlaceholderObserver a({.dtype = kFloat16}), b({.dtype = kFloat16});
  a.merge(b);
  PlaceholderObserver c({.dtype = kFloat16, .is_dynamic = true});
  EXPECT_OCTET_ERROR(a.merge(c), "merge: PlaceholderObserver: the other observer has different options");
  PlaceholderObserver d({.dtype = kFloat16, .custom_op_name = "x"});
  EXPECT_OCTET_ERROR(a.merge(d), "merge: PlaceholderObserver: the other observer has custom_op_name 'x', this one ''");
  NoopObserver noop;
  EXPECT_OCTET_ERROR(a.merge(noop), "merge: PlaceholderObserver cannot merge a NoopObserver");
  EXPECT_OCTET_ERROR(PlaceholderObserver({.dtype = kQUInt8, .quant_min = 0, .quant_max = 256}),
                     "PlaceholderObserver: the quantization range [0, 256] does not fit in quint8");
  EXPECT_OCTET_ERROR(PlaceholderObserver({.quant_min = 0}), "PlaceholderObserver: quant_min and quant_max must be given "
                                                            "together");
  EXPECT_OCTET_ERROR(PlaceholderObserver({.quant_min = 5, .quant_max = 5}),
                     "PlaceholderObserver: quant_min (5) must be less than quant_max (5)");
}

TEST(NoopObserver, CarriesFloat16ByDefault) {
  NoopObserver obs;
  EXPECT_EQ(obs.dtype(), kFloat16);
  EXPECT_FALSE(obs.is_dynamic());
  EXPECT_EQ(obs.to_string(), "NoopObserver()");
  const Tensor x = floats({3.0f});
  EXPECT_TRUE(equal(obs.forward(x), x));
  EXPECT_OCTET_ERROR(obs.calculate_qparams(), "calculate_qparams: NoopObserver has no qparams: it only carries dtype "
                                              "float16 to convert()");
  NoopObserver fp32(kFloat32, "op");
  EXPECT_EQ(fp32.custom_op_name(), "op");
  EXPECT_OCTET_ERROR(obs.merge(fp32), "merge: NoopObserver: the other observer has different options");
  NoopObserver named(kFloat16, "op");
  EXPECT_OCTET_ERROR(obs.merge(named), "merge: NoopObserver: the other observer has custom_op_name 'op', this one ''");
  obs.merge(NoopObserver());
  EXPECT_OCTET_ERROR(obs.observe(Tensor()), "observe: NoopObserver: the input is undefined");
}

// --- FixedQParamsObserver ---------------------------------------------------------------------------------

TEST(FixedQParamsObserver, ReturnsItsQParams) {
  FixedQParamsObserver tanh(2.0 / 256.0, 128);
  EXPECT_TRUE(tanh.has_observed());
  const QParamsTensors q = tanh.calculate_qparams();
  EXPECT_EQ(q.scale.dim(), 0);
  EXPECT_EQ(q.scale.item<float>(), 2.0f / 256.0f);
  EXPECT_EQ(q.zero_point.dtype(), kInt64);
  EXPECT_EQ(q.zero_point.item<int64_t>(), 128);
  EXPECT_EQ(tanh.quantizer()->zero_point(), 128);
  const Tensor x = floats({5.0f, kNaN});
  EXPECT_TRUE(equal(tanh.forward(x), x));
  EXPECT_EQ(tanh.calculate_qparams().zero_point.item<int64_t>(), 128);  // observing changes nothing
  // PyTorch's buffers: scale float32 [1], zero_point int32 [1].
  const nn::StateDict sd = tanh.state_dict();
  std::vector<std::string> keys;
  for (const auto& [k, v] : sd) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"scale", "zero_point"}));
  EXPECT_EQ(sd.at("scale").shape(), (Shape{1}));
  EXPECT_EQ(sd.at("zero_point").dtype(), kInt32);
  EXPECT_EQ(tanh.to_string(), "FixedQParamsObserver()");
  // The scale is PyTorch's float32 rounding of the double given.
  FixedQParamsObserver tenth(0.1, 0);
  EXPECT_EQ(tenth.calculate_qparams().scale.item<float>(), 0.1f);
  FixedQParamsObserver signed_obs(1.0 / 128.0, 0, kQInt8, kPerTensorSymmetric, -128, 127);
  EXPECT_EQ(signed_obs.qscheme(), kPerTensorSymmetric);
  EXPECT_EQ(signed_obs.qrange().qmin, -128);
}

TEST(FixedQParamsObserver, BadArgumentsAreErrors) {
  EXPECT_OCTET_ERROR(FixedQParamsObserver(0.0, 0), "FixedQParamsObserver: scale must be finite and > 0 in float32, got 0");
  EXPECT_OCTET_ERROR(FixedQParamsObserver(1e-50, 0), "scale must be finite and > 0 in float32");
  EXPECT_OCTET_ERROR(FixedQParamsObserver(1e300, 0), "scale must be finite and > 0 in float32");
  EXPECT_OCTET_ERROR(FixedQParamsObserver(0.1, 300), "FixedQParamsObserver: zero_point 300 is outside the quantization "
                                                     "range [0, 255]");
  EXPECT_OCTET_ERROR(FixedQParamsObserver(0.1, 0, kQInt8), "FixedQParamsObserver: the quantization range [0, 255] does "
                                                           "not fit in qint8");
  EXPECT_OCTET_ERROR(FixedQParamsObserver(0.1, 0, kFloat32), "FixedQParamsObserver: dtype must be quint8, qint8 or "
                                                             "qint32, got float32");
  EXPECT_OCTET_ERROR(FixedQParamsObserver(0.1, 0, kQUInt8, kPerChannelAffine),
                     "FixedQParamsObserver: only per-tensor qschemes are supported, got per_channel_affine");
}

TEST(FixedQParamsObserver, MergeStateAndClone) {
  FixedQParamsObserver a(1.0 / 256.0, 0), b(1.0 / 256.0, 0), c(2.0 / 256.0, 0);
  a.merge(b);
  EXPECT_OCTET_ERROR(a.merge(c), "merge: FixedQParamsObserver: the other observer has scale 0.0078125, zero_point 0; "
                                 "this one 0.00390625, 0");
  c.load_state(a.state());
  EXPECT_EQ(c.calculate_qparams().scale.item<float>(), 1.0f / 256.0f);
  nn::StateDict bad = a.state();
  bad.at("zero_point").fill_(400);
  EXPECT_OCTET_ERROR(c.load_state(bad), "load_state: FixedQParamsObserver: zero_point 400 is outside the quantization "
                                        "range [0, 255]");
  bad = a.state();
  bad.at("scale").fill_(-1.0);
  EXPECT_OCTET_ERROR(c.load_state(bad), "load_state: FixedQParamsObserver: scale must be finite and > 0");
  std::shared_ptr<FixedQParamsObserver> copy = a.clone();
  copy->scale.fill_(0.5);
  EXPECT_EQ(a.scale.item<float>(), 1.0f / 256.0f);
  a.reset();
  EXPECT_EQ(a.scale.item<float>(), 1.0f / 256.0f);  // fixed: reset keeps them
}

// --- RecordingObserver ---------------------------------------------------------------------------------------

TEST(RecordingObserver, RecordsCopiesOfEveryInput) {
  RecordingObserver obs;
  EXPECT_EQ(obs.dtype(), kQUInt8);
  EXPECT_FALSE(obs.has_observed());
  Tensor x = floats({1.0f, kNaN});
  EXPECT_TRUE(equal(obs.forward(x), x));
  obs.observe(zeros({2, 2}, kInt32));
  ASSERT_EQ(obs.get_tensor_value().size(), 2u);
  EXPECT_TRUE(equal(obs.get_tensor_value()[0], x));  // NaN kept verbatim
  x.fill_(7.0);                                        // a copy, not a view
  EXPECT_EQ(obs.get_tensor_value()[0].at<float>({0}), 1.0f);
  EXPECT_EQ(obs.non_finite().total(), 0);
  EXPECT_EQ(obs.to_string(), "RecordingObserver()");
  EXPECT_OCTET_ERROR(obs.calculate_qparams(), "calculate_qparams: RecordingObserver only records tensors for debugging "
                                              "and has no qparams");
  EXPECT_OCTET_ERROR(obs.observe(Tensor()), "observe: RecordingObserver: the input is undefined");
  EXPECT_TRUE(obs.state_dict().empty());
}

TEST(RecordingObserver, MergeAppendsAndCloneIsDeep) {
  RecordingObserver a, b;
  a.observe(floats({1.0f}));
  b.observe(floats({2.0f}));
  b.observe(floats({3.0f}));
  a.merge(b);
  ASSERT_EQ(a.get_tensor_value().size(), 3u);
  EXPECT_EQ(a.get_tensor_value()[2].at<float>({0}), 3.0f);
  std::shared_ptr<RecordingObserver> copy = a.clone();
  ASSERT_EQ(copy->get_tensor_value().size(), 3u);
  Tensor recorded = a.get_tensor_value()[0];
  recorded.fill_(-1.0);
  EXPECT_EQ(copy->get_tensor_value()[0].at<float>({0}), 1.0f);
  a.reset();
  EXPECT_FALSE(a.has_observed());
  EXPECT_EQ(copy->get_tensor_value().size(), 3u);
  RecordingObserver other_dtype(kQInt8);
  EXPECT_OCTET_ERROR(a.merge(other_dtype), "merge: RecordingObserver: the other observer has different options");
}

}  // namespace
}  // namespace octet::test
