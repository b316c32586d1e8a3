// qnn_util.cpp: input checks, observer-driven qparams and weight quantization, and state-dict helpers for the quantized modules.
#include "qnn/qnn_util.h"

#include <algorithm>
#include <optional>
#include <sstream>

#include "octet/quantization/fake_quantize.h"
#include "octet/quantization/observer.h"
#include "octet/quantize.h"

namespace octet::nn::quantized::detail {

using quantization::ActivationPostProcess;

void check_quantized_input(const Tensor& input, const std::string& module, const char* what) {
  OCTET_CHECK(input.defined(), module, "the ", what, " is undefined");
  OCTET_CHECK(input.is_quantized(), module, "expected a quantized ", what, " (quint8 or qint8), got ", input.dtype(),
              ": a QuantStub (or nn::quantized::Quantize) is probably missing before this module");
  OCTET_CHECK(input.dtype() == kQUInt8 || input.dtype() == kQInt8, module, "expected a quint8 or qint8 ", what,
              ", got ", input.dtype());
  OCTET_CHECK(!is_per_channel(input.qscheme()), module, "expected a per-tensor quantized ", what, ", got ",
              input.qscheme());
}

void check_float_input(const Tensor& input, const std::string& module, const char* what) {
  OCTET_CHECK(input.defined(), module, "the ", what, " is undefined");
  OCTET_CHECK(!input.is_quantized(), module, "expected a float ", what, ", got ", input.dtype(),
              ": a DeQuantStub (or nn::quantized::DeQuantize) is probably missing before this module");
  OCTET_CHECK(input.dtype() == kFloat32, module, "expected a float32 ", what, ", got ", input.dtype());
}

ObservedQParams output_qparams(const FromFloatArgs& args, const std::string& module) {
  const std::string where = module + ".from_float";
  OCTET_CHECK(args.output_observer != nullptr, where,
              "no output observer (FromFloatArgs::output_observer is null): a static quantized module takes its "
              "output scale and zero point from the observer that watched its output during calibration");
  const ActivationPostProcess& obs = *args.output_observer;
  OCTET_CHECK(obs.dtype() == kQUInt8 || obs.dtype() == kQInt8, where,
              "the output observer (", obs.name(), ") targets ", obs.dtype(),
              "; a static quantized module needs a quint8 or qint8 output (a float or dynamic observer belongs to "
              "dynamic quantization)");
  OCTET_CHECK(!is_per_channel(obs.qscheme()), where, "the output observer (", obs.name(), ") is ", obs.qscheme(),
              "; activations are quantized per tensor");
  QuantizerPtr q;
  try {
    q = obs.quantizer();
  } catch (const Error& e) {
    OCTET_FAIL(where, "the output observer cannot give qparams (was the model calibrated?): ", e.what());
  }
  return {q->scale(), q->zero_point(), q->dtype()};
}

namespace {

// The observer's quant range when it is narrower than its dtype's (PyTorch's _needs_weight_clamping).
std::optional<QRange> narrow_range(const ActivationPostProcess& obs) {
  std::optional<QRange> r;
  if (const auto* o = dynamic_cast<const quantization::ObserverBase*>(&obs)) {
    r = o->qrange();
  } else if (const auto* f = dynamic_cast<const quantization::FakeQuantize*>(&obs)) {
    r = QRange{f->quant_min(), f->quant_max()};
  } else if (const auto* l = dynamic_cast<const quantization::LearnableFakeQuantize*>(&obs)) {
    r = QRange{l->quant_min(), l->quant_max()};
  }
  if (!r) return r;
  const QRange full = calculate_qmin_qmax(obs.dtype());
  if (r->qmin <= full.qmin && r->qmax >= full.qmax) return std::nullopt;
  return r;
}

// The integers of q clamped to [lo, hi], with q's quantizer.
Tensor clamp_integers(const Tensor& q, const QRange& r) {
  Tensor ints = q.int_repr().contiguous();
  const int64_t n = ints.numel();
  if (q.dtype() == kQInt8) {
    auto* p = ints.data_ptr<int8_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<int8_t>(std::clamp<int64_t>(p[i], r.qmin, r.qmax));
  } else if (q.dtype() == kQUInt8) {
    auto* p = ints.data_ptr<uint8_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(std::clamp<int64_t>(p[i], r.qmin, r.qmax));
  } else {
    auto* p = ints.data_ptr<int32_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<int32_t>(std::clamp<int64_t>(p[i], r.qmin, r.qmax));
  }
  const QuantizerPtr& qz = q.quantizer();
  if (!qz->per_channel()) return make_per_tensor_quantized_tensor(ints, qz->scale(), qz->zero_point());
  return make_per_channel_quantized_tensor(ints, from_vector(qz->scales()), from_vector(qz->zero_points()),
                                           qz->axis());
}

}  // namespace

Tensor quantize_weight(const Tensor& weight, const FromFloatArgs& args, const WeightQuantization& how,
                       const std::string& module) {
  const std::string where = module + ".from_float";
  OCTET_CHECK(weight.defined() && weight.dtype() == kFloat32, where, "expected a float32 weight, got ",
              weight.defined() ? dtype_name(weight.dtype()) : "an undefined tensor");
  const quantization::ActivationPostProcessFactory& factory = args.weight_observer ? args.weight_observer : how.fallback;
  std::shared_ptr<ActivationPostProcess> obs = factory();
  OCTET_CHECK(obs != nullptr, where, "the weight observer factory returned null");
  OCTET_CHECK(obs->dtype() == how.dtype, where, "the weight observer (", obs->name(), ") must have dtype ", how.dtype,
              ", got ", obs->dtype());
  // The output channel first, so a per-channel observer along axis 0 sees output channels.
  const Tensor observed = how.channel_axis == 0 ? weight : weight.transpose(0, how.channel_axis);
  obs->forward(observed);
  QuantizerPtr q;
  try {
    q = obs->quantizer();
  } catch (const Error& e) {
    OCTET_FAIL(where, "the weight observer cannot give qparams: ", e.what());
  }
  Tensor qw;
  if (!q->per_channel()) {
    qw = quantize_per_tensor(weight, q->scale(), q->zero_point(), q->dtype());
  } else {
    OCTET_CHECK(q->qscheme() != kPerChannelAffineFloatQParams, where, "the weight observer (", obs->name(),
                ") uses float zero points (per_channel_affine_float_qparams), which ", module, " does not take");
    OCTET_CHECK(q->axis() == 0, where, "the per-channel weight observer (", obs->name(), ") observes axis ", q->axis(),
                "; ", module, " quantizes its weight per output channel (ch_axis 0)");
    qw = quantize_per_channel(weight, q->scales(), q->zero_points(), how.channel_axis, q->dtype());
  }
  if (const std::optional<QRange> r = narrow_range(*obs)) qw = clamp_integers(qw, *r);
  return qw;
}

nn::ConvOptions conv_options_of(const nn::detail::ConvNd& conv) {
  nn::ConvOptions o;
  o.stride = conv.stride();
  o.padding = conv.padding();
  o.padding_str = conv.padding_str();
  o.dilation = conv.dilation();
  o.groups = conv.groups();
  o.bias = conv.bias.defined();
  o.padding_mode = conv.padding_mode();
  return o;
}

nn::ConvTransposeOptions conv_transpose_options_of(const nn::detail::ConvNd& conv) {
  nn::ConvTransposeOptions o;
  o.stride = conv.stride();
  o.padding = conv.padding();
  o.output_padding = conv.output_padding();
  o.groups = conv.groups();
  o.bias = conv.bias.defined();
  o.dilation = conv.dilation();
  o.padding_mode = conv.padding_mode();
  return o;
}

Tensor clone_or_undefined(const Tensor& t) { return t.defined() ? t.clone() : Tensor(); }

void erase_unexpected(StateDictLoad& load, const std::string& key) {
  auto& u = load.unexpected_keys;
  u.erase(std::remove(u.begin(), u.end(), key), u.end());
}

const Tensor* find_required(StateDictLoad& load, const std::string& key) {
  const Tensor* t = load.state_dict.find(key);
  if (t == nullptr) load.missing_keys.push_back(key);
  return t;
}

std::string check_quantized_weight(const Tensor& w, const Shape& shape, DType dtype, int64_t axis) {
  std::ostringstream why;
  if (!w.defined() || !w.is_quantized() || w.dtype() != dtype) {
    why << "expected a " << dtype << " tensor (the quantized weight with its qparams), got "
        << (w.defined() ? dtype_name(w.dtype()) : "an undefined tensor");
  } else if (w.shape() != shape) {
    why << "size mismatch: the checkpoint has shape " << shape_to_string(w.shape()) << ", the module expects "
        << shape_to_string(shape);
  } else if (w.qscheme() == kPerChannelAffineFloatQParams) {
    why << "float zero points (per_channel_affine_float_qparams) are not supported here";
  } else if (is_per_channel(w.qscheme()) && w.q_per_channel_axis() != axis) {
    why << "per-channel weights must be quantized along axis " << axis << ", got axis " << w.q_per_channel_axis();
  }
  return why.str();
}

std::string check_float_tensor(const Tensor& t, const Shape& shape) {
  std::ostringstream why;
  if (!t.defined() || !t.is_floating_point()) {
    why << "expected a float tensor, got " << (t.defined() ? dtype_name(t.dtype()) : "an undefined tensor");
  } else if (t.shape() != shape) {
    why << "size mismatch: the checkpoint has shape " << shape_to_string(t.shape()) << ", the module expects "
        << shape_to_string(shape);
  }
  return why.str();
}

std::string load_error(const std::string& key, const std::string& why) {
  std::string out = "While copying the parameter named \"";
  out.append(key).append("\", an exception occurred: ").append(why);
  return out;
}

}  // namespace octet::nn::quantized::detail
