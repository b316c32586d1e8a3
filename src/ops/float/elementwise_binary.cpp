// elementwise_binary.cpp: add, sub, mul, div (true, trunc, floor) and pow with broadcasting and type promotion, and the Tensor operators.
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/tensor_impl.h"
#include "kernels/f32_elementwise_kernels.h"
#include "octet/functional/elementwise.h"
#include "ops/float/elementwise_iter.h"

namespace octet::functional {
namespace {

using namespace elementwise_detail;

enum class Op { Add, Sub, Mul, Div, DivTrunc, DivFloor, Pow };

// Python's floor division on floats, as c10's div_floor_floating: the quotient of (a - fmod(a, b)),
// corrected toward -inf, then rounded so that an exact quotient is never off by one.
template <typename T>
T div_floor_float(T a, T b) {
  if (b == 0) return a / b;
  const T mod = std::fmod(a, b);
  T div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= T(1);
  if (div == 0) return std::copysign(T(0), a / b);
  T floordiv = std::floor(div);
  if (div - floordiv > T(0.5)) floordiv += T(1);
  return floordiv;
}

// Integer division that wraps instead of trapping on INT_MIN / -1 (b != 0 is checked by the caller).
template <typename T>
T div_trunc_int(T a, T b) {
  using U = std::make_unsigned_t<T>;
  if (b == -1) return static_cast<T>(U(0) - static_cast<U>(a));
  return a / b;
}

template <typename T>
T div_floor_int(T a, T b) {
  const T q = div_trunc_int(a, b);
  return (b != -1 && (a % b) != 0 && ((a < 0) != (b < 0))) ? T(q - 1) : q;
}

// a^b for integers, as ATen's powi: negative exponents give 0 except for bases 1 and -1.
template <typename T>
T pow_int(T a, T b) {
  using U = std::make_unsigned_t<T>;
  if (b < 0) {
    if (a == 1) return 1;
    if (a == -1) return (b % 2) != 0 ? T(-1) : T(1);
    return 0;
  }
  U result = 1, base = static_cast<U>(a);  // unsigned: overflow wraps, as in PyTorch
  for (auto e = static_cast<std::make_unsigned_t<T>>(b); e != 0; e >>= 1) {
    if (e & 1) result *= base;
    base *= base;
  }
  return static_cast<T>(result);
}

// The float32 kernels for an op: a op b, a op scalar, scalar op b (reversed operands).
struct F32Kernels {
  kernels::f32_vbinary_fn vv = nullptr;
  kernels::f32_vbinaryc_fn vc = nullptr;
  kernels::f32_vbinaryc_fn cv = nullptr;
};

F32Kernels f32_kernels(Op op) {
  const kernels::F32ElementwiseKernels& k = kernels::f32_elementwise_kernels();
  switch (op) {
    case Op::Add: return {k.vadd, k.vaddc, k.vaddc};
    case Op::Sub: return {k.vsub, k.vsubc, k.vrsubc};
    case Op::Mul: return {k.vmul, k.vmulc, k.vmulc};
    case Op::Div: return {k.vdiv, k.vdivc, k.vrdivc};
    default: return {};
  }
}

Tensor binary(const char* name, Op op, const Arg& a, const Arg& b, const Scalar& alpha = 1) {
  a.check(name, "input");
  b.check(name, "other");
  DType dtype = result_type({a.type(), b.type()});
  // True division of integers is done in float32 (PyTorch's default dtype).
  if (op == Op::Div && !is_floating_point(dtype)) dtype = kFloat32;
  const bool has_alpha = (op == Op::Add || op == Op::Sub) && alpha.to_double() != 1.0;
  OCTET_CHECK(!has_alpha || is_floating_point(dtype) || alpha.is_integral(), name,
              "for integral input tensors, argument alpha must not be a floating point number (got ", alpha.to_double(),
              ")");
  if (op == Op::Pow && !is_floating_point(dtype) && b.is_scalar) {
    OCTET_CHECK(b.scalar.to_int() >= 0, name, "integers to negative integer powers are not allowed (exponent ",
                b.scalar.to_int(), ")");
  }
  const Tensor ta = a.as(dtype), tb = b.as(dtype);
  const Shape shape = broadcast_shapes(ta.shape(), tb.shape(), name);
  Tensor out = octet::detail::empty_uninitialized(shape, dtype);
  if (out.numel() == 0) return out;
  const StridedLoop<3> loop(shape, {contiguous_strides(shape), broadcast_strides(ta, shape), broadcast_strides(tb, shape)});

  std::atomic<bool> divided_by_zero{false};
  dispatch_arith(dtype, name, [&](auto tag) {
    using T = decltype(tag);
    T* y = out.data_ptr<T>();
    const T* pa = ta.data_ptr<T>();
    const T* pb = tb.data_ptr<T>();
    if constexpr (std::is_same_v<T, float>) {
      const F32Kernels k = has_alpha ? F32Kernels{} : f32_kernels(op);
      if (k.vv != nullptr) {
        loop.run(kGrainMemoryBound, [&](const std::array<int64_t, 3>& o, int64_t n, const std::array<int64_t, 3>& s) {
          float* yy = y + o[0];
          const float* aa = pa + o[1];
          const float* bb = pb + o[2];
          const auto un = static_cast<size_t>(n);
          if (s[1] == 1 && s[2] == 1) {
            k.vv(un, aa, bb, yy);
          } else if (s[1] == 1 && s[2] == 0) {
            k.vc(un, aa, *bb, yy);
          } else if (s[1] == 0 && s[2] == 1) {
            k.cv(un, bb, *aa, yy);
          } else {
            for (int64_t i = 0; i < n; ++i) {
              const float u = aa[i * s[1]], v = bb[i * s[2]];
              yy[i] = op == Op::Add ? u + v : op == Op::Sub ? u - v : op == Op::Mul ? u * v : u / v;
            }
          }
        });
        return;
      }
    }
    const T al = std::is_integral_v<T> ? static_cast<T>(alpha.to_int()) : static_cast<T>(alpha.to_double());
    switch (op) {
      case Op::Add:
        if (has_alpha) {
          binary_loop<T>(loop, kGrainMemoryBound, y, pa, pb, [al](T u, T v) { return T(u + al * v); });
        } else {
          binary_loop<T>(loop, kGrainMemoryBound, y, pa, pb, [](T u, T v) { return T(u + v); });
        }
        break;
      case Op::Sub:
        if (has_alpha) {
          binary_loop<T>(loop, kGrainMemoryBound, y, pa, pb, [al](T u, T v) { return T(u - al * v); });
        } else {
          binary_loop<T>(loop, kGrainMemoryBound, y, pa, pb, [](T u, T v) { return T(u - v); });
        }
        break;
      case Op::Mul: binary_loop<T>(loop, kGrainMemoryBound, y, pa, pb, [](T u, T v) { return T(u * v); }); break;
      case Op::Div: binary_loop<T>(loop, kGrainMemoryBound, y, pa, pb, [](T u, T v) { return T(u / v); }); break;
      case Op::DivTrunc:
      case Op::DivFloor:
        if constexpr (std::is_integral_v<T>) {
          const bool floor = op == Op::DivFloor;
          binary_loop<T>(loop, kGrainMemoryBound, y, pa, pb, [&divided_by_zero, floor](T u, T v) {
            if (v == 0) {
              divided_by_zero.store(true, std::memory_order_relaxed);
              return T(0);
            }
            return floor ? div_floor_int(u, v) : div_trunc_int(u, v);
          });
        } else if (op == Op::DivTrunc) {
          binary_loop<T>(loop, kGrainMemoryBound, y, pa, pb, [](T u, T v) { return std::trunc(u / v); });
        } else {
          binary_loop<T>(loop, kGrainMemoryBound, y, pa, pb, [](T u, T v) { return div_floor_float(u, v); });
        }
        break;
      case Op::Pow:
        if constexpr (std::is_integral_v<T>) {
          binary_loop<T>(loop, kGrainMemoryBound, y, pa, pb, [](T u, T v) { return pow_int(u, v); });
        } else {
          // Squares are common (and exact as a product); everything else goes to the C library.
          binary_loop<T>(loop, kGrainCompute, y, pa, pb, [](T u, T v) { return v == T(2) ? u * u : std::pow(u, v); });
        }
        break;
    }
  });
  OCTET_CHECK(!divided_by_zero.load(), name, "integer division by zero");
  return out;
}

Op rounding_op(std::string_view mode) {
  if (mode.empty()) return Op::Div;
  if (mode == "trunc") return Op::DivTrunc;
  if (mode == "floor") return Op::DivFloor;
  OCTET_FAIL("div", "expected rounding_mode to be \"\", \"trunc\" or \"floor\", got \"", std::string(mode), "\"");
}

}  // namespace

Tensor add(const Tensor& input, const Tensor& other, const Scalar& alpha) {
  return binary("add", Op::Add, input, other, alpha);
}
Tensor add(const Tensor& input, const Scalar& other, const Scalar& alpha) {
  return binary("add", Op::Add, input, other, alpha);
}
Tensor sub(const Tensor& input, const Tensor& other, const Scalar& alpha) {
  return binary("sub", Op::Sub, input, other, alpha);
}
Tensor sub(const Tensor& input, const Scalar& other, const Scalar& alpha) {
  return binary("sub", Op::Sub, input, other, alpha);
}
Tensor mul(const Tensor& input, const Tensor& other) { return binary("mul", Op::Mul, input, other); }
Tensor mul(const Tensor& input, const Scalar& other) { return binary("mul", Op::Mul, input, other); }
Tensor div(const Tensor& input, const Tensor& other, std::string_view rounding_mode) {
  return binary("div", rounding_op(rounding_mode), input, other);
}
Tensor div(const Tensor& input, const Scalar& other, std::string_view rounding_mode) {
  return binary("div", rounding_op(rounding_mode), input, other);
}
Tensor pow(const Tensor& input, const Tensor& exponent) { return binary("pow", Op::Pow, input, exponent); }
Tensor pow(const Tensor& input, const Scalar& exponent) { return binary("pow", Op::Pow, input, exponent); }
Tensor pow(const Scalar& self, const Tensor& exponent) { return binary("pow", Op::Pow, self, exponent); }

}  // namespace octet::functional

namespace octet {

Tensor operator+(const Tensor& a, const Tensor& b) { return functional::add(a, b); }
Tensor operator+(const Tensor& a, const Scalar& b) { return functional::add(a, b); }
Tensor operator+(const Scalar& a, const Tensor& b) { return functional::add(b, a); }
Tensor operator-(const Tensor& a, const Tensor& b) { return functional::sub(a, b); }
Tensor operator-(const Tensor& a, const Scalar& b) { return functional::sub(a, b); }
Tensor operator-(const Scalar& a, const Tensor& b) {
  return functional::binary("sub", functional::Op::Sub, a, b);
}
Tensor operator*(const Tensor& a, const Tensor& b) { return functional::mul(a, b); }
Tensor operator*(const Tensor& a, const Scalar& b) { return functional::mul(a, b); }
Tensor operator*(const Scalar& a, const Tensor& b) { return functional::mul(b, a); }
Tensor operator/(const Tensor& a, const Tensor& b) { return functional::div(a, b); }
Tensor operator/(const Tensor& a, const Scalar& b) { return functional::div(a, b); }
Tensor operator/(const Scalar& a, const Tensor& b) {
  return functional::binary("div", functional::Op::Div, a, b);
}
Tensor operator-(const Tensor& a) { return functional::neg(a); }

}  // namespace octet
