// py_repr.h: Python's repr of floats and bools, so module printouts (extra_repr) read like PyTorch's.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace octet::nn::detail {

// repr(float) of CPython: the shortest digits that round-trip; fixed notation when the decimal
// exponent is in [-4, 16), with ".0" added to integral values ("1.0", "0.0001", "100.0"),
// scientific otherwise with a sign and at least two exponent digits ("1e-05", "2.5e+16").
inline std::string py_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  const std::string sci(buf, res.ptr);  // "-1.2345e-05": shortest round-trip digits
  const std::size_t e = sci.find('e');
  std::string mantissa = sci.substr(0, e);
  const int exp10 = std::atoi(sci.c_str() + e + 1);
  const bool negative = !mantissa.empty() && mantissa[0] == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  // Built with append only: GCC 12 reports a false -Wrestrict on `"literal" + std::string&&`.
  std::string out = negative ? "-" : "";
  if (exp10 >= -4 && exp10 < 16) {
    const int point = exp10 + 1;  // digits before the decimal point
    if (point <= 0) {
      out.append("0.").append(static_cast<std::size_t>(-point), '0').append(digits);
    } else if (static_cast<std::size_t>(point) >= digits.size()) {
      out.append(digits).append(static_cast<std::size_t>(point) - digits.size(), '0').append(".0");
    } else {
      const auto p = static_cast<std::size_t>(point);
      out.append(digits, 0, p).append(".").append(digits, p, std::string::npos);
    }
    return out;
  }
  out.append(digits, 0, 1);
  if (digits.size() > 1) out.append(".").append(digits, 1, std::string::npos);
  const int mag = std::abs(exp10);
  out.append(exp10 < 0 ? "e-" : "e+");
  if (mag < 10) out.append("0");
  out.append(std::to_string(mag));
  return out;
}

inline std::string py_bool_repr(bool value) { return value ? "True" : "False"; }

}  // namespace octet::nn::detail
