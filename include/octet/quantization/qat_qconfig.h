// qat_qconfig.h: the quantization-aware-training QConfigs and fake-quantize factories of
// torch.ao.quantization (fake_quantize.py and qconfig.py, PyTorch 2.15).
//
//   QConfig qc = get_default_qat_qconfig("x86");   // fused observer + fake quantize, version 1
//
// get_default_qat_qconfig(backend, version):
//
//   backend            version 1 (default; FusedMovingAvgObsFakeQuantize)     version 0 (FakeQuantize)
//   activation
//     x86, fbgemm      MovingAverageMinMax quint8 0..255, reduce_range (0..127)   the same, unfused
//     qnnpack          MovingAverageMinMax quint8 0..255                          the same, unfused
//     onednn           MovingAverageMinMax quint8 0..255                          the same, unfused
//   weight
//     x86, fbgemm, onednn   default_fused_per_channel_wt_fake_quant               default_per_channel_weight_fake_quant
//     qnnpack               default_fused_wt_fake_quant                           default_weight_fake_quant
//
// The fake-quantize factories below are PyTorch's module-level defaults (every factory call makes a
// fresh module with a fresh observer); "MovingAverage" observers average with 0.01 unless noted.
#pragma once

#include <string_view>

#include "octet/quantization/qconfig.h"

namespace octet::quantization {

// --- fake-quantize factories (torch.ao.quantization.fake_quantize) ---------------------------------
// FakeQuantize(MovingAverageMinMaxObserver(quint8, per_tensor_affine, quant_min 0, quant_max 255,
// reduce_range)): activations in 0..127.
ActivationPostProcessFactory default_fake_quant();
// FakeQuantize(MovingAverageMinMaxObserver(qint8, per_tensor_symmetric, -128..127)).
ActivationPostProcessFactory default_weight_fake_quant();
// FakeQuantize(MovingAverageMinMaxObserver(quint8, 0..255, averaging_constant 1, is_dynamic)).
ActivationPostProcessFactory default_dynamic_fake_quant();
// FixedQParamsFakeQuantize(default_fixed_qparams_range_neg1to1_observer): scale 2/256, zero point 128.
ActivationPostProcessFactory default_fixed_qparams_range_neg1to1_fake_quant();
// FixedQParamsFakeQuantize(default_fixed_qparams_range_0to1_observer): scale 1/256, zero point 0.
ActivationPostProcessFactory default_fixed_qparams_range_0to1_fake_quant();
// FakeQuantize(MovingAveragePerChannelMinMaxObserver(qint8, per_channel_symmetric, -128..127, ch_axis 0)).
ActivationPostProcessFactory default_per_channel_weight_fake_quant();
// FakeQuantize(MovingAveragePerChannelMinMaxObserver(quint8, per_channel_affine_float_qparams,
// 0..255, ch_axis 0, averaging_constant 1)): embedding tables.
ActivationPostProcessFactory default_embedding_fake_quant();
// The same with quint4x2 (0..15).
ActivationPostProcessFactory default_embedding_fake_quant_4bit();
// FakeQuantize(HistogramObserver(quint8, per_tensor_affine, 0..255, reduce_range)).
ActivationPostProcessFactory default_histogram_fake_quant();
// FusedMovingAvgObsFakeQuantize(MovingAverageMinMaxObserver(quint8, 0..255)).
ActivationPostProcessFactory default_fused_act_fake_quant();
// FusedMovingAvgObsFakeQuantize(MovingAverageMinMaxObserver(qint8, per_tensor_symmetric, -128..127)).
ActivationPostProcessFactory default_fused_wt_fake_quant();
// FusedMovingAvgObsFakeQuantize(MovingAveragePerChannelMinMaxObserver(qint8, per_channel_symmetric,
// -128..127)).
ActivationPostProcessFactory default_fused_per_channel_wt_fake_quant();
// FusedMovingAvgObsFakeQuantize(MovingAverageMinMaxObserver(qint8, per_tensor_symmetric, -127..127,
// eps 2^-12)): XNNPACK-style weights.
ActivationPostProcessFactory fused_wt_fake_quant_range_neg_127_to_127();
// The per-channel form (MovingAveragePerChannelMinMaxObserver, per_channel_symmetric).
ActivationPostProcessFactory fused_per_channel_wt_fake_quant_range_neg_127_to_127();

// --- QAT qconfigs (torch.ao.quantization.qconfig) ----------------------------------------------------
// The default QAT qconfig of an engine (the table above): backend "x86" (the default), "fbgemm",
// "qnnpack", "onednn"; version 1 (fused, the default) or 0. Anything else is an Error listing the
// accepted values.
QConfig get_default_qat_qconfig(std::string_view backend = "x86", int version = 1);
// {default_fake_quant, default_weight_fake_quant}.
QConfig default_qat_qconfig();
// {default_dynamic_fake_quant, default_weight_fake_quant}.
QConfig default_dynamic_qat_qconfig();
// {none, default_weight_fake_quant}: weights only.
QConfig default_weight_only_qconfig();
// {default_fake_quant, none}: activations only.
QConfig default_activation_only_qconfig();
// {default_fused_act_fake_quant, default_fused_wt_fake_quant}.
QConfig default_qat_qconfig_v2();
// XNNPACK-style symmetric QAT (qnnpack's symmetric configuration): activations
// FusedMovingAvgObsFakeQuantize(MovingAverageMinMaxObserver(qint8, -128..127, eps 2^-12)),
// weights fused_wt_fake_quant_range_neg_127_to_127.
QConfig default_symmetric_qnnpack_qat_qconfig();
// The same with fused_per_channel_wt_fake_quant_range_neg_127_to_127 weights.
QConfig default_per_channel_symmetric_qnnpack_qat_qconfig();
// {NoopObserver(float32), default_embedding_fake_quant}.
QConfig default_embedding_qat_qconfig();
// {NoopObserver(float32), default_embedding_fake_quant_4bit}.
QConfig default_embedding_qat_qconfig_4bit();

}  // namespace octet::quantization
