// mse_observer.h: octet::quantization::MSEObserver, MSE calibration: the clipping range that
// minimizes the expected squared error of quantizing what was observed.
//
//   quantization::MSEObserver obs({.dtype = kQInt8, .qscheme = kPerTensorSymmetric});
//   for (const Tensor& x : calibration_batches) obs.observe(x);
//   QParamsTensors q = obs.calculate_qparams();
//
// Every pair of bin edges is a candidate range (symmetric: every edge of the |x| histogram as
// amax); each candidate's error is the rounding noise of the values it keeps, step^2 / 12 each,
// plus the exact squared clipping error of the values outside it, values spread uniformly inside
// each bin. Prefix sums of the bins' integer moments make each candidate O(1), and the search is
// exhaustive, so the minimum is exact for this error model (unlike PyTorch's greedy search). Ties go
// to the widest range. src/observers/calibration_methods.h states the formula. The histogram is
// HistogramCalibrationObserver's exact power-of-two grid (merge() is exact).
#pragma once

#include <cstdint>
#include <optional>

#include "octet/quantization/histogram_calibration.h"

namespace octet::quantization {

struct MSEObserverOptions {
  int64_t bins = 2048;
  DType dtype = kQUInt8;                         // quint8, qint8 or qint32
  QScheme qscheme = kPerTensorAffine;            // per_tensor_affine or per_tensor_symmetric
  bool reduce_range = false;
  std::optional<int64_t> quant_min = std::nullopt;
  std::optional<int64_t> quant_max = std::nullopt;
  float eps = kFloat32Eps;
  bool skip_nan = false;
};

class MSEObserver : public nn::Cloneable<MSEObserver, HistogramCalibrationObserver> {
 public:
  explicit MSEObserver(const MSEObserverOptions& options = {});

  // The minimizing [lo, hi] (symmetric: [-amax, amax]), clamped to the observed range.
  std::pair<float, float> calibrated_range() const override;

  const MSEObserverOptions& options() const { return options_; }

 protected:
  void check_same_method(const HistogramCalibrationObserver& other) const override;

 private:
  MSEObserverOptions options_;
};

}  // namespace octet::quantization
