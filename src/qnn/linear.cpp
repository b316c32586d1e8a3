// linear.cpp: nn::quantized::Linear on prepacked weights, its state dict and from_float.
#include "octet/nn/quantized/linear.h"

#include "nn/layer_util.h"
#include "octet/nn/intrinsic/fused.h"
#include "octet/nn/intrinsic/fusion.h"
#include "octet/quantization/qconfig.h"
#include "octet/quantize.h"
#include "qnn/qnn_util.h"

namespace octet::nn::quantized {

namespace qops = ::octet::quantized;

Linear::Linear(int64_t in_features, int64_t out_features, LinearOptions options)
    : in_features_(in_features), out_features_(out_features), has_bias_(options.bias) {
  OCTET_CHECK(in_features >= 0 && out_features >= 0, "QuantizedLinear",
              "in_features and out_features must be >= 0, got ", in_features, " and ", out_features);
  register_output_qparams(1.0, 0);
  set_weight_bias(make_per_tensor_quantized_tensor(zeros({out_features, in_features}, kInt8), 1.0, 0),
                  options.bias ? zeros({out_features}) : Tensor());
}

Tensor Linear::forward(const Tensor& input) {
  detail::check_quantized_input(input, error_name());
  OCTET_CHECK(input.dim() >= 1 && input.size(-1) == in_features_, name(), "expected an input of shape (*, ",
              in_features_, ") (in_features=", in_features_, "), got shape ", shape_to_string(input.shape()));
  return qops::linear(input, packed_, scale(), zero_point());
}

std::string Linear::extra_repr() const {
  std::string out = "in_features=";
  out.append(std::to_string(in_features_)).append(", out_features=").append(std::to_string(out_features_));
  out.append(", scale=").append(layer_util::py_float(scale()));
  out.append(", zero_point=").append(std::to_string(zero_point()));
  out.append(", qscheme=torch.").append(qscheme_name(packed_->weight_quantizer()->qscheme()));
  return out;
}

Tensor Linear::weight() const { return packed_->unpack().first; }
Tensor Linear::bias() const { return packed_->unpack().second; }

void Linear::set_weight_bias(const Tensor& w, const Tensor& b) {
  const std::string why = detail::check_quantized_weight(w, {out_features_, in_features_}, kQInt8, 0);
  OCTET_CHECK(why.empty(), name(), "set_weight_bias: weight: ", why);
  OCTET_CHECK(b.defined() == has_bias_, name(), "set_weight_bias: the module was built ",
              has_bias_ ? "with a bias; pass one" : "without a bias (bias=False); pass an undefined bias");
  if (b.defined()) {
    const std::string bwhy = detail::check_float_tensor(b, {out_features_});
    OCTET_CHECK(bwhy.empty(), name(), "set_weight_bias: bias: ", bwhy);
  }
  packed_ = qops::linear_prepack(w, b.defined() ? b.to(kFloat32) : b);
}

void Linear::save_to_state_dict(StateDict& destination, const std::string& prefix) const {
  auto [w, b] = packed_->unpack();
  destination.insert(prefix + "weight", w);
  if (b.defined()) destination.insert(prefix + "bias", b);
  Module::save_to_state_dict(destination, prefix);  // scale, zero_point
}

void Linear::load_from_state_dict(StateDictLoad& load, const std::string& prefix) {
  Module::load_from_state_dict(load, prefix);
  const std::string wkey = prefix + "weight", bkey = prefix + "bias";
  detail::erase_unexpected(load, wkey);
  detail::erase_unexpected(load, bkey);
  const Tensor* w = detail::find_required(load, wkey);
  const Tensor* b = has_bias_ ? detail::find_required(load, bkey) : nullptr;
  if (!has_bias_ && load.state_dict.find(bkey) != nullptr) load.unexpected_keys.push_back(bkey);
  if (w == nullptr || (has_bias_ && b == nullptr)) return;
  std::string why = detail::check_quantized_weight(*w, {out_features_, in_features_}, kQInt8, 0);
  if (!why.empty()) {
    load.error_msgs.push_back(detail::load_error(wkey, why));
    return;
  }
  if (b != nullptr && !(why = detail::check_float_tensor(*b, {out_features_})).empty()) {
    load.error_msgs.push_back(detail::load_error(bkey, why));
    return;
  }
  // Packed now, so a weight the kernels cannot take fails before anything changes; swapped in with
  // the other copies once the whole tree validated.
  qops::LinearPackedParamsPtr packed;
  try {
    packed = qops::linear_prepack(*w, b != nullptr ? b->to(kFloat32) : Tensor());
  } catch (const Error& e) {
    load.error_msgs.push_back(detail::load_error(wkey, e.what()));
    return;
  }
  load.copies.push_back([this, packed]() { packed_ = packed; });
}

void Linear::quantize_from(Linear& q, const nn::Linear& mod, const FromFloatArgs& args) {
  const detail::ObservedQParams out = detail::output_qparams(args, q.name());
  const Tensor qw = detail::quantize_weight(mod.weight, args, {quantization::default_per_channel_weight_observer()},
                                            q.name());
  q.set_weight_bias(qw, detail::clone_or_undefined(mod.bias));
  q.set_scale(out.scale);
  q.set_zero_point(out.zero_point);
}

std::shared_ptr<Linear> Linear::from_float(const nn::Linear& mod, const FromFloatArgs& args) {
  auto q = std::make_shared<Linear>(mod.in_features(), mod.out_features(), LinearOptions{mod.bias.defined()});
  quantize_from(*q, mod, args);
  return q;
}

std::shared_ptr<Linear> Linear::from_float(const nn::intrinsic::LinearBn1d& mod, const FromFloatArgs& args) {
  const std::shared_ptr<nn::Linear> fused = nn::utils::fuse_linear_bn_eval(*mod.linear(), *mod.bn());
  return from_float(*fused, args);
}

}  // namespace octet::nn::quantized
