// clone_test.cpp: deep copies: independence, typed members rebound to the clone's children and
// tensors, sharing preserved, swapped children kept, and the errors for what cannot be cloned.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/test_util.h"
#include "nn/test_models.h"
#include "octet/octet.h"

namespace octet::nn {
namespace {

using test_models::Block;
using test_models::Net;
using test_models::Norm;
using test_models::TestLinear;
using test_models::TestReLU;

std::set<const Storage*> storages(const Module& m) {
  std::set<const Storage*> out;
  for (const auto& [key, t] : m.named_parameters()) out.insert(t.storage().get());
  for (const auto& [key, t] : m.named_buffers()) out.insert(t.storage().get());
  return out;
}

TEST(Clone, IsDeepAndIndependent) {
  auto net = std::make_shared<Net>();
  net->layer1->eval();
  std::shared_ptr<Net> copy = net->clone();
  ASSERT_NE(copy, nullptr);
  // Same names, values, modes and flags.
  EXPECT_EQ(copy->named_modules().keys(), net->named_modules().keys());
  EXPECT_EQ(copy->named_buffers().keys(), net->named_buffers().keys());
  for (const auto& [key, t] : net->state_dict()) EXPECT_TRUE(equal(t, copy->state_dict().at(key))) << key;
  EXPECT_TRUE(copy->is_training());
  EXPECT_FALSE(copy->get_submodule("layer1.0.bn1")->is_training());
  EXPECT_FALSE(copy->buffer_is_persistent("layer1.1.scratch"));
  EXPECT_FALSE(copy->get_parameter("layer1.0.conv2.bias").defined());
  // No storage and no module shared with the original.
  for (const Storage* s : storages(*copy)) EXPECT_EQ(storages(*net).count(s), 0u);
  const auto originals = net->modules();
  for (const ModulePtr& m : copy->modules()) {
    for (const ModulePtr& o : originals) EXPECT_NE(m.get(), o.get());
  }
  // Writing to the clone leaves the original alone.
  const Tensor before = net->get_parameter("layer1.0.conv1.weight").clone();
  init::constant_(copy->get_parameter("layer1.0.conv1.weight"), 9.0);
  copy->set_parameter("scale", full({1}, 4.0));
  EXPECT_TRUE(equal(net->get_parameter("layer1.0.conv1.weight"), before));
  EXPECT_FLOAT_EQ(net->scale.at<float>({0}), 1.0f);
  Generator g(test::test_seed(3));
  const Tensor x = randn({2, 4}, g);
  EXPECT_FALSE(equal(copy->forward(x), net->forward(x)));
}

TEST(Clone, TypedMembersPointAtTheClonesChildrenAndTensors) {
  auto net = std::make_shared<Net>();
  auto copy = net->clone();
  // Containers and user modules keep their types.
  EXPECT_EQ(copy->stem.get(), copy->get_submodule("stem").get());
  EXPECT_EQ(copy->layer1.get(), copy->get_submodule("layer1").get());
  EXPECT_EQ(copy->head.get(), copy->get_submodule("head").get());
  EXPECT_NE(copy->layer1.get(), net->layer1.get());
  EXPECT_EQ(copy->scale.storage(), copy->get_parameter("scale").storage());
  auto block = copy->layer1->at<Block>(0);
  auto original_block = net->layer1->at<Block>(0);
  EXPECT_NE(block.get(), original_block.get());
  EXPECT_EQ(block->conv1.get(), copy->get_submodule("layer1.0.conv1").get());
  EXPECT_EQ(block->bn1.get(), copy->get_submodule("layer1.0.bn1").get());
  EXPECT_EQ(block->relu.get(), copy->get_submodule("layer1.0.relu").get());
  EXPECT_EQ(block->conv1->weight.storage(), copy->get_parameter("layer1.0.conv1.weight").storage());
  EXPECT_EQ(block->bn1->running_var.storage(), copy->get_buffer("layer1.0.bn1.running_var").storage());
  EXPECT_NE(block->conv1->weight.storage(), original_block->conv1->weight.storage());
  // The clone's typed members drive its forward: conv2 (no bias) of the clone now outputs zeros.
  init::zeros_(block->conv2->weight);
  Generator g(test::test_seed(4));
  const Tensor x = randn({2, 8}, g);
  EXPECT_TRUE(equal(block->forward(x), zeros({2, 8})));
  EXPECT_FALSE(equal(original_block->forward(x), zeros({2, 8})));
  // Surgery on the clone moves the clone's members only.
  auto id = copy->replace_module("layer1.0.relu", std::make_shared<Identity>());
  EXPECT_EQ(block->relu.get(), id.get());
  EXPECT_EQ(original_block->relu->name(), "ReLU");
}

TEST(Clone, KeepsSwappedChildrenAndSharing) {
  auto net = std::make_shared<Net>();
  net->replace_module("layer1.1.relu", std::make_shared<Flatten>(0, -1));
  net->replace_module("stem.1", std::make_shared<Identity>());
  auto copy = net->clone();
  EXPECT_EQ(copy->get_submodule("layer1.1.relu")->to_string(), "Flatten(start_dim=0, end_dim=-1)");
  EXPECT_NE(std::dynamic_pointer_cast<Identity>(copy->get_submodule("stem.1")), nullptr);

  // A module registered twice and a weight tied between two layers stay shared in the clone.
  auto shared = std::make_shared<TestReLU>();
  auto root = std::make_shared<Sequential>(shared, std::make_shared<TestLinear>(3, 3), shared,
                                           std::make_shared<TestLinear>(3, 3));
  root->set_parameter("3.weight", root->get_parameter("1.weight"));
  auto root_copy = root->clone();
  EXPECT_EQ((*root_copy)[0].get(), (*root_copy)[2].get());
  EXPECT_NE((*root_copy)[0].get(), shared.get());
  EXPECT_EQ(root_copy->get_parameter("3.weight").storage(), root_copy->get_parameter("1.weight").storage());
  EXPECT_EQ(root_copy->at<TestLinear>(3)->weight.storage(), root_copy->at<TestLinear>(1)->weight.storage());
  EXPECT_NE(root_copy->get_parameter("1.weight").storage(), root->get_parameter("1.weight").storage());
  EXPECT_EQ(root_copy->named_parameters().keys(), root->named_parameters().keys());
}

TEST(Clone, ViewsOfOneStorageStayViewsOfOneStorage) {
  auto m = std::make_shared<Sequential>();
  const Tensor packed = arange(12, kFloat32).reshape({3, 4});
  m->register_buffer("packed", packed);
  m->register_buffer("column", packed.select(1, 2));  // a strided view into the same storage
  auto copy = m->clone();
  const Tensor column = copy->get_buffer("column");
  EXPECT_EQ(column.storage(), copy->get_buffer("packed").storage());
  EXPECT_EQ(column.strides(), (Shape{4}));
  EXPECT_EQ(column.storage_offset(), 2);
  EXPECT_FLOAT_EQ(column.at<float>({2}), 10.0f);
}

TEST(Clone, WorksFromAModuleOnTheStack) {
  Block block(4);
  auto copy = block.clone();
  EXPECT_EQ(copy->conv1.get(), copy->get_submodule("conv1").get());
  EXPECT_NE(copy->conv1.get(), block.conv1.get());
  EXPECT_EQ(copy->get_submodule("").get(), copy.get());
  Module& as_module = *copy;
  ModulePtr again = as_module.clone();  // through the base: the same dynamic type
  EXPECT_NE(std::dynamic_pointer_cast<Block>(again), nullptr);
}

// A Cloneable extending another Cloneable: both levels' members are rebound.
class WideBlock : public Cloneable<WideBlock, Block> {
 public:
  WideBlock() : Cloneable<WideBlock, Block>(4) {
    register_module("extra", &WideBlock::extra, std::make_shared<Norm>(4));
  }
  std::shared_ptr<Norm> extra;
};

TEST(Clone, ExtendingACloneableModule) {
  WideBlock wide;
  auto copy = wide.clone();
  EXPECT_EQ(copy->extra.get(), copy->get_submodule("extra").get());
  EXPECT_EQ(copy->conv1.get(), copy->get_submodule("conv1").get());
  EXPECT_NE(copy->conv1.get(), wide.conv1.get());
  EXPECT_EQ(copy->name(), "WideBlock");
}

// Keeps the pointer register_module returns in a member without binding it.
class UnboundChild : public Cloneable<UnboundChild> {
 public:
  UnboundChild() { fc = register_module("fc", std::make_shared<TestLinear>(2, 2)); }
  std::shared_ptr<TestLinear> fc;
};

// Caches a view of its weight outside the registry.
class CachedView : public Cloneable<CachedView> {
 public:
  CachedView() {
    register_parameter("weight", &CachedView::weight, ones({2, 3}));
    weight_t = weight.t();
  }
  Tensor weight, weight_t;
};

class NotCloneable : public Module {};
class SubclassOfNet : public Net {};

TEST(Clone, ErrorsForWhatCannotBeCloned) {
  UnboundChild unbound;
  EXPECT_OCTET_ERROR(unbound.clone(),
                     "clone: UnboundChild keeps a copy of its child module 'fc' outside the registry, which the clone "
                     "would share with the original; bind the member");
  CachedView cached;
  EXPECT_OCTET_ERROR(cached.clone(), "clone: CachedView keeps a copy of its tensor 'weight' outside the registry");
  // Unbound children are fine when no member keeps them.
  Module holder;
  EXPECT_OCTET_ERROR(holder.clone(), "clone: Module does not support clone(); derive it from nn::Cloneable<Module>");
  NotCloneable plain;
  EXPECT_OCTET_ERROR(plain.clone(), "NotCloneable does not support clone()");
  auto seq = std::make_shared<Sequential>(std::make_shared<NotCloneable>());
  EXPECT_OCTET_ERROR(seq->clone(), "NotCloneable does not support clone()");
  SubclassOfNet sub;
  EXPECT_OCTET_ERROR(sub.clone(),
                     "clone: SubclassOfNet derives from octet::nn::test_models::Net without its own Cloneable; derive it "
                     "from Cloneable<SubclassOfNet, octet::nn::test_models::Net>");
}

}  // namespace
}  // namespace octet::nn
