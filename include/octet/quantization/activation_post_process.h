// activation_post_process.h: octet::quantization::ActivationPostProcess, the interface shared by
// observers and fake-quantize modules: what a QConfig makes and prepare() attaches.
//
// PyTorch calls both kinds "activation_post_process" and duck-types them; here they share this
// base, so a QConfig factory returns one type and convert() reads qparams from either.
#pragma once

#include "octet/nn/cloneable.h"
#include "octet/quantizer.h"
#include "octet/tensor.h"

namespace octet::quantization {

// PyTorch's calculate_qparams() result: scale float32 and zero_point int64, both 0-d for a
// per-tensor observer and [channels] for a per-channel one (zero_point float32 for the
// per_channel_affine_float_qparams scheme).
struct QParamsTensors {
  Tensor scale;
  Tensor zero_point;
};

class ActivationPostProcess : public nn::Module {
 public:
  // The qparams for what was observed; an Error naming the module when nothing was observed.
  virtual QParamsTensors calculate_qparams() const = 0;
  // A Quantizer holding calculate_qparams() (per-channel: along the module's channel axis).
  virtual QuantizerPtr quantizer() const = 0;
  // The target quantized dtype and scheme.
  virtual DType dtype() const = 0;
  virtual QScheme qscheme() const = 0;
  // PyTorch's is_dynamic: the quantize step this module configures computes its qparams from
  // each input at run time (dynamic quantization) instead of from calibration statistics.
  virtual bool is_dynamic() const { return false; }

 protected:
  ActivationPostProcess() = default;
  ActivationPostProcess(const ActivationPostProcess&) = default;
};

}  // namespace octet::quantization
