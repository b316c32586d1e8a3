// learnable_fake_quantize.cpp: LearnableFakeQuantize, PyTorch's _LearnableFakeQuantize (LSQ): scale
// and zero point as parameters, static estimation from the observer until learning is enabled.
#include <cmath>
#include <string>
#include <vector>

#include "octet/error.h"
#include "octet/fake_quantize.h"
#include "octet/quantization/fake_quantize.h"
#include "octet/quantization/per_channel_observer.h"

namespace octet::quantization {

namespace {

constexpr const char* kName = "LearnableFakeQuantize";

void set_flag(Tensor& t, bool enabled) { t.fill_(enabled ? 1.0 : 0.0); }

// The forward's integer zero points: round half to even, clamp (ATen's _get_zero_point_from_tensor
// and _get_rounded_zero_point).
std::vector<int64_t> rounded_zero_points(const Tensor& zero_point, int64_t qmin, int64_t qmax) {
  const Tensor z = zero_point.contiguous();
  std::vector<int64_t> out(static_cast<size_t>(z.numel()));
  for (int64_t i = 0; i < z.numel(); ++i) {
    const float r = std::fmin(std::fmax(std::nearbyint(z.data_ptr<float>()[i]), static_cast<float>(qmin)),
                              static_cast<float>(qmax));
    out[static_cast<size_t>(i)] = static_cast<int64_t>(r);
  }
  return out;
}

}  // namespace

LearnableFakeQuantize::LearnableFakeQuantize(std::shared_ptr<ObserverBase> observer,
                                             const LearnableFakeQuantizeOptions& options)
    : use_grad_scaling_(options.use_grad_scaling) {
  OCTET_CHECK(observer != nullptr, kName, "needs an observer");
  OCTET_CHECK(is_quantized(observer->dtype()), kName, "the observer (", observer->name(),
              ") must compute qparams for a quantized dtype, got dtype ", dtype_name(observer->dtype()));
  const QScheme qs = observer->qscheme();
  OCTET_CHECK(qs != kPerChannelAffineFloatQParams, kName, "per_channel_affine_float_qparams is not supported");
  qmin_ = observer->qrange().qmin;
  qmax_ = observer->qrange().qmax;
  OCTET_CHECK(qmin_ < qmax_, kName, "quant_min (", qmin_, ") must be strictly less than quant_max (", qmax_, ")");
  const bool per_channel = octet::is_per_channel(qs);
  if (per_channel) {
    const auto* pc = dynamic_cast<const PerChannelMinMaxObserver*>(observer.get());
    OCTET_CHECK(pc != nullptr, kName, "a per-channel qscheme needs a per-channel observer, got ", observer->name());
    ch_axis_ = pc->ch_axis();
    OCTET_CHECK(options.channel_len > 0, kName, "a per-channel qscheme needs channel_len > 0 (the channel count), got ",
                options.channel_len);
  } else {
    OCTET_CHECK(options.channel_len == -1, kName, "a per-tensor qscheme needs channel_len = -1, got ",
                options.channel_len);
  }
  OCTET_CHECK(!options.use_grad_scaling || qmax_ > 0, kName,
              "use_grad_scaling divides by sqrt(numel * quant_max): quant_max must be > 0, got ", qmax_);
  const int64_t n = per_channel ? options.channel_len : 1;
  register_parameter("scale", &LearnableFakeQuantize::scale, full({n}, options.scale, kFloat32));
  register_parameter("zero_point", &LearnableFakeQuantize::zero_point, full({n}, options.zero_point, kFloat32));
  register_module("activation_post_process", &LearnableFakeQuantize::activation_post_process, observer);
  register_buffer("static_enabled", &LearnableFakeQuantize::static_enabled, full({1}, 1.0, kUInt8));
  register_buffer("learning_enabled", &LearnableFakeQuantize::learning_enabled, full({1}, 0.0, kUInt8));
  register_buffer("eps", &LearnableFakeQuantize::eps, full({1}, static_cast<double>(kFloat32Eps), kFloat32));
  bitwidth_ = static_cast<int64_t>(std::log2(static_cast<double>(qmax_ - qmin_ + 1)));
}

LearnableFakeQuantize& LearnableFakeQuantize::enable_param_learning() {
  toggle_qparam_learning(true).toggle_fake_quant(true).toggle_observer_update(false);
  return *this;
}

void LearnableFakeQuantize::enable_static_estimate() {
  toggle_qparam_learning(false).toggle_fake_quant(true).toggle_observer_update(true);
}

void LearnableFakeQuantize::enable_static_observation() {
  toggle_qparam_learning(false).toggle_fake_quant(false).toggle_observer_update(true);
}

LearnableFakeQuantize& LearnableFakeQuantize::toggle_observer_update(bool enabled) {
  set_flag(static_enabled, enabled);
  return *this;
}

LearnableFakeQuantize& LearnableFakeQuantize::toggle_qparam_learning(bool enabled) {
  set_flag(learning_enabled, enabled);
  requires_grad_(enabled);  // scale and zero_point: the module's only parameters (observers have none)
  return *this;
}

LearnableFakeQuantize& LearnableFakeQuantize::toggle_fake_quant(bool enabled) {
  enable_fake_quant(enabled);
  return *this;
}

void LearnableFakeQuantize::enable_observer(bool enabled) { toggle_observer_update(enabled); }

bool LearnableFakeQuantize::is_static_enabled() const { return static_enabled.item<int64_t>() != 0; }

bool LearnableFakeQuantize::is_learning_enabled() const { return learning_enabled.item<int64_t>() != 0; }

double LearnableFakeQuantize::grad_factor(int64_t numel) const {
  // Python's 1.0 / (numel * quant_max) ** 0.5, the same pow.
  return use_grad_scaling_ ? 1.0 / std::pow(static_cast<double>(numel * qmax_), 0.5) : 1.0;
}

FakeQuantizeResult LearnableFakeQuantize::run(const Tensor& input, bool with_mask) {
  if (is_static_enabled()) {
    activation_post_process->forward(input);
    const QParamsTensors q = activation_post_process->calculate_qparams();
    OCTET_CHECK(q.scale.numel() == scale.numel(), name(), "the observer computed ", q.scale.numel(),
                " scales but the module learns ", scale.numel(), " (channel_len)");
    scale.copy_(q.scale.to(kFloat32).reshape(scale.shape()));
    zero_point.copy_(q.zero_point.to(kFloat32).reshape(zero_point.shape()));
  } else {
    // scale = max(scale, eps): the learned scale never reaches 0 or below.
    const float floor = eps.item<float>();
    float* s = scale.data_ptr<float>();
    for (int64_t i = 0; i < scale.numel(); ++i) s[i] = std::fmax(s[i], floor);
  }
  if (!is_fake_quant_enabled()) {
    OCTET_CHECK(input.defined(), name(), "the input is undefined");
    return {input, with_mask ? full(input.shape(), 1.0, kBool) : Tensor()};
  }
  if (is_symmetric(qscheme())) zero_point.fill_(0.0);
  const double gf = grad_factor(input.numel());
  if (!with_mask) {
    if (is_channelwise()) {
      return {fake_quantize_learnable_per_channel_affine(input, scale, zero_point, ch_axis_, qmin_, qmax_, gf),
              Tensor()};
    }
    return {fake_quantize_learnable_per_tensor_affine(input, scale, zero_point, qmin_, qmax_, gf), Tensor()};
  }
  // The learnable forward is fake quantization with the rounded, clamped zero points: the same call
  // with the mask.
  const std::vector<int64_t> zps = rounded_zero_points(zero_point, qmin_, qmax_);
  if (is_channelwise()) {
    return fake_quantize_per_channel_affine_cachemask(input, scale, from_vector(zps), ch_axis_, qmin_, qmax_);
  }
  return fake_quantize_per_tensor_affine_cachemask(input, scale.item<float>(), zps[0], qmin_, qmax_);
}

FakeQuantizeGrads LearnableFakeQuantize::backward(const Tensor& grad_output, const Tensor& input) const {
  if (!is_fake_quant_enabled()) {
    OCTET_CHECK(grad_output.defined() && input.defined() && grad_output.shape() == input.shape(), name(),
                "backward needs grad_output and input of one shape");
    return {grad_output.contiguous().clone(), zeros(scale.shape(), kFloat32), zeros(zero_point.shape(), kFloat32)};
  }
  const double gf = grad_factor(input.numel());
  if (is_channelwise()) {
    return fake_quantize_learnable_per_channel_affine_backward(grad_output, input, scale, zero_point, ch_axis_, qmin_,
                                                               qmax_, gf);
  }
  return fake_quantize_learnable_per_tensor_affine_backward(grad_output, input, scale, zero_point, qmin_, qmax_, gf);
}

QParamsTensors LearnableFakeQuantize::calculate_qparams() const {
  const float floor = eps.item<float>();
  Tensor s = scale.contiguous().clone();
  for (int64_t i = 0; i < s.numel(); ++i) s.data_ptr<float>()[i] = std::fmax(s.data_ptr<float>()[i], floor);
  Tensor z = from_vector(rounded_zero_points(zero_point, qmin_, qmax_));
  if (!is_channelwise()) return {s.reshape({}), z.reshape({})};
  return {s, z};
}

QuantizerPtr LearnableFakeQuantize::quantizer() const {
  const QParamsTensors q = calculate_qparams();
  if (!is_channelwise()) return Quantizer::per_tensor(dtype(), q.scale.item<float>(), q.zero_point.item<int64_t>(), qscheme());
  OCTET_CHECK(ch_axis_ >= 0, "quantizer", name(), ": a negative ch_axis (", ch_axis_,
              ") needs the rank of the tensor to quantize; construct the observer with ch_axis >= 0");
  std::vector<double> scales(static_cast<size_t>(q.scale.numel()));
  for (int64_t i = 0; i < q.scale.numel(); ++i) scales[static_cast<size_t>(i)] = q.scale.data_ptr<float>()[i];
  std::vector<int64_t> zps(q.zero_point.data_ptr<int64_t>(), q.zero_point.data_ptr<int64_t>() + q.zero_point.numel());
  return Quantizer::per_channel(dtype(), std::move(scales), std::move(zps), ch_axis_, qscheme());
}

}  // namespace octet::quantization
