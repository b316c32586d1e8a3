// fixed_qparams_observer.h: octet::quantization::FixedQParamsObserver, torch.ao.quantization's
// observer for ops whose output range is known in advance (sigmoid: scale 1/256, zero point 0;
// tanh: 2/256, 128).
//
//   FixedQParamsObserver(1.0 / 256.0, 0)    sigmoid, hardsigmoid, softmax outputs (quint8 0..255)
//   FixedQParamsObserver(2.0 / 256.0, 128)  tanh outputs
//
// Buffers as in PyTorch: "scale" (float32 [1], the scale rounded to float32) and "zero_point"
// (int32 [1]). forward(x) returns x without reading it; calculate_qparams() returns the fixed pair
// (float32 and int64 0-d, like every per-tensor observer here), so has_observed() is always true.
#pragma once

#include <cstdint>

#include "octet/quantization/observer.h"

namespace octet::quantization {

class FixedQParamsObserver : public nn::Cloneable<FixedQParamsObserver, ObserverBase> {
 public:
  // PyTorch's arguments and defaults. An Error naming the observer unless scale is finite and > 0
  // in float32, the dtype is quint8, qint8 or qint32, qscheme is per-tensor, [quant_min, quant_max]
  // is a valid range of the dtype, and zero_point lies inside it.
  FixedQParamsObserver(double scale, int64_t zero_point, DType dtype = kQUInt8, QScheme qscheme = kPerTensorAffine,
                       int64_t quant_min = 0, int64_t quant_max = 255);

  void observe(const Tensor& input) override;
  QParamsTensors calculate_qparams() const override;
  // Same class and options, and the same scale and zero point (an Error otherwise); no change.
  void merge(const ObserverBase& other) override;
  void reset() override {}
  bool has_observed() const override { return true; }
  std::string extra_repr() const override { return {}; }

  Tensor scale;       // float32 [1], bound to the buffer "scale"
  Tensor zero_point;  // int32 [1], bound to the buffer "zero_point"

 protected:
  void check_state(const nn::StateDict& buffers) const override;
};

}  // namespace octet::quantization
