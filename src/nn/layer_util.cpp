// layer_util.cpp: Python-style printing, parameter broadcasting and input checks for the layer modules.
#include "nn/layer_util.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "octet/error.h"

namespace octet::nn::layer_util {

std::string py_bool(bool value) { return value ? "True" : "False"; }

std::string py_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Shortest round-tripping digits, as Python's repr (David Gay's algorithm) picks them.
  char buf[40];
  int precision = 1;
  for (; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*e", precision - 1, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  // buf is "[-]d.ddde[+-]XX": split into sign, digits and decimal exponent.
  std::string text(buf);
  const std::size_t e = text.find('e');
  const int exponent = std::atoi(text.c_str() + e + 1);
  std::string mantissa = text.substr(0, e);
  std::string sign;
  if (mantissa[0] == '-') {
    sign = "-";
    mantissa.erase(0, 1);
  }
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  // Python uses positional notation for exponents in [-4, 16), scientific otherwise.
  if (exponent >= -4 && exponent < 16) {
    std::string out;
    if (exponent < 0) {
      out = "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    } else {
      const auto int_digits = static_cast<std::size_t>(exponent + 1);
      if (digits.size() <= int_digits) {
        out = digits + std::string(int_digits - digits.size(), '0') + ".0";
      } else {
        out = digits.substr(0, int_digits) + "." + digits.substr(int_digits);
      }
    }
    return sign + out;
  }
  std::string out = digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof(exp_buf), "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  return sign + out + exp_buf;
}

std::string py_optional_float(const std::optional<double>& value) {
  return value.has_value() ? py_float(*value) : "None";
}

std::string py_str(std::string_view value) {
  std::string out(1, '\'');
  out.append(value);
  out.push_back('\'');
  return out;
}

std::string py_tuple(const Shape& values) {
  std::string out = "(";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + std::to_string(values[i]);
  return out + (values.size() == 1 ? ",)" : ")");
}

std::string py_int_or_tuple(const Shape& values) {
  return values.size() == 1 ? std::to_string(values[0]) : py_tuple(values);
}

std::string py_float_or_tuple(const std::vector<double>& values) {
  if (values.size() == 1) return py_float(values[0]);
  std::string out = "(";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + py_float(values[i]);
  return out + (values.size() == 1 ? ",)" : ")");
}

Shape expand_param(const Shape& values, std::size_t dims, const std::string& module, std::string_view what) {
  OCTET_CHECK(values.size() == 1 || values.size() == dims, module, what, " must have 1 or ", dims,
              " values, got ", py_tuple(values));
  return values.size() == 1 ? Shape(dims, values[0]) : values;
}

std::string ranks_text(std::initializer_list<int64_t> ranks) {
  std::string out;
  std::size_t i = 0;
  for (int64_t r : ranks) {
    out += (i == 0 ? "" : (i + 1 == ranks.size() ? " or " : ", ")) + std::to_string(r) + "-D";
    ++i;
  }
  return out;
}

namespace {
void check_defined_and_rank(const Tensor& input, const std::string& module, std::initializer_list<int64_t> ranks) {
  OCTET_CHECK(input.defined(), module, "the input is undefined");
  bool rank_ok = false;
  for (int64_t r : ranks) rank_ok = rank_ok || input.dim() == r;
  OCTET_CHECK(rank_ok, module, "expected a ", ranks_text(ranks), " input, got a ", input.dim(),
              "-D input of shape ", shape_to_string(input.shape()));
}
}  // namespace

void check_float_input(const Tensor& input, const std::string& module, std::initializer_list<int64_t> ranks) {
  check_defined_and_rank(input, module, ranks);
  // A quantized tensor here usually means a DeQuantStub is missing between a quantized part of the
  // model and this float module: say so instead of only naming the dtype.
  OCTET_CHECK(!input.is_quantized(), module, "expected a float32 input, got a quantized ", input.dtype(),
              " tensor: is a DeQuantStub (or DeQuantize) missing before this module?");
  OCTET_CHECK(input.dtype() == kFloat32, module, "expected a float32 input, got ", input.dtype());
}

void check_float_or_quantized_input(const Tensor& input, const std::string& module,
                                    std::initializer_list<int64_t> ranks) {
  check_defined_and_rank(input, module, ranks);
  OCTET_CHECK(input.dtype() == kFloat32 || input.is_quantized(), module, "expected a float32 input, got ", input.dtype(),
              " (a quantized input runs the quantized op)");
}

}  // namespace octet::nn::layer_util
