// dtype.cpp: names, sizes and ranges of the element types.
#include "octet/dtype.h"

#include "octet/error.h"

namespace octet {

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Float16: return "float16";
    case DType::BFloat16: return "bfloat16";
    case DType::Int8: return "int8";
    case DType::UInt8: return "uint8";
    case DType::Int16: return "int16";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::Bool: return "bool";
    case DType::QUInt8: return "quint8";
    case DType::QInt8: return "qint8";
    case DType::QInt32: return "qint32";
    case DType::QUInt4x2: return "quint4x2";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, DType t) { return os << dtype_name(t); }

std::size_t element_size(DType t) {
  switch (t) {
    case DType::Float64:
    case DType::Int64: return 8;
    case DType::Float32:
    case DType::Int32:
    case DType::QInt32: return 4;
    case DType::Float16:
    case DType::BFloat16:
    case DType::Int16: return 2;
    case DType::Int8:
    case DType::UInt8:
    case DType::Bool:
    case DType::QUInt8:
    case DType::QInt8:
    case DType::QUInt4x2: return 1;
  }
  return 1;
}

std::size_t storage_bytes_for(DType t, int64_t numel) {
  if (t == DType::QUInt4x2) return static_cast<std::size_t>((numel + 1) / 2);
  return static_cast<std::size_t>(numel) * element_size(t);
}

DType underlying_dtype(DType t) {
  switch (t) {
    case DType::QUInt8: return DType::UInt8;
    case DType::QInt8: return DType::Int8;
    case DType::QInt32: return DType::Int32;
    case DType::QUInt4x2: return DType::UInt8;
    default: return t;
  }
}

int64_t dtype_qmin(DType t) {
  switch (t) {
    case DType::QUInt8: return 0;
    case DType::QInt8: return -128;
    case DType::QInt32: return -2147483648LL;
    case DType::QUInt4x2: return 0;
    default: OCTET_FAIL("dtype_qmin", "expected a quantized dtype, got ", t);
  }
}

int64_t dtype_qmax(DType t) {
  switch (t) {
    case DType::QUInt8: return 255;
    case DType::QInt8: return 127;
    case DType::QInt32: return 2147483647LL;
    case DType::QUInt4x2: return 15;
    default: OCTET_FAIL("dtype_qmax", "expected a quantized dtype, got ", t);
  }
}

}  // namespace octet
