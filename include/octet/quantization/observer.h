// observer.h: octet::quantization::ObserverBase, what every observer (torch.ao.quantization's
// observers and Octet's calibration methods) shares: observe, qparams, merge, state, reset.
//
// An observer watches float tensors flow past and turns what it saw into quantization parameters.
// Like PyTorch's, it is a Module: forward(x) observes x and returns it unchanged, its running
// statistics are buffers under PyTorch's names ("min_val", "max_val", "histogram", ...), so a
// prepared model's state dict reads the same in both, and prepare() can attach it as a child
// ("activation_post_process"). Beyond PyTorch, every observer
//
//   - streams: memory is O(bins) or O(channels), activations are never stored (except by the
//     RecordingObserver, whose purpose that is);
//   - merges: merge(other) folds in what another observer of the same class and configuration saw,
//     so calibration can be split across threads, processes or machines and combined (exactly,
//     where the algorithm allows: min/max always, histograms over the same range);
//   - serialises: state() is the statistics as a state dict (every buffer, persistent or not, plus
//     the non-finite counts), load_state() restores it into an observer constructed with the same
//     options;
//   - refuses silent garbage: calculate_qparams() before any finite value was observed is an Error
//     naming the observer (PyTorch returns scale 1, zero point 0); a NaN in the data is an Error
//     naming the observer unless skip_nan was chosen; +-inf values are dropped and counted, as
//     PyTorch's HistogramObserver drops them. non_finite() reports the counts.
#pragma once

#include <cstdint>
#include <string>

#include "octet/qparams.h"
#include "octet/quantization/activation_post_process.h"
#include "octet/tensor.h"

namespace octet::quantization {

// Non-finite values seen in observed data (dropped or rejected, never folded into statistics).
struct NonFiniteCounts {
  int64_t nan = 0;
  int64_t pos_inf = 0;
  int64_t neg_inf = 0;
  int64_t total() const { return nan + pos_inf + neg_inf; }
};

// The finite range of one tensor (or one channel of it): found is false when no finite value was
// seen. Non-finite values are added to `counts`.
struct FiniteRange {
  float min = 0.0f;
  float max = 0.0f;
  bool found = false;
};

// Concrete observers derive from nn::Cloneable<TheObserver, ObserverBase> (clone() copies the
// statistics too).
//
// Buffers, as in PyTorch: observers that compute qparams from data (PyTorch's
// UniformQuantizationObserverBase: min/max, moving average, per-channel, histogram, and Octet's
// calibration methods) register "eps" first (float32 [1], the options' eps), then their
// statistics. Observers that only pass data through (placeholder, noop, recording, fixed qparams)
// are built with the PassThrough constructor: any dtype, no "eps" buffer.
class ObserverBase : public ActivationPostProcess {
 public:
  // observe(input), then returns input unchanged (the same tensor), like PyTorch's forward.
  Tensor forward(const Tensor& input) override;

  // Folds a float32 tensor (any shape, any strides) into the statistics. NaN: an Error naming the
  // observer, or counted and skipped with skip_nan; +-inf: counted and skipped. (Pass-through
  // observers take any tensor and do not read it; RecordingObserver keeps a copy.)
  virtual void observe(const Tensor& input) = 0;

  // The qparams for what was observed (bit-identical to PyTorch's for the same data). An Error
  // naming the observer when nothing finite was observed.
  QParamsTensors calculate_qparams() const override = 0;

  // Adds what `other` observed, as if this observer had also seen its data (see each class for
  // when that is exact). `other` must be the same class with the same options, else an Error.
  virtual void merge(const ObserverBase& other) = 0;

  // Forgets everything observed (PyTorch's reset_min_max_vals), including the non-finite counts.
  virtual void reset() = 0;

  // The statistics: every buffer of this observer (its state dict plus any non-persistent buffer)
  // and "nan_count", "pos_inf_count", "neg_inf_count" (int64 scalars). The tensors are copies.
  nn::StateDict state() const;
  // Restores state() output into an observer constructed with the same options. Missing or
  // unexpected keys, a dtype or shape that differs from the observer's buffer (except where the
  // observer learns a shape from data, e.g. per-channel min_val/max_val), an "eps" that differs
  // from the options' eps, and statistics the observer rejects (check_state) are Errors
  // naming the observer; on an Error the observer is unchanged.
  void load_state(const nn::StateDict& state);

  // A quantizer for a tensor quantized with calculate_qparams() (per-channel observers: along
  // `axis`, by default their ch_axis).
  QuantizerPtr quantizer() const override;

  DType dtype() const override { return config_.dtype; }
  QScheme qscheme() const override { return config_.qscheme; }
  bool is_dynamic() const override { return is_dynamic_; }
  bool reduce_range() const { return config_.reduce_range; }
  float eps() const { return config_.eps; }
  bool skip_nan() const { return skip_nan_; }
  // The integer range the qparams target (calculate_qmin_qmax of the options). A pass-through
  // observer with a float dtype and no quant_min/quant_max has {0, 0}.
  const QRange& qrange() const { return qrange_; }
  const QParamsConfig& qparams_config() const { return config_; }
  const NonFiniteCounts& non_finite() const { return non_finite_; }
  // Whether any finite value has been observed since construction or reset().
  virtual bool has_observed() const = 0;

  // The one-element buffers other than "eps" as PyTorch prints 0-d tensors in f-strings
  // ("min_val=-1.5, max_val=2.0"); observers whose PyTorch repr differs override it.
  std::string extra_repr() const override;

 protected:
  // For observers that compute qparams from data. `config` is validated here (dtype is
  // quint8/qint8/qint32, or quint4x2 with per_channel_affine_float_qparams; the scheme matches the
  // observer's granularity; quant_min/max through calculate_qmin_qmax; eps positive and finite;
  // no reduce_range with symmetric quint8), errors naming `observer_name` (the class is not yet
  // constructed, so name() cannot). Registers the "eps" buffer.
  ObserverBase(const QParamsConfig& config, bool skip_nan, bool per_channel,
               const char* observer_name = "observer", bool is_dynamic = false);

  // For observers that pass data through and compute no qparams from it: any dtype and scheme;
  // quant_min/quant_max are validated against the dtype's range when the dtype is quantized and
  // kept as given otherwise. No "eps" buffer.
  struct PassThrough {};
  ObserverBase(PassThrough, const QParamsConfig& config, bool is_dynamic, const char* observer_name);

  ObserverBase(const ObserverBase&) = default;

  // Called by load_state() and load_state_dict() with every buffer the observer would hold after
  // the load (local names), before anything changes: an Error naming the observer when they are
  // not a state this observer can be in (min_val > max_val, a per-channel pair of different
  // lengths, ...).
  virtual void check_state(const nn::StateDict& buffers) const;
  // The check the per-tensor range observers share: the state's min_val / max_val are finite with
  // min_val <= max_val, or +inf / -inf before observing (an Error naming the observer otherwise).
  // Returns whether the state says something was observed.
  bool check_range_state(const nn::StateDict& buffers) const;
  // Whether buffer `key` may take a shape other than its current one from a state (a per-channel
  // observer's min_val/max_val learn their length from data): then only its rank must match.
  virtual bool state_shape_may_change(const std::string& key) const;

  // load_state_dict(): the eps check and shape rules of load_state(), then check_state(); dtypes
  // convert as in nn::Module.
  void load_from_state_dict(nn::StateDictLoad& load, const std::string& prefix) override;

  // The finite min and max of `values` (n floats), counting and skipping non-finite ones; a NaN is
  // an Error naming this observer unless skip_nan. One vectorized pass when all are finite.
  FiniteRange finite_range(const float* values, int64_t n);
  // The common input check: float32 and defined; `where` names the caller.
  void check_input(const Tensor& input, const char* where) const;
  // An Error unless `other` has this observer's dynamic type and the same qparams options.
  void check_mergeable(const ObserverBase& other) const;
  // An Error naming this observer when nothing was observed ("calculate_qparams").
  void check_observed() const;
  void add_non_finite(const NonFiniteCounts& counts);
  void clear_non_finite() { non_finite_ = {}; }
  // The NaN policy applied to counts gathered by a caller's own scan (per-channel observers): an
  // Error naming this observer when counts.nan > 0 and not skip_nan; otherwise adds the counts.
  // `numel` is the size of the observed tensor, for the message.
  void apply_non_finite_policy(const NonFiniteCounts& counts, int64_t numel);

 private:
  // An Error unless a state's value for buffer `key` fits this observer's buffer `own`.
  void check_state_tensor(const std::string& key, const Tensor& own, const Tensor& value, const char* where) const;

  QParamsConfig config_;
  QRange qrange_;
  bool skip_nan_ = false;
  bool is_dynamic_ = false;
  NonFiniteCounts non_finite_;
};

}  // namespace octet::quantization
