// linear.cpp: Linear.
#include "octet/nn/linear.h"

#include <cmath>

#include "nn/layer_util.h"
#include "octet/functional/linear.h"
#include "octet/nn/init.h"

namespace octet::nn {

using layer_util::check_float_input;

Linear::Linear(int64_t in_features, int64_t out_features, LinearOptions options)
    : in_features_(in_features), out_features_(out_features) {
  OCTET_CHECK(in_features >= 0 && out_features >= 0, "Linear", "in_features and out_features must be >= 0, got ",
              in_features, " and ", out_features);
  register_parameter("weight", &Linear::weight, empty({out_features, in_features}));
  register_parameter("bias", &Linear::bias, options.bias ? empty({out_features}) : Tensor());
  reset_parameters();
}

void Linear::reset_parameters(Generator* generator) {
  // kaiming_uniform_(a = sqrt(5)) gives bound sqrt(6 / ((1 + 5) * fan_in)) = 1 / sqrt(fan_in).
  init::kaiming_uniform_(weight, std::sqrt(5.0), "fan_in", "leaky_relu", generator);
  if (bias.defined() && in_features_ > 0) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_features_));
    init::uniform_(bias, -bound, bound, generator);
  }
}

Tensor Linear::forward(const Tensor& input) {
  OCTET_CHECK(input.defined(), "Linear", "the input is undefined");
  OCTET_CHECK(input.dim() >= 1 && input.size(-1) == in_features_, "Linear", "expected an input of shape (*, ",
              in_features_, ") (in_features=", in_features_, "), got shape ", shape_to_string(input.shape()));
  check_float_input(input, "Linear", {input.dim()});
  return functional::linear(input, weight, bias);
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features_) + ", out_features=" + std::to_string(out_features_) +
         ", bias=" + layer_util::py_bool(bias.defined());
}

}  // namespace octet::nn
