// dropout.cpp: Dropout, a module over functional::dropout that follows the module's training flag.
#include "octet/nn/dropout.h"

#include "nn/py_repr.h"
#include "octet/functional/activation.h"

namespace octet::nn {

Dropout::Dropout(double p, DropoutOptions options) : p_(p), options_(options) {
  OCTET_CHECK(p_ >= 0.0 && p_ <= 1.0, "Dropout", "dropout probability has to be between 0 and 1, but got ", p_);
}

Tensor Dropout::forward(const Tensor& input) {
  OCTET_CHECK(input.defined(), "Dropout", "the input is undefined");
  return functional::dropout(input, p_, is_training(), /*generator=*/nullptr);
}

std::string Dropout::extra_repr() const {
  return "p=" + detail::py_float_repr(p_) + ", inplace=" + detail::py_bool_repr(options_.inplace);
}

}  // namespace octet::nn
