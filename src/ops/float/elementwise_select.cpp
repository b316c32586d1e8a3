// elementwise_select.cpp: clamp (scalar or tensor bounds) and where, broadcasting every operand.
//
// clamp with scalar bounds on a quantized input runs quantized::clamp (PyTorch's dispatch by
// dtype: the input's qparams, the bounds quantized with them).
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>

#include "core/tensor_impl.h"
#include "kernels/f32_elementwise_kernels.h"
#include "octet/functional/elementwise.h"
#include "octet/quantized/activation.h"
#include "ops/float/elementwise_iter.h"

namespace octet::functional {
namespace {

using namespace elementwise_detail;

// NaN-propagating max / min (torch.maximum / torch.minimum): a NaN in either operand wins.
template <typename T>
T max_nan(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(b)) return b;
  }
  return (a >= b || a != a) ? a : b;
}
template <typename T>
T min_nan(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(b)) return b;
  }
  return (a <= b || a != a) ? a : b;
}

// y = f(a, b, c) with all four operands broadcast to `shape` (y contiguous); A is the type of a.
template <typename T, typename A, typename F>
void ternary_loop(const Shape& shape, T* y, const Tensor& a, const Tensor& b, const Tensor& c, F f) {
  const StridedLoop<4> loop(shape, {contiguous_strides(shape), broadcast_strides(a, shape),
                                    broadcast_strides(b, shape), broadcast_strides(c, shape)});
  const A* pa = a.data_ptr<A>();
  const T* pb = b.data_ptr<T>();
  const T* pc = c.data_ptr<T>();
  loop.run(kGrainMemoryBound, [&](const std::array<int64_t, 4>& o, int64_t n, const std::array<int64_t, 4>& s) {
    T* yy = y + o[0];
    const A* aa = pa + o[1];
    const T* bb = pb + o[2];
    const T* cc = pc + o[3];
    for (int64_t i = 0; i < n; ++i) yy[i] = f(aa[i * s[1]], bb[i * s[2]], cc[i * s[3]]);
  });
}

// A bound that is absent: the dtype's lowest or highest value, which never changes the answer.
Tensor unbounded(DType dtype, bool upper) {
  return dispatch_arith(dtype, "clamp", [&](auto tag) {
    using T = decltype(tag);
    const T v = std::is_floating_point_v<T> ? (upper ? std::numeric_limits<T>::infinity()
                                                     : -std::numeric_limits<T>::infinity())
                                            : (upper ? std::numeric_limits<T>::max() : std::numeric_limits<T>::lowest());
    Tensor t = octet::detail::empty_uninitialized({}, dtype);
    *t.data_ptr<T>() = v;
    return t;
  });
}

}  // namespace

Tensor clamp(const Tensor& input, const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  if (input.defined() && input.is_quantized()) {
    OCTET_CHECK(min.has_value() || max.has_value(), "clamp", "at least one of 'min' or 'max' must be given");
    auto bound = [](const std::optional<Scalar>& b) {
      return b.has_value() ? std::optional<double>(b->to_double()) : std::nullopt;
    };
    return quantized::clamp(input, bound(min), bound(max));
  }
  check_arith(input, "clamp", "input");
  OCTET_CHECK(min.has_value() || max.has_value(), "clamp", "at least one of 'min' or 'max' must be given");
  TypeOperand ops[3] = {type_operand(input), type_operand(min.value_or(0)), type_operand(max.value_or(0))};
  DType dtype = result_type({ops[0], min ? ops[1] : ops[0], max ? ops[2] : ops[0]});
  const Tensor x = input.to(dtype);
  // A NaN bound makes every element NaN (PyTorch's clamp propagates it like a NaN input).
  if ((min && std::isnan(min->to_double())) || (max && std::isnan(max->to_double()))) {
    return octet::detail::empty_uninitialized(x.shape(), dtype).fill_(NAN);
  }
  if (dtype == kFloat32) {
    kernels::F32UnaryParams p;
    if (min) p.min = static_cast<float>(min->to_double());
    if (max) p.max = static_cast<float>(max->to_double());
    const kernels::f32_vunary_fn fn = kernels::f32_elementwise_kernels().vclamp;
    return map_float32(x, kGrainMemoryBound, [fn, &p](size_t n, const float* px, float* py) { fn(n, px, py, &p); });
  }
  const Tensor lo = min ? scalar_to_tensor(*min, dtype) : unbounded(dtype, false);
  const Tensor hi = max ? scalar_to_tensor(*max, dtype) : unbounded(dtype, true);
  return clamp(x, lo, hi);
}

Tensor clamp(const Tensor& input, const Tensor& min, const Tensor& max) {
  check_arith(input, "clamp", "input");
  OCTET_CHECK(min.defined() || max.defined(), "clamp", "at least one of 'min' or 'max' must be given");
  if (min.defined()) check_arith(min, "clamp", "min");
  if (max.defined()) check_arith(max, "clamp", "max");
  const TypeOperand in = type_operand(input);
  const DType dtype = result_type({in, min.defined() ? type_operand(min) : in, max.defined() ? type_operand(max) : in});
  const Tensor x = input.to(dtype);
  const Tensor lo = min.defined() ? min.to(dtype) : unbounded(dtype, false);
  const Tensor hi = max.defined() ? max.to(dtype) : unbounded(dtype, true);
  const Shape shape = broadcast_shapes(broadcast_shapes(x.shape(), lo.shape(), "clamp"), hi.shape(), "clamp");
  Tensor out = octet::detail::empty_uninitialized(shape, dtype);
  if (out.numel() == 0) return out;
  dispatch_arith(dtype, "clamp", [&](auto tag) {
    using T = decltype(tag);
    ternary_loop<T, T>(shape, out.data_ptr<T>(), x, lo, hi, [](T v, T l, T h) { return min_nan(max_nan(v, l), h); });
  });
  return out;
}

Tensor clamp_min(const Tensor& input, const Scalar& min) { return clamp(input, min, std::nullopt); }
Tensor clamp_max(const Tensor& input, const Scalar& max) { return clamp(input, std::nullopt, max); }

namespace {

Tensor where_impl(const Tensor& condition, const Arg& input, const Arg& other) {
  check_defined(condition, "where", "condition");
  OCTET_CHECK(condition.dtype() == kBool, "where", "expected condition to be a bool tensor, got ", condition.dtype());
  input.check("where", "input");
  other.check("where", "other");
  const DType dtype = result_type({input.type(), other.type()});
  const Tensor a = input.as(dtype), b = other.as(dtype);
  const Shape shape =
      broadcast_shapes(broadcast_shapes(condition.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor out = octet::detail::empty_uninitialized(shape, dtype);
  if (out.numel() == 0) return out;
  dispatch_arith(dtype, "where", [&](auto tag) {
    using T = decltype(tag);
    ternary_loop<T, bool>(shape, out.data_ptr<T>(), condition, a, b, [](bool c, T u, T v) { return c ? u : v; });
  });
  return out;
}

}  // namespace

Tensor where(const Tensor& condition, const Tensor& input, const Tensor& other) {
  return where_impl(condition, input, other);
}
Tensor where(const Tensor& condition, const Tensor& input, const Scalar& other) {
  return where_impl(condition, input, other);
}
Tensor where(const Tensor& condition, const Scalar& input, const Tensor& other) {
  return where_impl(condition, input, other);
}

}  // namespace octet::functional
