// init.h: octet::nn::init, PyTorch's torch.nn.init: in-place weight initializers and their gains.
//
// Each initializer fills a floating-point tensor in place (any layout, views included) and returns
// it. Random ones draw from `generator`, or from octet::default_generator() when it is null (seed
// it with octet::manual_seed). Values are drawn in the tensor's logical (row-major) order, so a
// seed gives the same tensor whatever its strides. Octet's generator is not PyTorch's: the
// distributions match, the exact numbers do not.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "octet/generator.h"
#include "octet/tensor.h"

namespace octet::nn::init {

// The recommended gain for a nonlinearity: 1 for linear, conv1d/2d/3d, conv_transpose1d/2d/3d and
// sigmoid; 5/3 for tanh; sqrt(2) for relu; sqrt(2 / (1 + negative_slope^2)) for leaky_relu
// (param = negative_slope, default 0.01); 3/4 for selu. Other names are an Error.
double calculate_gain(std::string_view nonlinearity, std::optional<double> param = std::nullopt);

// (fan_in, fan_out) of a weight of shape [out, in, k...]: in * prod(k) and out * prod(k).
// Tensors with fewer than 2 dims are an Error.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

// U[a, b): every value v satisfies a <= v < b for float32 and float64 tensors (a <= b required;
// a == b fills with a). Half-precision dtypes round the draws, which may reach b.
Tensor uniform_(const Tensor& tensor, double a = 0.0, double b = 1.0, Generator* generator = nullptr);
// N(mean, std^2); std >= 0 required.
Tensor normal_(const Tensor& tensor, double mean = 0.0, double std = 1.0, Generator* generator = nullptr);
Tensor constant_(const Tensor& tensor, double val);
Tensor zeros_(const Tensor& tensor);
Tensor ones_(const Tensor& tensor);

// Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)), or N(0, std^2) with
// std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_uniform_(const Tensor& tensor, double gain = 1.0, Generator* generator = nullptr);
Tensor xavier_normal_(const Tensor& tensor, double gain = 1.0, Generator* generator = nullptr);

// He: std = calculate_gain(nonlinearity, a) / sqrt(fan), fan picked by mode ("fan_in" or
// "fan_out"); uniform draws U(-sqrt(3) * std, sqrt(3) * std), normal draws N(0, std^2). A tensor
// with a zero-size dim is left as it is (nothing to fill), like PyTorch.
Tensor kaiming_uniform_(const Tensor& tensor, double a = 0.0, std::string_view mode = "fan_in",
                        std::string_view nonlinearity = "leaky_relu", Generator* generator = nullptr);
Tensor kaiming_normal_(const Tensor& tensor, double a = 0.0, std::string_view mode = "fan_in",
                       std::string_view nonlinearity = "leaky_relu", Generator* generator = nullptr);

}  // namespace octet::nn::init
