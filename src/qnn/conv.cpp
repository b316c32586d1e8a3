// conv.cpp: nn::quantized's convolution base (QConvNd): geometry, packing, padding, printing and the state dict.
#include "octet/nn/quantized/conv.h"

#include <algorithm>

#include "nn/layer_util.h"
#include "octet/functional/resize.h"
#include "octet/quantize.h"
#include "qnn/qnn_util.h"

namespace octet::nn::quantized::detail {

namespace qops = ::octet::quantized;
using layer_util::expand_param;
using layer_util::py_tuple;

namespace {

bool all_of(const Shape& s, int64_t v) {
  return std::all_of(s.begin(), s.end(), [v](int64_t x) { return x == v; });
}

// The stored integers of a per-tensor quantized x padded by F::pad (in F::pad's order): the values
// move exactly (an 8-bit integer is exact in float32); "zeros" pads with the zero point, i.e. the
// real value 0.
Tensor pad_quantized(const Tensor& x, const Shape& pad, const std::string& mode) {
  const Tensor ints = x.int_repr().to(kFloat32);
  const Tensor padded = mode == "zeros" ? functional::pad(ints, pad, "constant", static_cast<double>(x.q_zero_point()))
                                        : functional::pad(ints, pad, mode);
  return make_per_tensor_quantized_tensor(padded.to(x.dtype() == kQInt8 ? kInt8 : kUInt8), x.q_scale(),
                                          x.q_zero_point());
}

}  // namespace

QConvNd::QConvNd(const char* module, int spatial_dims, bool transposed, int64_t in_channels, int64_t out_channels,
                 const Shape& kernel_size, const Shape& stride, const Shape& padding, const std::string& padding_str,
                 const Shape& dilation, const Shape& output_padding, int64_t groups, bool bias,
                 const std::string& padding_mode)
    : spatial_dims_(spatial_dims),
      transposed_(transposed),
      in_channels_(in_channels),
      out_channels_(out_channels),
      kernel_size_(expand_param(kernel_size, static_cast<std::size_t>(spatial_dims), module, "kernel_size")),
      stride_(expand_param(stride, static_cast<std::size_t>(spatial_dims), module, "stride")),
      padding_(expand_param(padding, static_cast<std::size_t>(spatial_dims), module, "padding")),
      dilation_(expand_param(dilation, static_cast<std::size_t>(spatial_dims), module, "dilation")),
      output_padding_(expand_param(output_padding, static_cast<std::size_t>(spatial_dims), module, "output_padding")),
      groups_(groups),
      has_bias_(bias),
      padding_mode_(padding_mode) {
  const std::string where = module;
  OCTET_CHECK(in_channels > 0 && out_channels > 0, where, "in_channels and out_channels must be > 0, got ",
              in_channels, " and ", out_channels);
  OCTET_CHECK(groups > 0, where, "groups must be a positive integer, got ", groups);
  OCTET_CHECK(in_channels % groups == 0, where, "in_channels must be divisible by groups, got in_channels=",
              in_channels, " and groups=", groups);
  OCTET_CHECK(out_channels % groups == 0, where, "out_channels must be divisible by groups, got out_channels=",
              out_channels, " and groups=", groups);
  auto all = [](const Shape& s, auto pred) { return std::all_of(s.begin(), s.end(), pred); };
  OCTET_CHECK(all(kernel_size_, [](int64_t v) { return v > 0; }), where, "kernel_size must be > 0, got ",
              py_tuple(kernel_size_));
  OCTET_CHECK(all(stride_, [](int64_t v) { return v > 0; }), where, "stride must be > 0, got ", py_tuple(stride_));
  OCTET_CHECK(all(dilation_, [](int64_t v) { return v > 0; }), where, "dilation must be > 0, got ",
              py_tuple(dilation_));
  OCTET_CHECK(all(padding_, [](int64_t v) { return v >= 0; }), where, "padding must be >= 0, got ",
              py_tuple(padding_));
  OCTET_CHECK(all(output_padding_, [](int64_t v) { return v >= 0; }), where, "output_padding must be >= 0, got ",
              py_tuple(output_padding_));
  OCTET_CHECK(padding_mode == "zeros" || padding_mode == "reflect" || padding_mode == "replicate" ||
                  padding_mode == "circular",
              where, "padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', got '", padding_mode,
              "'");
  OCTET_CHECK(!transposed || padding_mode == "zeros", where, "only 'zeros' padding mode is supported for ", module,
              ", got '", padding_mode, "'");
  OCTET_CHECK(padding_str.empty() || padding_str == "same" || padding_str == "valid", where,
              "invalid padding string '", padding_str,
              "', should be one of 'same', 'valid' (or empty for explicit padding)");
  OCTET_CHECK(padding_str != "same" || all_of(stride_, 1), where,
              "padding='same' is not supported for strided convolutions, got stride=", py_tuple(stride_));

  // Left and right padding per dim; "same" puts an odd element on the right, like the float modules.
  const auto s = static_cast<std::size_t>(spatial_dims);
  Shape left(s), right(s);
  for (std::size_t d = 0; d < s; ++d) {
    if (padding_str == "same") {
      const int64_t total = dilation_[d] * (kernel_size_[d] - 1);
      left[d] = total / 2;
      right[d] = total - total / 2;
    } else if (padding_str == "valid") {
      left[d] = right[d] = 0;
    } else {
      left[d] = right[d] = padding_[d];
    }
  }
  padding_ = left;
  if (padding_mode != "zeros" || left != right) {
    // Padded before the conv (F::pad's order: last dim first), the kernel itself pads nothing.
    pre_pad_.assign(2 * s, 0);
    for (std::size_t d = 0; d < s; ++d) {
      pre_pad_[2 * (s - 1 - d)] = left[d];
      pre_pad_[2 * (s - 1 - d) + 1] = right[d];
    }
  }
  register_output_qparams(1.0, 0);
  set_weight_bias(make_per_tensor_quantized_tensor(zeros(weight_shape(), kInt8), 1.0, 0),
                  bias ? zeros({out_channels}) : Tensor());
}

Shape QConvNd::weight_shape() const {
  Shape shape = transposed_ ? Shape{in_channels_, out_channels_ / groups_} : Shape{out_channels_, in_channels_ / groups_};
  shape.insert(shape.end(), kernel_size_.begin(), kernel_size_.end());
  return shape;
}

std::string QConvNd::extra_repr() const {
  std::string s = std::to_string(in_channels_);
  s.append(", ").append(std::to_string(out_channels_)).append(", kernel_size=").append(py_tuple(kernel_size_));
  s.append(", stride=").append(py_tuple(stride_)).append(", scale=").append(layer_util::py_float(scale()));
  s.append(", zero_point=").append(std::to_string(zero_point()));
  const auto n = static_cast<std::size_t>(spatial_dims_);
  if (!pre_pad_.empty() && padding_mode_ == "zeros") {
    s.append(", padding=same");  // asymmetric: only "same" gets here
  } else if (!all_of(padding_, 0)) {
    s.append(", padding=").append(py_tuple(padding_));
  }
  if (!all_of(dilation_, 1)) s.append(", dilation=").append(py_tuple(dilation_));
  if (output_padding_ != Shape(n, 0)) s.append(", output_padding=").append(py_tuple(output_padding_));
  if (groups_ != 1) s.append(", groups=").append(std::to_string(groups_));
  if (!has_bias_) s.append(", bias=False");
  return s;
}

Tensor QConvNd::weight() const { return packed_->unpack().first; }
Tensor QConvNd::bias() const { return packed_->unpack().second; }

qops::ConvPackedParamsPtr QConvNd::prepack(const Tensor& w, const Tensor& b) const {
  // The kernel pads only in zeros mode with symmetric padding; otherwise the input is padded first.
  const Shape pad = pre_pad_.empty() ? padding_ : Shape(static_cast<std::size_t>(spatial_dims_), 0);
  const Tensor bias = b.defined() ? b.to(kFloat32) : b;
  if (transposed_) {
    switch (spatial_dims_) {
      case 1: return qops::conv_transpose1d_prepack(w, bias, stride_, pad, output_padding_, dilation_, groups_);
      case 2: return qops::conv_transpose2d_prepack(w, bias, stride_, pad, output_padding_, dilation_, groups_);
      default: return qops::conv_transpose3d_prepack(w, bias, stride_, pad, output_padding_, dilation_, groups_);
    }
  }
  switch (spatial_dims_) {
    case 1: return qops::conv1d_prepack(w, bias, stride_, pad, dilation_, groups_);
    case 2: return qops::conv2d_prepack(w, bias, stride_, pad, dilation_, groups_);
    default: return qops::conv3d_prepack(w, bias, stride_, pad, dilation_, groups_);
  }
}

void QConvNd::set_weight_bias(const Tensor& w, const Tensor& b) {
  const std::string why = check_quantized_weight(w, weight_shape(), kQInt8, transposed_ ? 1 : 0);
  OCTET_CHECK(why.empty(), name(), "set_weight_bias: weight: ", why);
  OCTET_CHECK(b.defined() == has_bias_, name(), "set_weight_bias: the module was built ",
              has_bias_ ? "with a bias; pass one" : "without a bias (bias=False); pass an undefined bias");
  if (b.defined()) {
    const std::string bwhy = check_float_tensor(b, {out_channels_});
    OCTET_CHECK(bwhy.empty(), name(), "set_weight_bias: bias: ", bwhy);
  }
  packed_ = prepack(w, b);
}

Tensor QConvNd::prepare_input(const Tensor& input) const {
  const std::string where = error_name();
  check_quantized_input(input, where);
  const int64_t s = spatial_dims_;
  OCTET_CHECK(input.dim() == s + 1 || input.dim() == s + 2, where, "expected a ", s + 2, "-D (batched) or ", s + 1,
              "-D (unbatched) input, got shape ", shape_to_string(input.shape()));
  const int64_t channel_dim = input.dim() - s - 1;
  OCTET_CHECK(input.size(channel_dim) == in_channels_, where, "expected an input with ", in_channels_,
              " channels (in_channels) at dim ", channel_dim, ", got shape ", shape_to_string(input.shape()));
  if (pre_pad_.empty()) return input;
  return pad_quantized(input, pre_pad_, padding_mode_);
}

void QConvNd::quantize_from(const nn::detail::ConvNd& mod, const FromFloatArgs& args,
                            const quantization::ActivationPostProcessFactory& fallback_observer) {
  const ObservedQParams out = output_qparams(args, name());
  const Tensor qw = quantize_weight(mod.weight, args, {fallback_observer, kQInt8, transposed_ ? 1 : 0}, name());
  set_weight_bias(qw, clone_or_undefined(mod.bias));
  set_scale(out.scale);
  set_zero_point(out.zero_point);
}

void QConvNd::save_to_state_dict(StateDict& destination, const std::string& prefix) const {
  auto [w, b] = packed_->unpack();
  destination.insert(prefix + "weight", w);
  if (b.defined()) destination.insert(prefix + "bias", b);
  Module::save_to_state_dict(destination, prefix);  // scale, zero_point
}

void QConvNd::load_from_state_dict(StateDictLoad& load, const std::string& prefix) {
  Module::load_from_state_dict(load, prefix);
  const std::string wkey = prefix + "weight", bkey = prefix + "bias";
  erase_unexpected(load, wkey);
  erase_unexpected(load, bkey);
  const Tensor* w = find_required(load, wkey);
  const Tensor* b = has_bias_ ? find_required(load, bkey) : nullptr;
  if (!has_bias_ && load.state_dict.find(bkey) != nullptr) load.unexpected_keys.push_back(bkey);
  if (w == nullptr || (has_bias_ && b == nullptr)) return;
  std::string why = check_quantized_weight(*w, weight_shape(), kQInt8, transposed_ ? 1 : 0);
  if (!why.empty()) {
    load.error_msgs.push_back(load_error(wkey, why));
    return;
  }
  if (b != nullptr && !(why = check_float_tensor(*b, {out_channels_})).empty()) {
    load.error_msgs.push_back(load_error(bkey, why));
    return;
  }
  qops::ConvPackedParamsPtr packed;
  try {
    packed = prepack(*w, b != nullptr ? *b : Tensor());
  } catch (const Error& e) {
    load.error_msgs.push_back(load_error(wkey, e.what()));
    return;
  }
  load.copies.push_back([this, packed]() { packed_ = packed; });
}

}  // namespace octet::nn::quantized::detail
