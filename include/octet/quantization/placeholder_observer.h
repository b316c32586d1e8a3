// placeholder_observer.h: octet::quantization::PlaceholderObserver and NoopObserver, the observers
// that watch nothing and only carry a target dtype (and is_dynamic) to convert(), as in
// torch.ao.quantization.
//
//   PlaceholderObserver({.dtype = kFloat16, .is_dynamic = true})    float16 dynamic activations
//   PlaceholderObserver({.dtype = kQUInt8, .quant_min = 0, .quant_max = 255, .is_dynamic = true})
//                                              dynamic quint8 activations (qparams at run time)
//   NoopObserver()                             float16 weights, nothing to observe
//
// forward(x) returns x without reading it; calculate_qparams() (and quantizer()) is an Error naming
// the observer, as PyTorch raises. Neither has buffers; merge() needs the same class and options
// and changes nothing; reset() does nothing; has_observed() is false.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "octet/qparams.h"
#include "octet/quantization/observer.h"

namespace octet::quantization {

// PlaceholderObserver's keyword arguments (PyTorch's, without the deprecated compute_dtype).
struct PlaceholderObserverOptions {
  DType dtype = kFloat32;  // any dtype: float32 / float16 for float paths, quint8 / qint8 for dynamic
  std::string custom_op_name = "";
  std::optional<int64_t> quant_min = std::nullopt;  // both or neither; checked against a quantized dtype
  std::optional<int64_t> quant_max = std::nullopt;
  QScheme qscheme = kPerTensorAffine;
  float eps = kFloat32Eps;
  bool is_dynamic = false;
};

class PlaceholderObserver : public nn::Cloneable<PlaceholderObserver, ObserverBase> {
 public:
  explicit PlaceholderObserver(const PlaceholderObserverOptions& options = {});

  void observe(const Tensor& input) override;
  QParamsTensors calculate_qparams() const override;
  void merge(const ObserverBase& other) override;
  void reset() override {}
  bool has_observed() const override { return false; }
  // "dtype=torch.float16, is_dynamic=True", as PyTorch prints.
  std::string extra_repr() const override;

  const PlaceholderObserverOptions& options() const { return options_; }
  const std::string& custom_op_name() const { return options_.custom_op_name; }
  const std::optional<int64_t>& quant_min() const { return options_.quant_min; }
  const std::optional<int64_t>& quant_max() const { return options_.quant_max; }

 private:
  PlaceholderObserverOptions options_;
};

// NoopObserver(dtype = float16, custom_op_name = ""): like PlaceholderObserver, never dynamic;
// prints "NoopObserver()".
class NoopObserver : public nn::Cloneable<NoopObserver, ObserverBase> {
 public:
  explicit NoopObserver(DType dtype = kFloat16, std::string custom_op_name = "");

  void observe(const Tensor& input) override;
  QParamsTensors calculate_qparams() const override;
  void merge(const ObserverBase& other) override;
  void reset() override {}
  bool has_observed() const override { return false; }
  std::string extra_repr() const override { return {}; }

  const std::string& custom_op_name() const { return custom_op_name_; }

 private:
  std::string custom_op_name_;
};

}  // namespace octet::quantization
