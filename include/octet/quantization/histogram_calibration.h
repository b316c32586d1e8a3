// histogram_calibration.h: octet::quantization::HistogramCalibrationObserver, the streaming,
// exactly mergeable histogram that EntropyObserver, PercentileObserver and MSEObserver choose their
// clipping ranges from (the calibration methods PyTorch lacks; TensorRT / ModelOpt and ONNX Runtime
// have them).
//
// The histogram has `bins` integer counts on a power-of-two-aligned grid: bins are
// [g * 2^k, (g + 1) * 2^k) for integers g, and the window of bins is the one the observed range fits
// (src/observers/histogram_grid.h gives the rule). Because the grid is a function of the observed
// range alone and a coarser power-of-two grid nests the finer one, a wider batch re-bins by moving
// whole counts, so:
//
//   - every value's bin is exact (x * 2^-k is exact in floating point: no edge rounding);
//   - the histogram after any sequence of batches equals the histogram of all the data at once;
//   - merge() is exact for any two observers, whatever ranges they saw: observing a then b,
//     b then a, or a and b in two observers then merging give identical counts and qparams;
//   - memory is O(bins) whatever the number of batches (counts are int64).
//
// The trade-off: the observed range covers between half and all of the bins (all when it is just
// below a power-of-two multiple of the bin width), so the effective resolution is bins/2..bins.
//
// Buffers: "eps" (float32 [1]), "histogram" (int64 [bins]), "min_val", "max_val" (float32 0-d, the
// finite range observed: +inf / -inf before anything was). NaN / inf follow ObserverBase's policy
// (NaN an Error unless skip_nan; +-inf dropped and counted).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "octet/qparams.h"
#include "octet/quantization/observer.h"

namespace octet::quantization {

// A read-only view of a calibration histogram: counts[i] values lie in [edge(i), edge(i + 1)).
struct CalibrationHistogram {
  const int64_t* counts = nullptr;
  int64_t bins = 0;
  int64_t exponent = 0;  // bin width 2^exponent
  int64_t offset = 0;    // edge(i) = (offset + i) * 2^exponent
  float min_val = 0.0f;  // the observed finite range of x (signed, also for an |x| histogram)
  float max_val = 0.0f;
  bool abs_values = false;  // counts |x|: then offset is 0 and bin 0 starts at 0
  double edge(int64_t i) const;
  double bin_width() const;
  int64_t total() const;
  // The range of the histogrammed values: [min_val, max_val], or [min |x|, max |x|] for |x|.
  float value_min() const;
  float value_max() const;
};

class HistogramCalibrationObserver : public ObserverBase {
 public:
  // Folds x (float32, any shape and strides; empty: nothing) into the histogram: one min/max pass,
  // a re-binning when the range outgrew the window, one binning pass.
  void observe(const Tensor& input) override;
  // The qparams of calibrated_range() (choose_qparams, PyTorch's min/max formula): scale float32
  // 0-d, zero_point int64 0-d.
  QParamsTensors calculate_qparams() const override;
  // The clipping range the method chose, before the qparams formula (which widens it to include 0).
  virtual std::pair<float, float> calibrated_range() const = 0;

  // Exact for any two observers of the same class and options (see above).
  void merge(const ObserverBase& other) override;
  void reset() override;
  bool has_observed() const override;
  std::string extra_repr() const override;

  int64_t bins() const { return bins_; }
  // Whether the histogram counts |x| (the entropy method) instead of x.
  bool abs_values() const { return abs_values_; }
  // The histogram; an Error when nothing was observed.
  CalibrationHistogram view() const;

  Tensor histogram;  // int64 [bins], bound to the buffer "histogram"
  Tensor min_val;    // float32 0-d, bound to "min_val"
  Tensor max_val;    // float32 0-d, bound to "max_val"

 protected:
  HistogramCalibrationObserver(const QParamsConfig& config, bool skip_nan, int64_t bins, bool abs_values,
                               const char* observer_name);
  HistogramCalibrationObserver(const HistogramCalibrationObserver&) = default;

  void check_state(const nn::StateDict& buffers) const override;
  // Extra options a subclass must share with `other` for merge(); an Error otherwise.
  virtual void check_same_method(const HistogramCalibrationObserver& other) const = 0;

 private:
  int64_t bins_;
  bool abs_values_;
};

}  // namespace octet::quantization
