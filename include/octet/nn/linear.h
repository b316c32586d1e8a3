// linear.h: octet::nn::Linear, torch.nn.Linear: y = x W^T + b.
#pragma once

#include <cstdint>
#include <string>

#include "octet/generator.h"
#include "octet/nn/cloneable.h"

namespace octet::nn {

// torch.nn.Linear's keyword arguments.
struct LinearOptions {
  bool bias = true;
};

// Parameters "weight" (out_features, in_features) and "bias" (out_features; a None slot with
// bias = false), initialised like PyTorch: weight kaiming_uniform_(a = sqrt(5)), which is
// U(-1/sqrt(in_features), 1/sqrt(in_features)), and bias U(-1/sqrt(in_features), 1/sqrt(in_features)).
//   nn::Linear(64, 10)    nn::Linear(64, 10, {.bias = false})
class Linear : public Cloneable<Linear> {
 public:
  // An Error when a size is negative.
  Linear(int64_t in_features, int64_t out_features, LinearOptions options = {});

  // (*, in_features) -> (*, out_features) through F::linear; another last dim is an Error naming
  // the module.
  Tensor forward(const Tensor& input) override;
  // "in_features=64, out_features=10, bias=True".
  std::string extra_repr() const override;
  // Draws the initial values again (PyTorch's reset_parameters) from `generator`, or from
  // octet::default_generator() when null.
  void reset_parameters(Generator* generator = nullptr);

  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }

  Tensor weight;
  Tensor bias;

 private:
  int64_t in_features_;
  int64_t out_features_;
};

}  // namespace octet::nn
