// types.cpp: Dim and TensorType: construction, queries and printing.
#include "octet/graph/types.h"

#include <sstream>

#include "octet/error.h"

namespace octet::graph {

Dim::Dim(int64_t size, int /*tag*/) : kind_(Kind::Static), size_(size) {
  OCTET_CHECK(size >= 0, "Dim", "a dim size must be >= 0, got ", size);
}

Dim::Dim(std::string symbol) : kind_(symbol.empty() ? Kind::Unknown : Kind::Symbolic), symbol_(std::move(symbol)) {}

int64_t Dim::size() const {
  OCTET_CHECK(is_static(), "Dim::size", "the dim ", to_string(), " is not a known size");
  return size_;
}

const std::string& Dim::symbol() const {
  OCTET_CHECK(is_symbolic(), "Dim::symbol", "the dim ", to_string(), " is not a symbol");
  return symbol_;
}

std::string Dim::to_string() const {
  switch (kind_) {
    case Kind::Static: return std::to_string(size_);
    case Kind::Symbolic: return symbol_;
    case Kind::Unknown: break;
  }
  return "?";
}

Dims to_dims(const Shape& shape) {
  Dims dims;
  dims.reserve(shape.size());
  for (int64_t s : shape) dims.emplace_back(s);
  return dims;
}

std::string dims_to_string(const Dims& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i > 0) out.append(", ");
    out.append(dims[i].to_string());
  }
  out.append("]");
  return out;
}

TensorType TensorType::of(const Tensor& t) { return TensorType(t.dtype(), to_dims(t.shape())); }

int64_t TensorType::rank() const {
  OCTET_CHECK(shape.has_value(), "TensorType::rank", "the rank of ", to_string(), " is unknown");
  return static_cast<int64_t>(shape->size());
}

bool TensorType::is_static() const {
  if (!dtype || !shape) return false;
  for (const Dim& d : *shape) {
    if (!d.is_static()) return false;
  }
  return true;
}

Shape TensorType::static_shape() const {
  OCTET_CHECK(shape.has_value(), "TensorType::static_shape", "the shape of ", to_string(), " is unknown");
  Shape out;
  out.reserve(shape->size());
  for (const Dim& d : *shape) {
    OCTET_CHECK(d.is_static(), "TensorType::static_shape", "the shape of ", to_string(), " is not fully known");
    out.push_back(d.size());
  }
  return out;
}

std::string TensorType::to_string() const {
  std::string out = dtype ? std::string(dtype_name(*dtype)) : std::string("?");
  out.append(shape ? dims_to_string(*shape) : std::string("[...]"));
  return out;
}

}  // namespace octet::graph
