// tensor_impl.h: helpers shared by the Tensor implementation files (internal).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "octet/qparams.h"
#include "octet/tensor.h"

namespace octet::detail {

// Normalises a possibly negative dimension; an Error naming the valid range otherwise.
int64_t wrap_dim(int64_t d, int64_t ndim, const char* where);
// Storage element offset of a full (possibly negative) index; an Error when out of bounds.
int64_t element_offset(const Tensor& t, const Shape& index, const char* where);
// The channel an index falls in (0 for per-tensor and plain tensors).
int64_t channel_of(const Tensor& t, const Shape& index);
// The element at storage offset `off` as double; for quantized tensors the dequantized value
// (with the qparams of `channel`) when `dequantize`, else the stored integer.
double load_element(const Tensor& t, int64_t off, int64_t channel, bool dequantize);

// The real value of stored integer q, by the dequantize formula of docs/numerics.md.
inline double dequantize_element(const Quantizer& qz, int64_t channel, int64_t q) {
  if (!qz.per_channel()) {
    return dequantize_value(q, static_cast<float>(qz.scale()), qz.zero_point());
  }
  const auto c = static_cast<size_t>(channel);
  if (qz.qscheme() == QScheme::PerChannelAffineFloatQParams) {
    return dequantize_value_float_qparams(q, static_cast<float>(qz.scales()[c]), qz.float_zero_points()[c]);
  }
  return dequantize_value(q, static_cast<float>(qz.scales()[c]), qz.zero_points()[c]);
}

// double -> element type T. Floating types round; bool is v != 0; integers truncate toward zero
// and a value outside T's range (or NaN) is an Error: C++ leaves that conversion undefined and
// PyTorch returns garbage for it.
template <typename T>
T convert_from_double(double v, const char* where) {
  if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else if constexpr (std::is_integral_v<T>) {
    const double t = std::trunc(v);
    // Bounds as powers of two, which double holds exactly (int64's max is not representable).
    const double lo = static_cast<double>(std::numeric_limits<T>::min());
    const double hi_exclusive = std::is_signed_v<T> ? -lo : static_cast<double>(std::numeric_limits<T>::max()) + 1.0;
    if (!(t >= lo && t < hi_exclusive)) {
      OCTET_FAIL(where, "value ", v, " does not fit in ", dtype_of<T>(), " (range [",
                 +std::numeric_limits<T>::min(), ", ", +std::numeric_limits<T>::max(), "])");
    }
    return static_cast<T>(t);
  } else if constexpr (std::is_same_v<T, double>) {
    return v;
  } else {
    return T(static_cast<float>(v));
  }
}

// Visits every element of `shape` in row-major order, calling fn(off_a, off_b) with the storage
// element offsets of the same index in two layouts (use the same layout twice for one tensor).
template <typename Fn>
void for_each_offset2(const Shape& shape, const Shape& strides_a, int64_t off_a, const Shape& strides_b,
                      int64_t off_b, Fn&& fn) {
  const size_t nd = shape.size();
  for (int64_t d : shape) {
    if (d == 0) return;
  }
  if (nd == 0) {
    fn(off_a, off_b);
    return;
  }
  Shape index(nd, 0);
  const int64_t inner = shape[nd - 1], sa = strides_a[nd - 1], sb = strides_b[nd - 1];
  for (;;) {
    for (int64_t i = 0; i < inner; ++i) fn(off_a + i * sa, off_b + i * sb);
    // Carry into the outer dims.
    size_t d = nd - 1;
    for (;;) {
      if (d == 0) return;
      --d;
      ++index[d];
      off_a += strides_a[d];
      off_b += strides_b[d];
      if (index[d] < shape[d]) break;
      off_a -= strides_a[d] * shape[d];
      off_b -= strides_b[d] * shape[d];
      index[d] = 0;
    }
  }
}

// A new contiguous quantized tensor with the given quantizer; zero-filled unless the caller
// overwrites every element (zero_fill = false).
Tensor empty_quantized(const Shape& shape, QuantizerPtr quantizer, bool zero_fill = true);
// A new contiguous plain tensor whose bytes are not initialised: for operator outputs that are
// written in full.
Tensor empty_uninitialized(const Shape& shape, DType dtype);

}  // namespace octet::detail
