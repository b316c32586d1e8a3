// qat_qconfig.cpp: torch.ao.quantization's QAT qconfigs and fake-quantize factories.
#include "octet/quantization/qat_qconfig.h"

#include <memory>
#include <string>

#include "octet/error.h"
#include "octet/quantization/fake_quantize.h"
#include "octet/quantization/histogram_observer.h"
#include "octet/quantization/min_max_observer.h"
#include "octet/quantization/per_channel_observer.h"
#include "octet/quantization/placeholder_observer.h"

namespace octet::quantization {

namespace {

constexpr float kEpsXnnpack = 0.000244140625f;  // 2^-12

// A factory making Module(std::make_shared<Observer>(options)) on every call.
template <typename Module, typename Observer, typename Options>
ActivationPostProcessFactory fake_quant_of(const Options& options) {
  return [options]() -> std::shared_ptr<ActivationPostProcess> {
    return std::make_shared<Module>(std::make_shared<Observer>(options));
  };
}

MovingAverageMinMaxObserverOptions moving_average(DType dtype, QScheme qscheme, int64_t qmin, int64_t qmax) {
  MovingAverageMinMaxObserverOptions o;
  o.dtype = dtype;
  o.qscheme = qscheme;
  o.quant_min = qmin;
  o.quant_max = qmax;
  return o;
}

MovingAveragePerChannelMinMaxObserverOptions moving_average_per_channel(DType dtype, QScheme qscheme, int64_t qmin,
                                                                        int64_t qmax) {
  MovingAveragePerChannelMinMaxObserverOptions o;
  o.dtype = dtype;
  o.qscheme = qscheme;
  o.quant_min = qmin;
  o.quant_max = qmax;
  o.ch_axis = 0;
  return o;
}

// FakeQuantize / FusedMovingAvgObsFakeQuantize with MovingAverageMinMaxObserver(quint8, 0..255,
// reduce_range): the activations of get_default_qat_qconfig.
template <typename Module>
ActivationPostProcessFactory quint8_activation(bool reduce_range) {
  MovingAverageMinMaxObserverOptions o = moving_average(kQUInt8, kPerTensorAffine, 0, 255);
  o.reduce_range = reduce_range;
  return fake_quant_of<Module, MovingAverageMinMaxObserver>(o);
}

}  // namespace

// --- fake-quantize factories -------------------------------------------------------------------------

ActivationPostProcessFactory default_fake_quant() { return quint8_activation<FakeQuantize>(/*reduce_range=*/true); }

ActivationPostProcessFactory default_weight_fake_quant() {
  return fake_quant_of<FakeQuantize, MovingAverageMinMaxObserver>(
      moving_average(kQInt8, kPerTensorSymmetric, -128, 127));
}

ActivationPostProcessFactory default_dynamic_fake_quant() {
  MovingAverageMinMaxObserverOptions o = moving_average(kQUInt8, kPerTensorAffine, 0, 255);
  o.is_dynamic = true;
  o.averaging_constant = 1.0;
  return fake_quant_of<FakeQuantize, MovingAverageMinMaxObserver>(o);
}

ActivationPostProcessFactory default_fixed_qparams_range_neg1to1_fake_quant() {
  return []() -> std::shared_ptr<ActivationPostProcess> {
    return std::make_shared<FixedQParamsFakeQuantize>(std::make_shared<FixedQParamsObserver>(2.0 / 256.0, 128));
  };
}

ActivationPostProcessFactory default_fixed_qparams_range_0to1_fake_quant() {
  return []() -> std::shared_ptr<ActivationPostProcess> {
    return std::make_shared<FixedQParamsFakeQuantize>(std::make_shared<FixedQParamsObserver>(1.0 / 256.0, 0));
  };
}

ActivationPostProcessFactory default_per_channel_weight_fake_quant() {
  return fake_quant_of<FakeQuantize, MovingAveragePerChannelMinMaxObserver>(
      moving_average_per_channel(kQInt8, kPerChannelSymmetric, -128, 127));
}

ActivationPostProcessFactory default_embedding_fake_quant() {
  MovingAveragePerChannelMinMaxObserverOptions o =
      moving_average_per_channel(kQUInt8, kPerChannelAffineFloatQParams, 0, 255);
  o.averaging_constant = 1.0;
  return fake_quant_of<FakeQuantize, MovingAveragePerChannelMinMaxObserver>(o);
}

ActivationPostProcessFactory default_embedding_fake_quant_4bit() {
  MovingAveragePerChannelMinMaxObserverOptions o;
  o.qscheme = kPerChannelAffineFloatQParams;
  o.ch_axis = 0;
  o.dtype = kQUInt4x2;
  o.averaging_constant = 1.0;
  return fake_quant_of<FakeQuantize, MovingAveragePerChannelMinMaxObserver>(o);
}

ActivationPostProcessFactory default_histogram_fake_quant() {
  HistogramObserverOptions o;
  o.quant_min = 0;
  o.quant_max = 255;
  o.dtype = kQUInt8;
  o.qscheme = kPerTensorAffine;
  o.reduce_range = true;
  return fake_quant_of<FakeQuantize, HistogramObserver>(o);
}

ActivationPostProcessFactory default_fused_act_fake_quant() {
  return quint8_activation<FusedMovingAvgObsFakeQuantize>(/*reduce_range=*/false);
}

ActivationPostProcessFactory default_fused_wt_fake_quant() {
  return fake_quant_of<FusedMovingAvgObsFakeQuantize, MovingAverageMinMaxObserver>(
      moving_average(kQInt8, kPerTensorSymmetric, -128, 127));
}

ActivationPostProcessFactory default_fused_per_channel_wt_fake_quant() {
  return fake_quant_of<FusedMovingAvgObsFakeQuantize, MovingAveragePerChannelMinMaxObserver>(
      moving_average_per_channel(kQInt8, kPerChannelSymmetric, -128, 127));
}

ActivationPostProcessFactory fused_wt_fake_quant_range_neg_127_to_127() {
  MovingAverageMinMaxObserverOptions o = moving_average(kQInt8, kPerTensorSymmetric, -127, 127);
  o.eps = kEpsXnnpack;
  return fake_quant_of<FusedMovingAvgObsFakeQuantize, MovingAverageMinMaxObserver>(o);
}

ActivationPostProcessFactory fused_per_channel_wt_fake_quant_range_neg_127_to_127() {
  MovingAveragePerChannelMinMaxObserverOptions o = moving_average_per_channel(kQInt8, kPerChannelSymmetric, -127, 127);
  o.eps = kEpsXnnpack;
  return fake_quant_of<FusedMovingAvgObsFakeQuantize, MovingAveragePerChannelMinMaxObserver>(o);
}

// --- QAT qconfigs --------------------------------------------------------------------------------------

QConfig get_default_qat_qconfig(std::string_view backend, int version) {
  const char* where = "get_default_qat_qconfig";
  const bool x86 = backend == "x86" || backend == "fbgemm";
  OCTET_CHECK(x86 || backend == "qnnpack" || backend == "onednn", where, "backend '", backend,
              "' is not supported; expected one of fbgemm, x86, qnnpack, onednn");
  OCTET_CHECK(version == 0 || version == 1, where, "version ", version, " is not supported; expected 0 or 1");
  // x86 and fbgemm reduce the activation range (AVX2's vpmaddubsw would saturate otherwise);
  // qnnpack and onednn keep 0..255. Weights per channel everywhere but qnnpack.
  const bool reduce_range = x86;
  if (version == 0) {
    return {quint8_activation<FakeQuantize>(reduce_range),
            backend == "qnnpack" ? default_weight_fake_quant() : default_per_channel_weight_fake_quant()};
  }
  return {quint8_activation<FusedMovingAvgObsFakeQuantize>(reduce_range),
          backend == "qnnpack" ? default_fused_wt_fake_quant() : default_fused_per_channel_wt_fake_quant()};
}

QConfig default_qat_qconfig() { return {default_fake_quant(), default_weight_fake_quant()}; }

QConfig default_dynamic_qat_qconfig() { return {default_dynamic_fake_quant(), default_weight_fake_quant()}; }

QConfig default_weight_only_qconfig() { return {ActivationPostProcessFactory(), default_weight_fake_quant()}; }

QConfig default_activation_only_qconfig() { return {default_fake_quant(), ActivationPostProcessFactory()}; }

QConfig default_qat_qconfig_v2() { return {default_fused_act_fake_quant(), default_fused_wt_fake_quant()}; }

namespace {

// FusedMovingAvgObsFakeQuantize(MovingAverageMinMaxObserver(qint8, -128..127, eps 2^-12)).
ActivationPostProcessFactory symmetric_qnnpack_activation() {
  MovingAverageMinMaxObserverOptions o = moving_average(kQInt8, kPerTensorAffine, -128, 127);
  o.eps = kEpsXnnpack;
  return fake_quant_of<FusedMovingAvgObsFakeQuantize, MovingAverageMinMaxObserver>(o);
}

ActivationPostProcessFactory float32_noop() {
  return []() -> std::shared_ptr<ActivationPostProcess> { return std::make_shared<NoopObserver>(kFloat32); };
}

}  // namespace

QConfig default_symmetric_qnnpack_qat_qconfig() {
  return {symmetric_qnnpack_activation(), fused_wt_fake_quant_range_neg_127_to_127()};
}

QConfig default_per_channel_symmetric_qnnpack_qat_qconfig() {
  return {symmetric_qnnpack_activation(), fused_per_channel_wt_fake_quant_range_neg_127_to_127()};
}

QConfig default_embedding_qat_qconfig() { return {float32_noop(), default_embedding_fake_quant()}; }

QConfig default_embedding_qat_qconfig_4bit() { return {float32_noop(), default_embedding_fake_quant_4bit()}; }

}  // namespace octet::quantization
