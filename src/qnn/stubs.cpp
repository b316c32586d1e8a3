// stubs.cpp: QuantStub, DeQuantStub and QuantWrapper, identities that mark the quantized region.
#include "octet/quantization/stubs.h"

#include <utility>

#include "octet/error.h"

namespace octet::quantization {

Tensor QuantStub::forward(const Tensor& input) { return input; }
Tensor DeQuantStub::forward(const Tensor& input) { return input; }

QuantWrapper::QuantWrapper(nn::ModulePtr wrapped) {
  OCTET_CHECK(wrapped != nullptr, "QuantWrapper", "the wrapped module is null");
  register_module("quant", &QuantWrapper::quant, std::make_shared<QuantStub>());
  register_module("dequant", &QuantWrapper::dequant, std::make_shared<DeQuantStub>());
  register_module("module", &QuantWrapper::module, std::move(wrapped));
}

Tensor QuantWrapper::forward(const Tensor& input) {
  return dequant->forward(module->forward(quant->forward(input)));
}

}  // namespace octet::quantization
