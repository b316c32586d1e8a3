// dynamic_linear_weight.cpp: DynamicLinearWeight, the qint8-or-float16 weights of the dynamic linear and RNN layers.
#include "octet/quantized/dynamic_linear_weight.h"

#include <utility>

#include "octet/error.h"

namespace octet::quantized {

DynamicLinearWeight::DynamicLinearWeight(LinearPackedParamsPtr int8) : int8_(std::move(int8)) {}
DynamicLinearWeight::DynamicLinearWeight(LinearPackedParamsFp16Ptr fp16) : fp16_(std::move(fp16)) {}

DynamicLinearWeight DynamicLinearWeight::prepack(const Tensor& weight, const Tensor& bias, DType dtype,
                                                 const char* where) {
  OCTET_CHECK(dtype == kQInt8 || dtype == kFloat16, where,
              "dynamic quantized weights are qint8 or float16, got dtype ", dtype);
  OCTET_CHECK(weight.defined(), where, "the weight is an undefined tensor");
  if (dtype == kQInt8) {
    OCTET_CHECK(weight.dtype() == kQInt8, where, "expected a qint8 weight for a qint8 module, got ", weight.dtype(),
                weight.is_floating_point() ? " (quantize it first, or build the module with dtype float16)" : "");
    return DynamicLinearWeight(linear_prepack(weight, bias));
  }
  OCTET_CHECK(weight.is_floating_point(), where, "expected a floating-point weight for a float16 module, got ",
              weight.dtype(), weight.is_quantized() ? " (a quantized weight needs a module with dtype qint8)" : "");
  return DynamicLinearWeight(linear_prepack_fp16(weight, bias));
}

void DynamicLinearWeight::check_defined(const char* where) const {
  OCTET_CHECK(defined(), where, "the weight is not set (an undefined DynamicLinearWeight)");
}

DType DynamicLinearWeight::dtype() const {
  check_defined("DynamicLinearWeight::dtype");
  return int8_ != nullptr ? kQInt8 : kFloat16;
}

int64_t DynamicLinearWeight::in_features() const {
  check_defined("DynamicLinearWeight::in_features");
  return int8_ != nullptr ? int8_->in_features() : fp16_->in_features();
}

int64_t DynamicLinearWeight::out_features() const {
  check_defined("DynamicLinearWeight::out_features");
  return int8_ != nullptr ? int8_->out_features() : fp16_->out_features();
}

Tensor DynamicLinearWeight::apply(const Tensor& x, bool reduce_range, bool relu) const {
  check_defined("DynamicLinearWeight::apply");
  if (int8_ != nullptr) return relu ? linear_relu_dynamic(x, int8_, reduce_range) : linear_dynamic(x, int8_, reduce_range);
  return relu ? linear_relu_dynamic_fp16(x, fp16_) : linear_dynamic_fp16(x, fp16_);
}

Tensor DynamicLinearWeight::weight() const {
  check_defined("DynamicLinearWeight::weight");
  return int8_ != nullptr ? int8_->unpack().first : fp16_->weight_fp16();
}

Tensor DynamicLinearWeight::bias() const {
  check_defined("DynamicLinearWeight::bias");
  const Tensor& b = int8_ != nullptr ? int8_->bias() : fp16_->bias();
  return b.defined() ? b.clone() : Tensor();
}

}  // namespace octet::quantized
