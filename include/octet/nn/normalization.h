// normalization.h: octet::nn::LayerNorm, GroupNorm and InstanceNorm1d/2d/3d, torch.nn's other
// normalisation modules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "octet/nn/batchnorm.h"
#include "octet/nn/cloneable.h"

namespace octet::nn {

// The keyword arguments of torch.nn.LayerNorm.
struct LayerNormOptions {
  double eps = 1e-5;
  bool elementwise_affine = true;
  bool bias = true;
};

// torch.nn.LayerNorm: normalises over the trailing dims given by normalized_shape. Parameters
// "weight" (ones) and "bias" (zeros) of shape normalized_shape when elementwise_affine (None slots
// otherwise; bias = false leaves only "bias" None).
//   nn::LayerNorm({768})    nn::LayerNorm({3, 5}, {.eps = 1e-6})
class LayerNorm : public Cloneable<LayerNorm> {
 public:
  explicit LayerNorm(Shape normalized_shape, LayerNormOptions options = {});
  // Any float32 input whose last dims equal normalized_shape, through F::layer_norm.
  Tensor forward(const Tensor& input) override;
  // "(768,), eps=1e-05, elementwise_affine=True, bias=True".
  std::string extra_repr() const override;
  // weight 1, bias 0.
  void reset_parameters();

  const Shape& normalized_shape() const { return normalized_shape_; }
  double eps() const { return eps_; }
  bool elementwise_affine() const { return elementwise_affine_; }

  Tensor weight;
  Tensor bias;

 private:
  Shape normalized_shape_;
  double eps_;
  bool elementwise_affine_;
};

// The keyword arguments of torch.nn.GroupNorm.
struct GroupNormOptions {
  double eps = 1e-5;
  bool affine = true;
  bool bias = true;
};

// torch.nn.GroupNorm: splits the channels of an (N, C, *) input into num_groups groups and
// normalises each. Parameters "weight" (ones) and "bias" (zeros), num_channels each, when affine.
// num_channels not divisible by num_groups is an Error.
//   nn::GroupNorm(8, 64)
class GroupNorm : public Cloneable<GroupNorm> {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, GroupNormOptions options = {});
  Tensor forward(const Tensor& input) override;
  // "8, 64, eps=1e-05, affine=True, bias=True".
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t num_groups() const { return num_groups_; }
  int64_t num_channels() const { return num_channels_; }
  double eps() const { return eps_; }
  bool affine() const { return affine_; }

  Tensor weight;
  Tensor bias;

 private:
  int64_t num_groups_;
  int64_t num_channels_;
  double eps_;
  bool affine_;
};

// The keyword arguments of torch.nn.InstanceNorm1d/2d/3d (PyTorch's defaults differ from
// BatchNorm's: no affine parameters and no running statistics). momentum nullopt is PyTorch's None,
// which instance norm treats as 0 (the running statistics never move).
//   nn::InstanceNorm2d(16, {.affine = true})
struct InstanceNormOptions {
  double eps = 1e-5;
  std::optional<double> momentum = 0.1;
  bool affine = false;
  bool track_running_stats = false;
  bool bias = true;
};

namespace detail {

// torch.nn.modules.instancenorm._InstanceNorm: the state of _NormBase (same names and printing),
// forward through F::instance_norm. Each (sample, channel) plane is normalised with its own
// statistics in training mode or when no running statistics are tracked; otherwise with the running
// ones. Training with track_running_stats updates running_mean/running_var (num_batches_tracked is
// left alone, as in PyTorch). Unbatched inputs (C, *spatial) are accepted.
class InstanceNormBase : public NormBase {
 protected:
  using NormBase::NormBase;
  InstanceNormBase(const InstanceNormBase&) = default;
  Tensor instance_norm(const Tensor& input, int64_t spatial_dims) const;
};

}  // namespace detail

// torch.nn.InstanceNorm1d: (N, C, L) or (C, L).
class InstanceNorm1d : public Cloneable<InstanceNorm1d, detail::InstanceNormBase> {
 public:
  explicit InstanceNorm1d(int64_t num_features, InstanceNormOptions options = {});
  Tensor forward(const Tensor& input) override;
};

// torch.nn.InstanceNorm2d: (N, C, H, W) or (C, H, W).
class InstanceNorm2d : public Cloneable<InstanceNorm2d, detail::InstanceNormBase> {
 public:
  explicit InstanceNorm2d(int64_t num_features, InstanceNormOptions options = {});
  Tensor forward(const Tensor& input) override;
};

// torch.nn.InstanceNorm3d: (N, C, D, H, W) or (C, D, H, W).
class InstanceNorm3d : public Cloneable<InstanceNorm3d, detail::InstanceNormBase> {
 public:
  explicit InstanceNorm3d(int64_t num_features, InstanceNormOptions options = {});
  Tensor forward(const Tensor& input) override;
};

}  // namespace octet::nn
