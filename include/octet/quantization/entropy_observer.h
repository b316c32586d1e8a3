// entropy_observer.h: octet::quantization::EntropyObserver, TensorRT's / NVIDIA ModelOpt's
// KL-divergence calibration: the clipping threshold whose 8-bit quantization loses the least
// information about the distribution of |x|.
//
//   quantization::EntropyObserver obs({.dtype = kQInt8, .qscheme = kPerTensorSymmetric});
//   for (const Tensor& x : calibration_batches) obs.observe(x);
//   QParamsTensors q = obs.calculate_qparams();
//
// The histogram counts |x| in `bins` bins from 0 on HistogramCalibrationObserver's exact
// power-of-two grid (so merge() is exact, and the observed max lands between bin bins/2 and bins).
// calculate_qparams() runs ModelOpt's _compute_amax_entropy on the bins up to the last non-empty
// one (src/observers/calibration_methods.h states every step):
//
//   - bin 0 takes bin 1's count (the spike of zeros after ReLU would dominate otherwise);
//   - candidates: i = start_bin (128), start_bin + stride, ... up to the last non-empty bin, the
//     threshold being bin edge i (fewer non-empty bins than start_bin: the observed max |x|);
//   - P = the first i bins with the clipped outliers added to the last; Q = P's bins quantized to
//     the target bins and expanded back over the non-empty bins; KL(P || Q) unsmoothed, as ModelOpt;
//   - ties: the largest threshold of minimal divergence (ModelOpt's rule, not the first minimum);
//   - target bins: half the quantized levels (128 for 8 bits) for signed data or a symmetric scheme,
//     all of them (256) for non-negative data under an affine scheme (ModelOpt's `unsigned`).
//
// The threshold amax (at most the observed max |x|) becomes qparams through PyTorch's min/max
// formula: [-amax, amax] under a symmetric scheme or for signed data (quint8 symmetric: zero point
// 128), [0, amax] for non-negative data under an affine scheme.
#pragma once

#include <cstdint>
#include <optional>

#include "octet/quantization/histogram_calibration.h"

namespace octet::quantization {

struct EntropyObserverOptions {
  int64_t bins = 2048;                           // histogram bins of |x|
  DType dtype = kQUInt8;                         // quint8, qint8 or qint32
  QScheme qscheme = kPerTensorAffine;            // per_tensor_affine or per_tensor_symmetric
  bool reduce_range = false;
  std::optional<int64_t> quant_min = std::nullopt;
  std::optional<int64_t> quant_max = std::nullopt;
  float eps = kFloat32Eps;
  int64_t start_bin = 128;                       // the first candidate threshold, in bins
  int64_t stride = 1;                            // candidate step, in bins (ModelOpt's default 1)
  bool skip_nan = false;
};

class EntropyObserver : public nn::Cloneable<EntropyObserver, HistogramCalibrationObserver> {
 public:
  explicit EntropyObserver(const EntropyObserverOptions& options = {});

  // [-amax, amax], or [0, amax] for non-negative data under an affine scheme.
  std::pair<float, float> calibrated_range() const override;
  // The KL threshold amax (<= the observed max |x|).
  float amax() const;
  // The number of target bins the divergence quantizes to (128 or 256 for 8-bit types).
  int64_t target_bins() const;

  const EntropyObserverOptions& options() const { return options_; }

 protected:
  void check_same_method(const HistogramCalibrationObserver& other) const override;

 private:
  EntropyObserverOptions options_;
};

}  // namespace octet::quantization
