// tensor_proto.cpp: TensorProto <-> Tensor: raw_data and ONNX's typed fields, every count checked before any copy.
#include "onnx/tensor_proto.h"

#include <cctype>
#include <cstring>
#include <limits>

#include "octet/error.h"
#include "octet/graph/data_type.h"

namespace octet::onnx_detail {
namespace {

constexpr const char* kWhere = "onnx";

using P = ::onnx::TensorProto;

// The stored integers of int32_data reinterpreted as T: ONNX keeps int8/16, uint8/16, bool,
// float16 and bfloat16 there, one element per int32 (16-bit floats as their bit patterns).
template <typename T>
void copy_int32_field(const P& proto, Tensor& out) {
  T* d = out.data_ptr<T>();
  for (int64_t i = 0; i < out.numel(); ++i) d[i] = static_cast<T>(proto.int32_data(static_cast<int>(i)));
}

void check_count(int64_t have, int64_t want, std::string_view field, std::string_view what) {
  OCTET_CHECK(have == want, kWhere, what, ": ", field, " holds ", have, " elements but the dims need ", want);
}

}  // namespace

std::string data_type_name(int64_t code) {
  if (code >= 0 && code <= std::numeric_limits<int>::max() && P::DataType_IsValid(static_cast<int>(code))) {
    std::string n = P::DataType_Name(static_cast<P::DataType>(code));
    for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return n;
  }
  return detail::str_cat("unknown type ", code);
}

DType dtype_of_code(int64_t code, std::string_view what) {
  switch (code) {
    case P::FLOAT:
    case P::UINT8:
    case P::INT8:
    case P::INT16:
    case P::INT32:
    case P::INT64:
    case P::BOOL:
    case P::FLOAT16:
    case P::DOUBLE:
    case P::BFLOAT16:
      return graph::dtype_from_data_type(code);
    case P::UNDEFINED:
      OCTET_FAIL(kWhere, what, ": the element type is not set");
    default:
      break;
  }
  OCTET_FAIL(kWhere, what, ": element type ", data_type_name(code), " (", code,
             ") has no Octet dtype (supported: float, double, float16, bfloat16, int8, int16, int32, int64, uint8, "
             "bool)");
}

Shape shape_of_proto(const P& proto, std::string_view what) {
  Shape shape;
  int64_t numel = 1;
  for (int64_t d : proto.dims()) {
    OCTET_CHECK(d >= 0, kWhere, what, ": dim ", shape.size(), " is negative (", d, ")");
    OCTET_CHECK(d == 0 || numel <= std::numeric_limits<int64_t>::max() / 8 / d, kWhere, what,
                ": the dims hold too many elements to be a tensor");
    numel *= d;
    shape.push_back(d);
  }
  return shape;
}

Tensor tensor_from_bytes(int64_t data_type, const Shape& shape, std::string_view bytes, std::string_view what) {
  const DType dtype = dtype_of_code(data_type, what);
  const int64_t numel = shape_numel(shape, "onnx tensor");
  const auto want = static_cast<uint64_t>(numel) * element_size(dtype);
  OCTET_CHECK(bytes.size() == want, kWhere, what, ": holds ", bytes.size(), " bytes of data but ", dtype_name(dtype),
              shape_to_string(shape), " needs ", want);
  Tensor out = empty(shape, dtype);
  if (want == 0) return out;
  std::memcpy(out.raw_data(), bytes.data(), want);
  if (dtype == kBool) {
    // A bool byte other than 0 or 1 is not a valid C++ bool: any nonzero byte is true.
    auto* b = static_cast<uint8_t*>(out.raw_data());
    for (int64_t i = 0; i < numel; ++i) b[i] = b[i] != 0 ? 1 : 0;
  }
  return out;
}

Tensor tensor_from_proto(const P& proto, std::string_view what) {
  OCTET_CHECK(!proto.has_segment(), kWhere, what, ": segmented tensors are not supported");
  OCTET_CHECK(proto.data_location() != P::EXTERNAL, kWhere, what,
              ": its data is in an external file, which was not resolved");
  const Shape shape = shape_of_proto(proto, what);
  const int64_t code = proto.data_type();
  const DType dtype = dtype_of_code(code, what);
  if (proto.has_raw_data()) return tensor_from_bytes(code, shape, proto.raw_data(), what);
  const int64_t numel = shape_numel(shape, "onnx tensor");
  Tensor out = empty(shape, dtype);
  switch (code) {
    case P::FLOAT:
      check_count(proto.float_data_size(), numel, "float_data", what);
      if (numel > 0) std::memcpy(out.raw_data(), proto.float_data().data(), static_cast<size_t>(numel) * sizeof(float));
      break;
    case P::DOUBLE:
      check_count(proto.double_data_size(), numel, "double_data", what);
      if (numel > 0) std::memcpy(out.raw_data(), proto.double_data().data(), static_cast<size_t>(numel) * sizeof(double));
      break;
    case P::INT64:
      check_count(proto.int64_data_size(), numel, "int64_data", what);
      if (numel > 0) std::memcpy(out.raw_data(), proto.int64_data().data(), static_cast<size_t>(numel) * sizeof(int64_t));
      break;
    case P::INT32:
      check_count(proto.int32_data_size(), numel, "int32_data", what);
      copy_int32_field<int32_t>(proto, out);
      break;
    case P::INT16:
      check_count(proto.int32_data_size(), numel, "int32_data", what);
      copy_int32_field<int16_t>(proto, out);
      break;
    case P::INT8:
      check_count(proto.int32_data_size(), numel, "int32_data", what);
      copy_int32_field<int8_t>(proto, out);
      break;
    case P::UINT8:
      check_count(proto.int32_data_size(), numel, "int32_data", what);
      copy_int32_field<uint8_t>(proto, out);
      break;
    case P::BOOL: {
      check_count(proto.int32_data_size(), numel, "int32_data", what);
      bool* d = out.data_ptr<bool>();
      for (int64_t i = 0; i < numel; ++i) d[i] = proto.int32_data(static_cast<int>(i)) != 0;
      break;
    }
    case P::FLOAT16:
    case P::BFLOAT16: {
      check_count(proto.int32_data_size(), numel, "int32_data", what);
      auto* d = static_cast<uint16_t*>(out.raw_data());
      for (int64_t i = 0; i < numel; ++i) d[i] = static_cast<uint16_t>(proto.int32_data(static_cast<int>(i)));
      break;
    }
    default:
      OCTET_FAIL(kWhere, what, ": element type ", data_type_name(code), " is not supported");
  }
  return out;
}

void tensor_to_proto(const Tensor& t, const std::string& name, P* proto) {
  OCTET_CHECK(t.defined(), kWhere, "tensor '", name, "' is undefined");
  OCTET_CHECK(!t.is_quantized(), kWhere, "tensor '", name, "' is quantized (", t.dtype(),
              "): ONNX holds quantized tensors as QuantizeLinear/DequantizeLinear pairs, export its dequantized form");
  proto->Clear();
  proto->set_name(name);
  proto->set_data_type(static_cast<int32_t>(graph::data_type_of(t.dtype())));
  for (int64_t d : t.shape()) proto->add_dims(d);
  const Tensor c = t.contiguous();
  proto->set_raw_data(static_cast<const char*>(c.raw_data()), c.nbytes());
}

}  // namespace octet::onnx_detail
