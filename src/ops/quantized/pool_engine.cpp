// pool_engine.cpp: window geometry and the NCHW / channels-last loop nests of quantized pooling, calling the qpool microkernels.
#include "ops/quantized/pool_engine.h"

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "core/tensor_impl.h"
#include "kernels/qpool_kernels.h"
#include "kernels/quantize_kernels.h"
#include "octet/engine.h"
#include "octet/qparams.h"
#include "ops/float/pool_common.h"
#include "ops/quantized/qops_common.h"

namespace octet::quantized::qpool_detail {
namespace {

std::string spatial_names(int64_t spatial) {
  return spatial == 1 ? "(C, L) or (N, C, L)" : spatial == 2 ? "(C, H, W) or (N, C, H, W)"
                                                             : "(C, D, H, W) or (N, C, D, H, W)";
}

PoolGeometry input_geometry(const Tensor& qx, int64_t spatial, const char* where) {
  qops_detail::check_qinput(qx, where);
  const int64_t dim = qx.dim();
  OCTET_CHECK(dim == spatial + 1 || dim == spatial + 2, where, "expected a ", spatial + 1, "-D or ", spatial + 2,
              "-D input ", spatial_names(spatial), ", got shape ", shape_to_string(qx.shape()));
  PoolGeometry g;
  g.spatial = spatial;
  g.batched = dim == spatial + 2;
  for (int64_t d = g.batched ? 1 : 0; d < dim; ++d) {
    OCTET_CHECK(qx.size(d) > 0, where, "expected non-zero sizes in every dim but the batch, got shape ",
                shape_to_string(qx.shape()));
  }
  g.batch = g.batched ? qx.size(0) : 1;
  g.channels = qx.size(g.batched ? 1 : 0);
  for (int64_t d = 0; d < dim - spatial; ++d) g.out_shape.push_back(qx.size(d));
  for (int64_t s = 0; s < spatial; ++s) g.in[static_cast<size_t>(3 - spatial + s)] = qx.size(dim - spatial + s);
  return g;
}

// Output o's window starts at o * s - p; tap t sits at start + t * d. The valid taps are a run
// [t_lo, t_hi) of t. padded is ATen's pool_size: the window clipped to [-p, in + p).
DimWindows regular_windows(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, int64_t d) {
  DimWindows w;
  for (int64_t o = 0; o < out; ++o) {
    const int64_t start = o * s - p;
    const int64_t t_lo = start < 0 ? (-start + d - 1) / d : 0;
    const int64_t t_hi = in - 1 - start >= 0 ? std::min(k, (in - 1 - start) / d + 1) : 0;
    w.first.push_back(start + t_lo * d);
    w.valid.push_back(std::max<int64_t>(t_hi - t_lo, 0));
    w.padded.push_back(std::min(start + k, in + p) - start);
  }
  return w;
}

void check_window_volume(const PoolGeometry& g, const std::array<int64_t, 3>& window, const char* where) {
  int64_t volume = 1;
  for (int64_t v : window) volume *= v;
  OCTET_CHECK(volume <= static_cast<int64_t>(kernels::kQPoolMaxTaps), where, "a pooling window of ", volume,
              " elements is too large: at most ", kernels::kQPoolMaxTaps,
              " (2^23) are supported, so that its int32 sum cannot overflow (input shape ",
              shape_to_string(g.out_shape), ")");
}

// --- the kernels of one type --------------------------------------------------------------------

template <typename T>
struct TypedKernels;
template <>
struct TypedKernels<uint8_t> {
  kernels::qu8_maxpool_fn max;
  kernels::qu8_avgpool_minmax_fp32_fn avg;
  kernels::qu8_s32_rsum_fn rsum;
  explicit TypedKernels(const kernels::QPoolKernels& k)
      : max(k.qu8_maxpool), avg(k.qu8_avgpool_minmax_fp32), rsum(k.qu8_s32_rsum) {}
};
template <>
struct TypedKernels<int8_t> {
  kernels::qs8_maxpool_fn max;
  kernels::qs8_avgpool_minmax_fp32_fn avg;
  kernels::qs8_s32_rsum_fn rsum;
  explicit TypedKernels(const kernels::QPoolKernels& k)
      : max(k.qs8_maxpool), avg(k.qs8_avgpool_minmax_fp32), rsum(k.qs8_s32_rsum) {}
};

// The requantization of one average: count elements summed, divided by the op's divisor.
struct AvgRule {
  PoolOp op;
  int32_t zero_point, qmin, qmax;

  kernels::QAvgPoolParams params(int64_t count, int64_t padded) const {
    const int64_t divisor = op.divisor_override.has_value() ? *op.divisor_override
                            : op.count_include_pad        ? padded
                                                          : count;
    // 1.0f / divisor in float32: PyTorch's multiplier (in_scale / out_scale / divisor with equal
    // scales). An empty window (possible only with dilation, i.e. never for averages) gives 0.
    const float m = divisor == 0 ? 0.0f : 1.0f / static_cast<float>(divisor);
    return kernels::QAvgPoolParams{static_cast<int32_t>(-zero_point * count), m, zero_point, qmin, qmax};
  }
};

// Calls the max or average kernel on taps.
template <typename T>
void reduce(const TypedKernels<T>& k, const AvgRule* avg, size_t n, const std::vector<const T*>& taps, size_t stride,
            T* y, int64_t padded) {
  if (avg == nullptr) {
    k.max(n, taps.size(), taps.data(), stride, y);
  } else {
    const kernels::QAvgPoolParams p = avg->params(static_cast<int64_t>(taps.size()), padded);
    k.avg(n, taps.size(), taps.data(), stride, y, &p);
  }
}

// --- NCHW: one output row at a time ---------------------------------------------------------------

// Output columns [lo, hi) whose every tap lies inside the row (regular windows): one kernel call
// vectorised along the row, with stride = the pooling stride; the other columns one by one.
template <typename T>
void pool_rows(const T* x, T* y, const PoolGeometry& g, const TypedKernels<T>& k, const AvgRule* avg) {
  const int64_t D = g.in[0], H = g.in[1], W = g.in[2], OD = g.out[0], OH = g.out[1], OW = g.out[2];
  const int64_t kw = g.kernel[2], sw = g.stride[2], pw = g.pad[2], dw = g.dilation[2];
  int64_t lo = 0, hi = 0;
  if (g.regular) {
    const int64_t last = W - 1 - (kw - 1) * dw + pw;  // ow * sw <= last
    hi = std::min(OW, last < 0 ? int64_t{0} : last / sw + 1);
    lo = std::min((pw + sw - 1) / sw, hi);
  }
  const DimWindows &wd = g.win[0], &wh = g.win[1], &ww = g.win[2];
  const int64_t rows = g.batch * g.channels * OD * OH;
#pragma omp parallel num_threads(octet::get_num_threads())
  {
    std::vector<const T*> in_rows, taps;
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t oh = r % OH, od = (r / OH) % OD, p = r / (OH * OD);
      const T* plane = x + p * D * H * W;
      T* yrow = y + r * OW;
      in_rows.clear();
      for (int64_t a = 0; a < wd.valid[static_cast<size_t>(od)]; ++a) {
        const int64_t id = wd.first[static_cast<size_t>(od)] + a * g.dilation[0];
        for (int64_t b = 0; b < wh.valid[static_cast<size_t>(oh)]; ++b) {
          const int64_t ih = wh.first[static_cast<size_t>(oh)] + b * g.dilation[1];
          in_rows.push_back(plane + (id * H + ih) * W);
        }
      }
      const int64_t padded_dh = wd.padded[static_cast<size_t>(od)] * wh.padded[static_cast<size_t>(oh)];
      if (hi > lo) {
        taps.clear();
        for (const T* row : in_rows) {
          for (int64_t t = 0; t < kw; ++t) taps.push_back(row + lo * sw - pw + t * dw);
        }
        reduce(k, avg, static_cast<size_t>(hi - lo), taps, static_cast<size_t>(sw), yrow + lo, padded_dh * kw);
      }
      for (int64_t ow = 0; ow < OW; ++ow) {
        if (ow == lo && hi > lo) ow = hi;
        if (ow >= OW) break;
        const auto w = static_cast<size_t>(ow);
        taps.clear();
        for (const T* row : in_rows) {
          for (int64_t t = 0; t < ww.valid[w]; ++t) taps.push_back(row + ww.first[w] + t * dw);
        }
        reduce(k, avg, 1, taps, 1, yrow + ow, padded_dh * ww.padded[w]);
      }
    }
  }
}

// Averages by sums outside the row kernels, for output rows too short to fill vectors (global and
// adaptive pooling) and irregular windows; the requantization is the average kernels' rule (the
// quantize family's vrequantize and octet::requantize_value are that formula). A global pool sums
// each plane in one run of the rsum kernel (vpsadbw) and requantizes all planes with one call.
template <typename T>
void average_by_sums(const T* x, T* y, const PoolGeometry& g, const TypedKernels<T>& k, const AvgRule& avg) {
  const int64_t D = g.in[0], H = g.in[1], W = g.in[2], OD = g.out[0], OH = g.out[1], OW = g.out[2];
  const DimWindows &wd = g.win[0], &wh = g.win[1], &ww = g.win[2];
  const int64_t planes = g.batch * g.channels, plane = D * H * W;
  const bool global = OD == 1 && OH == 1 && OW == 1 && wd.valid[0] == D && wh.valid[0] == H && ww.valid[0] == W;
  if (global) {
    const kernels::QAvgPoolParams p = avg.params(plane, wd.padded[0] * wh.padded[0] * ww.padded[0]);
    const kernels::RequantizeParams rp{p.multiplier, p.zero_point, p.qmin, p.qmax};
    const kernels::QuantizeKernels& qk = kernels::quantize_kernels();
    constexpr int64_t kChunk = 256;
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
    for (int64_t c0 = 0; c0 < planes; c0 += kChunk) {
      int32_t acc[kChunk];
      const int64_t n = std::min(kChunk, planes - c0);
      for (int64_t i = 0; i < n; ++i) {
        // bias + sum fits in int32 (at most 2^23 elements); the addition wraps in uint32 on the way.
        const auto s = static_cast<uint32_t>(k.rsum(static_cast<size_t>(plane), x + (c0 + i) * plane));
        acc[i] = static_cast<int32_t>(s + static_cast<uint32_t>(p.bias));
      }
      if constexpr (std::is_same_v<T, uint8_t>) {
        qk.qs32_qu8_vrequantize(static_cast<size_t>(n), acc, y + c0, &rp);
      } else {
        qk.qs32_qs8_vrequantize(static_cast<size_t>(n), acc, y + c0, &rp);
      }
    }
    return;
  }
  // Other windows: per output row, the window's input rows summed column by column (exact int32,
  // a loop the compiler vectorises), then each output adds its columns and is requantized.
  const int64_t rows = planes * OD * OH;
#pragma omp parallel num_threads(octet::get_num_threads())
  {
    std::vector<int32_t> col(static_cast<size_t>(W));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t oh = r % OH, od = (r / OH) % OD;
      const T* base = x + (r / (OH * OD)) * plane;
      const auto d = static_cast<size_t>(od), h = static_cast<size_t>(oh);
      std::fill(col.begin(), col.end(), 0);
      for (int64_t a = 0; a < wd.valid[d]; ++a) {
        for (int64_t b = 0; b < wh.valid[h]; ++b) {
          const T* row = base + ((wd.first[d] + a) * H + wh.first[h] + b) * W;
          for (int64_t i = 0; i < W; ++i) col[static_cast<size_t>(i)] += row[i];
        }
      }
      for (int64_t ow = 0; ow < OW; ++ow) {
        const auto w = static_cast<size_t>(ow);
        int32_t sum = 0;  // |sum| <= 255 * 2^23
        for (int64_t i = 0; i < ww.valid[w]; ++i) sum += col[static_cast<size_t>(ww.first[w] + i)];
        const int64_t count = wd.valid[d] * wh.valid[h] * ww.valid[w];
        const kernels::QAvgPoolParams p = avg.params(count, wd.padded[d] * wh.padded[h] * ww.padded[w]);
        const auto acc = static_cast<int32_t>(static_cast<uint32_t>(sum) + static_cast<uint32_t>(p.bias));
        y[r * OW + ow] = static_cast<T>(requantize_value(acc, p.multiplier, p.zero_point, p.qmin, p.qmax));
      }
    }
  }
}

// --- channels-last: one output pixel at a time, vectorised across channels ------------------------

template <typename T>
void pool_pixels(const T* x, T* y, const PoolGeometry& g, const TypedKernels<T>& k, const AvgRule* avg) {
  const int64_t D = g.in[0], H = g.in[1], W = g.in[2], OD = g.out[0], OH = g.out[1], OW = g.out[2];
  const int64_t C = g.channels;
  const DimWindows &wd = g.win[0], &wh = g.win[1], &ww = g.win[2];
  const int64_t pixels = g.batch * OD * OH * OW;
#pragma omp parallel num_threads(octet::get_num_threads())
  {
    std::vector<const T*> taps;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < pixels; ++i) {
      const int64_t ow = i % OW, oh = (i / OW) % OH, od = (i / (OW * OH)) % OD, n = i / (OW * OH * OD);
      const auto d = static_cast<size_t>(od), h = static_cast<size_t>(oh), w = static_cast<size_t>(ow);
      taps.clear();
      for (int64_t a = 0; a < wd.valid[d]; ++a) {
        const int64_t id = wd.first[d] + a * g.dilation[0];
        for (int64_t b = 0; b < wh.valid[h]; ++b) {
          const int64_t ih = wh.first[h] + b * g.dilation[1];
          for (int64_t c = 0; c < ww.valid[w]; ++c) {
            const int64_t iw = ww.first[w] + c * g.dilation[2];
            taps.push_back(x + (((n * D + id) * H + ih) * W + iw) * C);
          }
        }
      }
      reduce(k, avg, static_cast<size_t>(C), taps, 1, y + i * C, wd.padded[d] * wh.padded[h] * ww.padded[w]);
    }
  }
}

template <typename T>
void run_typed(const Tensor& qx, const Tensor& y, const PoolGeometry& g, const PoolOp& op, bool channels_last) {
  const TypedKernels<T> k(kernels::qpool_kernels());
  const AvgRule rule{op, static_cast<int32_t>(qx.q_zero_point()), static_cast<int32_t>(dtype_qmin(qx.dtype())),
                     static_cast<int32_t>(dtype_qmax(qx.dtype()))};
  const AvgRule* avg = op.max ? nullptr : &rule;
  T* py = static_cast<T*>(y.raw_data());
  if (channels_last) {
    pool_pixels(static_cast<const T*>(qx.raw_data()), py, g, k, avg);
    return;
  }
  const Tensor x = qx.contiguous();
  const T* px = static_cast<const T*>(x.raw_data());
  // The row path fills vectors along output rows; rows shorter than 16 (global and small adaptive
  // outputs) or irregular windows sum input row segments instead.
  if (avg != nullptr && (!g.regular || g.out[2] < 16)) {
    average_by_sums(px, py, g, k, rule);
  } else {
    pool_rows(px, py, g, k, avg);
  }
}

}  // namespace

PoolGeometry window_geometry(const Tensor& qx, int64_t spatial, const Shape& kernel_size, const Shape& stride,
                             const Shape& padding, const Shape& dilation, bool ceil_mode, const char* where) {
  PoolGeometry g = input_geometry(qx, spatial, where);
  for (int64_t v : padding) {
    OCTET_CHECK(v >= 0, where, "padding must be >= 0, got ", shape_to_string(padding));
  }
  ::octet::functional::detail::PoolGeometry fg;
  fg.planes = g.batch * g.channels;
  fg.in = g.in;
  fg.out_shape = g.out_shape;
  ::octet::functional::detail::pool_window_geometry(fg, spatial, kernel_size, stride, padding, dilation, ceil_mode, where);
  g.out = fg.out;
  g.kernel = fg.kernel;
  g.stride = fg.stride;
  g.pad = fg.pad;
  g.dilation = fg.dilation;
  g.out_shape = fg.out_shape;
  g.regular = true;
  check_window_volume(g, g.kernel, where);
  for (size_t i = 0; i < 3; ++i) {
    g.win[i] = regular_windows(g.in[i], g.out[i], g.kernel[i], g.stride[i], g.pad[i], g.dilation[i]);
  }
  return g;
}

PoolGeometry adaptive_geometry(const Tensor& qx, int64_t spatial, const Shape& output_size, const char* where) {
  PoolGeometry g = input_geometry(qx, spatial, where);
  ::octet::functional::detail::PoolGeometry fg;
  fg.out_shape = g.out_shape;
  ::octet::functional::detail::adaptive_output_geometry(fg, spatial, output_size, where);
  g.out_shape = fg.out_shape;
  g.regular = true;
  std::array<int64_t, 3> widest{1, 1, 1};
  for (size_t i = 0; i < 3; ++i) {
    const int64_t in = g.in[i], out = fg.out[i];
    g.out[i] = out;
    DimWindows& w = g.win[i];
    for (int64_t o = 0; o < out; ++o) {
      const int64_t start = ::octet::functional::detail::adaptive_start(o, out, in);
      const int64_t end = ::octet::functional::detail::adaptive_end(o, out, in);
      w.first.push_back(start);
      w.valid.push_back(end - start);
      w.padded.push_back(end - start);
      widest[i] = std::max(widest[i], end - start);
    }
    if (out == 0 || in % out != 0) {
      g.regular = false;
    } else {
      g.kernel[i] = g.stride[i] = in / out;
    }
  }
  check_window_volume(g, widest, where);
  return g;
}

Tensor run_pool(const Tensor& qx, const PoolGeometry& g, const PoolOp& op) {
  const bool channels_last = qops_detail::is_channels_last(qx, g.batched);
  Tensor y = channels_last ? qops_detail::empty_channels_last(g.out_shape, qx.quantizer(), g.batched)
                           : octet::detail::empty_quantized(g.out_shape, qx.quantizer(), /*zero_fill=*/false);
  if (y.numel() == 0) return y;
  if (qx.dtype() == kQUInt8) {
    run_typed<uint8_t>(qx, y, g, op, channels_last);
  } else {
    run_typed<int8_t>(qx, y, g, op, channels_last);
  }
  return y;
}

}  // namespace octet::quantized::qpool_detail
