// conv_gemm.cpp: convolution as GEMM: 1x1 on the input in place, else implicit im2col packed straight into GEMM panels.
//
// Per image and group, out[C_out/g x P] = weight[C_out/g x K] * col[K x P] with K = C/g * taps and
// P = output positions. col is never built whole: the GEMM driver asks for K x N blocks in panel
// form, and Im2colB writes them from a padded, stride-phase-split copy of the input (PaddedPlanes),
// in which every (channel, tap) row of col is a run of contiguous floats per output row.
#include <algorithm>
#include <cstring>
#include <vector>

#include "octet/engine.h"
#include "ops/float/conv_common.h"
#include "ops/float/gemm.h"

namespace octet::functional::detail {
namespace {

// col (K x P) of one image and group, read from channels laid out as `l` at `planes`.
class Im2colB final : public ops::GemmB {
 public:
  Im2colB(const float* planes, const PaddedPlanes& l, const ConvGeom& g)
      : planes_(planes), l_(l), g_(g), packb_(kernels::f32_kernels().f32_packb) {}

  void pack(int64_t k0, int64_t kc, int64_t n0, int64_t nc, int64_t nr, float* dst) const override {
    // The base of each col row (channel c, tap kd, kh, kw): where output (0, 0, 0) reads it.
    const int64_t taps = g_.kernel_size();
    const int64_t sw = g_.stride[2];
    std::vector<const float*>& rows = rows_buffer();
    rows.resize(static_cast<size_t>(kc));
    for (int64_t k = k0; k < k0 + kc; ++k) {
      const int64_t c = k / taps, t = k % taps;
      const int64_t kd = t / (g_.kernel[1] * g_.kernel[2]), kh = t / g_.kernel[2] % g_.kernel[1],
                    kw = t % g_.kernel[2];
      const int64_t col = kw * g_.dilation[2];
      rows[static_cast<size_t>(k - k0)] = planes_ + c * l_.plane_stride +
                                          (kd * g_.dilation[0] * l_.rows + kh * g_.dilation[1]) * l_.row_stride +
                                          (col % sw) * l_.phase_stride + col / sw;
    }
    const int64_t ow_n = g_.out[2], oh_n = g_.out[1];
    // Runs of a panel: one per output row (od, oh) its columns cross; output p = (od, oh, ow)
    // reads offset ((od*sd) * rows + oh*sh) * row_stride + ow of each col row's base.
    auto runs_of = [&](int64_t c0, int64_t width, kernels::F32PackRun* runs) {
      size_t n = 0;
      int64_t p = c0, j = 0;
      while (j < width) {
        const int64_t ow = p % ow_n, r = p / ow_n, oh = r % oh_n, od = r / oh_n;
        const int64_t len = std::min(ow_n - ow, width - j);
        const int64_t off = (od * g_.stride[0] * l_.rows + oh * g_.stride[1]) * l_.row_stride + ow;
        runs[n++] = kernels::F32PackRun{static_cast<uint32_t>(j), static_cast<uint32_t>(len), off};
        j += len;
        p += len;
      }
      return n;
    };
    std::vector<kernels::F32PackRun>& runs = runs_buffer();
    runs.resize(static_cast<size_t>(nr));  // at most one run per column
    ops::pack_panels(packb_, rows.data(), kc, n0, nc, nr, dst, runs.data(), runs_of);
  }

 private:
  static std::vector<const float*>& rows_buffer() {
    thread_local std::vector<const float*> rows;
    return rows;
  }
  static std::vector<kernels::F32PackRun>& runs_buffer() {
    thread_local std::vector<kernels::F32PackRun> runs;
    return runs;
  }

  const float* planes_;
  PaddedPlanes l_;
  const ConvGeom& g_;
  kernels::f32_packb_fn packb_;
};

bool is_pointwise(const ConvGeom& g) {
  for (int d = 0; d < 3; ++d) {
    if (g.kernel[d] != 1 || g.stride[d] != 1 || g.pad_lo[d] != 0 || g.pad_hi[d] != 0) return false;
  }
  return true;
}

// One (image, group): out rows of the group = weight rows * col, on `threads` threads.
void conv_item(const float* x, const float* w, const float* bias, float* y, const ConvGeom& g, int64_t n,
               int64_t grp, int threads) {
  const int64_t cg = g.group_in(), cog = g.group_out(), P = g.out_size();
  const int64_t K = cg * g.kernel_size();
  const float* xin = x + (n * g.in_channels + grp * cg) * g.in_size();
  ops::GemmOut o;
  o.c = y + (n * g.out_channels + grp * cog) * P;
  o.ldc = P;
  o.row_bias = bias != nullptr ? bias + grp * cog : nullptr;
  const float* a = w + grp * cog * K;
  if (is_pointwise(g)) {
    // 1x1, stride 1, no padding: col is the input itself (C/g x P, row-major).
    ops::gemm(cog, P, K, a, K, ops::DenseB(xin, g.in_size(), 1), o, threads);
    return;
  }
  PaddedPlanes l;
  const float* planes = xin;
  if (input_in_place(g)) {
    l = input_layout(g);
  } else {
    l = padded_layout(g);
    float* buf = ops::thread_scratch(2, static_cast<size_t>(cg * l.plane_stride));
    const int pt = std::max(1, std::min<int>(threads, static_cast<int>(cg)));
    const auto padsplit = kernels::f32_kernels().f32_padsplit;
#pragma omp parallel for num_threads(pt) schedule(dynamic, 8)
    for (int64_t c = 0; c < cg; ++c) pad_channels(xin, g, l, c, c + 1, buf + c * l.plane_stride, padsplit);
    planes = buf;
  }
  ops::gemm(cog, P, K, a, K, Im2colB(planes, l, g), o, threads);
}

}  // namespace

bool input_in_place(const ConvGeom& g) {
  for (int d = 0; d < 3; ++d) {
    if (g.pad_lo[d] != 0 || g.pad_hi[d] != 0) return false;
  }
  return g.stride[2] == 1;
}

PaddedPlanes input_layout(const ConvGeom& g) {
  PaddedPlanes l;
  l.depth = g.in[0];
  l.rows = g.in[1];
  l.phase_len = g.in[2];
  l.phase_stride = 0;
  l.row_stride = g.in[2];
  l.plane_stride = g.in_size();
  return l;
}

PaddedPlanes padded_layout(const ConvGeom& g) {
  PaddedPlanes l;
  l.depth = g.in[0] + g.pad_lo[0] + g.pad_hi[0];
  l.rows = g.in[1] + g.pad_lo[1] + g.pad_hi[1];
  const int64_t wp = g.in[2] + g.pad_lo[2] + g.pad_hi[2];
  const int64_t sw = g.stride[2];
  l.phase_len = (wp + sw - 1) / sw;
  l.phase_stride = l.phase_len;
  l.row_stride = sw * l.phase_len;
  l.plane_stride = l.depth * l.rows * l.row_stride;
  return l;
}

void pad_channels(const float* x, const ConvGeom& g, const PaddedPlanes& l, int64_t c0, int64_t c1, float* dst,
                  kernels::f32_padsplit_fn padsplit) {
  const int64_t D = g.in[0], H = g.in[1], W = g.in[2];
  const int64_t top = g.pad_lo[1], bottom = l.rows - top - H;
  for (int64_t c = c0; c < c1; ++c) {
    float* plane = dst + (c - c0) * l.plane_stride;
    for (int64_t z = 0; z < l.depth; ++z) {
      float* slice = plane + z * l.rows * l.row_stride;
      const int64_t zi = z - g.pad_lo[0];
      if (zi < 0 || zi >= D) {
        std::fill(slice, slice + l.rows * l.row_stride, 0.0f);
        continue;
      }
      std::fill(slice, slice + top * l.row_stride, 0.0f);
      padsplit(static_cast<size_t>(H), static_cast<size_t>(W), x + (c * D + zi) * H * W, static_cast<size_t>(W),
               static_cast<size_t>(g.pad_lo[2]), static_cast<size_t>(g.stride[2]), static_cast<size_t>(l.phase_len),
               slice + top * l.row_stride, static_cast<size_t>(l.phase_stride), static_cast<size_t>(l.row_stride));
      std::fill(slice + (top + H) * l.row_stride, slice + (top + H + bottom) * l.row_stride, 0.0f);
    }
  }
}

void conv_forward(const float* x, const float* w, const float* bias, float* y, const ConvGeom& g) {
  if (is_depthwise(g)) {
    conv_depthwise(x, w, bias, y, g);
    return;
  }
  const int64_t items = g.batch * g.groups;
  if (items == 0 || g.out_size() == 0 || g.out_channels == 0) return;
  const double flops = 2.0 * static_cast<double>(g.batch) * static_cast<double>(g.out_channels) *
                       static_cast<double>(g.out_size()) * static_cast<double>(g.group_in() * g.kernel_size());
  const int threads = ops::threads_for(flops, get_num_threads());
  if (items >= threads && threads > 1) {
    // Enough independent products: one (image, group) per thread at a time.
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int64_t i = 0; i < items; ++i) conv_item(x, w, bias, y, g, i / g.groups, i % g.groups, 1);
    return;
  }
  for (int64_t i = 0; i < items; ++i) conv_item(x, w, bias, y, g, i / g.groups, i % g.groups, threads);
}

}  // namespace octet::functional::detail
