// norm_layer_group.cpp: layer_norm (rows of the trailing dims) and group_norm (groups of channels per sample).
#include <cstdint>
#include <vector>

#include "core/tensor_impl.h"
#include "kernels/norm_kernels.h"
#include "octet/engine.h"
#include "octet/functional/norm.h"
#include "ops/float/norm_common.h"

namespace octet::functional {

using detail::inv_std;
using detail::param_values;

Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  constexpr const char* kWhere = "layer_norm";
  detail::check_float_input(input, kWhere);
  const int64_t nd = static_cast<int64_t>(normalized_shape.size());
  OCTET_CHECK(nd >= 1, kWhere, "expected normalized_shape to hold at least one dim, got []");
  bool matches = input.dim() >= nd;
  for (int64_t i = 0; matches && i < nd; ++i) {
    matches = input.size(input.dim() - nd + i) == normalized_shape[static_cast<size_t>(i)];
  }
  OCTET_CHECK(matches, kWhere, "given normalized_shape=", shape_to_string(normalized_shape),
              ", expected input with shape [*, ", shape_to_string(normalized_shape).substr(1),
              ", got input of shape ", shape_to_string(input.shape()));
  OCTET_CHECK(eps >= 0.0, kWhere, "eps must be >= 0, got ", eps);
  const int64_t row = shape_numel(normalized_shape, kWhere);
  const std::vector<float> w = param_values(weight, kWhere, "weight", row, normalized_shape);
  const std::vector<float> b = param_values(bias, kWhere, "bias", row, normalized_shape);

  const Tensor x = input.contiguous();
  Tensor y = octet::detail::empty_uninitialized(input.shape(), kFloat32);
  if (input.numel() == 0) return y;
  const int64_t rows = input.numel() / row;
  const float* px = x.data_ptr<float>();
  float* py = y.data_ptr<float>();
  const float* pw = w.empty() ? nullptr : w.data();
  const float* pb = b.empty() ? nullptr : b.data();
  const kernels::NormKernels k = kernels::norm_kernels();
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    double mean, m2;
    k.f32_rmoments(static_cast<size_t>(row), px + r * row, &mean, &m2);
    const double rstd = inv_std(m2 / static_cast<double>(row), eps);
    k.f32_vnormaffine(static_cast<size_t>(row), px + r * row, static_cast<float>(mean),
                      static_cast<float>(rstd), pw, pb, py + r * row);
  }
  return y;
}

Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias,
                  double eps) {
  constexpr const char* kWhere = "group_norm";
  detail::check_float_input(input, kWhere);
  OCTET_CHECK(input.dim() >= 2, kWhere, "expected an input of at least 2 dims (N, C, *), got shape ",
              shape_to_string(input.shape()));
  OCTET_CHECK(num_groups > 0, kWhere, "num_groups must be > 0, got ", num_groups);
  const int64_t N = input.size(0), C = input.size(1);
  OCTET_CHECK(C % num_groups == 0, kWhere, "expected the number of channels to be divisible by num_groups, got ",
              C, " channels (input of shape ", shape_to_string(input.shape()), ") and num_groups=", num_groups);
  OCTET_CHECK(eps >= 0.0, kWhere, "eps must be >= 0, got ", eps);
  const std::vector<float> w = param_values(weight, kWhere, "weight", C);
  const std::vector<float> b = param_values(bias, kWhere, "bias", C);

  const Tensor x = input.contiguous();
  Tensor y = octet::detail::empty_uninitialized(input.shape(), kFloat32);
  if (input.numel() == 0) return y;
  const int64_t S = input.numel() / (N * C);
  const int64_t cpg = C / num_groups;
  const int64_t span = cpg * S;  // a (sample, group) is one contiguous span
  const float* px = x.data_ptr<float>();
  float* py = y.data_ptr<float>();
  const kernels::NormKernels k = kernels::norm_kernels();
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
  for (int64_t p = 0; p < N * num_groups; ++p) {
    const int64_t g = p % num_groups;
    double mean, m2;
    k.f32_rmoments(static_cast<size_t>(span), px + p * span, &mean, &m2);
    const double rstd = inv_std(m2 / static_cast<double>(span), eps);
    for (int64_t i = 0; i < cpg; ++i) {
      const int64_t c = g * cpg + i;
      const double a = rstd * (w.empty() ? 1.0 : static_cast<double>(w[static_cast<size_t>(c)]));
      const double sh = (b.empty() ? 0.0 : static_cast<double>(b[static_cast<size_t>(c)])) - mean * a;
      const int64_t off = p * span + i * S;
      k.f32_vscaleshift(static_cast<size_t>(S), px + off, static_cast<float>(a), static_cast<float>(sh), py + off);
    }
  }
  return y;
}

}  // namespace octet::functional
