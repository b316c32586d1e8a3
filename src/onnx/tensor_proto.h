// tensor_proto.h: ONNX TensorProto <-> octet::Tensor, validating every size and count of untrusted files (internal).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "octet/tensor.h"
#include "onnx/onnx_proto.h"

namespace octet::onnx_detail {

// ONNX's name of an element-type code ("float", "uint16", ...), for messages.
std::string data_type_name(int64_t code);
// The Octet dtype of a TensorProto element type; an Error naming `what` for types Octet lacks.
DType dtype_of_code(int64_t code, std::string_view what);

// Reads a tensor whose data is inline (raw_data or the typed field of its type). `what` names it
// in errors ("initializer 'conv1.weight'"). External data must have been resolved first
// (external_data.h).
Tensor tensor_from_proto(const ::onnx::TensorProto& proto, std::string_view what);
// A tensor from raw little-endian bytes of a given element type and shape.
Tensor tensor_from_bytes(int64_t data_type, const Shape& shape, std::string_view bytes, std::string_view what);
// The dims of a TensorProto as a Shape, each >= 0 and the element count without overflow.
Shape shape_of_proto(const ::onnx::TensorProto& proto, std::string_view what);

// Writes a tensor as a TensorProto with raw_data (the compact form every ONNX reader accepts).
void tensor_to_proto(const Tensor& t, const std::string& name, ::onnx::TensorProto* proto);

}  // namespace octet::onnx_detail
