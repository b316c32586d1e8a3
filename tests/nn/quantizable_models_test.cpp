// quantizable_models_test.cpp: the quantizable ResNet-18 and MobileNetV2 (examples/models/quantizable_*.h)
// have torchvision's names and fusion runs, and go through eager static PTQ end to end: fusion keeps
// the float outputs, convert turns every conv and linear into its int8 module, and the int8 logits
// follow the float ones.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#include "common/float_compare.h"
#include "common/test_util.h"
#include "models/mobilenet_v2.h"
#include "models/quantizable_mobilenet_v2.h"
#include "models/quantizable_resnet.h"
#include "models/resnet.h"
#include "octet/nn/identity.h"
#include "octet/nn/quantized.h"
#include "octet/quantization/qconfig.h"
#include "octet/quantization/quantize.h"

namespace octet::models {
namespace {

namespace nnq = octet::nn::quantized;
using octet::test::max_abs;
using octet::test::max_abs_diff;
namespace nni = octet::nn::intrinsic;
namespace nniq = octet::nn::intrinsic::quantized;
using Groups = std::vector<std::vector<std::string>>;

// Calibration and test inputs are small images: the whole architecture runs, at a fraction of the
// 224x224 cost.
const Shape kInput{1, 3, 64, 64};
// The fusion and quantization tests run ResNet-18 at half width: the same module tree and fusion
// runs, a quarter of the multiply-adds (the state-dict and fusion-group tests use the real width).
const ResNetOptions kHalfWidth{.num_classes = 1000, .width = 32};

std::vector<std::string> keys_of(const nn::Module& module) {
  std::vector<std::string> keys;
  for (const auto& item : module.state_dict()) keys.push_back(item.first);
  return keys;
}

// BatchNorm affine parameters and running statistics away from the identity, so that folding them
// into the convolutions is exercised (torchvision's init leaves them at 1 and 0).
void randomize_batchnorms(nn::Module& model, Generator& gen) {
  for (const auto& [name, m] : model.named_modules()) {
    auto bn = std::dynamic_pointer_cast<nn::BatchNorm2d>(m);
    if (!bn) continue;
    const Shape c{bn->num_features()};
    bn->weight.copy_(rand(c, gen) * 0.5 + 0.75);
    bn->bias.copy_(randn(c, gen) * 0.1);
    bn->running_mean.copy_(randn(c, gen) * 0.1);
    bn->running_var.copy_(rand(c, gen) * 0.5 + 0.75);
  }
}

double cosine_similarity(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  double ab = 0.0, aa = 0.0, bb = 0.0;
  for (int64_t i = 0; i < ca.numel(); ++i) {
    const double x = ca.data_ptr<float>()[i], y = cb.data_ptr<float>()[i];
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / std::sqrt(aa * bb);
}

// How many modules of the model are (or derive from) T.
template <typename T>
int count_of(const nn::Module& model) {
  int n = 0;
  for (const auto& [name, m] : model.named_modules()) n += dynamic_cast<const T*>(m.get()) != nullptr ? 1 : 0;
  return n;
}

// The float layers convert() must not leave behind, by exact type.
void expect_no_float_layers(const nn::Module& model) {
  for (const auto& [name, m] : model.named_modules()) {
    const auto& t = typeid(*m);
    EXPECT_TRUE(t != typeid(nn::Conv2d) && t != typeid(nn::Linear) && t != typeid(nn::BatchNorm2d) &&
                t != typeid(nni::ConvReLU2d) && t != typeid(nnq::FloatFunctional))
        << name << " is still a float " << m->name();
  }
}

// Eager static PTQ as bench/eager_models_bench.cpp runs it: the fused model gets the x86 qconfig,
// is prepared, sees `batches` random images and is converted.
template <typename M>
std::shared_ptr<M> quantize_x86(const std::shared_ptr<M>& fused, Generator& gen, int batches = 3) {
  fused->qconfig = quantization::get_default_qconfig("x86");
  auto prepared = quantization::prepare(fused);
  for (int i = 0; i < batches; ++i) prepared->forward(randn(kInput, gen));
  return quantization::convert(prepared);
}

// --- ResNet-18 ------------------------------------------------------------------------------------

TEST(QuantizableResNet, HasTheFloatModelsStateDictAndOutputs) {
  Generator gen(test::test_seed(6101));
  auto float_model = resnet18();
  randomize_batchnorms(*float_model, gen);
  auto model = quantizable_resnet18();
  // QuantStub, DeQuantStub and FloatFunctional hold no tensors: the keys are torchvision's.
  ASSERT_EQ(keys_of(*model), keys_of(*float_model));
  model->load_state_dict(float_model->state_dict());
  float_model->eval();
  model->eval();
  const Tensor x = randn(kInput, gen);
  // add_relu.add_relu(a, b) is relu(a + b), what the float block computes.
  EXPECT_EQ(max_abs_diff(model->forward(x), float_model->forward(x)), 0.0F);
  EXPECT_EQ(model->named_children().keys().back(), "dequant");  // the stubs come last, as in torchvision
}

TEST(QuantizableResNet, FusionGroupsAreTorchvisionsFuseModel) {
  const Groups groups = quantizable_resnet18()->fusion_groups();
  ASSERT_EQ(groups.size(), 20u);  // the stem, 8 blocks x 2 runs, 3 downsamples
  EXPECT_EQ(groups[0], (std::vector<std::string>{"conv1", "bn1", "relu"}));
  EXPECT_EQ(groups[1], (std::vector<std::string>{"layer1.0.conv1", "layer1.0.bn1", "layer1.0.relu"}));
  EXPECT_EQ(groups[2], (std::vector<std::string>{"layer1.0.conv2", "layer1.0.bn2"}));
  EXPECT_EQ(groups[17], (std::vector<std::string>{"layer4.0.downsample.0", "layer4.0.downsample.1"}));
  EXPECT_EQ(groups[19], (std::vector<std::string>{"layer4.1.conv2", "layer4.1.bn2"}));
}

TEST(QuantizableResNet, FusionKeepsFloatOutputs) {
  Generator gen(test::test_seed(6102));
  auto model = quantizable_resnet18(kHalfWidth);
  randomize_batchnorms(*model, gen);
  model->eval();
  const Tensor x = randn(kInput, gen);
  const Tensor before = model->forward(x);
  model->fuse_model();
  EXPECT_EQ(typeid(*model->conv1), typeid(nni::ConvReLU2d));
  EXPECT_EQ(typeid(*model->bn1), typeid(nn::Identity));
  EXPECT_EQ(typeid(*model->get_submodule("layer2.0.conv2")), typeid(nn::Conv2d));  // conv + bn: a folded conv
  EXPECT_EQ(typeid(*model->get_submodule("layer2.0.downsample.1")), typeid(nn::Identity));
  EXPECT_EQ(count_of<nn::BatchNorm2d>(*model), 0);
  EXPECT_LE(max_abs_diff(before, model->forward(x)), 1e-4F * max_abs(before));
}

TEST(QuantizableResNet, QuantizesToInt8ModulesThatTrackTheFloatLogits) {
  Generator gen(test::test_seed(6103));
  auto model = quantizable_resnet18(kHalfWidth);
  randomize_batchnorms(*model, gen);
  model->eval();
  model->fuse_model();
  const auto int8 = quantize_x86(model, gen);
  expect_no_float_layers(*int8);
  EXPECT_EQ(count_of<nnq::Conv2d>(*int8), 20);      // every conv, the ConvReLU2d ones included
  EXPECT_EQ(count_of<nniq::ConvReLU2d>(*int8), 9);  // the stem and each block's conv1
  EXPECT_EQ(count_of<nnq::Linear>(*int8), 1);
  EXPECT_EQ(count_of<nnq::QFunctional>(*int8), 8);  // each block's add_relu
  EXPECT_EQ(typeid(*int8->quant), typeid(nnq::Quantize));
  EXPECT_EQ(typeid(*int8->dequant), typeid(nnq::DeQuantize));
  for (int i = 0; i < 2; ++i) {
    const Tensor x = randn(kInput, gen);
    const Tensor ref = model->forward(x), got = int8->forward(x);
    EXPECT_EQ(got.dtype(), kFloat32);
    EXPECT_GT(cosine_similarity(got, ref), 0.95) << "batch " << i;
  }
}

TEST(QuantizableResNet, RejectsBadOptions) {
  EXPECT_OCTET_ERROR(quantizable_resnet18({.num_classes = 10, .width = 0}), "expected a positive width");
  EXPECT_OCTET_ERROR(QuantizableResNet({2, 2, 2}), "expected 4 stages of blocks, got 3");
}

// --- MobileNetV2 ----------------------------------------------------------------------------------

TEST(QuantizableMobileNetV2, HasTheFloatModelsStateDictWithReluForRelu6) {
  auto model = quantizable_mobilenet_v2();
  EXPECT_EQ(keys_of(*model), keys_of(*mobilenet_v2()));
  EXPECT_EQ(count_of<nn::ReLU6>(*model), 0);  // torchvision's _replace_relu
  EXPECT_EQ(count_of<nn::ReLU>(*model), 35);  // stem, 17 depthwise, 16 expand, last conv
  EXPECT_EQ(count_of<nnq::FloatFunctional>(*model), 17);
  EXPECT_EQ((std::vector<std::string>{"features", "classifier", "quant", "dequant"}),
            model->named_children().keys());
  auto block = std::dynamic_pointer_cast<QuantizableInvertedResidual>(model->get_submodule("features.2"));
  ASSERT_NE(block, nullptr);
  EXPECT_FALSE(block->use_res_connect());
  EXPECT_TRUE(std::dynamic_pointer_cast<QuantizableInvertedResidual>(model->get_submodule("features.3"))
                  ->use_res_connect());
}

TEST(QuantizableMobileNetV2, FusionGroupsAreTorchvisionsFuseModel) {
  const Groups groups = quantizable_mobilenet_v2()->fusion_groups();
  ASSERT_EQ(groups.size(), 52u);  // stem, 17 projections, 17 depthwise, 16 expansions, last conv
  const Groups head = {{"features.0.0", "features.0.1", "features.0.2"},
                       {"features.1.conv.1", "features.1.conv.2"},
                       {"features.1.conv.0.0", "features.1.conv.0.1", "features.1.conv.0.2"},
                       {"features.2.conv.2", "features.2.conv.3"},
                       {"features.2.conv.0.0", "features.2.conv.0.1", "features.2.conv.0.2"},
                       {"features.2.conv.1.0", "features.2.conv.1.1", "features.2.conv.1.2"}};
  EXPECT_EQ(Groups(groups.begin(), groups.begin() + 6), head);
  EXPECT_EQ(groups[50], (std::vector<std::string>{"features.17.conv.1.0", "features.17.conv.1.1",
                                                  "features.17.conv.1.2"}));
  EXPECT_EQ(groups[51], (std::vector<std::string>{"features.18.0", "features.18.1", "features.18.2"}));
}

TEST(QuantizableMobileNetV2, FusionKeepsFloatOutputs) {
  Generator gen(test::test_seed(6104));
  auto model = quantizable_mobilenet_v2();
  randomize_batchnorms(*model, gen);
  model->eval();
  const Tensor x = randn(kInput, gen);
  const Tensor before = model->forward(x);
  model->fuse_model();
  EXPECT_EQ(typeid(*model->get_submodule("features.0.0")), typeid(nni::ConvReLU2d));
  EXPECT_EQ(typeid(*model->get_submodule("features.2.conv.2")), typeid(nn::Conv2d));
  EXPECT_EQ(typeid(*model->get_submodule("features.2.conv.3")), typeid(nn::Identity));
  EXPECT_EQ(count_of<nn::BatchNorm2d>(*model), 0);
  EXPECT_LE(max_abs_diff(before, model->forward(x)), 1e-4F * max_abs(before));
}

TEST(QuantizableMobileNetV2, QuantizesToInt8ModulesThatTrackTheFloatLogits) {
  Generator gen(test::test_seed(6105));
  auto model = quantizable_mobilenet_v2();
  randomize_batchnorms(*model, gen);
  model->eval();
  model->fuse_model();
  const auto int8 = quantize_x86(model, gen);
  expect_no_float_layers(*int8);
  EXPECT_EQ(count_of<nnq::Conv2d>(*int8), 52);
  EXPECT_EQ(count_of<nniq::ConvReLU2d>(*int8), 35);
  EXPECT_EQ(count_of<nnq::Linear>(*int8), 1);
  // Every block's skip_add, also the 7 without a residual connection whose observer saw nothing
  // (PyTorch converts those too, with default qparams; they never run).
  EXPECT_EQ(count_of<nnq::QFunctional>(*int8), 17);
  EXPECT_EQ(typeid(*int8->quant), typeid(nnq::Quantize));
  EXPECT_EQ(typeid(*int8->dequant), typeid(nnq::DeQuantize));
  for (int i = 0; i < 2; ++i) {
    const Tensor x = randn(kInput, gen);
    const Tensor ref = model->forward(x), got = int8->forward(x);
    EXPECT_EQ(got.dtype(), kFloat32);
    EXPECT_GT(cosine_similarity(got, ref), 0.95) << "batch " << i;
  }
}

TEST(QuantizableMobileNetV2, RejectsBadOptions) {
  EXPECT_OCTET_ERROR(quantizable_mobilenet_v2({.width_mult = 0.0}), "expected positive width_mult");
  EXPECT_OCTET_ERROR(QuantizableInvertedResidual(16, 16, /*stride=*/3, /*expand_ratio=*/6),
                     "expected stride 1 or 2, got 3");
}

}  // namespace
}  // namespace octet::models
