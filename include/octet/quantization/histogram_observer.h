// histogram_observer.h: octet::quantization::HistogramObserver, torch.ao.quantization's
// HistogramObserver bit for bit: the running histogram of everything observed and PyTorch's
// L2-minimizing search for the clipping range.
//
//   quantization::HistogramObserver obs;           // 2048 bins, quint8, per_tensor_affine
//   for (const Tensor& x : calibration_batches) obs.observe(x);
//   QParamsTensors q = obs.calculate_qparams();     // the same scale and zero point as PyTorch
//
// What it computes, in PyTorch 2.15's own arithmetic (src/observers/histogram_torch.h states each
// step's precision):
//
//   first batch   histogram = torch.histc(x, bins, min(x), max(x)); min_val, max_val = min(x), max(x)
//   later batch   the range widens to [min(min_val, min(x)), max(max_val, max(x))]; x is histogrammed
//                 over the new range; when the range changed, the old histogram is re-binned into
//                 it first (each bin split into upsample_rate equal parts, each part moved to the
//                 new bin holding its midpoint), then the two are added
//   qparams       _non_linear_param_search: a greedy walk that trims the histogram from whichever
//                 end reaches further at the next 1e-5 quantile, as long as the L2 quantization
//                 error (uniform density inside each bin, 2^bits destination bins) does not grow;
//                 the kept bins' outer edges go through the min/max formula (choose_qparams)
//
// Buffers, as PyTorch's state dict: "eps" (float32 [1]), "histogram" (float32 [bins]), "min_val",
// "max_val" (float32 0-d; +inf / -inf before anything was observed).
//
// Differences from PyTorch, only where PyTorch fails or computes garbage: NaN is an Error naming
// the observer (or skipped and counted with skip_nan); +-inf values are dropped and counted (PyTorch
// drops them too, with a warning); calculate_qparams() before any finite value is an Error (PyTorch:
// scale 1, zero point 0); a range for which torch.histc's float32 arithmetic overflows
// ((max - min) * bins above FLT_MAX; PyTorch then computes an undefined bin index) is an Error. A
// bin receiving 2^24 or more values from one batch is counted exactly, then rounded to float32
// (PyTorch's float32 counter stops at 2^24 per thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "octet/qparams.h"
#include "octet/quantization/observer.h"

namespace octet::quantization {

// HistogramObserver's keyword arguments (PyTorch's names and defaults), plus skip_nan.
struct HistogramObserverOptions {
  int64_t bins = 2048;                           // histogram bins, >= 1
  DType dtype = kQUInt8;                         // quint8, qint8 or qint32
  QScheme qscheme = kPerTensorAffine;            // per_tensor_affine or per_tensor_symmetric
  bool reduce_range = false;                     // one bit less: quint8 0..127, qint8 -64..63
  std::optional<int64_t> quant_min = std::nullopt;  // a custom range: both or neither
  std::optional<int64_t> quant_max = std::nullopt;
  float eps = kFloat32Eps;                       // the floor on scale
  bool is_dynamic = false;                       // PyTorch refuses it; so does Octet (an Error)
  int64_t upsample_rate = 16;                    // PyTorch's attribute: parts per bin when re-binning
  bool skip_nan = false;                         // Octet: skip and count NaN instead of an Error
};

class HistogramObserver : public nn::Cloneable<HistogramObserver, ObserverBase> {
 public:
  explicit HistogramObserver(const HistogramObserverOptions& options = {});

  // Folds x (float32, any shape and strides; empty: nothing) into the histogram as PyTorch's
  // forward does. The histogram pass reads x once after the min/max pass.
  void observe(const Tensor& input) override;
  // PyTorch's _non_linear_param_search, then _calculate_qparams: scale float32 0-d, zero_point
  // int64 0-d.
  QParamsTensors calculate_qparams() const override;
  // The range after the search (PyTorch's _non_linear_param_search return values).
  std::pair<float, float> search_range() const;

  // Adds what `other` (same options) observed. Both histograms are brought to the union of the two
  // ranges with PyTorch's re-binning (a histogram whose range already is the union is kept as it
  // is), then added. When both observers have the same range, this is exactly what observing
  // other's data after this one's gives whenever other saw one batch (or batches of that same
  // range): PyTorch then adds the two histograms too. When the ranges differ it equals observing
  // a batch with other's range and histogram; the re-binning of other's histogram moves its mass by
  // sub-bin midpoints, as PyTorch's range growth does, so it is close to (not bit-identical with)
  // re-observing other's data.
  void merge(const ObserverBase& other) override;
  // histogram = 0, min_val = +inf, max_val = -inf, non-finite counts cleared.
  void reset() override;
  bool has_observed() const override;
  // "min_val=-1.5, max_val=2.0", as PyTorch prints.
  std::string extra_repr() const override;

  const HistogramObserverOptions& options() const { return options_; }
  int64_t bins() const { return options_.bins; }
  // 2^bits of the dtype (256 for 8-bit types): the destination bins of the error estimate. A custom
  // quant range does not change it, as in PyTorch.
  double dst_nbins() const;

  Tensor histogram;  // float32 [bins], bound to the buffer "histogram"
  Tensor min_val;    // float32 0-d, bound to "min_val"
  Tensor max_val;    // float32 0-d, bound to "max_val"

 protected:
  void check_state(const nn::StateDict& buffers) const override;

 private:
  // Re-bins this histogram into [lo, hi] (which contains its range) in place.
  void rebin_to(float lo, float hi);

  HistogramObserverOptions options_;
};

}  // namespace octet::quantization
