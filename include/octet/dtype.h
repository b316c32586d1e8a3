// dtype.h: element types of a Tensor, plain and quantized, and their properties.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>

#include "octet/half.h"

namespace octet {

// The element types. The quantized ones (QUInt8, QInt8, QInt32, QUInt4x2) store integers and
// carry a Quantizer (scale, zero point, scheme) that gives them a real value, as in PyTorch.
enum class DType : uint8_t {
  Float32,
  Float64,
  Float16,
  BFloat16,
  Int8,
  UInt8,
  Int16,
  Int32,
  Int64,
  Bool,
  QUInt8,    // unsigned 8-bit, 0..255
  QInt8,     // signed 8-bit, -128..127
  QInt32,    // signed 32-bit
  QUInt4x2,  // unsigned 4-bit, 0..15, two per byte: element 2i in the low nibble of byte i
};

inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
inline constexpr DType kFloat16 = DType::Float16;
inline constexpr DType kBFloat16 = DType::BFloat16;
inline constexpr DType kInt8 = DType::Int8;
inline constexpr DType kUInt8 = DType::UInt8;
inline constexpr DType kInt16 = DType::Int16;
inline constexpr DType kInt32 = DType::Int32;
inline constexpr DType kInt64 = DType::Int64;
inline constexpr DType kBool = DType::Bool;
inline constexpr DType kQUInt8 = DType::QUInt8;
inline constexpr DType kQInt8 = DType::QInt8;
inline constexpr DType kQInt32 = DType::QInt32;
inline constexpr DType kQUInt4x2 = DType::QUInt4x2;

// "float32", "quint8", ... (PyTorch's names without the "torch." prefix).
std::string_view dtype_name(DType t);
std::ostream& operator<<(std::ostream& os, DType t);

// Bytes per element; QUInt4x2 reports 1 (its storage holds two elements per byte: use
// storage_bytes_for to size a buffer).
std::size_t element_size(DType t);
// Bytes needed to store numel elements of t (QUInt4x2: ceil(numel / 2)).
std::size_t storage_bytes_for(DType t, int64_t numel);

constexpr bool is_quantized(DType t) {
  return t == DType::QUInt8 || t == DType::QInt8 || t == DType::QInt32 || t == DType::QUInt4x2;
}
constexpr bool is_floating_point(DType t) {
  return t == DType::Float32 || t == DType::Float64 || t == DType::Float16 || t == DType::BFloat16;
}
constexpr bool is_integral(DType t, bool include_bool = false) {
  return t == DType::Int8 || t == DType::UInt8 || t == DType::Int16 || t == DType::Int32 ||
         t == DType::Int64 || (include_bool && t == DType::Bool);
}
// The plain integer type a quantized dtype stores (quint8 -> uint8, qint8 -> int8, qint32 -> int32,
// quint4x2 -> uint8, its packed byte). Identity for non-quantized dtypes.
DType underlying_dtype(DType t);
// Full integer range of a quantized dtype: quint8 0..255, qint8 -128..127,
// qint32 -2^31..2^31-1, quint4x2 0..15.
int64_t dtype_qmin(DType t);
int64_t dtype_qmax(DType t);

// Maps a C++ type to its DType: dtype_of<float>() == kFloat32.
template <typename T>
constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::Float32; }
template <> constexpr DType dtype_of<double>() { return DType::Float64; }
template <> constexpr DType dtype_of<Half>() { return DType::Float16; }
template <> constexpr DType dtype_of<BFloat16>() { return DType::BFloat16; }
template <> constexpr DType dtype_of<int8_t>() { return DType::Int8; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::UInt8; }
template <> constexpr DType dtype_of<int16_t>() { return DType::Int16; }
template <> constexpr DType dtype_of<int32_t>() { return DType::Int32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::Int64; }
template <> constexpr DType dtype_of<bool>() { return DType::Bool; }

}  // namespace octet
