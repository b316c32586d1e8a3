// float_range.cpp: one-pass min / max / finiteness scan over a float array (the rminmax kernels).
#include "ops/float_range.h"

#include "kernels/f32_elementwise_kernels.h"

namespace octet::ops {

FloatRange float_range(const float* d, int64_t n) {
  const kernels::F32MinMax r = kernels::f32_elementwise_kernels().rminmax(static_cast<size_t>(n), d);
  return FloatRange{r.min, r.max, r.finite};
}

}  // namespace octet::ops
