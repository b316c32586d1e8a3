// dropout.cpp: nn::quantized::Dropout, the identity on quantized tensors.
#include "octet/nn/quantized/dropout.h"

#include "nn/py_repr.h"
#include "qnn/qnn_util.h"

namespace octet::nn::quantized {

Dropout::Dropout(double p, bool inplace) : p_(p), inplace_(inplace) {
  OCTET_CHECK(p >= 0.0 && p <= 1.0, "QuantizedDropout", "dropout probability has to be between 0 and 1, but got ", p);
}

Tensor Dropout::forward(const Tensor& input) {
  detail::check_quantized_input(input, error_name());
  return input;
}

std::string Dropout::extra_repr() const {
  return "p=" + nn::detail::py_float_repr(p_) + ", inplace=" + nn::detail::py_bool_repr(inplace_);
}

std::shared_ptr<Dropout> Dropout::from_float(const nn::Dropout& mod, const FromFloatArgs& /*args*/) {
  return std::make_shared<Dropout>(mod.p(), mod.options().inplace);
}

}  // namespace octet::nn::quantized
