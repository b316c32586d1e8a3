// conv.h: octet::nn::Conv1d/2d/3d and ConvTranspose1d/2d/3d, torch.nn's convolution modules.
#pragma once

#include <cstdint>
#include <string>

#include "octet/generator.h"
#include "octet/nn/cloneable.h"

namespace octet::nn {

// The keyword arguments of torch.nn.Conv1d/2d/3d. Spatial arguments hold one value for every
// spatial dim ({3}) or one per dim ({3, 1}). padding_str is PyTorch's string padding: "" (use
// `padding`), "valid" (none) or "same" (output size == input size; stride 1 only).
// padding_mode other than "zeros" ("reflect", "replicate", "circular") pads the input with F::pad
// first and then convolves without padding, like PyTorch.
//   nn::Conv2d(3, 64, {7}, {.stride = {2}, .padding = {3}, .bias = false})
//   nn::Conv2d(32, 32, {3}, {.padding = {1}, .groups = 32})    nn::Conv2d(8, 8, {3}, {.padding_str = "same"})
struct ConvOptions {
  Shape stride = {1};
  Shape padding = {0};
  std::string padding_str = "";
  Shape dilation = {1};
  int64_t groups = 1;
  bool bias = true;
  std::string padding_mode = "zeros";
};

// The keyword arguments of torch.nn.ConvTranspose1d/2d/3d, in PyTorch's order. padding_mode must be
// "zeros" (PyTorch accepts no other for transposed convolutions).
//   nn::ConvTranspose2d(16, 8, {4}, {.stride = {2}, .padding = {1}, .output_padding = {0}})
struct ConvTransposeOptions {
  Shape stride = {1};
  Shape padding = {0};
  Shape output_padding = {0};
  int64_t groups = 1;
  bool bias = true;
  Shape dilation = {1};
  std::string padding_mode = "zeros";
};

namespace detail {

// torch.nn.modules.conv._ConvNd: the hyper-parameters, parameters, initialisation, input checks and
// printing shared by the six convolution modules. Parameters: "weight", shaped
// (out_channels, in_channels / groups, *kernel_size) for convolutions and
// (in_channels, out_channels / groups, *kernel_size) for transposed ones, and "bias" (out_channels;
// a None slot without bias); initialised like PyTorch: weight kaiming_uniform_(a = sqrt(5)), bias
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = weight.size(1) * prod(kernel_size).
class ConvNd : public Module {
 public:
  // "3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False", like PyTorch.
  std::string extra_repr() const override;
  // Draws the initial values again from `generator` (default_generator() when null).
  void reset_parameters(Generator* generator = nullptr);

  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  // Spatial arguments, expanded to one value per spatial dim (PyTorch's _pair etc.).
  const Shape& kernel_size() const { return kernel_size_; }
  const Shape& stride() const { return stride_; }
  const Shape& padding() const { return padding_; }  // zeros when padding_str is "same"/"valid"
  const std::string& padding_str() const { return padding_str_; }
  const Shape& dilation() const { return dilation_; }
  const Shape& output_padding() const { return output_padding_; }
  int64_t groups() const { return groups_; }
  const std::string& padding_mode() const { return padding_mode_; }
  bool transposed() const { return transposed_; }

  Tensor weight;
  Tensor bias;

 protected:
  // Validates like PyTorch's _ConvNd (groups > 0 dividing both channel counts; padding_str "",
  // "same" or "valid"; "same" only with stride 1; a known padding_mode; spatial arguments with 1
  // or `spatial_dims` values, kernel/stride/dilation > 0, padding/output_padding >= 0), registers
  // the parameters and initialises them.
  ConvNd(const char* module, std::size_t spatial_dims, bool transposed, int64_t in_channels, int64_t out_channels,
         const Shape& kernel_size, const Shape& stride, const Shape& padding, std::string padding_str,
         const Shape& dilation, const Shape& output_padding, int64_t groups, bool bias, std::string padding_mode);
  ConvNd(const ConvNd&) = default;

  // An Error naming the module unless the input is float32, batched (N, C_in, *spatial) or
  // unbatched (C_in, *spatial), with in_channels channels.
  void check_input(const Tensor& input) const;
  // For padding_mode != "zeros": the input padded with F::pad in that mode (PyTorch's
  // _reversed_padding_repeated_twice, which also covers "same").
  Tensor pad_input(const Tensor& input) const;
  // The output_padding that makes a transposed convolution produce `output_size` (the spatial
  // sizes, optionally preceded by the batch and channel dims), as PyTorch's _output_padding.
  Shape output_padding_for(const Tensor& input, const Shape& output_size) const;

  std::size_t spatial_dims_;

 private:
  bool transposed_;
  int64_t in_channels_;
  int64_t out_channels_;
  Shape kernel_size_;
  Shape stride_;
  Shape padding_;
  std::string padding_str_;
  Shape dilation_;
  Shape output_padding_;
  int64_t groups_;
  std::string padding_mode_;
  Shape reversed_padding_repeated_twice_;
};

}  // namespace detail

// torch.nn.Conv1d: (N, C_in, L) or (C_in, L) -> (N, C_out, L_out) through F::conv1d.
class Conv1d : public Cloneable<Conv1d, detail::ConvNd> {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size, ConvOptions options = {});
  Tensor forward(const Tensor& input) override;
};

// torch.nn.Conv2d: (N, C_in, H, W) or (C_in, H, W) through F::conv2d.
class Conv2d : public Cloneable<Conv2d, detail::ConvNd> {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size, ConvOptions options = {});
  Tensor forward(const Tensor& input) override;
};

// torch.nn.Conv3d: (N, C_in, D, H, W) or (C_in, D, H, W) through F::conv3d.
class Conv3d : public Cloneable<Conv3d, detail::ConvNd> {
 public:
  Conv3d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size, ConvOptions options = {});
  Tensor forward(const Tensor& input) override;
};

// torch.nn.ConvTranspose1d through F::conv_transpose1d. forward(input, output_size) picks the
// output_padding that gives that output size (an Error when no valid output_padding does).
class ConvTranspose1d : public Cloneable<ConvTranspose1d, detail::ConvNd> {
 public:
  ConvTranspose1d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size,
                  ConvTransposeOptions options = {});
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input, const Shape& output_size);
};

// torch.nn.ConvTranspose2d through F::conv_transpose2d.
class ConvTranspose2d : public Cloneable<ConvTranspose2d, detail::ConvNd> {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size,
                  ConvTransposeOptions options = {});
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input, const Shape& output_size);
};

// torch.nn.ConvTranspose3d through F::conv_transpose3d.
class ConvTranspose3d : public Cloneable<ConvTranspose3d, detail::ConvNd> {
 public:
  ConvTranspose3d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size,
                  ConvTransposeOptions options = {});
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input, const Shape& output_size);
};

}  // namespace octet::nn
