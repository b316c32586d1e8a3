// pool_adaptive.cpp: adaptive_avg_pool1d/2d/3d and adaptive_max_pool1d/2d/3d (+ indices), with a vector global-average-pool path.
//
// A quantized input to adaptive_avg_pool2d/3d runs the quantized op (PyTorch's dispatch by dtype);
// adaptive_avg_pool1d runs it as adaptive_avg_pool2d over a unit height, as ATen does. Adaptive max
// pooling has no quantized op and rejects quantized input.
#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>

#include "core/tensor_impl.h"
#include "kernels/pool_kernels.h"
#include "octet/engine.h"
#include "octet/functional/pooling.h"
#include "octet/quantized/pooling.h"
#include "ops/float/pool_common.h"
#include "ops/float/quantized_dispatch.h"

namespace octet::functional {
namespace {

using detail::adaptive_end;
using detail::adaptive_start;
using detail::PoolGeometry;

PoolGeometry adaptive_geometry(const Tensor& input, int64_t spatial, const Shape& output_size,
                               const char* where) {
  PoolGeometry g = detail::pool_input_geometry(input, spatial, where);
  detail::adaptive_output_geometry(g, spatial, output_size, where);
  return g;
}

// Window of output o along dim i.
struct Range {
  int64_t begin, end;
};
inline Range window(const PoolGeometry& g, size_t i, int64_t o) {
  return {adaptive_start(o, g.out[i], g.in[i]), adaptive_end(o, g.out[i], g.in[i])};
}

Tensor adaptive_avg(const Tensor& input, int64_t spatial, const Shape& output_size, const char* where) {
  const PoolGeometry g = adaptive_geometry(input, spatial, output_size, where);
  const Tensor x = input.contiguous();
  Tensor y = octet::detail::empty_uninitialized(g.out_shape, kFloat32);
  if (y.numel() == 0) return y;
  const float* px = x.data_ptr<float>();
  float* py = y.data_ptr<float>();
  const int64_t plane = g.in_plane();
  if (g.out_plane() == 1) {
    // Global average pooling: one vector sum per plane.
    const kernels::PoolKernels k = kernels::pool_kernels();
    const float inv = 1.0f / static_cast<float>(plane);
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
    for (int64_t p = 0; p < g.planes; ++p) py[p] = k.f32_rsum(static_cast<size_t>(plane), px + p * plane) * inv;
    return y;
  }
  const int64_t H = g.in[1], W = g.in[2], OD = g.out[0], OH = g.out[1], OW = g.out[2];
  const int64_t rows = g.planes * OD * OH;
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t oh = r % OH, od = (r / OH) % OD, p = r / (OH * OD);
    const float* src = px + p * plane;
    const Range rd = window(g, 0, od), rh = window(g, 1, oh);
    for (int64_t ow = 0; ow < OW; ++ow) {
      const Range rw = window(g, 2, ow);
      float sum = 0.0f;
      for (int64_t id = rd.begin; id < rd.end; ++id) {
        for (int64_t ih = rh.begin; ih < rh.end; ++ih) {
          const float* row = src + (id * H + ih) * W;
          for (int64_t iw = rw.begin; iw < rw.end; ++iw) sum += row[iw];
        }
      }
      const int64_t count = (rd.end - rd.begin) * (rh.end - rh.begin) * (rw.end - rw.begin);
      py[r * OW + ow] = sum / static_cast<float>(count);
    }
  }
  return y;
}

// PyTorch's scan: start at the window's first element with -inf, take (val > max || isnan(val)).
std::tuple<Tensor, Tensor> adaptive_max(const Tensor& input, int64_t spatial, const Shape& output_size,
                                        const char* where) {
  const PoolGeometry g = adaptive_geometry(input, spatial, output_size, where);
  const Tensor x = input.contiguous();
  Tensor y = octet::detail::empty_uninitialized(g.out_shape, kFloat32);
  Tensor idx = octet::detail::empty_uninitialized(g.out_shape, kInt64);
  if (y.numel() == 0) return {y, idx};
  const float* px = x.data_ptr<float>();
  float* py = y.data_ptr<float>();
  int64_t* pi = idx.data_ptr<int64_t>();
  const int64_t plane = g.in_plane();
  const int64_t H = g.in[1], W = g.in[2], OD = g.out[0], OH = g.out[1], OW = g.out[2];
  const int64_t rows = g.planes * OD * OH;
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t oh = r % OH, od = (r / OH) % OD, p = r / (OH * OD);
    const float* src = px + p * plane;
    const Range rd = window(g, 0, od), rh = window(g, 1, oh);
    for (int64_t ow = 0; ow < OW; ++ow) {
      const Range rw = window(g, 2, ow);
      float m = -std::numeric_limits<float>::infinity();
      int64_t best = (rd.begin * H + rh.begin) * W + rw.begin;
      for (int64_t id = rd.begin; id < rd.end; ++id) {
        for (int64_t ih = rh.begin; ih < rh.end; ++ih) {
          for (int64_t iw = rw.begin; iw < rw.end; ++iw) {
            const int64_t at = (id * H + ih) * W + iw;
            const float v = src[at];
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

Tensor adaptive_avg_pool1d(const Tensor& input, const Shape& output_size) {
  if (input.is_quantized()) {
    constexpr const char* kWhere = "adaptive_avg_pool1d";
    const int64_t out = detail::pool_arg(output_size, 1, kWhere, "output_size", {})[2];
    return detail::pool1d_as_2d(input, kWhere,
                                [out](const Tensor& x) { return quantized::adaptive_avg_pool2d(x, {1, out}); });
  }
  return adaptive_avg(input, 1, output_size, "adaptive_avg_pool1d");
}
Tensor adaptive_avg_pool2d(const Tensor& input, const Shape& output_size) {
  if (input.is_quantized()) return quantized::adaptive_avg_pool2d(input, output_size);
  return adaptive_avg(input, 2, output_size, "adaptive_avg_pool2d");
}
Tensor adaptive_avg_pool3d(const Tensor& input, const Shape& output_size) {
  if (input.is_quantized()) return quantized::adaptive_avg_pool3d(input, output_size);
  return adaptive_avg(input, 3, output_size, "adaptive_avg_pool3d");
}
Tensor adaptive_max_pool1d(const Tensor& input, const Shape& output_size) {
  return std::get<0>(adaptive_max(input, 1, output_size, "adaptive_max_pool1d"));
}
Tensor adaptive_max_pool2d(const Tensor& input, const Shape& output_size) {
  return std::get<0>(adaptive_max(input, 2, output_size, "adaptive_max_pool2d"));
}
Tensor adaptive_max_pool3d(const Tensor& input, const Shape& output_size) {
  return std::get<0>(adaptive_max(input, 3, output_size, "adaptive_max_pool3d"));
}
std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input, const Shape& output_size) {
  return adaptive_max(input, 1, output_size, "adaptive_max_pool1d_with_indices");
}
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input, const Shape& output_size) {
  return adaptive_max(input, 2, output_size, "adaptive_max_pool2d_with_indices");
}
std::tuple<Tensor, Tensor> adaptive_max_pool3d_with_indices(const Tensor& input, const Shape& output_size) {
  return adaptive_max(input, 3, output_size, "adaptive_max_pool3d_with_indices");
}

}  // namespace octet::functional
