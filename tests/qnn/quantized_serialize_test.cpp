// quantized_serialize_test.cpp: a quantized model's state dict as safetensors (integers + qparams, never packed layouts): a whole model saved and reloaded gives identical int8 outputs; every quantized scheme round-trips; malformed files are Errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "octet/io/safetensors.h"
#include "octet/nn/intrinsic/quantized/conv_relu.h"
#include "octet/nn/intrinsic/quantized/linear_relu.h"
#include "octet/nn/quantized/conv.h"
#include "octet/nn/quantized/functional_modules.h"
#include "octet/nn/quantized/linear.h"
#include "octet/nn/quantized/normalization.h"
#include "octet/nn/quantized/quantize.h"
#include "octet/nn/serialize.h"
#include "octet/octet.h"
#include "qnn/qnn_test_util.h"

namespace octet {
namespace {

namespace nnq = octet::nn::quantized;
namespace nniq = octet::nn::intrinsic::quantized;
using test::expect_same_quantized;

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("octet_qnn_" + name + ".safetensors")).string();
}

// A small quantized CNN as convert() would leave it: quantize, conv+relu (per-channel weights),
// conv (per-tensor), batch norm, a residual add, flatten, linear+relu, linear, dequantize.
class QuantizedNet : public nn::Cloneable<QuantizedNet> {
 public:
  QuantizedNet() {
    register_module("quant", &QuantizedNet::quant, std::make_shared<nnq::Quantize>(0.05, 128, kQUInt8));
    register_module("conv1", &QuantizedNet::conv1,
                    std::make_shared<nniq::ConvReLU2d>(3, 8, Shape{3}, nn::ConvOptions{.padding = {1}}));
    register_module("conv2", &QuantizedNet::conv2,
                    std::make_shared<nnq::Conv2d>(8, 8, Shape{3}, nn::ConvOptions{.padding = {1}, .groups = 2}));
    register_module("bn", &QuantizedNet::bn, std::make_shared<nnq::BatchNorm2d>(8));
    register_module("skip", &QuantizedNet::skip, std::make_shared<nnq::QFunctional>());
    register_module("fc1", &QuantizedNet::fc1, std::make_shared<nniq::LinearReLU>(8 * 4 * 4, 16));
    register_module("fc2", &QuantizedNet::fc2, std::make_shared<nnq::Linear>(16, 10));
    register_module("dequant", &QuantizedNet::dequant, std::make_shared<nnq::DeQuantize>());
  }
  Tensor forward(const Tensor& x) override {
    const Tensor a = conv1->forward(quant->forward(x));
    const Tensor b = bn->forward(conv2->forward(a));
    const Tensor s = skip->add_relu(a, b).flatten(1);
    return dequant->forward(fc2->forward(fc1->forward(s)));
  }
  // Everything random: weights, biases, statistics, output qparams.
  void randomize(Generator& gen) {
    std::vector<double> sc;
    for (int c = 0; c < 8; ++c) sc.push_back(static_cast<float>(0.01 + 0.002 * c));
    conv1->set_weight_bias(quantize_per_channel(randn({8, 3, 3, 3}, gen), sc, std::vector<int64_t>(8, 0), 0, kQInt8),
                           randn({8}, gen));
    conv1->set_scale(0.06);
    conv1->set_zero_point(0);
    conv2->set_weight_bias(quantize_per_tensor(randn({8, 4, 3, 3}, gen), 0.02, 2, kQInt8), randn({8}, gen));
    conv2->set_scale(0.09);
    conv2->set_zero_point(120);
    bn->weight.copy_(randn({8}, gen));
    bn->bias.copy_(randn({8}, gen));
    bn->running_mean.copy_(randn({8}, gen));
    bn->running_var.copy_(functional::add(rand({8}, gen), 0.5));
    bn->set_scale(0.08);
    bn->set_zero_point(125);
    skip->set_scale(0.1);
    skip->set_zero_point(0);
    fc1->set_weight_bias(quantize_per_tensor(randn({16, 128}, gen), 0.03, 0, kQInt8), randn({16}, gen));
    fc1->set_scale(0.2);
    fc1->set_zero_point(0);
    fc2->set_weight_bias(quantize_per_tensor(randn({10, 16}, gen), 0.04, -3, kQInt8), randn({10}, gen));
    fc2->set_scale(0.3);
    fc2->set_zero_point(130);
  }

  std::shared_ptr<nnq::Quantize> quant;
  std::shared_ptr<nniq::ConvReLU2d> conv1;
  std::shared_ptr<nnq::Conv2d> conv2;
  std::shared_ptr<nnq::BatchNorm2d> bn;
  std::shared_ptr<nnq::QFunctional> skip;
  std::shared_ptr<nniq::LinearReLU> fc1;
  std::shared_ptr<nnq::Linear> fc2;
  std::shared_ptr<nnq::DeQuantize> dequant;
};

TEST(QuantizedStateDictFile, AWholeModelReloadsWithIdenticalOutputs) {
  Generator gen(test::test_seed(681));
  QuantizedNet net;
  net.randomize(gen);
  const Tensor x = randn({2, 3, 4, 4}, gen);
  const Tensor before = net.forward(x);
  const std::string path = temp_path("net");
  nn::save_state_dict(net, path);

  // The file: integers under the weight's key, qparams beside it, the scheme in the metadata.
  const io::SafetensorsFile file = io::load_safetensors(path);
  EXPECT_EQ(file.tensors.at("conv1.weight").dtype(), kInt8);
  EXPECT_EQ(file.tensors.at("conv1.weight").shape(), (Shape{8, 3, 3, 3}));
  EXPECT_EQ(file.tensors.at("conv1.weight_scale").shape(), Shape{8});
  EXPECT_EQ(file.tensors.at("conv1.weight_scale").dtype(), kFloat64);
  EXPECT_EQ(file.tensors.at("conv1.weight_zero_point").dtype(), kInt64);
  EXPECT_EQ(file.tensors.at("conv2.weight_scale").shape(), Shape{});
  EXPECT_EQ(file.tensors.at("conv1.bias").dtype(), kFloat32);
  EXPECT_EQ(file.tensors.at("fc2.scale").dtype(), kFloat64);
  const nlohmann::json meta = nlohmann::json::parse(file.metadata.at("octet.quantized"));
  EXPECT_EQ(meta.at("conv1.weight").at("qscheme"), "per_channel_affine");
  EXPECT_EQ(meta.at("conv1.weight").at("axis"), 0);
  EXPECT_EQ(meta.at("conv2.weight").at("qscheme"), "per_tensor_affine");
  EXPECT_EQ(meta.at("fc1.weight").at("dtype"), "qint8");
  EXPECT_EQ(file.metadata.at("format"), "pt");
  // Smaller than float: 8-bit weights plus a few qparams.
  EXPECT_EQ(file.tensors.at("fc1.weight").nbytes(), 16u * 128u);

  QuantizedNet fresh;
  const nn::IncompatibleKeys keys = nn::load_state_dict(fresh, path);
  EXPECT_TRUE(keys.missing_keys.empty() && keys.unexpected_keys.empty());
  EXPECT_TRUE(equal(fresh.forward(x), before));
  expect_same_quantized(fresh.conv1->weight(), net.conv1->weight(), "conv1 weight");
  // The int8 path itself: the reloaded model gives the same integers at every layer.
  const Tensor xq = net.quant->forward(x);
  expect_same_quantized(fresh.conv1->forward(xq), net.conv1->forward(xq), "conv1 output");
  std::filesystem::remove(path);
}

// Every scheme a quantized tensor can have, including the rowwise embedding ones (float zero
// points, quint4x2), round-trips through the file encoding exactly.
TEST(QuantizedStateDictFile, EverySchemeRoundTrips) {
  Generator gen(test::test_seed(682));
  nn::StateDict sd("sd");
  sd.insert("pt_u8", quantize_per_tensor(randn({3, 5}, gen), 0.1, 17, kQUInt8));
  sd.insert("pt_s8_symmetric", make_per_tensor_quantized_tensor(randint(-128, 128, {4}, gen, kInt8), 0.3, 0));
  sd.insert("pt_s32", quantize_per_tensor(randn({6}, gen), 0.001, 5, kQInt32));
  sd.insert("pc_axis1", quantize_per_channel(randn({2, 3, 4}, gen), std::vector<double>{0.1, 0.2, 0.30000000000000004},
                                             std::vector<int64_t>{1, -2, 3}, 1, kQInt8));
  sd.insert("rowwise_u8", quantize_per_channel(randn({4, 6}, gen), from_vector(std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f}),
                                               from_vector(std::vector<float>{1.5f, 2.5f, 0.0f, 7.25f}), 0, kQUInt8));
  sd.insert("rowwise_u4", quantize_per_channel(randn({3, 5}, gen), from_vector(std::vector<float>{0.5f, 0.25f, 1.0f}),
                                               from_vector(std::vector<float>{3.0f, 4.0f, 5.5f}), 0, kQUInt4x2));
  sd.insert("plain", randn({2}, gen));
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;
  nn::state_dict_to_safetensors(sd, tensors, metadata);
  EXPECT_EQ(tensors.at("rowwise_u4").shape(), Shape{8});  // 15 values, packed two per byte
  const std::vector<uint8_t> bytes = io::save_safetensors(tensors, metadata);
  io::SafetensorsFile file = io::load_safetensors(bytes);
  const nn::StateDict back = nn::state_dict_from_safetensors(std::move(file.tensors), file.metadata);
  ASSERT_EQ(back.size(), sd.size());
  for (const auto& [key, t] : sd) {
    ASSERT_TRUE(back.contains(key)) << key;
    EXPECT_TRUE(equal(back.at(key), t)) << key;
    if (t.is_quantized()) {
      EXPECT_EQ(back.at(key).qscheme(), t.qscheme()) << key;
    }
  }
}

TEST(QuantizedStateDictFile, Errors) {
  Generator gen(test::test_seed(683));
  nn::StateDict clash("sd");
  clash.insert("w", quantize_per_tensor(randn({2}, gen), 0.1, 0, kQInt8));
  clash.insert("w_scale", randn({1}, gen));
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;
  EXPECT_OCTET_ERROR(nn::state_dict_to_safetensors(clash, tensors, metadata),
                     "the state dict has both the quantized tensor \"w\" and a tensor named \"w_scale\"");

  nn::StateDict sd("sd");
  sd.insert("w", quantize_per_channel(randn({2, 3}, gen), std::vector<double>{0.1, 0.2}, std::vector<int64_t>{0, 0}, 0,
                                      kQInt8));
  std::map<std::string, Tensor> good;
  std::map<std::string, std::string> good_meta;
  nn::state_dict_to_safetensors(sd, good, good_meta);
  auto load = [](std::map<std::string, Tensor> t, std::map<std::string, std::string> m) {
    return nn::state_dict_from_safetensors(std::move(t), m, "model.safetensors");
  };
  {
    auto t = good;
    t.erase("w_scale");
    EXPECT_OCTET_ERROR(load(t, good_meta), "model.safetensors: the quantized tensor \"w\" has no \"w_scale\" tensor");
  }
  {
    auto t = good;
    t["w_scale"] = zeros({3}, kFloat64);
    EXPECT_OCTET_ERROR(load(t, good_meta), "\"w_scale\" must have shape [2], got [3]");
  }
  {
    auto t = good;
    t["w"] = zeros({2, 3}, kUInt8);
    EXPECT_OCTET_ERROR(load(t, good_meta), "the integers of \"w\" (qint8) must be stored as int8, got uint8");
  }
  {
    auto m = good_meta;
    m["octet.quantized"] = "{\"w\": {\"dtype\": \"qint9\", \"qscheme\": \"per_channel_affine\", \"axis\": 0}}";
    EXPECT_OCTET_ERROR(load(good, m), "\"w\" has an unknown quantized dtype \"qint9\"");
    m["octet.quantized"] = "{\"w\": {\"dtype\": \"qint8\", \"qscheme\": \"per_channel_affine\", \"axis\": 5}}";
    EXPECT_OCTET_ERROR(load(good, m), "axis 5 of \"w\" is outside its shape [2, 3]");
    m["octet.quantized"] = "{\"w\": {\"dtype\": \"qint8\", \"qscheme\": \"per_channel_affine\"}}";
    EXPECT_OCTET_ERROR(load(good, m), "the per-channel tensor \"w\" needs an integer \"axis\"");
    m["octet.quantized"] = "not json";
    EXPECT_OCTET_ERROR(load(good, m), "the \"octet.quantized\" metadata must be a JSON object");
    m["octet.quantized"] = "{\"missing\": {\"dtype\": \"qint8\", \"qscheme\": \"per_tensor_affine\"}}";
    EXPECT_OCTET_ERROR(load(good, m), "\"octet.quantized\" lists \"missing\" but the file has no tensor of that name");
  }
  {
    auto t = good;
    t["w_zero_point"] = zeros({2}, kFloat32);
    EXPECT_OCTET_ERROR(load(t, good_meta), "\"w_zero_point\" must be int64, got float32");
  }
  // A quantized module refuses a checkpoint whose weight lost its qparams (no metadata entry).
  nnq::Linear lin(3, 2);
  nn::StateDict plain("sd");
  plain.insert("weight", lin.weight().int_repr());
  plain.insert("bias", zeros({2}));
  plain.insert("scale", full({}, 1.0, kFloat64));
  plain.insert("zero_point", zeros({}, kInt64));
  EXPECT_OCTET_ERROR(lin.load_state_dict(plain), "expected a qint8 tensor (the quantized weight with its qparams), got int8");
}

}  // namespace
}  // namespace octet
