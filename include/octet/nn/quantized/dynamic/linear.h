// linear.h: nn::quantized::dynamic::Linear, torch.ao.nn.quantized.dynamic.Linear: float in, float out, qint8 or float16 weights.
//
//   auto ql = nn::quantized::dynamic::Linear::from_float(float_linear);            // qint8, per tensor
//   auto qp = nn::quantized::dynamic::Linear::from_float(float_linear,
//                 {.weight_observer = quantization::per_channel_dynamic_qconfig().weight});
//   auto qh = nn::quantized::dynamic::Linear::from_float(float_linear,
//                 {.weight_observer = quantization::float16_dynamic_qconfig().weight});  // float16
//   Tensor y = ql->forward(x);   // x float (*, in_features) -> float (*, out_features)
//
// qint8 weights: every call quantizes the input to quint8 with qparams from its own min and max
// (fbgemm's dynamic rule) and runs the int8 GEMM with a float output
// (octet::quantized::linear_dynamic). Under the x86 engine (the default; also "fbgemm" and "onednn")
// the activations use 7 bits (reduce_range, 0..127), as PyTorch's module does since its version 4;
// the qnnpack-like engines ("arm", "ref") use all 8. float16 weights: the weights are rounded to
// half precision once and the product is computed in float32 (octet::quantized::linear_dynamic_fp16,
// PyTorch's fbgemm fp16 path, bit for bit on full column blocks).
//
// State dict (Octet's layout; PyTorch nests weight and bias as a tuple under
// "_packed_params._packed_params" and also saves an unused scale 1.0 / zero_point 0, omitted here):
//   "weight"   the qint8 weight [out_features, in_features] with its qparams (per tensor or per
//              channel along axis 0), or the float16 weight -- never the packed layout
//   "bias"     float32 [out_features] (absent without a bias)
// load_state_dict repacks for this CPU. clone() shares the packed weight (immutable).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "octet/nn/cloneable.h"
#include "octet/nn/linear.h"
#include "octet/nn/quantized/from_float.h"
#include "octet/quantized/dynamic_linear_weight.h"

namespace octet::nn::quantized::dynamic {

// torch.ao.nn.quantized.dynamic.Linear's constructor arguments (bias_, dtype).
struct LinearOptions {
  bool bias = true;
  DType dtype = kQInt8;  // kQInt8 or kFloat16
};

// Printed as PyTorch does: "DynamicQuantizedLinear(in_features=4, out_features=2, dtype=torch.qint8,
// qscheme=torch.per_tensor_affine)", or "..., dtype=torch.float16)".
class Linear : public Cloneable<Linear> {
 public:
  // A zero weight (qint8: scale 1, zero point 0) and a zero bias, as PyTorch's constructor. Negative
  // sizes and dtypes other than qint8 / float16 are Errors.
  Linear(int64_t in_features, int64_t out_features, LinearOptions options = {});

  // Float (*, in_features) -> float (*, out_features), in the input's floating dtype (computed in
  // float32). A quantized input is an Error naming the module (a DeQuantStub is missing before it).
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "DynamicQuantizedLinear"; }
  std::string extra_repr() const override;

  // The weight as the state dict holds it (qint8 quantized, or float16) and the float bias
  // (undefined without one): new tensors.
  Tensor weight() const;
  Tensor bias() const;
  // Packs a new weight and bias: w qint8 [out_features, in_features] (per tensor or per channel along
  // axis 0) for a qint8 module, floating for a float16 one (rounded to float16); b float
  // [out_features], or undefined for a module built without a bias.
  void set_weight_bias(const Tensor& w, const Tensor& b);

  DType dtype() const { return dtype_; }
  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  const octet::quantized::DynamicLinearWeight& packed_params() const { return packed_; }

  // Quantizes a float Linear's weight through args.weight_observer (default: PyTorch's
  // default_dynamic_qconfig weight, per-tensor symmetric qint8); a float16 observer
  // (float16_dynamic_qconfig) gives float16 weights. args.output_observer is not used. The float
  // module is not changed.
  static std::shared_ptr<Linear> from_float(const nn::Linear& mod, const FromFloatArgs& args = {});

 protected:
  void save_to_state_dict(StateDict& destination, const std::string& prefix) const override;
  void load_from_state_dict(StateDictLoad& load, const std::string& prefix) override;

 private:
  int64_t in_features_;
  int64_t out_features_;
  bool has_bias_;
  DType dtype_;
  octet::quantized::DynamicLinearWeight packed_;
};

}  // namespace octet::nn::quantized::dynamic
