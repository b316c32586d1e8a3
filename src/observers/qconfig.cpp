// qconfig.cpp: the default observer factories and qconfigs, argument for argument as PyTorch 2.15's
// torch/ao/quantization/observer.py and qconfig.py define them.
#include "octet/quantization/qconfig.h"

#include <string>

#include "octet/error.h"
#include "octet/quantization/fixed_qparams_observer.h"
#include "octet/quantization/histogram_observer.h"
#include "octet/quantization/min_max_observer.h"
#include "octet/quantization/per_channel_observer.h"
#include "octet/quantization/placeholder_observer.h"
#include "octet/quantization/recording_observer.h"

namespace octet::quantization {

namespace {

// 2^-12: the XNNPACK configs' eps, which keeps requantization scales above XNNPACK's 2^-32 floor.
constexpr float kXnnpackEps = 0.000244140625f;

ActivationPostProcessFactory histogram(HistogramObserverOptions options) {
  return with_args<HistogramObserver>(options);
}

}  // namespace

ActivationPostProcessFactory default_observer() {
  return with_args<MinMaxObserver>(MinMaxObserverOptions{.quant_min = 0, .quant_max = 127});
}

ActivationPostProcessFactory default_weight_observer() {
  return with_args<MinMaxObserver>(MinMaxObserverOptions{.dtype = kQInt8, .qscheme = kPerTensorSymmetric});
}

ActivationPostProcessFactory weight_observer_range_neg_127_to_127() {
  return with_args<MinMaxObserver>(MinMaxObserverOptions{
      .dtype = kQInt8, .qscheme = kPerTensorSymmetric, .quant_min = -127, .quant_max = 127, .eps = kXnnpackEps});
}

ActivationPostProcessFactory default_histogram_observer() {
  return histogram(HistogramObserverOptions{.quant_min = 0, .quant_max = 127});
}

ActivationPostProcessFactory default_per_channel_weight_observer() {
  return with_args<PerChannelMinMaxObserver>(
      PerChannelMinMaxObserverOptions{.dtype = kQInt8, .qscheme = kPerChannelSymmetric});
}

ActivationPostProcessFactory per_channel_weight_observer_range_neg_127_to_127() {
  return with_args<PerChannelMinMaxObserver>(PerChannelMinMaxObserverOptions{
      .dtype = kQInt8, .qscheme = kPerChannelSymmetric, .quant_min = -127, .quant_max = 127, .eps = kXnnpackEps});
}

ActivationPostProcessFactory default_dynamic_quant_observer() {
  return with_args<PlaceholderObserver>(
      PlaceholderObserverOptions{.dtype = kQUInt8, .quant_min = 0, .quant_max = 255, .is_dynamic = true});
}

ActivationPostProcessFactory default_float_qparams_observer() {
  return with_args<PerChannelMinMaxObserver>(PerChannelMinMaxObserverOptions{
      .ch_axis = 0, .dtype = kQUInt8, .qscheme = kPerChannelAffineFloatQParams});
}

ActivationPostProcessFactory default_float_qparams_observer_4bit() {
  return with_args<PerChannelMinMaxObserver>(PerChannelMinMaxObserverOptions{
      .ch_axis = 0, .dtype = kQUInt4x2, .qscheme = kPerChannelAffineFloatQParams});
}

ActivationPostProcessFactory default_placeholder_observer() {
  return with_args<PlaceholderObserver>(PlaceholderObserverOptions{});
}

ActivationPostProcessFactory default_debug_observer() { return with_args<RecordingObserver>(); }

ActivationPostProcessFactory default_fixed_qparams_range_neg1to1_observer() {
  return with_args<FixedQParamsObserver>(2.0 / 256.0, int64_t{128}, kQUInt8, kPerTensorAffine, int64_t{0},
                                         int64_t{255});
}

ActivationPostProcessFactory default_fixed_qparams_range_0to1_observer() {
  return with_args<FixedQParamsObserver>(1.0 / 256.0, int64_t{0}, kQUInt8, kPerTensorAffine, int64_t{0},
                                         int64_t{255});
}

QConfig get_default_qconfig(std::string_view backend, int version) {
  const char* where = "get_default_qconfig";
  OCTET_CHECK(version == 0, where, "version ", version, " is not supported; the only version is 0");
  // x86 and fbgemm keep activations in 0..127 so that AVX2's vpmaddubsw cannot saturate.
  if (backend == "x86" || backend == "fbgemm") {
    return {histogram(HistogramObserverOptions{.reduce_range = true}), default_per_channel_weight_observer()};
  }
  if (backend == "onednn") {
    return {histogram(HistogramObserverOptions{.reduce_range = false}), default_per_channel_weight_observer()};
  }
  if (backend == "qnnpack") {
    return {histogram(HistogramObserverOptions{.reduce_range = false}), default_weight_observer()};
  }
  OCTET_FAIL(where, "unknown backend '", backend, "'; known backends: x86, fbgemm, onednn, qnnpack");
}

QConfig default_qconfig() { return {default_observer(), default_weight_observer()}; }

QConfig default_debug_qconfig() { return {default_debug_observer(), default_weight_observer()}; }

QConfig default_per_channel_qconfig() { return {default_observer(), default_per_channel_weight_observer()}; }

QConfig default_dynamic_qconfig() { return {default_dynamic_quant_observer(), default_weight_observer()}; }

QConfig per_channel_dynamic_qconfig() {
  return {default_dynamic_quant_observer(), default_per_channel_weight_observer()};
}

QConfig float16_dynamic_qconfig() {
  return {with_args<PlaceholderObserver>(PlaceholderObserverOptions{.dtype = kFloat16, .is_dynamic = true}),
          with_args<PlaceholderObserver>(PlaceholderObserverOptions{.dtype = kFloat16})};
}

QConfig float16_static_qconfig() {
  return {with_args<PlaceholderObserver>(PlaceholderObserverOptions{.dtype = kFloat16}),
          with_args<PlaceholderObserver>(PlaceholderObserverOptions{.dtype = kFloat16})};
}

QConfig float_qparams_weight_only_qconfig() {
  return {default_placeholder_observer(), default_float_qparams_observer()};
}

QConfig float_qparams_weight_only_qconfig_4bit() {
  return {default_placeholder_observer(), default_float_qparams_observer_4bit()};
}

QConfig default_symmetric_qnnpack_qconfig() {
  return {histogram(HistogramObserverOptions{.dtype = kQInt8, .reduce_range = false, .eps = kXnnpackEps}),
          weight_observer_range_neg_127_to_127()};
}

QConfig default_per_channel_symmetric_qnnpack_qconfig() {
  return {histogram(HistogramObserverOptions{.dtype = kQInt8, .reduce_range = false, .eps = kXnnpackEps}),
          per_channel_weight_observer_range_neg_127_to_127()};
}

QConfig default_quint8_weight_qconfig() {
  return {histogram(HistogramObserverOptions{}), with_args<MinMaxObserver>(MinMaxObserverOptions{})};
}

}  // namespace octet::quantization
