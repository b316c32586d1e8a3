// functional_modules.h: nn::quantized::FloatFunctional and QFunctional, the modules that give tensor arithmetic in a model (add, mul, cat, ...) an observer before and a quantized op after convert().
//
// A float model writes its residual add through a FloatFunctional member instead of a + b:
//
//   // float model                              // after convert(): a QFunctional in its place
//   y = skip_add->add(x, shortcut);             y = skip_add->add(xq, shortcut_q);
//
// prepare() replaces FloatFunctional's "activation_post_process" child (an Identity) with an
// observer, which sees every add/mul/cat result; convert() makes a QFunctional with the observed
// qparams, whose methods call the quantized ops (octet/quantized/elementwise.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "octet/nn/cloneable.h"
#include "octet/nn/quantized/from_float.h"
#include "octet/nn/quantized/output_qparams.h"

namespace octet::nn::quantized {

// torch.ao.nn.quantized.FloatFunctional: float ops whose results (except the scalar forms, as in
// PyTorch) pass through activation_post_process. forward() is an Error: call an operation. Inputs
// must be float: a quantized tensor is an Error naming the operation and the missing DeQuantStub.
class FloatFunctional : public Cloneable<FloatFunctional> {
 public:
  FloatFunctional();
  Tensor forward(const Tensor& input) override;  // an Error, as in PyTorch

  virtual Tensor add(const Tensor& x, const Tensor& y);          // x + y (broadcasting)
  virtual Tensor add_scalar(const Tensor& x, double y);          // x + y, not observed
  virtual Tensor mul(const Tensor& x, const Tensor& y);          // x * y
  virtual Tensor mul_scalar(const Tensor& x, double y);          // x * y, not observed
  virtual Tensor cat(const std::vector<Tensor>& x, int64_t dim = 0);
  virtual Tensor add_relu(const Tensor& x, const Tensor& y);     // relu(x + y)
  virtual Tensor mul_relu(const Tensor& x, const Tensor& y);     // relu(x * y) (Octet; PyTorch has no mul_relu)
  virtual Tensor matmul(const Tensor& x, const Tensor& y);

  // An Identity until prepare() puts an observer here (replace_module("activation_post_process", obs)).
  std::shared_ptr<Module> activation_post_process;
};

// torch.ao.nn.quantized.QFunctional: the quantized ops with this module's output qparams
// ("scale", "zero_point"; printed "scale=1.0, zero_point=0"). add_scalar and mul_scalar pick their
// output qparams by PyTorch's rules instead (octet::quantized::add_scalar / mul_scalar). Inputs must
// be per-tensor quint8/qint8 of one dtype: a float input is an Error naming the operation and the
// missing QuantStub.
//
// QFunctional derives from FloatFunctional so that a model's std::shared_ptr<FloatFunctional> member
// holds either: convert() swaps the object and the model's add_relu(a, b) call stays as it is.
class QFunctional : public Cloneable<QFunctional, detail::OutputQParams<FloatFunctional>> {
 public:
  QFunctional();
  Tensor forward(const Tensor& input) override;  // an Error, as in PyTorch
  std::string name() const override { return "QFunctional"; }
  std::string extra_repr() const override;

  Tensor add(const Tensor& x, const Tensor& y) override;
  Tensor add_scalar(const Tensor& x, double y) override;
  Tensor mul(const Tensor& x, const Tensor& y) override;
  Tensor mul_scalar(const Tensor& x, double y) override;
  // Inputs with other qparams are requantized to (scale, zero_point).
  Tensor cat(const std::vector<Tensor>& x, int64_t dim = 0) override;
  Tensor add_relu(const Tensor& x, const Tensor& y) override;
  Tensor mul_relu(const Tensor& x, const Tensor& y) override;
  // dequantize -> float matmul -> quantize to (scale, zero_point) (PyTorch's quantized::matmul).
  Tensor matmul(const Tensor& x, const Tensor& y) override;

  // activation_post_process (inherited) stays an Identity, as in PyTorch.

  // The observed qparams of a prepared FloatFunctional: args.output_observer, or else the observer
  // prepare() put in mod.activation_post_process. An Error naming the module when neither observed
  // anything.
  static std::shared_ptr<QFunctional> from_float(const FloatFunctional& mod, const FromFloatArgs& args = {});
};

}  // namespace octet::nn::quantized
