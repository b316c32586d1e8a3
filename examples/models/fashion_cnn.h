// fashion_cnn.h: a small residual CNN for Fashion-MNIST, written for eager-mode static quantization
// (the C++ twin of scripts/models/train_fashion.py's FashionCNN; the committed weights are
// data/models/fashion_cnn.safetensors).
//
// Input float [N, 1, 28, 28], normalized as fashion_data.h does; output logits [N, 10]. Children, in
// order, with PyTorch's state-dict names:
//
//   quant                                    QuantStub: float -> quint8 after convert()
//   conv1 (3x3, 1 -> c1)   bn1  relu1        28x28
//   pool1 (max 2x2)                          14x14   --------------------------+
//   conv2 (3x3)            bn2  relu2                                          | identity
//   conv3 (3x3)            bn3                                                 |
//   add1                   add_relu(bn3 out, pool1 out)   <--------------------+
//   conv4 (3x3/2, c1 -> c2) bn4 relu4        7x7     --------------------------+
//   conv5 (3x3)            bn5                                                 | down (1x1/2) down_bn
//   add2                   add_relu(bn5 out, down_bn out) <--------------------+
//   pool2 (adaptive avg 1x1)  flatten  fc (c2 -> 10)
//   dequant                                  DeQuantStub: quint8 -> float after convert()
//
// Eager quantization swaps modules in place, so every child convert() replaces is held as an
// nn::ModulePtr, and the residual adds go through FloatFunctional members (a QFunctional after
// convert()). fusion_groups() lists the conv-bn(-relu) groups for quantization::fuse_modules.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "octet/error.h"
#include "octet/nn/activation.h"
#include "octet/nn/batchnorm.h"
#include "octet/nn/cloneable.h"
#include "octet/nn/conv.h"
#include "octet/nn/flatten.h"
#include "octet/nn/linear.h"
#include "octet/nn/pooling.h"
#include "octet/nn/quantized/functional_modules.h"
#include "octet/quantization/stubs.h"

namespace octet::models {

class FashionCNN : public nn::Cloneable<FashionCNN> {
 public:
  // c1: channels at 28x28 and 14x14; c2: channels at 7x7. The defaults are the committed weights'
  // (the weights file's metadata says "c1" and "c2"; the script trains other widths on request).
  explicit FashionCNN(int64_t c1 = 32, int64_t c2 = 64) : c1_(c1), c2_(c2) {
    OCTET_CHECK(c1 > 0 && c2 > 0, "FashionCNN", "expected positive channel counts, got c1=", c1, " c2=", c2);
    const auto conv = [](int64_t in, int64_t out, int64_t k, int64_t stride, int64_t padding) {
      return std::make_shared<nn::Conv2d>(in, out, Shape{k},
                                          nn::ConvOptions{.stride = {stride}, .padding = {padding}, .bias = false});
    };
    const auto bn = [](int64_t c) { return std::make_shared<nn::BatchNorm2d>(c); };
    register_module("quant", &FashionCNN::quant, std::make_shared<quantization::QuantStub>());
    register_module("conv1", &FashionCNN::conv1, conv(1, c1, 3, 1, 1));
    register_module("bn1", &FashionCNN::bn1, bn(c1));
    register_module("relu1", &FashionCNN::relu1, std::make_shared<nn::ReLU>());
    register_module("pool1", &FashionCNN::pool1, std::make_shared<nn::MaxPool2d>(Shape{2}));
    register_module("conv2", &FashionCNN::conv2, conv(c1, c1, 3, 1, 1));
    register_module("bn2", &FashionCNN::bn2, bn(c1));
    register_module("relu2", &FashionCNN::relu2, std::make_shared<nn::ReLU>());
    register_module("conv3", &FashionCNN::conv3, conv(c1, c1, 3, 1, 1));
    register_module("bn3", &FashionCNN::bn3, bn(c1));
    register_module("add1", &FashionCNN::add1, std::make_shared<nn::quantized::FloatFunctional>());
    register_module("conv4", &FashionCNN::conv4, conv(c1, c2, 3, 2, 1));
    register_module("bn4", &FashionCNN::bn4, bn(c2));
    register_module("relu4", &FashionCNN::relu4, std::make_shared<nn::ReLU>());
    register_module("conv5", &FashionCNN::conv5, conv(c2, c2, 3, 1, 1));
    register_module("bn5", &FashionCNN::bn5, bn(c2));
    register_module("down", &FashionCNN::down, conv(c1, c2, 1, 2, 0));
    register_module("down_bn", &FashionCNN::down_bn, bn(c2));
    register_module("add2", &FashionCNN::add2, std::make_shared<nn::quantized::FloatFunctional>());
    register_module("pool2", &FashionCNN::pool2, std::make_shared<nn::AdaptiveAvgPool2d>(Shape{1}));
    register_module("flatten", &FashionCNN::flatten, std::make_shared<nn::Flatten>());
    register_module("fc", &FashionCNN::fc, std::make_shared<nn::Linear>(c2, 10));
    register_module("dequant", &FashionCNN::dequant, std::make_shared<quantization::DeQuantStub>());
  }

  // x: float [N, 1, 28, 28] -> logits [N, 10] (float, also after convert(): dequant ends the model).
  Tensor forward(const Tensor& x) override {
    Tensor y = quant->forward(x);
    y = pool1->forward(relu1->forward(bn1->forward(conv1->forward(y))));
    Tensor z = relu2->forward(bn2->forward(conv2->forward(y)));
    y = add1->add_relu(bn3->forward(conv3->forward(z)), y);
    z = relu4->forward(bn4->forward(conv4->forward(y)));
    y = add2->add_relu(bn5->forward(conv5->forward(z)), down_bn->forward(down->forward(y)));
    y = fc->forward(flatten->forward(pool2->forward(y)));
    return dequant->forward(y);
  }

  // The module groups quantization::fuse_modules folds (conv + bn [+ relu]) before preparing.
  static std::vector<std::vector<std::string>> fusion_groups() {
    return {{"conv1", "bn1", "relu1"}, {"conv2", "bn2", "relu2"}, {"conv3", "bn3"},
            {"conv4", "bn4", "relu4"}, {"conv5", "bn5"},          {"down", "down_bn"}};
  }

  int64_t c1() const { return c1_; }
  int64_t c2() const { return c2_; }

  nn::ModulePtr quant;
  nn::ModulePtr conv1, bn1, relu1, pool1;
  nn::ModulePtr conv2, bn2, relu2, conv3, bn3;
  std::shared_ptr<nn::quantized::FloatFunctional> add1;
  nn::ModulePtr conv4, bn4, relu4, conv5, bn5, down, down_bn;
  std::shared_ptr<nn::quantized::FloatFunctional> add2;
  nn::ModulePtr pool2, flatten, fc;
  nn::ModulePtr dequant;

 private:
  int64_t c1_;
  int64_t c2_;
};

}  // namespace octet::models
