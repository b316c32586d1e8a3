// fake_quantize_impl.h: what the fake-quantize ops share: argument checks and the threaded loops over
// the f32_vfakequant kernels.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "octet/tensor.h"

namespace octet::fake_quant {

// A validated quantization range: both bounds inside int32, qmin <= qmax.
struct Range {
  int32_t qmin;
  int32_t qmax;
};
Range check_range(int64_t quant_min, int64_t quant_max, const char* where);

// `input` as a contiguous float32 tensor; an Error naming `what` when undefined or not float32.
Tensor float32_input(const Tensor& input, const char* where, const char* what = "input");

// (float)scale, checked: finite, > 0 and with a finite float32 reciprocal. `what` names the value
// in the message ("scale", "scale[3]").
float checked_scale(double scale, const char* where, const char* what = "scale");
// An integer zero point inside the range.
int32_t checked_zero_point(int64_t zero_point, Range r, const char* where, const char* what = "zero_point");

// `axis` wrapped into [0, dim) (negative counts from the end); an Error otherwise.
int64_t wrap_axis(int64_t axis, int64_t dim, const char* where, const char* what = "axis");

// A contiguous shape split around an axis: outer x channels x inner.
struct AxisSplit {
  int64_t outer = 1, channels = 1, inner = 1;
};
AxisSplit split_at(const Shape& shape, int64_t axis);

// Per-channel qparams read from tensors and checked: scale float32 [C]; zero points integer [C]
// inside the range (float_zero_points empty) or float32 [C] (zero_points empty).
struct ChannelQParams {
  std::vector<float> scale;
  std::vector<int32_t> zero_points;
  std::vector<float> float_zero_points;
  bool is_float = false;  // float32 zero points
};
ChannelQParams checked_channel_qparams(const Tensor& scale, const Tensor& zero_point, int64_t channels, Range r,
                                       const char* where);

// y = fake_quantize(x) and mask (may be null) over n contiguous elements with one (scale, zero_point),
// threaded, through the best kernel that handles the range (the scalar one beyond +-2^24).
void fake_quantize_tensor(const float* x, float* y, uint8_t* mask, int64_t n, float scale, int32_t zero_point,
                          Range r);
// The same per channel along the split's middle dimension, integer zero points.
void fake_quantize_channels(const float* x, float* y, uint8_t* mask, const AxisSplit& s, const float* scale,
                            const int32_t* zero_point, Range r);
// Float zero points (ATen's per_channel_affine_float_qparams rule), scalar.
void fake_quantize_channels_float_zp(const float* x, float* y, uint8_t* mask, const AxisSplit& s, const float* scale,
                                     const float* zero_point, Range r);

// PyTorch's repr of a tensor inside a module's extra_repr ("tensor([1], dtype=torch.uint8)"):
// Tensor::to_string() names the dtype without the "torch." prefix.
std::string torch_tensor_repr(const Tensor& t);

// grad_output * mask, the straight-through backward shared by both granularities.
Tensor mask_backward(const Tensor& grad_output, const Tensor& mask, const char* where);

}  // namespace octet::fake_quant
