// activation.cpp: relu family, sigmoid, tanh, gelu, silu, mish, elu, celu, leaky_relu, prelu, softplus and dropout.
//
// A quantized input to relu, relu6, hardtanh, hardswish, hardsigmoid, sigmoid, tanh, gelu, elu,
// leaky_relu and dropout runs the quantized op (PyTorch's dispatch by dtype; ops/float/quantized_dispatch.h).
#include <cmath>
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/tensor_impl.h"
#include "kernels/f32_elementwise_kernels.h"
#include "octet/functional/activation.h"
#include "octet/quantized/activation.h"
#include "ops/float/elementwise_iter.h"
#include "ops/float/quantized_dispatch.h"

namespace octet::functional {
namespace {

using namespace elementwise_detail;
using kernels::F32ElementwiseKernels;
using kernels::F32UnaryParams;
using kernels::f32_vunary_fn;

// A float32 input through one vector kernel.
Tensor apply(const char* name, const Tensor& input, f32_vunary_fn F32ElementwiseKernels::*kernel,
             const F32UnaryParams& params, int64_t grain) {
  check_float32(input, name);
  const f32_vunary_fn fn = kernels::f32_elementwise_kernels().*kernel;
  return map_float32(input, grain, [fn, &params](size_t n, const float* x, float* y) { fn(n, x, y, &params); });
}

// A float32 input through a scalar function (the activations no model spends its time in).
template <typename F>
Tensor apply_scalar(const char* name, const Tensor& input, F f) {
  check_float32(input, name);
  return map_generic<float>(input, kGrainCompute, f);
}

F32UnaryParams clamp_params(double lo, double hi) {
  F32UnaryParams p;
  p.min = static_cast<float>(lo);
  p.max = static_cast<float>(hi);
  return p;
}

}  // namespace

Tensor relu(const Tensor& input) {
  if (input.is_quantized()) return quantized::relu(input);
  return apply("relu", input, &F32ElementwiseKernels::vclamp, clamp_params(0.0, INFINITY), kGrainMemoryBound);
}

Tensor relu6(const Tensor& input) {
  if (input.is_quantized()) return quantized::relu6(input);
  return apply("relu6", input, &F32ElementwiseKernels::vclamp, clamp_params(0.0, 6.0), kGrainMemoryBound);
}

Tensor hardtanh(const Tensor& input, double min_val, double max_val) {
  OCTET_CHECK(min_val <= max_val, "hardtanh", "expected min_val <= max_val, got min_val ", min_val, " and max_val ",
              max_val);
  if (input.is_quantized()) return quantized::hardtanh(input, min_val, max_val);
  return apply("hardtanh", input, &F32ElementwiseKernels::vclamp, clamp_params(min_val, max_val), kGrainMemoryBound);
}

Tensor hardswish(const Tensor& input) {
  // ATen's quantized hardswish keeps the input's qparams.
  if (input.is_quantized()) {
    const detail::InputQParams q = detail::input_qparams(input);
    return quantized::hardswish(input, q.scale, q.zero_point);
  }
  return apply("hardswish", input, &F32ElementwiseKernels::vhswish, {}, kGrainMemoryBound);
}

Tensor hardsigmoid(const Tensor& input) {
  if (input.is_quantized()) return quantized::hardsigmoid(input);
  return apply("hardsigmoid", input, &F32ElementwiseKernels::vhsigmoid, {}, kGrainMemoryBound);
}

// sigmoid and tanh are also math functions (torch.sigmoid, torch.tanh): integers become float32 and
// float64 stays float64, as for exp.
Tensor sigmoid(const Tensor& input) {
  if (input.is_quantized()) return quantized::sigmoid(input);
  return unary_math("sigmoid", input, &F32ElementwiseKernels::vsigmoid,
                    [](auto v) { return decltype(v)(1) / (decltype(v)(1) + std::exp(-v)); });
}

Tensor tanh(const Tensor& input) {
  if (input.is_quantized()) return quantized::tanh(input);
  return unary_math("tanh", input, &F32ElementwiseKernels::vtanh, [](auto v) { return std::tanh(v); });
}

Tensor gelu(const Tensor& input, std::string_view approximate) {
  OCTET_CHECK(approximate == "none" || approximate == "tanh", "gelu",
              "expected approximate to be \"none\" or \"tanh\", got \"", std::string(approximate), "\"");
  if (input.is_quantized()) return quantized::gelu(input, approximate);
  return apply("gelu", input, approximate == "tanh" ? &F32ElementwiseKernels::vgelutanh : &F32ElementwiseKernels::vgelu,
               {}, kGrainCompute);
}

Tensor silu(const Tensor& input) { return apply("silu", input, &F32ElementwiseKernels::vsilu, {}, kGrainCompute); }

// PyTorch's formula, x tanh(log1p(e^x)), in double: e^x overflows float past 88 where the answer is x.
Tensor mish(const Tensor& input) {
  return apply_scalar("mish", input, [](float x) {
    const double v = x;
    return static_cast<float>(v * std::tanh(std::log1p(std::exp(v))));
  });
}

Tensor elu(const Tensor& input, double alpha) {
  // ATen's elu_quantized_cpu keeps the input's qparams.
  if (input.is_quantized()) {
    const detail::InputQParams q = detail::input_qparams(input);
    return quantized::elu(input, q.scale, q.zero_point, alpha);
  }
  const float a = static_cast<float>(alpha);
  return apply_scalar("elu", input, [a](float x) { return x > 0.0f ? x : a * std::expm1(x); });
}

Tensor celu(const Tensor& input, double alpha) {
  OCTET_CHECK(alpha != 0.0, "celu", "alpha cannot be 0 (it divides the input)");
  const float a = static_cast<float>(alpha), inv = static_cast<float>(1.0 / alpha);
  return apply_scalar("celu", input, [a, inv](float x) { return x > 0.0f ? x : a * std::expm1(x * inv); });
}

Tensor leaky_relu(const Tensor& input, double negative_slope) {
  if (input.is_quantized()) return quantized::leaky_relu(input, negative_slope);
  F32UnaryParams p;
  p.slope = static_cast<float>(negative_slope);
  return apply("leaky_relu", input, &F32ElementwiseKernels::vlrelu, p, kGrainMemoryBound);
}

Tensor prelu(const Tensor& input, const Tensor& weight) {
  check_float32(input, "prelu");
  check_float32(weight, "prelu", "weight");
  OCTET_CHECK(weight.dim() <= 1, "prelu", "expected weight to be 0-d or 1-d, got shape ", shape_to_string(weight.shape()));
  const int64_t channels = input.dim() >= 2 ? input.size(1) : 1;
  if (weight.numel() != 1) {
    OCTET_CHECK(input.dim() > 0, "prelu", "a 0-d input needs a single weight, got ", weight.numel());
    OCTET_CHECK(weight.numel() == channels, "prelu", "expected ", channels,
                " weights (one per channel, input.size(1)) or 1, got ", weight.numel(), " for input shape ",
                shape_to_string(input.shape()));
  }
  const Tensor x = input.contiguous(), w = weight.contiguous();
  Tensor out = octet::detail::empty_uninitialized(x.shape(), kFloat32);
  if (x.numel() == 0) return out;
  // Planes of `inner` elements share one slope: channel c of batch n is plane n * C + c.
  const int64_t c_dim = weight.numel() == 1 ? 1 : channels;
  const int64_t inner = weight.numel() == 1 ? x.numel() : (input.dim() >= 2 ? x.numel() / x.size(0) / channels : 1);
  const float* px = x.data_ptr<float>();
  const float* pw = w.data_ptr<float>();
  float* py = out.data_ptr<float>();
  const f32_vunary_fn fn = kernels::f32_elementwise_kernels().vlrelu;
  parallel_for(x.numel(), kGrainMemoryBound, [&](int64_t b, int64_t e) {
    while (b < e) {
      const int64_t plane = b / inner, end = std::min(e, (plane + 1) * inner);
      F32UnaryParams p;
      p.slope = pw[plane % c_dim];
      fn(static_cast<size_t>(end - b), px + b, py + b, &p);
      b = end;
    }
  });
  return out;
}

// PyTorch's rule: x where beta x > threshold, else log1p(e^{beta x}) / beta.
Tensor softplus(const Tensor& input, double beta, double threshold) {
  const float b = static_cast<float>(beta), t = static_cast<float>(threshold);
  return apply_scalar("softplus", input, [b, t](float x) { return x * b > t ? x : std::log1p(std::exp(x * b)) / b; });
}

Tensor dropout(const Tensor& input, double p, bool training, Generator* generator) {
  OCTET_CHECK(p >= 0.0 && p <= 1.0, "dropout", "dropout probability has to be between 0 and 1, but got ", p);
  if (input.defined() && input.is_quantized()) {
    // The identity, as ATen's dropout is for !train or p == 0; zeroing quantized elements at random
    // has no quantized kernel in PyTorch either.
    detail::check_quantized_arg(!training || p == 0.0, input, "dropout", "training=true with p > 0",
                                "call eval() on the model, or dequantize first");
    return input.clone();
  }
  check_float32(input, "dropout");
  if (!training || p == 0.0) return input.clone();
  Tensor out = octet::detail::empty_uninitialized(input.shape(), kFloat32);
  if (p == 1.0) return out.fill_(0.0);
  const Tensor x = input.contiguous();
  Generator& g = generator != nullptr ? *generator : default_generator();
  const float* px = x.data_ptr<float>();
  float* py = out.data_ptr<float>();
  const float scale = static_cast<float>(1.0 / (1.0 - p));
  const auto pf = static_cast<float>(p);
  // One draw per element, in order, on this thread: the mask depends only on the seed.
  for (int64_t i = 0; i < x.numel(); ++i) py[i] = g.uniform_float() < pf ? 0.0f : px[i] * scale;
  return out;
}

}  // namespace octet::functional
