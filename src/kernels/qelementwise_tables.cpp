// qelementwise_tables.cpp: builds the 256-entry lookup tables of the 8-bit activations (x8_lut).
#include <cmath>
#include <cstdint>

#include "kernels/qelementwise_kernels.h"

namespace octet::kernels {

float lut_function_value(const LutFunctionParams& f, float x) {
  const auto d = static_cast<double>(x);
  switch (f.function) {
    case LutFunction::Identity: return x;
    case LutFunction::Sigmoid: return static_cast<float>(1.0 / (1.0 + std::exp(-d)));
    case LutFunction::Tanh: return static_cast<float>(std::tanh(d));
    // erfc(-x / sqrt 2) == 1 + erf(x / sqrt 2), without the cancellation for negative x.
    case LutFunction::Gelu: return static_cast<float>(0.5 * d * std::erfc(-d * 0.70710678118654752440));
    case LutFunction::GeluTanh: {
      constexpr double kSqrt2OverPi = 0.79788456080286535588;
      return static_cast<float>(0.5 * d * (1.0 + std::tanh(kSqrt2OverPi * (d + 0.044715 * d * d * d))));
    }
    case LutFunction::Silu: return static_cast<float>(d / (1.0 + std::exp(-d)));
    // PyTorch's float32 expressions (qhardsigmoid / qhardswish / leaky_qrelu / qelu kernels).
    case LutFunction::Hardsigmoid: return std::fmin(std::fmax(x + 3.0f, 0.0f), 6.0f) / 6.0f;
    case LutFunction::Hardswish: return x * std::fmin(std::fmax(x + 3.0f, 0.0f), 6.0f) / 6.0f;
    case LutFunction::LeakyRelu: return x > 0 ? x : x * static_cast<float>(f.alpha);
    case LutFunction::Elu: {
      const auto alpha = static_cast<float>(f.alpha), scale = static_cast<float>(f.beta);
      if (x >= 0) return x * scale;
      // expm1 keeps e^t - 1 accurate near 0, where the float e^t - 1 cancels.
      const float t = x * static_cast<float>(f.gamma);
      return static_cast<float>(std::expm1(static_cast<double>(t))) * alpha * scale;
    }
  }
  return x;
}

void build_x8_lut_table(const LutQParams& q, const LutFunctionParams& f, uint8_t table[256]) {
  const float inv_output_scale = 1.0f / q.output_scale;
  const float zero_point = static_cast<float>(q.output_zero_point);
  const float qmin = static_cast<float>(q.qmin), qmax = static_cast<float>(q.qmax);
  const float bias = q.input_scale * -static_cast<float>(q.input_zero_point);
  for (int code = 0; code < 256; ++code) {
    const int32_t v = q.is_signed ? static_cast<int8_t>(static_cast<uint8_t>(code)) : code;
    // The FMA form exactly in double (as qelementwise-scalar.cpp's dequantize_fma), or Octet's dequantize.
    const float x = q.dequantize == LutDequantize::PremulFma
                        ? static_cast<float>(static_cast<double>(q.input_scale) * v + static_cast<double>(bias))
                        : static_cast<float>(v - q.input_zero_point) * q.input_scale;
    const float y = lut_function_value(f, x);
    // Octet's quantize: round, add the zero point, clamp with NaN landing on qmax.
    float t = std::nearbyint(y * inv_output_scale) + zero_point;
    if (!(t <= qmax)) t = qmax;
    if (t < qmin) t = qmin;
    table[code] = static_cast<uint8_t>(static_cast<int32_t>(t));  // qint8: the int8 bit pattern
  }
}

}  // namespace octet::kernels
