// qnn_util.h: helpers shared by the quantized modules (internal): input checks whose errors name the module, output qparams and weights from observers, and state-dict plumbing for weights kept packed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "octet/nn/conv.h"
#include "octet/nn/module.h"
#include "octet/nn/quantized/from_float.h"
#include "octet/quantization/qconfig.h"
#include "octet/tensor.h"

namespace octet::nn::quantized::detail {

// A static quantized module's input must be a per-tensor quint8/qint8 tensor. A float input is the
// usual mistake (the model was converted but nothing quantizes its input), so the message says so:
//   "QuantizedConv2d: expected a quantized input (quint8 or qint8), got float32: a QuantStub (or
//    nn::quantized::Quantize) is probably missing before this module"
void check_quantized_input(const Tensor& input, const std::string& module, const char* what = "input");

// A float module's input must be float: a quantized tensor here means a DeQuantStub is missing.
//   "FloatFunctional.add: expected a float input, got quint8: a DeQuantStub (or
//    nn::quantized::DeQuantize) is probably missing before this module"
void check_float_input(const Tensor& input, const std::string& module, const char* what = "input");

// The output qparams a static module takes from its calibrated output observer
// (args.output_observer): an Error naming `module` when there is none, when it observed nothing,
// or when it is not a per-tensor quint8/qint8 observer.
struct ObservedQParams {
  double scale = 1.0;
  int64_t zero_point = 0;
  DType dtype = kQUInt8;
};
ObservedQParams output_qparams(const FromFloatArgs& args, const std::string& module);

// What to observe and how to quantize a float weight, as PyTorch's _quantize_weight does.
struct WeightQuantization {
  // Makes the observer when args.weight_observer is empty (the module's PyTorch default).
  quantization::ActivationPostProcessFactory fallback;
  DType dtype = kQInt8;           // the dtype the module needs; another observer dtype is an Error
  int64_t channel_axis = 0;       // where the output channel lies in the weight (1 for transposed convs)
};

// Runs a fresh weight observer over `weight` and quantizes it with its qparams (per-tensor, or per
// channel along the output-channel axis), then clamps the integers to the observer's quant range
// when it is narrower than the dtype's (PyTorch's _clamp_weights: -127..127 weight observers).
// For a per-channel observer the weight is observed with its output-channel axis moved to the
// front, so an observer with ch_axis 0 sees one channel per output channel whatever the layout.
Tensor quantize_weight(const Tensor& weight, const FromFloatArgs& args, const WeightQuantization& how,
                       const std::string& module);

// The constructor options that rebuild a float convolution's geometry.
nn::ConvOptions conv_options_of(const nn::detail::ConvNd& conv);
nn::ConvTransposeOptions conv_transpose_options_of(const nn::detail::ConvNd& conv);

// A deep copy of an optional float tensor (undefined stays undefined).
Tensor clone_or_undefined(const Tensor& t);

// --- state dicts of modules that keep tensors outside the registries -------------------------------
// A module whose "weight" / "bias" live in packed form saves them itself and reads them back in its
// load_from_state_dict; the base class (which handles its registered buffers) reports those keys as
// unexpected, so the override takes them off that list again.
void erase_unexpected(StateDictLoad& load, const std::string& key);

// A checkpoint tensor the module reads itself: null (recorded as missing) when absent.
const Tensor* find_required(StateDictLoad& load, const std::string& key);

// Validates a quantized weight from a checkpoint: qint8 (or `dtype`), the expected shape, per
// tensor or per channel along `axis`. Returns an empty string when valid, else the reason.
std::string check_quantized_weight(const Tensor& w, const Shape& shape, DType dtype, int64_t axis);
// Validates a float bias: floating, the expected shape. Empty when valid.
std::string check_float_tensor(const Tensor& t, const Shape& shape);

// The message PyTorch's load_state_dict gives for a bad value: "While copying the parameter named
// \"<key>\", an exception occurred: <why>".
std::string load_error(const std::string& key, const std::string& why);

}  // namespace octet::nn::quantized::detail
