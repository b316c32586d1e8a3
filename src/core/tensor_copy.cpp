// tensor_copy.cpp: copies and conversions: contiguous, clone, to(dtype), copy_, fill_, equal.
#include <cmath>
#include <cstring>
#include <type_traits>

#include "core/dispatch.h"
#include "core/tensor_impl.h"
#include "octet/tensor.h"

namespace octet {
namespace {

template <typename T>
constexpr bool is_float_like_v =
    std::is_floating_point_v<T> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

// One element S -> D with PyTorch's meaning, except that float -> integer values that do not fit
// (and NaN) are an Error instead of undefined behaviour.
template <typename D, typename S>
D convert_element(S v, const char* where) {
  if constexpr (std::is_same_v<D, S>) {
    return v;
  } else if constexpr (std::is_same_v<D, bool>) {
    return detail::to_double(v) != 0;
  } else if constexpr (is_float_like_v<S> && std::is_integral_v<D>) {
    return detail::convert_from_double<D>(detail::to_double(v), where);
  } else if constexpr (std::is_integral_v<S> && std::is_integral_v<D>) {
    return static_cast<D>(v);  // wraps modulo 2^bits (defined in C++20), as PyTorch does
  } else if constexpr (std::is_same_v<D, double>) {
    return detail::to_double(v);
  } else if constexpr (std::is_same_v<S, double> || std::is_integral_v<S>) {
    return D(static_cast<float>(v));
  } else {
    return D(static_cast<float>(v));  // float, half, bfloat16 -> float, half, bfloat16
  }
}

// dst[i] = convert(src[i]) over dst's shape; src already has dst's shape (expanded by the caller).
void copy_plain(const Tensor& dst, const Tensor& src, const char* where) {
  char* dbase = static_cast<char*>(dst.storage()->data());
  const char* sbase = static_cast<const char*>(src.storage()->data());
  detail::dispatch_plain(dst.dtype(), where, [&](auto dtag) {
    using D = decltype(dtag);
    detail::dispatch_plain(src.dtype(), where, [&](auto stag) {
      using S = decltype(stag);
      D* d = reinterpret_cast<D*>(dbase);
      const S* s = reinterpret_cast<const S*>(sbase);
      if constexpr (std::is_same_v<D, S>) {
        if (dst.is_contiguous() && src.is_contiguous()) {
          std::memcpy(static_cast<void*>(d + dst.storage_offset()), static_cast<const void*>(s + src.storage_offset()),
                      static_cast<size_t>(dst.numel()) * sizeof(D));
          return;
        }
      }
      detail::for_each_offset2(dst.shape(), dst.strides(), dst.storage_offset(), src.strides(),
                               src.storage_offset(),
                               [&](int64_t od, int64_t os) { d[od] = convert_element<D>(s[os], where); });
    });
  });
}

// Copies the stored integers of a quantized tensor (same dtype) into dst's layout.
void copy_quantized_raw(const Tensor& dst, const Tensor& src, const char* where) {
  if (dst.dtype() == DType::QUInt4x2) {
    OCTET_CHECK(dst.is_contiguous() && src.is_contiguous() && dst.shape() == src.shape(), where,
                "quint4x2 tensors can only be copied whole and contiguous");
    std::memcpy(dst.raw_data(), src.raw_data(), dst.nbytes());
    return;
  }
  detail::dispatch_storage(dst.dtype(), where, [&](auto tag) {
    using T = decltype(tag);
    T* d = static_cast<T*>(dst.storage()->data());
    const T* s = static_cast<const T*>(src.storage()->data());
    detail::for_each_offset2(dst.shape(), dst.strides(), dst.storage_offset(), src.strides(),
                             src.storage_offset(), [&](int64_t od, int64_t os) { d[od] = s[os]; });
  });
}

}  // namespace

namespace detail {
Tensor empty_quantized(const Shape& shape, QuantizerPtr quantizer, bool zero_fill) {
  const DType dtype = quantizer->dtype();
  const int64_t n = shape_numel(shape, "empty_quantized");
  auto storage = std::make_shared<Storage>(storage_bytes_for(dtype, n), zero_fill);
  return Tensor(std::move(storage), 0, shape, contiguous_strides(shape), dtype, std::move(quantizer));
}

Tensor empty_uninitialized(const Shape& shape, DType dtype) {
  OCTET_CHECK(!is_quantized(dtype), "empty_uninitialized", "use empty_quantized for ", dtype);
  const int64_t n = shape_numel(shape, "empty");
  auto storage = std::make_shared<Storage>(storage_bytes_for(dtype, n), /*zero_fill=*/false);
  return Tensor(std::move(storage), 0, shape, contiguous_strides(shape), dtype);
}
}  // namespace detail

Tensor Tensor::contiguous() const {
  check_defined("contiguous");
  return is_contiguous() ? *this : clone();
}

Tensor Tensor::clone() const {
  check_defined("clone");
  Tensor out = is_quantized() ? detail::empty_quantized(shape_, quantizer_, /*zero_fill=*/false)
                              : detail::empty_uninitialized(shape_, dtype_);
  if (is_quantized()) {
    copy_quantized_raw(out, *this, "clone");
  } else {
    copy_plain(out, *this, "clone");
  }
  return out;
}

Tensor Tensor::to(DType dtype) const {
  check_defined("to");
  if (dtype == dtype_) return *this;
  OCTET_CHECK(!octet::is_quantized(dtype), "to", "cannot convert ", dtype_, " to ", dtype,
              " with to(); use quantize_per_tensor / quantize_per_channel");
  if (is_quantized()) return dequantize().to(dtype);
  Tensor out = detail::empty_uninitialized(shape_, dtype);
  copy_plain(out, *this, "to");
  return out;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_defined("copy_");
  OCTET_CHECK(src.defined(), "copy_", "the source tensor is undefined");
  const Tensor s = src.expand(shape_);
  if (is_quantized()) {
    OCTET_CHECK(src.is_quantized() && src.dtype() == dtype_ && src.quantizer()->equals(*quantizer_), "copy_",
                "copying into a quantized tensor needs a source with the same dtype and qparams; got ",
                src.dtype(), " into ", dtype_, " (requantize or quantize first)");
    copy_quantized_raw(*this, s, "copy_");
  } else if (src.is_quantized()) {
    copy_plain(*this, s.dequantize(), "copy_");
  } else {
    copy_plain(*this, s, "copy_");
  }
  return *this;
}

Tensor& Tensor::fill_(double value) {
  check_defined("fill_");
  OCTET_CHECK(!is_quantized(), "fill_", "cannot fill a ", dtype_, " tensor with a real value; quantize instead");
  detail::dispatch_plain(dtype_, "fill_", [&](auto tag) {
    using T = decltype(tag);
    const T v = detail::convert_from_double<T>(value, "fill_");
    T* d = static_cast<T*>(storage_->data());
    detail::for_each_offset2(shape_, strides_, offset_, strides_, offset_, [&](int64_t o, int64_t) { d[o] = v; });
  });
  return *this;
}

bool equal(const Tensor& a, const Tensor& b) {
  OCTET_CHECK(a.defined() && b.defined(), "equal", "both tensors must be defined");
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  if (a.is_quantized()) {
    if (!a.quantizer()->equals(*b.quantizer())) return false;
    return equal(a.int_repr(), b.int_repr());
  }
  bool same = true;
  const char* abase = static_cast<const char*>(a.storage()->data());
  const char* bbase = static_cast<const char*>(b.storage()->data());
  detail::dispatch_plain(a.dtype(), "equal", [&](auto tag) {
    using T = decltype(tag);
    const T* pa = reinterpret_cast<const T*>(abase);
    const T* pb = reinterpret_cast<const T*>(bbase);
    detail::for_each_offset2(a.shape(), a.strides(), a.storage_offset(), b.strides(), b.storage_offset(),
                             [&](int64_t oa, int64_t ob) {
                               if constexpr (is_float_like_v<T>) {
                                 const double x = detail::to_double(pa[oa]), y = detail::to_double(pb[ob]);
                                 if (!(x == y || (std::isnan(x) && std::isnan(y)))) same = false;
                               } else {
                                 if (pa[oa] != pb[ob]) same = false;
                               }
                             });
  });
  return same;
}

}  // namespace octet
