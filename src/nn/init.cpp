// init.cpp: torch.nn.init's initializers and gains on Octet tensors.
#include "octet/nn/init.h"

#include <cmath>
#include <limits>
#include <string>

namespace octet::nn::init {

namespace {

void check_float(const Tensor& tensor, const char* where) {
  OCTET_CHECK(tensor.defined(), where, "the tensor is undefined");
  OCTET_CHECK(tensor.is_floating_point(), where, "expected a floating-point tensor, got ", tensor.dtype());
}

// Fills the tensor with draw(), element by element in row-major order: straight into contiguous
// float32 / float64 data, otherwise through a contiguous buffer (float32 for float32 tensors, so
// that draw's float rounding decides the values; float64 for the others) copied in.
template <typename Draw>
Tensor fill(const Tensor& tensor, Draw draw) {
  const bool f32 = tensor.dtype() == kFloat32;
  const bool direct = tensor.is_contiguous() && (f32 || tensor.dtype() == kFloat64);
  Tensor values = direct ? tensor : empty(tensor.shape(), f32 ? kFloat32 : kFloat64);
  const int64_t n = values.numel();
  if (f32) {
    float* d = values.data_ptr<float>();
    for (int64_t i = 0; i < n; ++i) d[i] = draw(float{});
  } else {
    double* d = values.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i) d[i] = draw(double{});
  }
  Tensor out = tensor;
  if (!direct) out.copy_(values);
  return out;
}

// (fan_in, fan_out), with errors naming the initializer the caller used.
std::pair<int64_t, int64_t> fans(const Tensor& tensor, const char* where) {
  OCTET_CHECK(tensor.defined(), where, "the tensor is undefined");
  OCTET_CHECK(tensor.dim() >= 2, where,
              "fan in and fan out can not be computed for a tensor with fewer than 2 dimensions, got shape ",
              shape_to_string(tensor.shape()));
  int64_t receptive_field = 1;
  for (int64_t d = 2; d < tensor.dim(); ++d) receptive_field *= tensor.size(d);
  return {tensor.size(1) * receptive_field, tensor.size(0) * receptive_field};
}

Generator& pick(Generator* generator) { return generator != nullptr ? *generator : default_generator(); }

int64_t correct_fan(const Tensor& tensor, std::string_view mode, const char* where) {
  OCTET_CHECK(mode == "fan_in" || mode == "fan_out", where, "mode '", mode,
              "' not supported, please use one of fan_in, fan_out");
  const auto [fan_in, fan_out] = fans(tensor, where);
  return mode == "fan_in" ? fan_in : fan_out;
}

bool has_zero_dim(const Tensor& tensor) {
  for (int64_t s : tensor.shape()) {
    if (s == 0) return true;
  }
  return false;
}

}  // namespace

double calculate_gain(std::string_view nonlinearity, std::optional<double> param) {
  if (nonlinearity == "linear" || nonlinearity == "conv1d" || nonlinearity == "conv2d" ||
      nonlinearity == "conv3d" || nonlinearity == "conv_transpose1d" || nonlinearity == "conv_transpose2d" ||
      nonlinearity == "conv_transpose3d" || nonlinearity == "sigmoid") {
    return 1.0;
  }
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    const double slope = param.value_or(0.01);
    OCTET_CHECK(std::isfinite(slope), "calculate_gain", "negative_slope ", slope, " is not a valid number");
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4.0;
  OCTET_FAIL("calculate_gain", "unsupported nonlinearity '", nonlinearity,
             "'; expected linear, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, "
             "conv_transpose3d, sigmoid, tanh, relu, leaky_relu or selu");
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor) {
  return fans(tensor, "calculate_fan_in_and_fan_out");
}

Tensor uniform_(const Tensor& tensor, double a, double b, Generator* generator) {
  check_float(tensor, "uniform_");
  OCTET_CHECK(std::isfinite(a) && std::isfinite(b) && a <= b, "uniform_",
              "expected finite bounds with a <= b, got a=", a, " b=", b);
  Generator& gen = pick(generator);
  return fill(tensor, [&](auto tag) {
    using T = decltype(tag);
    // Rounding a + (b - a) * u to T can land on b; the largest T below b keeps the range [a, b).
    const T v = static_cast<T>(a + (b - a) * gen.uniform_double());
    return (v < static_cast<T>(b) || a == b) ? v : std::nextafter(static_cast<T>(b), static_cast<T>(a));
  });
}

Tensor normal_(const Tensor& tensor, double mean, double stddev, Generator* generator) {
  check_float(tensor, "normal_");
  OCTET_CHECK(std::isfinite(mean) && std::isfinite(stddev) && stddev >= 0.0, "normal_",
              "expected a finite mean and std >= 0, got mean=", mean, " std=", stddev);
  Generator& gen = pick(generator);
  return fill(tensor, [&](auto tag) { return static_cast<decltype(tag)>(mean + stddev * gen.normal()); });
}

Tensor constant_(const Tensor& tensor, double val) {
  check_float(tensor, "constant_");
  Tensor out = tensor;
  out.fill_(val);
  return out;
}

Tensor zeros_(const Tensor& tensor) {
  check_float(tensor, "zeros_");
  return constant_(tensor, 0.0);
}

Tensor ones_(const Tensor& tensor) {
  check_float(tensor, "ones_");
  return constant_(tensor, 1.0);
}

Tensor xavier_uniform_(const Tensor& tensor, double gain, Generator* generator) {
  check_float(tensor, "xavier_uniform_");
  const auto [fan_in, fan_out] = fans(tensor, "xavier_uniform_");
  OCTET_CHECK(fan_in + fan_out > 0, "xavier_uniform_", "fan_in + fan_out is 0 for shape ",
              shape_to_string(tensor.shape()));
  const double bound = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  return uniform_(tensor, -bound, bound, generator);
}

Tensor xavier_normal_(const Tensor& tensor, double gain, Generator* generator) {
  check_float(tensor, "xavier_normal_");
  const auto [fan_in, fan_out] = fans(tensor, "xavier_normal_");
  OCTET_CHECK(fan_in + fan_out > 0, "xavier_normal_", "fan_in + fan_out is 0 for shape ",
              shape_to_string(tensor.shape()));
  return normal_(tensor, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)), generator);
}

Tensor kaiming_uniform_(const Tensor& tensor, double a, std::string_view mode, std::string_view nonlinearity,
                        Generator* generator) {
  check_float(tensor, "kaiming_uniform_");
  if (has_zero_dim(tensor)) return tensor;
  const int64_t fan = correct_fan(tensor, mode, "kaiming_uniform_");
  const double stddev = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
  const double bound = std::sqrt(3.0) * stddev;
  return uniform_(tensor, -bound, bound, generator);
}

Tensor kaiming_normal_(const Tensor& tensor, double a, std::string_view mode, std::string_view nonlinearity,
                       Generator* generator) {
  check_float(tensor, "kaiming_normal_");
  if (has_zero_dim(tensor)) return tensor;
  const int64_t fan = correct_fan(tensor, mode, "kaiming_normal_");
  return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan)), generator);
}

}  // namespace octet::nn::init
