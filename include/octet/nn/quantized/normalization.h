// normalization.h: nn::quantized::BatchNorm2d/3d, LayerNorm, GroupNorm and InstanceNorm1d/2d/3d, torch.ao.nn.quantized's normalisation modules.
//
// Each keeps its float module's parameters and buffers under PyTorch's names (weight, bias,
// running_mean, running_var, num_batches_tracked for batch norm) plus the output qparams "scale"
// and "zero_point", and calls the quantized operator (octet/quantized/norm.h): statistics taken
// exactly from the stored integers, the affine map in float, one rounding to the output qparams.
// Batch norm always normalises with the running statistics (there is no training mode for a
// quantized module); instance norm always with each plane's own statistics, as PyTorch's kernels.
//
//   auto qbn = nn::quantized::BatchNorm2d::from_float(bn, {.output_observer = &obs});
//   Tensor y = qbn->forward(xq);   // octet::quantized::batch_norm2d(xq, w, b, mean, var, eps, scale, zp)
//
// As in PyTorch, the classes derive from the float ones' bases (BatchNorm from _BatchNorm, the
// others from the float class), so their printing and state dict read the same:
// "QuantizedBatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)".
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "octet/nn/batchnorm.h"
#include "octet/nn/cloneable.h"
#include "octet/nn/normalization.h"
#include "octet/nn/quantized/from_float.h"
#include "octet/nn/quantized/output_qparams.h"

namespace octet::nn::quantized {

// torch.ao.nn.quantized.BatchNorm2d's keyword arguments (affine and running statistics always on).
struct BatchNormOptions {
  double eps = 1e-5;
  double momentum = 0.1;
};

namespace detail {
// torch.ao.nn.quantized._BatchNorm: the float state (weight 1, bias 0, running_mean 0,
// running_var 1) and the output qparams (scale 1, zero point 0).
class QBatchNormBase : public OutputQParams<nn::detail::BatchNormBase> {
 protected:
  QBatchNormBase(const char* module, int64_t num_features, const BatchNormOptions& options);
  QBatchNormBase(const QBatchNormBase&) = default;
  // The input checked: quantized (else an Error saying a QuantStub is missing) with `rank` dims and
  // num_features channels.
  void check_input(const Tensor& input, int64_t rank) const;
  // Copies the float module's parameters and running statistics (new tensors) and takes the
  // output qparams from args.
  void copy_from(const nn::detail::BatchNormBase& bn, const FromFloatArgs& args);
};
}  // namespace detail

// (N, C, H, W) through octet::quantized::batch_norm2d.
class BatchNorm2d : public Cloneable<BatchNorm2d, detail::QBatchNormBase> {
 public:
  explicit BatchNorm2d(int64_t num_features, BatchNormOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedBatchNorm2d"; }
  static std::shared_ptr<BatchNorm2d> from_float(const nn::BatchNorm2d& mod, const FromFloatArgs& args);
};

// (N, C, D, H, W) through octet::quantized::batch_norm3d.
class BatchNorm3d : public Cloneable<BatchNorm3d, detail::QBatchNormBase> {
 public:
  explicit BatchNorm3d(int64_t num_features, BatchNormOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedBatchNorm3d"; }
  static std::shared_ptr<BatchNorm3d> from_float(const nn::BatchNorm3d& mod, const FromFloatArgs& args);
};

// torch.ao.nn.quantized.LayerNorm(normalized_shape, weight, bias, scale, zero_point, eps,
// elementwise_affine): weight and bias are float tensors of shape normalized_shape, or undefined.
class LayerNorm : public Cloneable<LayerNorm, detail::OutputQParams<nn::LayerNorm>> {
 public:
  LayerNorm(Shape normalized_shape, Tensor weight, Tensor bias, double scale, int64_t zero_point,
            nn::LayerNormOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedLayerNorm"; }
  static std::shared_ptr<LayerNorm> from_float(const nn::LayerNorm& mod, const FromFloatArgs& args);
};

// torch.ao.nn.quantized.GroupNorm(num_groups, num_channels, weight, bias, scale, zero_point, eps, affine).
class GroupNorm : public Cloneable<GroupNorm, detail::OutputQParams<nn::GroupNorm>> {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, Tensor weight, Tensor bias, double scale, int64_t zero_point,
            nn::GroupNormOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedGroupNorm"; }
  static std::shared_ptr<GroupNorm> from_float(const nn::GroupNorm& mod, const FromFloatArgs& args);
};

// torch.ao.nn.quantized.InstanceNorm1d(num_features, weight, bias, scale, zero_point, eps, momentum,
// affine, track_running_stats): (N, C, L) or (C, L) through octet::quantized::instance_norm.
class InstanceNorm1d : public Cloneable<InstanceNorm1d, detail::OutputQParams<nn::InstanceNorm1d>> {
 public:
  InstanceNorm1d(int64_t num_features, Tensor weight, Tensor bias, double scale, int64_t zero_point,
                 nn::InstanceNormOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedInstanceNorm1d"; }
  static std::shared_ptr<InstanceNorm1d> from_float(const nn::InstanceNorm1d& mod, const FromFloatArgs& args);
};

// (N, C, H, W) or (C, H, W).
class InstanceNorm2d : public Cloneable<InstanceNorm2d, detail::OutputQParams<nn::InstanceNorm2d>> {
 public:
  InstanceNorm2d(int64_t num_features, Tensor weight, Tensor bias, double scale, int64_t zero_point,
                 nn::InstanceNormOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedInstanceNorm2d"; }
  static std::shared_ptr<InstanceNorm2d> from_float(const nn::InstanceNorm2d& mod, const FromFloatArgs& args);
};

// (N, C, D, H, W) or (C, D, H, W).
class InstanceNorm3d : public Cloneable<InstanceNorm3d, detail::OutputQParams<nn::InstanceNorm3d>> {
 public:
  InstanceNorm3d(int64_t num_features, Tensor weight, Tensor bias, double scale, int64_t zero_point,
                 nn::InstanceNormOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedInstanceNorm3d"; }
  static std::shared_ptr<InstanceNorm3d> from_float(const nn::InstanceNorm3d& mod, const FromFloatArgs& args);
};

}  // namespace octet::nn::quantized
