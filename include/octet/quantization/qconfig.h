// qconfig.h: octet::quantization::QConfig, how to observe a layer's activations and weights, and
// torch.ao.quantization's default qconfigs and observer factories for each engine.
//
// A QConfig holds two factories, not observers: prepare() calls them once per place that needs an
// observer, as PyTorch instantiates its observer classes / with_args partials.
//
//   QConfig qc = get_default_qconfig("x86");     // HistogramObserver(reduce_range) + per-channel weights
//   QConfig mine{with_args<MinMaxObserver>(MinMaxObserverOptions{.dtype = kQInt8}),
//                default_per_channel_weight_observer()};
//
// An empty factory means "leave this unquantized" (PyTorch's torch.nn.Identity / None in a qconfig).
//
// The defaults, as PyTorch 2.15 defines them (torch/ao/quantization/qconfig.py, observer.py):
//
//   qconfig                                   activation                       weight
//   get_default_qconfig("x86" | "fbgemm")     Histogram quint8 0..127 (reduce) PerChannel qint8 symmetric
//   get_default_qconfig("onednn")             Histogram quint8 0..255          PerChannel qint8 symmetric
//   get_default_qconfig("qnnpack")            Histogram quint8 0..255          MinMax qint8 symmetric
//   default_symmetric_qnnpack_qconfig         Histogram qint8, eps 2^-12       MinMax qint8 symmetric -127..127,
//                                                                              eps 2^-12
//   default_per_channel_symmetric_qnnpack_qconfig   the same, PerChannel weights
//   default_qconfig                           MinMax quint8 0..127             MinMax qint8 symmetric
//   default_per_channel_qconfig               MinMax quint8 0..127             PerChannel qint8 symmetric
//   default_debug_qconfig                     Recording                        MinMax qint8 symmetric
//   default_dynamic_qconfig                   Placeholder quint8 0..255 dyn.   MinMax qint8 symmetric
//   per_channel_dynamic_qconfig               Placeholder quint8 0..255 dyn.   PerChannel qint8 symmetric
//   float16_dynamic_qconfig                   Placeholder float16 dynamic      Placeholder float16
//   float16_static_qconfig                    Placeholder float16              Placeholder float16
//   float_qparams_weight_only_qconfig         Placeholder float32              PerChannel quint8 float qparams
//   float_qparams_weight_only_qconfig_4bit    Placeholder float32              PerChannel quint4x2 float qparams
//   default_quint8_weight_qconfig             Histogram                        MinMax quint8 affine
//
// (MinMax = MinMaxObserver, PerChannel = PerChannelMinMaxObserver along axis 0, Histogram =
// HistogramObserver with 2048 bins; options not named are the class defaults.) The QAT qconfigs
// and default_weight_only_qconfig / default_activation_only_qconfig, whose factories make
// fake-quantize modules, are in qat_qconfig.h.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

#include "octet/quantization/activation_post_process.h"

namespace octet::quantization {

// Makes one fresh observer (or fake-quantize module) per call.
using ActivationPostProcessFactory = std::function<std::shared_ptr<ActivationPostProcess>()>;

struct QConfig {
  ActivationPostProcessFactory activation;  // for a layer's output (empty: not quantized)
  ActivationPostProcessFactory weight;      // for its weight (empty: not quantized)
};

// PyTorch's Class.with_args(...): a factory calling T's constructor with these arguments (copied
// into the factory), e.g. with_args<MinMaxObserver>(MinMaxObserverOptions{.quant_min = 0, .quant_max = 127}).
template <typename T, typename... Args>
ActivationPostProcessFactory with_args(Args... args) {
  static_assert(std::is_base_of_v<ActivationPostProcess, T>, "with_args: T must be an ActivationPostProcess");
  return [args...]() -> std::shared_ptr<ActivationPostProcess> { return std::make_shared<T>(args...); };
}

// --- observer factories (torch.ao.quantization.observer's module-level defaults) ----------------
// MinMaxObserver(quant_min=0, quant_max=127): quint8 activations in 0..127.
ActivationPostProcessFactory default_observer();
// MinMaxObserver(dtype=qint8, qscheme=per_tensor_symmetric).
ActivationPostProcessFactory default_weight_observer();
// MinMaxObserver(qint8, per_tensor_symmetric, quant_min=-127, quant_max=127, eps=2^-12).
ActivationPostProcessFactory weight_observer_range_neg_127_to_127();
// HistogramObserver(quant_min=0, quant_max=127).
ActivationPostProcessFactory default_histogram_observer();
// PerChannelMinMaxObserver(dtype=qint8, qscheme=per_channel_symmetric), ch_axis 0.
ActivationPostProcessFactory default_per_channel_weight_observer();
// PerChannelMinMaxObserver(qint8, per_channel_symmetric, quant_min=-127, quant_max=127, eps=2^-12).
ActivationPostProcessFactory per_channel_weight_observer_range_neg_127_to_127();
// PlaceholderObserver(dtype=quint8, quant_min=0, quant_max=255, is_dynamic=True).
ActivationPostProcessFactory default_dynamic_quant_observer();
// PerChannelMinMaxObserver(dtype=quint8, qscheme=per_channel_affine_float_qparams, ch_axis=0).
ActivationPostProcessFactory default_float_qparams_observer();
// The same with dtype quint4x2.
ActivationPostProcessFactory default_float_qparams_observer_4bit();
// PlaceholderObserver() (float32).
ActivationPostProcessFactory default_placeholder_observer();
// RecordingObserver().
ActivationPostProcessFactory default_debug_observer();
// FixedQParamsObserver(scale=2/256, zero_point=128, quint8 0..255): outputs in [-1, 1] (tanh).
ActivationPostProcessFactory default_fixed_qparams_range_neg1to1_observer();
// FixedQParamsObserver(scale=1/256, zero_point=0, quint8 0..255): outputs in [0, 1] (sigmoid,
// hardsigmoid, softmax).
ActivationPostProcessFactory default_fixed_qparams_range_0to1_observer();

// --- qconfigs (the table above) --------------------------------------------------------------------
// The default post-training qconfig of an engine: "x86" (the default), "fbgemm", "onednn",
// "qnnpack". Unknown backends and versions other than 0 are Errors listing the accepted ones.
QConfig get_default_qconfig(std::string_view backend = "x86", int version = 0);
QConfig default_qconfig();
QConfig default_debug_qconfig();
QConfig default_per_channel_qconfig();
QConfig default_dynamic_qconfig();
QConfig per_channel_dynamic_qconfig();
QConfig float16_dynamic_qconfig();
QConfig float16_static_qconfig();
QConfig float_qparams_weight_only_qconfig();
QConfig float_qparams_weight_only_qconfig_4bit();
QConfig default_symmetric_qnnpack_qconfig();
QConfig default_per_channel_symmetric_qnnpack_qconfig();
QConfig default_quint8_weight_qconfig();

}  // namespace octet::quantization
