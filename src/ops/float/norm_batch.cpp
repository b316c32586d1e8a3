// norm_batch.cpp: batch_norm and instance_norm: per-channel statistics, running-stat updates, and the per-channel scale + shift apply.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/tensor_impl.h"
#include "kernels/norm_kernels.h"
#include "octet/engine.h"
#include "octet/functional/norm.h"
#include "ops/float/norm_common.h"

namespace octet::functional {
namespace {

using detail::inv_std;
using detail::param_values;
using detail::read_vector;
using detail::write_vector;

// Planes shorter than this are applied row by row (one (n, :) row of C * S elements) instead of
// plane by plane, so that [N, C] inputs still run full vectors.
constexpr int64_t kShortPlane = 16;

// y[n, c, s] = x[n, c, s] * scale[c] + shift[c] for a contiguous (N, C, S) input.
void apply_channel_affine(const float* x, float* y, int64_t N, int64_t C, int64_t S,
                          const std::vector<float>& scale, const std::vector<float>& shift) {
  const kernels::NormKernels k = kernels::norm_kernels();
  if (S >= kShortPlane) {
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
    for (int64_t p = 0; p < N * C; ++p) {
      const int64_t c = p % C;
      k.f32_vscaleshift(static_cast<size_t>(S), x + p * S, scale[c], shift[c], y + p * S);
    }
  } else if (S == 1) {
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
    for (int64_t n = 0; n < N; ++n) {
      k.f32_vnormaffine(static_cast<size_t>(C), x + n * C, 0.0f, 1.0f, scale.data(), shift.data(), y + n * C);
    }
  } else {
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t c = 0; c < C; ++c) {
        const int64_t off = (n * C + c) * S;
        k.f32_vscaleshift(static_cast<size_t>(S), x + off, scale[c], shift[c], y + off);
      }
    }
  }
}

// Folds mean, 1/std, weight and bias into one scale and shift per channel.
void fold_affine(const std::vector<double>& mean, const std::vector<double>& invstd,
                 const std::vector<float>& weight, const std::vector<float>& bias,
                 std::vector<float>& scale, std::vector<float>& shift) {
  const size_t C = mean.size();
  scale.resize(C);
  shift.resize(C);
  for (size_t c = 0; c < C; ++c) {
    const double a = invstd[c] * (weight.empty() ? 1.0 : static_cast<double>(weight[c]));
    scale[c] = static_cast<float>(a);
    shift[c] = static_cast<float>((bias.empty() ? 0.0 : static_cast<double>(bias[c])) - mean[c] * a);
  }
}

// Mean and sum of squared deviations of channel c over every (n, s) of a contiguous (N, C, S)
// input. Long planes use the vector two-pass kernel per plane and combine the planes exactly
// (Chan et al.: equal counts, so M2 = sum M2_n + S * sum (mean_n - mean)^2); short planes run the
// two passes directly over the strided channel.
void channel_moments(const float* x, int64_t N, int64_t C, int64_t S, int64_t c,
                     kernels::f32_rmoments_fn rmoments, double* mean, double* m2) {
  if (S >= kShortPlane) {
    std::vector<double> means(static_cast<size_t>(N));
    double m2_sum = 0.0, sum = 0.0;
    for (int64_t n = 0; n < N; ++n) {
      double mu, q;
      rmoments(static_cast<size_t>(S), x + (n * C + c) * S, &mu, &q);
      means[static_cast<size_t>(n)] = mu;
      m2_sum += q;
      sum += mu;
    }
    const double mu = sum / static_cast<double>(N);
    double between = 0.0;
    for (double m : means) between += (m - mu) * (m - mu);
    *mean = mu;
    *m2 = m2_sum + static_cast<double>(S) * between;
    return;
  }
  double sum = 0.0;
  for (int64_t n = 0; n < N; ++n) {
    const float* p = x + (n * C + c) * S;
    for (int64_t s = 0; s < S; ++s) sum += static_cast<double>(p[s]);
  }
  const double mu = sum / static_cast<double>(N * S);
  double q = 0.0;
  for (int64_t n = 0; n < N; ++n) {
    const float* p = x + (n * C + c) * S;
    for (int64_t s = 0; s < S; ++s) {
      const double d = static_cast<double>(p[s]) - mu;
      q += d * d;
    }
  }
  *mean = mu;
  *m2 = q;
}

// running = (1 - m) * running + m * value, written back in place.
void update_running(const Tensor& running, const std::vector<double>& value, double momentum) {
  if (!running.defined()) return;
  std::vector<double> r = read_vector(running);
  for (size_t c = 0; c < r.size(); ++c) r[c] = (1.0 - momentum) * r[c] + momentum * value[c];
  write_vector(running, r);
}

}  // namespace

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training,
                  std::optional<double> momentum, double eps, const Tensor& num_batches_tracked) {
  constexpr const char* kWhere = "batch_norm";
  detail::check_float_input(input, kWhere);
  OCTET_CHECK(input.dim() >= 2, kWhere, "expected an input of at least 2 dims (N, C, *), got shape ",
              shape_to_string(input.shape()));
  const int64_t N = input.size(0), C = input.size(1);
  const int64_t S = N * C == 0 ? 0 : input.numel() / (N * C);
  const std::vector<float> w = param_values(weight, kWhere, "weight", C);
  const std::vector<float> b = param_values(bias, kWhere, "bias", C);
  param_values(running_mean, kWhere, "running_mean", C);
  param_values(running_var, kWhere, "running_var", C);
  OCTET_CHECK(eps >= 0.0, kWhere, "eps must be >= 0, got ", eps);
  const bool updates = training && (running_mean.defined() || running_var.defined());
  if (num_batches_tracked.defined()) {
    OCTET_CHECK(num_batches_tracked.dtype() == kInt64 && num_batches_tracked.numel() == 1, kWhere,
                "num_batches_tracked must be a one-element int64 tensor, got ", num_batches_tracked.dtype(),
                " of shape ", shape_to_string(num_batches_tracked.shape()));
  }
  if (updates && !momentum.has_value()) {
    OCTET_CHECK(num_batches_tracked.defined(), kWhere,
                "momentum is absent (cumulative moving average), which needs num_batches_tracked; "
                "none was given");
  }
  if (!training) {
    OCTET_CHECK(running_mean.defined() && running_var.defined(), kWhere,
                "running_mean and running_var must be defined in evaluation mode (training=false)");
  } else {
    OCTET_CHECK(N * S != 1, kWhere, "expected more than 1 value per channel when training, got input of shape ",
                shape_to_string(input.shape()));
  }

  const Tensor x = input.contiguous();
  Tensor y = octet::detail::empty_uninitialized(input.shape(), kFloat32);
  if (input.numel() == 0) return y;
  const float* px = x.data_ptr<float>();

  std::vector<double> mean, invstd(static_cast<size_t>(C));
  if (training) {
    const kernels::NormKernels k = kernels::norm_kernels();
    std::vector<double> m2(static_cast<size_t>(C));
    mean.resize(static_cast<size_t>(C));
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(dynamic, 1)
    for (int64_t c = 0; c < C; ++c) {
      channel_moments(px, N, C, S, c, k.f32_rmoments, &mean[static_cast<size_t>(c)], &m2[static_cast<size_t>(c)]);
    }
    const double count = static_cast<double>(N * S);
    std::vector<double> unbiased(static_cast<size_t>(C));
    for (size_t c = 0; c < static_cast<size_t>(C); ++c) {
      invstd[c] = inv_std(m2[c] / count, eps);
      unbiased[c] = m2[c] / (count - 1.0);
    }
    if (updates) {
      double factor = momentum.value_or(0.0);
      if (num_batches_tracked.defined()) {
        int64_t* nbt = num_batches_tracked.data_ptr<int64_t>();
        *nbt += 1;
        if (!momentum.has_value()) factor = 1.0 / static_cast<double>(*nbt);
      }
      update_running(running_mean, mean, factor);
      update_running(running_var, unbiased, factor);
    }
  } else {
    mean = read_vector(running_mean);
    const std::vector<double> var = read_vector(running_var);
    for (size_t c = 0; c < static_cast<size_t>(C); ++c) invstd[c] = inv_std(var[c], eps);
  }
  std::vector<float> scale, shift;
  fold_affine(mean, invstd, w, b, scale, shift);
  apply_channel_affine(px, y.data_ptr<float>(), N, C, S, scale, shift);
  return y;
}

Tensor instance_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                     const Tensor& weight, const Tensor& bias, bool use_input_stats, double momentum,
                     double eps) {
  constexpr const char* kWhere = "instance_norm";
  detail::check_float_input(input, kWhere);
  OCTET_CHECK(input.dim() >= 3, kWhere, "expected an input of at least 3 dims (N, C, *spatial), got shape ",
              shape_to_string(input.shape()));
  const int64_t N = input.size(0), C = input.size(1);
  const int64_t S = N * C == 0 ? 0 : input.numel() / (N * C);
  const std::vector<float> w = param_values(weight, kWhere, "weight", C);
  const std::vector<float> b = param_values(bias, kWhere, "bias", C);
  param_values(running_mean, kWhere, "running_mean", C);
  param_values(running_var, kWhere, "running_var", C);
  OCTET_CHECK(eps >= 0.0, kWhere, "eps must be >= 0, got ", eps);
  if (use_input_stats) {
    OCTET_CHECK(S > 1 || input.numel() == 0, kWhere,
                "expected more than 1 spatial element when use_input_stats is true, got input of shape ",
                shape_to_string(input.shape()));
  } else {
    OCTET_CHECK(running_mean.defined() && running_var.defined(), kWhere,
                "running_mean and running_var must be defined when use_input_stats is false");
  }

  const Tensor x = input.contiguous();
  Tensor y = octet::detail::empty_uninitialized(input.shape(), kFloat32);
  if (input.numel() == 0) return y;
  const float* px = x.data_ptr<float>();
  float* py = y.data_ptr<float>();

  if (!use_input_stats) {
    const std::vector<double> mean = read_vector(running_mean);
    const std::vector<double> var = read_vector(running_var);
    std::vector<double> invstd(static_cast<size_t>(C));
    for (size_t c = 0; c < invstd.size(); ++c) invstd[c] = inv_std(var[c], eps);
    std::vector<float> scale, shift;
    fold_affine(mean, invstd, w, b, scale, shift);
    apply_channel_affine(px, py, N, C, S, scale, shift);
    return y;
  }

  // Each (n, c) plane: its statistics, then its own scale + shift.
  const kernels::NormKernels k = kernels::norm_kernels();
  std::vector<double> plane_mean(static_cast<size_t>(N * C)), plane_m2(static_cast<size_t>(N * C));
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
  for (int64_t p = 0; p < N * C; ++p) {
    const int64_t c = p % C;
    double mu, q;
    k.f32_rmoments(static_cast<size_t>(S), px + p * S, &mu, &q);
    plane_mean[static_cast<size_t>(p)] = mu;
    plane_m2[static_cast<size_t>(p)] = q;
    const double a = inv_std(q / static_cast<double>(S), eps) * (w.empty() ? 1.0 : static_cast<double>(w[c]));
    const double sh = (b.empty() ? 0.0 : static_cast<double>(b[c])) - mu * a;
    k.f32_vscaleshift(static_cast<size_t>(S), px + p * S, static_cast<float>(a), static_cast<float>(sh), py + p * S);
  }
  // PyTorch runs instance norm as batch norm over (1, N * C, *) with the running stats repeated
  // N times, then averages the N updated copies: the update uses the batch mean of the planes'
  // means and unbiased variances.
  if (running_mean.defined() || running_var.defined()) {
    std::vector<double> avg_mean(static_cast<size_t>(C), 0.0), avg_var(static_cast<size_t>(C), 0.0);
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t c = 0; c < C; ++c) {
        const size_t p = static_cast<size_t>(n * C + c);
        avg_mean[static_cast<size_t>(c)] += plane_mean[p] / static_cast<double>(N);
        avg_var[static_cast<size_t>(c)] += plane_m2[p] / static_cast<double>(S - 1) / static_cast<double>(N);
      }
    }
    update_running(running_mean, avg_mean, momentum);
    update_running(running_var, avg_var, momentum);
  }
  return y;
}

}  // namespace octet::functional
