// activation.h: activation functions, softmax / log_softmax and dropout (octet::functional, PyTorch's torch.nn.functional).
//
// Inputs are float32 (any layout; an integer or other dtype is an Error naming the op); results are
// new contiguous float32 tensors of the input's shape. relu/sigmoid/tanh/gelu/silu/hardswish and
// softmax run vectorized (AVX2 / AVX-512 when the CPU has them) and multi-threaded on large inputs;
// the exp/tanh/erf approximations are within a few ulp of the exact function. NaN propagates as in
// PyTorch.
//
// A quantized input runs the quantized op (PyTorch's dispatch by dtype; octet/quantized/activation.h)
// for relu, relu6, hardtanh, hardswish, hardsigmoid, sigmoid, tanh, gelu, elu, leaky_relu and
// dropout. Output qparams are those PyTorch's quantized op picks: the input's for relu, relu6,
// hardtanh, hardswish, gelu, elu and leaky_relu; scale 1/256 with zero point 0 (quint8) or -128
// (qint8) for sigmoid and hardsigmoid; 2/256 with 128 or 0 for tanh. dropout copies a quantized
// input when !training (or p == 0), and is an Error when training. The other ops reject quantized
// input.
#pragma once

#include <cstdint>
#include <string_view>

#include "octet/generator.h"
#include "octet/tensor.h"

namespace octet::functional {

Tensor relu(const Tensor& input);
Tensor relu6(const Tensor& input);  // hardtanh(input, 0, 6)
Tensor hardtanh(const Tensor& input, double min_val = -1.0, double max_val = 1.0);
Tensor hardswish(const Tensor& input);    // x * relu6(x + 3) / 6
Tensor hardsigmoid(const Tensor& input);  // relu6(x + 3) / 6
Tensor sigmoid(const Tensor& input);
Tensor tanh(const Tensor& input);
// approximate: "none" (0.5 x (1 + erf(x / sqrt 2))) or "tanh" (0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))).
Tensor gelu(const Tensor& input, std::string_view approximate = "none");
Tensor silu(const Tensor& input);  // x * sigmoid(x)
Tensor mish(const Tensor& input);  // x * tanh(softplus(x))
Tensor elu(const Tensor& input, double alpha = 1.0);   // x > 0 ? x : alpha (e^x - 1)
Tensor celu(const Tensor& input, double alpha = 1.0);  // max(0, x) + min(0, alpha (e^{x/alpha} - 1)); alpha != 0
Tensor leaky_relu(const Tensor& input, double negative_slope = 0.01);
// weight: one slope per channel (dim 1 of input; a 1-D weight of input.size(1) elements) or a single
// slope (one element) for every channel.
Tensor prelu(const Tensor& input, const Tensor& weight);
// log(1 + e^{beta x}) / beta, and x itself where beta x > threshold.
Tensor softplus(const Tensor& input, double beta = 1.0, double threshold = 20.0);

// Along dim (negative counts from the end), numerically stable: the row max is subtracted first.
Tensor softmax(const Tensor& input, int64_t dim);
Tensor log_softmax(const Tensor& input, int64_t dim);

// Identity (a copy) when !training. When training, each element is zeroed with probability p and the
// rest scaled by 1 / (1 - p), drawing from *generator (default_generator() when null), one
// uniform_float() per element in row-major order, so a seed reproduces the mask. p in [0, 1].
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true, Generator* generator = nullptr);

}  // namespace octet::functional
