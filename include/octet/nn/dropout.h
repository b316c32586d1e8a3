// dropout.h: octet::nn::Dropout, torch.nn.Dropout: random zeroing in training, identity in eval.
#pragma once

#include <string>

#include "octet/nn/cloneable.h"

namespace octet::nn {

struct DropoutOptions {
  bool inplace = false;  // accepted and ignored: forward returns a new tensor
};

// In training mode each element is zeroed with probability p and the others are scaled by
// 1 / (1 - p), drawing from octet::default_generator() (seed it with octet::manual_seed); in eval
// mode forward returns a copy of the input. A quantized input is copied with its qparams in eval
// mode (PyTorch's dispatch by dtype); in training mode with p > 0 it is an Error. Printed as PyTorch does: "Dropout(p=0.2, inplace=False)".
class Dropout : public Cloneable<Dropout> {
 public:
  // An Error unless 0 <= p <= 1.
  explicit Dropout(double p = 0.5, DropoutOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double p() const { return p_; }
  const DropoutOptions& options() const { return options_; }

 private:
  double p_;
  DropoutOptions options_;
};

}  // namespace octet::nn
