// pool_max.cpp: max_pool1d/2d/3d, with and without indices: a vector row kernel for the values, PyTorch's exact scan for the indices.
//
// A quantized input runs quantized::max_pool1d/2d/3d (PyTorch's dispatch by dtype); the
// *_with_indices forms (return_indices) have no quantized op and reject it.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>
#include <vector>

#include "core/tensor_impl.h"
#include "kernels/pool_kernels.h"
#include "octet/engine.h"
#include "octet/functional/pooling.h"
#include "octet/quantized/pooling.h"
#include "ops/float/pool_common.h"
#include "ops/float/quantized_dispatch.h"

namespace octet::functional {
namespace {

using detail::PoolGeometry;

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

PoolGeometry max_pool_geometry(const Tensor& input, int64_t spatial, const Shape& kernel_size,
                               const Shape& stride, const Shape& padding, const Shape& dilation,
                               bool ceil_mode, const char* where) {
  // Only the *_with_indices forms get here with a quantized input (the value forms dispatch first).
  if (input.defined() && input.is_quantized()) {
    detail::check_quantized_arg(false, input, where, "return_indices",
                                "quantized max pooling returns no indices; call max_pool without indices, or "
                                "dequantize first");
  }
  PoolGeometry g = detail::pool_input_geometry(input, spatial, where);
  detail::pool_window_geometry(g, spatial, kernel_size, stride, padding, dilation, ceil_mode, where);
  return g;
}

// Output columns [lo, hi) whose every tap lies inside the row: the row kernel handles them, the
// columns outside (left and right padding) take the scalar path.
void interior_columns(const PoolGeometry& g, int64_t* lo, int64_t* hi) {
  const int64_t W = g.in[2], OW = g.out[2], s = g.stride[2], p = g.pad[2];
  const int64_t last = W - 1 - (g.kernel[2] - 1) * g.dilation[2] + p;  // ow * s <= last
  int64_t h = last < 0 ? 0 : last / s + 1;
  if (h > OW) h = OW;
  int64_t l = (p + s - 1) / s;
  if (l > h) l = h;
  *lo = l;
  *hi = h;
}

// Values only: one output row (plane, od, oh) at a time, each valid (kd, kh) input row folded into
// it by the row kernel. Max with sticky NaN is order-independent, so the result equals PyTorch's
// window scan exactly.
Tensor max_pool_values(const Tensor& input, const PoolGeometry& g) {
  const Tensor x = input.contiguous();
  Tensor y = octet::detail::empty_uninitialized(g.out_shape, kFloat32);
  if (y.numel() == 0) return y;
  const float* px = x.data_ptr<float>();
  float* py = y.data_ptr<float>();
  const kernels::PoolKernels k = kernels::pool_kernels();
  int64_t lo, hi;
  interior_columns(g, &lo, &hi);
  const int64_t D = g.in[0], H = g.in[1], W = g.in[2];
  const int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2];
  const int64_t rows = g.planes * OD * OH;
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t oh = r % OH, od = (r / OH) % OD, p = r / (OH * OD);
    const float* plane = px + p * g.in_plane();
    float* acc = py + r * OW;
    for (int64_t ow = 0; ow < OW; ++ow) acc[ow] = kNegInf;
    for (int64_t td = 0; td < g.kernel[0]; ++td) {
      const int64_t id = od * g.stride[0] - g.pad[0] + td * g.dilation[0];
      if (id < 0 || id >= D) continue;
      for (int64_t th = 0; th < g.kernel[1]; ++th) {
        const int64_t ih = oh * g.stride[1] - g.pad[1] + th * g.dilation[1];
        if (ih < 0 || ih >= H) continue;
        const float* row = plane + (id * H + ih) * W;
        if (hi > lo) {
          k.f32_maxpool_taps(static_cast<size_t>(hi - lo), static_cast<size_t>(g.kernel[2]),
                             row + lo * g.stride[2] - g.pad[2], static_cast<size_t>(g.stride[2]),
                             static_cast<size_t>(g.dilation[2]), acc + lo);
        }
        for (int64_t ow = 0; ow < OW; ++ow) {
          if (ow == lo) ow = hi;
          if (ow >= OW) break;
          float m = acc[ow];
          for (int64_t tw = 0; tw < g.kernel[2]; ++tw) {
            const int64_t iw = ow * g.stride[2] - g.pad[2] + tw * g.dilation[2];
            if (iw < 0 || iw >= W) continue;
            const float v = row[iw];
            if (v > m || std::isnan(v)) m = v;
          }
          acc[ow] = m;
        }
      }
    }
  }
  return y;
}

// First in-range tap of a window, stepping by the dilation as PyTorch does.
inline int64_t first_tap(int64_t start, int64_t dilation) {
  while (start < 0) start += dilation;
  return start;
}

// Values and indices, scanning each window in PyTorch's order with its comparison
// (val > max || isnan(val)), so ties and NaNs pick the same index.
std::tuple<Tensor, Tensor> max_pool_indices(const Tensor& input, const PoolGeometry& g) {
  const Tensor x = input.contiguous();
  Tensor y = octet::detail::empty_uninitialized(g.out_shape, kFloat32);
  Tensor idx = octet::detail::empty_uninitialized(g.out_shape, kInt64);
  if (y.numel() == 0) return {y, idx};
  const float* px = x.data_ptr<float>();
  float* py = y.data_ptr<float>();
  int64_t* pi = idx.data_ptr<int64_t>();
  const int64_t D = g.in[0], H = g.in[1], W = g.in[2];
  const int64_t OD = g.out[0], OH = g.out[1], OW = g.out[2];
  const int64_t rows = g.planes * OD * OH;
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t oh = r % OH, od = (r / OH) % OD, p = r / (OH * OD);
    const float* plane = px + p * g.in_plane();
    const int64_t d0 = od * g.stride[0] - g.pad[0];
    const int64_t d1 = std::min(d0 + (g.kernel[0] - 1) * g.dilation[0] + 1, D);
    const int64_t h0 = oh * g.stride[1] - g.pad[1];
    const int64_t h1 = std::min(h0 + (g.kernel[1] - 1) * g.dilation[1] + 1, H);
    const int64_t ds = first_tap(d0, g.dilation[0]), hs = first_tap(h0, g.dilation[1]);
    for (int64_t ow = 0; ow < OW; ++ow) {
      const int64_t w0 = ow * g.stride[2] - g.pad[2];
      const int64_t w1 = std::min(w0 + (g.kernel[2] - 1) * g.dilation[2] + 1, W);
      const int64_t ws = first_tap(w0, g.dilation[2]);
      int64_t best = (ds * H + hs) * W + ws;
      float m = kNegInf;
      for (int64_t id = ds; id < d1; id += g.dilation[0]) {
        for (int64_t ih = hs; ih < h1; ih += g.dilation[1]) {
          for (int64_t iw = ws; iw < w1; iw += g.dilation[2]) {
            const int64_t at = (id * H + ih) * W + iw;
            const float v = plane[at];
            if (v > m || std::isnan(v)) {
              m = v;
              best = at;
            }
          }
        }
      }
      py[r * OW + ow] = m;
      pi[r * OW + ow] = best;
    }
  }
  return {y, idx};
}

}  // namespace

Tensor max_pool1d(const Tensor& input, const Shape& kernel_size, const Shape& stride,
                  const Shape& padding, const Shape& dilation, bool ceil_mode) {
  if (input.is_quantized()) return quantized::max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode);
  return max_pool_values(input, max_pool_geometry(input, 1, kernel_size, stride, padding, dilation,
                                                  ceil_mode, "max_pool1d"));
}

Tensor max_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride,
                  const Shape& padding, const Shape& dilation, bool ceil_mode) {
  if (input.is_quantized()) return quantized::max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode);
  return max_pool_values(input, max_pool_geometry(input, 2, kernel_size, stride, padding, dilation,
                                                  ceil_mode, "max_pool2d"));
}

Tensor max_pool3d(const Tensor& input, const Shape& kernel_size, const Shape& stride,
                  const Shape& padding, const Shape& dilation, bool ceil_mode) {
  if (input.is_quantized()) return quantized::max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode);
  return max_pool_values(input, max_pool_geometry(input, 3, kernel_size, stride, padding, dilation,
                                                  ceil_mode, "max_pool3d"));
}

std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const Shape& kernel_size,
                                                   const Shape& stride, const Shape& padding,
                                                   const Shape& dilation, bool ceil_mode) {
  return max_pool_indices(input, max_pool_geometry(input, 1, kernel_size, stride, padding, dilation,
                                                   ceil_mode, "max_pool1d_with_indices"));
}

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const Shape& kernel_size,
                                                   const Shape& stride, const Shape& padding,
                                                   const Shape& dilation, bool ceil_mode) {
  return max_pool_indices(input, max_pool_geometry(input, 2, kernel_size, stride, padding, dilation,
                                                   ceil_mode, "max_pool2d_with_indices"));
}

std::tuple<Tensor, Tensor> max_pool3d_with_indices(const Tensor& input, const Shape& kernel_size,
                                                   const Shape& stride, const Shape& padding,
                                                   const Shape& dilation, bool ceil_mode) {
  return max_pool_indices(input, max_pool_geometry(input, 3, kernel_size, stride, padding, dilation,
                                                   ceil_mode, "max_pool3d_with_indices"));
}

}  // namespace octet::functional
