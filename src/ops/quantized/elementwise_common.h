// elementwise_common.h: input checks, lookup-table and clamp application shared by the 8-bit elementwise operators (internal).
#pragma once

#include <cstdint>

#include "kernels/qelementwise_kernels.h"
#include "octet/dtype.h"
#include "octet/quantizer.h"
#include "octet/tensor.h"

namespace octet::quantized::detail {

// Elements per thread below which a loop stays on the calling thread: these ops move a byte or two
// per element, so waking the team only pays on large tensors.
inline constexpr int64_t kGrain = 32768;

// The per-tensor qparams of an 8-bit operand, as the kernels use them.
struct QOperand {
  DType dtype;
  double scale;       // the tensor's q_scale(), double like PyTorch's
  float scale_f;      // static_cast<float>(scale): what the arithmetic multiplies by
  int32_t zero_point;
  bool is_signed() const { return dtype == DType::QInt8; }
};

// Checks that `t` is a defined, per-tensor quantized quint8 or qint8 tensor:
//   "<op>: expected <what> to be a quantized tensor (quint8 or qint8), got float32"
//   "<op>: expected <what> to be quint8 or qint8, got qint32"
//   "<op>: expected <what> to be quantized per tensor, got per_channel_affine"
QOperand check_operand(const Tensor& t, const char* op, const char* what = "input");

// Both operands of a binary op have the same dtype: "<op>: operands must have the same dtype, got
// quint8 and qint8".
void check_same_dtype(const QOperand& a, const QOperand& b, const char* op);

// Output qparams for dtype: "<op>: output scale must be finite and > 0 (and representable in
// float32, with a finite reciprocal), got 0" / "<op>: output zero point must be in [0, 255] for
// quint8, got 300".
void check_output_qparams(double scale, int64_t zero_point, DType dtype, const char* op);

// A new contiguous per-tensor quantized tensor (not zero-filled: the caller writes every element).
Tensor empty_output(const Shape& shape, DType dtype, double scale, int64_t zero_point);

// The layout elementwise ops keep, as ATen's suggest_memory_format does for PyTorch's quantized ops:
// a 4-D/5-D channels-last tensor (what the quantized convolutions write) stays channels-last, so a
// residual stream between convolutions is never transposed; anything else is made contiguous.
// is_dense(x): x is contiguous or channels-last, so its numel() elements lie in one run from
// raw_data(). dense_input(x) is x itself when it is dense, else x.contiguous(). empty_like_dense(x, q)
// is a new tensor of x's shape and the same memory order, so a flat loop over both maps element to
// element.
bool is_dense(const Tensor& x);
Tensor dense_input(const Tensor& x);
Tensor empty_like_dense(const Tensor& x, QuantizerPtr quantizer);

// y = table[x] over x (any layout), into a new tensor with `out`'s qparams; threaded.
Tensor apply_table(const Tensor& x, const uint8_t table[256], const QuantizerPtr& out);
// y = clamp(x, min, max) on the stored integers (bounds in the dtype's range), input qparams kept.
Tensor apply_clamp(const Tensor& x, int32_t min, int32_t max);
// The stored integers of x copied into a new tensor with `out`'s qparams.
Tensor copy_with_qparams(const Tensor& x, const QuantizerPtr& out);

// The table of f from x's qparams to (out_scale, out_zero_point), over the dtype's full range,
// dequantizing the input in the given form.
void build_table(const QOperand& x, double out_scale, int64_t out_zero_point,
                 const kernels::LutFunctionParams& f, kernels::LutDequantize dequantize, uint8_t table[256]);

}  // namespace octet::quantized::detail
