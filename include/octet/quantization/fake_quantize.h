// fake_quantize.h: octet::quantization's fake-quantize modules, torch.ao.quantization's FakeQuantize,
// FusedMovingAvgObsFakeQuantize, _LearnableFakeQuantize (LSQ) and FixedQParamsFakeQuantize: what
// quantization-aware training puts where the quantized model will quantize.
//
// A fake-quantize module holds an observer child ("activation_post_process") and the qparams it
// applies. In training, forward(x) lets the observer see x and refreshes the qparams (while the
// observer is enabled), then returns x quantized and dequantized in float32 (while fake quantization
// is enabled; otherwise x itself):
//
//   auto fq = std::make_shared<FakeQuantize>(std::make_shared<MovingAverageMinMaxObserver>());
//   Tensor y = fq->forward(x);                        // observe, update scale / zero_point, fake-quantize
//   FakeQuantizeGrads g = fq->backward(dy, x);        // straight-through: dy where x was in range
//   fq->disable_observer();                           // freeze the qparams (late in training)
//
// State dicts read as PyTorch's: "fake_quant_enabled", "observer_enabled" (uint8 [1]; int64 [1] for
// the fused module), "scale" (float32 [1] or [C]), "zero_point" (int32 [1] or [C]; float32 for
// per_channel_affine_float_qparams), then "activation_post_process.<observer buffers>". LSQ's
// module has the parameters "scale", "zero_point" first and the buffers "static_enabled",
// "learning_enabled", "eps" after the flags. Loading a state dict resizes scale and zero_point to
// the stored shape, as PyTorch does.
//
// Backward. There is no autograd yet; QAT training calls backward(grad_output, input) right after
// forward(input): it recomputes the straight-through mask with the qparams forward used (the ones
// the module holds after it), so nothing is saved between the two calls. forward_with_mask()
// returns the mask instead, for loops that prefer to keep it (then
// fake_quantize_per_tensor_affine_cachemask_backward(grad_output, mask) is the input gradient).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "octet/fake_quantize.h"
#include "octet/quantization/activation_post_process.h"
#include "octet/quantization/fixed_qparams_observer.h"
#include "octet/quantization/observer.h"

namespace octet::quantization {

// What every fake-quantize module shares: the two switches and the training-step API.
class FakeQuantizeBase : public ActivationPostProcess {
 public:
  // The output of forward(input) (and input when fake quantization is disabled).
  Tensor forward(const Tensor& input) override;
  // forward() and the straight-through mask (all true when fake quantization is disabled).
  FakeQuantizeResult forward_with_mask(const Tensor& input);
  // The gradients of sum(forward(input) * grad_output) under the straight-through estimator, for
  // the state forward(input) left: grad_output * mask (grad_output itself when fake quantization is
  // disabled); LSQ adds the scale and zero-point gradients.
  virtual FakeQuantizeGrads backward(const Tensor& grad_output, const Tensor& input) const = 0;

  // PyTorch's switches, each writing its buffer's one element.
  void enable_fake_quant(bool enabled = true);
  void disable_fake_quant() { enable_fake_quant(false); }
  virtual void enable_observer(bool enabled = true);
  void disable_observer() { enable_observer(false); }
  bool is_fake_quant_enabled() const;
  bool is_observer_enabled() const;

  Tensor fake_quant_enabled;  // uint8 [1] (int64 in the fused module), bound to its buffer
  Tensor observer_enabled;    // likewise

 protected:
  FakeQuantizeBase();
  FakeQuantizeBase(const FakeQuantizeBase&) = default;

  // One training step on input; with_mask: also the mask.
  virtual FakeQuantizeResult run(const Tensor& input, bool with_mask) = 0;
};

// torch.ao.quantization.FakeQuantize: any qparams observer (the default: MovingAverageMinMaxObserver
// quint8 0..255), per tensor or per channel by the observer's qscheme, along its ch_axis.
//
//   forward(x): if observer enabled: observer(x); scale, zero_point = observer.calculate_qparams()
//               if fake quant enabled: fake_quantize_per_{tensor,channel}_affine(x, scale,
//               zero_point, [ch_axis,] quant_min, quant_max) with the observer's range
//
// Construction is an Error naming the module unless the observer computes qparams for a quantized
// dtype (not a placeholder, noop or recording observer).
class FakeQuantize : public nn::Cloneable<FakeQuantize, FakeQuantizeBase> {
 public:
  explicit FakeQuantize(std::shared_ptr<ObserverBase> observer = nullptr);

  FakeQuantizeGrads backward(const Tensor& grad_output, const Tensor& input) const override;
  // The observer's qparams (what convert() quantizes with).
  QParamsTensors calculate_qparams() const override;
  QuantizerPtr quantizer() const override;
  DType dtype() const override { return activation_post_process->dtype(); }
  QScheme qscheme() const override { return activation_post_process->qscheme(); }
  bool is_dynamic() const override { return activation_post_process->is_dynamic(); }
  // The fake-quantization range: the observer's quant_min / quant_max.
  int64_t quant_min() const { return activation_post_process->qrange().qmin; }
  int64_t quant_max() const { return activation_post_process->qrange().qmax; }
  // The observer's channel axis for per-channel observers, -1 otherwise (PyTorch's attribute).
  int64_t ch_axis() const { return ch_axis_; }
  bool is_per_channel() const { return is_per_channel_; }
  // PyTorch's repr: "fake_quant_enabled=tensor([1], dtype=torch.uint8), ..., zero_point=tensor([0],
  // dtype=torch.int32)".
  std::string extra_repr() const override;

  std::shared_ptr<ObserverBase> activation_post_process;  // bound to the child of that name
  Tensor scale;       // bound to the buffer "scale"
  Tensor zero_point;  // bound to the buffer "zero_point"

 protected:
  FakeQuantizeResult run(const Tensor& input, bool with_mask) override;
  // Fake quantization with the held scale / zero_point (no observing).
  FakeQuantizeResult fake_quantize(const Tensor& input, bool with_mask) const;
  // Copies calculate_qparams() into scale / zero_point, resizing them when the shape changed.
  void refresh_qparams();
  // Lets scale and zero_point take the stored shape, as PyTorch's _load_from_state_dict does.
  void load_from_state_dict(nn::StateDictLoad& load, const std::string& prefix) override;

 private:
  int64_t ch_axis_ = -1;
  bool is_per_channel_ = false;
};

// torch.ao.quantization.FusedMovingAvgObsFakeQuantize: FakeQuantize with the moving-average
// observer and fake quantization in one pass (fused_moving_avg_obs_fake_quant). The observer must be
// a MovingAverageMinMaxObserver or MovingAveragePerChannelMinMaxObserver (the default:
// MovingAverageMinMaxObserver quint8 0..255), not with float qparams. Its flags are int64 buffers.
//
// As in PyTorch, the scale and zero_point it fake-quantizes with come from fbgemm's rule (see
// fused_moving_avg_obs_fake_quant), while calculate_qparams() is the observer's rule: the two can
// differ in the last bit of the scale and by one in the zero point. The observer sees the data
// through its own observe() (its NaN / inf policy and non-finite counts apply).
class FusedMovingAvgObsFakeQuantize : public nn::Cloneable<FusedMovingAvgObsFakeQuantize, FakeQuantize> {
 public:
  explicit FusedMovingAvgObsFakeQuantize(std::shared_ptr<ObserverBase> observer = nullptr);

  bool is_symmetric_quant() const { return is_symmetric(qscheme()); }
  double averaging_constant() const;
  std::string extra_repr() const override;

 protected:
  FakeQuantizeResult run(const Tensor& input, bool with_mask) override;
};

// _LearnableFakeQuantize's arguments besides the observer (which sets quant_min / quant_max,
// dtype, qscheme and ch_axis).
struct LearnableFakeQuantizeOptions {
  double scale = 1.0;          // the initial scale (every channel)
  double zero_point = 0.0;     // the initial zero point, a float parameter
  int64_t channel_len = -1;    // -1: per tensor ([1] parameters); else the channel count
  bool use_grad_scaling = false;  // grad_factor = 1 / sqrt(numel * quant_max) (LSQ's g)
};

// torch.ao.quantization._LearnableFakeQuantize (LSQ): scale and zero point are parameters, learned
// by gradient descent once enable_param_learning() is called; before that (static estimation) the
// observer's qparams are copied into them at each forward.
//
//   forward(x): if static_enabled: observer(x); scale, zero_point <- observer.calculate_qparams()
//               else: scale = max(scale, eps)
//               if fake quant enabled: zero_point = 0 for symmetric schemes; the learnable per-tensor
//               or per-channel fake quantization with grad_factor
//
// backward() returns the input, scale and zero-point gradients (fake_quantize_learnable_*_backward);
// the caller applies the parameter ones while learning is enabled. observer_enabled is kept for
// the state dict but unused: enable_observer() switches static estimation, as in PyTorch.
class LearnableFakeQuantize : public nn::Cloneable<LearnableFakeQuantize, FakeQuantizeBase> {
 public:
  // An Error unless quant_min < quant_max, channel_len is -1 or positive (and, per channel, the
  // observer is a per-channel one), the scheme is not float qparams, and, with use_grad_scaling,
  // quant_max > 0.
  LearnableFakeQuantize(std::shared_ptr<ObserverBase> observer, const LearnableFakeQuantizeOptions& options = {});

  FakeQuantizeGrads backward(const Tensor& grad_output, const Tensor& input) const override;
  // max(scale, eps) and the zero point rounded half to even, clamped, as int64 (0-d per tensor,
  // [C] per channel, like the observers). PyTorch also clamps the parameter in place; Octet leaves
  // it to forward.
  QParamsTensors calculate_qparams() const override;
  QuantizerPtr quantizer() const override;
  DType dtype() const override { return activation_post_process->dtype(); }
  QScheme qscheme() const override { return activation_post_process->qscheme(); }

  // PyTorch's switches (each returns this module, as PyTorch's do, where PyTorch's does).
  LearnableFakeQuantize& enable_param_learning();      // learning on, fake quant on, static off
  void enable_static_estimate();                       // learning off, fake quant on, static on
  void enable_static_observation();                    // learning off, fake quant off, static on
  LearnableFakeQuantize& toggle_observer_update(bool enabled = true);
  LearnableFakeQuantize& toggle_qparam_learning(bool enabled = true);  // also requires_grad
  LearnableFakeQuantize& toggle_fake_quant(bool enabled = true);
  void enable_observer(bool enabled = true) override;  // = toggle_observer_update
  bool is_static_enabled() const;
  bool is_learning_enabled() const;

  int64_t quant_min() const { return qmin_; }
  int64_t quant_max() const { return qmax_; }
  int64_t ch_axis() const { return ch_axis_; }
  bool use_grad_scaling() const { return use_grad_scaling_; }
  // int(log2(quant_max - quant_min + 1)), PyTorch's attribute.
  int64_t bitwidth() const { return bitwidth_; }
  // The grad_factor forward and backward use for an input of `numel` elements.
  double grad_factor(int64_t numel) const;

  std::shared_ptr<ObserverBase> activation_post_process;  // bound to the child of that name
  Tensor scale;             // float32 parameter [1] or [C]
  Tensor zero_point;        // float32 parameter [1] or [C]
  Tensor static_enabled;    // uint8 [1]
  Tensor learning_enabled;  // uint8 [1]
  Tensor eps;               // float32 [1]: float32 epsilon, the floor on the learned scale

 protected:
  FakeQuantizeResult run(const Tensor& input, bool with_mask) override;

 private:
  bool is_channelwise() const { return qscheme() == kPerChannelAffine || qscheme() == kPerChannelSymmetric; }

  int64_t qmin_ = 0, qmax_ = 255, ch_axis_ = -1, bitwidth_ = 8;
  bool use_grad_scaling_ = false;
};

// torch.ao.quantization.FixedQParamsFakeQuantize: fake quantization with the fixed qparams of a
// FixedQParamsObserver (sigmoid, tanh, softmax outputs). Its "scale" and "zero_point" buffers are
// the observer's tensors (one storage, listed under both names in the state dict, as in PyTorch).
class FixedQParamsFakeQuantize : public nn::Cloneable<FixedQParamsFakeQuantize, FakeQuantize> {
 public:
  // An Error unless the observer is a FixedQParamsObserver with a per-tensor scheme.
  explicit FixedQParamsFakeQuantize(std::shared_ptr<ObserverBase> observer);

  // The fixed scale and zero point (float32 and int64 0-d).
  QParamsTensors calculate_qparams() const override;
  std::string extra_repr() const override;

 protected:
  FakeQuantizeResult run(const Tensor& input, bool with_mask) override;
};

}  // namespace octet::quantization
