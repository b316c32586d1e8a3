// linear_fp16.cpp: linear_prepack_fp16, LinearPackedParamsFp16 and the fp16-weight linear operators on the f32_f16_gemm tiles.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/tensor_impl.h"
#include "octet/engine.h"
#include "octet/half.h"
#include "ops/float/gemm.h"
#include "ops/quantized/linear_fp16_packed.h"

namespace octet::quantized {
namespace {

constexpr int64_t kPanel = static_cast<int64_t>(kernels::kF16GemmPanelCols);
// K block: a tile's weights (kKc x nr halfs) stay in L1 while the row tiles of a block pass over
// them. The chains continue through C across blocks, so the block size does not change the result.
constexpr int64_t kKc = 512;
// Rows per block (fbgemm's mb_max): the block of A (kMc x kKc floats, 240 KB) stays in L2 while the
// column panels go by.
constexpr int64_t kMc = 120;

// The largest finite half: PyTorch clamps weights to +-65504 before rounding.
constexpr float kHalfMax = 65504.0f;

const LinearPackedParamsFp16::Impl& packed_impl(const LinearPackedParamsFp16Ptr& packed, const char* where) {
  OCTET_CHECK(packed != nullptr, where,
              "the packed weights are null: pack the weight with linear_prepack_fp16(w, bias) first");
  return packed->impl();
}

// C[m0..m1) x [n0..n1) of y = x w^T (+ bias, relu), n0 a multiple of 16.
void compute(const kernels::F32F16GemmKernel& kern, const LinearPackedParamsFp16::Impl& p, int64_t m0, int64_t m1,
             int64_t n0, int64_t n1, const float* x, float* y, bool relu) {
  const int64_t n = p.n, k = p.k;
  const auto mr = static_cast<int64_t>(kern.mr), nr = static_cast<int64_t>(kern.nr);
  const size_t stride = p.panel_stride();
  const float* bias = p.bias_values.empty() ? nullptr : p.bias_values.data();
  for (int64_t mb = m0; mb < m1; mb += kMc) {
    const int64_t mend = std::min(m1, mb + kMc);
    // k == 0 still makes one pass, which stores the bias (or zeros).
    for (int64_t k0 = 0; k0 == 0 || k0 < k; k0 += kKc) {
      const int64_t kc = std::min(kKc, k - k0);
      const bool last = k0 + kc >= k;
      for (int64_t j = n0; j < n1; j += nr) {
        const int64_t nc = std::min(nr, n1 - j);
        kernels::F32F16GemmParams params;
        params.accumulate = k0 > 0;
        params.bias = last && bias != nullptr ? bias + j : nullptr;
        params.relu = last && relu;
        const uint16_t* b = p.panels.data() + static_cast<size_t>(j / kPanel) * stride + static_cast<size_t>(k0 * kPanel);
        for (int64_t i = mb; i < mend; i += mr) {
          kern.fn(static_cast<size_t>(std::min(mr, mend - i)), static_cast<size_t>(nc), static_cast<size_t>(kc),
                  x + i * k + k0, static_cast<size_t>(k), b, stride, y + i * n + j, static_cast<size_t>(n), &params);
        }
      }
    }
  }
}

Tensor linear_fp16_impl(const Tensor& x, const LinearPackedParamsFp16Ptr& packed, bool relu, const char* where) {
  const LinearPackedParamsFp16::Impl& p = packed_impl(packed, where);
  OCTET_CHECK(x.defined(), where, "the input is an undefined tensor");
  OCTET_CHECK(x.is_floating_point(), where, "expected a floating-point input, got ", x.dtype(),
              x.is_quantized() ? ": the fp16 linear takes float inputs (dequantize it first)" : "");
  OCTET_CHECK(x.dim() >= 1, where, "expected an input of rank >= 1 (*, in_features), got a 0-dim tensor");
  OCTET_CHECK(x.size(-1) == p.k, where, "the input has ", x.size(-1), " features (last dim of shape ",
              shape_to_string(x.shape()), ") but the weight expects in_features = ", p.k);
  Shape out_shape = x.shape();
  out_shape.back() = p.n;
  const int64_t m = shape_numel(Shape(x.shape().begin(), x.shape().end() - 1), where);
  Tensor y = octet::detail::empty_uninitialized(out_shape, kFloat32);
  if (m == 0 || p.n == 0) return y;
  const Tensor xf = x.to(kFloat32).contiguous();
  const float* xd = xf.data_ptr<float>();
  float* yd = y.data_ptr<float>();

  // One row has too few independent sums per column for the GEMM tile: the one-row tile goes wide.
  const kernels::F32F16GemmKernels ks = kernels::f32_f16_gemm_kernels();
  const kernels::F32F16GemmKernel& kern = m < 3 ? ks.gemv : ks.gemm;
  const int max_threads = omp_in_parallel() ? 1 : get_num_threads();
  const int threads = ops::threads_for(2.0 * static_cast<double>(m) * static_cast<double>(p.n) *
                                           static_cast<double>(std::max<int64_t>(p.k, 1)),
                                       max_threads);
  const auto nr = static_cast<int64_t>(kern.nr), mr = static_cast<int64_t>(kern.mr);
  const int64_t col_units = (p.n + nr - 1) / nr;
  if (threads <= 1) {
    compute(kern, p, 0, m, 0, p.n, xd, yd, relu);
  } else if (col_units >= threads) {
    // Split the columns: each thread streams its own share of the weights once.
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int t = 0; t < threads; ++t) {
      const int64_t u0 = col_units * t / threads, u1 = col_units * (t + 1) / threads;
      compute(kern, p, 0, m, u0 * nr, std::min(p.n, u1 * nr), xd, yd, relu);
    }
  } else {
    // Few columns, many rows: split the rows (in whole tiles).
    const int64_t row_units = (m + mr - 1) / mr;
    const int chunks = static_cast<int>(std::min<int64_t>(threads, row_units));
#pragma omp parallel for num_threads(chunks) schedule(static)
    for (int t = 0; t < chunks; ++t) {
      const int64_t u0 = row_units * t / chunks, u1 = row_units * (t + 1) / chunks;
      compute(kern, p, u0 * mr, std::min(m, u1 * mr), 0, p.n, xd, yd, relu);
    }
  }
  return y;
}

}  // namespace

LinearPackedParamsFp16::LinearPackedParamsFp16(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

std::pair<Tensor, Tensor> LinearPackedParamsFp16::unpack() const {
  const Impl& p = *impl_;
  Tensor w = octet::detail::empty_uninitialized({p.n, p.k}, kFloat32);
  float* d = w.data_ptr<float>();
  for (int64_t j = 0; j < p.n; ++j) {
    for (int64_t kk = 0; kk < p.k; ++kk) d[j * p.k + kk] = Half::to_float(p.at(j, kk));
  }
  return {w, p.bias.defined() ? p.bias.clone() : Tensor()};
}

Tensor LinearPackedParamsFp16::weight_fp16() const {
  const Impl& p = *impl_;
  Tensor w = octet::detail::empty_uninitialized({p.n, p.k}, kFloat16);
  Half* d = w.data_ptr<Half>();
  for (int64_t j = 0; j < p.n; ++j) {
    for (int64_t kk = 0; kk < p.k; ++kk) d[j * p.k + kk] = Half::from_bits(p.at(j, kk));
  }
  return w;
}

const Tensor& LinearPackedParamsFp16::bias() const { return impl_->bias; }
int64_t LinearPackedParamsFp16::in_features() const { return impl_->k; }
int64_t LinearPackedParamsFp16::out_features() const { return impl_->n; }

LinearPackedParamsFp16Ptr linear_prepack_fp16(const Tensor& weight, const Tensor& bias) {
  const char* where = "quantized::linear_prepack_fp16";
  OCTET_CHECK(weight.defined(), where, "the weight is an undefined tensor");
  OCTET_CHECK(weight.is_floating_point(), where, "expected a floating-point weight, got ", weight.dtype(),
              weight.is_quantized() ? " (the fp16 linear takes the float weight and rounds it to float16)" : "");
  OCTET_CHECK(weight.dim() == 2, where, "expected a 2-D weight [out_features, in_features], got shape ",
              shape_to_string(weight.shape()));
  auto impl = std::make_shared<LinearPackedParamsFp16::Impl>();
  impl->n = weight.size(0);
  impl->k = weight.size(1);
  const int64_t n = impl->n, k = impl->k;

  // The float16 values, row-major: a float16 weight is taken as it is, others are clamped to the
  // half range and rounded to nearest even.
  std::vector<uint16_t> halves(static_cast<size_t>(n * k));
  if (weight.dtype() == kFloat16) {
    const Tensor w = weight.contiguous();
    const Half* d = w.data_ptr<Half>();
    for (int64_t i = 0; i < n * k; ++i) {
      OCTET_CHECK(std::isfinite(static_cast<float>(d[i])), where, "weight[", i / std::max<int64_t>(k, 1), "][",
                  i % std::max<int64_t>(k, 1), "] is ", static_cast<float>(d[i]), "; weights must be finite");
      halves[static_cast<size_t>(i)] = d[i].bits;
    }
  } else {
    const Tensor w = weight.to(kFloat32).contiguous();
    const float* d = w.data_ptr<float>();
    for (int64_t i = 0; i < n * k; ++i) {
      OCTET_CHECK(std::isfinite(d[i]), where, "weight[", i / std::max<int64_t>(k, 1), "][",
                  i % std::max<int64_t>(k, 1), "] is ", d[i], "; weights must be finite");
      halves[static_cast<size_t>(i)] = Half::from_float(std::clamp(d[i], -kHalfMax, kHalfMax));
    }
  }
  const int64_t panels = (n + kPanel - 1) / kPanel;
  impl->panels.assign(static_cast<size_t>(panels) * impl->panel_stride(), 0);
  for (int64_t j = 0; j < n; ++j) {
    uint16_t* col = impl->panels.data() + static_cast<size_t>(j / kPanel) * impl->panel_stride() +
                    static_cast<size_t>(j % kPanel);
    for (int64_t kk = 0; kk < k; ++kk) col[kk * kPanel] = halves[static_cast<size_t>(j * k + kk)];
  }

  if (bias.defined()) {
    OCTET_CHECK(bias.is_floating_point(), where, "expected a floating-point bias, got ", bias.dtype());
    OCTET_CHECK(bias.dim() == 1 && bias.size(0) == n, where, "expected a bias of shape [", n,
                "] (out_features), got shape ", shape_to_string(bias.shape()));
    impl->bias = bias.to(kFloat32).contiguous().clone();
    const float* d = impl->bias.data_ptr<float>();
    for (int64_t j = 0; j < n; ++j) {
      OCTET_CHECK(std::isfinite(d[j]), where, "bias[", j, "] is ", d[j], "; a bias must be finite");
    }
    impl->bias_values.assign(d, d + n);
  }
  return std::make_shared<const LinearPackedParamsFp16>(std::move(impl));
}

Tensor linear_dynamic_fp16(const Tensor& x, const LinearPackedParamsFp16Ptr& packed) {
  return linear_fp16_impl(x, packed, /*relu=*/false, "quantized::linear_dynamic_fp16");
}

Tensor linear_relu_dynamic_fp16(const Tensor& x, const LinearPackedParamsFp16Ptr& packed) {
  return linear_fp16_impl(x, packed, /*relu=*/true, "quantized::linear_relu_dynamic_fp16");
}

}  // namespace octet::quantized
