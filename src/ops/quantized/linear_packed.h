// linear_packed.h: what a LinearPackedParams holds, shared by the prepack and the linear operators (internal).
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "octet/quantized/linear.h"
#include "ops/quantized/qgemm_driver.h"

namespace octet::quantized {

// Per-call constants of a static linear that depend only on (input scale, output scale): the int32
// bias and the requantization multipliers. Kept for the last pair seen, since a model calls a layer
// with the same qparams every time.
struct LinearRequant {
  double input_scale = 0;
  double output_scale = 0;
  std::vector<int32_t> bias_q;     // out_features values (empty without a bias)
  std::vector<float> multiplier;   // out_features values
};

struct LinearPackedParams::Impl {
  Impl(int64_t n, int64_t k, const int8_t* w, const std::vector<int32_t>& zero_points)
      : gemm(n, k, w, k, zero_points) {}

  ops::QGemmPackedWeights gemm;      // original rows, column sums, zero points, panels
  QuantizerPtr quantizer;            // the weight's, as given
  std::vector<double> scales;        // out_features weight scales (per-tensor: repeated)
  Tensor bias;                       // float32 [out_features] or undefined
  std::vector<float> bias_values;    // the same floats (empty without a bias)

  // The LinearRequant for (input_scale, output_scale), computed on a miss. Thread-safe.
  std::shared_ptr<const LinearRequant> requant(double input_scale, double output_scale, const char* where) const;

 private:
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const LinearRequant> last_;
};

}  // namespace octet::quantized
