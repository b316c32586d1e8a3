// resize_ops.cpp: ONNX's Resize (opsets 11-17): nearest, linear and cubic on any axes, every coordinate transform, via functional::interpolate where it computes the same thing.
//
// Output size: `sizes`, or floor(in * scale) per axis from `scales`; the scale used to map
// coordinates is the given one (or out / in with `sizes`). Each output coordinate x maps to an
// input coordinate x_ori (coordinate_transformation_mode):
//   half_pixel          (x + 0.5) / scale - 0.5
//   pytorch_half_pixel  the same, but 0 when the output axis has length 1
//   align_corners       x * (in - 1) / (scale * in - 1)   (0 when scale * in == 1)
//   asymmetric          x / scale
//   tf_half_pixel_for_nearest  (x + 0.5) / scale
//   tf_crop_and_resize  roi_start * (in - 1) + x * (roi_end - roi_start) * (in - 1) / (scale * in - 1);
//                       outside [0, in - 1] the output is extrapolation_value
// and the input is sampled there (indices past the ends read the edge, as ONNX's reference pads):
//   nearest  floor(x_ori) or that + 1 by nearest_mode (round_prefer_floor / _ceil, floor, ceil);
//            an integral x_ori is itself
//   linear   2 taps, weights (1 - t, t) with t = x_ori - floor(x_ori)
//   cubic    4 taps from floor(x_ori) - 1, Keys' kernel with a = cubic_coeff_a; exclude_outside
//            zeroes the taps outside the input and renormalises
// The axes are resampled one after another (the operator is separable). Coordinates are computed
// in double, as ONNX's reference does, so ties of nearest_mode fall the same way.
//
// functional::interpolate computes the same thing for PyTorch's exports: linear or cubic
// (a = -0.75, exclude_outside = 0) on the spatial axes of an (N, C, ...) input, with half_pixel
// (pytorch_half_pixel when no output axis has length 1) or align_corners; those take it.
#include <algorithm>
#include <cmath>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"
#include "octet/functional.h"

namespace octet::graph::ops {
namespace {

namespace F = functional;

struct ResizeArgs {
  std::string mode, coord, nearest_mode;
  float cubic_a = -0.75f;
  bool exclude_outside = false;
  float extrapolation = 0.0f;
  std::vector<double> scales;   // per axis
  Shape out;                    // per axis
  std::vector<double> roi;      // 2 * rank, only for tf_crop_and_resize
};

bool is_given(const KernelContext& ctx, int64_t i) { return ctx.has_input(i) && ctx.input(i).numel() > 0; }

ResizeArgs read_args(const KernelContext& ctx, const Tensor& x) {
  const Node& node = ctx.node();
  ResizeArgs a;
  a.mode = node.attr_string("mode", "nearest");
  a.coord = node.attr_string("coordinate_transformation_mode", "half_pixel");
  a.nearest_mode = node.attr_string("nearest_mode", "round_prefer_floor");
  a.cubic_a = node.attr_float("cubic_coeff_a", -0.75f);
  a.exclude_outside = node.attr_int("exclude_outside", 0) != 0;
  a.extrapolation = node.attr_float("extrapolation_value", 0.0f);
  if (a.mode != "nearest" && a.mode != "linear" && a.mode != "cubic") {
    ctx.fail(detail::str_cat("mode must be nearest, linear or cubic, got '", a.mode, "'"));
  }
  // ONNX Runtime accepts tf_half_pixel_for_nn, the name some of ONNX's own tests use.
  if (a.coord == "tf_half_pixel_for_nn") a.coord = "tf_half_pixel_for_nearest";
  static const char* const kCoords[] = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                                        "tf_half_pixel_for_nearest", "tf_crop_and_resize"};
  if (std::none_of(std::begin(kCoords), std::end(kCoords), [&](const char* c) { return a.coord == c; })) {
    ctx.fail(detail::str_cat("unknown coordinate_transformation_mode '", a.coord, "'"));
  }
  if (a.mode == "nearest" && a.nearest_mode != "round_prefer_floor" && a.nearest_mode != "round_prefer_ceil" &&
      a.nearest_mode != "floor" && a.nearest_mode != "ceil") {
    ctx.fail(detail::str_cat("unknown nearest_mode '", a.nearest_mode, "'"));
  }
  const int64_t rank = x.dim();
  const bool has_scales = is_given(ctx, 2), has_sizes = is_given(ctx, 3);
  if (has_scales == has_sizes) ctx.fail("exactly one of the inputs scales and sizes must be given (and non-empty)");
  if (has_scales) {
    const Tensor s = ctx.input(2).to(kFloat32).contiguous();
    if (s.numel() != rank) ctx.fail(detail::str_cat("scales has ", s.numel(), " values for an input of rank ", rank));
    for (int64_t i = 0; i < rank; ++i) {
      const double v = s.data_ptr<float>()[i];
      if (!(v > 0)) ctx.fail(detail::str_cat("scales must be > 0, got ", v));
      a.scales.push_back(v);
      a.out.push_back(static_cast<int64_t>(std::floor(static_cast<double>(x.size(i)) * v)));
    }
  } else {
    a.out = tensor_to_ints(ctx.input(3), node, "sizes");
    if (static_cast<int64_t>(a.out.size()) != rank) {
      ctx.fail(detail::str_cat("sizes has ", a.out.size(), " values for an input of rank ", rank));
    }
    for (int64_t i = 0; i < rank; ++i) {
      if (a.out[static_cast<size_t>(i)] < 0) ctx.fail("sizes must be >= 0");
      a.scales.push_back(x.size(i) == 0 ? 1.0 : static_cast<double>(a.out[static_cast<size_t>(i)]) / static_cast<double>(x.size(i)));
    }
  }
  if (a.coord == "tf_crop_and_resize") {
    if (!is_given(ctx, 1)) ctx.fail("coordinate_transformation_mode tf_crop_and_resize needs the roi input");
    const Tensor r = ctx.input(1).to(kFloat64).contiguous();
    if (r.numel() != 2 * rank) ctx.fail(detail::str_cat("roi has ", r.numel(), " values, expected ", 2 * rank));
    a.roi.assign(r.data_ptr<double>(), r.data_ptr<double>() + r.numel());
  }
  return a;
}

// The taps of one output index along one axis.
struct Taps {
  int64_t idx[4] = {0, 0, 0, 0};
  float w[4] = {0, 0, 0, 0};
  int n = 0;
  bool extrapolate = false;
};

double cubic_weight(double t, double a) {
  t = std::fabs(t);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

std::vector<Taps> axis_taps(const ResizeArgs& a, int64_t axis, int64_t rank, int64_t in, int64_t out) {
  const double scale = a.scales[static_cast<size_t>(axis)];
  const double out_width = scale * static_cast<double>(in);
  std::vector<Taps> taps(static_cast<size_t>(out));
  auto clamp_idx = [&](int64_t i) { return std::clamp<int64_t>(i, 0, in - 1); };
  for (int64_t o = 0; o < out; ++o) {
    const auto x = static_cast<double>(o);
    double xo = 0;
    Taps& t = taps[static_cast<size_t>(o)];
    if (a.coord == "align_corners") {
      xo = out_width == 1 ? 0.0 : x * static_cast<double>(in - 1) / (out_width - 1);
    } else if (a.coord == "asymmetric") {
      xo = x / scale;
    } else if (a.coord == "tf_crop_and_resize") {
      const double start = a.roi[static_cast<size_t>(axis)], end = a.roi[static_cast<size_t>(axis + rank)];
      xo = out_width == 1 ? (end - start) * static_cast<double>(in - 1) / 2
                          : x * (end - start) * static_cast<double>(in - 1) / (out_width - 1);
      xo += start * static_cast<double>(in - 1);
      if (xo < 0 || xo > static_cast<double>(in - 1)) {
        t.extrapolate = true;
        continue;
      }
    } else if (a.coord == "tf_half_pixel_for_nearest") {
      xo = (x + 0.5) / scale;
    } else if (a.coord == "pytorch_half_pixel") {
      xo = out > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    } else {
      xo = (x + 0.5) / scale - 0.5;
    }
    const double fl = std::floor(xo);
    const double ratio = xo - fl;
    const auto i0 = static_cast<int64_t>(fl);
    if (a.mode == "nearest") {
      int64_t pick = i0;
      if (ratio != 0) {
        if (a.nearest_mode == "round_prefer_floor") pick = ratio <= 0.5 ? i0 : i0 + 1;
        else if (a.nearest_mode == "round_prefer_ceil") pick = ratio < 0.5 ? i0 : i0 + 1;
        else if (a.nearest_mode == "ceil") pick = i0 + 1;
      }
      t.n = 1;
      t.idx[0] = clamp_idx(pick);
      t.w[0] = 1;
    } else if (a.mode == "linear") {
      t.n = 2;
      t.idx[0] = clamp_idx(i0);
      t.idx[1] = clamp_idx(i0 + 1);
      t.w[0] = static_cast<float>(1 - ratio);
      t.w[1] = static_cast<float>(ratio);
    } else {
      t.n = 4;
      double w[4], sum = 0;
      for (int k = 0; k < 4; ++k) {
        const int64_t i = i0 - 1 + k;
        w[k] = cubic_weight(ratio - (k - 1), a.cubic_a);
        if (a.exclude_outside && (i < 0 || i >= in)) w[k] = 0;
        sum += w[k];
        t.idx[k] = clamp_idx(i);
      }
      for (int k = 0; k < 4; ++k) t.w[k] = static_cast<float>(a.exclude_outside && sum != 0 ? w[k] / sum : w[k]);
    }
  }
  return taps;
}

// Resamples one axis of a contiguous float32 tensor.
Tensor resize_axis(const Tensor& x, int64_t axis, const std::vector<Taps>& taps, float extrapolation) {
  Shape shape = x.shape();
  const int64_t in = shape[static_cast<size_t>(axis)];
  const auto out = static_cast<int64_t>(taps.size());
  shape[static_cast<size_t>(axis)] = out;
  Tensor y = empty(shape, kFloat32);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= x.size(d);
  for (int64_t d = axis + 1; d < x.dim(); ++d) inner *= x.size(d);
  const float* src = x.data_ptr<float>();
  float* dst = y.data_ptr<float>();
  for (int64_t o = 0; o < outer; ++o) {
    const float* s = src + o * in * inner;
    for (int64_t j = 0; j < out; ++j) {
      float* d = dst + (o * out + j) * inner;
      const Taps& t = taps[static_cast<size_t>(j)];
      if (t.extrapolate) {
        std::fill(d, d + inner, extrapolation);
        continue;
      }
      for (int64_t k = 0; k < inner; ++k) {
        float acc = 0;
        for (int m = 0; m < t.n; ++m) acc += t.w[m] * s[t.idx[m] * inner + k];
        d[k] = acc;
      }
    }
  }
  return y;
}

Tensor resize_general(const Tensor& x, const ResizeArgs& a) {
  Tensor y = x.contiguous();
  const int64_t rank = x.dim();
  for (int64_t axis = 0; axis < rank; ++axis) {
    const int64_t in = x.size(axis), out = a.out[static_cast<size_t>(axis)];
    const bool identity = in == out && a.scales[static_cast<size_t>(axis)] == 1.0 && a.coord != "tf_crop_and_resize";
    if (identity) continue;
    if (in == 0) {
      Shape s = y.shape();
      s[static_cast<size_t>(axis)] = out;
      if (out != 0) OCTET_FAIL("Resize", "cannot resize an empty axis ", axis, " to ", out);
      y = empty(s, kFloat32);
      continue;
    }
    y = resize_axis(y, axis, axis_taps(a, axis, rank, in, out), a.extrapolation);
  }
  return y;
}

// functional::interpolate when it computes exactly ONNX's formula (see the top of the file).
std::optional<Tensor> resize_functional(const Tensor& x, const ResizeArgs& a, bool sizes_given) {
  const int64_t rank = x.dim();
  if (rank < 3 || rank > 5 || a.mode == "nearest" || a.exclude_outside) return std::nullopt;
  for (int64_t d = 0; d < 2; ++d) {
    if (a.out[static_cast<size_t>(d)] != x.size(d) || a.scales[static_cast<size_t>(d)] != 1.0) return std::nullopt;
  }
  bool align = false;
  if (a.coord == "align_corners") {
    align = true;
    // ONNX maps with scale * in - 1, PyTorch with out - 1: equal only when scale * in is out.
    for (int64_t d = 2; d < rank; ++d) {
      if (a.scales[static_cast<size_t>(d)] * static_cast<double>(x.size(d)) != static_cast<double>(a.out[static_cast<size_t>(d)])) {
        return std::nullopt;
      }
    }
  } else if (a.coord == "pytorch_half_pixel") {
    for (int64_t d = 2; d < rank; ++d) {
      if (a.out[static_cast<size_t>(d)] <= 1) return std::nullopt;
    }
  } else if (a.coord != "half_pixel") {
    return std::nullopt;
  }
  std::string mode;
  if (a.mode == "linear") {
    mode = rank == 3 ? "linear" : (rank == 4 ? "bilinear" : "trilinear");
  } else {
    if (rank != 4 || a.cubic_a != -0.75f) return std::nullopt;
    mode = "bicubic";
  }
  for (int64_t d = 0; d < rank; ++d) {
    if (x.size(d) == 0 || a.out[static_cast<size_t>(d)] == 0) return std::nullopt;
  }
  if (sizes_given) {
    return F::interpolate(x, Shape(a.out.begin() + 2, a.out.end()), {}, mode, align);
  }
  // With scales, PyTorch maps coordinates with 1 / scale_factor, as ONNX does with the scale.
  return F::interpolate(x, {}, std::vector<double>(a.scales.begin() + 2, a.scales.end()), mode, align,
                        /*recompute_scale_factor=*/false);
}

std::vector<Tensor> resize_kernel(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.dtype() != kFloat32) ctx.fail(detail::str_cat("input must be float32, got ", x.dtype()));
  const ResizeArgs a = read_args(ctx, x);
  if (std::optional<Tensor> y = resize_functional(x, a, is_given(ctx, 3))) return {*y};
  return {resize_general(x, a)};
}

void infer_resize(InferenceContext& ctx) {
  check_dtype_in(ctx, 0, {kFloat32});
  const TensorType& x = ctx.input_type(0);
  if (!x.shape) {
    ctx.set_output_type(0, TensorType(x.dtype));
    return;
  }
  Dims out(x.shape->size());
  const Tensor& scales = ctx.input_constant(2);
  const Tensor& sizes = ctx.input_constant(3);
  if (ctx.has_input(3) && sizes.defined() && sizes.numel() > 0) {
    const std::vector<int64_t> s = tensor_to_ints(sizes, ctx.node(), "sizes");
    if (s.size() != out.size()) ctx.fail(detail::str_cat("sizes has ", s.size(), " values for an input of rank ", out.size()));
    for (size_t i = 0; i < s.size(); ++i) out[i] = Dim(s[i]);
  } else if (ctx.has_input(2) && scales.defined() && scales.numel() > 0) {
    const Tensor s = scales.to(kFloat32).contiguous();
    if (s.numel() != static_cast<int64_t>(out.size())) {
      ctx.fail(detail::str_cat("scales has ", s.numel(), " values for an input of rank ", out.size()));
    }
    for (size_t i = 0; i < out.size(); ++i) {
      const double v = s.data_ptr<float>()[i];
      const Dim& d = (*x.shape)[i];
      if (v == 1.0) {
        out[i] = d;
      } else if (d.is_static()) {
        out[i] = Dim(static_cast<int64_t>(std::floor(static_cast<double>(d.size()) * v)));
      }
    }
  }
  ctx.set_output_type(0, TensorType(x.dtype, out));
}

}  // namespace

void register_resize_ops(OpRegistry& registry) { registry.add(make_op("Resize", 1, 4, infer_resize, resize_kernel)); }

}  // namespace octet::graph::ops
