// resnet.h: ResNet with BasicBlocks (ResNet-18, ResNet-34) built from octet::nn, exactly as
// torchvision.models.resnet defines it, so torchvision's state_dict loads by name.
//
// Module tree and names (torchvision's), for resnet18 at width w (64 in the real network):
//
//   conv1 (7x7/2, 3 -> w)  bn1  relu  maxpool (3x3/2, pad 1)
//   layer1..layer4: Sequential of BasicBlocks "0", "1"; planes w, 2w, 4w, 8w; the first block of
//                   layer2..4 has stride 2 and a downsample = Sequential(conv1x1 "0", bn "1")
//   avgpool (adaptive, 1x1)  fc (8w -> num_classes)
//
//   BasicBlock: conv1 (3x3, stride)  bn1  relu  conv2 (3x3)  bn2  [downsample]
//               out = relu(bn2(conv2(relu(bn1(conv1(x))))) + identity)
//
// `width` scales every channel count (torchvision has no such knob; it exists so that tests can
// run the real architecture with a small state dict). Initialisation is torchvision's: Conv2d
// kaiming_normal_(mode="fan_out", nonlinearity="relu"), BatchNorm weight 1 and bias 0, Linear
// its own default.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "octet/error.h"
#include "octet/functional.h"
#include "octet/nn/activation.h"
#include "octet/nn/batchnorm.h"
#include "octet/nn/container.h"
#include "octet/nn/conv.h"
#include "octet/nn/init.h"
#include "octet/nn/linear.h"
#include "octet/nn/pooling.h"

namespace octet::models {

// torchvision's conv3x3 / conv1x1: no bias (a BatchNorm follows).
inline std::shared_ptr<nn::Conv2d> conv3x3(int64_t in_planes, int64_t out_planes, int64_t stride = 1) {
  return std::make_shared<nn::Conv2d>(in_planes, out_planes, Shape{3},
                                      nn::ConvOptions{.stride = {stride}, .padding = {1}, .bias = false});
}
inline std::shared_ptr<nn::Conv2d> conv1x1(int64_t in_planes, int64_t out_planes, int64_t stride = 1) {
  return std::make_shared<nn::Conv2d>(in_planes, out_planes, Shape{1},
                                      nn::ConvOptions{.stride = {stride}, .bias = false});
}

// Two 3x3 convolutions with a residual connection (torchvision.models.resnet.BasicBlock).
// torchvision's ResNet initialisation: Kaiming-normal convolutions (fan_out, relu), BatchNorm
// weight 1 and bias 0, drawn in module order (shared with quantizable_resnet.h).
inline void init_resnet_weights(nn::Module& model) {
  for (const auto& [name, m] : model.named_modules()) {
    if (auto conv = std::dynamic_pointer_cast<nn::Conv2d>(m)) {
      nn::init::kaiming_normal_(conv->weight, /*a=*/0.0, "fan_out", "relu");
    } else if (auto bn = std::dynamic_pointer_cast<nn::BatchNorm2d>(m)) {
      nn::init::ones_(bn->weight);
      nn::init::zeros_(bn->bias);
    }
  }
}

class BasicBlock : public nn::Cloneable<BasicBlock> {
 public:
  static constexpr int64_t expansion = 1;

  // downsample (null for none) maps the input to the output's shape for the residual sum.
  BasicBlock(int64_t inplanes, int64_t planes, int64_t stride = 1,
             std::shared_ptr<nn::Sequential> downsample = nullptr) {
    register_module("conv1", &BasicBlock::conv1, conv3x3(inplanes, planes, stride));
    register_module("bn1", &BasicBlock::bn1, std::make_shared<nn::BatchNorm2d>(planes));
    register_module("relu", &BasicBlock::relu, std::make_shared<nn::ReLU>());
    register_module("conv2", &BasicBlock::conv2, conv3x3(planes, planes));
    register_module("bn2", &BasicBlock::bn2, std::make_shared<nn::BatchNorm2d>(planes));
    if (downsample) register_module("downsample", &BasicBlock::downsample, std::move(downsample));
  }

  Tensor forward(const Tensor& x) override {
    Tensor out = relu->forward(bn1->forward(conv1->forward(x)));
    out = bn2->forward(conv2->forward(out));
    const Tensor identity = downsample ? downsample->forward(x) : x;
    return relu->forward(F::add(out, identity));
  }

  std::shared_ptr<nn::Conv2d> conv1;
  std::shared_ptr<nn::BatchNorm2d> bn1;
  std::shared_ptr<nn::ReLU> relu;
  std::shared_ptr<nn::Conv2d> conv2;
  std::shared_ptr<nn::BatchNorm2d> bn2;
  std::shared_ptr<nn::Sequential> downsample;  // null when the block keeps shape
};

// torchvision.models.ResNet's keyword arguments that change the network here, plus `width`.
struct ResNetOptions {
  int64_t num_classes = 1000;
  int64_t width = 64;  // channels of conv1 and layer1; layer k has width * 2^(k-1)
};

// torchvision.models.ResNet with BasicBlocks; `layers` holds the number of blocks per stage
// ({2, 2, 2, 2} is ResNet-18, {3, 4, 6, 3} ResNet-34).
class ResNet : public nn::Cloneable<ResNet> {
 public:
  explicit ResNet(const std::vector<int64_t>& layers, ResNetOptions options = {}) : options_(options) {
    OCTET_CHECK(layers.size() == 4, "ResNet", "expected 4 stages of blocks, got ", layers.size());
    OCTET_CHECK(options.width > 0 && options.num_classes > 0, "ResNet",
                "expected a positive width and num_classes, got width=", options.width,
                " num_classes=", options.num_classes);
    const int64_t w = options.width;
    inplanes_ = w;
    register_module("conv1", &ResNet::conv1,
                    std::make_shared<nn::Conv2d>(3, w, Shape{7},
                                                 nn::ConvOptions{.stride = {2}, .padding = {3}, .bias = false}));
    register_module("bn1", &ResNet::bn1, std::make_shared<nn::BatchNorm2d>(w));
    register_module("relu", &ResNet::relu, std::make_shared<nn::ReLU>());
    register_module("maxpool", &ResNet::maxpool,
                    std::make_shared<nn::MaxPool2d>(Shape{3}, nn::MaxPoolOptions{.stride = {2}, .padding = {1}}));
    register_module("layer1", &ResNet::layer1, make_layer(w, layers[0], 1));
    register_module("layer2", &ResNet::layer2, make_layer(w * 2, layers[1], 2));
    register_module("layer3", &ResNet::layer3, make_layer(w * 4, layers[2], 2));
    register_module("layer4", &ResNet::layer4, make_layer(w * 8, layers[3], 2));
    register_module("avgpool", &ResNet::avgpool, std::make_shared<nn::AdaptiveAvgPool2d>(Shape{1, 1}));
    register_module("fc", &ResNet::fc, std::make_shared<nn::Linear>(w * 8 * BasicBlock::expansion, options.num_classes));

    init_resnet_weights(*this);
  }

  // x: (N, 3, H, W) float32 -> logits (N, num_classes).
  Tensor forward(const Tensor& x) override {
    Tensor y = maxpool->forward(relu->forward(bn1->forward(conv1->forward(x))));
    y = layer4->forward(layer3->forward(layer2->forward(layer1->forward(y))));
    return fc->forward(avgpool->forward(y).flatten(1));
  }

  const ResNetOptions& options() const { return options_; }

  std::shared_ptr<nn::Conv2d> conv1;
  std::shared_ptr<nn::BatchNorm2d> bn1;
  std::shared_ptr<nn::ReLU> relu;
  std::shared_ptr<nn::MaxPool2d> maxpool;
  std::shared_ptr<nn::Sequential> layer1, layer2, layer3, layer4;
  std::shared_ptr<nn::AdaptiveAvgPool2d> avgpool;
  std::shared_ptr<nn::Linear> fc;

 private:
  // torchvision's _make_layer: the first block changes stride and channels (with a downsample
  // when either changes), the rest keep them.
  std::shared_ptr<nn::Sequential> make_layer(int64_t planes, int64_t blocks, int64_t stride) {
    std::shared_ptr<nn::Sequential> downsample;
    if (stride != 1 || inplanes_ != planes * BasicBlock::expansion) {
      downsample = std::make_shared<nn::Sequential>(conv1x1(inplanes_, planes * BasicBlock::expansion, stride),
                                                    std::make_shared<nn::BatchNorm2d>(planes * BasicBlock::expansion));
    }
    auto layer = std::make_shared<nn::Sequential>();
    layer->push_back(std::make_shared<BasicBlock>(inplanes_, planes, stride, downsample));
    inplanes_ = planes * BasicBlock::expansion;
    for (int64_t i = 1; i < blocks; ++i) layer->push_back(std::make_shared<BasicBlock>(inplanes_, planes));
    return layer;
  }

  ResNetOptions options_;
  int64_t inplanes_ = 0;  // channels entering the next block, while building
};

// torchvision.models.resnet18(num_classes=...) (with `width` 64).
inline std::shared_ptr<ResNet> resnet18(ResNetOptions options = {}) {
  return std::make_shared<ResNet>(std::vector<int64_t>{2, 2, 2, 2}, options);
}
// torchvision.models.resnet34.
inline std::shared_ptr<ResNet> resnet34(ResNetOptions options = {}) {
  return std::make_shared<ResNet>(std::vector<int64_t>{3, 4, 6, 3}, options);
}

}  // namespace octet::models
