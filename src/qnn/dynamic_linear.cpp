// dynamic_linear.cpp: nn::quantized::dynamic::Linear (qint8 or float16 weights), its state dict and from_float.
#include "octet/nn/quantized/dynamic/linear.h"

#include "octet/quantize.h"
#include "qnn/dynamic_util.h"
#include "qnn/qnn_util.h"

namespace octet::nn::quantized::dynamic {

namespace qops = ::octet::quantized;

Linear::Linear(int64_t in_features, int64_t out_features, LinearOptions options)
    : in_features_(in_features), out_features_(out_features), has_bias_(options.bias), dtype_(options.dtype) {
  OCTET_CHECK(in_features >= 0 && out_features >= 0, name(), "in_features and out_features must be >= 0, got ",
              in_features, " and ", out_features);
  OCTET_CHECK(dtype_ == kQInt8 || dtype_ == kFloat16, name(),
              "the only supported dtypes for dynamic quantized linear are qint8 and float16, got ", dtype_);
  const Tensor w = dtype_ == kQInt8 ? make_per_tensor_quantized_tensor(zeros({out_features, in_features}, kInt8), 1.0, 0)
                                    : zeros({out_features, in_features});
  set_weight_bias(w, options.bias ? zeros({out_features}) : Tensor());
}

Tensor Linear::forward(const Tensor& input) {
  detail::check_dynamic_input(input, error_name());
  OCTET_CHECK(input.dim() >= 1 && input.size(-1) == in_features_, name(), "expected an input of shape (*, ",
              in_features_, ") (in_features=", in_features_, "), got shape ", shape_to_string(input.shape()));
  const Tensor y = packed_.apply(input, detail::dynamic_reduce_range());
  return input.dtype() == kFloat32 ? y : y.to(input.dtype());  // PyTorch's Y.to(x.dtype)
}

std::string Linear::extra_repr() const {
  std::string out = "in_features=";
  out.append(std::to_string(in_features_)).append(", out_features=").append(std::to_string(out_features_));
  out.append(", dtype=").append(detail::torch_dtype(dtype_));
  if (dtype_ == kQInt8) {
    out.append(", qscheme=torch.").append(qscheme_name(packed_.int8()->weight_quantizer()->qscheme()));
  }
  return out;
}

Tensor Linear::weight() const { return packed_.weight(); }
Tensor Linear::bias() const { return packed_.bias(); }

void Linear::set_weight_bias(const Tensor& w, const Tensor& b) {
  const std::string why = detail::check_dynamic_weight(w, {out_features_, in_features_}, dtype_);
  OCTET_CHECK(why.empty(), name(), "set_weight_bias: weight: ", why);
  OCTET_CHECK(b.defined() == has_bias_, name(), "set_weight_bias: the module was built ",
              has_bias_ ? "with a bias; pass one" : "without a bias (bias=False); pass an undefined bias");
  if (b.defined()) {
    const std::string bwhy = detail::check_float_tensor(b, {out_features_});
    OCTET_CHECK(bwhy.empty(), name(), "set_weight_bias: bias: ", bwhy);
  }
  const std::string where = name();
  packed_ = qops::DynamicLinearWeight::prepack(w, b.defined() ? b.to(kFloat32) : b, dtype_, where.c_str());
}

void Linear::save_to_state_dict(StateDict& destination, const std::string& prefix) const {
  destination.insert(prefix + "weight", packed_.weight());
  if (has_bias_) destination.insert(prefix + "bias", packed_.bias());
  Module::save_to_state_dict(destination, prefix);
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
  std::string why = detail::check_dynamic_weight(*w, {out_features_, in_features_}, dtype_);
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
  qops::DynamicLinearWeight packed;
  try {
    const std::string where = name();
    packed = qops::DynamicLinearWeight::prepack(*w, b != nullptr ? b->to(kFloat32) : Tensor(), dtype_, where.c_str());
  } catch (const Error& e) {
    load.error_msgs.push_back(detail::load_error(wkey, e.what()));
    return;
  }
  load.copies.push_back([this, packed]() { packed_ = packed; });
}

std::shared_ptr<Linear> Linear::from_float(const nn::Linear& mod, const FromFloatArgs& args) {
  const std::string module = "DynamicQuantizedLinear";
  const DType dtype = detail::dynamic_weight_dtype(args, module);
  auto q = std::make_shared<Linear>(mod.in_features(), mod.out_features(), LinearOptions{mod.bias.defined(), dtype});
  q->set_weight_bias(detail::dynamic_weight(mod.weight, dtype, args, module), detail::clone_or_undefined(mod.bias));
  return q;
}

}  // namespace octet::nn::quantized::dynamic
