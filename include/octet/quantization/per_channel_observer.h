// per_channel_observer.h: octet::quantization::PerChannelMinMaxObserver and
// MovingAveragePerChannelMinMaxObserver, torch.ao.quantization's per-channel min/max observers
// (per-channel weights; rowwise embedding tables with float zero points).
//
//   quantization::PerChannelMinMaxObserver obs({.ch_axis = 0, .dtype = kQInt8,
//                                               .qscheme = kPerChannelSymmetric});
//   obs.observe(weight);                    // [out_channels, ...]
//   QParamsTensors q = obs.calculate_qparams();  // scale, zero_point: [out_channels]
//
// Buffers as in PyTorch: "eps" (float32 [1]), "min_val", "max_val" (float32 [C]; empty [0] until a
// batch with a finite value was observed). The channel count C is learned from that batch: a later
// batch with another size along ch_axis is an Error naming the observer. ch_axis may be negative
// (counted from the end of each input's dims), as in PyTorch.
//
// calculate_qparams() is PyTorch's _calculate_qparams per channel, bit for bit: affine and
// symmetric through octet::choose_qparams (so per_channel_symmetric with quint8 has zero point 128
// in every channel, or (quant_min + quant_max) / 2 with a custom range); with
// per_channel_affine_float_qparams, octet::choose_qparams_float: scale (max - min) / (qmax - qmin),
// 1 where that is not above eps, and zero_point = -min / scale as float32 (no zero in the range
// forced). A channel that has seen no finite value is an Error naming the observer and the channel
// (PyTorch asserts min <= max there).
//
// Observing is one pass over the input's memory, never a transposed copy (see
// src/observers/range_scan.h): contiguous runs per channel for ch_axis 0 or 1 of NCHW data,
// whole rows vectorized over channels when the channel axis is innermost.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "octet/qparams.h"
#include "octet/quantization/observer.h"

namespace octet::quantization {

// PerChannelMinMaxObserver's keyword arguments (PyTorch's names and defaults), plus skip_nan.
struct PerChannelMinMaxObserverOptions {
  int64_t ch_axis = 0;
  DType dtype = kQUInt8;  // quint8, qint8, qint32; quint4x2 with per_channel_affine_float_qparams
  QScheme qscheme = kPerChannelAffine;  // or per_channel_symmetric, per_channel_affine_float_qparams
  bool reduce_range = false;
  std::optional<int64_t> quant_min = std::nullopt;
  std::optional<int64_t> quant_max = std::nullopt;
  float eps = kFloat32Eps;
  bool is_dynamic = false;  // an Error when true, as in PyTorch
  bool skip_nan = false;
};

// MovingAveragePerChannelMinMaxObserver's keyword arguments.
struct MovingAveragePerChannelMinMaxObserverOptions {
  double averaging_constant = 0.01;  // in (0, 1]
  int64_t ch_axis = 0;
  DType dtype = kQUInt8;
  QScheme qscheme = kPerChannelAffine;
  bool reduce_range = false;
  std::optional<int64_t> quant_min = std::nullopt;
  std::optional<int64_t> quant_max = std::nullopt;
  float eps = kFloat32Eps;
  bool is_dynamic = false;
  bool skip_nan = false;
};

// The running min and max of each channel. merge() is exact (per channel min of mins, max of
// maxes); both observers must have the same ch_axis and, once both have observed, the same
// channel count.
class PerChannelMinMaxObserver : public nn::Cloneable<PerChannelMinMaxObserver, ObserverBase> {
 public:
  explicit PerChannelMinMaxObserver(const PerChannelMinMaxObserverOptions& options = {});

  // Folds each channel's finite min and max of x (float32, at least 1-d, any strides; empty:
  // nothing) into the running ones. A channel with no finite value in x keeps its statistics; a
  // batch with no finite value at all changes nothing (an unobserved observer stays unobserved).
  void observe(const Tensor& input) override;
  QParamsTensors calculate_qparams() const override;
  // A per-channel quantizer along ch_axis (a negative ch_axis is resolved with the rank of the
  // last observed input; an Error when none was observed since construction).
  QuantizerPtr quantizer() const override;
  // The same along `axis` (>= 0) of the tensor to be quantized.
  QuantizerPtr quantizer(int64_t axis) const;
  void merge(const ObserverBase& other) override;
  // Back to empty [0] min_val/max_val (PyTorch's reset_min_max_vals); non-finite counts cleared.
  void reset() override;
  bool has_observed() const override { return min_val.numel() > 0; }
  // "min_val=tensor([-1.0000,  0.5000]), max_val=tensor([2., 3.])", as PyTorch prints.
  std::string extra_repr() const override;

  int64_t ch_axis() const { return options_.ch_axis; }
  // The channel count learned from data (0 before).
  int64_t num_channels() const { return min_val.numel(); }
  const PerChannelMinMaxObserverOptions& options() const { return options_; }

  Tensor min_val;  // float32 [C], bound to the buffer "min_val"
  Tensor max_val;  // float32 [C], bound to the buffer "max_val"

 protected:
  PerChannelMinMaxObserver(const PerChannelMinMaxObserverOptions& options, const char* observer_name);

  // One batch's per-channel finite min and max (+inf / -inf for a channel with none), after the
  // input checks (ch_axis in range, channel count) and the NaN/inf policy. False when the batch
  // has no finite value (or is empty): the caller then changes nothing.
  bool batch_ranges(const Tensor& input, std::vector<float>& lo, std::vector<float>& hi);
  // Sets min_val/max_val to new [C] tensors holding lo and hi.
  void set_ranges(const std::vector<float>& lo, const std::vector<float>& hi);
  // An Error unless `other` can be merged (class, options, ch_axis, channel count).
  void check_mergeable_channels(const PerChannelMinMaxObserver& other) const;
  bool state_shape_may_change(const std::string& key) const override;
  void check_state(const nn::StateDict& buffers) const override;

 private:
  PerChannelMinMaxObserverOptions options_;
  int64_t input_dim_ = -1;  // rank of the last observed input, for a negative ch_axis
};

// Per channel, the moving average of each batch's channel min and max, as PyTorch computes it in
// float32: the first batch sets them, then min_val = min_val + c * (min_cur - min_val) per
// channel. A channel with no finite value in a batch keeps its value (and a channel that has
// never seen one takes the first finite min/max it sees, as a first batch).
//
// merge(): as for MovingAverageMinMaxObserver (min_max_observer.h), per channel: the batch-count
// weighted mean (n * a + m * b) / (n + m) in double, rounded to float32, with n and m the batches
// that changed each observer (num_batches, a non-persistent buffer; at least 1 once observed). A
// channel that one side has never seen takes the other's value. Not the same as observing the
// other's batches after this one's (no merge of moving averages is).
class MovingAveragePerChannelMinMaxObserver
    : public nn::Cloneable<MovingAveragePerChannelMinMaxObserver, PerChannelMinMaxObserver> {
 public:
  explicit MovingAveragePerChannelMinMaxObserver(const MovingAveragePerChannelMinMaxObserverOptions& options = {});

  void observe(const Tensor& input) override;
  void merge(const ObserverBase& other) override;
  void reset() override;

  double averaging_constant() const { return averaging_constant_; }
  // The batches that changed the statistics.
  int64_t batches_observed() const { return num_batches.item<int64_t>(); }

  Tensor num_batches;  // int64 0-d, bound to the non-persistent buffer "num_batches"

 protected:
  void check_state(const nn::StateDict& buffers) const override;

 private:
  double averaging_constant_;
};

}  // namespace octet::quantization
