// pool_common.cpp: argument checks and output geometry shared by the 1d/2d/3d pooling ops.
#include "ops/float/pool_common.h"

#include <string>

namespace octet::functional::detail {
namespace {

std::string spatial_names(int64_t spatial) {
  return spatial == 1 ? "(C, L) or (N, C, L)" : spatial == 2 ? "(C, H, W) or (N, C, H, W)"
                                                             : "(C, D, H, W) or (N, C, D, H, W)";
}

}  // namespace

PoolGeometry pool_input_geometry(const Tensor& input, int64_t spatial, const char* where) {
  OCTET_CHECK(input.defined(), where, "input is an undefined tensor");
  OCTET_CHECK(input.dtype() == kFloat32, where, "expected a float32 input, got ", input.dtype());
  const int64_t dim = input.dim();
  OCTET_CHECK(dim == spatial + 1 || dim == spatial + 2, where, "expected a ", spatial + 1, "-D or ",
              spatial + 2, "-D input ", spatial_names(spatial), ", got shape ", shape_to_string(input.shape()));
  for (int64_t d = dim == spatial + 2 ? 1 : 0; d < dim; ++d) {
    OCTET_CHECK(input.size(d) > 0, where, "expected non-zero sizes in every dim but the batch, got shape ",
                shape_to_string(input.shape()));
  }
  PoolGeometry g;
  g.planes = 1;
  for (int64_t d = 0; d < dim - spatial; ++d) {
    g.planes *= input.size(d);
    g.out_shape.push_back(input.size(d));
  }
  for (int64_t s = 0; s < spatial; ++s) g.in[static_cast<size_t>(3 - spatial + s)] = input.size(dim - spatial + s);
  return g;
}

std::array<int64_t, 3> pool_arg(const Shape& value, int64_t spatial, const char* where, const char* name,
                                const Shape& fallback) {
  const Shape& v = value.empty() ? fallback : value;
  OCTET_CHECK(v.size() == 1 || static_cast<int64_t>(v.size()) == spatial, where, name, " must hold 1 or ",
              spatial, " values, got ", shape_to_string(value));
  std::array<int64_t, 3> out{0, 0, 0};
  for (int64_t s = 0; s < spatial; ++s) {
    out[static_cast<size_t>(3 - spatial + s)] = v.size() == 1 ? v[0] : v[static_cast<size_t>(s)];
  }
  return out;
}

void pool_window_geometry(PoolGeometry& g, int64_t spatial, const Shape& kernel_size, const Shape& stride,
                          const Shape& padding, const Shape& dilation, bool ceil_mode, const char* where) {
  const auto k = pool_arg(kernel_size, spatial, where, "kernel_size", {});
  const auto s = pool_arg(stride, spatial, where, "stride", kernel_size);
  const auto p = pool_arg(padding, spatial, where, "padding", {0});
  const auto d = pool_arg(dilation, spatial, where, "dilation", {1});
  for (size_t i = static_cast<size_t>(3 - spatial); i < 3; ++i) {
    OCTET_CHECK(k[i] > 0, where, "kernel_size must be > 0, got ", shape_to_string(kernel_size));
    OCTET_CHECK(s[i] > 0, where, "stride must be > 0, got ", shape_to_string(stride));
    OCTET_CHECK(d[i] > 0, where, "dilation must be > 0, got ", shape_to_string(dilation));
    OCTET_CHECK(p[i] >= 0 && p[i] <= k[i] / 2, where,
                "padding should be at most half of the kernel size, got padding ", shape_to_string(padding),
                " for kernel_size ", shape_to_string(kernel_size));
    g.kernel[i] = k[i];
    g.stride[i] = s[i];
    g.pad[i] = p[i];
    g.dilation[i] = d[i];
  }
  for (size_t i = 0; i < 3; ++i) {
    // PyTorch's pooling_output_shape: floor or ceil division, then in ceil mode drop a last window
    // that would start beyond the input and its left padding.
    const int64_t span = g.in[i] + 2 * g.pad[i] - g.dilation[i] * (g.kernel[i] - 1) - 1;
    const int64_t num = span + (ceil_mode ? g.stride[i] - 1 : 0);
    // Floor division rounding toward -inf (span may be negative when the kernel is too large).
    int64_t o = (num >= 0 ? num / g.stride[i] : -((-num + g.stride[i] - 1) / g.stride[i])) + 1;
    if (ceil_mode && o > 0 && (o - 1) * g.stride[i] >= g.in[i] + g.pad[i]) --o;
    g.out[i] = o;
  }
  Shape in_s, out_s;
  for (int64_t i = 3 - spatial; i < 3; ++i) {
    in_s.push_back(g.in[static_cast<size_t>(i)]);
    out_s.push_back(g.out[static_cast<size_t>(i)]);
  }
  for (size_t i = 0; i < 3; ++i) {
    OCTET_CHECK(g.out[i] >= 1, where, "the output size ", shape_to_string(out_s), " computed for input size ",
                shape_to_string(in_s), " is too small: the kernel (with dilation) is larger than the padded input");
  }
  for (int64_t i = 3 - spatial; i < 3; ++i) g.out_shape.push_back(g.out[static_cast<size_t>(i)]);
}

void adaptive_output_geometry(PoolGeometry& g, int64_t spatial, const Shape& output_size, const char* where) {
  const auto o = pool_arg(output_size, spatial, where, "output_size", {});
  for (int64_t i = 3 - spatial; i < 3; ++i) {
    OCTET_CHECK(o[static_cast<size_t>(i)] >= 0, where, "output_size must be >= 0, got ",
                shape_to_string(output_size));
    g.out[static_cast<size_t>(i)] = o[static_cast<size_t>(i)];
    g.out_shape.push_back(o[static_cast<size_t>(i)]);
  }
}

}  // namespace octet::functional::detail
