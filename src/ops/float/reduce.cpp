// reduce.cpp: sum and mean over dims (double accumulation for floats, int64 for integers), and the reduction plan shared with max/min.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/tensor_impl.h"
#include "octet/functional/reduce.h"
#include "ops/float/elementwise_iter.h"
#include "ops/float/reduce_common.h"

namespace octet::functional {
namespace reduce_detail {

std::vector<bool> reduced_dims(const Tensor& input, const Shape& dims, const char* op) {
  const int64_t nd = input.dim();
  std::vector<bool> reduced(static_cast<size_t>(nd), dims.empty());
  for (int64_t d : dims) {
    const auto w = static_cast<size_t>(elementwise_detail::wrap_dim(d, nd, op));
    if (nd == 0) continue;  // dims -1 and 0 of a 0-d tensor name the tensor itself
    OCTET_CHECK(!reduced[w], op, "dim ", w, " appears multiple times in the list of dims");
    reduced[w] = true;
  }
  return reduced;
}

ReducePlan plan_reduction(const Tensor& input, const std::vector<bool>& reduced, bool keepdim) {
  ReducePlan p;
  const auto nd = static_cast<size_t>(input.dim());
  Shape kept_dims, reduced_list;
  for (size_t d = 0; d < nd; ++d) {
    const int64_t size = input.shape()[d];
    if (reduced[d]) {
      reduced_list.push_back(static_cast<int64_t>(d));
      if (keepdim) p.out_shape.push_back(1);
    } else {
      kept_dims.push_back(static_cast<int64_t>(d));
      p.out_shape.push_back(size);
    }
  }
  const bool adjacent = reduced_list.empty() || reduced_list.back() - reduced_list.front() + 1 ==
                                                    static_cast<int64_t>(reduced_list.size());
  if (input.is_contiguous() && adjacent) {
    p.x = input;
    for (size_t d = 0; d < nd; ++d) {
      const int64_t size = input.shape()[d];
      if (reduced[d]) {
        p.r *= size;
      } else if (reduced_list.empty() || static_cast<int64_t>(d) < reduced_list.front()) {
        p.outer *= size;
      } else {
        p.inner *= size;
      }
    }
    return p;
  }
  Shape perm = kept_dims;
  perm.insert(perm.end(), reduced_list.begin(), reduced_list.end());
  p.x = input.permute(perm).contiguous();
  for (int64_t d : kept_dims) p.outer *= input.shape()[static_cast<size_t>(d)];
  for (int64_t d : reduced_list) p.r *= input.shape()[static_cast<size_t>(d)];
  return p;
}

}  // namespace reduce_detail

namespace {

using namespace elementwise_detail;
using namespace reduce_detail;

// Four independent accumulators: the adds pipeline, and the order is fixed.
template <typename Acc, typename T>
Acc sum_run(const T* x, int64_t n) {
  Acc a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 += static_cast<Acc>(x[i]);
    a1 += static_cast<Acc>(x[i + 1]);
    a2 += static_cast<Acc>(x[i + 2]);
    a3 += static_cast<Acc>(x[i + 3]);
  }
  for (; i < n; ++i) a0 += static_cast<Acc>(x[i]);
  return (a0 + a1) + (a2 + a3);
}

// Sums of the plan's [O, R, I] view into acc[O * I] (Acc: double for floats, uint64 for integers so
// that overflow wraps as PyTorch's int64 sum does).
template <typename Acc, typename T>
std::vector<Acc> sum_plan(const ReducePlan& p) {
  std::vector<Acc> acc(static_cast<size_t>(p.outer * p.inner), Acc(0));
  if (p.r == 0 || acc.empty()) return acc;
  const T* x = p.x.data_ptr<T>();
  if (p.inner == 1) {
    const int64_t blocks = (p.r + kRowBlock - 1) / kRowBlock;
    std::vector<Acc> partial(static_cast<size_t>(p.outer * blocks));
    parallel_for(p.outer * blocks, /*grain=*/std::max<int64_t>(1, kGrainMemoryBound / std::min(p.r, kRowBlock)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t item = b; item < e; ++item) {
                     const int64_t o = item / blocks, r0 = (item % blocks) * kRowBlock;
                     partial[static_cast<size_t>(item)] =
                         sum_run<Acc>(x + o * p.r + r0, std::min(kRowBlock, p.r - r0));
                   }
                 }, /*align=*/1);
    for (int64_t o = 0; o < p.outer; ++o) {
      Acc s = 0;
      for (int64_t k = 0; k < blocks; ++k) s += partial[static_cast<size_t>(o * blocks + k)];
      acc[static_cast<size_t>(o)] = s;
    }
    return acc;
  }
  const int64_t blocks = (p.inner + kColumnBlock - 1) / kColumnBlock;
  parallel_for(p.outer * blocks, std::max<int64_t>(1, kGrainMemoryBound / (p.r * std::min(p.inner, kColumnBlock))),
               [&](int64_t b, int64_t e) {
                 for (int64_t item = b; item < e; ++item) {
                   const int64_t o = item / blocks, j0 = (item % blocks) * kColumnBlock;
                   const int64_t n = std::min(kColumnBlock, p.inner - j0);
                   Acc* a = acc.data() + o * p.inner + j0;
                   for (int64_t r = 0; r < p.r; ++r) {
                     const T* row = x + (o * p.r + r) * p.inner + j0;
                     for (int64_t j = 0; j < n; ++j) a[j] += static_cast<Acc>(row[j]);
                   }
                 }
               }, /*align=*/1);
  return acc;
}

Tensor sum_impl(const char* op, const Tensor& input, const Shape& dims, bool keepdim, bool mean) {
  check_defined(input, op, "input");
  const DType dtype = input.dtype();
  OCTET_CHECK(is_arith_dtype(dtype) || (!mean && dtype == kBool), op, "expected input to be float32, float64, int32 or int64",
              mean ? "" : " (or bool)", ", got ", dtype);
  OCTET_CHECK(!mean || is_floating_point(dtype), op,
              "could not infer the output dtype: the input must be floating point (float32 or float64), got ", dtype);
  const ReducePlan p = plan_reduction(dtype == kBool ? input.to(kInt64) : input, reduced_dims(input, dims, op), keepdim);
  if (is_floating_point(dtype)) {
    Tensor out = octet::detail::empty_uninitialized(p.out_shape, dtype);
    dispatch_arith(dtype, op, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_floating_point_v<T>) {
        const std::vector<double> acc = sum_plan<double, T>(p);
        T* y = out.data_ptr<T>();
        const double count = static_cast<double>(p.r);
        for (size_t i = 0; i < acc.size(); ++i) y[i] = static_cast<T>(mean ? acc[i] / count : acc[i]);
      }
    });
    return out;
  }
  Tensor out = octet::detail::empty_uninitialized(p.out_shape, kInt64);
  const Tensor x = p.x.to(kInt64);
  ReducePlan q = p;
  q.x = x;
  const std::vector<uint64_t> acc = sum_plan<uint64_t, int64_t>(q);
  int64_t* y = out.data_ptr<int64_t>();
  for (size_t i = 0; i < acc.size(); ++i) y[i] = static_cast<int64_t>(acc[i]);
  return out;
}

}  // namespace

Tensor sum(const Tensor& input) { return sum_impl("sum", input, {}, false, false); }
Tensor sum(const Tensor& input, int64_t dim, bool keepdim) { return sum_impl("sum", input, {dim}, keepdim, false); }
Tensor sum(const Tensor& input, const Shape& dim, bool keepdim) { return sum_impl("sum", input, dim, keepdim, false); }
Tensor mean(const Tensor& input) { return sum_impl("mean", input, {}, false, true); }
Tensor mean(const Tensor& input, int64_t dim, bool keepdim) { return sum_impl("mean", input, {dim}, keepdim, true); }
Tensor mean(const Tensor& input, const Shape& dim, bool keepdim) { return sum_impl("mean", input, dim, keepdim, true); }

}  // namespace octet::functional
