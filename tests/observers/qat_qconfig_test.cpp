// qat_qconfig_test.cpp: every QAT qconfig and fake-quantize factory makes what PyTorch's makes (class,
// observer class and options, from the golden file's "qat_qconfigs" metadata), fresh on every call.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/test_util.h"
#include "octet/io/safetensors.h"
#include "octet/quantization/fake_quantize.h"
#include "octet/quantization/min_max_observer.h"
#include "octet/quantization/per_channel_observer.h"
#include "octet/quantization/qat_qconfig.h"

namespace octet::quantization {
namespace {

const nlohmann::json& pytorch_qconfigs() {
  static const nlohmann::json table = [] {
    const io::SafetensorsFile f =
        io::load_safetensors(std::string(OCTET_TEST_DATA_DIR) + "/golden/fake_quantize.safetensors");
    return nlohmann::json::parse(f.metadata.at("qat_qconfigs"));
  }();
  return table;
}

// The averaging constant of a moving-average observer, or none.
std::optional<double> averaging_constant(const ObserverBase& o) {
  if (const auto* m = dynamic_cast<const MovingAverageMinMaxObserver*>(&o)) return m->averaging_constant();
  if (const auto* m = dynamic_cast<const MovingAveragePerChannelMinMaxObserver*>(&o)) return m->averaging_constant();
  return std::nullopt;
}

// Compares what a factory made with PyTorch's description of the same factory's product.
void expect_matches(const ActivationPostProcessFactory& factory, const nlohmann::json& want, const std::string& what) {
  const std::string cls = want.at("class");
  if (cls == "Identity") {
    EXPECT_FALSE(static_cast<bool>(factory)) << what << ": PyTorch leaves it unquantized";
    return;
  }
  ASSERT_TRUE(static_cast<bool>(factory)) << what;
  const std::shared_ptr<ActivationPostProcess> made = factory();
  ASSERT_NE(made, nullptr) << what;
  EXPECT_EQ(made->name(), cls) << what;
  EXPECT_NE(factory().get(), made.get()) << what << ": every call makes a fresh module";
  const ObserverBase* obs = dynamic_cast<const ObserverBase*>(made.get());
  if (const auto* fq = dynamic_cast<const FakeQuantize*>(made.get())) obs = fq->activation_post_process.get();
  if (const auto* lsq = dynamic_cast<const LearnableFakeQuantize*>(made.get())) obs = lsq->activation_post_process.get();
  ASSERT_NE(obs, nullptr) << what;
  if (want.contains("observer")) {
    EXPECT_EQ(obs->name(), want["observer"].get<std::string>()) << what;
  }
  EXPECT_EQ(dtype_name(made->dtype()), want.at("dtype").get<std::string>()) << what;
  if (want.contains("qscheme")) {
    EXPECT_EQ(qscheme_name(made->qscheme()), want["qscheme"].get<std::string>()) << what;
  }
  if (want.contains("quant_min")) {
    EXPECT_EQ(obs->qrange().qmin, want["quant_min"].get<int64_t>()) << what;
    EXPECT_EQ(obs->qrange().qmax, want["quant_max"].get<int64_t>()) << what;
  }
  if (want.contains("reduce_range")) {
    EXPECT_EQ(obs->reduce_range(), want["reduce_range"].get<bool>()) << what;
  }
  if (want.contains("eps")) {
    EXPECT_EQ(obs->eps(), want["eps"].get<float>()) << what;
  }
  if (want.contains("is_dynamic")) {
    EXPECT_EQ(made->is_dynamic(), want["is_dynamic"].get<bool>()) << what;
  }
  if (want.contains("averaging_constant")) {
    ASSERT_TRUE(averaging_constant(*obs).has_value()) << what;
    EXPECT_EQ(*averaging_constant(*obs), want["averaging_constant"].get<double>()) << what;
  }
  if (want.contains("ch_axis")) {
    const auto* pc = dynamic_cast<const PerChannelMinMaxObserver*>(obs);
    ASSERT_NE(pc, nullptr) << what;
    EXPECT_EQ(pc->ch_axis(), want["ch_axis"].get<int64_t>()) << what;
  }
  if (want.contains("scale")) {  // fixed qparams
    const QParamsTensors q = made->calculate_qparams();
    EXPECT_EQ(q.scale.item<float>(), want["scale"].get<float>()) << what;
    EXPECT_EQ(q.zero_point.item<int64_t>(), want["zero_point"].get<int64_t>()) << what;
  }
}

TEST(QatQConfig, FakeQuantizeFactoriesMatchPyTorch) {
  const std::map<std::string, std::function<ActivationPostProcessFactory()>> factories = {
      {"default_fake_quant", default_fake_quant},
      {"default_weight_fake_quant", default_weight_fake_quant},
      {"default_dynamic_fake_quant", default_dynamic_fake_quant},
      {"default_fixed_qparams_range_neg1to1_fake_quant", default_fixed_qparams_range_neg1to1_fake_quant},
      {"default_fixed_qparams_range_0to1_fake_quant", default_fixed_qparams_range_0to1_fake_quant},
      {"default_per_channel_weight_fake_quant", default_per_channel_weight_fake_quant},
      {"default_embedding_fake_quant", default_embedding_fake_quant},
      {"default_embedding_fake_quant_4bit", default_embedding_fake_quant_4bit},
      {"default_histogram_fake_quant", default_histogram_fake_quant},
      {"default_fused_act_fake_quant", default_fused_act_fake_quant},
      {"default_fused_wt_fake_quant", default_fused_wt_fake_quant},
      {"default_fused_per_channel_wt_fake_quant", default_fused_per_channel_wt_fake_quant},
      {"fused_wt_fake_quant_range_neg_127_to_127", fused_wt_fake_quant_range_neg_127_to_127},
      {"fused_per_channel_wt_fake_quant_range_neg_127_to_127", fused_per_channel_wt_fake_quant_range_neg_127_to_127},
  };
  for (const auto& [name, make] : factories) {
    ASSERT_TRUE(pytorch_qconfigs().contains(name)) << name;
    expect_matches(make(), pytorch_qconfigs()[name].at("module"), name);
  }
}

TEST(QatQConfig, QConfigsMatchPyTorch) {
  std::map<std::string, QConfig> qconfigs = {
      {"default_qat_qconfig", default_qat_qconfig()},
      {"default_dynamic_qat_qconfig", default_dynamic_qat_qconfig()},
      {"default_weight_only_qconfig", default_weight_only_qconfig()},
      {"default_activation_only_qconfig", default_activation_only_qconfig()},
      {"default_qat_qconfig_v2", default_qat_qconfig_v2()},
      {"default_symmetric_qnnpack_qat_qconfig", default_symmetric_qnnpack_qat_qconfig()},
      {"default_per_channel_symmetric_qnnpack_qat_qconfig", default_per_channel_symmetric_qnnpack_qat_qconfig()},
      {"default_embedding_qat_qconfig", default_embedding_qat_qconfig()},
      {"default_embedding_qat_qconfig_4bit", default_embedding_qat_qconfig_4bit()},
  };
  for (const char* backend : {"x86", "fbgemm", "qnnpack", "onednn"}) {
    for (int version : {0, 1}) {
      const std::string key = std::string("get_default_qat_qconfig/").append(backend).append("/").append(
          std::to_string(version));
      qconfigs[key] = get_default_qat_qconfig(backend, version);
    }
  }
  ASSERT_EQ(qconfigs.size(), pytorch_qconfigs().size() - 14) << "every PyTorch qconfig in the file is checked";
  for (const auto& [name, qc] : qconfigs) {
    ASSERT_TRUE(pytorch_qconfigs().contains(name)) << name;
    expect_matches(qc.activation, pytorch_qconfigs()[name].at("activation"), name + " activation");
    expect_matches(qc.weight, pytorch_qconfigs()[name].at("weight"), name + " weight");
  }
  // The defaults: x86, version 1.
  EXPECT_EQ(get_default_qat_qconfig().activation()->name(), "FusedMovingAvgObsFakeQuantize");
  EXPECT_EQ(get_default_qat_qconfig().weight()->qscheme(), kPerChannelSymmetric);
}

// The factories' modules work: a default QAT qconfig's activation and weight fake-quantize data.
TEST(QatQConfig, ModulesFromTheDefaultQConfigRun) {
  Generator g(test::test_seed(401));
  for (int version : {0, 1}) {
    const QConfig qc = get_default_qat_qconfig("x86", version);
    auto act = std::dynamic_pointer_cast<FakeQuantizeBase>(qc.activation());
    auto wt = std::dynamic_pointer_cast<FakeQuantizeBase>(qc.weight());
    ASSERT_NE(act, nullptr);
    ASSERT_NE(wt, nullptr);
    const Tensor x = randn({2, 16}, g), w = randn({8, 16}, g);
    EXPECT_EQ(act->forward(x).shape(), x.shape());
    EXPECT_EQ(wt->forward(w).shape(), w.shape());
    EXPECT_EQ(act->calculate_qparams().zero_point.dim(), 0);
    EXPECT_EQ(wt->calculate_qparams().scale.numel(), 8);
  }
}

TEST(QatQConfig, BadBackendOrVersion) {
  EXPECT_OCTET_ERROR(get_default_qat_qconfig("tensorrt"), "backend 'tensorrt' is not supported");
  EXPECT_OCTET_ERROR(get_default_qat_qconfig("x86", 2), "version 2 is not supported");
}

}  // namespace
}  // namespace octet::quantization
