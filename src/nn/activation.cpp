// activation.cpp: the activation modules; each forward is the functional op of the same name.
#include "octet/nn/activation.h"

#include <utility>

#include "nn/py_repr.h"
#include "octet/functional/activation.h"

namespace octet::nn {

namespace F = octet::functional;
using detail::py_float_repr;

namespace {
// PyTorch prints inplace only when it is set: "inplace=True" alone, or ", inplace=True" after
// other fields.
std::string inplace_only(bool inplace) { return inplace ? "inplace=True" : ""; }
std::string inplace_suffix(bool inplace) { return inplace ? ", inplace=True" : ""; }

// torch.nn.functional._get_softmax_dim: the implicit dim of Softmax(dim=None).
int64_t legacy_softmax_dim(const Tensor& input) {
  const int64_t rank = input.dim();
  return (rank == 0 || rank == 1 || rank == 3) ? 0 : 1;
}
std::string dim_repr(const std::optional<int64_t>& dim) {
  return "dim=" + (dim ? std::to_string(*dim) : std::string("None"));
}
}  // namespace

Tensor ReLU::forward(const Tensor& input) { return F::relu(input); }
std::string ReLU::extra_repr() const { return inplace_only(options_.inplace); }

Tensor ReLU6::forward(const Tensor& input) { return F::relu6(input); }
std::string ReLU6::extra_repr() const { return inplace_only(options_.inplace); }

Hardtanh::Hardtanh(HardtanhOptions options) : options_(options) {
  OCTET_CHECK(options_.max_val > options_.min_val, "Hardtanh", "max_val must be greater than min_val, got min_val=",
              options_.min_val, " and max_val=", options_.max_val);
}
Tensor Hardtanh::forward(const Tensor& input) { return F::hardtanh(input, options_.min_val, options_.max_val); }
std::string Hardtanh::extra_repr() const {
  return "min_val=" + py_float_repr(options_.min_val) + ", max_val=" + py_float_repr(options_.max_val) +
         inplace_suffix(options_.inplace);
}

Tensor Hardswish::forward(const Tensor& input) { return F::hardswish(input); }
Tensor Hardsigmoid::forward(const Tensor& input) { return F::hardsigmoid(input); }
Tensor Sigmoid::forward(const Tensor& input) { return F::sigmoid(input); }
Tensor Tanh::forward(const Tensor& input) { return F::tanh(input); }

GELU::GELU(GELUOptions options) : options_(std::move(options)) {
  OCTET_CHECK(options_.approximate == "none" || options_.approximate == "tanh", "GELU",
              "approximate must be 'none' or 'tanh', got '", options_.approximate, "'");
}
Tensor GELU::forward(const Tensor& input) { return F::gelu(input, options_.approximate); }
std::string GELU::extra_repr() const { return "approximate='" + options_.approximate + "'"; }

Tensor SiLU::forward(const Tensor& input) { return F::silu(input); }
std::string SiLU::extra_repr() const { return inplace_only(options_.inplace); }

Tensor Mish::forward(const Tensor& input) { return F::mish(input); }
std::string Mish::extra_repr() const { return inplace_only(options_.inplace); }

Tensor ELU::forward(const Tensor& input) { return F::elu(input, options_.alpha); }
std::string ELU::extra_repr() const {
  return "alpha=" + py_float_repr(options_.alpha) + inplace_suffix(options_.inplace);
}

CELU::CELU(CELUOptions options) : options_(options) {
  OCTET_CHECK(options_.alpha != 0.0, "CELU", "alpha must be nonzero (it divides the input), got 0");
}
Tensor CELU::forward(const Tensor& input) { return F::celu(input, options_.alpha); }
std::string CELU::extra_repr() const {
  return "alpha=" + py_float_repr(options_.alpha) + inplace_suffix(options_.inplace);
}

Tensor LeakyReLU::forward(const Tensor& input) { return F::leaky_relu(input, options_.negative_slope); }
std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + py_float_repr(options_.negative_slope) + inplace_suffix(options_.inplace);
}

PReLU::PReLU(PReLUOptions options) : options_(options) {
  OCTET_CHECK(options_.num_parameters >= 1, "PReLU", "num_parameters must be at least 1, got ",
              options_.num_parameters);
  register_parameter("weight", &PReLU::weight, full({options_.num_parameters}, options_.init));
}
Tensor PReLU::forward(const Tensor& input) {
  OCTET_CHECK(input.defined(), "PReLU", "the input is undefined");
  const int64_t n = weight.numel();
  if (n != 1) {
    // PyTorch's channel dim is dim 1; a 0- or 1-d input has a single channel.
    const int64_t channels = input.dim() >= 2 ? input.size(1) : 1;
    OCTET_CHECK(channels == n, "PReLU", "num_parameters=", n, " does not match the ", channels,
                " channels (dim 1) of the input of shape ", shape_to_string(input.shape()),
                "; use num_parameters=1 or the channel count");
  }
  return F::prelu(input, weight);
}
std::string PReLU::extra_repr() const { return "num_parameters=" + std::to_string(options_.num_parameters); }

Tensor Softplus::forward(const Tensor& input) { return F::softplus(input, options_.beta, options_.threshold); }
std::string Softplus::extra_repr() const {
  return "beta=" + py_float_repr(options_.beta) + ", threshold=" + py_float_repr(options_.threshold);
}

Tensor Softmax::forward(const Tensor& input) {
  OCTET_CHECK(input.defined(), "Softmax", "the input is undefined");
  return F::softmax(input, dim_ ? *dim_ : legacy_softmax_dim(input));
}
std::string Softmax::extra_repr() const { return dim_repr(dim_); }

Tensor LogSoftmax::forward(const Tensor& input) {
  OCTET_CHECK(input.defined(), "LogSoftmax", "the input is undefined");
  return F::log_softmax(input, dim_ ? *dim_ : legacy_softmax_dim(input));
}
std::string LogSoftmax::extra_repr() const { return dim_repr(dim_); }

}  // namespace octet::nn
