// conv_common.h: convolution geometry (every conv is 3-D inside) and the compute paths behind conv.cpp (internal).
#pragma once

#include <cstdint>

#include "kernels/f32_gemm_kernels.h"
#include "octet/tensor.h"

namespace octet::functional::detail {

// A convolution over 3 spatial dims (depth, height, width); conv1d and conv2d are the cases with
// size-1 leading dims (kernel 1, stride 1, no padding there). Input (N, C, D, H, W) and weight
// (C_out, C / groups, KD, KH, KW) are contiguous; output (N, C_out, OD, OH, OW) is contiguous.
struct ConvGeom {
  int64_t batch = 1;
  int64_t in_channels = 1;
  int64_t out_channels = 1;
  int64_t groups = 1;
  int64_t in[3] = {1, 1, 1};
  int64_t kernel[3] = {1, 1, 1};
  int64_t stride[3] = {1, 1, 1};
  int64_t dilation[3] = {1, 1, 1};
  int64_t pad_lo[3] = {0, 0, 0};  // before the first element (top / left / front)
  int64_t pad_hi[3] = {0, 0, 0};  // after the last ("same" may put one more here)
  int64_t out[3] = {1, 1, 1};

  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
  int64_t kernel_size() const { return kernel[0] * kernel[1] * kernel[2]; }
  int64_t group_in() const { return in_channels / groups; }
  int64_t group_out() const { return out_channels / groups; }
};

// y = conv(x, w) + bias (bias may be null). Picks the depthwise kernel, the 1x1 GEMM or the
// implicit GEMM (conv_gemm.cpp).
void conv_forward(const float* x, const float* w, const float* bias, float* y, const ConvGeom& g);

// Whether the depthwise path applies: one input channel per group (C_out a multiple of it).
bool is_depthwise(const ConvGeom& g);
// The depthwise path (conv_depthwise.cpp); is_depthwise(g) must hold.
void conv_depthwise(const float* x, const float* w, const float* bias, float* y, const ConvGeom& g);

// A padded input channel laid out so that every kernel tap reads a contiguous run of outputs: for
// each padded depth z and row r, the padded row is split into `stride[2]` phases (columns
// q, q + s, q + 2s, ...), phase q of row (z, r) at plane + (z * rows + r) * row_stride + q * phase_stride.
// The tap (kd, kh, kw) of output (od, oh, ow) then reads
//   plane + ((od*sd + kd*dd) * rows + oh*sh + kh*dh) * row_stride + ((kw*dw) % sw) * phase_stride
//         + (kw*dw) / sw + ow.
struct PaddedPlanes {
  int64_t rows = 0;          // padded rows per depth slice (H + pads)
  int64_t depth = 0;         // padded depth slices
  int64_t phase_len = 0;     // ceil(padded W / sw)
  int64_t phase_stride = 0;  // floats between phases of one row
  int64_t row_stride = 0;    // floats between rows
  int64_t plane_stride = 0;  // floats between channels
};
PaddedPlanes padded_layout(const ConvGeom& g);
// Writes channels [c0, c1) of image x (C, D, H, W) into dst in that layout (dst + (c - c0) * plane_stride),
// with the f32_padsplit kernel `padsplit` (picked once by the caller: dispatch is not free).
void pad_channels(const float* x, const ConvGeom& g, const PaddedPlanes& l, int64_t c0, int64_t c1, float* dst,
                  kernels::f32_padsplit_fn padsplit);
// Whether the input can be read in place (no padding, unit width stride): then layout is the input's own.
bool input_in_place(const ConvGeom& g);
PaddedPlanes input_layout(const ConvGeom& g);

// --- argument checks shared by conv.cpp and conv_transpose.cpp -----------------------------------

// A float32 tensor that is defined, or an Error naming the op and the argument.
void check_conv_float(const Tensor& t, const char* where, const char* name);
// One value per spatial dim: a single value is repeated; any other count is an Error.
Shape expand_conv_param(const Shape& v, int spatial, const char* where, const char* name);
// Every value >= min, or an Error ("stride must be > 0, got [0, 1]").
void check_conv_param_min(const Shape& v, int64_t min, const char* where, const char* name);
// The batched form of an input of spatial + 1 (unbatched) or spatial + 2 dims, or an Error.
Tensor batched_conv_input(const Tensor& input, int spatial, const char* where);

}  // namespace octet::functional::detail
