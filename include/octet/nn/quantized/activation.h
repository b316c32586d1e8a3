// activation.h: nn::quantized::ReLU6, Hardswish, ELU, LeakyReLU, Sigmoid, Tanh, Softmax and PReLU, torch.ao.nn.quantized's activation modules.
//
// Each calls the quantized operator of octet/quantized/activation.h or norm.h. ReLU6
// keeps the input's qparams; the others requantize to the module's output qparams. The functions of
// one 8-bit value (hardswish, elu, leaky_relu, sigmoid, tanh) are 256-entry tables,
// quantize_out(f(dequantize_in(q))), so every element equals PyTorch's kernel on the x86 engine.
//
// Output qparams. Hardswish and LeakyReLU have PyTorch's buffers "scale"/"zero_point"; ELU,
// Softmax, PReLU (scale, zero_point) and Sigmoid, Tanh (output_scale, output_zero_point) keep them
// as plain attributes in PyTorch, so PyTorch's state dict loses them. Octet stores them in the
// same two buffers for every module (accessors named as PyTorch's attributes), so a saved model
// reloads whole. Sigmoid and Tanh default to PyTorch's fixed qparams (1/256, 0) and (2/256, 128)
// (for qint8 inputs: zero points -128 and 0), what convert() gives them.
//
// Names print as PyTorch's: "QuantizedReLU6()", "QuantizedLeakyReLU(negative_slope=0.01)",
// "QuantizedSoftmax(dim=1)", but "Sigmoid()" (PyTorch's quantized Sigmoid keeps the float name).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "octet/nn/activation.h"
#include "octet/nn/cloneable.h"
#include "octet/nn/quantized/from_float.h"
#include "octet/nn/quantized/output_qparams.h"

namespace octet::nn::quantized {

// min(max(q, zero_point), quantize(6)) with the input's qparams (octet::quantized::relu6).
class ReLU6 : public Cloneable<ReLU6> {
 public:
  explicit ReLU6(bool inplace = false) : inplace_(inplace) {}  // inplace is accepted and ignored
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedReLU6"; }
  std::string extra_repr() const override;
  static std::shared_ptr<ReLU6> from_float(const nn::ReLU6& mod, const FromFloatArgs& args = {});

 private:
  bool inplace_;
};

// x * relu6(x + 3) / 6 to (scale, zero_point) (octet::quantized::hardswish).
class Hardswish : public Cloneable<Hardswish, detail::OutputQParams<Module>> {
 public:
  Hardswish(double scale, int64_t zero_point);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedHardswish"; }
  static std::shared_ptr<Hardswish> from_float(const nn::Hardswish& mod, const FromFloatArgs& args);
};

// x >= 0 ? x : alpha * (e^x - 1) to (scale, zero_point) (octet::quantized::elu).
class ELU : public Cloneable<ELU, detail::OutputQParams<Module>> {
 public:
  ELU(double scale, int64_t zero_point, double alpha = 1.0);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedELU"; }
  std::string extra_repr() const override;  // "alpha=1.0"
  double alpha() const { return alpha_; }
  static std::shared_ptr<ELU> from_float(const nn::ELU& mod, const FromFloatArgs& args);

 private:
  double alpha_;
};

// x > 0 ? x : negative_slope * x to (scale, zero_point) (PyTorch's quantized::leaky_relu with
// output qparams: the same table as octet::quantized::leaky_relu, to other qparams).
class LeakyReLU : public Cloneable<LeakyReLU, detail::OutputQParams<Module>> {
 public:
  LeakyReLU(double scale, int64_t zero_point, double negative_slope = 1e-2, bool inplace = false);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedLeakyReLU"; }
  std::string extra_repr() const override;  // "negative_slope=0.01" (+ ", inplace=True")
  double negative_slope() const { return negative_slope_; }
  static std::shared_ptr<LeakyReLU> from_float(const nn::LeakyReLU& mod, const FromFloatArgs& args);

 private:
  double negative_slope_;
  bool inplace_;
};

// 1 / (1 + e^-x) to (output_scale, output_zero_point) (PyTorch's quantized::sigmoid; with the fixed
// qparams it is octet::quantized::sigmoid). Unset qparams: PyTorch's fixed ones for the input dtype.
class Sigmoid : public Cloneable<Sigmoid, detail::OutputQParams<Module>> {
 public:
  Sigmoid(std::optional<double> output_scale = std::nullopt, std::optional<int64_t> output_zero_point = std::nullopt);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "Sigmoid"; }
  double output_scale() const { return scale(); }
  int64_t output_zero_point() const { return zero_point(); }
  static std::shared_ptr<Sigmoid> from_float(const nn::Sigmoid& mod, const FromFloatArgs& args);

 private:
  bool fixed_;  // no qparams given: PyTorch's fixed (1/256, 0 / -128) by input dtype
};

// tanh to (output_scale, output_zero_point); unset: PyTorch's fixed (2/256, 128 / 0). PyTorch has no
// quantized Tanh module (eager mode runs torch.tanh on the quantized tensor, which is
// octet::quantized::tanh); this module is that call, printed "QuantizedTanh()".
class Tanh : public Cloneable<Tanh, detail::OutputQParams<Module>> {
 public:
  Tanh(std::optional<double> output_scale = std::nullopt, std::optional<int64_t> output_zero_point = std::nullopt);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedTanh"; }
  double output_scale() const { return scale(); }
  int64_t output_zero_point() const { return zero_point(); }
  static std::shared_ptr<Tanh> from_float(const nn::Tanh& mod, const FromFloatArgs& args);

 private:
  bool fixed_;
};

// softmax along dim to (scale, zero_point) (octet::quantized::softmax); no dim: PyTorch's legacy
// choice (dim 0 for 0-, 1- and 3-d inputs, else 1).
class Softmax : public Cloneable<Softmax, detail::OutputQParams<Module>> {
 public:
  explicit Softmax(std::optional<int64_t> dim = std::nullopt, double scale = 1.0, int64_t zero_point = 0);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedSoftmax"; }
  std::string extra_repr() const override;  // "dim=1" / "dim=None"
  std::optional<int64_t> dim() const { return dim_; }
  static std::shared_ptr<Softmax> from_float(const nn::Softmax& mod, const FromFloatArgs& args);

 private:
  std::optional<int64_t> dim_;
};

// x > 0 ? x : w[c] * x to (scale, zero_point), with the learned slopes w stored quantized (quint8
// per tensor, as PyTorch's quantized PReLU): dequantize x and w, apply PReLU in float32, quantize to
// the output qparams -- PyTorch's quantized::prelu. "weight" (num_parameters quint8 values) is part
// of the state dict here (PyTorch keeps it as a plain attribute). An input needs num_parameters == 1
// or num_parameters channels at dim 1.
class PReLU : public Cloneable<PReLU, detail::OutputQParams<Module>> {
 public:
  // The slopes start at 0.25 (the float PReLU's default), stored as quantize_per_tensor(0.25,
  // 1 / 512, 0, quint8) (PyTorch starts from random values).
  PReLU(double output_scale, int64_t output_zero_point, int64_t num_parameters = 1);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedPReLU"; }
  int64_t num_parameters() const { return num_parameters_; }
  const Tensor& weight() const { return weight_; }
  // w: quint8 per-tensor, num_parameters elements.
  void set_weight(const Tensor& w);
  // The slopes observed by args.weight_observer (default: MinMaxObserver quint8, per-tensor affine,
  // the dtype PyTorch's from_float asks for) and quantized to quint8 with its qparams.
  static std::shared_ptr<PReLU> from_float(const nn::PReLU& mod, const FromFloatArgs& args);

 protected:
  void save_to_state_dict(StateDict& destination, const std::string& prefix) const override;
  void load_from_state_dict(StateDictLoad& load, const std::string& prefix) override;

 private:
  int64_t num_parameters_;
  Tensor weight_;
};

}  // namespace octet::nn::quantized
