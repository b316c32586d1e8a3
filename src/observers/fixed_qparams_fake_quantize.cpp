// fixed_qparams_fake_quantize.cpp: FixedQParamsFakeQuantize, fake quantization with a
// FixedQParamsObserver's fixed scale and zero point.
#include <string>
#include <typeinfo>

#include "observers/fake_quantize_impl.h"
#include "octet/error.h"
#include "octet/quantization/fake_quantize.h"
#include "octet/quantization/fixed_qparams_observer.h"

namespace octet::quantization {

namespace {

std::shared_ptr<ObserverBase> checked(std::shared_ptr<ObserverBase> observer) {
  const char* where = "FixedQParamsFakeQuantize";
  OCTET_CHECK(observer != nullptr && typeid(*observer) == typeid(FixedQParamsObserver), where,
              "the observer must be a FixedQParamsObserver, got ", observer != nullptr ? observer->name() : "none");
  OCTET_CHECK(!is_per_channel(observer->qscheme()), where, "only per-tensor quantization is supported, got qscheme ",
              qscheme_name(observer->qscheme()));
  return observer;
}

}  // namespace

FixedQParamsFakeQuantize::FixedQParamsFakeQuantize(std::shared_ptr<ObserverBase> observer)
    : Cloneable(checked(std::move(observer))) {
  // PyTorch: self.scale = self.activation_post_process.scale (likewise zero_point): one tensor under
  // both names.
  const auto& fixed = dynamic_cast<const FixedQParamsObserver&>(*activation_post_process);
  set_buffer("scale", fixed.scale);
  set_buffer("zero_point", fixed.zero_point);
}

QParamsTensors FixedQParamsFakeQuantize::calculate_qparams() const {
  return {scale.to(kFloat32).reshape({}).clone(), zero_point.to(kInt64).reshape({}).clone()};
}

FakeQuantizeResult FixedQParamsFakeQuantize::run(const Tensor& input, bool with_mask) {
  // The observer reads nothing and the qparams never change: observing is only the observer's
  // input check.
  if (is_observer_enabled()) activation_post_process->forward(input);
  if (is_fake_quant_enabled()) return fake_quantize(input, with_mask);
  OCTET_CHECK(input.defined(), name(), "the input is undefined");
  return {input, with_mask ? full(input.shape(), 1.0, kBool) : Tensor()};
}

std::string FixedQParamsFakeQuantize::extra_repr() const {
  std::string out = "fake_quant_enabled=";
  out.append(fake_quant::torch_tensor_repr(fake_quant_enabled))
      .append(", observer_enabled=")
      .append(fake_quant::torch_tensor_repr(observer_enabled))
      .append(", scale=")
      .append(fake_quant::torch_tensor_repr(scale))
      .append(", zero_point=")
      .append(fake_quant::torch_tensor_repr(zero_point))
      .append(", dtype=torch.")
      .append(dtype_name(dtype()))
      .append(", quant_min=")
      .append(std::to_string(quant_min()))
      .append(", quant_max=")
      .append(std::to_string(quant_max()))
      .append(", qscheme=torch.")
      .append(qscheme_name(qscheme()));
  return out;
}

}  // namespace octet::quantization
