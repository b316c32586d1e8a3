// workflow_test_util.h: the small float models and comparisons the eager-workflow tests share.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "common/float_compare.h"
#include "common/test_util.h"
#include "octet/functional.h"
#include "octet/nn/nn.h"
#include "octet/nn/quantized.h"
#include "octet/octet.h"
#include "octet/quantization.h"

namespace octet::test {

namespace nnq = octet::nn::quantized;

// A CNN with everything eager static quantization meets: stubs, conv-bn-relu and conv-bn runs, a
// residual add through FloatFunctional, pooling and flatten (no mapping: they run on quantized
// tensors), a nested Sequential with linear-relu, a linear head. Members are nn::ModulePtr so that
// fusion and convert can swap them.
class SmallNet : public nn::Cloneable<SmallNet> {
 public:
  SmallNet() {
    register_module("quant", &SmallNet::quant, std::make_shared<quantization::QuantStub>());
    register_module("conv1", &SmallNet::conv1,
                    std::make_shared<nn::Conv2d>(3, 8, Shape{3}, nn::ConvOptions{.padding = {1}}));
    register_module("bn1", &SmallNet::bn1, std::make_shared<nn::BatchNorm2d>(8));
    register_module("relu1", &SmallNet::relu1, std::make_shared<nn::ReLU>());
    register_module("conv2", &SmallNet::conv2,
                    std::make_shared<nn::Conv2d>(8, 8, Shape{3}, nn::ConvOptions{.padding = {1}, .bias = false}));
    register_module("bn2", &SmallNet::bn2, std::make_shared<nn::BatchNorm2d>(8));
    register_module("skip", &SmallNet::skip, std::make_shared<nnq::FloatFunctional>());
    register_module("pool", &SmallNet::pool, std::make_shared<nn::AdaptiveAvgPool2d>(Shape{2, 2}));
    register_module("flatten", &SmallNet::flatten, std::make_shared<nn::Flatten>());
    register_module("head", &SmallNet::head,
                    std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(32, 16), std::make_shared<nn::ReLU>()));
    register_module("fc", &SmallNet::fc, std::make_shared<nn::Linear>(16, 4));
    register_module("dequant", &SmallNet::dequant, std::make_shared<quantization::DeQuantStub>());
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = relu1->forward(bn1->forward(conv1->forward(quant->forward(x))));
    Tensor z = skip->add_relu(bn2->forward(conv2->forward(y)), y);
    z = head->forward(flatten->forward(pool->forward(z)));
    return dequant->forward(fc->forward(z));
  }
  static std::vector<std::vector<std::string>> fusion_groups() {
    return {{"conv1", "bn1", "relu1"}, {"conv2", "bn2"}, {"head.0", "head.1"}};
  }

  nn::ModulePtr quant, conv1, bn1, relu1, conv2, bn2, pool, flatten, head, fc, dequant;
  std::shared_ptr<nnq::FloatFunctional> skip;
};

// A SmallNet in eval mode with BatchNorm statistics far from the identity, so that folding matters.
inline std::shared_ptr<SmallNet> make_small_net(Generator& gen) {
  auto net = std::make_shared<SmallNet>();
  for (const char* bn : {"bn1", "bn2"}) {
    auto m = std::dynamic_pointer_cast<nn::BatchNorm2d>(net->get_submodule(bn));
    m->running_mean.copy_(randn({8}, gen));
    m->running_var.copy_(functional::add(rand({8}, gen), 0.5));
    m->weight.copy_(functional::add(rand({8}, gen), 0.5));
    m->bias.copy_(randn({8}, gen));
  }
  net->eval();
  return net;
}

// The dotted module names of a model, without observers (prepared models add activation_post_process).
inline std::vector<std::string> module_names(const nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& [name, mod] : m.named_modules()) {
    if (name.find("activation_post_process") == std::string::npos) out.push_back(name);
  }
  return out;
}

}  // namespace octet::test
