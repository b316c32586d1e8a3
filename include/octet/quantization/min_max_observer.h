// min_max_observer.h: octet::quantization::MinMaxObserver and MovingAverageMinMaxObserver,
// torch.ao.quantization's per-tensor observers of the running (or moving-average) min and max.
//
//   quantization::MinMaxObserver obs({.dtype = kQInt8, .qscheme = kPerTensorSymmetric});
//   obs.observe(x);                         // or obs.forward(x), which returns x
//   QParamsTensors q = obs.calculate_qparams();
//
// Buffers as in PyTorch: "eps" (float32 [1]), "min_val", "max_val" (float32 0-d; +inf and -inf
// until a finite value is observed). calculate_qparams() is PyTorch's _calculate_qparams on them,
// bit for bit (octet::choose_qparams): scale float32 0-d, zero_point int64 0-d.
//
// Differences from PyTorch, all on data PyTorch turns into garbage: a NaN is an Error naming the
// observer (or skipped and counted with skip_nan), +-inf values are dropped and counted
// (non_finite()), and calculate_qparams() before any finite value is an Error instead of scale 1,
// zero point 0. A batch with no finite value leaves the statistics as they were.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "octet/qparams.h"
#include "octet/quantization/observer.h"

namespace octet::quantization {

// MinMaxObserver's keyword arguments (PyTorch's names and defaults), plus skip_nan.
struct MinMaxObserverOptions {
  DType dtype = kQUInt8;                        // quint8, qint8 or qint32
  QScheme qscheme = kPerTensorAffine;           // per_tensor_affine or per_tensor_symmetric
  bool reduce_range = false;                    // one bit less: quint8 0..127, qint8 -64..63
  std::optional<int64_t> quant_min = std::nullopt;  // a custom range: both or neither
  std::optional<int64_t> quant_max = std::nullopt;
  float eps = kFloat32Eps;                      // the floor on scale
  bool is_dynamic = false;                      // stored for convert(); does not change observing
  bool skip_nan = false;                        // Octet: skip and count NaN instead of an Error
};

// MovingAverageMinMaxObserver's keyword arguments: averaging_constant, then MinMaxObserver's.
struct MovingAverageMinMaxObserverOptions {
  double averaging_constant = 0.01;  // in (0, 1]; PyTorch allows is_dynamic only with 1
  DType dtype = kQUInt8;
  QScheme qscheme = kPerTensorAffine;
  bool reduce_range = false;
  std::optional<int64_t> quant_min = std::nullopt;
  std::optional<int64_t> quant_max = std::nullopt;
  float eps = kFloat32Eps;
  bool is_dynamic = false;
  bool skip_nan = false;
};

// The running minimum and maximum of everything observed:
//   min_val = min(min_val, min(x)), max_val = max(max_val, max(x)).
// merge() is exact: min of the mins, max of the maxes (observing a then b equals merging an
// observer of a with an observer of b, in either order).
class MinMaxObserver : public nn::Cloneable<MinMaxObserver, ObserverBase> {
 public:
  explicit MinMaxObserver(const MinMaxObserverOptions& options = {});

  // Folds the finite min and max of x (float32, any shape and strides; empty: nothing) into the
  // running ones, in one vectorized pass over x's memory.
  void observe(const Tensor& input) override;
  QParamsTensors calculate_qparams() const override;
  void merge(const ObserverBase& other) override;
  // min_val = +inf, max_val = -inf (PyTorch's reset_min_max_vals), non-finite counts cleared.
  void reset() override;
  bool has_observed() const override;
  // "min_val=-1.5, max_val=2.0", as PyTorch prints.
  std::string extra_repr() const override;

  const MinMaxObserverOptions& options() const { return options_; }

  Tensor min_val;  // float32 0-d, bound to the buffer "min_val"
  Tensor max_val;  // float32 0-d, bound to the buffer "max_val"

 protected:
  MinMaxObserver(const MinMaxObserverOptions& options, const char* observer_name);

  // The finite min and max of `input` after the input checks and the NaN/inf policy.
  FiniteRange batch_range(const Tensor& input);
  void check_state(const nn::StateDict& buffers) const override;

 private:
  MinMaxObserverOptions options_;
};

// The moving average of each batch's min and max, in float32 exactly as PyTorch computes it: the
// first batch sets them, then min_val = min_val + c * (min(x) - min_val) (likewise max_val), with
// c = (float)averaging_constant and one rounding per operation.
//
// merge(): a moving average has no exact merge, since it weights batches by their order and the
// order of batches seen by different observers is undefined. Octet's rule treats both averages as
// estimates of the same quantity and weights them by the number of batches each averaged
// (num_batches, a non-persistent buffer, so state dicts stay PyTorch's while state() carries it):
//   min_val = (float)((n * min_val + m * other.min_val) / (n + m))  in double (likewise max_val),
//   num_batches = n + m,
// where n and m count the batches that changed each observer (at least 1 once it has statistics,
// e.g. loaded from a PyTorch state dict, which has no count). Merging an observer that saw nothing
// changes nothing (but adds its non-finite counts); merging into one that saw nothing copies the
// other. The rule is commutative, and merging two observers with equal statistics gives those
// statistics; it is not the same as observing the other's batches after this one's.
class MovingAverageMinMaxObserver : public nn::Cloneable<MovingAverageMinMaxObserver, MinMaxObserver> {
 public:
  explicit MovingAverageMinMaxObserver(const MovingAverageMinMaxObserverOptions& options = {});

  void observe(const Tensor& input) override;
  void merge(const ObserverBase& other) override;
  void reset() override;

  double averaging_constant() const { return averaging_constant_; }
  // The batches that changed the statistics (batches without a finite value do not count).
  int64_t batches_observed() const { return num_batches.item<int64_t>(); }

  Tensor num_batches;  // int64 0-d, bound to the non-persistent buffer "num_batches"

 protected:
  void check_state(const nn::StateDict& buffers) const override;

 private:
  double averaging_constant_;
};

}  // namespace octet::quantization
