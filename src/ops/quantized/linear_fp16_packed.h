// linear_fp16_packed.h: what a LinearPackedParamsFp16 holds, shared by its prepack and the fp16 linear operators (internal).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/f16gemm_kernels.h"
#include "octet/quantized/linear_fp16.h"

namespace octet::quantized {

struct LinearPackedParamsFp16::Impl {
  int64_t n = 0;  // out_features
  int64_t k = 0;  // in_features
  // ceil(n / 16) panels of k rows x 16 halfs (kernels/f16gemm_kernels.h), columns past n zero.
  std::vector<uint16_t> panels;
  Tensor bias;                     // float32 [n] or undefined
  std::vector<float> bias_values;  // the same floats (empty without a bias)

  size_t panel_stride() const { return static_cast<size_t>(k) * kernels::kF16GemmPanelCols; }
  // The half of weight (row j, column kk), from the panels.
  uint16_t at(int64_t j, int64_t kk) const {
    const auto cols = static_cast<int64_t>(kernels::kF16GemmPanelCols);
    return panels[static_cast<size_t>(j / cols) * panel_stride() + static_cast<size_t>(kk * cols + j % cols)];
  }
};

}  // namespace octet::quantized
