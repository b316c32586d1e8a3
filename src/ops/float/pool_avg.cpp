// pool_avg.cpp: avg_pool1d/2d/3d: window sums by a vector row kernel, then PyTorch's divisor (count_include_pad, divisor_override).
//
// A quantized input runs quantized::avg_pool2d/3d (PyTorch's dispatch by dtype); avg_pool1d runs
// it as avg_pool2d over a unit height, as ATen's avg_pool1d does.
#include <algorithm>
#include <cstdint>
#include <optional>
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

// Per dim and output position: the window size clipped to the padded input (what
// count_include_pad divides by) and to the input itself.
struct WindowCounts {
  std::vector<int64_t> padded, inside;
};

WindowCounts window_counts(const PoolGeometry& g, size_t dim) {
  WindowCounts c;
  for (int64_t o = 0; o < g.out[dim]; ++o) {
    const int64_t start = o * g.stride[dim] - g.pad[dim];
    const int64_t end = std::min(start + g.kernel[dim], g.in[dim] + g.pad[dim]);
    c.padded.push_back(end - start);
    c.inside.push_back(std::min(end, g.in[dim]) - std::max<int64_t>(start, 0));
  }
  return c;
}

Tensor avg_pool(const Tensor& input, int64_t spatial, const Shape& kernel_size, const Shape& stride,
                const Shape& padding, bool ceil_mode, bool count_include_pad,
                std::optional<int64_t> divisor_override, const char* where) {
  PoolGeometry g = detail::pool_input_geometry(input, spatial, where);
  detail::pool_window_geometry(g, spatial, kernel_size, stride, padding, {1}, ceil_mode, where);
  if (divisor_override.has_value()) {
    OCTET_CHECK(*divisor_override != 0, where, "divisor_override must be non-zero, got 0");
  }
  const Tensor x = input.contiguous();
  Tensor y = octet::detail::empty_uninitialized(g.out_shape, kFloat32);
  if (y.numel() == 0) return y;
  const float* px = x.data_ptr<float>();
  float* py = y.data_ptr<float>();
  const WindowCounts cd = window_counts(g, 0), ch = window_counts(g, 1), cw = window_counts(g, 2);

  // Interior columns: every tap inside the row (see pool_max.cpp).
  const int64_t W = g.in[2], OW = g.out[2], sw = g.stride[2], pw = g.pad[2], kw = g.kernel[2];
  const int64_t last = W - kw + pw;
  const int64_t hi = std::min(OW, last < 0 ? int64_t{0} : last / sw + 1);
  const int64_t lo = std::min((pw + sw - 1) / sw, hi);

  bool any_empty_w = false;
  for (int64_t c : cw.inside) any_empty_w = any_empty_w || c <= 0;
  const kernels::PoolKernels k = kernels::pool_kernels();
  const int64_t D = g.in[0], H = g.in[1], OD = g.out[0], OH = g.out[1];
  const int64_t rows = g.planes * OD * OH;
#pragma omp parallel num_threads(octet::get_num_threads())
  {
    std::vector<float> divisor(static_cast<size_t>(OW));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t oh = r % OH, od = (r / OH) % OD, p = r / (OH * OD);
      const float* plane = px + p * g.in_plane();
      float* acc = py + r * OW;
      for (int64_t ow = 0; ow < OW; ++ow) acc[ow] = 0.0f;
      for (int64_t td = 0; td < g.kernel[0]; ++td) {
        const int64_t id = od * g.stride[0] - g.pad[0] + td;
        if (id < 0 || id >= D) continue;
        for (int64_t th = 0; th < g.kernel[1]; ++th) {
          const int64_t ih = oh * g.stride[1] - g.pad[1] + th;
          if (ih < 0 || ih >= H) continue;
          const float* row = plane + (id * H + ih) * W;
          if (hi > lo) {
            k.f32_sumpool_taps(static_cast<size_t>(hi - lo), static_cast<size_t>(kw), row + lo * sw - pw,
                               static_cast<size_t>(sw), 1, acc + lo);
          }
          for (int64_t ow = 0; ow < OW; ++ow) {
            if (ow == lo) ow = hi;
            if (ow >= OW) break;
            const int64_t w0 = std::max<int64_t>(ow * sw - pw, 0), w1 = std::min(ow * sw - pw + kw, W);
            float s = acc[ow];
            for (int64_t iw = w0; iw < w1; ++iw) s += row[iw];
            acc[ow] = s;
          }
        }
      }
      // The row's divisors first, then one vectorisable division pass (sum / divisor, as PyTorch
      // divides). A window with no input element gives 0, as in PyTorch; with PyTorch's padding and
      // ceil_mode rules every window holds at least one input element, so this is a guard only.
      const size_t d = static_cast<size_t>(od), h = static_cast<size_t>(oh);
      const int64_t padded_dh = cd.padded[d] * ch.padded[h], inside_dh = cd.inside[d] * ch.inside[h];
      for (int64_t ow = 0; ow < OW; ++ow) {
        const size_t w = static_cast<size_t>(ow);
        const int64_t div = divisor_override.has_value() ? *divisor_override
                            : count_include_pad           ? padded_dh * cw.padded[w]
                                                          : inside_dh * cw.inside[w];
        divisor[w] = static_cast<float>(div);
      }
      for (int64_t ow = 0; ow < OW; ++ow) acc[ow] /= divisor[static_cast<size_t>(ow)];
      if (cd.inside[d] <= 0 || ch.inside[h] <= 0) {
        for (int64_t ow = 0; ow < OW; ++ow) acc[ow] = 0.0f;
      }
      if (any_empty_w) {
        for (int64_t ow = 0; ow < OW; ++ow) {
          if (cw.inside[static_cast<size_t>(ow)] <= 0) acc[ow] = 0.0f;
        }
      }
    }
  }
  return y;
}

}  // namespace

Tensor avg_pool1d(const Tensor& input, const Shape& kernel_size, const Shape& stride,
                  const Shape& padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  if (input.is_quantized()) {
    constexpr const char* kWhere = "avg_pool1d";
    const int64_t k = detail::pool_arg(kernel_size, 1, kWhere, "kernel_size", {})[2];
    const int64_t s = detail::pool_arg(stride, 1, kWhere, "stride", kernel_size)[2];
    const int64_t p = detail::pool_arg(padding, 1, kWhere, "padding", {0})[2];
    return detail::pool1d_as_2d(input, kWhere, [&](const Tensor& x) {
      return quantized::avg_pool2d(x, {1, k}, {1, s}, {0, p}, ceil_mode, count_include_pad, divisor_override);
    });
  }
  return avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                  "avg_pool1d");
}

Tensor avg_pool2d(const Tensor& input, const Shape& kernel_size, const Shape& stride,
                  const Shape& padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  if (input.is_quantized()) {
    return quantized::avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                                  divisor_override);
  }
  return avg_pool(input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                  "avg_pool2d");
}

Tensor avg_pool3d(const Tensor& input, const Shape& kernel_size, const Shape& stride,
                  const Shape& padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  if (input.is_quantized()) {
    return quantized::avg_pool3d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                                  divisor_override);
  }
  return avg_pool(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                  "avg_pool3d");
}

}  // namespace octet::functional
