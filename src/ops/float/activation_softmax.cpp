// activation_softmax.cpp: softmax and log_softmax along any dim, numerically stable (the max is subtracted first), vectorized both along and across the reduced dim.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/tensor_impl.h"
#include "kernels/f32_elementwise_kernels.h"
#include "octet/functional/activation.h"
#include "ops/float/elementwise_iter.h"

namespace octet::functional {
namespace {

using namespace elementwise_detail;

// Columns per work item when the reduced dim is not the innermost: the running max and sum of a
// block live on the stack, and blocks of one row go to different threads.
constexpr int64_t kBlock = 512;

// The input viewed as [outer, d, inner] (contiguous), softmax taken over d.
struct Geometry {
  int64_t outer = 1, d = 1, inner = 1;
};

Geometry geometry(const Tensor& x, int64_t dim) {
  Geometry g;
  for (int64_t i = 0; i < x.dim(); ++i) {
    if (i < dim) g.outer *= x.size(i);
    if (i == dim) g.d = x.size(i);
    if (i > dim) g.inner *= x.size(i);
  }
  return g;
}

// One row of d contiguous elements.
void row_softmax(const kernels::F32ElementwiseKernels& k, size_t d, const float* x, float* y, bool log) {
  const float max = k.rmax(d, x);
  const float sum = k.raddstoreexpminusmax(d, x, max, y);
  if (log) {
    k.vsubc(d, x, max + std::log(sum), y);
  } else {
    k.vmulc(d, y, 1.0f / sum, y);
  }
}

// Columns [0, n) of one [d, inner] slab, column j of step r at x[r * inner + j].
void block_softmax(const kernels::F32ElementwiseKernels& k, int64_t d, int64_t inner, size_t n, const float* x,
                   float* y, bool log) {
  float max[kBlock], sum[kBlock];
  std::copy(x, x + n, max);
  for (int64_t r = 1; r < d; ++r) k.vmax(n, max, x + r * inner, max);
  std::fill(sum, sum + n, 0.0f);
  for (int64_t r = 0; r < d; ++r) {
    float* yr = y + r * inner;
    k.vsub(n, x + r * inner, max, yr);
    k.vexp(n, yr, yr, nullptr);
    k.vadd(n, sum, yr, sum);
  }
  if (log) {
    for (size_t j = 0; j < n; ++j) sum[j] = max[j] + std::log(sum[j]);
    for (int64_t r = 0; r < d; ++r) k.vsub(n, x + r * inner, sum, y + r * inner);
  } else {
    k.vrdivc(n, sum, 1.0f, sum);
    for (int64_t r = 0; r < d; ++r) k.vmul(n, y + r * inner, sum, y + r * inner);
  }
}

Tensor softmax_impl(const char* name, const Tensor& input, int64_t dim, bool log) {
  check_float32(input, name);
  dim = wrap_dim(dim, input.dim(), name);
  const Tensor x = input.contiguous();
  Tensor out = octet::detail::empty_uninitialized(x.shape(), kFloat32);
  if (x.numel() == 0) return out;
  const Geometry g = geometry(x, dim);
  const float* px = x.data_ptr<float>();
  float* py = out.data_ptr<float>();
  const kernels::F32ElementwiseKernels& k = kernels::f32_elementwise_kernels();
  const int64_t slab = g.d * g.inner;
  if (g.inner == 1) {
    const int64_t rows_per_grain = std::max<int64_t>(1, kGrainCompute / g.d);
    parallel_for(g.outer, rows_per_grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) row_softmax(k, static_cast<size_t>(g.d), px + o * g.d, py + o * g.d, log);
    }, /*align=*/1);
    return out;
  }
  const int64_t blocks = (g.inner + kBlock - 1) / kBlock;
  const int64_t items_per_grain = std::max<int64_t>(1, kGrainCompute / (g.d * std::min(g.inner, kBlock)));
  parallel_for(g.outer * blocks, items_per_grain, [&](int64_t b, int64_t e) {
    for (int64_t item = b; item < e; ++item) {
      const int64_t o = item / blocks, j0 = (item % blocks) * kBlock;
      const auto n = static_cast<size_t>(std::min(kBlock, g.inner - j0));
      block_softmax(k, g.d, g.inner, n, px + o * slab + j0, py + o * slab + j0, log);
    }
  }, /*align=*/1);
  return out;
}

}  // namespace

Tensor softmax(const Tensor& input, int64_t dim) { return softmax_impl("softmax", input, dim, false); }
Tensor log_softmax(const Tensor& input, int64_t dim) { return softmax_impl("log_softmax", input, dim, true); }

}  // namespace octet::functional
