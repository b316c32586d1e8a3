// normalization.cpp: nn::quantized::BatchNorm2d/3d, LayerNorm, GroupNorm and InstanceNorm1d/2d/3d.
#include "octet/nn/quantized/normalization.h"

#include "octet/quantized/norm.h"
#include "qnn/qnn_util.h"

namespace octet::nn::quantized {

namespace qops = ::octet::quantized;
using detail::check_quantized_input;
using detail::clone_or_undefined;

namespace {

// The float module's parameters (copies: the quantized module never aliases the float one).
void set_affine(Module& m, const Tensor& weight, const Tensor& bias) {
  m.set_parameter("weight", clone_or_undefined(weight));
  m.set_parameter("bias", clone_or_undefined(bias));
}

void check_rank(const Tensor& input, const std::string& module, int64_t lo, int64_t hi, const char* expected) {
  OCTET_CHECK(input.dim() >= lo && input.dim() <= hi, module, "expected ", expected, " input, got shape ",
              shape_to_string(input.shape()));
}

}  // namespace

// --- batch norm --------------------------------------------------------------------------------------

namespace detail {

QBatchNormBase::QBatchNormBase(const char* module, int64_t num_features, const BatchNormOptions& options)
    : OutputQParams(module, num_features, options.eps, options.momentum, /*affine=*/true,
                    /*track_running_stats=*/true, /*bias=*/true) {
  register_output_qparams(1.0, 0);
}

void QBatchNormBase::check_input(const Tensor& input, int64_t rank) const {
  const std::string where = error_name();
  check_quantized_input(input, where);
  OCTET_CHECK(input.dim() == rank, where, "expected a ", rank, "-D input (N, C, ", rank == 4 ? "H, W" : "D, H, W",
              "), got shape ", shape_to_string(input.shape()));
  OCTET_CHECK(input.size(1) == num_features(), where, "expected ", num_features(),
              " channels (num_features) at dim 1, got shape ", shape_to_string(input.shape()));
}

void QBatchNormBase::copy_from(const nn::detail::BatchNormBase& bn, const FromFloatArgs& args) {
  const ObservedQParams out = output_qparams(args, name());
  OCTET_CHECK(bn.running_mean.defined() && bn.running_var.defined(), name() + ".from_float", "the float ", bn.name(),
              " tracks no running statistics (track_running_stats=False); a quantized batch norm needs them");
  set_affine(*this, bn.weight, bn.bias);
  set_buffer("running_mean", bn.running_mean.clone());
  set_buffer("running_var", bn.running_var.clone());
  set_buffer("num_batches_tracked", bn.num_batches_tracked.clone());
  set_scale(out.scale);
  set_zero_point(out.zero_point);
}

}  // namespace detail

BatchNorm2d::BatchNorm2d(int64_t num_features, BatchNormOptions options)
    : Cloneable("QuantizedBatchNorm2d", num_features, options) {}
BatchNorm3d::BatchNorm3d(int64_t num_features, BatchNormOptions options)
    : Cloneable("QuantizedBatchNorm3d", num_features, options) {}

Tensor BatchNorm2d::forward(const Tensor& input) {
  check_input(input, 4);
  return qops::batch_norm2d(input, weight, bias, running_mean, running_var, eps(), scale(), zero_point());
}
Tensor BatchNorm3d::forward(const Tensor& input) {
  check_input(input, 5);
  return qops::batch_norm3d(input, weight, bias, running_mean, running_var, eps(), scale(), zero_point());
}

std::shared_ptr<BatchNorm2d> BatchNorm2d::from_float(const nn::BatchNorm2d& mod, const FromFloatArgs& args) {
  auto q = std::make_shared<BatchNorm2d>(mod.num_features(), BatchNormOptions{mod.eps(), mod.momentum().value_or(0.1)});
  q->copy_from(mod, args);
  return q;
}
std::shared_ptr<BatchNorm3d> BatchNorm3d::from_float(const nn::BatchNorm3d& mod, const FromFloatArgs& args) {
  auto q = std::make_shared<BatchNorm3d>(mod.num_features(), BatchNormOptions{mod.eps(), mod.momentum().value_or(0.1)});
  q->copy_from(mod, args);
  return q;
}

// --- layer norm, group norm --------------------------------------------------------------------------

LayerNorm::LayerNorm(Shape normalized_shape, Tensor weight, Tensor bias, double scale, int64_t zero_point,
                     nn::LayerNormOptions options)
    : Cloneable(std::move(normalized_shape), options) {
  set_affine(*this, weight, bias);
  register_output_qparams(scale, zero_point);
}

Tensor LayerNorm::forward(const Tensor& input) {
  check_quantized_input(input, error_name());
  return qops::layer_norm(input, normalized_shape(), weight, bias, eps(), scale(), zero_point());
}

std::shared_ptr<LayerNorm> LayerNorm::from_float(const nn::LayerNorm& mod, const FromFloatArgs& args) {
  const detail::ObservedQParams out = detail::output_qparams(args, "QuantizedLayerNorm");
  nn::LayerNormOptions o;
  o.eps = mod.eps();
  o.elementwise_affine = mod.elementwise_affine();
  o.bias = mod.bias.defined();
  return std::make_shared<LayerNorm>(mod.normalized_shape(), mod.weight, mod.bias, out.scale, out.zero_point, o);
}

GroupNorm::GroupNorm(int64_t num_groups, int64_t num_channels, Tensor weight, Tensor bias, double scale,
                     int64_t zero_point, nn::GroupNormOptions options)
    : Cloneable(num_groups, num_channels, options) {
  set_affine(*this, weight, bias);
  register_output_qparams(scale, zero_point);
}

Tensor GroupNorm::forward(const Tensor& input) {
  check_quantized_input(input, error_name());
  check_rank(input, name(), 2, 64, "an (N, C, *)");
  OCTET_CHECK(input.size(1) == num_channels(), name(), "expected ", num_channels(),
              " channels (num_channels) at dim 1, got shape ", shape_to_string(input.shape()));
  return qops::group_norm(input, num_groups(), weight, bias, eps(), scale(), zero_point());
}

std::shared_ptr<GroupNorm> GroupNorm::from_float(const nn::GroupNorm& mod, const FromFloatArgs& args) {
  const detail::ObservedQParams out = detail::output_qparams(args, "QuantizedGroupNorm");
  nn::GroupNormOptions o;
  o.eps = mod.eps();
  o.affine = mod.affine();
  o.bias = mod.bias.defined();
  return std::make_shared<GroupNorm>(mod.num_groups(), mod.num_channels(), mod.weight, mod.bias, out.scale,
                                     out.zero_point, o);
}

// --- instance norm -----------------------------------------------------------------------------------

namespace {

nn::InstanceNormOptions instance_options(const nn::detail::NormBase& mod) {
  nn::InstanceNormOptions o;
  o.eps = mod.eps();
  o.momentum = mod.momentum();
  o.affine = mod.affine();
  o.track_running_stats = mod.track_running_stats();
  o.bias = mod.bias.defined() || !mod.affine();
  return o;
}

// (N, C, *spatial) or (C, *spatial): the unbatched form gains N = 1 for the op.
Tensor instance_norm_forward(const nn::detail::NormBase& m, const Tensor& input, int64_t spatial, double scale,
                             int64_t zero_point) {
  const std::string where = m.error_name();
  check_quantized_input(input, where);
  check_rank(input, where, spatial + 1, spatial + 2,
             spatial == 1 ? "a 3-D (N, C, L) or 2-D (C, L)"
                          : (spatial == 2 ? "a 4-D (N, C, H, W) or 3-D (C, H, W)"
                                          : "a 5-D (N, C, D, H, W) or 4-D (C, D, H, W)"));
  const bool unbatched = input.dim() == spatial + 1;
  const Tensor x = unbatched ? input.unsqueeze(0) : input;
  OCTET_CHECK(x.size(1) == m.num_features(), where, "expected ", m.num_features(), " channels (num_features), got shape ",
              shape_to_string(input.shape()));
  Tensor y = qops::instance_norm(x, m.weight, m.bias, m.eps(), scale, zero_point);
  return unbatched ? y.squeeze(0) : y;
}

}  // namespace

#define OCTET_QNN_INSTANCE_NORM(Name, spatial)                                                                   \
  Name::Name(int64_t num_features, Tensor weight, Tensor bias, double scale, int64_t zero_point,               \
             nn::InstanceNormOptions options)                                                                  \
      : Cloneable(num_features, options) {                                                                     \
    set_affine(*this, weight, bias);                                                                           \
    register_output_qparams(scale, zero_point);                                                                \
  }                                                                                                            \
  Tensor Name::forward(const Tensor& input) {                                                                  \
    return instance_norm_forward(*this, input, spatial, scale(), zero_point());                               \
  }                                                                                                            \
  std::shared_ptr<Name> Name::from_float(const nn::Name& mod, const FromFloatArgs& args) {                     \
    const detail::ObservedQParams out = detail::output_qparams(args, "Quantized" #Name);                     \
    return std::make_shared<Name>(mod.num_features(), mod.weight, mod.bias, out.scale, out.zero_point,        \
                                  instance_options(mod));                                                      \
  }

OCTET_QNN_INSTANCE_NORM(InstanceNorm1d, 1)
OCTET_QNN_INSTANCE_NORM(InstanceNorm2d, 2)
OCTET_QNN_INSTANCE_NORM(InstanceNorm3d, 3)

#undef OCTET_QNN_INSTANCE_NORM

}  // namespace octet::nn::quantized
