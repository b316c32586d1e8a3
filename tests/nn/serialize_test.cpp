// serialize_test.cpp: state dicts on disk as safetensors: round trips, PyTorch checkpoints loaded
// into the equivalent Octet model (same outputs), and the errors a bad file or model gives.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "common/golden.h"
#include "common/test_util.h"
#include "nn/test_models.h"
#include "octet/octet.h"

namespace octet::nn {
namespace {

using test_models::Block;
using test_models::Net;

// A unique path in the temp folder, removed when the object goes away.
class TempPath {
 public:
  TempPath() {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("octet_nn_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".safetensors"))
                .string();
  }
  ~TempPath() { std::remove(path_.c_str()); }
  const std::string& str() const { return path_; }

 private:
  std::string path_;
};

std::string golden(const std::string& name) { return std::string(OCTET_TEST_DATA_DIR) + "/golden/" + name; }

TEST(Serialize, SaveThenLoadRestoresEveryTensor) {
  Net a(/*seed=*/8), b(/*seed=*/9);
  a.set_buffer("step", full({}, 5.0, kInt64));
  TempPath file;
  save_state_dict(a, file.str());
  const io::SafetensorsFile raw = io::load_safetensors(file.str());
  EXPECT_EQ(raw.tensors.size(), a.state_dict().size());
  EXPECT_EQ(raw.metadata.at("format"), "pt");
  const IncompatibleKeys r = load_state_dict(b, file.str());
  EXPECT_TRUE(r.missing_keys.empty() && r.unexpected_keys.empty());
  for (const auto& [key, t] : a.state_dict()) EXPECT_TRUE(equal(t, b.state_dict().at(key))) << key;
  EXPECT_EQ(b.get_buffer("step").at<int64_t>({}), 5);
}

TEST(Serialize, LoadsAPyTorchCheckpointAndMatchesItsOutput) {
  Net net;
  const IncompatibleKeys r = load_state_dict(net, golden("nn_net_state_dict.safetensors"));
  EXPECT_TRUE(r.missing_keys.empty() && r.unexpected_keys.empty());
  EXPECT_FLOAT_EQ(net.scale.at<float>({0}), 1.25f);
  EXPECT_EQ(net.get_buffer("layer1.1.bn1.num_batches_tracked").at<int64_t>({}), 101);
  const io::SafetensorsFile io_file = io::load_safetensors(golden("nn_net_io.safetensors"));
  net.eval();
  const Tensor y = net.forward(io_file.tensors.at("input"));
  octet::test::expect_close(y, io_file.tensors.at("output"), "nn_net", 1e-5);
}

TEST(Serialize, ErrorsComeFromTheFileOrTheModel) {
  Net net;
  EXPECT_OCTET_ERROR(load_state_dict(net, "/nonexistent/octet/weights.safetensors"), "weights.safetensors");
  // A checkpoint of another model: strict loading lists what does not match.
  Block block(8);
  TempPath file;
  save_state_dict(block, file.str());
  EXPECT_OCTET_ERROR(load_state_dict(net, file.str()), "Missing key(s) in state_dict: \"scale\", \"temperature\"");
  const IncompatibleKeys r = load_state_dict(net, file.str(), /*strict=*/false);
  EXPECT_EQ(r.missing_keys.size(), net.state_dict().size());
  EXPECT_EQ(r.unexpected_keys.size(), block.state_dict().size());
}

}  // namespace
}  // namespace octet::nn
