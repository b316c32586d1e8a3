// batchnorm.cpp: the _NormBase state shared with instance normalisation, and BatchNorm1d/2d/3d.
#include "octet/nn/batchnorm.h"

#include "nn/layer_util.h"
#include "octet/functional/norm.h"
#include "octet/nn/init.h"

namespace octet::nn {

namespace detail {

NormBase::NormBase(const char* module, int64_t num_features, double eps, std::optional<double> momentum, bool affine,
                   bool track_running_stats, bool bias)
    : num_features_(num_features),
      eps_(eps),
      momentum_(momentum),
      affine_(affine),
      track_running_stats_(track_running_stats) {
  OCTET_CHECK(num_features > 0, module, "num_features must be > 0, got ", num_features);
  OCTET_CHECK(eps >= 0, module, "eps must be >= 0, got ", eps);
  register_parameter("weight", &NormBase::weight, affine ? empty({num_features}) : Tensor());
  register_parameter("bias", &NormBase::bias, affine && bias ? empty({num_features}) : Tensor());
  register_buffer("running_mean", &NormBase::running_mean, track_running_stats ? empty({num_features}) : Tensor());
  register_buffer("running_var", &NormBase::running_var, track_running_stats ? empty({num_features}) : Tensor());
  register_buffer("num_batches_tracked", &NormBase::num_batches_tracked,
                  track_running_stats ? zeros({}, kInt64) : Tensor());
  reset_parameters();
}

void NormBase::reset_running_stats() {
  if (!track_running_stats_) return;
  running_mean.fill_(0.0);
  running_var.fill_(1.0);
  num_batches_tracked.fill_(0.0);
}

void NormBase::reset_parameters() {
  reset_running_stats();
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

void NormBase::check_input(const Tensor& input, std::initializer_list<int64_t> ranks, int64_t channel_dim) const {
  const std::string where = name();
  layer_util::check_float_input(input, where, ranks);
  OCTET_CHECK(input.size(channel_dim) == num_features_, where, "expected an input with ", num_features_,
              " channels (num_features) at dim ", channel_dim, ", got shape ", shape_to_string(input.shape()));
}

std::string NormBase::extra_repr() const {
  using namespace layer_util;
  return std::to_string(num_features_) + ", eps=" + py_float(eps_) + ", momentum=" + py_optional_float(momentum_) +
         ", affine=" + py_bool(affine_) + ", bias=" + py_bool(bias.defined()) +
         ", track_running_stats=" + py_bool(track_running_stats_);
}

Tensor BatchNormBase::batch_norm(const Tensor& input) const {
  // PyTorch's _BatchNorm.forward: batch statistics in training, or in eval when nothing is tracked;
  // running statistics are passed (and so updated) only when they are tracked.
  const bool training = is_training();
  const bool use_batch_stats = training || !running_mean.defined();
  const bool pass_running = !training || track_running_stats();
  const bool updates = training && track_running_stats();
  return functional::batch_norm(input, pass_running ? running_mean : Tensor(), pass_running ? running_var : Tensor(),
                                weight, bias, use_batch_stats, momentum(), eps(),
                                updates ? num_batches_tracked : Tensor());
}

}  // namespace detail

BatchNorm1d::BatchNorm1d(int64_t num_features, BatchNormOptions o)
    : Cloneable("BatchNorm1d", num_features, o.eps, o.momentum, o.affine, o.track_running_stats, o.bias) {}

Tensor BatchNorm1d::forward(const Tensor& input) {
  check_input(input, {2, 3}, 1);
  return batch_norm(input);
}

BatchNorm2d::BatchNorm2d(int64_t num_features, BatchNormOptions o)
    : Cloneable("BatchNorm2d", num_features, o.eps, o.momentum, o.affine, o.track_running_stats, o.bias) {}

Tensor BatchNorm2d::forward(const Tensor& input) {
  check_input(input, {4}, 1);
  return batch_norm(input);
}

BatchNorm3d::BatchNorm3d(int64_t num_features, BatchNormOptions o)
    : Cloneable("BatchNorm3d", num_features, o.eps, o.momentum, o.affine, o.track_running_stats, o.bias) {}

Tensor BatchNorm3d::forward(const Tensor& input) {
  check_input(input, {5}, 1);
  return batch_norm(input);
}

}  // namespace octet::nn
