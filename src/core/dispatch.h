// dispatch.h: maps a runtime DType to a C++ element type for templated loops (internal).
#pragma once

#include <cstdint>

#include "octet/dtype.h"
#include "octet/error.h"

namespace octet::detail {

// Calls fn(T{}) with T the storage type of a plain (non-quantized) dtype.
template <typename Fn>
decltype(auto) dispatch_plain(DType t, const char* where, Fn&& fn) {
  switch (t) {
    case DType::Float32: return fn(float{});
    case DType::Float64: return fn(double{});
    case DType::Float16: return fn(Half{});
    case DType::BFloat16: return fn(BFloat16{});
    case DType::Int8: return fn(int8_t{});
    case DType::UInt8: return fn(uint8_t{});
    case DType::Int16: return fn(int16_t{});
    case DType::Int32: return fn(int32_t{});
    case DType::Int64: return fn(int64_t{});
    case DType::Bool: return fn(bool{});
    default: break;
  }
  OCTET_FAIL(where, "expected a non-quantized dtype, got ", t);
}

// Calls fn(T{}) with T the stored integer type of any dtype (quantized: its underlying integer;
// quint4x2: uint8_t, the packed byte).
template <typename Fn>
decltype(auto) dispatch_storage(DType t, const char* where, Fn&& fn) {
  switch (t) {
    case DType::QUInt8: return fn(uint8_t{});
    case DType::QInt8: return fn(int8_t{});
    case DType::QInt32: return fn(int32_t{});
    case DType::QUInt4x2: return fn(uint8_t{});
    default: return dispatch_plain(t, where, std::forward<Fn>(fn));
  }
}

// Element conversions through double (plain dtypes only).
template <typename T>
inline double to_double(T v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    return static_cast<double>(static_cast<float>(v));
  } else {
    return static_cast<double>(v);
  }
}

}  // namespace octet::detail
