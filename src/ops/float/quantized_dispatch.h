// quantized_dispatch.h: how a float functional op hands a quantized input to octet::quantized, as PyTorch's dispatch by dtype does (internal).
//
// In PyTorch, after eager-mode convert(), the modules and functions that have no quantized
// counterpart in the module mappings (nn.ReLU, nn.MaxPool2d, F.interpolate, ...) still run on
// quantized tensors, because ATen picks the kernel by the tensor's dtype. Octet's float ops do the
// same: each op that has a quantized counterpart starts with
//     if (input.is_quantized()) return quantized::<op>(input, ...);
// and the quantized op picks the output qparams (docs/numerics.md). An argument the quantized op
// cannot honour is an Error naming it (check_quantized_arg), never a silently different answer.
// Ops with no quantized counterpart keep their float32 check, whose message names the dtype.
#pragma once

#include <cstdint>

#include "octet/error.h"
#include "octet/tensor.h"

namespace octet::functional::detail {

// An Error "<op>: <argument> is not supported on a quantized <dtype> input (<why>)" unless
// `supported`. `why` says what to do instead.
inline void check_quantized_arg(bool supported, const Tensor& input, const char* op, const char* argument,
                                const char* why) {
  OCTET_CHECK(supported, op, argument, " is not supported on a quantized ", input.dtype(), " input (", why, ")");
}

// The input's per-tensor qparams, for the quantized ops that ATen calls with them as the output's
// (hardswish, elu). A per-channel input gives placeholders: the quantized op rejects it with its
// own message before it reads them.
struct InputQParams {
  double scale = 1.0;
  int64_t zero_point = 0;
};
inline InputQParams input_qparams(const Tensor& input) {
  if (input.quantizer()->per_channel()) return {};
  return {input.q_scale(), input.q_zero_point()};
}

// ATen's 1-d pooling composites (avg_pool1d, adaptive_avg_pool1d), which is how PyTorch runs them
// on quantized tensors: a (C, L) or (N, C, L) input runs as (C, 1, L) or (N, C, 1, L) through the
// 2-d op `op2d`, and the unit dim is dropped again (a view; the qparams stay).
template <typename Op2d>
Tensor pool1d_as_2d(const Tensor& input, const char* op, Op2d op2d) {
  OCTET_CHECK(input.dim() == 2 || input.dim() == 3, op, "expected a 2-D or 3-D input (C, L) or (N, C, L), got shape ",
              shape_to_string(input.shape()));
  return op2d(input.unsqueeze(-2)).squeeze(-2);
}

}  // namespace octet::functional::detail
