// resize_antialias.cpp: the taps of PyTorch's antialiased bilinear and bicubic resize (_upsample_bilinear2d_aa, _upsample_bicubic2d_aa).
//
// Antialiasing widens the interpolation filter by the downscaling factor, so every input element
// under an output pixel contributes (a box-like average) instead of only the 2 or 4 nearest ones:
//
//   scale   = area_pixel_scale(in, out, align_corners, scale_factor)    input step per output step
//   support = interp_size / 2 * (scale >= 1 ? scale : 1)                interp_size 2 (linear), 4 (cubic)
//   center  = scale * (o + 0.5)
//   taps    j in [xmin, xmin + xsize): xmin = max(trunc(center - support + 0.5), 0),
//           xsize = min(trunc(center + support + 0.5), in) - xmin
//   w_j     = filter((j - center + 0.5) / max(scale, 1)), normalised to sum 1 per output
//   filter  triangle max(0, 1 - |x|) (bilinear) or Keys' cubic with A = -0.5 (bicubic; the plain
//           bicubic mode uses A = -0.75)
//
// align_corners only changes `scale` (the centers stay at o + 0.5), so upsampling with antialias
// equals the plain mode only for bilinear without align_corners (to float rounding). Each step
// keeps ATen's precision (float for float32 input, with the `+ 0.5` and `* invscale` steps in
// double where ATen's double literals promote them), so the windows are PyTorch's exactly.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include "ops/float/resize_separable.h"

namespace octet::functional::detail {
namespace {

// ATen's HelperInterpLinear::aa_filter.
float triangle_filter(float x) {
  x = std::fabs(x);
  return x < 1.0f ? 1.0f - x : 0.0f;
}

// ATen's HelperInterpCubic::aa_filter: cubic_convolution1 / 2 with A = -0.5.
float cubic_filter(float x) {
  constexpr float A = -0.5f;
  x = std::fabs(x);
  if (x < 1.0f) return ((A + 2.0f) * x - (A + 3.0f)) * x * x + 1.0f;
  if (x < 2.0f) return ((A * x - 5.0f * A) * x + 8.0f * A) * x - 4.0f * A;
  return 0.0f;
}

}  // namespace

ResizeTaps antialias_taps(int64_t in, int64_t out, bool align_corners, std::optional<double> scale_factor,
                          bool cubic) {
  const int interp_size = cubic ? 4 : 2;
  const float scale = area_pixel_scale(in, out, align_corners, scale_factor);
  const float support = scale >= 1.0f ? static_cast<float>(interp_size * 0.5 * static_cast<double>(scale))
                                      : static_cast<float>(interp_size * 0.5);
  const int64_t max_taps = static_cast<int64_t>(std::ceil(support)) * 2 + 1;
  const float invscale = scale >= 1.0f ? static_cast<float>(1.0 / static_cast<double>(scale)) : 1.0f;
  float (*filter)(float) = cubic ? cubic_filter : triangle_filter;

  ResizeTaps t;
  t.resize(out, max_taps);
  for (int64_t o = 0; o < out; ++o) {
    const float center = static_cast<float>(static_cast<double>(scale) * (static_cast<double>(o) + 0.5));
    const int64_t xmin = std::max(static_cast<int64_t>(static_cast<double>(center - support) + 0.5), int64_t{0});
    int64_t xsize = std::min(static_cast<int64_t>(static_cast<double>(center + support) + 0.5), in) - xmin;
    // Rounding can make a window one longer than max_taps; ATen clips it the same way.
    xsize = std::clamp<int64_t>(xsize, 0, max_taps);
    int64_t* idx = &t.index[static_cast<size_t>(o * max_taps)];
    float* w = &t.weight[static_cast<size_t>(o * max_taps)];
    float total = 0.0f;
    for (int64_t j = 0; j < xsize; ++j) {
      const double x = static_cast<double>(static_cast<float>(j + xmin) - center) + 0.5;
      w[j] = filter(static_cast<float>(x * static_cast<double>(invscale)));
      idx[j] = xmin + j;
      total += w[j];
    }
    if (total != 0.0f) {
      for (int64_t j = 0; j < xsize; ++j) w[j] /= total;
    }
    // An empty window (never for valid sizes) still reads one element, with weight 0.
    if (xsize == 0) idx[0] = std::min(xmin, in - 1);
    t.size[static_cast<size_t>(o)] = std::max<int64_t>(xsize, 1);
  }
  return t;
}

}  // namespace octet::functional::detail
