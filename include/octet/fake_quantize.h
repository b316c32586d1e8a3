// fake_quantize.h: fake quantization, PyTorch's torch.fake_quantize_* functions: quantize and dequantize
// in float32 (forward), the straight-through gradient (backward), the learnable-scale (LSQ) form and
// the fused moving-average observer + fake-quantize step of quantization-aware training.
//
// Forward, for every element (ATen's fake-quantize kernel, step for step, float32 throughout):
//
//   t      = zero_point + nearbyint(x * inv_scale)     inv_scale = 1.0f / (float)scale; ties to even
//   output = (clamp(t, quant_min, quant_max) - zero_point) * scale
//   mask   = quant_min <= t <= quant_max                where the gradient passes (straight through)
//
// so output equals dequantize(quantize_per_tensor(x)) bit for bit for every x that is not NaN (with
// the dtype's range as [quant_min, quant_max]); a NaN input gives (quant_min - zero_point) * scale
// with mask false, as PyTorch's fake quantization does (Octet's quantize gives quant_max for NaN).
// +-inf and products beyond the range saturate with mask false on every path. PyTorch's per-channel
// path maps values whose product passes 2^63 (+inf included) to quant_min (an overflowing
// float -> int64 conversion); Octet gives quant_max, as PyTorch's per-tensor path does.
//
// Backward: grad_input = grad_output * mask (PyTorch's *_cachemask_backward). There is no autograd
// yet: a QAT training loop calls the backward functions with the mask the forward returned.
//
// Beyond PyTorch, every bad argument is an Error saying what was expected: inputs must be float32;
// scales must be finite, > 0, with a finite float32 reciprocal (PyTorch accepts 0 and negatives);
// quant_min <= quant_max, both inside int32; integer zero points inside [quant_min, quant_max].
// Outputs are new contiguous tensors of the input's shape.
#pragma once

#include <cstdint>

#include "octet/tensor.h"

namespace octet {

// A fake-quantized tensor and its straight-through mask (bool, same shape): true where the value
// before clamping lay inside [quant_min, quant_max].
struct FakeQuantizeResult {
  Tensor output;
  Tensor mask;
};

// --- per tensor ---------------------------------------------------------------------------------

// torch.fake_quantize_per_tensor_affine.
Tensor fake_quantize_per_tensor_affine(const Tensor& input, double scale, int64_t zero_point,
                                       int64_t quant_min, int64_t quant_max);
// The tensor-qparams overload: scale a one-element float32 tensor, zero_point a one-element
// integer tensor (int32 or int64).
Tensor fake_quantize_per_tensor_affine(const Tensor& input, const Tensor& scale, const Tensor& zero_point,
                                       int64_t quant_min, int64_t quant_max);
// torch.fake_quantize_per_tensor_affine_cachemask: the output and the mask for backward.
FakeQuantizeResult fake_quantize_per_tensor_affine_cachemask(const Tensor& input, double scale,
                                                             int64_t zero_point, int64_t quant_min,
                                                             int64_t quant_max);
// grad_output * mask (float32 and bool of one shape): PyTorch's straight-through estimator.
Tensor fake_quantize_per_tensor_affine_cachemask_backward(const Tensor& grad_output, const Tensor& mask);

// --- per channel --------------------------------------------------------------------------------

// torch.fake_quantize_per_channel_affine: slice c along `axis` (negative counts from the end) uses
// scale[c] and zero_point[c]. scale: float32 [C] with C = input.size(axis). zero_point: int32 or
// int64 [C], each inside [quant_min, quant_max]; or float32 [C] (per_channel_affine_float_qparams:
// the float rule, `t = nearbyint(fma(x, inv_scale, zero_point))` (one rounding: PyTorch's compiled
// kernel fuses the multiply-add), output `(clamp(t) - zero_point) * scale` evaluated in double and
// rounded to float32 at the end, as ATen's float-zero-point kernel).
Tensor fake_quantize_per_channel_affine(const Tensor& input, const Tensor& scale, const Tensor& zero_point,
                                        int64_t axis, int64_t quant_min, int64_t quant_max);
FakeQuantizeResult fake_quantize_per_channel_affine_cachemask(const Tensor& input, const Tensor& scale,
                                                              const Tensor& zero_point, int64_t axis,
                                                              int64_t quant_min, int64_t quant_max);
Tensor fake_quantize_per_channel_affine_cachemask_backward(const Tensor& grad_output, const Tensor& mask);

// --- learnable scale and zero point (LSQ) --------------------------------------------------------

// PyTorch's torch._fake_quantize_learnable_per_tensor_affine (Esser et al., "Learned Step Size
// Quantization"). scale and zero_point are one-element float32 tensors (the module's parameters);
// the forward rounds the zero point half to even and clamps it to the range, then fake-quantizes.
// grad_factor only matters in backward.
Tensor fake_quantize_learnable_per_tensor_affine(const Tensor& input, const Tensor& scale,
                                                 const Tensor& zero_point, int64_t quant_min,
                                                 int64_t quant_max, double grad_factor = 1.0);

// The gradients of a fake quantization for grad_output (the shape of input). scale and zero_point
// are undefined where they are not learnable (the FakeQuantize modules other than LSQ's).
struct FakeQuantizeGrads {
  Tensor input;       // grad_output where the value was inside the range, else 0
  Tensor scale;       // float32 [1] per tensor, [C] per channel
  Tensor zero_point;  // float32 [1] per tensor, [C] per channel
};

// PyTorch's _fake_quantize_learnable_per_tensor_affine_backward. With q the unclamped quantized
// value, q = nearbyint(fma(x, inv_scale, zp)) (rounded after adding the zero point, as ATen's
// gradient kernel does, and fused as PyTorch's FMA-capable builds compute it), per element:
//
//   d input      = dY                                        if qmin <= q <= qmax, else 0
//   d scale      = dY * (x_fq - x) * inv_scale * grad_factor if inside
//                  dY * (qmin - zp) * grad_factor            if q < qmin
//                  dY * (qmax - zp) * grad_factor            if q > qmax
//   d zero_point = 0 inside, else -dY * scale * grad_factor
//
// each in float32 in that order, x_fq - x as one fma((clamp(q) - zp), scale, -x) (PyTorch's
// build fuses it too), summed over the tensor (in double, then rounded to float32;
// PyTorch's float sum may differ in the last bits). The zero point here is ATen's backward one:
// (int64)clamp(zero_point + 0.5f, qmin, qmax), which truncates toward zero where the forward rounds
// half to even (so a negative integral zero point z counts as z + 1 here, as in PyTorch).
// quant_min <= 0 <= quant_max is required (PyTorch's check).
FakeQuantizeGrads fake_quantize_learnable_per_tensor_affine_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& scale, const Tensor& zero_point,
    int64_t quant_min, int64_t quant_max, double grad_factor = 1.0);

// torch._fake_quantize_learnable_per_channel_affine: scale and zero_point float32 [C]; the zero
// points are rounded half to even and clamped, then fake_quantize_per_channel_affine.
Tensor fake_quantize_learnable_per_channel_affine(const Tensor& input, const Tensor& scale,
                                                  const Tensor& zero_point, int64_t axis,
                                                  int64_t quant_min, int64_t quant_max,
                                                  double grad_factor = 1.0);
// The per-channel gradients: the formulas above with channel c's scale and its zero point rounded
// half to even and clamped (a float here, as in ATen); d scale and d zero_point summed over every
// dimension but `axis`.
FakeQuantizeGrads fake_quantize_learnable_per_channel_affine_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& scale, const Tensor& zero_point,
    int64_t axis, int64_t quant_min, int64_t quant_max, double grad_factor = 1.0);

// --- fused moving-average observer + fake quantize -------------------------------------------------

// torch.fused_moving_avg_obs_fake_quant, the step FusedMovingAvgObsFakeQuantize runs:
//
//   1. when observer_on: the batch min and max (per channel along ch_axis with
//      per_row_fake_quant) update running_min / running_max in place:
//        running = isinf(running) ? batch : running + averaging_const * (batch - running)   (float32)
//   2. when fake_quant_on: scale and zero_point (in place) from the running range by fbgemm's
//      ChooseQuantizationParams (not the observers' rule: fbgemm widens the range to include 0, takes
//      scale = (max - min) / (qmax - qmin) rounded to float32, raises scales below 6.1e-5, and with
//      symmetric_quant centres the range and takes the middle zero point), then the input is
//      fake-quantized with them. Otherwise the output is a copy of the input and the mask all true.
//
// observer_on, fake_quant_on: one-element integer or bool tensors (PyTorch passes the module's
// buffers). running_min, running_max, scale: float32; zero_point: int32 or int64. Per tensor they
// hold one element; per channel, C = input.size(ch_axis) elements, or none yet: empty running
// min/max are replaced by [C] tensors of +inf / -inf, and scale / zero_point of another size by
// [C] tensors of 1 / 0, as PyTorch resizes them (hence the non-const references).
//
// Beyond PyTorch: any ch_axis (PyTorch requires 0; negative counts from the end); NaN in an observed
// input is an Error naming the op and +-inf values are skipped (PyTorch folds them into the range
// and returns garbage qparams); fake quantization before anything finite was observed (running
// min/max still +-inf) is an Error, where PyTorch silently uses scale 0.1.
FakeQuantizeResult fused_moving_avg_obs_fake_quant_cachemask(
    const Tensor& input, const Tensor& observer_on, const Tensor& fake_quant_on, Tensor& running_min,
    Tensor& running_max, Tensor& scale, Tensor& zero_point, double averaging_const, int64_t quant_min,
    int64_t quant_max, int64_t ch_axis, bool per_row_fake_quant = false, bool symmetric_quant = false);
// The same, returning only the output (PyTorch's public op).
Tensor fused_moving_avg_obs_fake_quant(const Tensor& input, const Tensor& observer_on,
                                       const Tensor& fake_quant_on, Tensor& running_min,
                                       Tensor& running_max, Tensor& scale, Tensor& zero_point,
                                       double averaging_const, int64_t quant_min, int64_t quant_max,
                                       int64_t ch_axis, bool per_row_fake_quant = false,
                                       bool symmetric_quant = false);

}  // namespace octet
