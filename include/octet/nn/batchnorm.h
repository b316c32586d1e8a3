// batchnorm.h: octet::nn::BatchNorm1d/2d/3d, torch.nn's batch normalisation modules.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "octet/nn/cloneable.h"

namespace octet::nn {

// The keyword arguments of torch.nn.BatchNorm1d/2d/3d. momentum nullopt is PyTorch's None: running
// statistics become the cumulative average over the batches seen (factor 1 / num_batches_tracked).
//   nn::BatchNorm2d(64)    nn::BatchNorm2d(64, {.eps = 1e-3, .momentum = 0.01})
struct BatchNormOptions {
  double eps = 1e-5;
  std::optional<double> momentum = 0.1;
  bool affine = true;
  bool track_running_stats = true;
  bool bias = true;  // keyword-only in PyTorch; with affine, false leaves "bias" a None slot
};

namespace detail {

// torch.nn.modules.batchnorm._NormBase, shared by the batch and instance normalisation modules.
// Parameters "weight" (ones) and "bias" (zeros), num_features each, when affine (None slots
// otherwise); buffers "running_mean" (zeros), "running_var" (ones) and "num_batches_tracked" (int64
// scalar 0) when track_running_stats (None slots otherwise) — PyTorch's names, order and shapes.
class NormBase : public Module {
 public:
  // "64, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True".
  std::string extra_repr() const override;
  // Running statistics back to mean 0, variance 1 and no batches tracked.
  void reset_running_stats();
  // reset_running_stats(), and weight 1, bias 0.
  void reset_parameters();

  int64_t num_features() const { return num_features_; }
  double eps() const { return eps_; }
  const std::optional<double>& momentum() const { return momentum_; }
  bool affine() const { return affine_; }
  bool track_running_stats() const { return track_running_stats_; }

  Tensor weight;
  Tensor bias;
  Tensor running_mean;
  Tensor running_var;
  Tensor num_batches_tracked;

 protected:
  NormBase(const char* module, int64_t num_features, double eps, std::optional<double> momentum, bool affine,
           bool track_running_stats, bool bias);
  NormBase(const NormBase&) = default;

  // An Error naming the module unless the input is float32 with one of `ranks` dims and
  // num_features channels at `channel_dim` (counted from the front).
  void check_input(const Tensor& input, std::initializer_list<int64_t> ranks, int64_t channel_dim) const;

 private:
  int64_t num_features_;
  double eps_;
  std::optional<double> momentum_;
  bool affine_;
  bool track_running_stats_;
};

// torch.nn.modules.batchnorm._BatchNorm: forward through F::batch_norm. In training mode it
// normalises with the batch statistics and, with track_running_stats, increments
// num_batches_tracked and updates the running statistics (momentum, or the cumulative average when
// momentum is None); in eval mode it uses the running statistics (the batch statistics when the
// module tracks none).
class BatchNormBase : public NormBase {
 protected:
  using NormBase::NormBase;
  BatchNormBase(const BatchNormBase&) = default;
  Tensor batch_norm(const Tensor& input) const;
};

}  // namespace detail

// torch.nn.BatchNorm1d: (N, C) or (N, C, L).
class BatchNorm1d : public Cloneable<BatchNorm1d, detail::BatchNormBase> {
 public:
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {});
  Tensor forward(const Tensor& input) override;
};

// torch.nn.BatchNorm2d: (N, C, H, W).
class BatchNorm2d : public Cloneable<BatchNorm2d, detail::BatchNormBase> {
 public:
  explicit BatchNorm2d(int64_t num_features, BatchNormOptions options = {});
  Tensor forward(const Tensor& input) override;
};

// torch.nn.BatchNorm3d: (N, C, D, H, W).
class BatchNorm3d : public Cloneable<BatchNorm3d, detail::BatchNormBase> {
 public:
  explicit BatchNorm3d(int64_t num_features, BatchNormOptions options = {});
  Tensor forward(const Tensor& input) override;
};

}  // namespace octet::nn
