// recording_observer.h: octet::quantization::RecordingObserver, torch.ao.quantization's debugging
// observer that keeps a copy of every tensor it sees (default_debug_qconfig's activation).
//
// The one observer that stores activations, which is its purpose: use it on small inputs. It keeps
// each tensor verbatim (any dtype, NaN and inf included: it reports data, it does not judge it), so
// the NaN/inf policy of the other observers does not apply and non_finite() stays zero.
// calculate_qparams() is an Error naming the observer, as PyTorch raises.
#pragma once

#include <vector>

#include "octet/quantization/observer.h"

namespace octet::quantization {

class RecordingObserver : public nn::Cloneable<RecordingObserver, ObserverBase> {
 public:
  explicit RecordingObserver(DType dtype = kQUInt8);
  // clone() copies the recordings too (deeply: the clone's tensors do not share storage).
  RecordingObserver(const RecordingObserver& other);

  // Appends a copy of `input` (any defined tensor).
  void observe(const Tensor& input) override;
  QParamsTensors calculate_qparams() const override;
  // Appends copies of the other's recordings after this one's (same class and dtype).
  void merge(const ObserverBase& other) override;
  // Drops every recording.
  void reset() override { tensor_val_.clear(); }
  // Whether anything was recorded.
  bool has_observed() const override { return !tensor_val_.empty(); }
  std::string extra_repr() const override { return {}; }

  // The recorded tensors, in observation order (PyTorch's get_tensor_value()). The recordings are
  // not buffers: they are in neither state_dict() nor state(), as in PyTorch.
  const std::vector<Tensor>& get_tensor_value() const { return tensor_val_; }

 private:
  std::vector<Tensor> tensor_val_;
};

}  // namespace octet::quantization
