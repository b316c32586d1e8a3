// static_workflow_test.cpp: eager static PTQ end to end on a small CNN: fuse_modules, qconfig
// propagation, prepare (observers, names), convert (module types, qparams from the observers,
// weights through the qconfig's weight observer), the errors that say what to do, save and load.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "octet/nn/serialize.h"
#include "qnn/qnn_test_util.h"
#include "quantize/workflow_test_util.h"

namespace octet {
namespace {

namespace nnq = octet::nn::quantized;
namespace nni = octet::nn::intrinsic;
namespace nniq = octet::nn::intrinsic::quantized;
namespace Q = octet::quantization;
using test::make_small_net;
using test::max_abs;
using test::max_abs_diff;
using test::module_names;
using test::SmallNet;

std::vector<Tensor> calibration_batches(Generator& gen, int n = 4) {
  std::vector<Tensor> out;
  for (int i = 0; i < n; ++i) out.push_back(randn({4, 3, 8, 8}, gen));
  return out;
}

// fuse + qconfig + prepare + calibrate, the steps every test below starts from.
struct Prepared {
  std::shared_ptr<SmallNet> float_model;  // fused, unprepared
  std::shared_ptr<SmallNet> prepared;
};
Prepared prepare_small_net(Generator& gen, const Q::QConfig& qconfig = Q::get_default_qconfig("x86")) {
  auto net = make_small_net(gen);
  Q::fuse_modules(*net, SmallNet::fusion_groups());
  net->qconfig = qconfig;
  auto prepared = Q::prepare(net);
  for (const Tensor& b : calibration_batches(gen)) prepared->forward(b);
  return {net, prepared};
}

TEST(EagerStaticWorkflow, FusionFoldsBatchNormAndKeepsFloatOutputs) {
  Generator gen(test::test_seed(601));
  auto net = make_small_net(gen);
  const Tensor x = randn({2, 3, 8, 8}, gen);
  const Tensor before = net->forward(x);
  Q::fuse_modules(*net, SmallNet::fusion_groups());
  EXPECT_EQ(typeid(*net->conv1), typeid(nni::ConvReLU2d));
  EXPECT_EQ(typeid(*net->bn1), typeid(nn::Identity));
  EXPECT_EQ(typeid(*net->relu1), typeid(nn::Identity));
  EXPECT_EQ(typeid(*net->conv2), typeid(nn::Conv2d));  // conv + bn folds into a plain conv
  EXPECT_TRUE(std::dynamic_pointer_cast<nn::Conv2d>(net->conv2)->bias.defined());  // it gained a bias
  EXPECT_EQ(typeid(*net->get_submodule("head.0")), typeid(nni::LinearReLU));
  const Tensor after = net->forward(x);
  EXPECT_LE(max_abs_diff(before, after), 1e-5f * std::max(1.0f, max_abs(before)));
  // fused_copy fuses a clone and leaves its argument as it was.
  auto fresh = make_small_net(gen);
  nn::ModulePtr copy = Q::fused_copy(*fresh, SmallNet::fusion_groups());
  EXPECT_EQ(typeid(*copy->get_submodule("conv1")), typeid(nni::ConvReLU2d));
  EXPECT_EQ(typeid(*fresh->conv1), typeid(nn::Conv2d));
  const Tensor fresh_out = fresh->forward(x);
  EXPECT_LE(max_abs_diff(copy->forward(x), fresh_out), 1e-5f * std::max(1.0f, max_abs(fresh_out)));
}

TEST(EagerStaticWorkflow, FusionErrorsLeaveTheModelUnchanged) {
  Generator gen(test::test_seed(602));
  auto net = make_small_net(gen);
  const std::vector<std::string> names = module_names(*net);
  EXPECT_OCTET_ERROR(Q::fuse_modules(*net, {{"conv1", "bn1"}, {"pool", "relu1"}}),
                     "cannot fuse [pool, relu1] of types [AdaptiveAvgPool2d, ReLU]");
  EXPECT_OCTET_ERROR(Q::fuse_modules(*net, {{"conv1", "bn9"}}), "no module 'bn9'");
  EXPECT_OCTET_ERROR(Q::fuse_modules(*net, {{"fc", "bn1"}}), "the known runs are");
  EXPECT_OCTET_ERROR(Q::fuse_modules(*net, {{"conv1"}}), "not a known run");
  EXPECT_OCTET_ERROR(Q::fuse_modules(*net, {{}}), "is empty");
  EXPECT_OCTET_ERROR(Q::fuse_modules(*net, {{"conv1", "bn1"}, {"bn1", "relu1"}}), "more than one group");
  EXPECT_EQ(typeid(*net->conv1), typeid(nn::Conv2d));  // the first, valid group was not applied
  EXPECT_EQ(typeid(*net->bn1), typeid(nn::BatchNorm2d));
  EXPECT_EQ(module_names(*net), names);
  net->train();
  EXPECT_OCTET_ERROR(Q::fuse_modules(*net, {{"conv1", "bn1", "relu1"}}), "Fusion only for eval");
}

TEST(EagerStaticWorkflow, FusionForQatKeepsTheBatchNorm) {
  Generator gen(test::test_seed(603));
  auto net = make_small_net(gen);
  net->train();
  Q::fuse_modules_qat(*net, SmallNet::fusion_groups());
  EXPECT_EQ(typeid(*net->conv1), typeid(nni::ConvBnReLU2d));
  EXPECT_EQ(typeid(*net->conv2), typeid(nni::ConvBn2d));
  EXPECT_EQ(typeid(*net->get_submodule("head.0")), typeid(nni::LinearReLU));
}

// A typed member that cannot hold the replacement: the error says what to declare instead.
class TypedMemberNet : public nn::Cloneable<TypedMemberNet> {
 public:
  TypedMemberNet() {
    register_module("quant", &TypedMemberNet::quant, std::make_shared<Q::QuantStub>());
    register_module("fc", &TypedMemberNet::fc, std::make_shared<nn::Linear>(4, 4));
    register_module("bn", &TypedMemberNet::bn, std::make_shared<nn::BatchNorm1d>(4));
    register_module("dequant", &TypedMemberNet::dequant, std::make_shared<Q::DeQuantStub>());
  }
  Tensor forward(const Tensor& x) override {
    return dequant->forward(bn->forward(fc->forward(quant->forward(x))));
  }
  nn::ModulePtr quant, dequant;
  std::shared_ptr<nn::Linear> fc;
  std::shared_ptr<nn::BatchNorm1d> bn;
};

TEST(EagerStaticWorkflow, TypedMembersGiveActionableErrors) {
  auto net = std::make_shared<TypedMemberNet>();
  net->eval();
  EXPECT_OCTET_ERROR(Q::fuse_modules(*net, {{"fc", "bn"}}), "Declare members that fusion or quantization replaces");
  EXPECT_EQ(typeid(*net->fc), typeid(nn::Linear));  // undone
  EXPECT_EQ(typeid(*net->bn), typeid(nn::BatchNorm1d));
  net->qconfig = Q::get_default_qconfig("x86");
  net->bn->qconfig = nullptr;
  auto prepared = Q::prepare(net);  // Observed<Linear> is a Linear: the typed member holds it
  EXPECT_NE(dynamic_cast<const Q::ObservedModule*>(prepared->fc.get()), nullptr);
  Generator gen(test::test_seed(604));
  prepared->forward(randn({8, 4}, gen));
  EXPECT_OCTET_ERROR(Q::convert(prepared), "declare the member as nn::ModulePtr");
}

TEST(EagerStaticWorkflow, QConfigInheritanceAndOptOut) {
  Generator gen(test::test_seed(605));
  auto net = make_small_net(gen);
  Q::fuse_modules(*net, SmallNet::fusion_groups());
  net->qconfig = Q::get_default_qconfig("x86");
  net->head->qconfig = nullptr;  // the whole head stays float
  Q::QConfigDict dict;
  dict.by_name["fc"] = Q::default_qconfig();  // a dict entry beats the parent's qconfig ...
  Q::propagate_qconfig(*net, dict);
  for (const auto& [name, m] : net->named_modules()) ASSERT_TRUE(m->qconfig.has_value()) << name;
  EXPECT_TRUE(net->head->qconfig.is_none());
  EXPECT_TRUE(net->get_submodule("head.0")->qconfig.is_none());
  EXPECT_FALSE(net->conv1->qconfig.is_none());
  EXPECT_NE(net->fc->qconfig.get(), net->qconfig.get());
  EXPECT_EQ(net->conv1->qconfig.get(), net->qconfig.get());  // inherited
  auto fresh = make_small_net(gen);  // ... and a module's own qconfig beats the dict
  fresh->qconfig = Q::get_default_qconfig("x86");
  fresh->fc->qconfig = Q::default_qconfig();
  const Q::QConfig* own = fresh->fc->qconfig.get();
  Q::propagate_qconfig(*fresh, dict);
  EXPECT_EQ(fresh->fc->qconfig.get(), own);
  // by name beats by type; both beat the parent's
  auto other = make_small_net(gen);
  Q::QConfigDict d2;
  d2.by_name[""] = Q::get_default_qconfig("x86");
  d2.by_type[typeid(nn::Linear)] = nullptr;
  d2.by_name["fc"] = Q::default_qconfig();
  Q::propagate_qconfig(*other, d2);
  EXPECT_TRUE(other->get_submodule("head.0")->qconfig.is_none());
  EXPECT_FALSE(other->fc->qconfig.is_none());
  EXPECT_FALSE(other->conv1->qconfig.is_none());
}

TEST(EagerStaticWorkflow, PrepareAttachesObserversAndKeepsNames) {
  Generator gen(test::test_seed(606));
  auto net = make_small_net(gen);
  Q::fuse_modules(*net, SmallNet::fusion_groups());
  net->qconfig = Q::get_default_qconfig("x86");
  auto prepared = Q::prepare(net);
  EXPECT_EQ(module_names(*prepared), module_names(*net));
  EXPECT_EQ(net->conv1->named_children().size(), 2u);  // the float model is untouched (inplace = false)
  const auto keys = prepared->state_dict().keys();
  for (const char* observed : {"quant", "conv1", "conv2", "head.0", "fc", "skip"}) {
    const std::string key = std::string(observed) + ".activation_post_process.min_val";
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
  }
  for (const char* plain : {"dequant", "pool", "flatten", "bn1", "relu1"}) {
    EXPECT_EQ(prepared->get_submodule(plain)->named_children().size(), 0u) << plain;
  }
  // Observers pass their input through: the prepared model computes the float model's outputs.
  const Tensor x = randn({2, 3, 8, 8}, gen);
  EXPECT_EQ(max_abs_diff(prepared->forward(x), net->forward(x)), 0.0f);
  // Printing shows the float class with its observer as a child, like PyTorch.
  const std::string text = prepared->to_string();
  EXPECT_NE(text.find("(fc): Linear(\n    in_features=16, out_features=4, bias=True\n    (activation_post_process): "
                      "HistogramObserver("),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("(activation_post_process): HistogramObserver"), std::string::npos) << text;
  // The prepared model clones with its observers.
  auto copy = prepared->clone();
  EXPECT_EQ(copy->state_dict().keys(), prepared->state_dict().keys());
  EXPECT_OCTET_ERROR(Q::prepare(prepared), "was prepared before");
  auto bare = make_small_net(gen);
  EXPECT_OCTET_ERROR(Q::prepare(bare), "no module of SmallNet has a qconfig");
}

TEST(EagerStaticWorkflow, ConvertSwapsEveryMappedModuleWithObservedQParams) {
  Generator gen(test::test_seed(607));
  auto [net, prepared] = prepare_small_net(gen);
  auto q = Q::convert(prepared);
  // The float model's names, less the insides of fused runs (one quantized module each, as in PyTorch).
  std::vector<std::string> want_names;
  for (const std::string& name : module_names(*net)) {
    if (name != "conv1.0" && name != "conv1.1" && name != "head.0.0" && name != "head.0.1") want_names.push_back(name);
  }
  EXPECT_EQ(module_names(*q), want_names);
  EXPECT_EQ(typeid(*q->quant), typeid(nnq::Quantize));
  EXPECT_EQ(typeid(*q->conv1), typeid(nniq::ConvReLU2d));
  EXPECT_EQ(typeid(*q->conv2), typeid(nnq::Conv2d));
  EXPECT_EQ(typeid(*q->skip), typeid(nnq::QFunctional));
  EXPECT_EQ(typeid(*q->get_submodule("head.0")), typeid(nniq::LinearReLU));
  EXPECT_EQ(typeid(*q->fc), typeid(nnq::Linear));
  EXPECT_EQ(typeid(*q->dequant), typeid(nnq::DeQuantize));
  EXPECT_EQ(typeid(*q->pool), typeid(nn::AdaptiveAvgPool2d));  // no mapping: stays, runs on quint8
  for (const auto& [name, m] : q->named_modules()) EXPECT_FALSE(m->qconfig.has_value()) << name;
  // Output qparams are the observers' calculate_qparams; weights went through the per-channel
  // weight observer of the x86 qconfig.
  for (const char* name : {"conv1", "conv2", "fc"}) {
    const auto& obs = dynamic_cast<const Q::ObservedModule&>(*prepared->get_submodule(name)).observer();
    const QuantizerPtr want = obs.quantizer();
    const Tensor scale = q->get_submodule(name)->get_buffer("scale");
    const Tensor zp = q->get_submodule(name)->get_buffer("zero_point");
    EXPECT_EQ(scale.item<double>(), want->scale()) << name;
    EXPECT_EQ(zp.item<int64_t>(), want->zero_point()) << name;
  }
  const auto& stub_obs = dynamic_cast<const Q::ObservedModule&>(*prepared->quant).observer();
  EXPECT_EQ(std::dynamic_pointer_cast<nnq::Quantize>(q->quant)->scale(), stub_obs.quantizer()->scale());
  auto conv2 = std::dynamic_pointer_cast<nnq::Conv2d>(q->conv2);
  EXPECT_EQ(conv2->weight().qscheme(), kPerChannelAffine);  // as torch.quantize_per_channel gives
  // The same module built by hand from the same float module and observers is identical.
  const auto& conv2_obs = dynamic_cast<const Q::ObservedModule&>(*prepared->conv2).observer();
  auto by_hand = nnq::Conv2d::from_float(dynamic_cast<const nn::Conv2d&>(*prepared->conv2),
                                         {.output_observer = &conv2_obs, .weight_observer = Q::get_default_qconfig("x86").weight});
  const Tensor xq = quantize_per_tensor(randn({2, 8, 8, 8}, gen), 0.05, 64, kQUInt8);
  test::expect_same_quantized(conv2->forward(xq), by_hand->forward(xq), "conv2");
  // End to end the int8 model tracks the float model.
  const Tensor x = randn({4, 3, 8, 8}, gen);
  const Tensor yf = net->forward(x), yq = q->forward(x);
  EXPECT_LE(max_abs_diff(yf, yq), 0.1f * std::max(1.0f, max_abs(yf)));
}

TEST(EagerStaticWorkflow, ConvertErrorsNameTheModule) {
  Generator gen(test::test_seed(608));
  auto net = make_small_net(gen);
  Q::fuse_modules(*net, SmallNet::fusion_groups());
  net->qconfig = Q::get_default_qconfig("x86");
  auto prepared = Q::prepare(net);  // never calibrated
  EXPECT_OCTET_ERROR(Q::convert(prepared), "run calibration data through the prepared model");
  EXPECT_OCTET_ERROR(Q::convert(prepared), "'quant' (QuantStub)");  // the first module converted
  // A model converted without prepare: a static module with a qconfig but no observer.
  Q::propagate_qconfig(*net);
  EXPECT_OCTET_ERROR(Q::convert(net), "was the model prepared with prepare()?");
}

// A branch the calibration data never takes (torchvision's MobileNetV2 has FloatFunctionals that
// only some blocks call): its observer saw nothing, so it gets PyTorch's defaults, scale 1 and
// zero point 0, instead of failing the whole convert.
class UnusedBranchNet : public nn::Cloneable<UnusedBranchNet> {
 public:
  UnusedBranchNet() {
    register_module("quant", &UnusedBranchNet::quant, std::make_shared<Q::QuantStub>());
    register_module("fc", &UnusedBranchNet::fc, std::make_shared<nn::Linear>(4, 4));
    register_module("unused", &UnusedBranchNet::unused, std::make_shared<nnq::FloatFunctional>());
    register_module("dequant", &UnusedBranchNet::dequant, std::make_shared<Q::DeQuantStub>());
  }
  Tensor forward(const Tensor& x) override { return dequant->forward(fc->forward(quant->forward(x))); }
  nn::ModulePtr quant, fc, dequant;
  std::shared_ptr<nnq::FloatFunctional> unused;
};

TEST(EagerStaticWorkflow, AModuleCalibrationNeverRanGetsPyTorchsDefaultQParams) {
  Generator gen(test::test_seed(613));
  auto net = std::make_shared<UnusedBranchNet>();
  net->eval();
  net->qconfig = Q::get_default_qconfig("x86");
  auto prepared = Q::prepare(net);
  EXPECT_OCTET_ERROR(Q::convert(prepared), "none of the 3 observers of UnusedBranchNet has seen data");
  prepared->forward(randn({8, 4}, gen));
  auto q = Q::convert(prepared);
  auto unused = std::dynamic_pointer_cast<nnq::QFunctional>(q->unused);
  ASSERT_NE(unused, nullptr);
  EXPECT_EQ(unused->scale(), 1.0);
  EXPECT_EQ(unused->zero_point(), 0);
  EXPECT_NE(std::dynamic_pointer_cast<nnq::Linear>(q->fc)->scale(), 1.0);
}

// The quantized model fed a float tensor where no QuantStub quantizes it: the error names the
// module by its path and says what is missing.
class MissingStubNet : public nn::Cloneable<MissingStubNet> {
 public:
  MissingStubNet() {
    register_module("quant", &MissingStubNet::quant, std::make_shared<Q::QuantStub>());
    register_module("fc1", &MissingStubNet::fc1, std::make_shared<nn::Linear>(4, 4));
    register_module("dequant", &MissingStubNet::dequant, std::make_shared<Q::DeQuantStub>());
    register_module("fc2", &MissingStubNet::fc2, std::make_shared<nn::Linear>(4, 4));
  }
  // fc2 runs on the dequantized (float) output: it needs its own QuantStub.
  Tensor forward(const Tensor& x) override { return fc2->forward(dequant->forward(fc1->forward(quant->forward(x)))); }
  nn::ModulePtr quant, fc1, dequant, fc2;
};

TEST(EagerStaticWorkflow, AFloatTensorReachingAQuantizedModuleNamesIt) {
  Generator gen(test::test_seed(609));
  auto net = std::make_shared<MissingStubNet>();
  net->eval();
  net->qconfig = Q::get_default_qconfig("x86");
  auto prepared = Q::prepare(net);
  prepared->forward(randn({8, 4}, gen));
  auto q = Q::convert(prepared);
  EXPECT_OCTET_ERROR(q->forward(randn({2, 4}, gen)), "QuantizedLinear 'fc2'");
  EXPECT_OCTET_ERROR(q->forward(randn({2, 4}, gen)), "a QuantStub");
  // Opting fc2 out keeps it float, and the model runs.
  net->fc2->qconfig = nullptr;
  auto prepared2 = Q::prepare(net);
  prepared2->forward(randn({8, 4}, gen));
  auto q2 = Q::convert(prepared2);
  EXPECT_EQ(typeid(*q2->fc2), typeid(nn::Linear));
  EXPECT_EQ(q2->forward(randn({2, 4}, gen)).shape(), (Shape{2, 4}));
}

TEST(EagerStaticWorkflow, SavedAndLoadedModelGivesIdenticalInt8Outputs) {
  Generator gen(test::test_seed(610));
  auto [net, prepared] = prepare_small_net(gen);
  auto q = Q::convert(prepared);
  const std::string path = (std::filesystem::temp_directory_path() / "octet_workflow_small_net.safetensors").string();
  nn::save_state_dict(*q, path);
  // A fresh float model goes through the same steps without calibration data, then loads the file.
  auto fresh = make_small_net(gen);
  Q::fuse_modules(*fresh, SmallNet::fusion_groups());
  fresh->qconfig = Q::get_default_qconfig("x86");
  auto fresh_prepared = Q::prepare(fresh);
  fresh_prepared->forward(randn({1, 3, 8, 8}, gen));  // any data: the file overwrites what it set
  auto loaded = Q::convert(fresh_prepared);
  nn::load_state_dict(*loaded, path);
  std::filesystem::remove(path);
  const Tensor x = randn({3, 3, 8, 8}, gen);
  EXPECT_EQ(max_abs_diff(loaded->forward(x), q->forward(x)), 0.0f);
}

TEST(EagerStaticWorkflow, QuantizeRunsCalibrationThroughRunFn) {
  Generator gen(test::test_seed(611));
  auto net = make_small_net(gen);
  Q::fuse_modules(*net, SmallNet::fusion_groups());
  net->qconfig = Q::get_default_qconfig("x86");
  const std::vector<Tensor> batches = calibration_batches(gen);
  int calls = 0;
  auto q = Q::quantize(net, [&](SmallNet& prepared) {
    for (const Tensor& b : batches) prepared.forward(b);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(typeid(*q->fc), typeid(nnq::Linear));
  // The same as prepare + the same data + convert.
  auto prepared = Q::prepare(net);
  for (const Tensor& b : batches) prepared->forward(b);
  auto q2 = Q::convert(prepared);
  const Tensor x = randn({2, 3, 8, 8}, gen);
  EXPECT_EQ(max_abs_diff(q->forward(x), q2->forward(x)), 0.0f);
}

// A user's own float module and its quantized version, added to the mapping.
class Scale2 : public nn::Cloneable<Scale2> {
 public:
  Tensor forward(const Tensor& x) override { return functional::mul(x, 2.0); }
};
class QuantizedScale2 : public nn::Cloneable<QuantizedScale2> {
 public:
  explicit QuantizedScale2(double scale = 1, int64_t zp = 0) : scale_(scale), zp_(zp) {}
  Tensor forward(const Tensor& x) override {
    return quantize_per_tensor(functional::mul(x.dequantize(), 2.0), scale_, zp_, x.dtype());
  }
  static std::shared_ptr<QuantizedScale2> from_float(const Scale2&, const nnq::FromFloatArgs& args) {
    const QuantizerPtr q = args.output_observer->quantizer();
    return std::make_shared<QuantizedScale2>(q->scale(), q->zero_point());
  }
  double scale_;
  int64_t zp_;
};

TEST(EagerStaticWorkflow, CustomModuleMapping) {
  Generator gen(test::test_seed(612));
  auto model = std::make_shared<nn::Sequential>(std::make_shared<Q::QuantStub>(), std::make_shared<Scale2>(),
                                                std::make_shared<Q::DeQuantStub>());
  model->eval();
  model->qconfig = Q::default_qconfig();
  Q::ModuleMapping mapping = Q::get_default_static_quant_module_mappings();
  mapping.add<Scale2, QuantizedScale2>();
  auto prepared = Q::prepare(model, {.mapping = &mapping});
  prepared->forward(randn({16}, gen));
  auto q = Q::convert(prepared, {.mapping = &mapping});
  EXPECT_EQ(typeid(*q->get_submodule("1")), typeid(QuantizedScale2));
  // Without the entry the module is left float (PyTorch's behaviour for unmapped types).
  auto prepared_default = Q::prepare(model);
  prepared_default->forward(randn({16}, gen));
  EXPECT_EQ(typeid(*Q::convert(prepared_default)->get_submodule("1")), typeid(Scale2));
  EXPECT_OCTET_ERROR(mapping.remove<Scale2>().remove<Scale2>(), "no entry for Scale2");
}

}  // namespace
}  // namespace octet
