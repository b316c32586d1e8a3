// normalization.cpp: LayerNorm, GroupNorm and InstanceNorm1d/2d/3d.
#include "octet/nn/normalization.h"

#include <algorithm>

#include "nn/layer_util.h"
#include "octet/functional/norm.h"
#include "octet/nn/init.h"

namespace octet::nn {

using namespace layer_util;

LayerNorm::LayerNorm(Shape normalized_shape, LayerNormOptions o)
    : normalized_shape_(std::move(normalized_shape)), eps_(o.eps), elementwise_affine_(o.elementwise_affine) {
  OCTET_CHECK(!normalized_shape_.empty(), "LayerNorm", "normalized_shape must have at least one dim");
  OCTET_CHECK(std::all_of(normalized_shape_.begin(), normalized_shape_.end(), [](int64_t s) { return s > 0; }),
              "LayerNorm", "normalized_shape must be positive, got ", py_tuple(normalized_shape_));
  OCTET_CHECK(o.eps >= 0, "LayerNorm", "eps must be >= 0, got ", o.eps);
  register_parameter("weight", &LayerNorm::weight, o.elementwise_affine ? empty(normalized_shape_) : Tensor());
  register_parameter("bias", &LayerNorm::bias, o.elementwise_affine && o.bias ? empty(normalized_shape_) : Tensor());
  reset_parameters();
}

void LayerNorm::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor LayerNorm::forward(const Tensor& input) {
  OCTET_CHECK(input.defined(), "LayerNorm", "the input is undefined");
  const auto n = static_cast<int64_t>(normalized_shape_.size());
  const bool tail_matches =
      input.dim() >= n && std::equal(normalized_shape_.begin(), normalized_shape_.end(), input.shape().end() - n);
  std::string expected = "(*";
  for (int64_t s : normalized_shape_) expected += ", " + std::to_string(s);
  OCTET_CHECK(tail_matches, "LayerNorm", "expected an input of shape ", expected, ") (normalized_shape=",
              py_tuple(normalized_shape_), "), got shape ", shape_to_string(input.shape()));
  check_float_input(input, "LayerNorm", {input.dim()});
  return functional::layer_norm(input, normalized_shape_, weight, bias, eps_);
}

std::string LayerNorm::extra_repr() const {
  return py_tuple(normalized_shape_) + ", eps=" + py_float(eps_) + ", elementwise_affine=" +
         py_bool(elementwise_affine_) + ", bias=" + py_bool(bias.defined());
}

GroupNorm::GroupNorm(int64_t num_groups, int64_t num_channels, GroupNormOptions o)
    : num_groups_(num_groups), num_channels_(num_channels), eps_(o.eps), affine_(o.affine) {
  OCTET_CHECK(num_groups > 0 && num_channels > 0, "GroupNorm", "num_groups and num_channels must be > 0, got ",
              num_groups, " and ", num_channels);
  OCTET_CHECK(num_channels % num_groups == 0, "GroupNorm", "num_channels (", num_channels,
              ") must be divisible by num_groups (", num_groups, ")");
  OCTET_CHECK(o.eps >= 0, "GroupNorm", "eps must be >= 0, got ", o.eps);
  register_parameter("weight", &GroupNorm::weight, o.affine ? empty({num_channels}) : Tensor());
  register_parameter("bias", &GroupNorm::bias, o.affine && o.bias ? empty({num_channels}) : Tensor());
  reset_parameters();
}

void GroupNorm::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor GroupNorm::forward(const Tensor& input) {
  OCTET_CHECK(input.defined(), "GroupNorm", "the input is undefined");
  OCTET_CHECK(input.dim() >= 2, "GroupNorm", "expected an input of at least 2 dims (N, C, *), got shape ",
              shape_to_string(input.shape()));
  check_float_input(input, "GroupNorm", {input.dim()});
  OCTET_CHECK(input.size(1) == num_channels_, "GroupNorm", "expected an input with ", num_channels_,
              " channels (num_channels) at dim 1, got shape ", shape_to_string(input.shape()));
  return functional::group_norm(input, num_groups_, weight, bias, eps_);
}

std::string GroupNorm::extra_repr() const {
  return std::to_string(num_groups_) + ", " + std::to_string(num_channels_) + ", eps=" + py_float(eps_) +
         ", affine=" + py_bool(affine_) + ", bias=" + py_bool(bias.defined());
}

namespace detail {

Tensor InstanceNormBase::instance_norm(const Tensor& input, int64_t spatial_dims) const {
  const std::string where = name();
  check_float_input(input, where, {spatial_dims + 1, spatial_dims + 2});
  const bool batched = input.dim() == spatial_dims + 2;
  const int64_t channel_dim = batched ? 1 : 0;
  // num_features only matters when there are per-channel tensors; PyTorch merely warns otherwise.
  if (affine() || track_running_stats()) {
    OCTET_CHECK(input.size(channel_dim) == num_features(), where, "expected an input with ", num_features(),
                " channels (num_features) at dim ", channel_dim, ", got shape ", shape_to_string(input.shape()));
  }
  const Tensor x = batched ? input : input.unsqueeze(0);
  const Tensor y = functional::instance_norm(x, running_mean, running_var, weight, bias,
                                             is_training() || !track_running_stats(), momentum().value_or(0.0), eps());
  return batched ? y : y.squeeze(0);
}

}  // namespace detail

InstanceNorm1d::InstanceNorm1d(int64_t num_features, InstanceNormOptions o)
    : Cloneable("InstanceNorm1d", num_features, o.eps, o.momentum, o.affine, o.track_running_stats, o.bias) {}

Tensor InstanceNorm1d::forward(const Tensor& input) { return instance_norm(input, 1); }

InstanceNorm2d::InstanceNorm2d(int64_t num_features, InstanceNormOptions o)
    : Cloneable("InstanceNorm2d", num_features, o.eps, o.momentum, o.affine, o.track_running_stats, o.bias) {}

Tensor InstanceNorm2d::forward(const Tensor& input) { return instance_norm(input, 2); }

InstanceNorm3d::InstanceNorm3d(int64_t num_features, InstanceNormOptions o)
    : Cloneable("InstanceNorm3d", num_features, o.eps, o.momentum, o.affine, o.track_running_stats, o.bias) {}

Tensor InstanceNorm3d::forward(const Tensor& input) { return instance_norm(input, 3); }

}  // namespace octet::nn
