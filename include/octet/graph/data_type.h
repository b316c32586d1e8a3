// data_type.h: the element-type codes of ONNX's operator attributes (Cast's `to`, ...) and Octet's DTypes.
//
// The codes are TensorProto.DataType's: 1 float, 2 uint8, 3 int8, 5 int16, 6 int32, 7 int64, 9 bool,
// 10 float16, 11 double, 16 bfloat16. Codes without an Octet dtype (strings, complex, unsigned
// 16/32/64-bit, float8) are an Error naming the code.
#pragma once

#include <cstdint>

#include "octet/dtype.h"

namespace octet::graph {

DType dtype_from_data_type(int64_t code);
// The code of a plain dtype; quantized dtypes are an Error (ONNX holds them as QDQ pairs).
int64_t data_type_of(DType dtype);

}  // namespace octet::graph
