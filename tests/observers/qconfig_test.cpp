// qconfig_test.cpp: every default qconfig and observer factory makes PyTorch's observer class with
// PyTorch's options (read from the PyTorch objects by scripts/golden/gen_observers.py).
#include "octet/quantization/qconfig.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/test_util.h"
#include "observers/observer_test_util.h"
#include "octet/io/safetensors.h"
#include "octet/quantization/histogram_observer.h"

namespace octet::test {
namespace {

using namespace quantization;

const io::SafetensorsFile& golden_file() {
  static const io::SafetensorsFile file =
      io::load_safetensors(std::string(OCTET_TEST_DATA_DIR) + "/golden/observers.safetensors");
  return file;
}

nlohmann::json golden_metadata(const std::string& key) {
  return nlohmann::json::parse(golden_file().metadata.at(key));
}

nlohmann::json optional_json(const std::optional<int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

// The class and options of an observer, in the form the generator writes for PyTorch's.
nlohmann::json describe(const ActivationPostProcess& app) {
  nlohmann::json d;
  d["class"] = app.name();
  d["dtype"] = std::string(dtype_name(app.dtype()));
  d["is_dynamic"] = app.is_dynamic();
  const auto* obs = dynamic_cast<const ObserverBase*>(&app);
  if (obs == nullptr) return d;
  auto uniform = [&](bool custom_range) {
    d["qscheme"] = std::string(qscheme_name(obs->qscheme()));
    d["reduce_range"] = obs->reduce_range();
    d["qmin"] = obs->qrange().qmin;
    d["qmax"] = obs->qrange().qmax;
    d["custom_range"] = custom_range;
    d["eps"] = static_cast<double>(obs->eps());
  };
  if (const auto* m = dynamic_cast<const MinMaxObserver*>(obs)) {
    uniform(m->options().quant_min.has_value());
    if (const auto* ma = dynamic_cast<const MovingAverageMinMaxObserver*>(obs)) {
      d["averaging_constant"] = ma->averaging_constant();
    }
  } else if (const auto* p = dynamic_cast<const PerChannelMinMaxObserver*>(obs)) {
    uniform(p->options().quant_min.has_value());
    d["ch_axis"] = p->ch_axis();
    if (const auto* ma = dynamic_cast<const MovingAveragePerChannelMinMaxObserver*>(obs)) {
      d["averaging_constant"] = ma->averaging_constant();
    }
  } else if (const auto* h = dynamic_cast<const HistogramObserver*>(obs)) {
    uniform(h->options().quant_min.has_value());
    d["bins"] = h->bins();
  } else if (const auto* ph = dynamic_cast<const PlaceholderObserver*>(obs)) {
    d["qscheme"] = std::string(qscheme_name(ph->qscheme()));
    d["quant_min"] = optional_json(ph->quant_min());
    d["quant_max"] = optional_json(ph->quant_max());
    d["eps"] = static_cast<double>(ph->eps());
  } else if (const auto* f = dynamic_cast<const FixedQParamsObserver*>(obs)) {
    d["qscheme"] = std::string(qscheme_name(f->qscheme()));
    d["qmin"] = f->qrange().qmin;
    d["qmax"] = f->qrange().qmax;
    d["scale"] = static_cast<double>(f->scale.item<float>());
    d["zero_point"] = f->zero_point.item<int64_t>();
  }
  return d;
}

TEST(QConfig, DefaultsMatchPyTorch) {
  const std::map<std::string, std::function<QConfig()>> qconfigs = {
      {"default_qconfig", default_qconfig},
      {"default_debug_qconfig", default_debug_qconfig},
      {"default_per_channel_qconfig", default_per_channel_qconfig},
      {"default_dynamic_qconfig", default_dynamic_qconfig},
      {"per_channel_dynamic_qconfig", per_channel_dynamic_qconfig},
      {"float16_dynamic_qconfig", float16_dynamic_qconfig},
      {"float16_static_qconfig", float16_static_qconfig},
      {"float_qparams_weight_only_qconfig", float_qparams_weight_only_qconfig},
      {"float_qparams_weight_only_qconfig_4bit", float_qparams_weight_only_qconfig_4bit},
      {"default_symmetric_qnnpack_qconfig", default_symmetric_qnnpack_qconfig},
      {"default_per_channel_symmetric_qnnpack_qconfig", default_per_channel_symmetric_qnnpack_qconfig},
      {"default_quint8_weight_qconfig", default_quint8_weight_qconfig},
      {"get_default_qconfig:x86", [] { return get_default_qconfig("x86"); }},
      {"get_default_qconfig:fbgemm", [] { return get_default_qconfig("fbgemm"); }},
      {"get_default_qconfig:onednn", [] { return get_default_qconfig("onednn"); }},
      {"get_default_qconfig:qnnpack", [] { return get_default_qconfig("qnnpack"); }},
  };
  const nlohmann::json expected = golden_metadata("qconfigs");
  ASSERT_EQ(expected.size(), qconfigs.size());
  for (const auto& [name, make] : qconfigs) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(expected.contains(name));
    const QConfig qc = make();
    ASSERT_TRUE(qc.activation && qc.weight);
    EXPECT_EQ(describe(*qc.activation()), expected[name]["activation"]);
    EXPECT_EQ(describe(*qc.weight()), expected[name]["weight"]);
  }
  // get_default_qconfig() is x86's.
  EXPECT_EQ(describe(*get_default_qconfig().activation()), expected["get_default_qconfig:x86"]["activation"]);
}

TEST(QConfig, ObserverFactoriesMatchPyTorch) {
  const std::map<std::string, std::function<ActivationPostProcessFactory()>> factories = {
      {"default_observer", default_observer},
      {"default_weight_observer", default_weight_observer},
      {"weight_observer_range_neg_127_to_127", weight_observer_range_neg_127_to_127},
      {"default_histogram_observer", default_histogram_observer},
      {"default_per_channel_weight_observer", default_per_channel_weight_observer},
      {"per_channel_weight_observer_range_neg_127_to_127", per_channel_weight_observer_range_neg_127_to_127},
      {"default_dynamic_quant_observer", default_dynamic_quant_observer},
      {"default_float_qparams_observer", default_float_qparams_observer},
      {"default_float_qparams_observer_4bit", default_float_qparams_observer_4bit},
      {"default_placeholder_observer", default_placeholder_observer},
      {"default_debug_observer", default_debug_observer},
      {"default_fixed_qparams_range_neg1to1_observer", default_fixed_qparams_range_neg1to1_observer},
      {"default_fixed_qparams_range_0to1_observer", default_fixed_qparams_range_0to1_observer},
  };
  const nlohmann::json expected = golden_metadata("observers");
  ASSERT_EQ(expected.size(), factories.size());
  for (const auto& [name, make] : factories) {
    SCOPED_TRACE(name);
    EXPECT_EQ(describe(*make()()), expected.at(name));
  }
}

TEST(QConfig, FactoriesMakeFreshObservers) {
  const QConfig qc = default_qconfig();
  const std::shared_ptr<ActivationPostProcess> a = qc.activation(), b = qc.activation();
  EXPECT_NE(a.get(), b.get());
  auto& obs = dynamic_cast<MinMaxObserver&>(*a);
  obs.observe(floats({1.0f, 2.0f}));
  EXPECT_TRUE(obs.has_observed());
  EXPECT_FALSE(dynamic_cast<MinMaxObserver&>(*b).has_observed());
}

TEST(QConfig, WithArgsPassesConstructorArguments) {
  const ActivationPostProcessFactory f =
      with_args<MovingAverageMinMaxObserver>(MovingAverageMinMaxObserverOptions{.averaging_constant = 0.5,
                                                                                .dtype = kQInt8});
  auto obs = std::dynamic_pointer_cast<MovingAverageMinMaxObserver>(f());
  ASSERT_NE(obs, nullptr);
  EXPECT_EQ(obs->averaging_constant(), 0.5);
  EXPECT_EQ(obs->dtype(), kQInt8);
  const QConfig custom{f, {}};  // an empty factory: weights stay float
  EXPECT_FALSE(custom.weight);
}

TEST(QConfig, DynamicQConfigsCarryIsDynamic) {
  EXPECT_TRUE(default_dynamic_qconfig().activation()->is_dynamic());
  EXPECT_EQ(default_dynamic_qconfig().activation()->dtype(), kQUInt8);
  EXPECT_TRUE(float16_dynamic_qconfig().activation()->is_dynamic());
  EXPECT_EQ(float16_dynamic_qconfig().activation()->dtype(), kFloat16);
  EXPECT_FALSE(float16_dynamic_qconfig().weight()->is_dynamic());
  EXPECT_FALSE(default_qconfig().activation()->is_dynamic());
}

TEST(QConfig, UnknownBackendOrVersionIsAnError) {
  EXPECT_OCTET_ERROR(get_default_qconfig("tensorrt"),
                     "get_default_qconfig: unknown backend 'tensorrt'; known backends: x86, fbgemm, onednn, qnnpack");
  EXPECT_OCTET_ERROR(get_default_qconfig("X86"), "unknown backend 'X86'");
  EXPECT_OCTET_ERROR(get_default_qconfig("x86", 1), "version 1 is not supported; the only version is 0");
}

}  // namespace
}  // namespace octet::test
