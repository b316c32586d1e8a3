// padding.cpp: the padding modules (ZeroPad, ConstantPad, ReflectionPad, ReplicationPad, CircularPad).
#include "octet/nn/padding.h"

#include <algorithm>
#include <utility>

#include "nn/layer_util.h"
#include "octet/functional/resize.h"

namespace octet::nn {

using namespace layer_util;

namespace detail {

PadBase::PadBase(const char* module, int64_t spatial_dims, const Shape& padding, std::string mode, double value,
                 bool print_value)
    : spatial_dims_(spatial_dims),
      padding_(expand_param(padding, static_cast<std::size_t>(2 * spatial_dims), module, "padding")),
      mode_(std::move(mode)),
      value_(value),
      print_value_(print_value) {
  // Negative padding crops; only constant padding supports it (as in PyTorch).
  OCTET_CHECK(mode_ == "constant" || std::all_of(padding_.begin(), padding_.end(), [](int64_t p) { return p >= 0; }),
              module, "padding must be >= 0 in ", mode_, " mode, got ", py_tuple(padding_));
}

Tensor PadBase::forward(const Tensor& input) {
  const std::string where = name();
  if (mode_ == "constant") {
    OCTET_CHECK(input.defined(), where, "the input is undefined");
    OCTET_CHECK(input.dim() >= spatial_dims_, where, "expected an input of at least ", spatial_dims_,
                " dims, got shape ", shape_to_string(input.shape()));
    check_float_input(input, where, {input.dim()});
  } else {
    check_float_input(input, where, {spatial_dims_ + 1, spatial_dims_ + 2});
  }
  return functional::pad(input, padding_, mode_, value_);
}

std::string PadBase::extra_repr() const {
  if (print_value_) return "padding=" + py_tuple(padding_) + ", value=" + py_float(value_);
  return py_tuple(padding_);
}

}  // namespace detail

ZeroPad1d::ZeroPad1d(const Shape& padding) : Cloneable("ZeroPad1d", 1, padding, "constant", 0.0, false) {}
ZeroPad2d::ZeroPad2d(const Shape& padding) : Cloneable("ZeroPad2d", 2, padding, "constant", 0.0, false) {}
ZeroPad3d::ZeroPad3d(const Shape& padding) : Cloneable("ZeroPad3d", 3, padding, "constant", 0.0, false) {}

ConstantPad1d::ConstantPad1d(const Shape& padding, double value)
    : Cloneable("ConstantPad1d", 1, padding, "constant", value, true) {}
ConstantPad2d::ConstantPad2d(const Shape& padding, double value)
    : Cloneable("ConstantPad2d", 2, padding, "constant", value, true) {}
ConstantPad3d::ConstantPad3d(const Shape& padding, double value)
    : Cloneable("ConstantPad3d", 3, padding, "constant", value, true) {}

ReflectionPad1d::ReflectionPad1d(const Shape& padding) : Cloneable("ReflectionPad1d", 1, padding, "reflect", 0.0, false) {}
ReflectionPad2d::ReflectionPad2d(const Shape& padding) : Cloneable("ReflectionPad2d", 2, padding, "reflect", 0.0, false) {}
ReflectionPad3d::ReflectionPad3d(const Shape& padding) : Cloneable("ReflectionPad3d", 3, padding, "reflect", 0.0, false) {}

ReplicationPad1d::ReplicationPad1d(const Shape& padding)
    : Cloneable("ReplicationPad1d", 1, padding, "replicate", 0.0, false) {}
ReplicationPad2d::ReplicationPad2d(const Shape& padding)
    : Cloneable("ReplicationPad2d", 2, padding, "replicate", 0.0, false) {}
ReplicationPad3d::ReplicationPad3d(const Shape& padding)
    : Cloneable("ReplicationPad3d", 3, padding, "replicate", 0.0, false) {}

CircularPad1d::CircularPad1d(const Shape& padding) : Cloneable("CircularPad1d", 1, padding, "circular", 0.0, false) {}
CircularPad2d::CircularPad2d(const Shape& padding) : Cloneable("CircularPad2d", 2, padding, "circular", 0.0, false) {}
CircularPad3d::CircularPad3d(const Shape& padding) : Cloneable("CircularPad3d", 3, padding, "circular", 0.0, false) {}

}  // namespace octet::nn
