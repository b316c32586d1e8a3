// stubs.h: QuantStub, DeQuantStub and QuantWrapper, the markers at the borders of the quantized part
// of an eager-mode model (torch.ao.quantization.QuantStub / DeQuantStub / QuantWrapper).
//
// In the float model both stubs are identities that mark where tensors enter and leave int8:
//
//   class Net : public nn::Cloneable<Net> {
//    public:
//     Net() {
//       register_module("quant", &Net::quant, std::make_shared<quantization::QuantStub>());
//       register_module("fc", &Net::fc, std::make_shared<nn::Linear>(16, 4));
//       register_module("dequant", &Net::dequant, std::make_shared<quantization::DeQuantStub>());
//     }
//     Tensor forward(const Tensor& x) override { return dequant->forward(fc->forward(quant->forward(x))); }
//     nn::ModulePtr quant, fc, dequant;   // Module members: convert() swaps what they hold
//   };
//
// prepare() gives the QuantStub an observer of its output (the float input); convert() turns it
// into nn::quantized::Quantize with the observed qparams and the DeQuantStub into DeQuantize.
// Members that convert() swaps must be nn::ModulePtr (a std::shared_ptr<nn::Linear> cannot hold a
// quantized Linear): see docs/quantization.md.
#pragma once

#include <memory>
#include <string>

#include "octet/nn/cloneable.h"

namespace octet::quantization {

// forward(x) = x (float32). convert() makes it a Quantize with its observer's qparams.
class QuantStub : public nn::Cloneable<QuantStub> {
 public:
  QuantStub() = default;
  Tensor forward(const Tensor& input) override;
};

// forward(x) = x. convert() makes it a DeQuantize (quantized in, float out).
class DeQuantStub : public nn::Cloneable<DeQuantStub> {
 public:
  DeQuantStub() = default;
  Tensor forward(const Tensor& input) override;
};

// Wraps a float module between a QuantStub and a DeQuantStub, so that a module written without
// stubs can be quantized whole: children "quant", "dequant", "module" (PyTorch's names and order);
// forward(x) = dequant(module(quant(x))).
class QuantWrapper : public nn::Cloneable<QuantWrapper> {
 public:
  // An Error when module is null.
  explicit QuantWrapper(nn::ModulePtr module);
  Tensor forward(const Tensor& input) override;

  nn::ModulePtr quant;
  nn::ModulePtr dequant;
  nn::ModulePtr module;
};

}  // namespace octet::quantization
