// quantize.h: nn::quantized::Quantize and DeQuantize, the modules at the borders of a quantized model (torch.ao.nn.quantized.Quantize / DeQuantize).
//
// convert() turns a QuantStub into a Quantize (float in, quantized out, with the qparams its
// observer chose) and a DeQuantStub into a DeQuantize (quantized in, float out):
//
//   auto q = std::make_shared<nn::quantized::Quantize>(0.05, 64, kQUInt8);
//   Tensor xq = q->forward(x);                       // quantize_per_tensor(x, 0.05, 64, quint8)
//   Tensor x2 = nn::quantized::DeQuantize().forward(xq);
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "octet/nn/cloneable.h"
#include "octet/nn/quantized/from_float.h"

namespace octet::nn::quantized {

// forward(x) = quantize_per_tensor(x, scale, zero_point, dtype) for a float32 x. As in PyTorch, the
// qparams are the buffers "scale" (float32, [1]) and "zero_point" (int64, [1]), so the scale in use
// is the float32 nearest the one given, and the output's q_scale() is that value. Printed as PyTorch
// does: "Quantize(scale=tensor([0.0500]), zero_point=tensor([64]), dtype=torch.quint8)".
class Quantize : public Cloneable<Quantize> {
 public:
  // dtype: quint8, qint8 or qint32; scale finite and > 0 in float32; zero_point in the dtype's range.
  Quantize(double scale, int64_t zero_point, DType dtype);

  // An Error naming the module when the input is already quantized or not float32.
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;

  double scale() const { return scale_.item<double>(); }
  int64_t zero_point() const { return zero_point_.item<int64_t>(); }
  DType dtype() const { return dtype_; }

  // From a QuantStub (or any module) whose output observer is args.output_observer: its qparams
  // and dtype. An Error when there is no observer or it observed nothing.
  static std::shared_ptr<Quantize> from_float(const Module& stub, const FromFloatArgs& args);

 private:
  Tensor scale_;
  Tensor zero_point_;
  DType dtype_;
};

// forward(x) = x.dequantize() for a quantized x; a float input is an Error naming the module.
// Printed as "DeQuantize()".
class DeQuantize : public Cloneable<DeQuantize> {
 public:
  DeQuantize() = default;
  Tensor forward(const Tensor& input) override;
  static std::shared_ptr<DeQuantize> from_float(const Module& stub, const FromFloatArgs& args = {});
};

}  // namespace octet::nn::quantized
