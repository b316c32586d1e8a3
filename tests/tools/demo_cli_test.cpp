// demo_cli_test.cpp: `octet demo`, the main job, on a slice of Fashion-MNIST: the table's rows and
// figures, the JSON report, and the errors for a missing dataset and bad options.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "octet/io/idx.h"
#include "tools/cli_runner.h"

namespace octet {
namespace {

#ifdef OCTET_CLI_PATH

using test::contains;
using test::run_cli;

bool dataset_present() {
  return std::filesystem::exists(io::default_fashion_mnist_root() + "/t10k-images-idx3-ubyte.gz");
}

TEST(DemoCli, PrintsTheTableAndWritesJson) {
  if (!dataset_present()) GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed (scripts/setup.sh installs it)";
  const std::string json = (std::filesystem::temp_directory_path() / "octet_demo_test.json").string();
  const auto r = run_cli("demo --limit 512 --calib 256 --batch 64 --json " + json);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* text : {"FashionCNN", "static PTQ", "FashionLSTM", "dynamic PTQ", "FP32", "INT8", "smaller",
                           "512 test images", "calibrating FashionCNN"}) {
    EXPECT_TRUE(contains(r.output, text)) << text << "\n" << r.output;
  }
  std::ifstream f(json);
  const nlohmann::json j = nlohmann::json::parse(f);
  std::filesystem::remove(json);
  for (const char* model : {"FashionCNN", "FashionLSTM"}) {
    const auto& m = j["models"][model];
    // Trained models: well above chance in float, and int8 close to float on the same images.
    EXPECT_GT(m["fp32_accuracy"].get<double>(), 80.0) << model;
    EXPECT_NEAR(m["int8_accuracy"].get<double>(), m["fp32_accuracy"].get<double>(), 3.0) << model;
    EXPECT_GT(m["fp32_kib"].get<double>() / m["int8_kib"].get<double>(), 3.0) << model;
  }
  // Every quantized module's output qparams, by name (what the PyTorch comparison reads).
  for (const char* name : {"quant", "conv1", "conv2", "add1", "fc"}) {
    ASSERT_TRUE(j["cnn_qparams"].contains(name)) << name;
    EXPECT_GT(j["cnn_qparams"][name]["scale"].get<double>(), 0.0) << name;
  }
}

TEST(DemoCli, Errors) {
  const auto missing = run_cli("demo --data /nonexistent-octet-dir");
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_TRUE(contains(missing.output, "/nonexistent-octet-dir")) << missing.output;
  const auto bad = run_cli("demo --bogus");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_TRUE(contains(bad.output, "unknown argument '--bogus'")) << bad.output;
  const auto zero = run_cli("demo --batch 0");
  EXPECT_EQ(zero.exit_code, 2) << zero.output;
  EXPECT_TRUE(contains(zero.output, "--batch")) << zero.output;
  const auto help = run_cli("demo --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(contains(help.output, "static post-training quantization"));
}

#endif  // OCTET_CLI_PATH

}  // namespace
}  // namespace octet
