// pool_engine.h: the window geometry and the loop nests shared by the quantized max, average and adaptive-average pooling ops (internal).
//
// Every op runs on a 3-D spatial view: a 1d op's (L) is (1, 1, L) and a 2d op's (H, W) is
// (1, H, W). Per spatial dim and output position the geometry lists the window's valid input
// positions (first, first + dilation, ... : `valid` of them) and its size clipped to the padded
// input (what count_include_pad divides by), so padding, ceil_mode and adaptive windows are all
// just windows with fewer or more taps.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "octet/tensor.h"

namespace octet::quantized::qpool_detail {

struct DimWindows {
  std::vector<int64_t> first;   // first valid input position of each output's window
  std::vector<int64_t> valid;   // valid taps: first + t * dilation for t < valid
  std::vector<int64_t> padded;  // the window clipped to the padded input (average pooling)
};

struct PoolGeometry {
  bool batched = true;
  int64_t batch = 1, channels = 1;
  std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1};
  // Regular windows (window ops, and adaptive ones whose sizes divide evenly): kernel, stride,
  // padding, dilation per dim. The NCHW row path needs them along W.
  bool regular = true;
  std::array<int64_t, 3> kernel{1, 1, 1}, stride{1, 1, 1}, pad{0, 0, 0}, dilation{1, 1, 1};
  std::array<DimWindows, 3> win;
  int64_t spatial = 2;
  Shape out_shape;
};

// Checks a quint8/qint8 per-tensor input of `spatial` + 1 (unbatched) or + 2 dims with non-zero
// sizes past the batch, then fills the window geometry with torch.nn.functional's rules (the
// float ops' checks and messages: kernel, stride, dilation > 0; 0 <= padding <= kernel / 2;
// ceil_mode; an output smaller than 1 is an Error). dilation is {1} for average pooling.
PoolGeometry window_geometry(const Tensor& qx, int64_t spatial, const Shape& kernel_size, const Shape& stride,
                             const Shape& padding, const Shape& dilation, bool ceil_mode, const char* where);
// The same for adaptive pooling: output o of a dim covers [floor(o * in / out), ceil((o + 1) * in / out)).
PoolGeometry adaptive_geometry(const Tensor& qx, int64_t spatial, const Shape& output_size, const char* where);

// What an op does with each window.
struct PoolOp {
  bool max = false;                         // max pooling, else average pooling
  bool count_include_pad = true;            // average: divide by the padded window size
  std::optional<int64_t> divisor_override;  // average: divide by this instead
};

// Runs the op over qx with geometry g: channels-last inputs in place (channels-last output), any
// other layout as contiguous NCHW. The output has qx's dtype and quantizer.
Tensor run_pool(const Tensor& qx, const PoolGeometry& g, const PoolOp& op);

}  // namespace octet::quantized::qpool_detail
