// fusion.cpp: BatchNorm folding into convolution and linear weights (PyTorch's torch.nn.utils.fusion), in float32 and PyTorch's order of operations.
#include "octet/nn/intrinsic/fusion.h"

#include <cmath>
#include <vector>

namespace octet::nn::utils {

namespace {

// The per-channel float32 values of an optional BN tensor (`fill` when undefined); an Error naming
// `what` unless it is a float32 vector of n elements.
std::vector<float> channel_values(const Tensor& t, int64_t n, float fill, const char* where, const char* what) {
  if (!t.defined()) return std::vector<float>(static_cast<std::size_t>(n), fill);
  OCTET_CHECK(t.dtype() == kFloat32, where, what, " must be float32, got ", t.dtype());
  OCTET_CHECK(t.numel() == n, where, what, " has ", t.numel(), " elements, expected ", n,
              " (one per output channel)");
  const Tensor c = t.contiguous();
  const float* p = c.data_ptr<float>();
  return std::vector<float>(p, p + n);
}

// 1 / sqrt(v + eps) per channel in float32 (torch.rsqrt on CPU rounds the square root, then the
// quotient); an Error when v + eps is not positive.
std::vector<float> var_rsqrt(const std::vector<float>& var, double eps, const char* where) {
  const auto e = static_cast<float>(eps);
  std::vector<float> out(var.size());
  for (std::size_t c = 0; c < var.size(); ++c) {
    const float v = var[c] + e;
    OCTET_CHECK(v > 0.0f, where, "running_var + eps must be > 0, got ", v, " for channel ", c);
    out[c] = 1.0f / std::sqrt(v);
  }
  return out;
}

void check_weight(const Tensor& w, int64_t min_dim, const char* where) {
  OCTET_CHECK(w.defined() && w.dtype() == kFloat32, where, "expected a float32 weight, got ",
              w.defined() ? dtype_name(w.dtype()) : "an undefined tensor");
  OCTET_CHECK(w.dim() >= min_dim, where, "expected a weight of at least ", min_dim, " dims, got shape ",
              shape_to_string(w.shape()));
}

}  // namespace

std::pair<Tensor, Tensor> fuse_conv_bn_weights(const Tensor& conv_w, const Tensor& conv_b, const Tensor& bn_rm,
                                               const Tensor& bn_rv, double bn_eps, const Tensor& bn_w,
                                               const Tensor& bn_b, bool transpose) {
  const char* where = "fuse_conv_bn_weights";
  check_weight(conv_w, 2, where);
  OCTET_CHECK(bn_rm.defined() && bn_rv.defined(), where, "the BatchNorm has no running statistics");
  const int64_t c_out = bn_rm.numel();
  const std::vector<float> rm = channel_values(bn_rm, c_out, 0.0f, where, "running_mean");
  const std::vector<float> rv = channel_values(bn_rv, c_out, 1.0f, where, "running_var");
  const std::vector<float> gamma = channel_values(bn_w, c_out, 1.0f, where, "the BatchNorm weight");
  const std::vector<float> beta = channel_values(bn_b, c_out, 0.0f, where, "the BatchNorm bias");
  const std::vector<float> b = channel_values(conv_b, c_out, 0.0f, where, "the conv bias");
  const std::vector<float> rs = var_rsqrt(rv, bn_eps, where);

  // Output channel of each weight element: dim 0 for convolutions; for transposed ones
  // (C_in, C_out / groups, *kernel) with groups = C_out / size(1), input channel i belongs to group
  // i / (C_in / groups) and column j to output channel group * (C_out / groups) + j.
  const Tensor w = conv_w.contiguous();
  const int64_t d0 = w.size(0), d1 = w.size(1), inner = w.numel() / (d0 * d1);
  if (transpose) {
    OCTET_CHECK(d1 > 0 && c_out % d1 == 0 && d0 % (c_out / d1) == 0, where, "a transposed weight of shape ",
                shape_to_string(w.shape()), " does not fit ", c_out, " output channels");
  } else {
    OCTET_CHECK(d0 == c_out, where, "the weight has ", d0, " output channels, the BatchNorm ", c_out);
  }
  const int64_t groups = transpose ? c_out / d1 : 1, in_per_group = transpose ? d0 / groups : 0;
  Tensor fused_w = empty(w.shape());
  const float* src = w.data_ptr<float>();
  float* dst = fused_w.data_ptr<float>();
  for (int64_t i = 0; i < d0; ++i) {
    for (int64_t j = 0; j < d1; ++j) {
      const int64_t c = transpose ? (i / in_per_group) * d1 + j : i;
      const auto cc = static_cast<std::size_t>(c);
      const float s = gamma[cc] * rs[cc];  // (bn_w * bn_var_rsqrt), then the weight times it
      const int64_t base = (i * d1 + j) * inner;
      for (int64_t k = 0; k < inner; ++k) dst[base + k] = src[base + k] * s;
    }
  }
  Tensor fused_b = empty({c_out});
  float* fb = fused_b.data_ptr<float>();
  for (std::size_t c = 0; c < rm.size(); ++c) fb[c] = (b[c] - rm[c]) * rs[c] * gamma[c] + beta[c];
  return {fused_w, fused_b};
}

std::pair<Tensor, Tensor> fuse_linear_bn_weights(const Tensor& linear_w, const Tensor& linear_b, const Tensor& bn_rm,
                                                 const Tensor& bn_rv, double bn_eps, const Tensor& bn_w,
                                                 const Tensor& bn_b) {
  const char* where = "fuse_linear_bn_weights";
  check_weight(linear_w, 2, where);
  OCTET_CHECK(linear_w.dim() == 2, where, "expected a 2-D weight, got shape ", shape_to_string(linear_w.shape()));
  OCTET_CHECK(bn_rm.defined() && bn_rv.defined(), where, "the BatchNorm has no running statistics");
  const int64_t out = linear_w.size(0), in = linear_w.size(1);
  OCTET_CHECK(bn_rm.numel() == out, where, "the weight has ", out, " output features, the BatchNorm ",
              bn_rm.numel());
  const std::vector<float> rm = channel_values(bn_rm, out, 0.0f, where, "running_mean");
  const std::vector<float> rv = channel_values(bn_rv, out, 1.0f, where, "running_var");
  const std::vector<float> gamma = channel_values(bn_w, out, 1.0f, where, "the BatchNorm weight");
  const std::vector<float> beta = channel_values(bn_b, out, 0.0f, where, "the BatchNorm bias");
  const std::vector<float> b = channel_values(linear_b, out, 0.0f, where, "the linear bias");
  const std::vector<float> rs = var_rsqrt(rv, bn_eps, where);
  const Tensor w = linear_w.contiguous();
  Tensor fused_w = empty(w.shape());
  Tensor fused_b = empty({out});
  const float* src = w.data_ptr<float>();
  float* dst = fused_w.data_ptr<float>();
  float* fb = fused_b.data_ptr<float>();
  for (int64_t r = 0; r < out; ++r) {
    const auto c = static_cast<std::size_t>(r);
    const float s = gamma[c] * rs[c];  // bn_scale = bn_w * rsqrt(bn_rv + bn_eps)
    for (int64_t k = 0; k < in; ++k) dst[r * in + k] = src[r * in + k] * s;
    fb[c] = (b[c] - rm[c]) * s + beta[c];
  }
  return {fused_w, fused_b};
}

namespace detail {

void fold_conv_bn_into(nn::detail::ConvNd& fused, const nn::detail::ConvNd& conv, const nn::detail::BatchNormBase& bn) {
  const char* where = "fuse_conv_bn_eval";
  OCTET_CHECK(!conv.is_training() && !bn.is_training(), where, "Fusion only for eval! (", conv.name(), " is in ",
              conv.is_training() ? "training" : "eval", " mode, ", bn.name(), " in ",
              bn.is_training() ? "training" : "eval", " mode; call eval() first)");
  OCTET_CHECK(bn.running_mean.defined() && bn.running_var.defined(), where, "the ", bn.name(),
              " has no running statistics (track_running_stats=False), so there is nothing to fold");
  OCTET_CHECK(bn.num_features() == conv.out_channels(), where, "the ", bn.name(), " has ", bn.num_features(),
              " features but the ", conv.name(), " has ", conv.out_channels(), " output channels");
  auto [w, b] = fuse_conv_bn_weights(conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps(), bn.weight,
                                     bn.bias, conv.transposed());
  fused.set_parameter("weight", w);
  fused.set_parameter("bias", b);
}

}  // namespace detail

std::shared_ptr<nn::Linear> fuse_linear_bn_eval(const nn::Linear& linear, const nn::detail::BatchNormBase& bn) {
  const char* where = "fuse_linear_bn_eval";
  OCTET_CHECK(!linear.is_training() && !bn.is_training(), where, "Fusion only for eval! (call eval() first)");
  OCTET_CHECK(bn.running_mean.defined() && bn.running_var.defined(), where, "the ", bn.name(),
              " has no running statistics (track_running_stats=False), so there is nothing to fold");
  OCTET_CHECK(bn.num_features() == linear.out_features(), where, "the ", bn.name(), " has ", bn.num_features(),
              " features but the Linear has ", linear.out_features(), " output features");
  auto fused = linear.clone();
  auto [w, b] = fuse_linear_bn_weights(linear.weight, linear.bias, bn.running_mean, bn.running_var, bn.eps(),
                                       bn.weight, bn.bias);
  fused->set_parameter("weight", w);
  fused->set_parameter("bias", b);
  return fused;
}

}  // namespace octet::nn::utils
