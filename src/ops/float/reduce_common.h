// reduce_common.h: the [outer, reduced, inner] view every reduction runs on, and its work split (internal).
//
// A reduction over a set of dims becomes one over the middle dim of a contiguous [O, R, I] tensor:
// directly when the input is contiguous and the reduced dims are adjacent (mean over H, W; sum over
// the batch dim), else after permuting the kept dims first and copying (I = 1). Work is split into
// fixed items (row blocks of R for I = 1, column blocks of I otherwise) whose partial results are
// combined in order, so the answer does not depend on the number of threads.
#pragma once

#include <cstdint>
#include <vector>

#include "octet/tensor.h"

namespace octet::functional::reduce_detail {

struct ReducePlan {
  Tensor x;  // contiguous, read as [outer, r, inner]
  int64_t outer = 1, r = 1, inner = 1;
  Shape out_shape;  // keepdim-aware
};

// dims: the dims to reduce (negative allowed; empty means all); duplicates are an Error naming op.
std::vector<bool> reduced_dims(const Tensor& input, const Shape& dims, const char* op);
ReducePlan plan_reduction(const Tensor& input, const std::vector<bool>& reduced, bool keepdim);

// Elements of R one row item covers (I = 1), and columns of I one item covers (I > 1).
inline constexpr int64_t kRowBlock = 16384;
inline constexpr int64_t kColumnBlock = 256;

}  // namespace octet::functional::reduce_detail
