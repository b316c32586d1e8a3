// shape.cpp: quantized reshape / flatten / permute / transpose / squeeze / unsqueeze / slice: Tensor's views, which carry the Quantizer.
#include <cstdint>

#include "octet/error.h"
#include "octet/quantized/shape.h"

namespace octet::quantized {
namespace {

// The shape ops take any quantized dtype (quint8, qint8, qint32, quint4x2) and any qscheme.
const Tensor& quantized_input(const Tensor& qx, const char* where) {
  OCTET_CHECK(qx.defined(), where, "input is an undefined tensor");
  OCTET_CHECK(qx.is_quantized(), where, "expected a quantized tensor, got a ", qx.dtype(),
              " tensor (use the Tensor methods for unquantized tensors)");
  return qx;
}

}  // namespace

Tensor reshape(const Tensor& qx, const Shape& shape) { return quantized_input(qx, "quantized::reshape").reshape(shape); }

Tensor flatten(const Tensor& qx, int64_t start_dim, int64_t end_dim) {
  return quantized_input(qx, "quantized::flatten").flatten(start_dim, end_dim);
}

Tensor permute(const Tensor& qx, const Shape& dims) { return quantized_input(qx, "quantized::permute").permute(dims); }

Tensor transpose(const Tensor& qx, int64_t dim0, int64_t dim1) {
  return quantized_input(qx, "quantized::transpose").transpose(dim0, dim1);
}

Tensor squeeze(const Tensor& qx) { return quantized_input(qx, "quantized::squeeze").squeeze(); }

Tensor squeeze(const Tensor& qx, int64_t dim) { return quantized_input(qx, "quantized::squeeze").squeeze(dim); }

Tensor unsqueeze(const Tensor& qx, int64_t dim) { return quantized_input(qx, "quantized::unsqueeze").unsqueeze(dim); }

Tensor slice(const Tensor& qx, int64_t dim, int64_t start, int64_t end, int64_t step) {
  return quantized_input(qx, "quantized::slice").slice(dim, start, end, step);
}

}  // namespace octet::quantized
