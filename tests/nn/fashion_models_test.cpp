// fashion_models_test.cpp: the Fashion-MNIST models (examples/models/fashion_*.h) with their committed
// weights against PyTorch's logits (tests/data/golden/fashion_models.safetensors, written by
// scripts/models/train_fashion.py), their module names, and their accuracy on the real test split
// when Debian's dataset-fashion-mnist package is installed.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "models/fashion_cnn.h"
#include "models/fashion_data.h"
#include "models/fashion_lstm.h"
#include "octet/io/idx.h"
#include "octet/nn/serialize.h"

namespace octet::test {
namespace {

// The committed weights live in data/models/ at the top of the source tree.
std::string fashion_weights(const std::string& model) {
  return std::string(OCTET_TEST_DATA_DIR) + "/../../data/models/" + model + ".safetensors";
}

// The training script's float accuracy on the 10,000 test images, from the weights file's metadata.
double recorded_accuracy(const std::string& model) {
  const io::SafetensorsFile file = io::load_safetensors(fashion_weights(model));
  return std::stod(file.metadata.at("test_accuracy"));
}

std::vector<std::string> child_names(const nn::Module& m) {
  std::vector<std::string> names;
  for (const auto& [name, child] : m.named_children()) names.push_back(name);
  return names;
}

TEST(FashionModels, NormalizationIsBitIdenticalToTheScript) {
  const GoldenFile golden("fashion_models");
  const GoldenCase c = golden.cases_of("fashion_cnn").at(0);
  const Tensor x = models::normalize_fashion_images(c.in(0));
  const Tensor expected = c.in(1).contiguous();
  ASSERT_EQ(x.shape(), expected.shape());
  ASSERT_EQ(expected.dtype(), kFloat32);
  EXPECT_EQ(std::memcmp(x.raw_data(), expected.raw_data(), x.nbytes()), 0);
}

TEST(FashionModels, CnnMatchesPyTorch) {
  const GoldenFile golden("fashion_models");
  const GoldenCase c = golden.cases_of("fashion_cnn").at(0);
  models::FashionCNN model(c.args.at("c1").get<int64_t>(), c.args.at("c2").get<int64_t>());
  nn::load_state_dict(model, fashion_weights("fashion_cnn"));
  model.eval();
  const Tensor logits = model.forward(models::normalize_fashion_images(c.in(0)));
  ASSERT_EQ(logits.shape(), (Shape{64, 10}));
  EXPECT_LT(relative_error(logits, c.out(0)), 1e-4);
}

TEST(FashionModels, LstmMatchesPyTorch) {
  const GoldenFile golden("fashion_models");
  const GoldenCase c = golden.cases_of("fashion_lstm").at(0);
  models::FashionLSTM model(c.args.at("hidden").get<int64_t>());
  nn::load_state_dict(model, fashion_weights("fashion_lstm"));
  model.eval();
  const Tensor x = models::normalize_fashion_images(c.in(0));
  const Tensor logits = model.forward(x);
  ASSERT_EQ(logits.shape(), (Shape{64, 10}));
  EXPECT_LT(relative_error(logits, c.out(0)), 1e-4);
  // [N, 28, 28] and [N, 1, 28, 28] are the same input.
  EXPECT_LT(relative_error(model.forward(x.squeeze(1)), logits), 1e-7);
}

TEST(FashionModels, ChildNamesAreThoseEagerQuantizationUses) {
  const models::FashionCNN cnn;
  EXPECT_EQ(child_names(cnn),
            (std::vector<std::string>{"quant", "conv1", "bn1", "relu1", "pool1", "conv2", "bn2", "relu2", "conv3",
                                      "bn3", "add1", "conv4", "bn4", "relu4", "conv5", "bn5", "down", "down_bn",
                                      "add2", "pool2", "flatten", "fc", "dequant"}));
  // Every module named in a fusion group exists.
  for (const auto& group : models::FashionCNN::fusion_groups()) {
    for (const auto& name : group) EXPECT_NE(cnn.get_submodule(name), nullptr) << name;
  }
  EXPECT_EQ(models::FashionCNN::fusion_groups().size(), 6u);
  const models::FashionLSTM lstm;
  EXPECT_EQ(child_names(lstm), (std::vector<std::string>{"lstm", "fc"}));
  EXPECT_NE(std::dynamic_pointer_cast<nn::LSTM>(lstm.get_submodule("lstm")), nullptr);
}

TEST(FashionModels, BadArguments) {
  EXPECT_OCTET_ERROR(models::FashionCNN(0, 64), "FashionCNN: expected positive channel counts, got c1=0 c2=64");
  EXPECT_OCTET_ERROR(models::FashionLSTM(-1), "FashionLSTM: expected a positive hidden size, got -1");
  models::FashionLSTM lstm(8);
  EXPECT_OCTET_ERROR(lstm.forward(zeros({2, 28 * 28})), "FashionLSTM: expected images [N, 28, 28] or [N, 1, 28, 28], got 2");
  EXPECT_OCTET_ERROR(lstm.forward(zeros({2, 3, 28, 28})), "got 4 dimensions");
  EXPECT_OCTET_ERROR(models::normalize_fashion_images(zeros({2, 28, 28})),
                     "normalize_fashion_images: expected uint8 images [N, H, W], got float32");
  EXPECT_OCTET_ERROR(models::fashion_batch(zeros({4, 2}), 4, 2), "fashion_batch: batch [4, 6) is outside the 4 rows");
  EXPECT_OCTET_ERROR(models::count_correct(zeros({4, 10}), zeros({3}, kInt64)), "count_correct: expected logits [N, C]");
  EXPECT_OCTET_ERROR(models::fashion_accuracy([](const Tensor& t) { return t; }, zeros({4, 10}), zeros({3}, kInt64)),
                     "fashion_accuracy: 4 images but 3 labels");
}

TEST(FashionModels, CountCorrectTakesTheFirstMaximum) {
  // Row 0: max at 2; row 1: a tie between 1 and 3 goes to 1 (torch.argmax's first occurrence).
  const Tensor logits = from_vector<float>({0, 1, 5, 2, 0, 7, 0, 7}, {2, 4});
  EXPECT_EQ(models::count_correct(logits, from_vector<int64_t>({2, 1}, {2})), 2);
  EXPECT_EQ(models::count_correct(logits, from_vector<int64_t>({2, 3}, {2})), 1);
  EXPECT_EQ(models::count_correct(logits, from_vector<int64_t>({9, 1, 2}, {3}), /*offset=*/1), 0);
}

// Octet's float models on all 10,000 test images classify as PyTorch's did (within 0.05 pt: logits
// agree to ~1e-6, so at most a near-tie or two may flip).
TEST(FashionModels, FloatAccuracyOnTheTestSplit) {
  const std::string root = io::default_fashion_mnist_root();
  if (!std::filesystem::exists(root + "/t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "Fashion-MNIST is not installed in " << root
                 << " (install Debian's dataset-fashion-mnist package, or set OCTET_FASHION_MNIST)";
  }
  const io::FashionMNIST data = io::load_fashion_mnist(root, /*train=*/false);
  const Tensor x = models::normalize_fashion_images(data.images);
  const auto start = std::chrono::steady_clock::now();

  const io::SafetensorsFile cnn_file = io::load_safetensors(fashion_weights("fashion_cnn"));
  models::FashionCNN cnn(std::stoll(cnn_file.metadata.at("c1")), std::stoll(cnn_file.metadata.at("c2")));
  nn::load_state_dict(cnn, fashion_weights("fashion_cnn"));
  cnn.eval();
  const double cnn_acc = models::fashion_accuracy([&](const Tensor& b) { return cnn.forward(b); }, x, data.labels);
  models::FashionLSTM lstm(std::stoll(io::load_safetensors(fashion_weights("fashion_lstm")).metadata.at("hidden")));
  nn::load_state_dict(lstm, fashion_weights("fashion_lstm"));
  lstm.eval();
  const double lstm_acc = models::fashion_accuracy([&](const Tensor& b) { return lstm.forward(b); }, x, data.labels);

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("float accuracy on 10,000 test images: cnn %.2f%% (PyTorch %.2f%%), lstm %.2f%% (PyTorch %.2f%%), %.1f s\n",
              100 * cnn_acc, 100 * recorded_accuracy("fashion_cnn"), 100 * lstm_acc,
              100 * recorded_accuracy("fashion_lstm"), seconds);
  EXPECT_NEAR(cnn_acc, recorded_accuracy("fashion_cnn"), 5e-4);
  EXPECT_NEAR(lstm_acc, recorded_accuracy("fashion_lstm"), 5e-4);
  // Floors well below the trained accuracies: a broken model (random weights, a wrong layer) gets ~10%.
  EXPECT_GE(cnn_acc, 0.85);
  EXPECT_GE(lstm_acc, 0.80);
}

}  // namespace
}  // namespace octet::test
