// test_models.h: small user-defined modules for the nn tests, each standing in for the torch.nn
// layer it prints as, so that names, orders and printouts can be compared with PyTorch's.
#pragma once

#include <cmath>
#include <memory>
#include <string>

#include "octet/octet.h"

namespace octet::nn::test_models {

// y = x W^T + b on [N, in] float32 inputs; prints like torch.nn.Linear.
class TestLinear : public Cloneable<TestLinear> {
 public:
  TestLinear(int64_t in_features, int64_t out_features, bool bias = true, Generator* gen = nullptr)
      : in_features_(in_features), out_features_(out_features) {
    register_parameter("weight", &TestLinear::weight, empty({out_features, in_features}));
    register_parameter("bias", &TestLinear::bias, bias ? empty({out_features}) : Tensor{});
    // torch.nn.Linear's reset_parameters.
    init::kaiming_uniform_(weight, std::sqrt(5.0), "fan_in", "leaky_relu", gen);
    if (bias) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
      init::uniform_(this->bias, -bound, bound, gen);
    }
  }
  std::string name() const override { return "Linear"; }
  std::string extra_repr() const override {
    return "in_features=" + std::to_string(in_features_) + ", out_features=" + std::to_string(out_features_) +
           ", bias=" + (bias.defined() ? "True" : "False");
  }
  Tensor forward(const Tensor& input) override {
    const Tensor x = input.contiguous();
    const int64_t n = x.size(0);
    Tensor y = zeros({n, out_features_});
    const Tensor w = weight.contiguous();
    const float* px = x.data_ptr<float>();
    const float* pw = w.data_ptr<float>();
    float* py = y.data_ptr<float>();
    for (int64_t r = 0; r < n; ++r) {
      for (int64_t o = 0; o < out_features_; ++o) {
        double acc = bias.defined() ? bias.at<double>({o}) : 0.0;
        for (int64_t i = 0; i < in_features_; ++i) acc += double(px[r * in_features_ + i]) * pw[o * in_features_ + i];
        py[r * out_features_ + o] = static_cast<float>(acc);
      }
    }
    return y;
  }

  Tensor weight;
  Tensor bias;

 private:
  int64_t in_features_;
  int64_t out_features_;
};

class TestReLU : public Cloneable<TestReLU> {
 public:
  std::string name() const override { return "ReLU"; }
  Tensor forward(const Tensor& input) override {
    Tensor y = input.contiguous().clone();
    float* p = y.data_ptr<float>();
    for (int64_t i = 0; i < y.numel(); ++i) p[i] = p[i] > 0.0f ? p[i] : 0.0f;
    return y;
  }
};

// Per-feature affine normalization with running statistics, shaped like BatchNorm1d's state.
class Norm : public Cloneable<Norm> {
 public:
  explicit Norm(int64_t c) {
    register_parameter("weight", &Norm::weight, ones({c}));
    register_parameter("bias", &Norm::bias, zeros({c}));
    register_buffer("running_mean", &Norm::running_mean, zeros({c}));
    register_buffer("running_var", &Norm::running_var, ones({c}));
    register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
  Tensor forward(const Tensor& input) override {
    Tensor y = input.contiguous().clone();
    const int64_t c = weight.numel();
    float* p = y.data_ptr<float>();
    for (int64_t i = 0; i < y.numel(); ++i) {
      const int64_t f = i % c;
      const double v = (p[i] - running_mean.at<double>({f})) / std::sqrt(running_var.at<double>({f}) + 1e-5);
      p[i] = static_cast<float>(v * weight.at<double>({f}) + bias.at<double>({f}));
    }
    return y;
  }

  Tensor weight, bias, running_mean, running_var;
};

// A residual-free basic block with typed, bound members (the pattern prepare/convert relies on).
class Block : public Cloneable<Block> {
 public:
  explicit Block(int64_t c, Generator* gen = nullptr) {
    register_module("conv1", &Block::conv1, std::make_shared<TestLinear>(c, c, true, gen));
    register_module("bn1", &Block::bn1, std::make_shared<Norm>(c));
    register_module("relu", &Block::relu, std::make_shared<TestReLU>());
    register_buffer("scratch", zeros({c}), /*persistent=*/false);
    register_module("conv2", &Block::conv2, std::make_shared<TestLinear>(c, c, false, gen));
  }
  Tensor forward(const Tensor& x) override { return conv2->forward(relu->forward(bn1->forward(conv1->forward(x)))); }

  std::shared_ptr<TestLinear> conv1;
  std::shared_ptr<Norm> bn1;
  std::shared_ptr<Module> relu;  // any module may replace it
  std::shared_ptr<TestLinear> conv2;
};

// A model with its own tensors before and after its children, nested containers, and a ModuleDict.
class Net : public Cloneable<Net> {
 public:
  explicit Net(uint64_t seed = 1) : gen_(seed) {
    register_parameter("scale", &Net::scale, ones({1}));
    register_module("stem", &Net::stem,
                    std::make_shared<Sequential>(std::make_shared<TestLinear>(4, 8, true, &gen_),
                                                 std::make_shared<TestReLU>()));
    register_module("layer1", &Net::layer1,
                    std::make_shared<Sequential>(std::make_shared<Block>(8, &gen_), std::make_shared<Block>(8, &gen_)));
    register_module("head", &Net::head,
                    std::make_shared<ModuleDict>(std::vector<std::pair<std::string, ModulePtr>>{
                        {"fc", std::make_shared<TestLinear>(8, 2, true, &gen_)}}));
    register_buffer("step", zeros({}, kInt64));
    register_parameter("temperature", full({1}, 2.0));
  }
  Tensor forward(const Tensor& x) override {
    Tensor y = (*head)["fc"]->forward(layer1->forward(stem->forward(x)));
    const float s = scale.at<float>({0});
    float* p = y.data_ptr<float>();
    for (int64_t i = 0; i < y.numel(); ++i) p[i] *= s;
    return y;
  }

  Tensor scale;
  std::shared_ptr<Sequential> stem;
  std::shared_ptr<Sequential> layer1;
  std::shared_ptr<ModuleDict> head;

 private:
  Generator gen_;
};

}  // namespace octet::nn::test_models
