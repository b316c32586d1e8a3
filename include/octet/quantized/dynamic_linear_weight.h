// dynamic_linear_weight.h: the weights of a dynamically quantized linear in either form PyTorch's dynamic modules take: qint8 or float16.
//
// PyTorch's dynamic Linear and RNNs hold a LinearPackedParamsBase that is either an int8 packed
// weight (torch.ops.quantized.linear_prepack; the float input is quantized per call) or an fp16 one
// (linear_prepack_fp16; no quantization at run time). DynamicLinearWeight is that choice, with the
// float bias inside:
//
//   auto w = DynamicLinearWeight::prepack(w_q, bias, kQInt8);     // w_q qint8 [out, in]
//   auto h = DynamicLinearWeight::prepack(w_f, bias, kFloat16);   // w_f float32 / float16 [out, in]
//   Tensor y = w.apply(x, /*reduce_range=*/true);                 // x float (*, in) -> float (*, out)
//
// apply() is octet::quantized::linear_dynamic (quantized/linear.h: input quantized to quint8 by the
// dynamic rule, 0..127 with reduce_range) or linear_dynamic_fp16 (quantized/linear_fp16.h).
#pragma once

#include <cstdint>

#include "octet/quantized/linear.h"
#include "octet/quantized/linear_fp16.h"
#include "octet/tensor.h"

namespace octet::quantized {

class DynamicLinearWeight {
 public:
  DynamicLinearWeight() = default;  // undefined: no weight yet
  explicit DynamicLinearWeight(LinearPackedParamsPtr int8);
  explicit DynamicLinearWeight(LinearPackedParamsFp16Ptr fp16);

  // Packs a weight for `dtype`: kQInt8 takes a qint8 weight (per tensor or per channel along axis 0),
  // kFloat16 a floating one (rounded to float16 as linear_prepack_fp16 does). bias: floating
  // [out_features] or undefined. Any other dtype, or a weight of the wrong kind, is an Error naming
  // `where`.
  static DynamicLinearWeight prepack(const Tensor& weight, const Tensor& bias, DType dtype,
                                     const char* where = "DynamicLinearWeight");

  bool defined() const { return int8_ != nullptr || fp16_ != nullptr; }
  DType dtype() const;  // kQInt8 or kFloat16 (an Error when undefined)
  int64_t in_features() const;
  int64_t out_features() const;

  // y = x w^T + b (relu: then max(y, 0)) on float x (*, in_features): float32 (*, out_features).
  // reduce_range applies to the qint8 form only (quint8 activations in 0..127, PyTorch's x86 engine).
  Tensor apply(const Tensor& x, bool reduce_range, bool relu = false) const;

  // The weight as a state dict holds it, a new tensor: the qint8 quantized weight with its qparams,
  // or the float16 weight. And the float32 bias (undefined when there is none).
  Tensor weight() const;
  Tensor bias() const;

  const LinearPackedParamsPtr& int8() const { return int8_; }
  const LinearPackedParamsFp16Ptr& fp16() const { return fp16_; }

 private:
  void check_defined(const char* where) const;

  LinearPackedParamsPtr int8_;
  LinearPackedParamsFp16Ptr fp16_;
};

}  // namespace octet::quantized
