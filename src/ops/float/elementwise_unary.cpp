// elementwise_unary.cpp: sqrt, rsqrt, exp, log, erf (integers promoted to float32), abs and neg.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "core/tensor_impl.h"
#include "kernels/f32_elementwise_kernels.h"
#include "octet/functional/elementwise.h"
#include "ops/float/elementwise_iter.h"

namespace octet::functional {
namespace {

using namespace elementwise_detail;
using kernels::F32ElementwiseKernels;
using kernels::f32_vunary_fn;

// A dtype-keeping function: float32 through its kernel, other arithmetic dtypes through f.
template <typename F>
Tensor unary_keep(const char* name, const Tensor& input, f32_vunary_fn F32ElementwiseKernels::*kernel, F f) {
  check_arith(input, name, "input");
  if (input.dtype() == kFloat32) {
    const f32_vunary_fn fn = kernels::f32_elementwise_kernels().*kernel;
    return map_float32(input, kGrainMemoryBound, [fn](size_t n, const float* px, float* py) { fn(n, px, py, nullptr); });
  }
  return dispatch_arith(input.dtype(), name, [&](auto tag) {
    using T = decltype(tag);
    return map_generic<T>(input, kGrainMemoryBound, [&](T v) { return f(v); });
  });
}

// -v and |v| with integer overflow wrapping (PyTorch: -INT_MIN == INT_MIN) instead of undefined.
template <typename T>
T negate(T v) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(std::make_unsigned_t<T>(0) - static_cast<std::make_unsigned_t<T>>(v));
  } else {
    return -v;
  }
}

}  // namespace

Tensor sqrt(const Tensor& input) {
  return unary_math("sqrt", input, &F32ElementwiseKernels::vsqrt, [](auto v) { return std::sqrt(v); });
}
Tensor rsqrt(const Tensor& input) {
  return unary_math("rsqrt", input, &F32ElementwiseKernels::vrsqrt,
                    [](auto v) { return decltype(v)(1) / std::sqrt(v); });
}
Tensor exp(const Tensor& input) {
  return unary_math("exp", input, &F32ElementwiseKernels::vexp, [](auto v) { return std::exp(v); });
}
Tensor log(const Tensor& input) {
  return unary_math("log", input, nullptr, [](auto v) { return std::log(v); });
}
Tensor erf(const Tensor& input) {
  return unary_math("erf", input, &F32ElementwiseKernels::verf, [](auto v) { return std::erf(v); });
}
Tensor abs(const Tensor& input) {
  return unary_keep("abs", input, &F32ElementwiseKernels::vabs, [](auto v) {
    if constexpr (std::is_floating_point_v<decltype(v)>) {
      return std::fabs(v);  // also clears the sign of -0 and NaN
    } else {
      return v < 0 ? negate(v) : v;
    }
  });
}
Tensor neg(const Tensor& input) {
  return unary_keep("neg", input, &F32ElementwiseKernels::vneg, [](auto v) { return negate(v); });
}

}  // namespace octet::functional
