// quantizable_mobilenet_v2.h: MobileNetV2 written for eager-mode static quantization, exactly as
// torchvision.models.quantization.mobilenet_v2 builds it (QuantizableMobileNetV2 with
// QuantizableInvertedResidual blocks, after _replace_relu), so torchvision's state_dict loads by name.
//
// It is mobilenet_v2.h's network with the changes torchvision makes for quantization:
//
//   quant      QuantStub at the input, dequant DeQuantStub at the output (registered after the
//              classifier, as torchvision adds them after building the float network);
//   skip_add   each block's residual sum goes through a FloatFunctional "skip_add" (registered after
//              "conv"), so it becomes an int8 add;
//   ReLU       every ReLU6 is a ReLU, as torchvision's _replace_relu makes it: conv + bn + relu then
//              fuses into one int8 ConvReLU2d (ReLU6 has no fused int8 form), and the weights
//              trained with ReLU6 are used as they are (the torchvision recipe quantizes after QAT).
//
// Module tree and state dict keys are mobilenet_v2.h's ("features.2.conv.0.0.weight",
// "features.2.conv.2.weight", "classifier.1.bias"); FloatFunctional and the stubs hold no tensors.
// fusion_groups() lists, as dotted names from the model, the runs torchvision's
// fuse_model(is_qat=False) fuses, in its (module pre-) order:
//
//   features.0.0 .1 .2                           (the stem conv-bn-relu)
//   features.K.conv.P .P+1                       (each block's 1x1 projection conv + bn)
//   features.K.conv.0.0 .1 .2 [, conv.1.0 .1 .2] (each block's expand / depthwise conv-bn-relu)
//   features.18.0 .1 .2                          (the last 1x1 conv-bn-relu)
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/mobilenet_v2.h"
#include "models/quantizable_resnet.h"  // fuse_model_groups
#include "octet/error.h"
#include "octet/functional.h"
#include "octet/nn/activation.h"
#include "octet/nn/batchnorm.h"
#include "octet/nn/container.h"
#include "octet/nn/conv.h"
#include "octet/nn/dropout.h"
#include "octet/nn/init.h"
#include "octet/nn/linear.h"
#include "octet/nn/quantized/functional_modules.h"
#include "octet/quantization/stubs.h"

namespace octet::models {

// torchvision.ops.Conv2dNormActivation after _replace_relu: Sequential("0" Conv2d (bias-free, padded
// to keep the size at stride 1), "1" BatchNorm2d, "2" ReLU). Being a Sequential, its children are
// swapped in place by fusion and convert().
class QuantizableConv2dNormActivation : public nn::Cloneable<QuantizableConv2dNormActivation, nn::Sequential> {
 public:
  QuantizableConv2dNormActivation(int64_t in_planes, int64_t out_planes, int64_t kernel_size = 3, int64_t stride = 1,
                                  int64_t groups = 1) {
    push_back(std::make_shared<nn::Conv2d>(in_planes, out_planes, Shape{kernel_size},
                                           nn::ConvOptions{.stride = {stride},
                                                           .padding = {(kernel_size - 1) / 2},
                                                           .groups = groups,
                                                           .bias = false}));
    push_back(std::make_shared<nn::BatchNorm2d>(out_planes));
    push_back(std::make_shared<nn::ReLU>());
  }

  // Conv2dNormActivation's run in QuantizableMobileNetV2.fuse_model.
  static std::vector<std::vector<std::string>> fusion_groups() { return {{"0", "1", "2"}}; }
};

// torchvision.models.quantization.mobilenetv2.QuantizableInvertedResidual: expand (1x1) -> depthwise
// (3x3) -> project (1x1, linear), with skip_add.add(x, conv(x)) when the shape is kept.
class QuantizableInvertedResidual : public nn::Cloneable<QuantizableInvertedResidual> {
 public:
  QuantizableInvertedResidual(int64_t inp, int64_t oup, int64_t stride, int64_t expand_ratio)
      : use_res_connect_(stride == 1 && inp == oup), out_channels_(oup) {
    OCTET_CHECK(stride == 1 || stride == 2, "QuantizableInvertedResidual", "expected stride 1 or 2, got ", stride);
    const int64_t hidden_dim = inp * expand_ratio;
    auto layers = std::make_shared<nn::Sequential>();
    if (expand_ratio != 1) {
      layers->push_back(std::make_shared<QuantizableConv2dNormActivation>(inp, hidden_dim, /*kernel_size=*/1));
    }
    layers->push_back(std::make_shared<QuantizableConv2dNormActivation>(hidden_dim, hidden_dim, /*kernel_size=*/3,
                                                                        stride, /*groups=*/hidden_dim));
    layers->push_back(std::make_shared<nn::Conv2d>(hidden_dim, oup, Shape{1}, nn::ConvOptions{.bias = false}));
    layers->push_back(std::make_shared<nn::BatchNorm2d>(oup));
    register_module("conv", &QuantizableInvertedResidual::conv, layers);
    register_module("skip_add", &QuantizableInvertedResidual::skip_add,
                    std::make_shared<nn::quantized::FloatFunctional>());
  }

  Tensor forward(const Tensor& x) override {
    return use_res_connect_ ? skip_add->add(x, conv->forward(x)) : conv->forward(x);
  }

  // The block's own run, names relative to the block (QuantizableInvertedResidual.fuse_model: every
  // plain Conv2d of `conv` with the BatchNorm after it, i.e. the projection). The conv-bn-relu runs
  // inside it belong to its QuantizableConv2dNormActivation children.
  std::vector<std::vector<std::string>> fusion_groups() const {
    const auto project = static_cast<int64_t>(conv->size()) - 2;  // "conv" ends with Conv2d, BatchNorm2d
    std::string conv_name = "conv.", bn_name = "conv.";
    conv_name.append(std::to_string(project));
    bn_name.append(std::to_string(project + 1));
    return {{conv_name, bn_name}};
  }

  bool use_res_connect() const { return use_res_connect_; }
  int64_t out_channels() const { return out_channels_; }

  std::shared_ptr<nn::Sequential> conv;                      // its children are swapped in place
  std::shared_ptr<nn::quantized::FloatFunctional> skip_add;  // a QFunctional after convert()

 private:
  bool use_res_connect_;
  int64_t out_channels_;
};

// torchvision.models.quantization.mobilenetv2.QuantizableMobileNetV2 (options as mobilenet_v2.h's).
class QuantizableMobileNetV2 : public nn::Cloneable<QuantizableMobileNetV2> {
 public:
  explicit QuantizableMobileNetV2(MobileNetV2Options options = {}) : options_(options) {
    OCTET_CHECK(options.width_mult > 0 && options.num_classes > 0 && options.round_nearest > 0,
                "QuantizableMobileNetV2",
                "expected positive width_mult, num_classes and round_nearest, got width_mult=", options.width_mult,
                " num_classes=", options.num_classes, " round_nearest=", options.round_nearest);
    // t (expansion), c (channels), n (repeats), s (stride of the first repeat).
    static constexpr std::array<std::array<int64_t, 4>, 7> kSetting{{
        {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1},
    }};
    int64_t input_channel = make_divisible(32 * options.width_mult, options.round_nearest);
    last_channel_ = make_divisible(1280 * std::max(1.0, options.width_mult), options.round_nearest);

    auto feats = std::make_shared<nn::Sequential>();
    feats->push_back(
        std::make_shared<QuantizableConv2dNormActivation>(3, input_channel, /*kernel_size=*/3, /*stride=*/2));
    for (const auto& [t, c, n, s] : kSetting) {
      const int64_t output_channel = make_divisible(static_cast<double>(c) * options.width_mult, options.round_nearest);
      for (int64_t i = 0; i < n; ++i) {
        feats->push_back(std::make_shared<QuantizableInvertedResidual>(input_channel, output_channel, i == 0 ? s : 1, t));
        input_channel = output_channel;
      }
    }
    feats->push_back(std::make_shared<QuantizableConv2dNormActivation>(input_channel, last_channel_, /*kernel_size=*/1));
    register_module("features", &QuantizableMobileNetV2::features, feats);
    register_module("classifier", &QuantizableMobileNetV2::classifier,
                    std::make_shared<nn::Sequential>(std::make_shared<nn::Dropout>(options.dropout),
                                                     std::make_shared<nn::Linear>(last_channel_, options.num_classes)));
    register_module("quant", &QuantizableMobileNetV2::quant, std::make_shared<quantization::QuantStub>());
    register_module("dequant", &QuantizableMobileNetV2::dequant, std::make_shared<quantization::DeQuantStub>());

    // torchvision's initialisation (mobilenet_v2.h).
    init_mobilenet_v2_weights(*this);
  }

  // x: (N, 3, H, W) float32 -> logits (N, num_classes), float32 also after convert(). The pooling
  // and flatten are functional calls (torchvision's _forward_impl); on a quantized tensor they run
  // the quantized op.
  Tensor forward(const Tensor& x) override {
    const Tensor y = features->forward(quant->forward(x));
    const Tensor pooled = F::adaptive_avg_pool2d(y, {1, 1});
    return dequant->forward(classifier->forward(pooled.flatten(1)));
  }

  // Every fusion run of the model as dotted names from the root, in torchvision's fuse_model order
  // (a pre-order walk of the modules).
  std::vector<std::vector<std::string>> fusion_groups() const {
    std::vector<std::vector<std::string>> groups;
    for (const auto& [name, m] : named_modules()) {
      std::vector<std::vector<std::string>> local;
      if (std::dynamic_pointer_cast<QuantizableConv2dNormActivation>(m)) {
        local = QuantizableConv2dNormActivation::fusion_groups();
      } else if (const auto block = std::dynamic_pointer_cast<QuantizableInvertedResidual>(m)) {
        local = block->fusion_groups();
      }
      std::string prefix = name;
      prefix.append(".");
      for (std::vector<std::string>& group : local) {
        for (std::string& member : group) member.insert(0, prefix);
        groups.push_back(std::move(group));
      }
    }
    return groups;
  }

  // torchvision's fuse_model(is_qat): fuse_modules (eval; BatchNorm folded) or fuse_modules_qat.
  void fuse_model(std::optional<bool> is_qat = std::nullopt) { fuse_model_groups(*this, fusion_groups(), is_qat); }

  const MobileNetV2Options& options() const { return options_; }
  int64_t last_channel() const { return last_channel_; }

  std::shared_ptr<nn::Sequential> features;    // its children's children are swapped in place
  std::shared_ptr<nn::Sequential> classifier;  // "1" becomes a quantized Linear
  nn::ModulePtr quant, dequant;

 private:
  MobileNetV2Options options_;
  int64_t last_channel_ = 0;
};

// torchvision.models.quantization.mobilenet_v2(quantize=False, width_mult=..., num_classes=...).
inline std::shared_ptr<QuantizableMobileNetV2> quantizable_mobilenet_v2(MobileNetV2Options options = {}) {
  return std::make_shared<QuantizableMobileNetV2>(options);
}

}  // namespace octet::models
