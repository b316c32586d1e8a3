// dynamic_util.h: helpers shared by the dynamic quantized modules (internal): the engine's reduce_range, qint8-or-float16 weights from observers, input and checkpoint checks.
#pragma once

#include <string>

#include "octet/nn/quantized/from_float.h"
#include "octet/quantized/dynamic_linear_weight.h"
#include "octet/tensor.h"

namespace octet::nn::quantized::detail {

// Whether dynamic activations use 7 bits (quint8 0..127): PyTorch's x86 / fbgemm modules pass
// reduce_range=True (its onednn kernels honour it too; Octet maps both to the x86 engine), while
// qnnpack ignores it. True when the current engine is x86.
bool dynamic_reduce_range();

// The weight dtype a dynamic module gets from args.weight_observer (default: PyTorch's
// default_dynamic_qconfig weight observer): kQInt8 or kFloat16. Another dtype is an Error naming
// the module, as PyTorch's "The only supported dtypes for dynamic quantized linear are qint8 and
// float16".
DType dynamic_weight_dtype(const FromFloatArgs& args, const std::string& module);

// A float weight in the form DynamicLinearWeight::prepack takes for `dtype`: qint8 observed and
// quantized (a fresh observer per call, like PyTorch's from_float), or the float weight itself for
// float16 (the prepack rounds it).
Tensor dynamic_weight(const Tensor& weight, DType dtype, const FromFloatArgs& args, const std::string& module);

// A dynamic module takes float inputs: a quantized one means a DeQuantStub is missing before it.
void check_dynamic_input(const Tensor& input, const std::string& module, const char* what = "input");

// Validates a checkpoint weight for a dynamic module of `dtype`: qint8 quantized (per tensor or per
// channel along axis 0), or floating for float16. Empty when valid, else the reason.
std::string check_dynamic_weight(const Tensor& w, const Shape& shape, DType dtype);

// "torch.qint8" / "torch.float16", as PyTorch prints a dtype.
std::string torch_dtype(DType dtype);

}  // namespace octet::nn::quantized::detail
