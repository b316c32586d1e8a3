// fake_quantize_module.cpp: FakeQuantizeBase (the switches) and FakeQuantize (observer + fake quantize).
#include <string>
#include <utility>
#include <vector>

#include "nn/py_repr.h"
#include "observers/fake_quantize_impl.h"
#include "octet/error.h"
#include "octet/fake_quantize.h"
#include "octet/quantization/fake_quantize.h"
#include "octet/quantization/min_max_observer.h"
#include "octet/quantization/per_channel_observer.h"

namespace octet::quantization {

namespace {

bool flag_value(const Tensor& t) { return t.item<int64_t>() != 0; }



void set_flag(Tensor& t, bool enabled) { t.fill_(enabled ? 1.0 : 0.0); }

}  // namespace

// --- FakeQuantizeBase ------------------------------------------------------------------------------

FakeQuantizeBase::FakeQuantizeBase() {
  // uint8, as PyTorch (NCCL, which replicates them in DDP, has no bool).
  register_buffer("fake_quant_enabled", &FakeQuantizeBase::fake_quant_enabled, full({1}, 1.0, kUInt8));
  register_buffer("observer_enabled", &FakeQuantizeBase::observer_enabled, full({1}, 1.0, kUInt8));
}

Tensor FakeQuantizeBase::forward(const Tensor& input) { return run(input, /*with_mask=*/false).output; }

FakeQuantizeResult FakeQuantizeBase::forward_with_mask(const Tensor& input) { return run(input, /*with_mask=*/true); }

void FakeQuantizeBase::enable_fake_quant(bool enabled) { set_flag(fake_quant_enabled, enabled); }

void FakeQuantizeBase::enable_observer(bool enabled) { set_flag(observer_enabled, enabled); }

bool FakeQuantizeBase::is_fake_quant_enabled() const { return flag_value(fake_quant_enabled); }

bool FakeQuantizeBase::is_observer_enabled() const { return flag_value(observer_enabled); }

// --- FakeQuantize ----------------------------------------------------------------------------------

FakeQuantize::FakeQuantize(std::shared_ptr<ObserverBase> observer) {
  if (observer == nullptr) observer = std::make_shared<MovingAverageMinMaxObserver>();
  const char* where = "FakeQuantize";
  OCTET_CHECK(is_quantized(observer->dtype()), where, "the observer (", observer->name(),
              ") must compute qparams for a quantized dtype, got dtype ", dtype_name(observer->dtype()));
  register_module("activation_post_process", &FakeQuantize::activation_post_process, observer);
  is_per_channel_ = octet::is_per_channel(observer->qscheme());
  if (is_per_channel_) {
    const auto* per_channel = dynamic_cast<const PerChannelMinMaxObserver*>(observer.get());
    OCTET_CHECK(per_channel != nullptr, where, "a per-channel qscheme needs a per-channel observer, got ",
                observer->name());
    ch_axis_ = per_channel->ch_axis();
  }
  const bool float_qparams = observer->qscheme() == kPerChannelAffineFloatQParams;
  register_buffer("scale", &FakeQuantize::scale, full({1}, 1.0, kFloat32));
  register_buffer("zero_point", &FakeQuantize::zero_point, zeros({1}, float_qparams ? kFloat32 : kInt32));
}

QParamsTensors FakeQuantize::calculate_qparams() const { return activation_post_process->calculate_qparams(); }

QuantizerPtr FakeQuantize::quantizer() const { return activation_post_process->quantizer(); }

void FakeQuantize::refresh_qparams() {
  const QParamsTensors q = calculate_qparams();
  // PyTorch keeps [1] per tensor ([C] per channel), int32 zero points (float32 for float qparams).
  const Shape shape = q.scale.dim() == 0 ? Shape{1} : q.scale.shape();
  const Tensor new_scale = q.scale.to(kFloat32).reshape(shape);
  const Tensor new_zp = q.zero_point.to(zero_point.dtype()).reshape(shape);
  if (scale.shape() == shape && zero_point.shape() == shape) {
    scale.copy_(new_scale);
    zero_point.copy_(new_zp);
  } else {
    set_buffer("scale", new_scale.clone());
    set_buffer("zero_point", new_zp.clone());
  }
}

FakeQuantizeResult FakeQuantize::fake_quantize(const Tensor& input, bool with_mask) const {
  const auto [qmin, qmax] = activation_post_process->qrange();
  if (is_per_channel_) {
    if (with_mask) return fake_quantize_per_channel_affine_cachemask(input, scale, zero_point, ch_axis_, qmin, qmax);
    return {fake_quantize_per_channel_affine(input, scale, zero_point, ch_axis_, qmin, qmax), Tensor()};
  }
  const double s = scale.item<float>();
  const auto zp = zero_point.item<int64_t>();
  if (with_mask) return fake_quantize_per_tensor_affine_cachemask(input, s, zp, qmin, qmax);
  return {fake_quantize_per_tensor_affine(input, s, zp, qmin, qmax), Tensor()};
}

FakeQuantizeResult FakeQuantize::run(const Tensor& input, bool with_mask) {
  if (is_observer_enabled()) {
    activation_post_process->forward(input);
    refresh_qparams();
  }
  if (is_fake_quant_enabled()) return fake_quantize(input, with_mask);
  OCTET_CHECK(input.defined(), name(), "the input is undefined");
  return {input, with_mask ? full(input.shape(), 1.0, kBool) : Tensor()};
}

FakeQuantizeGrads FakeQuantize::backward(const Tensor& grad_output, const Tensor& input) const {
  if (!is_fake_quant_enabled()) {
    OCTET_CHECK(grad_output.defined() && input.defined() && grad_output.shape() == input.shape(), name(),
                "backward needs grad_output and input of one shape");
    return {grad_output.contiguous().clone(), Tensor(), Tensor()};
  }
  const Tensor mask = fake_quantize(input, /*with_mask=*/true).mask;
  return {fake_quantize_per_tensor_affine_cachemask_backward(grad_output, mask), Tensor(), Tensor()};
}

std::string FakeQuantize::extra_repr() const {
  const auto [qmin, qmax] = activation_post_process->qrange();
  std::string out = "fake_quant_enabled=";
  out.append(fake_quant::torch_tensor_repr(fake_quant_enabled))
      .append(", observer_enabled=")
      .append(fake_quant::torch_tensor_repr(observer_enabled))
      .append(", quant_min=")
      .append(std::to_string(qmin))
      .append(", quant_max=")
      .append(std::to_string(qmax))
      .append(", dtype=torch.")
      .append(dtype_name(dtype()))
      .append(", qscheme=torch.")
      .append(qscheme_name(qscheme()))
      .append(", ch_axis=")
      .append(std::to_string(ch_axis_))
      .append(", scale=")
      .append(fake_quant::torch_tensor_repr(scale))
      .append(", zero_point=")
      .append(fake_quant::torch_tensor_repr(zero_point));
  return out;
}

void FakeQuantize::load_from_state_dict(nn::StateDictLoad& load, const std::string& prefix) {
  // scale and zero_point may arrive with another shape (per-channel qparams of a trained model
  // loaded into a fresh module): PyTorch resizes them. They are checked and queued here; every other
  // key under this prefix goes through Module's loader.
  nn::StateDict rest;
  for (const auto& [key, value] : load.state_dict) {
    if (key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0 && key != prefix + "scale" &&
        key != prefix + "zero_point") {
      rest.insert(key, value);
    }
  }
  nn::StateDictLoad sub{rest, {}, {}, {}, {}};
  FakeQuantizeBase::load_from_state_dict(sub, prefix);  // reports scale / zero_point missing: not so
  for (auto& k : sub.missing_keys) {
    if (k != prefix + "scale" && k != prefix + "zero_point") load.missing_keys.push_back(std::move(k));
  }
  for (auto& k : sub.unexpected_keys) load.unexpected_keys.push_back(std::move(k));
  for (auto& m : sub.error_msgs) load.error_msgs.push_back(std::move(m));
  for (auto& c : sub.copies) load.copies.push_back(std::move(c));

  for (const char* name : {"scale", "zero_point"}) {
    const std::string key = prefix + name;
    const Tensor* src = load.state_dict.find(key);
    if (src == nullptr) {
      load.missing_keys.push_back(key);
      continue;
    }
    const DType own = get_buffer(name).dtype();
    if (!src->defined() || src->dim() != 1 || src->numel() < 1 || src->is_quantized()) {
      load.error_msgs.push_back(std::string("size mismatch for ").append(key).append(
          ": expected a 1-d tensor with at least one element, got ").append(
          src->defined() ? shape_to_string(src->shape()) : std::string("an undefined tensor")));
      continue;
    }
    Tensor value;
    try {
      value = src->to(own).contiguous().clone();
    } catch (const Error& e) {
      load.error_msgs.push_back(std::string("While copying the buffer named \"").append(key).append(
          "\", an exception occurred: ").append(e.what()));
      continue;
    }
    load.copies.push_back([this, name = std::string(name), value]() { set_buffer(name, value); });
  }
}

}  // namespace octet::quantization
