// conv.h: nn::quantized::Conv1d/2d/3d and ConvTranspose1d/2d/3d, torch.ao.nn.quantized's static int8 convolutions on prepacked weights.
//
//   auto qc = nn::quantized::Conv2d::from_float(float_conv, {.output_observer = &observer});
//   Tensor y = qc->forward(xq);   // octet::quantized::conv2d(xq, packed, scale, zero_point)
//
// Like the float modules, they take (N, C_in, *spatial) or unbatched (C_in, *spatial) inputs and
// compute with Octet's integer contract (octet/quantized/conv.h): int32 bias with scale
// input_scale * weight_scale[c], one float32 requantization multiply, every ISA the same bits.
// Outputs are channels-last in memory (a permuted view), so chains of quantized layers never
// transpose.
//
// Padding. padding_mode "zeros" pads with the input's zero point inside the kernel; "reflect",
// "replicate" and "circular" pad the quantized input first (exact: the stored integers are moved,
// never re-rounded) and convolve without padding, as PyTorch does for "reflect" (PyTorch's
// quantized convolutions accept only "zeros" and "reflect"). padding_str "same" with an odd total
// padding pads the extra element on the right, like the float modules.
//
// Weights. Convolution weights are qint8 per tensor or per channel along axis 0 (C_out); transposed
// weights (C_in, C_out / groups, *kernel) per tensor or per channel along axis 1, so output channel o
// uses scale[o % (C_out / groups)]. PyTorch's x86 engine rejects per-channel transposed weights;
// Octet supports them.
//
// State dict (PyTorch's keys): "weight" (the qint8 weight with its qparams, never the packed
// layout), "bias" (float32 [C_out], absent without a bias), "scale" and "zero_point" (the output
// qparams, float64 and int64, 0-d). load_state_dict repacks for this CPU.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "octet/nn/cloneable.h"
#include "octet/nn/conv.h"
#include "octet/nn/quantized/from_float.h"
#include "octet/nn/quantized/output_qparams.h"
#include "octet/quantized/conv.h"

namespace octet::nn::intrinsic {
class ConvBn1d;
class ConvBn2d;
class ConvBn3d;
}  // namespace octet::nn::intrinsic

namespace octet::nn::quantized {

namespace detail {

// torch.ao.nn.quantized's _ConvNd: hyper-parameters, the packed weight, the output qparams, input
// checks, padding, printing and the state dict shared by the six modules.
class QConvNd : public OutputQParams<Module> {
 public:
  // PyTorch's repr: "3, 4, kernel_size=(3, 3), stride=(1, 1), scale=1.0, zero_point=0" then
  // ", padding=(1, 1)", ", dilation=...", ", output_padding=...", ", groups=...", ", bias=False" when
  // they differ from the defaults (padding_mode is not printed, as in PyTorch).
  std::string extra_repr() const override;

  // The unpacked weight (qint8 with its qparams) and float bias (undefined without one): new tensors.
  Tensor weight() const;
  Tensor bias() const;
  // Packs a new weight (qint8, the module's weight shape, per tensor or per channel along the
  // output-channel axis) and bias (float [C_out], or undefined when the module has none).
  void set_weight_bias(const Tensor& w, const Tensor& b);
  const octet::quantized::ConvPackedParamsPtr& packed_params() const { return packed_; }

  int64_t in_channels() const { return in_channels_; }
  int64_t out_channels() const { return out_channels_; }
  const Shape& kernel_size() const { return kernel_size_; }
  const Shape& stride() const { return stride_; }
  const Shape& padding() const { return padding_; }
  const Shape& dilation() const { return dilation_; }
  const Shape& output_padding() const { return output_padding_; }
  int64_t groups() const { return groups_; }
  const std::string& padding_mode() const { return padding_mode_; }
  bool transposed() const { return transposed_; }
  // The weight's shape: (C_out, C_in / groups, *kernel), or (C_in, C_out / groups, *kernel) transposed.
  Shape weight_shape() const;

 protected:
  // Validates like PyTorch's _ConvNd (and the float modules: channels divisible by groups, sizes
  // > 0, a known padding mode, "same" only without stride) and packs a zero weight (scale 1,
  // zero point 0) with a zero bias.
  QConvNd(const char* module, int spatial_dims, bool transposed, int64_t in_channels, int64_t out_channels,
          const Shape& kernel_size, const Shape& stride, const Shape& padding, const std::string& padding_str,
          const Shape& dilation, const Shape& output_padding, int64_t groups, bool bias,
          const std::string& padding_mode);
  QConvNd(const QConvNd&) = default;

  // The input checked (quantized, rank, channels; errors name the module) and padded when the
  // padding is not done inside the kernel (non-zeros modes, asymmetric "same").
  Tensor prepare_input(const Tensor& input) const;
  // Fills this module from a float convolution of the same geometry: the weight quantized through
  // args.weight_observer (or `fallback_observer`), the float bias, the output qparams.
  void quantize_from(const nn::detail::ConvNd& mod, const FromFloatArgs& args,
                     const quantization::ActivationPostProcessFactory& fallback_observer);

  void save_to_state_dict(StateDict& destination, const std::string& prefix) const override;
  void load_from_state_dict(StateDictLoad& load, const std::string& prefix) override;

  int spatial_dims_;

 private:
  octet::quantized::ConvPackedParamsPtr prepack(const Tensor& w, const Tensor& b) const;

  bool transposed_;
  int64_t in_channels_;
  int64_t out_channels_;
  Shape kernel_size_;
  Shape stride_;
  Shape padding_;
  Shape dilation_;
  Shape output_padding_;
  int64_t groups_;
  bool has_bias_;
  std::string padding_mode_;
  Shape pre_pad_;        // F::pad order (last dim first); empty when the kernel pads
  octet::quantized::ConvPackedParamsPtr packed_;
};

}  // namespace detail

// torch.ao.nn.quantized.Conv1d: (N, C_in, L) or (C_in, L) through octet::quantized::conv1d.
class Conv1d : public Cloneable<Conv1d, detail::QConvNd> {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size, nn::ConvOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedConv1d"; }
  // Weight observer default: per-channel symmetric qint8 (PyTorch's x86 default).
  static std::shared_ptr<Conv1d> from_float(const nn::Conv1d& mod, const FromFloatArgs& args);
  // An eval-mode Conv1d + BatchNorm1d pair, the BatchNorm folded first (nn::utils::fuse_conv_bn_eval).
  static std::shared_ptr<Conv1d> from_float(const nn::intrinsic::ConvBn1d& mod, const FromFloatArgs& args);
};

// torch.ao.nn.quantized.Conv2d: (N, C_in, H, W) or (C_in, H, W) through octet::quantized::conv2d.
class Conv2d : public Cloneable<Conv2d, detail::QConvNd> {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size, nn::ConvOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedConv2d"; }
  static std::shared_ptr<Conv2d> from_float(const nn::Conv2d& mod, const FromFloatArgs& args);
  static std::shared_ptr<Conv2d> from_float(const nn::intrinsic::ConvBn2d& mod, const FromFloatArgs& args);
};

// torch.ao.nn.quantized.Conv3d: (N, C_in, D, H, W) or (C_in, D, H, W) through octet::quantized::conv3d.
class Conv3d : public Cloneable<Conv3d, detail::QConvNd> {
 public:
  Conv3d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size, nn::ConvOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedConv3d"; }
  static std::shared_ptr<Conv3d> from_float(const nn::Conv3d& mod, const FromFloatArgs& args);
  static std::shared_ptr<Conv3d> from_float(const nn::intrinsic::ConvBn3d& mod, const FromFloatArgs& args);
};

// torch.ao.nn.quantized.ConvTranspose1d through octet::quantized::conv_transpose1d. The weight
// observer default is per-tensor symmetric qint8 (PyTorch's x86 qconfig mapping for transposed
// convolutions); a per-channel observer gives per-output-channel scales (axis 1).
class ConvTranspose1d : public Cloneable<ConvTranspose1d, detail::QConvNd> {
 public:
  ConvTranspose1d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size,
                  nn::ConvTransposeOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedConvTranspose1d"; }
  static std::shared_ptr<ConvTranspose1d> from_float(const nn::ConvTranspose1d& mod, const FromFloatArgs& args);
};

// torch.ao.nn.quantized.ConvTranspose2d through octet::quantized::conv_transpose2d.
class ConvTranspose2d : public Cloneable<ConvTranspose2d, detail::QConvNd> {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size,
                  nn::ConvTransposeOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedConvTranspose2d"; }
  static std::shared_ptr<ConvTranspose2d> from_float(const nn::ConvTranspose2d& mod, const FromFloatArgs& args);
};

// torch.ao.nn.quantized.ConvTranspose3d through octet::quantized::conv_transpose3d.
class ConvTranspose3d : public Cloneable<ConvTranspose3d, detail::QConvNd> {
 public:
  ConvTranspose3d(int64_t in_channels, int64_t out_channels, const Shape& kernel_size,
                  nn::ConvTransposeOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "QuantizedConvTranspose3d"; }
  static std::shared_ptr<ConvTranspose3d> from_float(const nn::ConvTranspose3d& mod, const FromFloatArgs& args);
};

}  // namespace octet::nn::quantized
