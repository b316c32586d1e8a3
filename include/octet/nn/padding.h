// padding.h: octet::nn's padding modules, as in torch.nn: ZeroPad1d/2d/3d, ConstantPad1d/2d/3d,
// ReflectionPad1d/2d/3d, ReplicationPad1d/2d/3d and CircularPad1d/2d/3d.
//
// `padding` is one value for every side ({1}) or PyTorch's tuple, last dim first:
// {left, right} (1d), {left, right, top, bottom} (2d), {left, right, top, bottom, front, back} (3d).
// Each forward is F::pad with the module's mode. Constant and zero padding take any input with at
// least as many dims as they pad (negative values crop); reflection, replication and circular
// padding take batched or unbatched inputs (2-D/3-D for 1d, 3-D/4-D for 2d, 4-D/5-D for 3d).
//   nn::ZeroPad2d({1})    nn::ConstantPad1d({2, 1}, 3.5)    nn::ReflectionPad2d({1, 1, 2, 0})
#pragma once

#include <cstdint>
#include <string>

#include "octet/nn/cloneable.h"

namespace octet::nn {

namespace detail {

// The state of a padding module: the padding expanded to 2 * N values, the mode and the fill value.
class PadBase : public Module {
 public:
  // "(1, 1, 2, 0)"; constant padding: "padding=(1, 1), value=3.5".
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  const Shape& padding() const { return padding_; }
  const std::string& mode() const { return mode_; }
  double value() const { return value_; }

 protected:
  // An Error unless padding has 1 or 2 * spatial_dims values (reflect/replicate/circular: >= 0).
  PadBase(const char* module, int64_t spatial_dims, const Shape& padding, std::string mode, double value,
          bool print_value);
  PadBase(const PadBase&) = default;

 private:
  int64_t spatial_dims_;
  Shape padding_;
  std::string mode_;
  double value_;
  bool print_value_;
};

}  // namespace detail

// torch.nn.ZeroPad1d/2d/3d: constant padding with zeros.
class ZeroPad1d : public Cloneable<ZeroPad1d, detail::PadBase> {
 public:
  explicit ZeroPad1d(const Shape& padding);
};
class ZeroPad2d : public Cloneable<ZeroPad2d, detail::PadBase> {
 public:
  explicit ZeroPad2d(const Shape& padding);
};
class ZeroPad3d : public Cloneable<ZeroPad3d, detail::PadBase> {
 public:
  explicit ZeroPad3d(const Shape& padding);
};

// torch.nn.ConstantPad1d/2d/3d: constant padding with `value`.
class ConstantPad1d : public Cloneable<ConstantPad1d, detail::PadBase> {
 public:
  ConstantPad1d(const Shape& padding, double value);
};
class ConstantPad2d : public Cloneable<ConstantPad2d, detail::PadBase> {
 public:
  ConstantPad2d(const Shape& padding, double value);
};
class ConstantPad3d : public Cloneable<ConstantPad3d, detail::PadBase> {
 public:
  ConstantPad3d(const Shape& padding, double value);
};

// torch.nn.ReflectionPad1d/2d/3d: mirror without repeating the edge (each pad < the dim's size).
class ReflectionPad1d : public Cloneable<ReflectionPad1d, detail::PadBase> {
 public:
  explicit ReflectionPad1d(const Shape& padding);
};
class ReflectionPad2d : public Cloneable<ReflectionPad2d, detail::PadBase> {
 public:
  explicit ReflectionPad2d(const Shape& padding);
};
class ReflectionPad3d : public Cloneable<ReflectionPad3d, detail::PadBase> {
 public:
  explicit ReflectionPad3d(const Shape& padding);
};

// torch.nn.ReplicationPad1d/2d/3d: repeat the edge.
class ReplicationPad1d : public Cloneable<ReplicationPad1d, detail::PadBase> {
 public:
  explicit ReplicationPad1d(const Shape& padding);
};
class ReplicationPad2d : public Cloneable<ReplicationPad2d, detail::PadBase> {
 public:
  explicit ReplicationPad2d(const Shape& padding);
};
class ReplicationPad3d : public Cloneable<ReplicationPad3d, detail::PadBase> {
 public:
  explicit ReplicationPad3d(const Shape& padding);
};

// torch.nn.CircularPad1d/2d/3d: wrap around (each pad <= the dim's size).
class CircularPad1d : public Cloneable<CircularPad1d, detail::PadBase> {
 public:
  explicit CircularPad1d(const Shape& padding);
};
class CircularPad2d : public Cloneable<CircularPad2d, detail::PadBase> {
 public:
  explicit CircularPad2d(const Shape& padding);
};
class CircularPad3d : public Cloneable<CircularPad3d, detail::PadBase> {
 public:
  explicit CircularPad3d(const Shape& padding);
};

}  // namespace octet::nn
