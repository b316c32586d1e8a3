// quantizable_resnet.h: ResNet with BasicBlocks written for eager-mode static quantization, exactly as
// torchvision.models.quantization.resnet defines it (QuantizableResNet, QuantizableBasicBlock), so
// torchvision's float or quantizable state_dict loads by name.
//
// It is resnet.h's network with the three changes torchvision makes for quantization:
//
//   quant    QuantStub at the input, dequant DeQuantStub at the output (registered after fc, as
//            torchvision adds them after building the float network);
//   blocks   the residual sum and its ReLU go through a FloatFunctional "add_relu"
//            (out = add_relu.add_relu(bn2(conv2(...)), identity)), so they become one int8 op;
//            the block's own "relu" runs once, after bn1;
//   members  every child fusion or convert replaces is an nn::ModulePtr (a quantized conv is not an
//            nn::Conv2d; docs/quantization.md).
//
// FloatFunctional, QuantStub and DeQuantStub hold no tensors, so the state dict keys are resnet.h's
// (and torchvision's). fusion_groups() lists, as dotted names from the model, the runs torchvision's
// fuse_model(is_qat=False) fuses:
//
//   conv1 bn1 relu;  layerK.i.conv1 bn1 relu;  layerK.i.conv2 bn2;  layerK.0.downsample.0 .1
//
// Typical use (bench/eager_models_bench.cpp, tests/nn/quantizable_models_test.cpp):
//
//   auto model = models::quantizable_resnet18();
//   model->eval();
//   model->fuse_model();
//   model->qconfig = quantization::get_default_qconfig("x86");
//   auto prepared = quantization::prepare(model);
//   for (const Tensor& batch : calibration) prepared->forward(batch);
//   auto int8 = quantization::convert(prepared);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/resnet.h"
#include "octet/error.h"
#include "octet/nn/activation.h"
#include "octet/nn/batchnorm.h"
#include "octet/nn/container.h"
#include "octet/nn/conv.h"
#include "octet/nn/init.h"
#include "octet/nn/linear.h"
#include "octet/nn/pooling.h"
#include "octet/nn/quantized/functional_modules.h"
#include "octet/quantization/quantize.h"
#include "octet/quantization/stubs.h"

namespace octet::models {

// Runs quantization::fuse_modules, or fuse_modules_qat when is_qat says so; is_qat unset follows
// the model's mode, as torchvision's _fuse_modules does (training -> QAT fusion).
inline void fuse_model_groups(nn::Module& model, const std::vector<std::vector<std::string>>& groups,
                              std::optional<bool> is_qat) {
  if (is_qat.value_or(model.is_training())) {
    quantization::fuse_modules_qat(model, groups);
  } else {
    quantization::fuse_modules(model, groups);
  }
}

// torchvision.models.quantization.resnet.QuantizableBasicBlock.
class QuantizableBasicBlock : public nn::Cloneable<QuantizableBasicBlock> {
 public:
  static constexpr int64_t expansion = 1;

  // downsample (null for none) maps the input to the output's shape for the residual sum.
  QuantizableBasicBlock(int64_t inplanes, int64_t planes, int64_t stride = 1,
                        std::shared_ptr<nn::Sequential> downsample = nullptr) {
    register_module("conv1", &QuantizableBasicBlock::conv1, conv3x3(inplanes, planes, stride));
    register_module("bn1", &QuantizableBasicBlock::bn1, std::make_shared<nn::BatchNorm2d>(planes));
    register_module("relu", &QuantizableBasicBlock::relu, std::make_shared<nn::ReLU>());
    register_module("conv2", &QuantizableBasicBlock::conv2, conv3x3(planes, planes));
    register_module("bn2", &QuantizableBasicBlock::bn2, std::make_shared<nn::BatchNorm2d>(planes));
    if (downsample) register_module("downsample", &QuantizableBasicBlock::downsample, std::move(downsample));
    register_module("add_relu", &QuantizableBasicBlock::add_relu,
                    std::make_shared<nn::quantized::FloatFunctional>());
  }

  Tensor forward(const Tensor& x) override {
    Tensor out = relu->forward(bn1->forward(conv1->forward(x)));
    out = bn2->forward(conv2->forward(out));
    const Tensor identity = downsample ? downsample->forward(x) : x;
    return add_relu->add_relu(out, identity);
  }

  // The block's fusion runs, names relative to the block (QuantizableBasicBlock.fuse_model).
  std::vector<std::vector<std::string>> fusion_groups() const {
    std::vector<std::vector<std::string>> groups = {{"conv1", "bn1", "relu"}, {"conv2", "bn2"}};
    if (downsample) groups.push_back({"downsample.0", "downsample.1"});
    return groups;
  }

  nn::ModulePtr conv1, bn1, relu, conv2, bn2;
  std::shared_ptr<nn::Sequential> downsample;  // null when the block keeps shape; its children are swapped
  std::shared_ptr<nn::quantized::FloatFunctional> add_relu;  // a QFunctional after convert()
};

// torchvision.models.quantization.resnet.QuantizableResNet with QuantizableBasicBlocks; `layers`
// holds the number of blocks per stage ({2, 2, 2, 2} is ResNet-18). Options as resnet.h's.
class QuantizableResNet : public nn::Cloneable<QuantizableResNet> {
 public:
  explicit QuantizableResNet(const std::vector<int64_t>& layers, ResNetOptions options = {})
      : options_(options) {
    OCTET_CHECK(layers.size() == 4, "QuantizableResNet", "expected 4 stages of blocks, got ", layers.size());
    OCTET_CHECK(options.width > 0 && options.num_classes > 0, "QuantizableResNet",
                "expected a positive width and num_classes, got width=", options.width,
                " num_classes=", options.num_classes);
    const int64_t w = options.width;
    inplanes_ = w;
    register_module("conv1", &QuantizableResNet::conv1,
                    std::make_shared<nn::Conv2d>(3, w, Shape{7},
                                                 nn::ConvOptions{.stride = {2}, .padding = {3}, .bias = false}));
    register_module("bn1", &QuantizableResNet::bn1, std::make_shared<nn::BatchNorm2d>(w));
    register_module("relu", &QuantizableResNet::relu, std::make_shared<nn::ReLU>());
    register_module("maxpool", &QuantizableResNet::maxpool,
                    std::make_shared<nn::MaxPool2d>(Shape{3}, nn::MaxPoolOptions{.stride = {2}, .padding = {1}}));
    register_module("layer1", &QuantizableResNet::layer1, make_layer(w, layers[0], 1));
    register_module("layer2", &QuantizableResNet::layer2, make_layer(w * 2, layers[1], 2));
    register_module("layer3", &QuantizableResNet::layer3, make_layer(w * 4, layers[2], 2));
    register_module("layer4", &QuantizableResNet::layer4, make_layer(w * 8, layers[3], 2));
    register_module("avgpool", &QuantizableResNet::avgpool, std::make_shared<nn::AdaptiveAvgPool2d>(Shape{1, 1}));
    register_module("fc", &QuantizableResNet::fc,
                    std::make_shared<nn::Linear>(w * 8 * QuantizableBasicBlock::expansion, options.num_classes));
    register_module("quant", &QuantizableResNet::quant, std::make_shared<quantization::QuantStub>());
    register_module("dequant", &QuantizableResNet::dequant, std::make_shared<quantization::DeQuantStub>());

    // torchvision's initialisation (resnet.h).
    init_resnet_weights(*this);
  }

  // x: (N, 3, H, W) float32 -> logits (N, num_classes), float32 also after convert().
  Tensor forward(const Tensor& x) override {
    Tensor y = quant->forward(x);
    y = maxpool->forward(relu->forward(bn1->forward(conv1->forward(y))));
    y = layer4->forward(layer3->forward(layer2->forward(layer1->forward(y))));
    y = fc->forward(avgpool->forward(y).flatten(1));
    return dequant->forward(y);
  }

  // Every fusion run of the model as dotted names from the root, in torchvision's order
  // (QuantizableResNet.fuse_model: the stem, then each block in module order).
  std::vector<std::vector<std::string>> fusion_groups() const {
    std::vector<std::vector<std::string>> groups = {{"conv1", "bn1", "relu"}};
    for (const auto& [name, m] : named_modules()) {
      const auto block = std::dynamic_pointer_cast<QuantizableBasicBlock>(m);
      if (!block) continue;
      std::string prefix = name;
      prefix.append(".");
      for (std::vector<std::string> group : block->fusion_groups()) {
        for (std::string& member : group) member.insert(0, prefix);
        groups.push_back(std::move(group));
      }
    }
    return groups;
  }

  // torchvision's fuse_model(is_qat): fuse_modules (eval; BatchNorm folded) or fuse_modules_qat.
  void fuse_model(std::optional<bool> is_qat = std::nullopt) { fuse_model_groups(*this, fusion_groups(), is_qat); }

  const ResNetOptions& options() const { return options_; }

  nn::ModulePtr conv1, bn1, relu, maxpool;
  std::shared_ptr<nn::Sequential> layer1, layer2, layer3, layer4;
  nn::ModulePtr avgpool, fc;
  nn::ModulePtr quant, dequant;

 private:
  // torchvision's _make_layer (resnet.h).
  std::shared_ptr<nn::Sequential> make_layer(int64_t planes, int64_t blocks, int64_t stride) {
    const int64_t out = planes * QuantizableBasicBlock::expansion;
    std::shared_ptr<nn::Sequential> downsample;
    if (stride != 1 || inplanes_ != out) {
      downsample = std::make_shared<nn::Sequential>(conv1x1(inplanes_, out, stride),
                                                    std::make_shared<nn::BatchNorm2d>(out));
    }
    auto layer = std::make_shared<nn::Sequential>();
    layer->push_back(std::make_shared<QuantizableBasicBlock>(inplanes_, planes, stride, downsample));
    inplanes_ = out;
    for (int64_t i = 1; i < blocks; ++i) layer->push_back(std::make_shared<QuantizableBasicBlock>(inplanes_, planes));
    return layer;
  }

  ResNetOptions options_;
  int64_t inplanes_ = 0;  // channels entering the next block, while building
};

// torchvision.models.quantization.resnet18(quantize=False, num_classes=...) (with `width` 64).
inline std::shared_ptr<QuantizableResNet> quantizable_resnet18(ResNetOptions options = {}) {
  return std::make_shared<QuantizableResNet>(std::vector<int64_t>{2, 2, 2, 2}, options);
}

}  // namespace octet::models
