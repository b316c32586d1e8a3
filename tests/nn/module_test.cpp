// module_test.cpp: Module registration, walks in PyTorch's order, modes, lookup, surgery and errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/test_util.h"
#include "nn/test_models.h"
#include "octet/octet.h"

namespace octet::nn {
namespace {

using test_models::Block;
using test_models::Net;
using test_models::TestLinear;
using test_models::TestReLU;
using Keys = std::vector<std::string>;

// The expected lists below were printed by PyTorch for the equivalent nn.Module (tests/nn/
// test_models.h documents the stand-ins: TestLinear = nn.Linear, Norm = a module with
// BatchNorm's tensors, Block and Net as written).
TEST(Module, NamedWalksMatchPyTorchOrder) {
  Net net;
  EXPECT_EQ(net.named_parameters().keys(),
            (Keys{"scale", "temperature", "stem.0.weight", "stem.0.bias", "layer1.0.conv1.weight",
                  "layer1.0.conv1.bias", "layer1.0.bn1.weight", "layer1.0.bn1.bias", "layer1.0.conv2.weight",
                  "layer1.1.conv1.weight", "layer1.1.conv1.bias", "layer1.1.bn1.weight", "layer1.1.bn1.bias",
                  "layer1.1.conv2.weight", "head.fc.weight", "head.fc.bias"}));
  EXPECT_EQ(net.named_parameters(/*recurse=*/false).keys(), (Keys{"scale", "temperature"}));
  EXPECT_EQ(net.named_buffers().keys(),
            (Keys{"step", "layer1.0.scratch", "layer1.0.bn1.running_mean", "layer1.0.bn1.running_var",
                  "layer1.0.bn1.num_batches_tracked", "layer1.1.scratch", "layer1.1.bn1.running_mean",
                  "layer1.1.bn1.running_var", "layer1.1.bn1.num_batches_tracked"}));
  EXPECT_EQ(net.named_buffers(/*recurse=*/false).keys(), (Keys{"step"}));
  EXPECT_EQ(net.named_modules().keys(),
            (Keys{"", "stem", "stem.0", "stem.1", "layer1", "layer1.0", "layer1.0.conv1", "layer1.0.bn1",
                  "layer1.0.relu", "layer1.0.conv2", "layer1.1", "layer1.1.conv1", "layer1.1.bn1", "layer1.1.relu",
                  "layer1.1.conv2", "head", "head.fc"}));
  const Keys with_prefix = net.named_modules("net").keys();
  ASSERT_EQ(with_prefix.size(), 17u);
  EXPECT_EQ(with_prefix[0], "net");
  EXPECT_EQ(with_prefix[6], "net.layer1.0.conv1");
  EXPECT_EQ(net.named_children().keys(), (Keys{"stem", "layer1", "head"}));
  EXPECT_EQ(net.state_dict().keys(),
            (Keys{"scale", "temperature", "step", "stem.0.weight", "stem.0.bias", "layer1.0.conv1.weight",
                  "layer1.0.conv1.bias", "layer1.0.bn1.weight", "layer1.0.bn1.bias", "layer1.0.bn1.running_mean",
                  "layer1.0.bn1.running_var", "layer1.0.bn1.num_batches_tracked", "layer1.0.conv2.weight",
                  "layer1.1.conv1.weight", "layer1.1.conv1.bias", "layer1.1.bn1.weight", "layer1.1.bn1.bias",
                  "layer1.1.bn1.running_mean", "layer1.1.bn1.running_var", "layer1.1.bn1.num_batches_tracked",
                  "layer1.1.conv2.weight", "head.fc.weight", "head.fc.bias"}));
  // The list forms hold the same tensors and modules as the named ones.
  EXPECT_EQ(net.parameters().size(), 16u);
  EXPECT_EQ(net.buffers().size(), 9u);
  EXPECT_EQ(net.modules().size(), 17u);
  EXPECT_EQ(net.children().size(), 3u);
  EXPECT_EQ(net.modules()[0].get(), &net);
  EXPECT_EQ(net.children()[1].get(), net.layer1.get());
  EXPECT_EQ(net.parameters()[0].storage(), net.scale.storage());
}

// A model with a weight tied between two layers and a module registered twice, like
// `b.weight = a.weight` and `seq = nn.Sequential(self.act, nn.Linear(3, 3))` in PyTorch.
class Tied : public Cloneable<Tied> {
 public:
  Tied() {
    register_module("a", &Tied::a, std::make_shared<TestLinear>(3, 3));
    register_module("b", &Tied::b, std::make_shared<TestLinear>(3, 3));
    b->set_parameter("weight", a->weight);
    auto act = register_module("act", std::make_shared<TestReLU>());
    register_module("seq", std::make_shared<Sequential>(act, std::make_shared<TestLinear>(3, 3)));
  }
  std::shared_ptr<TestLinear> a, b;
};

TEST(Module, SharedTensorsAndModulesAreListedOnce) {
  Tied t;
  EXPECT_EQ(t.named_parameters().keys(), (Keys{"a.weight", "a.bias", "b.bias", "seq.1.weight", "seq.1.bias"}));
  EXPECT_EQ(t.named_modules().keys(), (Keys{"", "a", "b", "act", "seq", "seq.1"}));
  EXPECT_EQ(t.named_modules("", /*remove_duplicate=*/false).keys(),
            (Keys{"", "a", "b", "act", "seq", "seq.0", "seq.1"}));
  EXPECT_EQ(t.state_dict().keys(), (Keys{"a.weight", "a.bias", "b.weight", "b.bias", "seq.1.weight", "seq.1.bias"}));
  EXPECT_EQ(t.named_children().keys(), (Keys{"a", "b", "act", "seq"}));
  // The bound member followed set_parameter.
  EXPECT_EQ(t.b->weight.storage(), t.a->weight.storage());
}

TEST(Module, ApplyVisitsChildrenBeforeParents) {
  Tied t;
  std::vector<std::string> order;
  t.apply([&](Module& m) { order.push_back(m.name()); });
  // PyTorch: ['Linear', 'Linear', 'ReLU', 'ReLU', 'Linear', 'Sequential', 'Tied'].
  EXPECT_EQ(order, (Keys{"Linear", "Linear", "ReLU", "ReLU", "Linear", "Sequential", "Tied"}));
}

TEST(Module, TrainAndEvalReachEverySubmodule) {
  Net net;
  for (const ModulePtr& m : net.modules()) EXPECT_TRUE(m->is_training());
  net.eval();
  for (const auto& [name, m] : net.named_modules()) EXPECT_FALSE(m->is_training()) << name;
  net.layer1->train();
  EXPECT_FALSE(net.is_training());
  EXPECT_TRUE(net.get_submodule("layer1.1.bn1")->is_training());
  EXPECT_FALSE(net.get_submodule("stem.0")->is_training());
  net.train(true);
  for (const auto& [name, m] : net.named_modules()) EXPECT_TRUE(m->is_training()) << name;
}

TEST(Module, RequiresGradFlags) {
  Net net;
  EXPECT_TRUE(net.parameter_requires_grad("layer1.0.conv1.weight"));
  Module m;
  m.register_parameter("frozen", zeros({2}), /*requires_grad=*/false);
  EXPECT_FALSE(m.parameter_requires_grad("frozen"));
  net.requires_grad_(false);
  for (const std::string& key : net.named_parameters().keys()) EXPECT_FALSE(net.parameter_requires_grad(key)) << key;
  net.requires_grad_();
  EXPECT_TRUE(net.parameter_requires_grad("head.fc.bias"));
  EXPECT_OCTET_ERROR(net.parameter_requires_grad("head.fc.gain"), "'head.fc' (Linear) has no parameter 'gain'");
}

TEST(Module, LookupByDottedPath) {
  Net net;
  EXPECT_EQ(net.get_submodule("").get(), &net);  // on the stack: a non-owning pointer
  EXPECT_EQ(net.get_submodule("layer1.0.conv1").get(),
            std::dynamic_pointer_cast<Block>((*net.layer1)[0])->conv1.get());
  EXPECT_EQ(net.get_parameter("layer1.1.bn1.bias").storage(), net.layer1->at<Block>(1)->bn1->bias.storage());
  EXPECT_EQ(net.get_parameter("scale").storage(), net.scale.storage());
  EXPECT_EQ(net.get_buffer("layer1.0.bn1.num_batches_tracked").dtype(), kInt64);
  EXPECT_TRUE(net.buffer_is_persistent("layer1.0.bn1.running_var"));
  EXPECT_FALSE(net.buffer_is_persistent("layer1.0.scratch"));
  EXPECT_TRUE(net.has_parameter("temperature"));
  EXPECT_TRUE(net.has_buffer("step"));
  EXPECT_TRUE(net.has_module("head"));
  EXPECT_FALSE(net.has_module("layer1.0"));  // local names only

  EXPECT_OCTET_ERROR(net.get_submodule("layer1.2.conv1"), "get_submodule: 'layer1.2.conv1' not found: 'layer1' (Sequential) has no child module '2'");
  EXPECT_OCTET_ERROR(net.get_submodule("layer2"), "'layer2' not found: Net has no child module 'layer2'");
  EXPECT_OCTET_ERROR(net.get_submodule("layer1.0.conv3"), "'layer1.0' (Block) has no child module 'conv3'");
  EXPECT_OCTET_ERROR(net.get_parameter("layer1.0.bn1.running_mean"), "get_parameter: 'layer1.0.bn1.running_mean' not found: 'layer1.0.bn1' (Norm) has no parameter 'running_mean'");
  EXPECT_OCTET_ERROR(net.get_buffer("stem.0.weight"), "'stem.0' (Linear) has no buffer 'weight'");
  EXPECT_OCTET_ERROR(net.get_buffer("nothing.here"), "get_buffer: 'nothing.here' not found: Net has no child module 'nothing'");
  EXPECT_OCTET_ERROR(net.get_parameter(""), "get_parameter: the target name is empty");
}

TEST(Module, ShapeOfAModuleWithoutOptionalTensors) {
  TestLinear no_bias(3, 2, /*bias=*/false);
  EXPECT_TRUE(no_bias.has_parameter("bias"));  // a registered "None"
  EXPECT_FALSE(no_bias.get_parameter("bias").defined());
  EXPECT_EQ(no_bias.named_parameters().keys(), (Keys{"weight"}));
  EXPECT_EQ(no_bias.state_dict().keys(), (Keys{"weight"}));
}

TEST(Module, SetParameterAndBufferUpdateRegistryAndBoundMembers) {
  Net net;
  auto block = net.layer1->at<Block>(0);
  const Tensor w = full({8, 8}, 0.5);
  net.set_parameter("layer1.0.conv1.weight", w);
  EXPECT_EQ(block->conv1->weight.storage(), w.storage());
  EXPECT_EQ(net.get_parameter("layer1.0.conv1.weight").storage(), w.storage());
  // Any shape or dtype may replace a value (convert swaps float weights for quantized ones).
  const Tensor q = zeros({2, 2}, kInt8);
  block->bn1->set_buffer("running_mean", q);
  EXPECT_EQ(block->bn1->running_mean.dtype(), kInt8);
  net.set_parameter("layer1.0.conv1.bias", Tensor{});
  EXPECT_FALSE(block->conv1->bias.defined());
  EXPECT_EQ(net.named_parameters().size(), 15u);
  net.set_parameter("scale", full({1}, 3.0));
  EXPECT_FLOAT_EQ(net.scale.at<float>({0}), 3.0f);
  EXPECT_OCTET_ERROR(net.set_parameter("layer1.0.bn1.running_var", w), "set_parameter: 'layer1.0.bn1.running_var' not found: 'layer1.0.bn1' (Norm) has no parameter 'running_var'");
  EXPECT_OCTET_ERROR(net.set_buffer("stem.5.x", w), "set_buffer: 'stem.5.x' not found: 'stem' (Sequential) has no child module '5'");
}

TEST(Module, ReplaceModuleByPath) {
  Net net;
  auto block = net.layer1->at<Block>(1);
  auto identity = net.replace_module("layer1.1.relu", std::make_shared<Identity>());
  EXPECT_EQ(block->relu.get(), identity.get());  // the bound member follows
  EXPECT_EQ(net.get_submodule("layer1.1.relu").get(), identity.get());
  EXPECT_EQ(block->named_children().keys(), (Keys{"conv1", "bn1", "relu", "conv2"}));  // position kept

  auto fresh = std::make_shared<Block>(8);
  net.replace_module("layer1.0", fresh);
  EXPECT_EQ((*net.layer1)[0].get(), fresh.get());
  net.replace_module("head", std::make_shared<ModuleDict>());
  EXPECT_EQ(net.head->size(), 0u);
  EXPECT_EQ(net.named_children().keys(), (Keys{"stem", "layer1", "head"}));

  EXPECT_OCTET_ERROR(net.replace_module("layer1.1.conv1", std::make_shared<Identity>()),
                     "replace_module: Block binds child 'conv1' to a member of type octet::nn::test_models::TestLinear; "
                     "cannot replace it with Identity");
  EXPECT_EQ(net.get_submodule("layer1.1.conv1")->name(), "Linear");  // unchanged after the Error
  EXPECT_OCTET_ERROR(net.replace_module("layer1.1.conv9", std::make_shared<Identity>()),
                     "replace_module: 'layer1.1.conv9' not found: 'layer1.1' (Block) has no child module 'conv9'");
  EXPECT_OCTET_ERROR(net.replace_module("", std::make_shared<Identity>()), "cannot replace the root module");
  EXPECT_OCTET_ERROR(net.replace_module("stem.0", ModulePtr{}), "the new module for '0' is null");
}

TEST(Module, UnregisterModuleClearsBoundMember) {
  Net net;
  auto block = net.layer1->at<Block>(0);
  block->unregister_module("relu");
  EXPECT_EQ(block->relu, nullptr);
  EXPECT_EQ(block->named_children().keys(), (Keys{"conv1", "bn1", "conv2"}));
  EXPECT_OCTET_ERROR(block->unregister_module("relu"), "unregister_module: Block has no child module 'relu'");
}

TEST(Module, RegistrationErrors) {
  Module m;
  m.register_parameter("w", zeros({2}));
  m.register_buffer("b", zeros({2}));
  m.register_module("c", std::make_shared<Identity>());
  EXPECT_OCTET_ERROR(m.register_parameter("w", zeros({2})), "register_parameter: Module already has a parameter named 'w'");
  EXPECT_OCTET_ERROR(m.register_buffer("w", zeros({2})), "register_buffer: Module already has a parameter named 'w'");
  EXPECT_OCTET_ERROR(m.register_parameter("b", zeros({2})), "already has a buffer named 'b'");
  EXPECT_OCTET_ERROR(m.register_module("b", std::make_shared<Identity>()), "already has a buffer named 'b'");
  EXPECT_OCTET_ERROR(m.register_buffer("c", zeros({2})), "already has a child module named 'c'");
  EXPECT_OCTET_ERROR(m.register_module("c", std::make_shared<Identity>()), "already has a child module named 'c'");
  EXPECT_OCTET_ERROR(m.register_parameter("a.b", zeros({2})), "register_parameter: Module: a name can't contain \".\", got 'a.b'");
  EXPECT_OCTET_ERROR(m.register_module("x.y", std::make_shared<Identity>()), "a name can't contain \".\"");
  EXPECT_OCTET_ERROR(m.register_buffer("", zeros({2})), "register_buffer: Module: a name can't be empty");
  EXPECT_OCTET_ERROR(m.register_module("n", std::shared_ptr<Identity>{}), "register_module: Module: module 'n' is null");
  // A member pointer of another class cannot be bound.
  EXPECT_OCTET_ERROR(m.register_parameter("v", &TestLinear::weight, zeros({2})),
                     "register_parameter: Module is not a octet::nn::test_models::TestLinear");
  EXPECT_EQ(m.named_parameters().keys(), (Keys{"w"}));
}

TEST(Module, DefaultForwardIsAnError) {
  Module m;
  EXPECT_OCTET_ERROR(m.forward(zeros({1})), "forward: Module has no single-tensor forward(const Tensor&)");
  ModuleList list;
  EXPECT_OCTET_ERROR(list.forward(zeros({1})), "forward: ModuleList has no single-tensor forward");
}

template <typename T>
class Wrapper : public Cloneable<Wrapper<T>> {};

TEST(Module, NamesAreClassNamesWithoutNamespaces) {
  EXPECT_EQ(Module().name(), "Module");
  EXPECT_EQ(Sequential().name(), "Sequential");
  EXPECT_EQ(Block(2).name(), "Block");
  EXPECT_EQ(Wrapper<Identity>().name(), "Wrapper<octet::nn::Identity>");
  EXPECT_EQ(detail::demangle(typeid(Sequential)), "octet::nn::Sequential");
}

}  // namespace
}  // namespace octet::nn
