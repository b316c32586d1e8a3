// f16gemm-scalar.cpp: the portable float32 x float16-weight GEMM tile, the specification of the family.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/f16gemm_kernels.h"
#include "octet/half.h"

namespace octet::kernels {

// One chain of std::fma per output element, k in order (f16gemm_kernels.h).
void f32_f16_gemm_4x16__scalar(size_t mr, size_t nc, size_t kc, const float* a, size_t a_stride, const uint16_t* b,
                               size_t b_panel_stride, float* c, size_t c_stride, const F32F16GemmParams* params) {
  for (size_t i = 0; i < mr; ++i) {
    const float* ai = a + i * a_stride;
    float* ci = c + i * c_stride;
    for (size_t j = 0; j < nc; ++j) {
      const uint16_t* bj = b + (j / kF16GemmPanelCols) * b_panel_stride + j % kF16GemmPanelCols;
      float v = params->accumulate ? ci[j] : 0.0f;
      for (size_t k = 0; k < kc; ++k) v = std::fma(ai[k], Half::to_float(bj[k * kF16GemmPanelCols]), v);
      if (params->bias != nullptr) v = v + params->bias[j];
      if (params->relu && v < 0.0f) v = 0.0f;
      ci[j] = v;
    }
  }
}

}  // namespace octet::kernels
