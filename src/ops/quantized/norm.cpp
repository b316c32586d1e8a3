// norm.cpp: quantized batch_norm2d/3d, layer_norm, group_norm, instance_norm: exact integer statistics, float64 coefficients, one float32 apply.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/tensor_impl.h"
#include "kernels/quantize_kernels.h"
#include "octet/engine.h"
#include "octet/quantized/norm.h"
#include "ops/float/norm_common.h"
#include "ops/quantized/qops_common.h"

namespace octet::quantized {
namespace {

using ::octet::functional::detail::param_values;

// The input and output sides of a norm: qparams and the vector quantize kernel.
struct Io {
  DType dtype;
  double in_scale;
  int32_t in_zp;
  double out_scale;
  int32_t out_zp;
  const kernels::QuantizeKernels* k;
};

Io make_io(const Tensor& qx, double output_scale, int64_t output_zero_point, double eps, const char* where) {
  qops_detail::check_qinput(qx, where);
  qops_detail::check_output_qparams(output_scale, output_zero_point, qx.dtype(), where);
  OCTET_CHECK(eps >= 0.0, where, "eps must be >= 0, got ", eps);
  return Io{qx.dtype(), static_cast<double>(static_cast<float>(qx.q_scale())), static_cast<int32_t>(qx.q_zero_point()),
            output_scale, static_cast<int32_t>(output_zero_point), &kernels::quantize_kernels()};
}

Tensor new_output(const Shape& shape, const Io& io) {
  return octet::detail::empty_quantized(shape, Quantizer::per_tensor(io.dtype, io.out_scale, io.out_zp),
                                        /*zero_fill=*/false);
}

// Mean and variance, in real units, of n stored integers, from their exact int64 sums.
struct Moments {
  double mean, var;
};
template <typename T>
Moments moments(const T* q, int64_t n, const Io& io) {
  int64_t s = 0, s2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = q[i];
    s += v;
    s2 += v * v;
  }
  const double mean_q = static_cast<double>(s) / static_cast<double>(n);
  const double var_q = std::max(static_cast<double>(s2) / static_cast<double>(n) - mean_q * mean_q, 0.0);
  return {io.in_scale * (mean_q - io.in_zp), io.in_scale * io.in_scale * var_q};
}

// The per-channel (or per-element) coefficients of y = (q - zp) * a + b in output units, in float64
// with k = rstd / out_scale per group:
//   a = (in_scale * weight) * k,  b = bias / out_scale - weight * (mean * k)
// each rounded once to float32. The per-element parts are computed once per op (Affine), so a
// group costs two multiplies and a subtraction per coefficient pair.
struct Coeff {
  float a, b;
};
struct Affine {
  std::vector<double> sw, w, bo;  // in_scale * weight, weight, bias / out_scale
  Affine(const std::vector<float>& weight, const std::vector<float>& bias, size_t n, const Io& io)
      : sw(n), w(n), bo(n) {
    for (size_t i = 0; i < n; ++i) {
      w[i] = weight.empty() ? 1.0 : weight[i];
      sw[i] = io.in_scale * w[i];
      bo[i] = (bias.empty() ? 0.0 : bias[i]) / io.out_scale;
    }
  }
  Coeff at(size_t i, double k, double mk) const {
    return {static_cast<float>(sw[i] * k), static_cast<float>(bo[i] - w[i] * mk)};
  }
};

// y[i] = clamp(nearbyint((float)(q[i] - zp) * a + b) + out_zp): the float32 product and sum each
// rounded (the build has no FMA contraction), then the vector quantize kernel.
template <typename T>
void apply(const T* q, T* y, int64_t n, Coeff c, const Io& io, std::vector<float>& buf) {
  buf.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    buf[static_cast<size_t>(i)] = static_cast<float>(static_cast<int32_t>(q[i]) - io.in_zp) * c.a + c.b;
  }
  qops_detail::quantize_prescaled(*io.k, static_cast<size_t>(n), buf.data(), y, io.dtype, io.out_zp);
}

// Layer norm with an elementwise weight and bias: normalise with the row's scalars, then the
// elementwise affine (prescaled by 1 / out_scale), each product and sum rounded:
//   z = (float)(q - zp) * A + B,   y = z * G[i] + H[i]
template <typename T>
void apply_rows(const T* q, T* y, int64_t n, Coeff ab, const float* g, const float* h, const Io& io,
                std::vector<float>& buf) {
  buf.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const float z = static_cast<float>(static_cast<int32_t>(q[i]) - io.in_zp) * ab.a + ab.b;
    buf[static_cast<size_t>(i)] = z * g[i] + h[i];
  }
  qops_detail::quantize_prescaled(*io.k, static_cast<size_t>(n), buf.data(), y, io.dtype, io.out_zp);
}

// The same as apply with one coefficient pair per element (channels-last batch norm).
template <typename T>
void apply_each(const T* q, T* y, int64_t n, const Coeff* c, const Io& io, std::vector<float>& buf) {
  buf.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    buf[static_cast<size_t>(i)] = static_cast<float>(static_cast<int32_t>(q[i]) - io.in_zp) * c[i].a + c[i].b;
  }
  qops_detail::quantize_prescaled(*io.k, static_cast<size_t>(n), buf.data(), y, io.dtype, io.out_zp);
}

template <typename Fn>
void dispatch(DType dtype, Fn&& fn) {
  if (dtype == kQUInt8) {
    fn(uint8_t{});
  } else {
    fn(int8_t{});
  }
}

// --- batch norm ----------------------------------------------------------------------------------

Tensor batch_norm(const Tensor& qx, int64_t rank, const Tensor& weight, const Tensor& bias, const Tensor& mean,
                  const Tensor& var, double eps, double output_scale, int64_t output_zero_point, const char* where) {
  const Io io = make_io(qx, output_scale, output_zero_point, eps, where);
  OCTET_CHECK(qx.dim() == rank, where, "expected a ", rank, "-D input ", rank == 4 ? "(N, C, H, W)" : "(N, C, D, H, W)",
              ", got shape ", shape_to_string(qx.shape()));
  const int64_t N = qx.size(0), C = qx.size(1);
  const std::vector<float> w = param_values(weight, where, "weight", C);
  const std::vector<float> b = param_values(bias, where, "bias", C);
  OCTET_CHECK(mean.defined() && var.defined(), where, "mean and var (the running statistics) are required");
  const std::vector<float> m = param_values(mean, where, "mean", C);
  const std::vector<float> v = param_values(var, where, "var", C);
  const Affine affine(w, b, static_cast<size_t>(C), io);
  std::vector<Coeff> coeff(static_cast<size_t>(C));
  for (size_t c = 0; c < coeff.size(); ++c) {
    const double k = 1.0 / std::sqrt(static_cast<double>(v[c]) + eps) / io.out_scale;
    coeff[c] = affine.at(c, k, static_cast<double>(m[c]) * k);
  }
  const bool channels_last = qops_detail::is_channels_last(qx, /*batched=*/true);
  Tensor y = channels_last
                 ? qops_detail::empty_channels_last(qx.shape(), Quantizer::per_tensor(io.dtype, io.out_scale, io.out_zp), true)
                 : new_output(qx.shape(), io);
  if (qx.numel() == 0) return y;
  const int64_t S = qx.numel() / (N * C);
  const Tensor x = channels_last ? qx : qx.contiguous();
  dispatch(io.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* px = static_cast<const T*>(x.raw_data());
    T* py = static_cast<T*>(y.raw_data());
    if (channels_last) {
      // Memory (N, *spatial, C): each pixel's C channels take the coefficient vector.
#pragma omp parallel num_threads(octet::get_num_threads())
      {
        std::vector<float> buf;
#pragma omp for schedule(static)
        for (int64_t p = 0; p < N * S; ++p) apply_each(px + p * C, py + p * C, C, coeff.data(), io, buf);
      }
    } else {
#pragma omp parallel num_threads(octet::get_num_threads())
      {
        std::vector<float> buf;
#pragma omp for schedule(static)
        for (int64_t p = 0; p < N * C; ++p) apply(px + p * S, py + p * S, S, coeff[static_cast<size_t>(p % C)], io, buf);
      }
    }
  });
  return y;
}

// --- group norm (and instance norm: one group per channel) --------------------------------------------

Tensor group_norm_impl(const Tensor& qx, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps,
                       const Io& io, const char* where) {
  const int64_t N = qx.size(0), C = qx.size(1);
  const Affine affine(param_values(weight, where, "weight", C), param_values(bias, where, "bias", C),
                      static_cast<size_t>(C), io);
  Tensor y = new_output(qx.shape(), io);
  if (qx.numel() == 0) return y;
  const Tensor x = qx.contiguous();
  const int64_t S = qx.numel() / (N * C), cpg = C / num_groups, span = cpg * S;
  dispatch(io.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* px = static_cast<const T*>(x.raw_data());
    T* py = static_cast<T*>(y.raw_data());
#pragma omp parallel num_threads(octet::get_num_threads())
    {
      std::vector<float> buf;
#pragma omp for schedule(static)
      for (int64_t p = 0; p < N * num_groups; ++p) {
        const Moments mo = moments(px + p * span, span, io);
        const double k = 1.0 / std::sqrt(mo.var + eps) / io.out_scale;
        for (int64_t i = 0; i < cpg; ++i) {
          const auto c = static_cast<size_t>((p % num_groups) * cpg + i);
          apply(px + p * span + i * S, py + p * span + i * S, S, affine.at(c, k, mo.mean * k), io, buf);
        }
      }
    }
  });
  return y;
}

}  // namespace

Tensor batch_norm2d(const Tensor& qx, const Tensor& weight, const Tensor& bias, const Tensor& mean, const Tensor& var,
                    double eps, double output_scale, int64_t output_zero_point) {
  return batch_norm(qx, 4, weight, bias, mean, var, eps, output_scale, output_zero_point, "quantized::batch_norm2d");
}

Tensor batch_norm3d(const Tensor& qx, const Tensor& weight, const Tensor& bias, const Tensor& mean, const Tensor& var,
                    double eps, double output_scale, int64_t output_zero_point) {
  return batch_norm(qx, 5, weight, bias, mean, var, eps, output_scale, output_zero_point, "quantized::batch_norm3d");
}

Tensor layer_norm(const Tensor& qx, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps, double output_scale, int64_t output_zero_point) {
  constexpr const char* kWhere = "quantized::layer_norm";
  const Io io = make_io(qx, output_scale, output_zero_point, eps, kWhere);
  const int64_t nd = static_cast<int64_t>(normalized_shape.size());
  OCTET_CHECK(nd >= 1, kWhere, "expected normalized_shape to hold at least one dim, got []");
  bool matches = qx.dim() >= nd;
  for (int64_t i = 0; matches && i < nd; ++i) {
    matches = qx.size(qx.dim() - nd + i) == normalized_shape[static_cast<size_t>(i)];
  }
  OCTET_CHECK(matches, kWhere, "given normalized_shape=", shape_to_string(normalized_shape),
              ", expected input with shape [*, ", shape_to_string(normalized_shape).substr(1),
              ", got input of shape ", shape_to_string(qx.shape()));
  const int64_t row = shape_numel(normalized_shape, kWhere);
  const std::vector<float> w = param_values(weight, kWhere, "weight", row, normalized_shape);
  const std::vector<float> b = param_values(bias, kWhere, "bias", row, normalized_shape);
  const bool plain = w.empty() && b.empty();
  const Affine affine(w, b, 1, io);  // plain: y = (q - zp) * a + b folds everything
  // With weight or bias: G = weight / out_scale, H = bias / out_scale (float64, rounded once).
  std::vector<float> g(plain ? 0 : static_cast<size_t>(row)), h(g.size());
  for (size_t i = 0; i < g.size(); ++i) {
    g[i] = static_cast<float>((w.empty() ? 1.0 : w[i]) / io.out_scale);
    h[i] = static_cast<float>((b.empty() ? 0.0 : b[i]) / io.out_scale);
  }
  Tensor y = new_output(qx.shape(), io);
  if (qx.numel() == 0) return y;
  const Tensor x = qx.contiguous();
  const int64_t rows = qx.numel() / row;
  dispatch(io.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* px = static_cast<const T*>(x.raw_data());
    T* py = static_cast<T*>(y.raw_data());
#pragma omp parallel num_threads(octet::get_num_threads())
    {
      std::vector<float> buf;
#pragma omp for schedule(static)
      for (int64_t r = 0; r < rows; ++r) {
        const Moments mo = moments(px + r * row, row, io);
        const double rstd = 1.0 / std::sqrt(mo.var + eps);
        if (plain) {
          const double k = rstd / io.out_scale;
          apply(px + r * row, py + r * row, row, affine.at(0, k, mo.mean * k), io, buf);
        } else {
          const Coeff ab{static_cast<float>(io.in_scale * rstd), static_cast<float>(-mo.mean * rstd)};
          apply_rows(px + r * row, py + r * row, row, ab, g.data(), h.data(), io, buf);
        }
      }
    }
  });
  return y;
}

Tensor group_norm(const Tensor& qx, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps,
                  double output_scale, int64_t output_zero_point) {
  constexpr const char* kWhere = "quantized::group_norm";
  const Io io = make_io(qx, output_scale, output_zero_point, eps, kWhere);
  OCTET_CHECK(qx.dim() >= 2, kWhere, "expected an input of at least 2 dims (N, C, *), got shape ",
              shape_to_string(qx.shape()));
  OCTET_CHECK(num_groups > 0, kWhere, "num_groups must be > 0, got ", num_groups);
  OCTET_CHECK(qx.size(1) % num_groups == 0, kWhere,
              "expected the number of channels to be divisible by num_groups, got ", qx.size(1),
              " channels (input of shape ", shape_to_string(qx.shape()), ") and num_groups=", num_groups);
  return group_norm_impl(qx, num_groups, weight, bias, eps, io, kWhere);
}

Tensor instance_norm(const Tensor& qx, const Tensor& weight, const Tensor& bias, double eps, double output_scale,
                     int64_t output_zero_point) {
  constexpr const char* kWhere = "quantized::instance_norm";
  const Io io = make_io(qx, output_scale, output_zero_point, eps, kWhere);
  OCTET_CHECK(qx.dim() >= 3, kWhere, "expected an input of at least 3 dims (N, C, *spatial), got shape ",
              shape_to_string(qx.shape()));
  const int64_t N = qx.size(0), C = qx.size(1);
  OCTET_CHECK(N * C == 0 || qx.numel() / (N * C) > 1, kWhere,
              "expected more than 1 spatial element per channel, got input of shape ", shape_to_string(qx.shape()));
  return group_norm_impl(qx, std::max<int64_t>(C, 1), weight, bias, eps, io, kWhere);
}

}  // namespace octet::quantized
