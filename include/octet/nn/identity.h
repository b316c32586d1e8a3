// identity.h: octet::nn::Identity, the module that returns its input (a placeholder in surgery).
#pragma once

#include "octet/nn/cloneable.h"

namespace octet::nn {

// forward(x) = x, for any dtype (a quantized input passes through with its qparams). Fusion puts it where a module was folded into its neighbour (a BatchNorm folded
// into the preceding Conv2d), as PyTorch's fuse_modules does.
class Identity : public Cloneable<Identity> {
 public:
  Tensor forward(const Tensor& input) override { return input; }
};

}  // namespace octet::nn
