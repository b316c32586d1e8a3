// from_float.h: what convert() hands a quantized module's from_float(): the observers that decide
// its qparams (PyTorch reads them from mod.activation_post_process and mod.qconfig.weight()).
#pragma once

#include "octet/quantization/activation_post_process.h"
#include "octet/quantization/qconfig.h"

namespace octet::nn::quantized {

// Every quantized module has
//   static std::shared_ptr<Q> from_float(const FloatModule& float_module, const FromFloatArgs& args);
// which quantizes the float module's weights and fixes its output qparams, leaving the float module
// untouched.
struct FromFloatArgs {
  // Watched the float module's output during calibration: gives the output scale and zero point of
  // a static module. Null for dynamic and weight-only modules (an Error for a static one, naming
  // the module).
  const quantization::ActivationPostProcess* output_observer = nullptr;
  // Makes the weight observer (qconfig.weight): from_float runs it over the float weight and
  // quantizes the weight with its qparams. Empty: the module's PyTorch default weight observer.
  quantization::ActivationPostProcessFactory weight_observer{};
};

}  // namespace octet::nn::quantized
