// pooling.cpp: MaxPool, AvgPool, AdaptiveAvgPool and AdaptiveMaxPool modules (1d/2d/3d).
//
// MaxPool, AvgPool and AdaptiveAvgPool accept quantized input, which runs the quantized op
// (PyTorch's dispatch by dtype); AdaptiveMaxPool has no quantized op and asks for a DeQuantStub.
#include "octet/nn/pooling.h"

#include <algorithm>
#include <utility>

#include "nn/layer_util.h"
#include "octet/functional/pooling.h"

namespace octet::nn {

namespace F = octet::functional;
using namespace layer_util;

namespace {

// An Error unless `values` has 1 or `dims` entries, each satisfying pred.
template <typename Pred>
void check_param(const Shape& values, int64_t dims, const std::string& module, const char* what, const char* rule,
                 Pred pred) {
  expand_param(values, static_cast<std::size_t>(dims), module, what);
  OCTET_CHECK(std::all_of(values.begin(), values.end(), pred), module, what, " must be ", rule, ", got ",
              py_int_or_tuple(values));
}

bool positive(int64_t v) { return v > 0; }
bool non_negative(int64_t v) { return v >= 0; }

void check_pool_input(const Tensor& input, const std::string& module, int64_t spatial_dims, bool allow_quantized) {
  if (allow_quantized) {
    check_float_or_quantized_input(input, module, {spatial_dims + 1, spatial_dims + 2});
  } else {
    check_float_input(input, module, {spatial_dims + 1, spatial_dims + 2});
  }
}

}  // namespace

namespace detail {

MaxPoolBase::MaxPoolBase(const char* module, int64_t spatial_dims, Shape kernel_size, MaxPoolOptions o)
    : spatial_dims_(spatial_dims),
      kernel_size_(std::move(kernel_size)),
      stride_(o.stride.empty() ? kernel_size_ : std::move(o.stride)),
      padding_(std::move(o.padding)),
      dilation_(std::move(o.dilation)),
      ceil_mode_(o.ceil_mode) {
  check_param(kernel_size_, spatial_dims, module, "kernel_size", "> 0", positive);
  check_param(stride_, spatial_dims, module, "stride", "> 0", positive);
  check_param(padding_, spatial_dims, module, "padding", ">= 0", non_negative);
  check_param(dilation_, spatial_dims, module, "dilation", "> 0", positive);
}

void MaxPoolBase::check_input(const Tensor& input) const {
  check_pool_input(input, name(), spatial_dims_, /*allow_quantized=*/true);
}

std::string MaxPoolBase::extra_repr() const {
  return "kernel_size=" + py_int_or_tuple(kernel_size_) + ", stride=" + py_int_or_tuple(stride_) +
         ", padding=" + py_int_or_tuple(padding_) + ", dilation=" + py_int_or_tuple(dilation_) +
         ", ceil_mode=" + py_bool(ceil_mode_);
}

AvgPoolBase::AvgPoolBase(const char* module, int64_t spatial_dims, Shape kernel_size, AvgPoolOptions o)
    : spatial_dims_(spatial_dims),
      kernel_size_(std::move(kernel_size)),
      stride_(o.stride.empty() ? kernel_size_ : std::move(o.stride)),
      padding_(std::move(o.padding)),
      ceil_mode_(o.ceil_mode),
      count_include_pad_(o.count_include_pad),
      divisor_override_(o.divisor_override) {
  check_param(kernel_size_, spatial_dims, module, "kernel_size", "> 0", positive);
  check_param(stride_, spatial_dims, module, "stride", "> 0", positive);
  check_param(padding_, spatial_dims, module, "padding", ">= 0", non_negative);
  OCTET_CHECK(!divisor_override_.has_value() || *divisor_override_ > 0, module, "divisor_override must be > 0, got ",
              divisor_override_.value_or(0));
}

void AvgPoolBase::check_input(const Tensor& input) const {
  check_pool_input(input, name(), spatial_dims_, /*allow_quantized=*/true);
}

std::string AvgPoolBase::extra_repr() const {
  // AvgPool1d normalises its arguments with _single (so they print as tuples); 2d and 3d keep them.
  auto show = [this](const Shape& s) {
    return spatial_dims_ == 1 ? py_tuple(s) : py_int_or_tuple(s);
  };
  return "kernel_size=" + show(kernel_size_) + ", stride=" + show(stride_) + ", padding=" + show(padding_);
}

AdaptivePoolBase::AdaptivePoolBase(const char* module, int64_t spatial_dims, Shape output_size)
    : spatial_dims_(spatial_dims), output_size_(std::move(output_size)) {
  check_param(output_size_, spatial_dims, module, "output_size", "> 0", positive);
}

// AdaptiveMaxPool's check (float only); AdaptiveAvgPool's forward checks with allow_quantized.
void AdaptivePoolBase::check_input(const Tensor& input) const {
  check_pool_input(input, name(), spatial_dims_, /*allow_quantized=*/false);
}

std::string AdaptivePoolBase::extra_repr() const { return "output_size=" + py_int_or_tuple(output_size_); }

}  // namespace detail

MaxPool1d::MaxPool1d(Shape kernel_size, MaxPoolOptions options)
    : Cloneable("MaxPool1d", 1, std::move(kernel_size), std::move(options)) {}
Tensor MaxPool1d::forward(const Tensor& input) {
  check_input(input);
  return F::max_pool1d(input, kernel_size(), stride(), padding(), dilation(), ceil_mode());
}
std::tuple<Tensor, Tensor> MaxPool1d::forward_with_indices(const Tensor& input) {
  check_input(input);
  return F::max_pool1d_with_indices(input, kernel_size(), stride(), padding(), dilation(), ceil_mode());
}

MaxPool2d::MaxPool2d(Shape kernel_size, MaxPoolOptions options)
    : Cloneable("MaxPool2d", 2, std::move(kernel_size), std::move(options)) {}
Tensor MaxPool2d::forward(const Tensor& input) {
  check_input(input);
  return F::max_pool2d(input, kernel_size(), stride(), padding(), dilation(), ceil_mode());
}
std::tuple<Tensor, Tensor> MaxPool2d::forward_with_indices(const Tensor& input) {
  check_input(input);
  return F::max_pool2d_with_indices(input, kernel_size(), stride(), padding(), dilation(), ceil_mode());
}

MaxPool3d::MaxPool3d(Shape kernel_size, MaxPoolOptions options)
    : Cloneable("MaxPool3d", 3, std::move(kernel_size), std::move(options)) {}
Tensor MaxPool3d::forward(const Tensor& input) {
  check_input(input);
  return F::max_pool3d(input, kernel_size(), stride(), padding(), dilation(), ceil_mode());
}
std::tuple<Tensor, Tensor> MaxPool3d::forward_with_indices(const Tensor& input) {
  check_input(input);
  return F::max_pool3d_with_indices(input, kernel_size(), stride(), padding(), dilation(), ceil_mode());
}

AvgPool1d::AvgPool1d(Shape kernel_size, AvgPoolOptions options)
    : Cloneable("AvgPool1d", 1, std::move(kernel_size), std::move(options)) {}
Tensor AvgPool1d::forward(const Tensor& input) {
  check_input(input);
  return F::avg_pool1d(input, kernel_size(), stride(), padding(), ceil_mode(), count_include_pad(),
                       divisor_override());
}

AvgPool2d::AvgPool2d(Shape kernel_size, AvgPoolOptions options)
    : Cloneable("AvgPool2d", 2, std::move(kernel_size), std::move(options)) {}
Tensor AvgPool2d::forward(const Tensor& input) {
  check_input(input);
  return F::avg_pool2d(input, kernel_size(), stride(), padding(), ceil_mode(), count_include_pad(),
                       divisor_override());
}

AvgPool3d::AvgPool3d(Shape kernel_size, AvgPoolOptions options)
    : Cloneable("AvgPool3d", 3, std::move(kernel_size), std::move(options)) {}
Tensor AvgPool3d::forward(const Tensor& input) {
  check_input(input);
  return F::avg_pool3d(input, kernel_size(), stride(), padding(), ceil_mode(), count_include_pad(),
                       divisor_override());
}

AdaptiveAvgPool1d::AdaptiveAvgPool1d(Shape output_size) : Cloneable("AdaptiveAvgPool1d", 1, std::move(output_size)) {}
Tensor AdaptiveAvgPool1d::forward(const Tensor& input) {
  check_pool_input(input, name(), spatial_dims_, /*allow_quantized=*/true);
  return F::adaptive_avg_pool1d(input, output_size());
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Shape output_size) : Cloneable("AdaptiveAvgPool2d", 2, std::move(output_size)) {}
Tensor AdaptiveAvgPool2d::forward(const Tensor& input) {
  check_pool_input(input, name(), spatial_dims_, /*allow_quantized=*/true);
  return F::adaptive_avg_pool2d(input, output_size());
}

AdaptiveAvgPool3d::AdaptiveAvgPool3d(Shape output_size) : Cloneable("AdaptiveAvgPool3d", 3, std::move(output_size)) {}
Tensor AdaptiveAvgPool3d::forward(const Tensor& input) {
  check_pool_input(input, name(), spatial_dims_, /*allow_quantized=*/true);
  return F::adaptive_avg_pool3d(input, output_size());
}

AdaptiveMaxPool1d::AdaptiveMaxPool1d(Shape output_size) : Cloneable("AdaptiveMaxPool1d", 1, std::move(output_size)) {}
Tensor AdaptiveMaxPool1d::forward(const Tensor& input) {
  check_input(input);
  return F::adaptive_max_pool1d(input, output_size());
}
std::tuple<Tensor, Tensor> AdaptiveMaxPool1d::forward_with_indices(const Tensor& input) {
  check_input(input);
  return F::adaptive_max_pool1d_with_indices(input, output_size());
}

AdaptiveMaxPool2d::AdaptiveMaxPool2d(Shape output_size) : Cloneable("AdaptiveMaxPool2d", 2, std::move(output_size)) {}
Tensor AdaptiveMaxPool2d::forward(const Tensor& input) {
  check_input(input);
  return F::adaptive_max_pool2d(input, output_size());
}
std::tuple<Tensor, Tensor> AdaptiveMaxPool2d::forward_with_indices(const Tensor& input) {
  check_input(input);
  return F::adaptive_max_pool2d_with_indices(input, output_size());
}

AdaptiveMaxPool3d::AdaptiveMaxPool3d(Shape output_size) : Cloneable("AdaptiveMaxPool3d", 3, std::move(output_size)) {}
Tensor AdaptiveMaxPool3d::forward(const Tensor& input) {
  check_input(input);
  return F::adaptive_max_pool3d(input, output_size());
}
std::tuple<Tensor, Tensor> AdaptiveMaxPool3d::forward_with_indices(const Tensor& input) {
  check_input(input);
  return F::adaptive_max_pool3d_with_indices(input, output_size());
}

}  // namespace octet::nn
