// functional_modules.cpp: nn::quantized::FloatFunctional and QFunctional.
#include "octet/nn/quantized/functional_modules.h"

#include "nn/layer_util.h"
#include "octet/functional/activation.h"
#include "octet/functional/elementwise.h"
#include "octet/functional/linear.h"
#include "octet/functional/shape.h"
#include "octet/nn/identity.h"
#include "octet/quantization/activation_post_process.h"
#include "octet/quantize.h"
#include "octet/quantized/elementwise.h"
#include "qnn/qnn_util.h"

namespace octet::nn::quantized {

namespace F = ::octet::functional;
namespace qops = ::octet::quantized;
using detail::check_float_input;
using detail::check_quantized_input;

namespace {

// "QFunctional.add", followed by the module's place in its model when known: "QFunctional.add 'add1'".
std::string op_name(const Module& m, const char* module, const char* op) {
  std::string out = module;
  out.append(".").append(op);
  if (!m.qualified_name().empty()) out.append(" '").append(m.qualified_name()).append("'");
  return out;
}

}  // namespace

// --- FloatFunctional ---------------------------------------------------------------------------------

FloatFunctional::FloatFunctional() {
  register_module("activation_post_process", &FloatFunctional::activation_post_process,
                  std::make_shared<nn::Identity>());
}

Tensor FloatFunctional::forward(const Tensor& /*input*/) {
  OCTET_FAIL("FloatFunctional", "FloatFunctional is not intended to use the 'forward'. Please use the underlying "
                                "operation (add, mul, cat, ...)");
}

#define OCTET_FF_CHECK2(op)                                            \
  const std::string where = op_name(*this, "FloatFunctional", op);            \
  check_float_input(x, where, "first input");                          \
  check_float_input(y, where, "second input")

Tensor FloatFunctional::add(const Tensor& x, const Tensor& y) {
  OCTET_FF_CHECK2("add");
  return activation_post_process->forward(F::add(x, y));
}

Tensor FloatFunctional::add_scalar(const Tensor& x, double y) {
  check_float_input(x, op_name(*this, "FloatFunctional", "add_scalar"));
  return F::add(x, y);
}

Tensor FloatFunctional::mul(const Tensor& x, const Tensor& y) {
  OCTET_FF_CHECK2("mul");
  return activation_post_process->forward(F::mul(x, y));
}

Tensor FloatFunctional::mul_scalar(const Tensor& x, double y) {
  check_float_input(x, op_name(*this, "FloatFunctional", "mul_scalar"));
  return F::mul(x, y);
}

Tensor FloatFunctional::cat(const std::vector<Tensor>& x, int64_t dim) {
  const std::string where = op_name(*this, "FloatFunctional", "cat");
  for (const Tensor& t : x) check_float_input(t, where);
  return activation_post_process->forward(F::cat(x, dim));
}

Tensor FloatFunctional::add_relu(const Tensor& x, const Tensor& y) {
  OCTET_FF_CHECK2("add_relu");
  return activation_post_process->forward(F::relu(F::add(x, y)));
}

Tensor FloatFunctional::mul_relu(const Tensor& x, const Tensor& y) {
  OCTET_FF_CHECK2("mul_relu");
  return activation_post_process->forward(F::relu(F::mul(x, y)));
}

Tensor FloatFunctional::matmul(const Tensor& x, const Tensor& y) {
  OCTET_FF_CHECK2("matmul");
  return activation_post_process->forward(F::matmul(x, y));
}

#undef OCTET_FF_CHECK2

// --- QFunctional -------------------------------------------------------------------------------------

QFunctional::QFunctional() {
  register_output_qparams(1.0, 0);  // FloatFunctional registered activation_post_process (an Identity)
}

Tensor QFunctional::forward(const Tensor& /*input*/) {
  OCTET_FAIL("QFunctional", "Functional is not intended to use the 'forward'. Please use the underlying operation "
                            "(add, mul, cat, ...)");
}

std::string QFunctional::extra_repr() const {
  std::string out = "scale=";
  out.append(layer_util::py_float(scale())).append(", zero_point=").append(std::to_string(zero_point()));
  return out;
}

#define OCTET_QF_CHECK2(op)                                            \
  const std::string where = op_name(*this, "QFunctional", op);                \
  check_quantized_input(x, where, "first input");                      \
  check_quantized_input(y, where, "second input")

Tensor QFunctional::add(const Tensor& x, const Tensor& y) {
  OCTET_QF_CHECK2("add");
  return activation_post_process->forward(qops::add(x, y, scale(), zero_point()));
}

Tensor QFunctional::add_scalar(const Tensor& x, double y) {
  check_quantized_input(x, op_name(*this, "QFunctional", "add_scalar"));
  return qops::add_scalar(x, y);
}

Tensor QFunctional::mul(const Tensor& x, const Tensor& y) {
  OCTET_QF_CHECK2("mul");
  return activation_post_process->forward(qops::mul(x, y, scale(), zero_point()));
}

Tensor QFunctional::mul_scalar(const Tensor& x, double y) {
  check_quantized_input(x, op_name(*this, "QFunctional", "mul_scalar"));
  return qops::mul_scalar(x, y);
}

Tensor QFunctional::cat(const std::vector<Tensor>& x, int64_t dim) {
  const std::string where = op_name(*this, "QFunctional", "cat");
  for (const Tensor& t : x) check_quantized_input(t, where);
  return activation_post_process->forward(qops::cat(x, dim, scale(), zero_point()));
}

Tensor QFunctional::add_relu(const Tensor& x, const Tensor& y) {
  OCTET_QF_CHECK2("add_relu");
  return activation_post_process->forward(qops::add_relu(x, y, scale(), zero_point()));
}

Tensor QFunctional::mul_relu(const Tensor& x, const Tensor& y) {
  OCTET_QF_CHECK2("mul_relu");
  return activation_post_process->forward(qops::mul_relu(x, y, scale(), zero_point()));
}

Tensor QFunctional::matmul(const Tensor& x, const Tensor& y) {
  OCTET_QF_CHECK2("matmul");
  OCTET_CHECK(x.dtype() == y.dtype(), where, "operands must have the same dtype, got ", x.dtype(), " and ", y.dtype());
  const Tensor r = F::matmul(x.dequantize(), y.dequantize());
  return quantize_per_tensor(r, scale(), zero_point(), x.dtype());
}

#undef OCTET_QF_CHECK2

std::shared_ptr<QFunctional> QFunctional::from_float(const FloatFunctional& mod, const FromFloatArgs& args) {
  FromFloatArgs a = args;
  if (a.output_observer == nullptr) {
    a.output_observer = dynamic_cast<const quantization::ActivationPostProcess*>(mod.activation_post_process.get());
  }
  const detail::ObservedQParams q = detail::output_qparams(a, "QFunctional");
  auto out = std::make_shared<QFunctional>();
  out->set_scale(q.scale);
  out->set_zero_point(q.zero_point);
  return out;
}

}  // namespace octet::nn::quantized
