// upsampling.cpp: Upsample.
#include "octet/nn/upsampling.h"

#include <utility>

#include "nn/layer_util.h"
#include "octet/functional/resize.h"

namespace octet::nn {

using namespace layer_util;

Upsample::Upsample(UpsampleOptions options) : options_(std::move(options)) {
  const UpsampleOptions& o = options_;
  OCTET_CHECK(!o.size.empty() || !o.scale_factor.empty(), "Upsample", "either size or scale_factor must be given");
  OCTET_CHECK(o.size.empty() || o.scale_factor.empty(), "Upsample",
              "only one of size or scale_factor may be given, got size=", py_int_or_tuple(o.size),
              " and scale_factor=", py_float_or_tuple(o.scale_factor));
  const std::string& m = o.mode;
  const bool interpolating = m == "linear" || m == "bilinear" || m == "bicubic" || m == "trilinear";
  OCTET_CHECK(interpolating || m == "nearest" || m == "nearest-exact" || m == "area", "Upsample", "unknown mode '", m,
              "', expected one of 'nearest', 'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear', 'area'");
  OCTET_CHECK(interpolating || !o.align_corners.has_value(), "Upsample",
              "align_corners can only be set with the interpolating modes linear, bilinear, bicubic and trilinear, "
              "not with mode '", m, "'");
}

Tensor Upsample::forward(const Tensor& input) {
  // A quantized input runs the quantized resize (nearest, bilinear), as PyTorch's dispatch does.
  check_float_or_quantized_input(input, "Upsample", {3, 4, 5});
  return functional::interpolate(input, options_.size, options_.scale_factor, options_.mode, options_.align_corners,
                                 options_.recompute_scale_factor);
}

std::string Upsample::extra_repr() const {
  const std::string info = options_.scale_factor.empty() ? "size=" + py_int_or_tuple(options_.size)
                                                         : "scale_factor=" + py_float_or_tuple(options_.scale_factor);
  return info + ", mode=" + py_str(options_.mode);
}

}  // namespace octet::nn
