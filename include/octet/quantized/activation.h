// activation.h: activations on 8-bit quantized tensors (octet::quantized, PyTorch's quantized torch.nn.functional / torch.ops.quantized).
//
// Inputs are per-tensor quantized quint8 or qint8 tensors of any layout; results are new contiguous
// tensors of the same dtype. Two kinds:
//   - clamps (relu, relu6, hardtanh, clamp) keep the input's qparams and clamp the stored integers at
//     the quantized bounds, as PyTorch does;
//   - everything else is a 256-entry lookup table built per call: for each input integer q,
//     quantize_out(f(dequantize_in(q))) with f evaluated in double and rounded once to float32
//     (docs/kernels.md, "8-bit elementwise and lookup tables"). Results agree with PyTorch's x86
//     engine to within one step of the output scale.
// Large tensors run on get_num_threads() threads.
//
// Errors (octet::Error, naming the op): an undefined or non-quantized input, qint32 / quint4x2,
// per-channel inputs, an output scale that is not finite and > 0 in float32, an output zero point
// outside the dtype's range, NaN bounds, an unknown gelu approximation.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "octet/tensor.h"

namespace octet::quantized {

// --- clamps: the input's qparams ------------------------------------------------------------------
Tensor relu(const Tensor& x);   // max(q, zero_point)
Tensor relu6(const Tensor& x);  // clamp(q, zero_point, quantize(6))
// clamp(q, quantize(min_val), quantize(max_val)); min_val > max_val is an Error (as in PyTorch).
Tensor hardtanh(const Tensor& x, double min_val = -1.0, double max_val = 1.0);
// torch.clamp: either bound may be absent; min > max gives quantize(max) everywhere.
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max = std::nullopt);

// --- lookup tables with PyTorch's fixed output qparams ---------------------------------------------
// sigmoid, hardsigmoid: scale 1/256, zero point 0 (quint8) or -128 (qint8).
Tensor sigmoid(const Tensor& x);
Tensor hardsigmoid(const Tensor& x);
// tanh: scale 2/256, zero point 128 (quint8) or 0 (qint8).
Tensor tanh(const Tensor& x);

// --- lookup tables with given output qparams ---------------------------------------------------------
// x * relu6(x + 3) / 6 (torch.ops.quantized.hardswish).
Tensor hardswish(const Tensor& x, double output_scale, int64_t output_zero_point);
// x >= 0 ? x * scale : alpha * scale * (e^(x * input_scale) - 1) (torch.ops.quantized.elu; scale and
// input_scale are ELU's coefficients, not quantization parameters).
Tensor elu(const Tensor& x, double output_scale, int64_t output_zero_point, double alpha = 1.0,
           double scale = 1.0, double input_scale = 1.0);
// approximate: "none" (x/2 (1 + erf(x / sqrt 2))) or "tanh".
Tensor gelu(const Tensor& x, double output_scale, int64_t output_zero_point, std::string_view approximate = "none");
// x * sigmoid(x).
Tensor silu(const Tensor& x, double output_scale, int64_t output_zero_point);

// --- lookup tables that keep the input's qparams (PyTorch's functional forms) -----------------------
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor gelu(const Tensor& x, std::string_view approximate = "none");
Tensor silu(const Tensor& x);

}  // namespace octet::quantized
