// dropout.h: nn::quantized::Dropout, torch.ao.nn.quantized.Dropout: the identity on quantized tensors (dropout does nothing at inference).
#pragma once

#include <memory>
#include <string>

#include "octet/nn/cloneable.h"
#include "octet/nn/dropout.h"
#include "octet/nn/quantized/from_float.h"

namespace octet::nn::quantized {

// forward(x) = x for a quantized x (the same tensor), as torch.ao.nn.quantized.Dropout.
// Printed "QuantizedDropout(p=0.5, inplace=False)". A float input is an Error naming the module.
class Dropout : public Cloneable<Dropout> {
 public:
  explicit Dropout(double p = 0.5, bool inplace = false);
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedDropout"; }
  std::string extra_repr() const override;
  double p() const { return p_; }
  static std::shared_ptr<Dropout> from_float(const nn::Dropout& mod, const FromFloatArgs& args = {});

 private:
  double p_;
  bool inplace_;
};

}  // namespace octet::nn::quantized
