// conv.h: quantized convolution and transposed convolution (1d/2d/3d) on prepacked int8 weights (octet::quantized, PyTorch's torch.ops.quantized).
//
// As in PyTorch, weights are packed once and the packed object is passed to every call:
//
//   auto p = quantized::conv2d_prepack(w_q, bias, /*stride=*/{1, 1}, /*padding=*/{1, 1},
//                                                  /*dilation=*/{1, 1}, /*groups=*/1);
//   Tensor y = quantized::conv2d(x_q, p, /*output_scale=*/0.05, /*output_zero_point=*/128);
//
// Tensors and layouts are PyTorch's: the input x_q is quint8 (or qint8), per-tensor, shaped
// (N, C_in, *spatial) or unbatched (C_in, *spatial); the weight w_q is qint8, per-tensor or
// per-channel, shaped (C_out, C_in / groups, *kernel) for convolution and (C_in, C_out / groups,
// *kernel) for transposed convolution; the bias is float32 (C_out) or an undefined Tensor. The
// output has x_q's dtype and the given output scale and zero point, shaped (N, C_out, *out).
//
// Memory format. The computation runs channels-last (NHWC / NDHWC), as PyTorch's quantized
// convolutions do: an input whose memory is already channels-last (a permute of a contiguous
// NHWC buffer, e.g. the output of another quantized conv) is read in place, any other layout is
// copied once. The output is allocated channels-last and returned as a permuted view with the
// logical (N, C_out, *out) shape, so chains of convolutions never transpose. Call contiguous()
// on it for NCHW memory.
//
// Arithmetic (NUMERICS.md, "Octet's contract"): the bias is quantized per call to int32 with
// scale x_scale * w_scale[c], bias_q = saturate(nearbyint(bias * (1 / (float)(x_scale * w_scale[c])))),
// the sum acc = bias_q + sum (x - x_zp)(w - w_zp[c]) is taken in int32, and
//   y = clamp(nearbyint((float)acc * M[c]) + output_zero_point, qmin, qmax),
//   M[c] = (float)(x_scale * w_scale[c] / output_scale)   (computed in double, rounded once),
// with qmin/qmax the dtype's range (the _relu ops: qmin = output_zero_point). Padding is zeros
// padding, i.e. the input zero point. Every ISA path and thread count gives the same integers.
// PyTorch's x86 engine keeps the bias in float instead; results then differ by at most 1 LSB.
//
// Per-channel weights: along axis 0 (C_out) for convolution; along axis 1 (C_out / groups, the
// output channel within its group, i.e. output channel o uses scale[o % (C_out / groups)]) for
// transposed convolution, whose axis 0 (C_in) is not an output channel.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "octet/tensor.h"

namespace octet::quantized {

// Prepacked convolution weights with their geometry (PyTorch's ConvPackedParamsBase): the int8
// weights in the layouts the kernels read, their zero-point sums, the float bias and the weight's
// quantizer. Immutable after prepack; safe to share between threads.
class ConvPackedParams {
 public:
  struct Impl;  // the packed layouts (src/ops/quantized/conv_packed.h)
  explicit ConvPackedParams(std::shared_ptr<const Impl> impl);

  int64_t spatial_dims() const;  // 1, 2 or 3
  bool transposed() const;
  const Shape& stride() const;          // one value per spatial dim
  const Shape& padding() const;
  const Shape& output_padding() const;  // zeros unless transposed
  const Shape& dilation() const;
  int64_t groups() const;
  int64_t in_channels() const;
  int64_t out_channels() const;
  const Shape& kernel_size() const;
  const QuantizerPtr& weight_quantizer() const;
  const Tensor& bias() const;  // float32 [out_channels], or undefined

  // The weight and bias given to prepack, as new tensors: the qint8 weight with its quantizer
  // (equal to the original, integers and qparams) and the float32 bias, or an undefined Tensor.
  std::pair<Tensor, Tensor> unpack() const;

  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

using ConvPackedParamsPtr = std::shared_ptr<const ConvPackedParams>;

// --- prepack: quantized::conv{1,2,3}d_prepack, quantized::conv_transpose{1,2,3}d_prepack ----------
// stride, padding, dilation (and output_padding) take one value per spatial dim or one for all.
// Errors: a weight that is not qint8 (or uses float qparams), a wrong rank, groups not dividing
// the channels, a bias of the wrong size or dtype, stride/dilation < 1, padding < 0,
// output_padding not smaller than stride or dilation.

ConvPackedParamsPtr conv1d_prepack(const Tensor& weight, const Tensor& bias = {}, const Shape& stride = {1},
                                const Shape& padding = {0}, const Shape& dilation = {1}, int64_t groups = 1);
ConvPackedParamsPtr conv2d_prepack(const Tensor& weight, const Tensor& bias = {}, const Shape& stride = {1, 1},
                                const Shape& padding = {0, 0}, const Shape& dilation = {1, 1}, int64_t groups = 1);
ConvPackedParamsPtr conv3d_prepack(const Tensor& weight, const Tensor& bias = {}, const Shape& stride = {1, 1, 1},
                                const Shape& padding = {0, 0, 0}, const Shape& dilation = {1, 1, 1},
                                int64_t groups = 1);

// Transposed: output size per dim (in - 1) * stride - 2 * padding + dilation * (kernel - 1) +
// output_padding + 1 (PyTorch's argument order: output_padding before dilation).
ConvPackedParamsPtr conv_transpose1d_prepack(const Tensor& weight, const Tensor& bias = {}, const Shape& stride = {1},
                                          const Shape& padding = {0}, const Shape& output_padding = {0},
                                          const Shape& dilation = {1}, int64_t groups = 1);
ConvPackedParamsPtr conv_transpose2d_prepack(const Tensor& weight, const Tensor& bias = {},
                                          const Shape& stride = {1, 1}, const Shape& padding = {0, 0},
                                          const Shape& output_padding = {0, 0}, const Shape& dilation = {1, 1},
                                          int64_t groups = 1);
ConvPackedParamsPtr conv_transpose3d_prepack(const Tensor& weight, const Tensor& bias = {},
                                          const Shape& stride = {1, 1, 1}, const Shape& padding = {0, 0, 0},
                                          const Shape& output_padding = {0, 0, 0},
                                          const Shape& dilation = {1, 1, 1}, int64_t groups = 1);

// --- run: quantized::conv{1,2,3}d[_relu], quantized::conv_transpose{1,2,3}d ------------------------
// Errors: a float input (quantize it first), per-channel or non-8-bit input, a wrong rank, a
// channel count the weight does not expect, null params or params packed for another op (conv2d
// with conv3d or transposed params), output_scale not finite and > 0, output_zero_point outside
// the dtype, an input smaller than the dilated kernel.

Tensor conv1d(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale, int64_t output_zero_point);
Tensor conv2d(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale, int64_t output_zero_point);
Tensor conv3d(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale, int64_t output_zero_point);
Tensor conv1d_relu(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale,
                   int64_t output_zero_point);
Tensor conv2d_relu(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale,
                   int64_t output_zero_point);
Tensor conv3d_relu(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale,
                   int64_t output_zero_point);

Tensor conv_transpose1d(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale,
                        int64_t output_zero_point);
Tensor conv_transpose2d(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale,
                        int64_t output_zero_point);
Tensor conv_transpose3d(const Tensor& input, const ConvPackedParamsPtr& packed, double output_scale,
                        int64_t output_zero_point);

}  // namespace octet::quantized
