// reduce_minmax.cpp: max, min (values and indices), argmax and argmin over a dim or the whole tensor; NaN wins, ties keep the first index.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <vector>

#include "core/tensor_impl.h"
#include "octet/functional/reduce.h"
#include "ops/float/elementwise_iter.h"
#include "ops/float/reduce_common.h"

namespace octet::functional {
namespace {

using namespace elementwise_detail;
using namespace reduce_detail;

template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

// Whether v replaces the current best: a NaN best is final (PyTorch returns the first NaN), a NaN v
// takes over, otherwise only a strictly better value (so ties keep the earlier index).
template <bool kMax, typename T>
bool better(T v, T best) {
  if (is_nan(best)) return false;
  if (is_nan(v)) return true;
  return kMax ? v > best : v < best;
}

template <typename T>
struct Best {
  T value;
  int64_t index;
};

// Extremes along R of the plan's [O, R, I] view; results in row-major [O, I] order.
template <bool kMax, typename T>
void extremes(const ReducePlan& p, T* values, int64_t* indices) {
  const T* x = p.x.data_ptr<T>();
  if (p.inner == 1) {
    const int64_t blocks = (p.r + kRowBlock - 1) / kRowBlock;
    std::vector<Best<T>> partial(static_cast<size_t>(p.outer * blocks));
    parallel_for(p.outer * blocks, std::max<int64_t>(1, kGrainMemoryBound / std::min(p.r, kRowBlock)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t item = b; item < e; ++item) {
                     const int64_t o = item / blocks, r0 = (item % blocks) * kRowBlock;
                     const int64_t r1 = std::min(p.r, r0 + kRowBlock);
                     const T* row = x + o * p.r;
                     Best<T> best{row[r0], r0};
                     for (int64_t r = r0 + 1; r < r1 && !is_nan(best.value); ++r) {
                       if (better<kMax>(row[r], best.value)) best = {row[r], r};
                     }
                     partial[static_cast<size_t>(item)] = best;
                   }
                 }, /*align=*/1);
    for (int64_t o = 0; o < p.outer; ++o) {
      Best<T> best = partial[static_cast<size_t>(o * blocks)];
      for (int64_t k = 1; k < blocks; ++k) {
        const Best<T>& c = partial[static_cast<size_t>(o * blocks + k)];
        if (better<kMax>(c.value, best.value)) best = c;
      }
      values[o] = best.value;
      indices[o] = best.index;
    }
    return;
  }
  const int64_t blocks = (p.inner + kColumnBlock - 1) / kColumnBlock;
  parallel_for(p.outer * blocks, std::max<int64_t>(1, kGrainMemoryBound / (p.r * std::min(p.inner, kColumnBlock))),
               [&](int64_t b, int64_t e) {
                 for (int64_t item = b; item < e; ++item) {
                   const int64_t o = item / blocks, j0 = (item % blocks) * kColumnBlock;
                   const int64_t n = std::min(kColumnBlock, p.inner - j0);
                   T* v = values + o * p.inner + j0;
                   int64_t* idx = indices + o * p.inner + j0;
                   const T* first = x + o * p.r * p.inner + j0;
                   for (int64_t j = 0; j < n; ++j) v[j] = first[j], idx[j] = 0;
                   for (int64_t r = 1; r < p.r; ++r) {
                     const T* row = first + r * p.inner;
                     for (int64_t j = 0; j < n; ++j) {
                       if (better<kMax>(row[j], v[j])) v[j] = row[j], idx[j] = r;
                     }
                   }
                 }
               }, /*align=*/1);
}

const char* name_of(bool is_max, bool arg) {
  return arg ? (is_max ? "argmax" : "argmin") : (is_max ? "max" : "min");
}

// (values, indices) of the extremes along `dim`, or over the flattened input when dim is absent.
std::tuple<Tensor, Tensor> extreme_impl(bool is_max, bool arg, const Tensor& input, std::optional<int64_t> dim,
                                        bool keepdim) {
  const char* op = name_of(is_max, arg);
  check_arith(input, op, "input");
  std::vector<bool> reduced(static_cast<size_t>(input.dim()), true);
  if (dim) {
    const int64_t d = wrap_dim(*dim, input.dim(), op);
    if (input.dim() > 0) {
      std::fill(reduced.begin(), reduced.end(), false);
      reduced[static_cast<size_t>(d)] = true;
      OCTET_CHECK(input.size(d) != 0, op, "expected reduction dim ", d, " to have non-zero size (input shape ",
                  shape_to_string(input.shape()), ")");
    }
  } else {
    OCTET_CHECK(input.numel() != 0, op, "expected a non-empty input when no dim is given (input shape ",
                shape_to_string(input.shape()), ")");
  }
  const ReducePlan p = plan_reduction(input, reduced, keepdim);
  Tensor values = octet::detail::empty_uninitialized(p.out_shape, input.dtype());
  Tensor indices = octet::detail::empty_uninitialized(p.out_shape, kInt64);
  if (values.numel() == 0) return {values, indices};
  dispatch_arith(input.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    if (is_max) {
      extremes<true, T>(p, values.data_ptr<T>(), indices.data_ptr<int64_t>());
    } else {
      extremes<false, T>(p, values.data_ptr<T>(), indices.data_ptr<int64_t>());
    }
  });
  return {values, indices};
}

}  // namespace

Tensor max(const Tensor& input) { return std::get<0>(extreme_impl(true, false, input, std::nullopt, false)); }
Tensor min(const Tensor& input) { return std::get<0>(extreme_impl(false, false, input, std::nullopt, false)); }
std::tuple<Tensor, Tensor> max(const Tensor& input, int64_t dim, bool keepdim) {
  return extreme_impl(true, false, input, dim, keepdim);
}
std::tuple<Tensor, Tensor> min(const Tensor& input, int64_t dim, bool keepdim) {
  return extreme_impl(false, false, input, dim, keepdim);
}
Tensor argmax(const Tensor& input, std::optional<int64_t> dim, bool keepdim) {
  return std::get<1>(extreme_impl(true, true, input, dim, keepdim));
}
Tensor argmin(const Tensor& input, std::optional<int64_t> dim, bool keepdim) {
  return std::get<1>(extreme_impl(false, true, input, dim, keepdim));
}

}  // namespace octet::functional
