// models_test.cpp: real architectures (ResNet-18, MobileNetV2, an LSTM tagger) built from octet::nn
// load PyTorch state dicts by name and reproduce PyTorch's outputs (scripts/golden/gen_models.py).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "models/lstm_tagger.h"
#include "models/mobilenet_v2.h"
#include "models/resnet.h"
#include "octet/io/safetensors.h"
#include "octet/nn/serialize.h"

namespace octet::models {
namespace {

std::string model_path(const std::string& name) { return std::string(OCTET_TEST_DATA_DIR) + "/models/" + name; }

// A unique path in the temp folder, removed when the object goes away.
class TempPath {
 public:
  TempPath() {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("octet_models_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".safetensors"))
                .string();
  }
  ~TempPath() { std::remove(path_.c_str()); }
  const std::string& str() const { return path_; }

 private:
  std::string path_;
};

// The state_dict keys PyTorch listed, in its order, from the weights file's metadata.
std::vector<std::string> pytorch_keys(const io::SafetensorsFile& file) {
  return nlohmann::json::parse(file.metadata.at("state_dict_keys")).get<std::vector<std::string>>();
}

std::vector<std::string> keys_of(const nn::Module& module) {
  std::vector<std::string> keys;
  for (const auto& item : module.state_dict()) keys.push_back(item.first);
  return keys;
}

int64_t parameter_count(const nn::Module& module) {
  int64_t n = 0;
  for (const Tensor& p : module.parameters()) n += p.numel();
  return n;
}

// Loads <name>.safetensors strictly, runs <name>_io.safetensors' input in eval mode and compares
// with PyTorch's output.
void expect_matches_pytorch(nn::Module& model, const std::string& name, double rtol) {
  const nn::IncompatibleKeys r = nn::load_state_dict(model, model_path(name + ".safetensors"));
  EXPECT_TRUE(r.missing_keys.empty() && r.unexpected_keys.empty());
  model.eval();
  const io::SafetensorsFile io_file = io::load_safetensors(model_path(name + "_io.safetensors"));
  test::expect_close(model.forward(io_file.tensors.at("input")), io_file.tensors.at("output"), name, rtol);
}

// Writes the weights file without `key` and expects strict loading to fail naming it.
void expect_missing_key_named(nn::Module& model, const std::string& name, const std::string& key) {
  io::SafetensorsFile file = io::load_safetensors(model_path(name + ".safetensors"));
  ASSERT_EQ(file.tensors.erase(key), 1u) << key;
  TempPath tmp;
  io::save_safetensors(tmp.str(), file.tensors);
  EXPECT_OCTET_ERROR(nn::load_state_dict(model, tmp.str()), key);
  // Non-strict loading reports the key instead.
  const nn::IncompatibleKeys r = nn::load_state_dict(model, tmp.str(), /*strict=*/false);
  EXPECT_EQ(r.missing_keys, std::vector<std::string>{key});
  EXPECT_TRUE(r.unexpected_keys.empty());
}

// --- ResNet-18 ------------------------------------------------------------------------------------

std::shared_ptr<ResNet> small_resnet18() { return resnet18({.num_classes = 10, .width = 8}); }

TEST(ResNet18, StateDictKeysAreTorchvisions) {
  const io::SafetensorsFile file = io::load_safetensors(model_path("resnet18.safetensors"));
  EXPECT_EQ(keys_of(*small_resnet18()), pytorch_keys(file));
  EXPECT_EQ(file.metadata.at("width"), "8");
}

TEST(ResNet18, FullSizeHasTorchvisionsParameterCount) {
  // torchvision.models.resnet18(): 11,689,512 parameters; the keys do not depend on the width.
  auto model = resnet18();
  EXPECT_EQ(parameter_count(*model), 11689512);
  EXPECT_EQ(keys_of(*model), keys_of(*small_resnet18()));
  EXPECT_EQ(model->layer4->at<BasicBlock>(0)->downsample->at<nn::Conv2d>(0)->weight.shape(), (Shape{512, 256, 1, 1}));
  EXPECT_EQ(model->fc->weight.shape(), (Shape{1000, 512}));
}

TEST(ResNet18, MatchesPyTorch) {
  // 20 convolutions deep. Measured: 1.5e-6 from PyTorch's logits (PyTorch's own float32 answer is
  // 8.7e-7 from its float64 one), well inside 1e-5.
  auto model = small_resnet18();
  expect_matches_pytorch(*model, "resnet18", 1e-5);
}

TEST(ResNet18, CloneComputesTheSame) {
  auto model = small_resnet18();
  nn::load_state_dict(*model, model_path("resnet18.safetensors"));
  model->eval();
  auto copy = model->clone();
  ASSERT_NE(copy->layer2->at<BasicBlock>(0)->downsample, nullptr);
  EXPECT_NE(copy->layer2->at<BasicBlock>(0)->downsample, model->layer2->at<BasicBlock>(0)->downsample);
  const Tensor x = io::load_safetensors(model_path("resnet18_io.safetensors")).tensors.at("input");
  EXPECT_TRUE(equal(copy->forward(x), model->forward(x)));
}

TEST(ResNet18, PrintsLikeTorchvision) {
  const std::string repr = small_resnet18()->to_string();
  EXPECT_NE(repr.find("(layer2): Sequential(\n    (0): BasicBlock(\n      (conv1): Conv2d("), std::string::npos) << repr;
  EXPECT_NE(repr.find("(downsample): Sequential("), std::string::npos) << repr;
}

TEST(ResNet18, StrictLoadNamesAMissingKey) {
  auto model = small_resnet18();
  expect_missing_key_named(*model, "resnet18", "layer3.0.downsample.1.running_var");
}

TEST(ResNet18, WrongWidthIsAShapeError) {
  auto model = resnet18({.num_classes = 10, .width = 16});
  EXPECT_OCTET_ERROR(nn::load_state_dict(*model, model_path("resnet18.safetensors")), "conv1.weight");
}

TEST(ResNet18, BadArgumentsAreErrors) {
  EXPECT_OCTET_ERROR(ResNet({2, 2, 2}), "ResNet: expected 4 stages of blocks, got 3");
  EXPECT_OCTET_ERROR(resnet18({.width = 0}), "expected a positive width and num_classes, got width=0");
}

TEST(ResNet18, RejectsAnInputWithTheWrongChannels) {
  auto model = small_resnet18();
  model->eval();
  Generator gen(test::test_seed(3));
  EXPECT_OCTET_ERROR(model->forward(randn({1, 4, 32, 32}, gen)), "Conv2d: expected an input with 3 channels");
}

// --- MobileNetV2 ----------------------------------------------------------------------------------

std::shared_ptr<MobileNetV2> small_mobilenet_v2() { return mobilenet_v2({.num_classes = 10, .width_mult = 0.25}); }

TEST(MobileNetV2, MakeDivisibleIsTorchvisions) {
  EXPECT_EQ(make_divisible(32 * 0.25, 8), 8);
  EXPECT_EQ(make_divisible(16 * 0.25, 8), 8);
  EXPECT_EQ(make_divisible(24 * 0.35, 8), 8);
  EXPECT_EQ(make_divisible(96 * 0.35, 8), 32);  // 33.6 -> 32, kept: within 10%
  EXPECT_EQ(make_divisible(320 * 0.35, 8), 112);
  EXPECT_EQ(make_divisible(1280 * 1.4, 8), 1792);
  EXPECT_EQ(make_divisible(10.0, 8), 16);  // 8 would lose over 10%
}

TEST(MobileNetV2, StateDictKeysAreTorchvisions) {
  const io::SafetensorsFile file = io::load_safetensors(model_path("mobilenet_v2.safetensors"));
  EXPECT_EQ(keys_of(*small_mobilenet_v2()), pytorch_keys(file));
  EXPECT_EQ(file.metadata.at("width_mult"), "0.25");
}

TEST(MobileNetV2, FullSizeHasTorchvisionsStructure) {
  // torchvision.models.mobilenet_v2(): 3,504,872 parameters, 19 feature blocks, 1280 channels.
  auto model = mobilenet_v2();
  EXPECT_EQ(parameter_count(*model), 3504872);
  EXPECT_EQ(model->features->size(), 19u);
  EXPECT_EQ(model->last_channel(), 1280);
  EXPECT_EQ(keys_of(*model), keys_of(*small_mobilenet_v2()));
  // Block 1 has no expansion conv (t = 1); block 2 expands 16 -> 96 and is strided; block 3 is residual.
  EXPECT_EQ(model->features->at<InvertedResidual>(1)->conv->size(), 3u);
  EXPECT_EQ(model->features->at<InvertedResidual>(2)->conv->size(), 4u);
  EXPECT_FALSE(model->features->at<InvertedResidual>(2)->use_res_connect());
  EXPECT_TRUE(model->features->at<InvertedResidual>(3)->use_res_connect());
  const auto depthwise = model->features->at<InvertedResidual>(2)->conv->at<Conv2dNormActivation>(1)->at<nn::Conv2d>(0);
  EXPECT_EQ(depthwise->weight.shape(), (Shape{96, 1, 3, 3}));
}

TEST(MobileNetV2, MatchesPyTorch) {
  // 52 convolutions deep, and the logits are small sums of 1280 terms of both signs (the
  // classifier is initialised N(0, 0.01)), so float32 rounding shows: PyTorch's own float32 logits
  // are 7.1e-6 (relative) from its float64 ones, and Octet's are 6.1e-6 (ref kernels) to 8.7e-6
  // (AVX2, AVX-512) from PyTorch's. Two float32 answers can each be that far from the exact one,
  // in opposite directions, so the bound is twice the noise floor rather than 1e-5.
  auto model = small_mobilenet_v2();
  expect_matches_pytorch(*model, "mobilenet_v2", 2e-5);
}

TEST(MobileNetV2, CloneComputesTheSame) {
  auto model = small_mobilenet_v2();
  nn::load_state_dict(*model, model_path("mobilenet_v2.safetensors"));
  model->eval();
  auto copy = model->clone();
  EXPECT_NE(copy->features->at<Conv2dNormActivation>(0), model->features->at<Conv2dNormActivation>(0));
  const Tensor x = io::load_safetensors(model_path("mobilenet_v2_io.safetensors")).tensors.at("input");
  EXPECT_TRUE(equal(copy->forward(x), model->forward(x)));
}

TEST(MobileNetV2, PrintsLikeTorchvision) {
  const std::string repr = small_mobilenet_v2()->to_string();
  EXPECT_NE(repr.find("(0): Conv2dNormActivation(\n      (0): Conv2d("), std::string::npos) << repr;
  EXPECT_NE(repr.find("(1): InvertedResidual(\n      (conv): Sequential("), std::string::npos) << repr;
  EXPECT_NE(repr.find("(classifier): Sequential(\n    (0): Dropout(p=0.2, inplace=False)"), std::string::npos) << repr;
}

TEST(MobileNetV2, StrictLoadNamesAMissingKey) {
  auto model = small_mobilenet_v2();
  expect_missing_key_named(*model, "mobilenet_v2", "features.5.conv.1.1.num_batches_tracked");
}

TEST(MobileNetV2, BadArgumentsAreErrors) {
  EXPECT_OCTET_ERROR(mobilenet_v2({.width_mult = 0}), "MobileNetV2: expected positive width_mult");
  EXPECT_OCTET_ERROR(InvertedResidual(8, 8, /*stride=*/3, /*expand_ratio=*/6),
                     "InvertedResidual: expected stride 1 or 2, got 3");
}

// --- LSTM tagger ----------------------------------------------------------------------------------

std::shared_ptr<LSTMTagger> committed_tagger() {
  // The sizes gen_models.py used (also in the file's metadata).
  return std::make_shared<LSTMTagger>(/*vocab_size=*/50, /*embedding_dim=*/16, /*hidden_size=*/24, /*num_tags=*/7,
                                      LSTMTaggerOptions{.num_layers = 2, .padding_idx = 0});
}

TEST(LSTMTagger, StateDictKeysArePyTorchs) {
  const io::SafetensorsFile file = io::load_safetensors(model_path("lstm_tagger.safetensors"));
  EXPECT_EQ(keys_of(*committed_tagger()), pytorch_keys(file));
  EXPECT_EQ(file.metadata.at("num_layers"), "2");
}

TEST(LSTMTagger, MatchesPyTorch) {
  auto model = committed_tagger();
  expect_matches_pytorch(*model, "lstm_tagger", 1e-5);
}

TEST(LSTMTagger, OutputsLogProbabilities) {
  auto model = committed_tagger();
  nn::load_state_dict(*model, model_path("lstm_tagger.safetensors"));
  model->eval();
  const Tensor tokens = from_vector<int64_t>({3, 1, 4, 1, 5, 9, 0}, {1, 7});
  const Tensor out = model->forward(tokens);
  ASSERT_EQ(out.shape(), (Shape{1, 7, 7}));
  for (int64_t t = 0; t < 7; ++t) {
    double total = 0;
    for (int64_t k = 0; k < 7; ++k) total += std::exp(out.at<float>({0, t, k}));
    EXPECT_NEAR(total, 1.0, 1e-5) << "token " << t;
  }
}

TEST(LSTMTagger, StrictLoadNamesAMissingKey) {
  auto model = committed_tagger();
  expect_missing_key_named(*model, "lstm_tagger", "lstm.bias_hh_l1_reverse");
}

TEST(LSTMTagger, BadInputsAreErrors) {
  EXPECT_OCTET_ERROR(LSTMTagger(50, 16, 24, 0), "LSTMTagger: expected a positive num_tags, got 0");
  auto model = committed_tagger();
  model->eval();
  EXPECT_OCTET_ERROR(model->forward(from_vector<int64_t>({3, 50}, {1, 2})), "index 50 is out of range for 50 embeddings");
  EXPECT_OCTET_ERROR(model->forward(from_vector<float>({3, 5}, {1, 2})), "expected int64 or int32 indices, got float32");
}

}  // namespace
}  // namespace octet::models
