// shape_pixel_shuffle.cpp: pixel_shuffle and pixel_unshuffle as a reshape, a permute and one copy (any plain dtype).
#include <cstdint>

#include "octet/functional/shape.h"
#include "ops/float/elementwise_iter.h"

namespace octet::functional {
namespace {

using namespace elementwise_detail;

// The leading (batch) dims and the last three sizes of a (*, C, H, W) input.
struct Chw {
  Shape batch;
  int64_t c, h, w;
};

Chw split_chw(const Tensor& input, const char* op) {
  check_defined(input, op, "input");
  OCTET_CHECK(input.dim() >= 3, op, "expected an input with at least 3 dims (*, C, H, W), got ", input.dim(),
              " dims (shape ", shape_to_string(input.shape()), ")");
  Shape batch(input.shape().begin(), input.shape().end() - 3);
  return {batch, input.size(-3), input.size(-2), input.size(-1)};
}

Shape concat(Shape a, const Shape& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The permutation that moves the last `n` dims of a rank-(b + n) tensor by `tail` (indices into them).
Shape tail_permutation(int64_t b, const Shape& tail) {
  Shape perm;
  for (int64_t i = 0; i < b; ++i) perm.push_back(i);
  for (int64_t t : tail) perm.push_back(b + t);
  return perm;
}

}  // namespace

Tensor pixel_shuffle(const Tensor& input, int64_t upscale_factor) {
  const Chw s = split_chw(input, "pixel_shuffle");
  const int64_t r = upscale_factor;
  OCTET_CHECK(r > 0, "pixel_shuffle", "expected upscale_factor > 0, got ", r);
  OCTET_CHECK(s.c % (r * r) == 0, "pixel_shuffle", "expected the channel dim (", s.c,
              ") to be divisible by upscale_factor^2 = ", r * r);
  const int64_t c = s.c / (r * r);
  const auto b = static_cast<int64_t>(s.batch.size());
  // (*, c, r, r, h, w) -> (*, c, h, r, w, r)
  const Tensor x = input.reshape(concat(s.batch, {c, r, r, s.h, s.w}));
  // clone(): a new tensor even when the permute is already contiguous (r = 1).
  return x.permute(tail_permutation(b, {0, 3, 1, 4, 2})).clone().reshape(concat(s.batch, {c, s.h * r, s.w * r}));
}

Tensor pixel_unshuffle(const Tensor& input, int64_t downscale_factor) {
  const Chw s = split_chw(input, "pixel_unshuffle");
  const int64_t r = downscale_factor;
  OCTET_CHECK(r > 0, "pixel_unshuffle", "expected downscale_factor > 0, got ", r);
  OCTET_CHECK(s.h % r == 0, "pixel_unshuffle", "expected the height (", s.h, ") to be divisible by downscale_factor ",
              r);
  OCTET_CHECK(s.w % r == 0, "pixel_unshuffle", "expected the width (", s.w, ") to be divisible by downscale_factor ",
              r);
  const auto b = static_cast<int64_t>(s.batch.size());
  // (*, c, h/r, r, w/r, r) -> (*, c, r, r, h/r, w/r)
  const Tensor x = input.reshape(concat(s.batch, {s.c, s.h / r, r, s.w / r, r}));
  return x.permute(tail_permutation(b, {0, 2, 4, 1, 3}))
      .clone()
      .reshape(concat(s.batch, {s.c * r * r, s.h / r, s.w / r}));
}

}  // namespace octet::functional
