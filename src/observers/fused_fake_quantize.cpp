// fused_fake_quantize.cpp: FusedMovingAvgObsFakeQuantize, the moving-average observer and fake
// quantization through fused_moving_avg_obs_fake_quant.
#include <string>

#include "nn/py_repr.h"
#include "observers/fake_quantize_impl.h"
#include "octet/error.h"
#include "octet/fake_quantize.h"
#include "octet/quantization/fake_quantize.h"
#include "octet/quantization/min_max_observer.h"
#include "octet/quantization/per_channel_observer.h"

namespace octet::quantization {

namespace {

// PyTorch's default: MovingAverageMinMaxObserver with quant_min=0, quant_max=255.
std::shared_ptr<ObserverBase> default_observer() {
  MovingAverageMinMaxObserverOptions o;
  o.quant_min = 0;
  o.quant_max = 255;
  return std::make_shared<MovingAverageMinMaxObserver>(o);
}

std::shared_ptr<ObserverBase> checked(std::shared_ptr<ObserverBase> observer) {
  if (observer == nullptr) return default_observer();
  const char* where = "FusedMovingAvgObsFakeQuantize";
  OCTET_CHECK(dynamic_cast<MovingAverageMinMaxObserver*>(observer.get()) != nullptr ||
                  dynamic_cast<MovingAveragePerChannelMinMaxObserver*>(observer.get()) != nullptr,
              where, "the fused observer + fake quantize works only with a MovingAverageMinMaxObserver or a "
              "MovingAveragePerChannelMinMaxObserver, got ", observer->name());
  OCTET_CHECK(observer->qscheme() != kPerChannelAffineFloatQParams, where,
              "per_channel_affine_float_qparams is not supported (the fused op has integer zero points); use "
              "FakeQuantize");
  return observer;
}

}  // namespace

FusedMovingAvgObsFakeQuantize::FusedMovingAvgObsFakeQuantize(std::shared_ptr<ObserverBase> observer)
    : Cloneable(checked(std::move(observer))) {
  // PyTorch re-registers both flags as int64 (torch.long) tensors.
  set_buffer("fake_quant_enabled", full({1}, 1.0, kInt64));
  set_buffer("observer_enabled", full({1}, 1.0, kInt64));
}

double FusedMovingAvgObsFakeQuantize::averaging_constant() const {
  if (const auto* o = dynamic_cast<const MovingAverageMinMaxObserver*>(activation_post_process.get())) {
    return o->averaging_constant();
  }
  return dynamic_cast<const MovingAveragePerChannelMinMaxObserver&>(*activation_post_process).averaging_constant();
}

FakeQuantizeResult FusedMovingAvgObsFakeQuantize::run(const Tensor& input, bool with_mask) {
  // The observer folds the batch in with its own observe() (the same moving-average arithmetic as
  // the fused op's, plus Octet's NaN/inf policy); the fused op then derives scale / zero_point from
  // its range with fbgemm's rule and fake-quantizes, or copies the input.
  if (is_observer_enabled()) activation_post_process->forward(input);
  if (!is_fake_quant_enabled()) {
    OCTET_CHECK(input.defined(), name(), "the input is undefined");
    return {input, with_mask ? full(input.shape(), 1.0, kBool) : Tensor()};
  }
  // Handles on the observer's statistics: the op reads them (and would only resize an empty
  // per-channel pair, which it then rejects as unobserved).
  Tensor running_min = activation_post_process->get_buffer("min_val");
  Tensor running_max = activation_post_process->get_buffer("max_val");
  Tensor s = scale, zp = zero_point;
  const auto [qmin, qmax] = activation_post_process->qrange();
  const Tensor off = zeros({1}, kInt64), on = ones({1}, kInt64);
  FakeQuantizeResult out = fused_moving_avg_obs_fake_quant_cachemask(
      input, off, on, running_min, running_max, s, zp, averaging_constant(), qmin, qmax, ch_axis(), is_per_channel(),
      is_symmetric_quant());
  // The op resizes per-channel scale / zero_point on first use: keep the registry in step.
  if (s.shape() != scale.shape()) set_buffer("scale", s);
  if (zp.shape() != zero_point.shape()) set_buffer("zero_point", zp);
  if (!with_mask) out.mask = Tensor();
  return out;
}

std::string FusedMovingAvgObsFakeQuantize::extra_repr() const {
  const auto [qmin, qmax] = activation_post_process->qrange();
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
      .append(std::to_string(qmin))
      .append(", quant_max=")
      .append(std::to_string(qmax))
      .append(", qscheme=torch.")
      .append(qscheme_name(qscheme()))
      .append(", reduce_range=")
      .append(nn::detail::py_bool_repr(activation_post_process->reduce_range()));
  return out;
}

}  // namespace octet::quantization
