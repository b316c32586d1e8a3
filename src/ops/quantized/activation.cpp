// activation.cpp: quantized activations: integer clamps (relu, relu6, hardtanh, clamp) and 256-entry lookup tables.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

#include "kernels/qelementwise_kernels.h"
#include "octet/error.h"
#include "octet/qparams.h"
#include "octet/quantized/activation.h"
#include "ops/quantized/elementwise_common.h"

namespace octet::quantized {
namespace {

using detail::QOperand;
using kernels::LutFunction;
using kernels::LutFunctionParams;

// --- clamps ---------------------------------------------------------------------------------------

// A bound as a stored integer: Octet's quantize with the input's qparams (PyTorch's quantize_val
// on the float bound, as qclamp_kernel does).
int32_t quantize_bound(const QOperand& q, double bound) {
  return static_cast<int32_t>(quantize_value(static_cast<float>(bound), q.scale_f, q.zero_point,
                                             dtype_qmin(q.dtype), dtype_qmax(q.dtype)));
}

Tensor clamp_impl(const Tensor& x, std::optional<double> min, std::optional<double> max, const char* op) {
  const QOperand q = detail::check_operand(x, op);
  OCTET_CHECK(!min || !std::isnan(*min), op, "min must not be NaN");
  OCTET_CHECK(!max || !std::isnan(*max), op, "max must not be NaN");
  const int32_t lo = min ? quantize_bound(q, *min) : static_cast<int32_t>(dtype_qmin(q.dtype));
  const int32_t hi = max ? quantize_bound(q, *max) : static_cast<int32_t>(dtype_qmax(q.dtype));
  return detail::apply_clamp(x, lo, hi);
}

// --- lookup tables ------------------------------------------------------------------------------------

// The dequantize form of PyTorch's x86 kernel for each function (its vectorized loop): the
// premultiplied FMA for tanh, hardsigmoid, hardswish, elu, leaky_relu and gelu, the plain one for
// sigmoid. silu has no quantized PyTorch kernel and takes Octet's (plain) dequantize.
kernels::LutDequantize dequantize_form(LutFunction f) {
  switch (f) {
    case LutFunction::Identity:
    case LutFunction::Sigmoid:
    case LutFunction::Silu: return kernels::LutDequantize::Plain;
    case LutFunction::Tanh:
    case LutFunction::Hardsigmoid:
    case LutFunction::Hardswish:
    case LutFunction::Elu:
    case LutFunction::LeakyRelu:
    case LutFunction::Gelu:
    case LutFunction::GeluTanh: return kernels::LutDequantize::PremulFma;
  }
  return kernels::LutDequantize::Plain;
}

Tensor lut_op(const Tensor& x, double out_scale, int64_t out_zero_point, const LutFunctionParams& f, const char* op) {
  const QOperand q = detail::check_operand(x, op);
  detail::check_output_qparams(out_scale, out_zero_point, q.dtype, op);
  uint8_t table[256];
  detail::build_table(q, out_scale, out_zero_point, f, dequantize_form(f.function), table);
  return detail::apply_table(x, table, Quantizer::per_tensor(q.dtype, out_scale, out_zero_point));
}

// The same with the input's qparams for the output.
Tensor lut_op_keep(const Tensor& x, const LutFunctionParams& f, const char* op) {
  const QOperand q = detail::check_operand(x, op);
  return lut_op(x, q.scale, q.zero_point, f, op);
}

// PyTorch's fixed output qparams: scale 1/256 (sigmoid, hardsigmoid) or 2/256 (tanh) over the output
// range [0, 1] or [-1, 1]; the zero point puts that range at the dtype's ends (0 / -128) or centre
// (128 / 0).
Tensor lut_op_fixed(const Tensor& x, double scale, int64_t zp_quint8, int64_t zp_qint8, const LutFunctionParams& f,
                    const char* op) {
  const QOperand q = detail::check_operand(x, op);
  return lut_op(x, scale, q.dtype == DType::QUInt8 ? zp_quint8 : zp_qint8, f, op);
}

LutFunction gelu_function(std::string_view approximate, const char* op) {
  if (approximate == "none") return LutFunction::Gelu;
  if (approximate == "tanh") return LutFunction::GeluTanh;
  OCTET_FAIL(op, "approximate must be \"none\" or \"tanh\", got \"", approximate, "\"");
}

}  // namespace

Tensor relu(const Tensor& x) {
  const QOperand q = detail::check_operand(x, "quantized::relu");
  return detail::apply_clamp(x, q.zero_point, static_cast<int32_t>(dtype_qmax(q.dtype)));
}

Tensor relu6(const Tensor& x) { return clamp_impl(x, 0.0, 6.0, "quantized::relu6"); }

Tensor hardtanh(const Tensor& x, double min_val, double max_val) {
  const char* op = "quantized::hardtanh";
  OCTET_CHECK(!(min_val > max_val), op, "min_val cannot be greater than max_val, got ", min_val, " > ", max_val);
  return clamp_impl(x, min_val, max_val, op);
}

Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max) {
  return clamp_impl(x, min, max, "quantized::clamp");
}

Tensor sigmoid(const Tensor& x) {
  return lut_op_fixed(x, 1.0 / 256.0, 0, -128, {LutFunction::Sigmoid}, "quantized::sigmoid");
}

Tensor hardsigmoid(const Tensor& x) {
  return lut_op_fixed(x, 1.0 / 256.0, 0, -128, {LutFunction::Hardsigmoid}, "quantized::hardsigmoid");
}

Tensor tanh(const Tensor& x) {
  return lut_op_fixed(x, 2.0 / 256.0, 128, 0, {LutFunction::Tanh}, "quantized::tanh");
}

Tensor hardswish(const Tensor& x, double output_scale, int64_t output_zero_point) {
  return lut_op(x, output_scale, output_zero_point, {LutFunction::Hardswish}, "quantized::hardswish");
}

Tensor elu(const Tensor& x, double output_scale, int64_t output_zero_point, double alpha, double scale,
           double input_scale) {
  const char* op = "quantized::elu";
  OCTET_CHECK(std::isfinite(alpha) && std::isfinite(scale) && std::isfinite(input_scale), op,
              "alpha, scale and input_scale must be finite, got ", alpha, ", ", scale, ", ", input_scale);
  return lut_op(x, output_scale, output_zero_point, {LutFunction::Elu, alpha, scale, input_scale}, op);
}

Tensor gelu(const Tensor& x, double output_scale, int64_t output_zero_point, std::string_view approximate) {
  const char* op = "quantized::gelu";
  return lut_op(x, output_scale, output_zero_point, {gelu_function(approximate, op)}, op);
}

Tensor silu(const Tensor& x, double output_scale, int64_t output_zero_point) {
  return lut_op(x, output_scale, output_zero_point, {LutFunction::Silu}, "quantized::silu");
}

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  const char* op = "quantized::leaky_relu";
  OCTET_CHECK(std::isfinite(negative_slope), op, "negative_slope must be finite, got ", negative_slope);
  return lut_op_keep(x, {LutFunction::LeakyRelu, negative_slope}, op);
}

Tensor gelu(const Tensor& x, std::string_view approximate) {
  const char* op = "quantized::gelu";
  return lut_op_keep(x, {gelu_function(approximate, op)}, op);
}

Tensor silu(const Tensor& x) { return lut_op_keep(x, {LutFunction::Silu}, "quantized::silu"); }

}  // namespace octet::quantized
