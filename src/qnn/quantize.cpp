// quantize.cpp: nn::quantized::Quantize and DeQuantize.
#include "octet/nn/quantized/quantize.h"

#include "octet/quantize.h"
#include "qnn/qnn_util.h"

namespace octet::nn::quantized {

Quantize::Quantize(double scale, int64_t zero_point, DType dtype) : dtype_(dtype) {
  OCTET_CHECK(dtype == kQUInt8 || dtype == kQInt8 || dtype == kQInt32, "Quantize",
              "dtype must be quint8, qint8 or qint32, got ", dtype);
  // As PyTorch: the buffers are float32 / int64, so the scale in use is float32.
  register_buffer("scale", &Quantize::scale_, full({1}, scale, kFloat32));
  register_buffer("zero_point", &Quantize::zero_point_, full({1}, static_cast<double>(zero_point), kInt64));
  // Validates the pair as quantize_per_tensor would (finite positive scale, zero point in range).
  Quantizer::per_tensor(dtype, this->scale(), zero_point);
}

Tensor Quantize::forward(const Tensor& input) {
  OCTET_CHECK(input.defined(), "Quantize", "the input is undefined");
  OCTET_CHECK(!input.is_quantized(), "Quantize", "the input is already quantized (", input.dtype(),
              "); Quantize takes a float tensor");
  OCTET_CHECK(input.dtype() == kFloat32, "Quantize", "expected a float32 input, got ", input.dtype());
  return quantize_per_tensor(input, scale(), zero_point(), dtype_);
}

std::string Quantize::extra_repr() const {
  std::string out = "scale=";
  out.append(scale_.to_string()).append(", zero_point=").append(zero_point_.to_string());
  out.append(", dtype=torch.").append(dtype_name(dtype_));
  return out;
}

std::shared_ptr<Quantize> Quantize::from_float(const Module& /*stub*/, const FromFloatArgs& args) {
  const detail::ObservedQParams q = detail::output_qparams(args, "Quantize");
  return std::make_shared<Quantize>(q.scale, q.zero_point, q.dtype);
}

Tensor DeQuantize::forward(const Tensor& input) {
  OCTET_CHECK(input.defined(), "DeQuantize", "the input is undefined");
  OCTET_CHECK(input.is_quantized(), "DeQuantize", "expected a quantized input, got ", input.dtype(),
              ": the tensor is already float (is there a DeQuantize too many, or a QuantStub missing before the "
              "quantized part?)");
  return input.dequantize();
}

std::shared_ptr<DeQuantize> DeQuantize::from_float(const Module& /*stub*/, const FromFloatArgs& /*args*/) {
  return std::make_shared<DeQuantize>();
}

}  // namespace octet::nn::quantized
