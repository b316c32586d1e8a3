// data_type.cpp: ONNX element-type codes to DTypes and back.
#include "octet/graph/data_type.h"

#include "octet/error.h"

namespace octet::graph {

DType dtype_from_data_type(int64_t code) {
  switch (code) {
    case 1: return kFloat32;
    case 2: return kUInt8;
    case 3: return kInt8;
    case 5: return kInt16;
    case 6: return kInt32;
    case 7: return kInt64;
    case 9: return kBool;
    case 10: return kFloat16;
    case 11: return kFloat64;
    case 16: return kBFloat16;
    default: break;
  }
  OCTET_FAIL("dtype_from_data_type", "element type code ", code,
             " has no Octet dtype (supported: 1 float, 2 uint8, 3 int8, 5 int16, 6 int32, 7 int64, 9 bool, "
             "10 float16, 11 double, 16 bfloat16)");
}

int64_t data_type_of(DType dtype) {
  switch (dtype) {
    case DType::Float32: return 1;
    case DType::UInt8: return 2;
    case DType::Int8: return 3;
    case DType::Int16: return 5;
    case DType::Int32: return 6;
    case DType::Int64: return 7;
    case DType::Bool: return 9;
    case DType::Float16: return 10;
    case DType::Float64: return 11;
    case DType::BFloat16: return 16;
    default: break;
  }
  OCTET_FAIL("data_type_of", "dtype ", dtype_name(dtype), " has no element type code (quantized dtypes are QDQ pairs)");
}

}  // namespace octet::graph
