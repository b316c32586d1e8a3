// pool_common.h: argument checks and output geometry shared by the 1d/2d/3d pooling ops (internal).
//
// Every pooling op runs on a 3-D spatial view: a 1d op's (L) is (1, 1, L) and a 2d op's (H, W) is
// (1, H, W), so one loop nest serves all three, and a 2d/1d op pays nothing for the unit dims.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "octet/error.h"
#include "octet/tensor.h"

namespace octet::functional::detail {

struct PoolGeometry {
  int64_t planes = 0;                    // N * C (or C for an unbatched input)
  std::array<int64_t, 3> in{1, 1, 1};    // D, H, W
  std::array<int64_t, 3> out{1, 1, 1};
  std::array<int64_t, 3> kernel{1, 1, 1};
  std::array<int64_t, 3> stride{1, 1, 1};
  std::array<int64_t, 3> pad{0, 0, 0};
  std::array<int64_t, 3> dilation{1, 1, 1};
  Shape out_shape;                       // the input's leading dims + the output's spatial dims
  int64_t in_plane() const { return in[0] * in[1] * in[2]; }
  int64_t out_plane() const { return out[0] * out[1] * out[2]; }
};

// Checks a float32 input of `spatial` + 1 (unbatched) or + 2 (batched) dims whose non-batch dims
// are all non-zero, and fills planes, in, and the leading dims of out_shape.
PoolGeometry pool_input_geometry(const Tensor& input, int64_t spatial, const char* where);

// One value per spatial dim from an ATen-style int[N] argument: one value for all dims, or one per
// dim; `fallback` when empty (an empty fallback makes an empty argument an Error).
std::array<int64_t, 3> pool_arg(const Shape& value, int64_t spatial, const char* where, const char* name,
                                const Shape& fallback);

// Fills kernel/stride/pad/dilation (spatial dims last, leading ones 1/1/0/1), checks them as
// PyTorch does (kernel, stride, dilation > 0; 0 <= pad <= kernel / 2) and computes the output size
// with PyTorch's ceil_mode rule; an output dim < 1 is an Error.
void pool_window_geometry(PoolGeometry& g, int64_t spatial, const Shape& kernel_size, const Shape& stride,
                          const Shape& padding, const Shape& dilation, bool ceil_mode, const char* where);

// floor(o * in / out) and ceil((o + 1) * in / out), as ATen's adaptive pooling computes them.
inline int64_t adaptive_start(int64_t o, int64_t out, int64_t in) { return (o / out) * in + ((o % out) * in) / out; }
inline int64_t adaptive_end(int64_t o, int64_t out, int64_t in) { return 1 + ((o + 1) * in - 1) / out; }

// For the adaptive ops: checks output_size (one value per spatial dim, or one for all, each >= 0)
// and fills out and out_shape.
void adaptive_output_geometry(PoolGeometry& g, int64_t spatial, const Shape& output_size, const char* where);

}  // namespace octet::functional::detail
