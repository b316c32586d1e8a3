// linear.h: nn::quantized::Linear, torch.ao.nn.quantized.Linear: a static int8 linear layer on prepacked weights.
//
//   auto ql = nn::quantized::Linear::from_float(float_linear, {.output_observer = &observer});
//   Tensor y = ql->forward(xq);   // octet::quantized::linear(xq, packed, scale, zero_point)
//
// The module holds the weight prepacked for this CPU (octet::quantized::LinearPackedParams, shared
// between clones, since it is immutable) and computes with Octet's integer contract: the bias is
// quantized to int32 with scale input_scale * weight_scale and the int32 sum is requantized with one
// float32 multiply (octet/quantized/linear.h). PyTorch's x86 engine keeps a float bias, so its
// outputs may differ by one step; qnnpack's agree exactly.
//
// State dict (Octet's layout; PyTorch nests the first two under "_packed_params"):
//   "weight"      the qint8 weight [out_features, in_features] with its qparams (per tensor, or per
//                 channel along axis 0) -- never the packed layout
//   "bias"        float32 [out_features] (absent without a bias)
//   "scale", "zero_point"   the output qparams (float64 and int64, 0-d)
// load_state_dict repacks the weight for the CPU it runs on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "octet/nn/cloneable.h"
#include "octet/nn/linear.h"
#include "octet/nn/quantized/from_float.h"
#include "octet/nn/quantized/output_qparams.h"
#include "octet/quantized/linear.h"

namespace octet::nn::intrinsic {
class LinearBn1d;
}  // namespace octet::nn::intrinsic

namespace octet::nn::quantized {

// torch.ao.nn.quantized.Linear's constructor arguments (bias_ and dtype; only qint8 weights are static).
struct LinearOptions {
  bool bias = true;
};

// (*, in_features) quint8/qint8 -> (*, out_features) of the input's dtype with the module's output
// qparams. Printed as PyTorch does: "QuantizedLinear(in_features=4, out_features=2, scale=0.1,
// zero_point=3, qscheme=torch.per_channel_affine)".
class Linear : public Cloneable<Linear, detail::OutputQParams<Module>> {
 public:
  // A zero qint8 weight (scale 1, zero point 0), a zero bias, output scale 1 and zero point 0, as
  // PyTorch's constructor. Negative sizes are an Error.
  Linear(int64_t in_features, int64_t out_features, LinearOptions options = {});

  // An Error naming the module for a float input (a QuantStub is missing) or a last dim other than
  // in_features.
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedLinear"; }
  std::string extra_repr() const override;

  // The unpacked weight (qint8 with its qparams) and float bias (undefined without one): new tensors.
  Tensor weight() const;
  Tensor bias() const;
  // Packs a new weight and bias: w qint8 [out_features, in_features], per tensor or per channel along
  // axis 0; b float [out_features] or undefined (a module built without a bias takes none).
  void set_weight_bias(const Tensor& w, const Tensor& b);
  const octet::quantized::LinearPackedParamsPtr& packed_params() const { return packed_; }

  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }

  // Quantizes a float Linear: the weight through args.weight_observer (default: per-channel
  // symmetric qint8, PyTorch's x86 default), the float bias as is, the output qparams from
  // args.output_observer. The float module is not changed.
  static std::shared_ptr<Linear> from_float(const nn::Linear& mod, const FromFloatArgs& args);
  // The same for an eval-mode Linear + BatchNorm1d pair: the BatchNorm is folded into the weight and
  // bias first (nn::utils::fuse_linear_bn_weights).
  static std::shared_ptr<Linear> from_float(const nn::intrinsic::LinearBn1d& mod, const FromFloatArgs& args);

 protected:
  void save_to_state_dict(StateDict& destination, const std::string& prefix) const override;
  void load_from_state_dict(StateDictLoad& load, const std::string& prefix) override;
  // Fills `q` (built with mod's sizes) from a float Linear: quantized weight, bias, output qparams.
  // Shared with intrinsic::quantized::LinearReLU; errors name q.name().
  static void quantize_from(Linear& q, const nn::Linear& mod, const FromFloatArgs& args);

 private:
  int64_t in_features_;
  int64_t out_features_;
  bool has_bias_;
  octet::quantized::LinearPackedParamsPtr packed_;
};

}  // namespace octet::nn::quantized
