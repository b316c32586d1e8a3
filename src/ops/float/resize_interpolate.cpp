// resize_interpolate.cpp: interpolate: arguments, output sizes, the nearest/linear/cubic taps (PyTorch's index arithmetic), area and antialias.
//
// A quantized input runs quantized::interpolate (PyTorch's dispatch by dtype), modes nearest and
// bilinear on 4-D input; any other mode, and antialias, is an Error that names it.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor_impl.h"
#include "octet/engine.h"
#include "octet/functional/pooling.h"
#include "octet/functional/resize.h"
#include "octet/quantized/resize.h"
#include "ops/float/quantized_dispatch.h"
#include "ops/float/resize_separable.h"

namespace octet::functional {
namespace {

using detail::ResizeTaps;

constexpr const char* kWhere = "interpolate";

enum class Mode { Nearest, NearestExact, Linear, Cubic, Area };

struct ModeInfo {
  Mode mode;
  int64_t spatial;  // the only spatial rank the mode accepts; 0 means 1 to 3
};

ModeInfo parse_mode(std::string_view mode) {
  if (mode == "nearest") return {Mode::Nearest, 0};
  if (mode == "nearest-exact") return {Mode::NearestExact, 0};
  if (mode == "linear") return {Mode::Linear, 1};
  if (mode == "bilinear") return {Mode::Linear, 2};
  if (mode == "trilinear") return {Mode::Linear, 3};
  if (mode == "bicubic") return {Mode::Cubic, 2};
  if (mode == "area") return {Mode::Area, 0};
  OCTET_FAIL(kWhere, "unknown mode '", mode,
             "'; expected nearest, nearest-exact, linear, bilinear, trilinear, bicubic or area");
}

// ATen's area_pixel_compute_source_index (float arithmetic, as PyTorch uses for float32 input).
float source_index(float scale, int64_t dst, bool align_corners, bool cubic) {
  if (align_corners) return scale * static_cast<float>(dst);
  const float src = scale * (static_cast<float>(dst) + 0.5f) - 0.5f;
  return (!cubic && src < 0.0f) ? 0.0f : src;
}

// ATen's guard_index_and_lambda: the floor index (at most in - 1) and the fraction in [0, 1].
void guard_index(float src, int64_t in, int64_t* index, float* lambda) {
  *index = std::min(static_cast<int64_t>(std::floor(src)), in - 1);
  *lambda = std::min(std::max(src - static_cast<float>(*index), 0.0f), 1.0f);
}

// Bicubic convolution weights with A = -0.75 (Keys), as ATen's get_cubic_upsample_coefficients.
void cubic_coefficients(float t, float c[4]) {
  constexpr float A = -0.75f;
  auto conv1 = [](float x) { return ((A + 2.0f) * x - (A + 3.0f)) * x * x + 1.0f; };
  auto conv2 = [](float x) { return ((A * x - 5.0f * A) * x + 8.0f * A) * x - 4.0f * A; };
  c[0] = conv2(t + 1.0f);
  c[1] = conv1(t);
  c[2] = conv1(1.0f - t);
  c[3] = conv2(2.0f - t);
}

// nearest_shortcuts: PyTorch's 2-D nearest kernel (ATen's nearest_idx) copies straight through
// when out == in and takes o / 2 when out == 2 * in, whatever scale_factor says; its 1-D and 3-D
// kernels do not. With a scale_factor such as 1.1 (out == in) the two rules differ.
ResizeTaps make_taps(Mode mode, int64_t in, int64_t out, bool align_corners, std::optional<double> scale,
                     bool nearest_shortcuts) {
  ResizeTaps t;
  t.resize(out, mode == Mode::Linear ? 2 : mode == Mode::Cubic ? 4 : 1);
  for (int64_t o = 0; o < out; ++o) {
    int64_t* idx = &t.index[static_cast<size_t>(o * t.count)];
    float* w = &t.weight[static_cast<size_t>(o * t.count)];
    switch (mode) {
      case Mode::Nearest: {
        w[0] = 1.0f;
        if (nearest_shortcuts && (out == in || out == 2 * in)) {
          idx[0] = out == in ? o : o >> 1;
          break;
        }
        const float s = detail::scale_value(scale, in, out);
        idx[0] = std::min(static_cast<int64_t>(std::floor(static_cast<float>(o) * s)), in - 1);
        break;
      }
      case Mode::NearestExact: {
        // ATen forms (dst + 0.5) * scale in double, then floors it as a float.
        const float s = detail::scale_value(scale, in, out);
        const float src = static_cast<float>((static_cast<double>(o) + 0.5) * static_cast<double>(s));
        idx[0] = std::min(static_cast<int64_t>(std::floor(src)), in - 1);
        w[0] = 1.0f;
        break;
      }
      case Mode::Linear: {
        if (in == out) {  // ATen copies straight through when the size is unchanged
          idx[0] = idx[1] = o;
          w[0] = 1.0f;
          w[1] = 0.0f;
          break;
        }
        const float src = source_index(detail::area_pixel_scale(in, out, align_corners, scale), o, align_corners, false);
        float lambda;
        guard_index(src, in, &idx[0], &lambda);
        idx[1] = idx[0] + (idx[0] < in - 1 ? 1 : 0);
        w[0] = 1.0f - lambda;
        w[1] = lambda;
        break;
      }
      case Mode::Cubic: {
        const float src = source_index(detail::area_pixel_scale(in, out, align_corners, scale), o, align_corners, true);
        int64_t base;
        float lambda;
        guard_index(src, in, &base, &lambda);
        cubic_coefficients(lambda, w);
        for (int64_t j = 0; j < 4; ++j) idx[j] = std::max<int64_t>(std::min(base - 1 + j, in - 1), 0);
        break;
      }
      case Mode::Area:  // pooled by adaptive_avg_pool, never through taps
        break;
    }
  }
  return t;
}

}  // namespace

Tensor interpolate(const Tensor& input, const Shape& size, const std::vector<double>& scale_factor,
                   std::string_view mode, std::optional<bool> align_corners,
                   std::optional<bool> recompute_scale_factor, bool antialias) {
  OCTET_CHECK(input.defined(), kWhere, "input is an undefined tensor");
  if (input.is_quantized()) {
    OCTET_CHECK(mode == "nearest" || mode == "bilinear", kWhere, "mode '", mode, "' is not supported on a quantized ",
                input.dtype(), " input; the quantized path supports nearest and bilinear (dequantize first for ",
                "other modes)");
    detail::check_quantized_arg(!antialias, input, kWhere, "antialias=true",
                                "the quantized path has no antialiased resize; dequantize first");
    return quantized::interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor);
  }
  OCTET_CHECK(input.dtype() == kFloat32, kWhere, "expected a float32 input, got ", input.dtype());
  const ModeInfo info = parse_mode(mode);
  const int64_t dim = input.dim();
  OCTET_CHECK(dim >= 3 && dim <= 5, kWhere, "expected a 3-D, 4-D or 5-D input (N, C, *spatial), got shape ",
              shape_to_string(input.shape()));
  const int64_t spatial = dim - 2;
  OCTET_CHECK(info.spatial == 0 || info.spatial == spatial, kWhere, "got a ", dim, "-D input, but ", mode,
              " mode needs a ", info.spatial + 2, "-D input");
  const bool interpolating = info.mode == Mode::Linear || info.mode == Mode::Cubic;
  OCTET_CHECK(interpolating || !align_corners.has_value(), kWhere,
              "align_corners can only be set with the interpolating modes (linear, bilinear, bicubic, "
              "trilinear), got mode ", mode);
  OCTET_CHECK(!antialias || mode == "bilinear" || mode == "bicubic", kWhere,
              "antialias is only supported with the bilinear and bicubic modes (4-D input), got mode ", mode);
  const bool corners = align_corners.value_or(false);
  OCTET_CHECK(size.empty() != scale_factor.empty(), kWhere,
              size.empty() ? "either size or scale_factor must be given" : "only one of size and scale_factor may be given");
  OCTET_CHECK(!(recompute_scale_factor.value_or(false) && !size.empty()), kWhere,
              "recompute_scale_factor is not meaningful with an explicit size");

  // Output sizes and the scales handed to the index arithmetic (none when sizes decide; "area"
  // always recomputes, as PyTorch's interpolate does).
  Shape out(static_cast<size_t>(spatial));
  std::vector<std::optional<double>> scales(static_cast<size_t>(spatial));
  if (!size.empty()) {
    OCTET_CHECK(size.size() == 1 || static_cast<int64_t>(size.size()) == spatial, kWhere,
                "size must hold 1 or ", spatial, " values for a ", dim, "-D input, got ", shape_to_string(size));
    for (int64_t i = 0; i < spatial; ++i) out[static_cast<size_t>(i)] = size.size() == 1 ? size[0] : size[static_cast<size_t>(i)];
  } else {
    OCTET_CHECK(scale_factor.size() == 1 || static_cast<int64_t>(scale_factor.size()) == spatial, kWhere,
                "scale_factor must hold 1 or ", spatial, " values for a ", dim, "-D input, got ",
                scale_factor.size());
    for (int64_t i = 0; i < spatial; ++i) {
      const double sf = scale_factor.size() == 1 ? scale_factor[0] : scale_factor[static_cast<size_t>(i)];
      OCTET_CHECK(std::isfinite(sf) && sf > 0.0, kWhere, "scale_factor must be finite and > 0, got ", sf);
      out[static_cast<size_t>(i)] = static_cast<int64_t>(std::floor(static_cast<double>(input.size(2 + i)) * sf));
      if (!recompute_scale_factor.value_or(false) && info.mode != Mode::Area) scales[static_cast<size_t>(i)] = sf;
    }
  }
  const Shape in_spatial(input.shape().begin() + 2, input.shape().end());
  bool positive = true;
  for (int64_t i = 0; i < spatial; ++i) {
    positive = positive && in_spatial[static_cast<size_t>(i)] > 0 && out[static_cast<size_t>(i)] > 0;
  }
  OCTET_CHECK(positive, kWhere, "input and output sizes should be greater than 0, got input ",
              shape_to_string(in_spatial), " and output ", shape_to_string(out));

  // "area" is adaptive average pooling to the output size (PyTorch calls adaptive_avg_pool{1,2,3}d).
  if (info.mode == Mode::Area) {
    switch (spatial) {
      case 1: return adaptive_avg_pool1d(input, out);
      case 2: return adaptive_avg_pool2d(input, out);
      default: return adaptive_avg_pool3d(input, out);
    }
  }

  Shape out_shape = {input.size(0), input.size(1)};
  out_shape.insert(out_shape.end(), out.begin(), out.end());
  Tensor y = octet::detail::empty_uninitialized(out_shape, kFloat32);
  if (y.numel() == 0) return y;
  const Tensor x = input.contiguous();

  // The 3-D view (D, H, W); dims the input lacks are 1 with a single unit tap.
  std::array<int64_t, 3> in3 = {1, 1, 1}, out3 = {1, 1, 1};
  std::array<ResizeTaps, 3> taps = {detail::identity_taps(1), detail::identity_taps(1), detail::identity_taps(1)};
  for (int64_t i = 0; i < spatial; ++i) {
    const size_t k = static_cast<size_t>(3 - spatial + i);
    in3[k] = input.size(2 + i);
    out3[k] = out[static_cast<size_t>(i)];
    const std::optional<double> sf = scales[static_cast<size_t>(i)];
    if (!antialias) {
      taps[k] = make_taps(info.mode, in3[k], out3[k], corners, sf, spatial == 2);
    } else if (in3[k] == out3[k]) {
      taps[k] = detail::identity_taps(in3[k]);  // ATen skips a dim whose size does not change
    } else {
      taps[k] = detail::antialias_taps(in3[k], out3[k], corners, sf, info.mode == Mode::Cubic);
    }
  }
  const int64_t planes = input.size(0) * input.size(1);
  const float* px = x.data_ptr<float>();
  float* py = y.data_ptr<float>();

  if (!interpolating) {
    // Nearest: a pure gather, one output row at a time.
    const int64_t D = in3[0], H = in3[1], W = in3[2], OD = out3[0], OH = out3[1], OW = out3[2];
    const int64_t rows = planes * OD * OH;
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t oh = r % OH, od = (r / OH) % OD, p = r / (OH * OD);
      const float* row = px + ((p * D + taps[0].index[static_cast<size_t>(od)]) * H +
                               taps[1].index[static_cast<size_t>(oh)]) * W;
      float* dst = py + r * OW;
      const int64_t* iw = taps[2].index.data();
      for (int64_t ow = 0; ow < OW; ++ow) dst[ow] = row[iw[ow]];
    }
    return y;
  }
  detail::resample_separable(px, py, planes, in3, out3, taps, spatial);
  return y;
}

}  // namespace octet::functional
