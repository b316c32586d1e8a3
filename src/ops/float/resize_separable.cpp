// resize_separable.cpp: applies per-dim resampling taps to (D, H, W) planes, W then H then D, threaded over planes.
#include "ops/float/resize_separable.h"

#include <vector>

#include "octet/engine.h"

namespace octet::functional::detail {
namespace {

// Along the contiguous dim: dst[r, o] = sum_j src[r, idx[o, j]] * w[o, j] for `rows` rows.
void resample_rows(const float* src, float* dst, const ResizeTaps& t, int64_t rows, int64_t in, int64_t out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* s = src + r * in;
    float* d = dst + r * out;
    for (int64_t o = 0; o < out; ++o) {
      const int64_t* idx = &t.index[static_cast<size_t>(o * t.count)];
      const float* w = &t.weight[static_cast<size_t>(o * t.count)];
      const int64_t n = t.size[static_cast<size_t>(o)];
      float v = s[idx[0]] * w[0];
      for (int64_t j = 1; j < n; ++j) v += s[idx[j]] * w[j];
      d[o] = v;
    }
  }
}

// Along an outer dim whose elements are contiguous vectors of `len` floats:
// dst[o, :] = sum_j src[idx[o, j], :] * w[o, j] (the inner loop runs over contiguous memory).
void resample_outer(const float* src, float* dst, const ResizeTaps& t, int64_t out, int64_t len) {
  for (int64_t o = 0; o < out; ++o) {
    const int64_t* idx = &t.index[static_cast<size_t>(o * t.count)];
    const float* w = &t.weight[static_cast<size_t>(o * t.count)];
    const int64_t n = t.size[static_cast<size_t>(o)];
    float* d = dst + o * len;
    const float* s0 = src + idx[0] * len;
    for (int64_t l = 0; l < len; ++l) d[l] = s0[l] * w[0];
    for (int64_t j = 1; j < n; ++j) {
      const float* sj = src + idx[j] * len;
      for (int64_t l = 0; l < len; ++l) d[l] += sj[l] * w[j];
    }
  }
}

}  // namespace

float scale_value(std::optional<double> scale_factor, int64_t in, int64_t out) {
  return scale_factor.has_value() && *scale_factor > 0.0 ? static_cast<float>(1.0 / *scale_factor)
                                                         : static_cast<float>(in) / static_cast<float>(out);
}

float area_pixel_scale(int64_t in, int64_t out, bool align_corners, std::optional<double> scale_factor) {
  if (align_corners) return out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
  return scale_value(scale_factor, in, out);
}

void ResizeTaps::resize(int64_t out, int64_t taps_per_output) {
  count = taps_per_output;
  size.assign(static_cast<size_t>(out), taps_per_output);
  index.assign(static_cast<size_t>(out * taps_per_output), 0);
  weight.assign(static_cast<size_t>(out * taps_per_output), 0.0f);
}

ResizeTaps identity_taps(int64_t n) {
  ResizeTaps t;
  t.resize(n, 1);
  for (int64_t i = 0; i < n; ++i) {
    t.index[static_cast<size_t>(i)] = i;
    t.weight[static_cast<size_t>(i)] = 1.0f;
  }
  return t;
}

void resample_separable(const float* px, float* py, int64_t planes, const std::array<int64_t, 3>& in,
                        const std::array<int64_t, 3>& out, const std::array<ResizeTaps, 3>& taps, int64_t spatial) {
  const int64_t D = in[0], H = in[1], W = in[2], OD = out[0], OH = out[1], OW = out[2];
#pragma omp parallel num_threads(octet::get_num_threads())
  {
    std::vector<float> t1(spatial > 1 ? static_cast<size_t>(D * H * OW) : 0);
    std::vector<float> t2(spatial > 2 ? static_cast<size_t>(D * OH * OW) : 0);
#pragma omp for schedule(static)
    for (int64_t p = 0; p < planes; ++p) {
      const float* src = px + p * D * H * W;
      float* dst = py + p * OD * OH * OW;
      resample_rows(src, spatial == 1 ? dst : t1.data(), taps[2], D * H, W, OW);
      if (spatial == 1) continue;
      float* h_out = spatial == 3 ? t2.data() : dst;
      for (int64_t d = 0; d < D; ++d) resample_outer(t1.data() + d * H * OW, h_out + d * OH * OW, taps[1], OH, OW);
      if (spatial == 3) resample_outer(t2.data(), dst, taps[0], OD, OH * OW);
    }
  }
}

}  // namespace octet::functional::detail
