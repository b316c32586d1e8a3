// percentile_observer.h: octet::quantization::PercentileObserver, percentile calibration (TensorRT /
// ModelOpt's and ONNX Runtime's): the range that keeps a given percentage of the observed values,
// clipping the rest as outliers.
//
//   quantization::PercentileObserver obs({.percentile = 99.99});
//   for (const Tensor& x : calibration_batches) obs.observe(x);
//   QParamsTensors q = obs.calculate_qparams();
//
// Symmetric schemes histogram |x| and take amax = the percentile of |x|, range [-amax, amax].
// Affine schemes histogram x and take the (100 - percentile)th and percentile-th percentiles as
// [lo, hi] (99.99 clips 0.01% at each end). Inside a bin the values are taken as uniformly spread,
// so a percentile interpolates linearly between the bin's edges (ModelOpt and ONNX Runtime return a
// bin edge instead); the result is clamped to the observed range, so percentile 100 gives the
// min/max observer's range. The histogram is HistogramCalibrationObserver's exact power-of-two grid
// (merge() is exact).
#pragma once

#include <cstdint>
#include <optional>

#include "octet/quantization/histogram_calibration.h"

namespace octet::quantization {

struct PercentileObserverOptions {
  double percentile = 99.99;                     // in [50, 100]
  int64_t bins = 2048;
  DType dtype = kQUInt8;                         // quint8, qint8 or qint32
  QScheme qscheme = kPerTensorAffine;            // per_tensor_affine or per_tensor_symmetric
  bool reduce_range = false;
  std::optional<int64_t> quant_min = std::nullopt;
  std::optional<int64_t> quant_max = std::nullopt;
  float eps = kFloat32Eps;
  bool skip_nan = false;
};

class PercentileObserver : public nn::Cloneable<PercentileObserver, HistogramCalibrationObserver> {
 public:
  explicit PercentileObserver(const PercentileObserverOptions& options = {});

  // Symmetric: [-p(|x|), p(|x|)]; affine: [p_(100 - percentile)(x), p_percentile(x)].
  std::pair<float, float> calibrated_range() const override;

  const PercentileObserverOptions& options() const { return options_; }

 protected:
  void check_same_method(const HistogramCalibrationObserver& other) const override;

 private:
  PercentileObserverOptions options_;
};

}  // namespace octet::quantization
