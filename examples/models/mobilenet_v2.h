// mobilenet_v2.h: MobileNetV2 built from octet::nn, exactly as torchvision.models.mobilenet_v2
// defines it, so torchvision's state_dict loads by name.
//
// Module tree and names (torchvision's):
//
//   features: Sequential
//     "0"        Conv2dNormActivation(3 -> c0, 3x3/2)            = Sequential(Conv2d, BatchNorm2d, ReLU6)
//     "1".."17"  InvertedResidual blocks, each holding conv = Sequential(
//                  [Conv2dNormActivation 1x1 expand],             (only when expand_ratio != 1)
//                  Conv2dNormActivation 3x3 depthwise (groups = hidden, stride),
//                  Conv2d 1x1 project (no bias), BatchNorm2d)
//                out = x + conv(x) when stride 1 and in == out channels, else conv(x)
//     "18"       Conv2dNormActivation(c -> last_channel, 1x1)
//   (adaptive average pool to 1x1 and flatten: functional calls in forward, no module)
//   classifier: Sequential("0" Dropout(p), "1" Linear(last_channel -> num_classes))
//
// so keys read "features.2.conv.0.0.weight", "features.2.conv.2.weight", "classifier.1.bias".
// Channel counts are scaled by width_mult and rounded to multiples of round_nearest
// (make_divisible); last_channel is 1280 * max(1, width_mult), rounded likewise. Initialisation
// is torchvision's: Conv2d kaiming_normal_(mode="fan_out"), biases 0, BatchNorm 1/0, Linear
// N(0, 0.01).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>

#include "octet/error.h"
#include "octet/functional.h"
#include "octet/nn/activation.h"
#include "octet/nn/batchnorm.h"
#include "octet/nn/container.h"
#include "octet/nn/conv.h"
#include "octet/nn/dropout.h"
#include "octet/nn/init.h"
#include "octet/nn/linear.h"

namespace octet::models {

// torchvision's _make_divisible: v rounded to the nearest multiple of divisor (at least divisor),
// rounded up once more if that lost over 10% of v.
inline int64_t make_divisible(double v, int64_t divisor) {
  int64_t new_v = std::max(divisor, static_cast<int64_t>(v + static_cast<double>(divisor) / 2) / divisor * divisor);
  if (static_cast<double>(new_v) < 0.9 * v) new_v += divisor;
  return new_v;
}

// torchvision's MobileNetV2 initialisation: Kaiming-normal convolutions (fan_out), BatchNorm weight 1
// and bias 0, Linear N(0, 0.01) with zero bias, drawn in module order (shared with
// quantizable_mobilenet_v2.h).
inline void init_mobilenet_v2_weights(nn::Module& model) {
  for (const auto& [name, m] : model.named_modules()) {
    if (auto conv2d = std::dynamic_pointer_cast<nn::Conv2d>(m)) {
      nn::init::kaiming_normal_(conv2d->weight, /*a=*/0.0, "fan_out");
      if (conv2d->bias.defined()) nn::init::zeros_(conv2d->bias);
    } else if (auto bn = std::dynamic_pointer_cast<nn::BatchNorm2d>(m)) {
      nn::init::ones_(bn->weight);
      nn::init::zeros_(bn->bias);
    } else if (auto linear = std::dynamic_pointer_cast<nn::Linear>(m)) {
      nn::init::normal_(linear->weight, /*mean=*/0.0, /*std=*/0.01);
      nn::init::zeros_(linear->bias);
    }
  }
}

// torchvision.ops.Conv2dNormActivation with BatchNorm2d and ReLU6 (older torchvision called it
// ConvBNReLU): a bias-free convolution padded to keep the size at stride 1, then BN, then ReLU6.
class Conv2dNormActivation : public nn::Cloneable<Conv2dNormActivation, nn::Sequential> {
 public:
  Conv2dNormActivation(int64_t in_planes, int64_t out_planes, int64_t kernel_size = 3, int64_t stride = 1,
                       int64_t groups = 1) {
    push_back(std::make_shared<nn::Conv2d>(in_planes, out_planes, Shape{kernel_size},
                                           nn::ConvOptions{.stride = {stride},
                                                           .padding = {(kernel_size - 1) / 2},
                                                           .groups = groups,
                                                           .bias = false}));
    push_back(std::make_shared<nn::BatchNorm2d>(out_planes));
    push_back(std::make_shared<nn::ReLU6>());
  }
};

// torchvision.models.mobilenetv2.InvertedResidual: expand (1x1) -> depthwise (3x3) -> project
// (1x1, linear), with a residual connection when the shape is kept.
class InvertedResidual : public nn::Cloneable<InvertedResidual> {
 public:
  InvertedResidual(int64_t inp, int64_t oup, int64_t stride, int64_t expand_ratio)
      : use_res_connect_(stride == 1 && inp == oup), out_channels_(oup) {
    OCTET_CHECK(stride == 1 || stride == 2, "InvertedResidual", "expected stride 1 or 2, got ", stride);
    const int64_t hidden_dim = inp * expand_ratio;
    auto layers = std::make_shared<nn::Sequential>();
    if (expand_ratio != 1) layers->push_back(std::make_shared<Conv2dNormActivation>(inp, hidden_dim, /*kernel_size=*/1));
    layers->push_back(std::make_shared<Conv2dNormActivation>(hidden_dim, hidden_dim, /*kernel_size=*/3, stride,
                                                             /*groups=*/hidden_dim));
    layers->push_back(std::make_shared<nn::Conv2d>(hidden_dim, oup, Shape{1}, nn::ConvOptions{.bias = false}));
    layers->push_back(std::make_shared<nn::BatchNorm2d>(oup));
    register_module("conv", &InvertedResidual::conv, layers);
  }

  Tensor forward(const Tensor& x) override {
    return use_res_connect_ ? F::add(x, conv->forward(x)) : conv->forward(x);
  }

  bool use_res_connect() const { return use_res_connect_; }
  int64_t out_channels() const { return out_channels_; }

  std::shared_ptr<nn::Sequential> conv;

 private:
  bool use_res_connect_;
  int64_t out_channels_;
};

// torchvision.models.MobileNetV2's keyword arguments (inverted_residual_setting, block and
// norm_layer are fixed to the defaults).
struct MobileNetV2Options {
  int64_t num_classes = 1000;
  double width_mult = 1.0;
  int64_t round_nearest = 8;
  double dropout = 0.2;
};

class MobileNetV2 : public nn::Cloneable<MobileNetV2> {
 public:
  explicit MobileNetV2(MobileNetV2Options options = {}) : options_(options) {
    OCTET_CHECK(options.width_mult > 0 && options.num_classes > 0 && options.round_nearest > 0, "MobileNetV2",
                "expected positive width_mult, num_classes and round_nearest, got width_mult=", options.width_mult,
                " num_classes=", options.num_classes, " round_nearest=", options.round_nearest);
    // t (expansion), c (channels), n (repeats), s (stride of the first repeat).
    static constexpr std::array<std::array<int64_t, 4>, 7> kSetting{{
        {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1},
    }};
    int64_t input_channel = make_divisible(32 * options.width_mult, options.round_nearest);
    last_channel_ = make_divisible(1280 * std::max(1.0, options.width_mult), options.round_nearest);

    auto feats = std::make_shared<nn::Sequential>();
    feats->push_back(std::make_shared<Conv2dNormActivation>(3, input_channel, /*kernel_size=*/3, /*stride=*/2));
    for (const auto& [t, c, n, s] : kSetting) {
      const int64_t output_channel = make_divisible(static_cast<double>(c) * options.width_mult, options.round_nearest);
      for (int64_t i = 0; i < n; ++i) {
        feats->push_back(std::make_shared<InvertedResidual>(input_channel, output_channel, i == 0 ? s : 1, t));
        input_channel = output_channel;
      }
    }
    feats->push_back(std::make_shared<Conv2dNormActivation>(input_channel, last_channel_, /*kernel_size=*/1));
    register_module("features", &MobileNetV2::features, feats);
    register_module("classifier", &MobileNetV2::classifier,
                    std::make_shared<nn::Sequential>(std::make_shared<nn::Dropout>(options.dropout),
                                                     std::make_shared<nn::Linear>(last_channel_, options.num_classes)));

    init_mobilenet_v2_weights(*this);
  }

  // x: (N, 3, H, W) float32 -> logits (N, num_classes).
  Tensor forward(const Tensor& x) override {
    const Tensor pooled = F::adaptive_avg_pool2d(features->forward(x), {1, 1});
    return classifier->forward(pooled.flatten(1));
  }

  const MobileNetV2Options& options() const { return options_; }
  int64_t last_channel() const { return last_channel_; }

  std::shared_ptr<nn::Sequential> features;
  std::shared_ptr<nn::Sequential> classifier;

 private:
  MobileNetV2Options options_;
  int64_t last_channel_ = 0;
};

// torchvision.models.mobilenet_v2(width_mult=..., num_classes=...).
inline std::shared_ptr<MobileNetV2> mobilenet_v2(MobileNetV2Options options = {}) {
  return std::make_shared<MobileNetV2>(options);
}

}  // namespace octet::models
