// norm.h: normalisation: batch_norm, layer_norm, group_norm, instance_norm (octet::functional, PyTorch's torch.nn.functional).
//
// All take float32 input (N, C, *) (layer_norm: any shape) and return a new contiguous float32
// tensor. Statistics are accumulated in double (mean first, then the sum of squared deviations), so
// large offsets and long rows do not lose precision. Normalisation uses the biased variance; the
// running statistics, where updated, receive the unbiased one, as PyTorch does.
#pragma once

#include <optional>

#include "octet/tensor.h"

namespace octet::functional {

// y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (dim 1) of an (N, C, *) input
// ([N, C], [N, C, L], [N, C, H, W], [N, C, D, H, W], ...).
// training == false: mean/var are running_mean/running_var (both required).
// training == true: mean/var are the batch statistics over every dim but 1 (more than one value per
// channel required); when running_mean/running_var are given they are updated IN PLACE:
//   running = (1 - m) * running + m * batch_stat   (batch variance unbiased: sum / (count - 1)),
// with m = momentum, or, when momentum is absent, the cumulative average m = 1 / num_batches_tracked.
// num_batches_tracked (optional, an int64 one-element tensor, the buffer of nn.BatchNorm) is
// incremented in place on every training call that updates running statistics; momentum absent
// needs it. Weight, bias, running_mean, running_var are float32 vectors of C elements (or absent).
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                  std::optional<double> momentum = 0.1, double eps = 1e-5,
                  const Tensor& num_batches_tracked = {});

// Normalises over the trailing dims given by normalized_shape (which must equal the input's last
// dims); weight and bias, when given, have shape normalized_shape.
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

// Splits the C channels of an (N, C, *) input into num_groups groups (C divisible by num_groups) and
// normalises each (sample, group); weight and bias are per channel (C elements).
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

// Normalises each (sample, channel) plane of an (N, C, *) input. use_input_stats == true: the
// plane's own statistics (more than one spatial element required); running_mean/running_var, when
// given, are updated in place with momentum and the batch average of the planes' mean and unbiased
// variance. use_input_stats == false: running_mean/running_var are used (both required).
Tensor instance_norm(const Tensor& input, const Tensor& running_mean = {},
                     const Tensor& running_var = {}, const Tensor& weight = {},
                     const Tensor& bias = {}, bool use_input_stats = true, double momentum = 0.1,
                     double eps = 1e-5);

}  // namespace octet::functional
