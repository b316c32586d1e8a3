// flatten.h: octet::nn::Flatten and Unflatten, the modules that merge or split dimensions.
#pragma once

#include <cstdint>
#include <string>

#include "octet/nn/cloneable.h"

namespace octet::nn {

// Merges dims start_dim..end_dim (negative counts from the end) into one, like torch.flatten; a
// view when the input's strides allow it. A quantized input stays quantized with its qparams (a
// per-channel axis follows the reshape), as in PyTorch.
class Flatten : public Cloneable<Flatten> {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1) : start_dim_(start_dim), end_dim_(end_dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t start_dim() const { return start_dim_; }
  int64_t end_dim() const { return end_dim_; }

 private:
  int64_t start_dim_;
  int64_t end_dim_;
};

// Splits dim into `unflattened_size` (one entry may be -1, inferred), like torch.unflatten.
class Unflatten : public Cloneable<Unflatten> {
 public:
  // An Error when unflattened_size is empty, has more than one -1, or another negative size.
  Unflatten(int64_t dim, Shape unflattened_size);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t dim() const { return dim_; }
  const Shape& unflattened_size() const { return unflattened_size_; }

 private:
  int64_t dim_;
  Shape unflattened_size_;
};

}  // namespace octet::nn
