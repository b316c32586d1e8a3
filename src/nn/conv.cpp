// conv.cpp: Conv1d/2d/3d and ConvTranspose1d/2d/3d.
#include "octet/nn/conv.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "nn/layer_util.h"
#include "octet/functional/conv.h"
#include "octet/functional/resize.h"
#include "octet/nn/init.h"

namespace octet::nn {

namespace F = octet::functional;
using layer_util::expand_param;
using layer_util::py_tuple;

namespace detail {

ConvNd::ConvNd(const char* module, std::size_t spatial_dims, bool transposed, int64_t in_channels,
               int64_t out_channels, const Shape& kernel_size, const Shape& stride, const Shape& padding,
               std::string padding_str, const Shape& dilation, const Shape& output_padding, int64_t groups, bool bias,
               std::string padding_mode)
    : spatial_dims_(spatial_dims),
      transposed_(transposed),
      in_channels_(in_channels),
      out_channels_(out_channels),
      kernel_size_(expand_param(kernel_size, spatial_dims, module, "kernel_size")),
      stride_(expand_param(stride, spatial_dims, module, "stride")),
      padding_(expand_param(padding, spatial_dims, module, "padding")),
      padding_str_(std::move(padding_str)),
      dilation_(expand_param(dilation, spatial_dims, module, "dilation")),
      output_padding_(expand_param(output_padding, spatial_dims, module, "output_padding")),
      groups_(groups),
      padding_mode_(std::move(padding_mode)) {
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
  OCTET_CHECK(padding_str_.empty() || padding_str_ == "same" || padding_str_ == "valid", where,
              "invalid padding string '", padding_str_, "', should be one of 'same', 'valid' (or empty for explicit padding)");
  OCTET_CHECK(padding_str_ != "same" || all(stride_, [](int64_t v) { return v == 1; }), where,
              "padding='same' is not supported for strided convolutions, got stride=", py_tuple(stride_));
  OCTET_CHECK(padding_mode_ == "zeros" || padding_mode_ == "reflect" || padding_mode_ == "replicate" ||
                  padding_mode_ == "circular",
              where, "padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular', got '", padding_mode_,
              "'");
  OCTET_CHECK(!transposed || padding_mode_ == "zeros", where, "only 'zeros' padding mode is supported for ", module,
              ", got '", padding_mode_, "'");
  if (!padding_str_.empty()) padding_ = Shape(spatial_dims, 0);

  // F::pad's order: last dim first, (left, right) per dim. "same" puts the odd element on the right.
  reversed_padding_repeated_twice_.assign(2 * spatial_dims, 0);
  for (std::size_t d = 0; d < spatial_dims; ++d) {
    const std::size_t slot = 2 * (spatial_dims - 1 - d);
    if (padding_str_ == "same") {
      const int64_t total = dilation_[d] * (kernel_size_[d] - 1);
      reversed_padding_repeated_twice_[slot] = total / 2;
      reversed_padding_repeated_twice_[slot + 1] = total - total / 2;
    } else {
      reversed_padding_repeated_twice_[slot] = padding_[d];
      reversed_padding_repeated_twice_[slot + 1] = padding_[d];
    }
  }

  Shape weight_shape = transposed ? Shape{in_channels, out_channels / groups} : Shape{out_channels, in_channels / groups};
  weight_shape.insert(weight_shape.end(), kernel_size_.begin(), kernel_size_.end());
  register_parameter("weight", &ConvNd::weight, empty(weight_shape));
  register_parameter("bias", &ConvNd::bias, bias ? empty({out_channels}) : Tensor());
  reset_parameters();
}

void ConvNd::reset_parameters(Generator* generator) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), "fan_in", "leaky_relu", generator);
  if (bias.defined()) {
    const int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    if (fan_in != 0) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
      init::uniform_(bias, -bound, bound, generator);
    }
  }
}

void ConvNd::check_input(const Tensor& input) const {
  const auto s = static_cast<int64_t>(spatial_dims_);
  const std::string where = name();
  layer_util::check_float_input(input, where, {s + 1, s + 2});
  const int64_t channel_dim = input.dim() - s - 1;
  OCTET_CHECK(input.size(channel_dim) == in_channels_, where, "expected an input with ", in_channels_,
              " channels (in_channels) at dim ", channel_dim, ", got shape ", shape_to_string(input.shape()));
}

Tensor ConvNd::pad_input(const Tensor& input) const {
  return F::pad(input, reversed_padding_repeated_twice_, padding_mode_);
}

Shape ConvNd::output_padding_for(const Tensor& input, const Shape& output_size) const {
  const std::size_t s = spatial_dims_;
  const std::size_t non_spatial = input.dim() == static_cast<int64_t>(s) + 2 ? 2 : 1;
  Shape size = output_size;
  if (size.size() == non_spatial + s) size.erase(size.begin(), size.begin() + static_cast<std::ptrdiff_t>(non_spatial));
  OCTET_CHECK(size.size() == s, name(), "for a ", input.dim(), "-D input, output_size must have ", s, " or ",
              non_spatial + s, " elements, got ", py_tuple(output_size));
  Shape min_sizes(s), max_sizes(s), result(s);
  for (std::size_t d = 0; d < s; ++d) {
    min_sizes[d] = (input.size(static_cast<int64_t>(d + non_spatial)) - 1) * stride_[d] - 2 * padding_[d] +
                   dilation_[d] * (kernel_size_[d] - 1) + 1;
    max_sizes[d] = min_sizes[d] + stride_[d] - 1;
  }
  for (std::size_t d = 0; d < s; ++d) {
    OCTET_CHECK(size[d] >= min_sizes[d] && size[d] <= max_sizes[d], name(), "requested an output size of ",
                py_tuple(size), ", but valid sizes range from ", py_tuple(min_sizes), " to ", py_tuple(max_sizes),
                " (for an input of shape ", shape_to_string(input.shape()), ")");
    result[d] = size[d] - min_sizes[d];
  }
  return result;
}

std::string ConvNd::extra_repr() const {
  auto is_all = [](const Shape& s, int64_t v) { return std::all_of(s.begin(), s.end(), [v](int64_t x) { return x == v; }); };
  std::string s = std::to_string(in_channels_) + ", " + std::to_string(out_channels_) +
                  ", kernel_size=" + py_tuple(kernel_size_) + ", stride=" + py_tuple(stride_);
  if (!padding_str_.empty()) {
    s += ", padding=" + padding_str_;
  } else if (!is_all(padding_, 0)) {
    s += ", padding=" + py_tuple(padding_);
  }
  if (!is_all(dilation_, 1)) s += ", dilation=" + py_tuple(dilation_);
  if (!is_all(output_padding_, 0)) s += ", output_padding=" + py_tuple(output_padding_);
  if (groups_ != 1) s += ", groups=" + std::to_string(groups_);
  if (!bias.defined()) s += ", bias=False";
  if (padding_mode_ != "zeros") s += ", padding_mode=" + padding_mode_;
  return s;
}

}  // namespace detail

namespace {

// The padding argument for F::conv*d when padding_mode is "zeros".
F::ConvPadding padding_arg(const detail::ConvNd& m) {
  if (!m.padding_str().empty()) return F::ConvPadding(m.padding_str());
  return F::ConvPadding(m.padding());
}

}  // namespace

Conv1d::Conv1d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size, ConvOptions o)
    : Cloneable("Conv1d", 1, false, in_channels, out_channels, kernel_size, o.stride, o.padding,
                std::move(o.padding_str), o.dilation, {0}, o.groups, o.bias, std::move(o.padding_mode)) {}

Tensor Conv1d::forward(const Tensor& input) {
  check_input(input);
  if (padding_mode() != "zeros") return F::conv1d(pad_input(input), weight, bias, stride(), {0}, dilation(), groups());
  return F::conv1d(input, weight, bias, stride(), padding_arg(*this), dilation(), groups());
}

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size, ConvOptions o)
    : Cloneable("Conv2d", 2, false, in_channels, out_channels, kernel_size, o.stride, o.padding,
                std::move(o.padding_str), o.dilation, {0}, o.groups, o.bias, std::move(o.padding_mode)) {}

Tensor Conv2d::forward(const Tensor& input) {
  check_input(input);
  if (padding_mode() != "zeros") return F::conv2d(pad_input(input), weight, bias, stride(), {0}, dilation(), groups());
  return F::conv2d(input, weight, bias, stride(), padding_arg(*this), dilation(), groups());
}

Conv3d::Conv3d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size, ConvOptions o)
    : Cloneable("Conv3d", 3, false, in_channels, out_channels, kernel_size, o.stride, o.padding,
                std::move(o.padding_str), o.dilation, {0}, o.groups, o.bias, std::move(o.padding_mode)) {}

Tensor Conv3d::forward(const Tensor& input) {
  check_input(input);
  if (padding_mode() != "zeros") return F::conv3d(pad_input(input), weight, bias, stride(), {0}, dilation(), groups());
  return F::conv3d(input, weight, bias, stride(), padding_arg(*this), dilation(), groups());
}

ConvTranspose1d::ConvTranspose1d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size,
                                 ConvTransposeOptions o)
    : Cloneable("ConvTranspose1d", 1, true, in_channels, out_channels, kernel_size, o.stride, o.padding, "",
                o.dilation, o.output_padding, o.groups, o.bias, std::move(o.padding_mode)) {}

Tensor ConvTranspose1d::forward(const Tensor& input) {
  check_input(input);
  return F::conv_transpose1d(input, weight, bias, stride(), padding(), output_padding(), groups(), dilation());
}

Tensor ConvTranspose1d::forward(const Tensor& input, const Shape& output_size) {
  check_input(input);
  return F::conv_transpose1d(input, weight, bias, stride(), padding(), output_padding_for(input, output_size),
                             groups(), dilation());
}

ConvTranspose2d::ConvTranspose2d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size,
                                 ConvTransposeOptions o)
    : Cloneable("ConvTranspose2d", 2, true, in_channels, out_channels, kernel_size, o.stride, o.padding, "",
                o.dilation, o.output_padding, o.groups, o.bias, std::move(o.padding_mode)) {}

Tensor ConvTranspose2d::forward(const Tensor& input) {
  check_input(input);
  return F::conv_transpose2d(input, weight, bias, stride(), padding(), output_padding(), groups(), dilation());
}

Tensor ConvTranspose2d::forward(const Tensor& input, const Shape& output_size) {
  check_input(input);
  return F::conv_transpose2d(input, weight, bias, stride(), padding(), output_padding_for(input, output_size),
                             groups(), dilation());
}

ConvTranspose3d::ConvTranspose3d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size,
                                 ConvTransposeOptions o)
    : Cloneable("ConvTranspose3d", 3, true, in_channels, out_channels, kernel_size, o.stride, o.padding, "",
                o.dilation, o.output_padding, o.groups, o.bias, std::move(o.padding_mode)) {}

Tensor ConvTranspose3d::forward(const Tensor& input) {
  check_input(input);
  return F::conv_transpose3d(input, weight, bias, stride(), padding(), output_padding(), groups(), dilation());
}

Tensor ConvTranspose3d::forward(const Tensor& input, const Shape& output_size) {
  check_input(input);
  return F::conv_transpose3d(input, weight, bias, stride(), padding(), output_padding_for(input, output_size),
                             groups(), dilation());
}

}  // namespace octet::nn
