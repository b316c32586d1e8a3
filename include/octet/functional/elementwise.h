// elementwise.h: broadcasting elementwise arithmetic, math functions, clamp and where, with Tensor operators (octet::functional, PyTorch's torch.nn.functional).
//
// Broadcasting and type promotion follow PyTorch (torch.result_type): shapes broadcast from the
// trailing dim; a float beats an integer, a wider type beats a narrower one, and a 0-d tensor or a
// Scalar only decides the dtype when it is of a higher category than the tensors with dims (an
// int32 tensor + 2 stays int32, + 2.5 becomes float32). Supported dtypes: float32 (vectorized and
// multi-threaded), float64, int32 and int64; anything else is an Error naming the op. Math
// functions (sqrt, exp, erf, ...) turn integer inputs into float32, as PyTorch does.
//
// Every result is a new contiguous tensor of the broadcast shape; inputs may be non-contiguous.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include "octet/functional/activation.h"  // sigmoid and tanh live there; reachable from here too
#include "octet/tensor.h"

namespace octet {

// A number standing in for a tensor operand (PyTorch's at::Scalar): implicitly built from any C++
// arithmetic type except bool. Integral scalars keep their exact int64 value.
class Scalar {
 public:
  template <typename T>
    requires(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>)
  Scalar(T v) {  // NOLINT(google-explicit-constructor): implicit on purpose, like at::Scalar
    if constexpr (std::is_integral_v<T>) {
      is_integral_ = true;
      i_ = static_cast<int64_t>(v);
      d_ = static_cast<double>(v);
    } else {
      d_ = static_cast<double>(v);
    }
  }
  bool is_integral() const { return is_integral_; }
  double to_double() const { return d_; }
  int64_t to_int() const { return is_integral_ ? i_ : static_cast<int64_t>(d_); }

 private:
  bool is_integral_ = false;
  int64_t i_ = 0;
  double d_ = 0.0;
};

// The dtype PyTorch's type promotion gives these operands (tensors with dims, then 0-d tensors,
// then scalars). An undefined tensor is skipped.
DType result_type(const Tensor& a, const Tensor& b);
DType result_type(const Tensor& a, const Scalar& b);

}  // namespace octet

namespace octet::functional {

// input + alpha * other. For integer results alpha must be integral.
Tensor add(const Tensor& input, const Tensor& other, const Scalar& alpha = 1);
Tensor add(const Tensor& input, const Scalar& other, const Scalar& alpha = 1);
// input - alpha * other.
Tensor sub(const Tensor& input, const Tensor& other, const Scalar& alpha = 1);
Tensor sub(const Tensor& input, const Scalar& other, const Scalar& alpha = 1);
Tensor mul(const Tensor& input, const Tensor& other);
Tensor mul(const Tensor& input, const Scalar& other);
// rounding_mode: "" (true division; integers give float32), "trunc" (toward zero) or "floor"
// (toward -inf, Python's //). trunc/floor keep integer dtypes; integer division by zero is an Error.
Tensor div(const Tensor& input, const Tensor& other, std::string_view rounding_mode = "");
Tensor div(const Tensor& input, const Scalar& other, std::string_view rounding_mode = "");
// Integer bases with negative integer exponents are an Error (as in PyTorch).
Tensor pow(const Tensor& input, const Tensor& exponent);
Tensor pow(const Tensor& input, const Scalar& exponent);
Tensor pow(const Scalar& self, const Tensor& exponent);

// Unary math: float inputs keep their dtype, integer inputs give float32.
Tensor sqrt(const Tensor& input);
Tensor rsqrt(const Tensor& input);  // 1 / sqrt(x)
Tensor exp(const Tensor& input);
Tensor log(const Tensor& input);
Tensor erf(const Tensor& input);
// Keep the dtype (integers included; int overflow wraps, as in PyTorch).
Tensor abs(const Tensor& input);
Tensor neg(const Tensor& input);

// min(max(input, min), max); either bound may be absent, not both. NaN in the input (or in a
// tensor bound) gives NaN; where min > max the result is max (PyTorch's rule).
// A quantized input (scalar bounds) runs quantized::clamp: the input's qparams, the bounds quantized
// with them (PyTorch's dispatch by dtype).
Tensor clamp(const Tensor& input, const std::optional<Scalar>& min, const std::optional<Scalar>& max = std::nullopt);
Tensor clamp(const Tensor& input, const Tensor& min, const Tensor& max = {});
Tensor clamp_min(const Tensor& input, const Scalar& min);
Tensor clamp_max(const Tensor& input, const Scalar& max);

// condition ? input : other, elementwise, broadcasting all three; condition must be bool.
Tensor where(const Tensor& condition, const Tensor& input, const Tensor& other);
Tensor where(const Tensor& condition, const Tensor& input, const Scalar& other);
Tensor where(const Tensor& condition, const Scalar& input, const Tensor& other);

}  // namespace octet::functional

namespace octet {

// Tensor arithmetic: a + b is F::add(a, b), and so on; a scalar on either side is fine.
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, const Scalar& b);
Tensor operator+(const Scalar& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Scalar& b);
Tensor operator-(const Scalar& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Scalar& b);
Tensor operator*(const Scalar& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Scalar& b);
Tensor operator/(const Scalar& a, const Tensor& b);
Tensor operator-(const Tensor& a);

}  // namespace octet
