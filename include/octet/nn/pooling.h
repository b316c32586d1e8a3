// pooling.h: octet::nn's pooling modules: MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d
// and AdaptiveMaxPool1d/2d/3d, as in torch.nn.
//
// Spatial arguments hold one value for every spatial dim ({3}) or one per dim ({3, 2}); they are
// kept as given (a one-value argument prints as an int, like PyTorch's repr of an int argument).
// Inputs are float32, batched (N, C, *spatial) or unbatched (C, *spatial). For MaxPool, AvgPool and
// AdaptiveAvgPool a quantized input runs the quantized op (PyTorch's dispatch by dtype; the output
// keeps the input's qparams), so they work unchanged after eager-mode convert(); forward_with_indices
// and AdaptiveMaxPool have no quantized op and reject quantized input.
//   nn::MaxPool2d({3}, {.stride = {2}, .padding = {1}})   nn::AvgPool2d({2})   nn::AdaptiveAvgPool2d({1, 1})
//
// PyTorch's return_indices flag is not an option: forward() returns the values (for Sequential),
// and forward_with_indices() returns {values, int64 indices} where PyTorch's module would return
// the pair.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "octet/nn/cloneable.h"

namespace octet::nn {

// The keyword arguments of torch.nn.MaxPool1d/2d/3d (return_indices aside). An empty stride is
// PyTorch's None: stride = kernel_size.
struct MaxPoolOptions {
  Shape stride = {};
  Shape padding = {0};
  Shape dilation = {1};
  bool ceil_mode = false;
};

// The keyword arguments of torch.nn.AvgPool1d/2d/3d (divisor_override is accepted by all three).
struct AvgPoolOptions {
  Shape stride = {};
  Shape padding = {0};
  bool ceil_mode = false;
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override = std::nullopt;
};

namespace detail {

// The state of a MaxPoolNd module; an Error for arguments with other than 1 or N values.
class MaxPoolBase : public Module {
 public:
  // "kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False".
  std::string extra_repr() const override;
  const Shape& kernel_size() const { return kernel_size_; }
  const Shape& stride() const { return stride_; }  // kernel_size when not given
  const Shape& padding() const { return padding_; }
  const Shape& dilation() const { return dilation_; }
  bool ceil_mode() const { return ceil_mode_; }

 protected:
  MaxPoolBase(const char* module, int64_t spatial_dims, Shape kernel_size, MaxPoolOptions options);
  MaxPoolBase(const MaxPoolBase&) = default;
  void check_input(const Tensor& input) const;
  int64_t spatial_dims_;

 private:
  Shape kernel_size_;
  Shape stride_;
  Shape padding_;
  Shape dilation_;
  bool ceil_mode_;
};

// The state of an AvgPoolNd module.
class AvgPoolBase : public Module {
 public:
  // "kernel_size=2, stride=2, padding=0" (AvgPool1d prints tuples: "kernel_size=(3,), ...").
  std::string extra_repr() const override;
  const Shape& kernel_size() const { return kernel_size_; }
  const Shape& stride() const { return stride_; }
  const Shape& padding() const { return padding_; }
  bool ceil_mode() const { return ceil_mode_; }
  bool count_include_pad() const { return count_include_pad_; }
  const std::optional<int64_t>& divisor_override() const { return divisor_override_; }

 protected:
  AvgPoolBase(const char* module, int64_t spatial_dims, Shape kernel_size, AvgPoolOptions options);
  AvgPoolBase(const AvgPoolBase&) = default;
  void check_input(const Tensor& input) const;
  int64_t spatial_dims_;

 private:
  Shape kernel_size_;
  Shape stride_;
  Shape padding_;
  bool ceil_mode_;
  bool count_include_pad_;
  std::optional<int64_t> divisor_override_;
};

// The state of an adaptive pooling module: output_size, one value or one per spatial dim, each > 0.
class AdaptivePoolBase : public Module {
 public:
  // "output_size=(1, 1)".
  std::string extra_repr() const override;
  const Shape& output_size() const { return output_size_; }

 protected:
  AdaptivePoolBase(const char* module, int64_t spatial_dims, Shape output_size);
  AdaptivePoolBase(const AdaptivePoolBase&) = default;
  void check_input(const Tensor& input) const;
  int64_t spatial_dims_;

 private:
  Shape output_size_;
};

}  // namespace detail

// torch.nn.MaxPool1d through F::max_pool1d.
class MaxPool1d : public Cloneable<MaxPool1d, detail::MaxPoolBase> {
 public:
  explicit MaxPool1d(Shape kernel_size, MaxPoolOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
};

// torch.nn.MaxPool2d through F::max_pool2d.
class MaxPool2d : public Cloneable<MaxPool2d, detail::MaxPoolBase> {
 public:
  explicit MaxPool2d(Shape kernel_size, MaxPoolOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
};

// torch.nn.MaxPool3d through F::max_pool3d.
class MaxPool3d : public Cloneable<MaxPool3d, detail::MaxPoolBase> {
 public:
  explicit MaxPool3d(Shape kernel_size, MaxPoolOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
};

// torch.nn.AvgPool1d through F::avg_pool1d.
class AvgPool1d : public Cloneable<AvgPool1d, detail::AvgPoolBase> {
 public:
  explicit AvgPool1d(Shape kernel_size, AvgPoolOptions options = {});
  Tensor forward(const Tensor& input) override;
};

// torch.nn.AvgPool2d through F::avg_pool2d.
class AvgPool2d : public Cloneable<AvgPool2d, detail::AvgPoolBase> {
 public:
  explicit AvgPool2d(Shape kernel_size, AvgPoolOptions options = {});
  Tensor forward(const Tensor& input) override;
};

// torch.nn.AvgPool3d through F::avg_pool3d.
class AvgPool3d : public Cloneable<AvgPool3d, detail::AvgPoolBase> {
 public:
  explicit AvgPool3d(Shape kernel_size, AvgPoolOptions options = {});
  Tensor forward(const Tensor& input) override;
};

// torch.nn.AdaptiveAvgPool1d through F::adaptive_avg_pool1d.
class AdaptiveAvgPool1d : public Cloneable<AdaptiveAvgPool1d, detail::AdaptivePoolBase> {
 public:
  explicit AdaptiveAvgPool1d(Shape output_size);
  Tensor forward(const Tensor& input) override;
};

// torch.nn.AdaptiveAvgPool2d through F::adaptive_avg_pool2d.
class AdaptiveAvgPool2d : public Cloneable<AdaptiveAvgPool2d, detail::AdaptivePoolBase> {
 public:
  explicit AdaptiveAvgPool2d(Shape output_size);
  Tensor forward(const Tensor& input) override;
};

// torch.nn.AdaptiveAvgPool3d through F::adaptive_avg_pool3d.
class AdaptiveAvgPool3d : public Cloneable<AdaptiveAvgPool3d, detail::AdaptivePoolBase> {
 public:
  explicit AdaptiveAvgPool3d(Shape output_size);
  Tensor forward(const Tensor& input) override;
};

// torch.nn.AdaptiveMaxPool1d through F::adaptive_max_pool1d.
class AdaptiveMaxPool1d : public Cloneable<AdaptiveMaxPool1d, detail::AdaptivePoolBase> {
 public:
  explicit AdaptiveMaxPool1d(Shape output_size);
  Tensor forward(const Tensor& input) override;
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
};

// torch.nn.AdaptiveMaxPool2d through F::adaptive_max_pool2d.
class AdaptiveMaxPool2d : public Cloneable<AdaptiveMaxPool2d, detail::AdaptivePoolBase> {
 public:
  explicit AdaptiveMaxPool2d(Shape output_size);
  Tensor forward(const Tensor& input) override;
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
};

// torch.nn.AdaptiveMaxPool3d through F::adaptive_max_pool3d: (N, C, D, H, W) or (C, D, H, W).
class AdaptiveMaxPool3d : public Cloneable<AdaptiveMaxPool3d, detail::AdaptivePoolBase> {
 public:
  explicit AdaptiveMaxPool3d(Shape output_size);
  Tensor forward(const Tensor& input) override;
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
};

}  // namespace octet::nn
