// resize.cpp: quantized upsample_nearest2d / upsample_bilinear2d / interpolate with ATen's source-index arithmetic, any input strides.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/tensor_impl.h"
#include "kernels/quantize_kernels.h"
#include "octet/engine.h"
#include "octet/quantized/resize.h"
#include "ops/quantized/qops_common.h"

namespace octet::quantized {
namespace {

// ATen's compute_scales_value: 1 / scale when one is given and > 0, else in / out, in float.
float scale_value(std::optional<double> scale, int64_t in, int64_t out) {
  return scale.has_value() && *scale > 0.0 ? static_cast<float>(1.0 / *scale)
                                           : static_cast<float>(in) / static_cast<float>(out);
}

// ATen's nearest_idx (the 2-D nearest kernels): copies for out == in, halves for out == 2 * in.
std::vector<int64_t> nearest_indices(int64_t in, int64_t out, std::optional<double> scale) {
  std::vector<int64_t> idx(static_cast<size_t>(out));
  const float s = scale_value(scale, in, out);
  for (int64_t o = 0; o < out; ++o) {
    if (out == in) {
      idx[static_cast<size_t>(o)] = o;
    } else if (out == 2 * in) {
      idx[static_cast<size_t>(o)] = o >> 1;
    } else {
      idx[static_cast<size_t>(o)] = std::min(static_cast<int64_t>(std::floor(static_cast<float>(o) * s)), in - 1);
    }
  }
  return idx;
}

// One output position's two taps along a dim: index i, offset of the second tap (0 or 1), weights.
struct Linear {
  int64_t i0, step;
  float l0, l1;
};

// ATen's area_pixel_compute_scale / area_pixel_compute_source_index (float, not cubic), then
// PyTorch's quantized bilinear: i = (int64)src, lambda = src - i.
std::vector<Linear> linear_taps(int64_t in, int64_t out, bool align_corners, std::optional<double> scale) {
  const float r = align_corners ? (out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f)
                                : scale_value(scale, in, out);
  std::vector<Linear> taps(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    float src = align_corners ? r * static_cast<float>(o) : r * (static_cast<float>(o) + 0.5f) - 0.5f;
    if (!align_corners && src < 0.0f) src = 0.0f;
    // (int64)src as ATen; the min guards an explicit scale that maps past the input.
    const int64_t i = std::min(static_cast<int64_t>(src), in - 1);
    const float l1 = src - static_cast<float>(i);
    taps[static_cast<size_t>(o)] = Linear{i, i < in - 1 ? 1 : 0, 1.0f - l1, l1};
  }
  return taps;
}

struct Geometry {
  int64_t N, C, H, W, OH, OW;
  int64_t sN, sC, sH, sW;  // input strides (elements)
  bool channels_last;
};

Geometry check_input(const Tensor& qx, const Shape& output_size, const char* where) {
  qops_detail::check_qinput(qx, where);
  OCTET_CHECK(qx.dim() == 4, where, "expected a 4-D (N, C, H, W) input, got shape ", shape_to_string(qx.shape()));
  OCTET_CHECK(output_size.size() == 2, where, "output_size must hold 2 values (out_h, out_w), got ",
              shape_to_string(output_size));
  Geometry g{qx.size(0), qx.size(1), qx.size(2), qx.size(3), output_size[0], output_size[1],
             qx.stride(0), qx.stride(1), qx.stride(2), qx.stride(3), false};
  OCTET_CHECK(g.C > 0 && g.H > 0 && g.W > 0 && g.OH > 0 && g.OW > 0, where,
              "input and output sizes should be greater than 0, got input ", shape_to_string(qx.shape()),
              " and output_size ", shape_to_string(output_size));
  g.channels_last = qops_detail::is_channels_last(qx, /*batched=*/true);
  return g;
}

Tensor new_output(const Tensor& qx, const Geometry& g) {
  const Shape shape{g.N, g.C, g.OH, g.OW};
  return g.channels_last ? qops_detail::empty_channels_last(shape, qx.quantizer(), true)
                         : octet::detail::empty_quantized(shape, qx.quantizer(), /*zero_fill=*/false);
}

template <typename T>
void nearest(const Tensor& qx, const Tensor& y, const Geometry& g, const std::vector<int64_t>& ih,
             const std::vector<int64_t>& iw) {
  const T* x = static_cast<const T*>(qx.raw_data());
  T* out = static_cast<T*>(y.raw_data());
  std::vector<int64_t> col(iw.size());  // element offsets of the source columns
  for (size_t i = 0; i < iw.size(); ++i) col[i] = iw[i] * g.sW;
  const bool doubling = g.OW == 2 * g.W && g.sW == 1;
  if (g.channels_last) {
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
    for (int64_t r = 0; r < g.N * g.OH; ++r) {
      const T* src = x + (r / g.OH) * g.sN + ih[static_cast<size_t>(r % g.OH)] * g.sH;
      T* dst = out + r * g.OW * g.C;
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const T* pix = src + col[static_cast<size_t>(ow)];
        for (int64_t c = 0; c < g.C; ++c) dst[ow * g.C + c] = pix[c * g.sC];
      }
    }
    return;
  }
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
  for (int64_t p = 0; p < g.N * g.C; ++p) {
    const T* plane = x + (p / g.C) * g.sN + (p % g.C) * g.sC;
    T* dst = out + p * g.OH * g.OW;
    for (int64_t oh = 0; oh < g.OH; ++oh, dst += g.OW) {
      if (oh > 0 && ih[static_cast<size_t>(oh)] == ih[static_cast<size_t>(oh - 1)]) {
        std::memcpy(dst, dst - g.OW, static_cast<size_t>(g.OW) * sizeof(T));
        continue;
      }
      const T* src = plane + ih[static_cast<size_t>(oh)] * g.sH;
      if (doubling) {
        for (int64_t i = 0; i < g.W; ++i) dst[2 * i] = dst[2 * i + 1] = src[i];
      } else {
        for (int64_t ow = 0; ow < g.OW; ++ow) dst[ow] = src[col[static_cast<size_t>(ow)]];
      }
    }
  }
}

// PyTorch's quantized bilinear value of one output element, before rounding (stored integers in,
// float32 in ATen's order of operations, the input zero point subtracted last).
template <typename T>
inline float bilinear_value(const T* p, int64_t s_h, int64_t s_w, const Linear& h, const Linear& w, float zp) {
  const float q00 = static_cast<float>(p[0]), q01 = static_cast<float>(p[w.step * s_w]);
  const float q10 = static_cast<float>(p[h.step * s_h]), q11 = static_cast<float>(p[h.step * s_h + w.step * s_w]);
  return h.l0 * (w.l0 * q00 + w.l1 * q01) + h.l1 * (w.l0 * q10 + w.l1 * q11) - zp;
}

// NCHW: separable per plane. Each input row's horizontal interpolation t = w0 * q[i] + w1 * q[i + 1]
// is computed once (consecutive output rows share their input rows), then each output row is
// h0 * t_a + h1 * t_b - zero_point: the same float32 operations in the same order as
// bilinear_value, so the same results, with half the work when upsampling.
template <typename T>
void bilinear_planes(const T* x, T* out, const Geometry& g, const std::vector<Linear>& th, const std::vector<Linear>& tw,
                     float zp, int32_t zp_out, DType dtype) {
  const kernels::QuantizeKernels& k = kernels::quantize_kernels();
  const int64_t planes = g.N * g.C;
#pragma omp parallel num_threads(octet::get_num_threads())
  {
    std::vector<float> t0(static_cast<size_t>(g.OW)), t1(static_cast<size_t>(g.OW)), buf(static_cast<size_t>(g.OW));
    auto horizontal = [&](const T* row, std::vector<float>& t) {
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const Linear& w = tw[static_cast<size_t>(ow)];
        const T* p = row + w.i0 * g.sW;
        t[static_cast<size_t>(ow)] = w.l0 * static_cast<float>(p[0]) + w.l1 * static_cast<float>(p[w.step * g.sW]);
      }
    };
#pragma omp for schedule(static)
    for (int64_t pl = 0; pl < planes; ++pl) {
      const T* src = x + (pl / g.C) * g.sN + (pl % g.C) * g.sC;
      int64_t have0 = -1, have1 = -1;  // the input rows t0 and t1 hold
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        const Linear& h = th[static_cast<size_t>(oh)];
        const int64_t r0 = h.i0, r1 = h.i0 + h.step;
        if (have0 != r0) {
          if (have1 == r0) {
            std::swap(t0, t1);
            std::swap(have0, have1);
          } else {
            horizontal(src + r0 * g.sH, t0);
            have0 = r0;
          }
        }
        if (have1 != r1) {
          horizontal(src + r1 * g.sH, t1);
          have1 = r1;
        }
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          const auto i = static_cast<size_t>(ow);
          buf[i] = h.l0 * t0[i] + h.l1 * t1[i] - zp;
        }
        qops_detail::quantize_prescaled(k, static_cast<size_t>(g.OW), buf.data(), out + (pl * g.OH + oh) * g.OW, dtype,
                                        zp_out);
      }
    }
  }
}

template <typename T>
void bilinear(const Tensor& qx, const Tensor& y, const Geometry& g, const std::vector<Linear>& th,
              const std::vector<Linear>& tw) {
  const T* x = static_cast<const T*>(qx.raw_data());
  T* out = static_cast<T*>(y.raw_data());
  const auto zp_out = static_cast<int32_t>(qx.q_zero_point());
  const float zp = static_cast<float>(qx.q_zero_point());
  if (!g.channels_last) {
    bilinear_planes(x, out, g, th, tw, zp, zp_out, qx.dtype());
    return;
  }
  // Channels-last: one output row (all channels of OW pixels) at a time, element by element.
  const kernels::QuantizeKernels& k = kernels::quantize_kernels();
  const int64_t row_len = g.OW * g.C;
#pragma omp parallel num_threads(octet::get_num_threads())
  {
    std::vector<float> buf(static_cast<size_t>(row_len));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < g.N * g.OH; ++r) {
      const Linear& h = th[static_cast<size_t>(r % g.OH)];
      const T* src = x + (r / g.OH) * g.sN + h.i0 * g.sH;
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const Linear& w = tw[static_cast<size_t>(ow)];
        const T* pix = src + w.i0 * g.sW;
        for (int64_t c = 0; c < g.C; ++c) {
          buf[static_cast<size_t>(ow * g.C + c)] = bilinear_value(pix + c * g.sC, g.sH, g.sW, h, w, zp);
        }
      }
      // Quantize with the input's qparams (PyTorch keeps them): nearbyint(r) + zero point.
      qops_detail::quantize_prescaled(k, static_cast<size_t>(row_len), buf.data(), out + r * row_len, qx.dtype(), zp_out);
    }
  }
}

}  // namespace

Tensor upsample_nearest2d(const Tensor& qx, const Shape& output_size, std::optional<double> scales_h,
                          std::optional<double> scales_w) {
  const Geometry g = check_input(qx, output_size, "quantized::upsample_nearest2d");
  Tensor y = new_output(qx, g);
  if (y.numel() == 0) return y;
  const std::vector<int64_t> ih = nearest_indices(g.H, g.OH, scales_h), iw = nearest_indices(g.W, g.OW, scales_w);
  if (qx.dtype() == kQUInt8) {
    nearest<uint8_t>(qx, y, g, ih, iw);
  } else {
    nearest<int8_t>(qx, y, g, ih, iw);
  }
  return y;
}

Tensor upsample_bilinear2d(const Tensor& qx, const Shape& output_size, bool align_corners,
                           std::optional<double> scales_h, std::optional<double> scales_w) {
  const Geometry g = check_input(qx, output_size, "quantized::upsample_bilinear2d");
  Tensor y = new_output(qx, g);
  if (y.numel() == 0) return y;
  const std::vector<Linear> th = linear_taps(g.H, g.OH, align_corners, scales_h);
  const std::vector<Linear> tw = linear_taps(g.W, g.OW, align_corners, scales_w);
  if (qx.dtype() == kQUInt8) {
    bilinear<uint8_t>(qx, y, g, th, tw);
  } else {
    bilinear<int8_t>(qx, y, g, th, tw);
  }
  return y;
}

Tensor interpolate(const Tensor& qx, const Shape& size, const std::vector<double>& scale_factor,
                   std::string_view mode, std::optional<bool> align_corners, std::optional<bool> recompute_scale_factor) {
  constexpr const char* kWhere = "quantized::interpolate";
  qops_detail::check_qinput(qx, kWhere);
  const bool bilinear_mode = mode == "bilinear";
  OCTET_CHECK(bilinear_mode || mode == "nearest", kWhere, "unsupported mode '", mode,
              "' for a quantized input; expected nearest or bilinear");
  OCTET_CHECK(qx.dim() == 4, kWhere, "expected a 4-D (N, C, H, W) input, got shape ", shape_to_string(qx.shape()));
  OCTET_CHECK(bilinear_mode || !align_corners.has_value(), kWhere,
              "align_corners can only be set with mode bilinear, got mode ", mode);
  OCTET_CHECK(size.empty() != scale_factor.empty(), kWhere,
              size.empty() ? "either size or scale_factor must be given" : "only one of size and scale_factor may be given");
  OCTET_CHECK(!(recompute_scale_factor.value_or(false) && !size.empty()), kWhere,
              "recompute_scale_factor is not meaningful with an explicit size");
  Shape out(2);
  std::optional<double> scales[2];
  if (!size.empty()) {
    OCTET_CHECK(size.size() == 1 || size.size() == 2, kWhere, "size must hold 1 or 2 values, got ", shape_to_string(size));
    out = {size[0], size.size() == 1 ? size[0] : size[1]};
  } else {
    OCTET_CHECK(scale_factor.size() == 1 || scale_factor.size() == 2, kWhere,
                "scale_factor must hold 1 or 2 values, got ", scale_factor.size());
    for (size_t i = 0; i < 2; ++i) {
      const double sf = scale_factor.size() == 1 ? scale_factor[0] : scale_factor[i];
      OCTET_CHECK(std::isfinite(sf) && sf > 0.0, kWhere, "scale_factor must be finite and > 0, got ", sf);
      out[i] = static_cast<int64_t>(std::floor(static_cast<double>(qx.size(2 + static_cast<int64_t>(i))) * sf));
      if (!recompute_scale_factor.value_or(false)) scales[i] = sf;
    }
  }
  if (bilinear_mode) return upsample_bilinear2d(qx, out, align_corners.value_or(false), scales[0], scales[1]);
  return upsample_nearest2d(qx, out, scales[0], scales[1]);
}

}  // namespace octet::quantized
