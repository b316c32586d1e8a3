// state_dict_test.cpp: state_dict contents, in-place loading, strict and non-strict key matching
// (lists checked against PyTorch's), shape and dtype handling, and all-or-nothing failure.
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
using Keys = std::vector<std::string>;

// A state dict holding copies, so that later changes to the model do not show through.
StateDict snapshot(const Module& m) {
  StateDict out;
  for (const auto& [key, t] : m.state_dict()) out.insert(key, t.clone());
  return out;
}

void expect_same_state(const Module& a, const Module& b) {
  const StateDict sa = a.state_dict(), sb = b.state_dict();
  ASSERT_EQ(sa.keys(), sb.keys());
  for (const auto& [key, t] : sa) EXPECT_TRUE(equal(t, sb.at(key))) << key;
}

TEST(StateDict, SharesStorageWithTheModuleAndSkipsNonPersistentBuffers) {
  Net net;
  const StateDict sd = net.state_dict();
  EXPECT_EQ(sd.at("layer1.0.conv1.weight").storage(), net.layer1->at<Block>(0)->conv1->weight.storage());
  EXPECT_FALSE(sd.contains("layer1.0.scratch"));
  EXPECT_EQ(net.state_dict("model.").keys().front(), "model.scale");
  EXPECT_OCTET_ERROR(sd.at("layer1.0.scratch"), "state_dict: no key 'layer1.0.scratch'");
}

TEST(StateDict, RoundTripCopiesValuesInPlace) {
  Net a(/*seed=*/1), b(/*seed=*/2);
  EXPECT_FALSE(equal(a.get_parameter("stem.0.weight"), b.get_parameter("stem.0.weight")));
  a.set_buffer("step", full({}, 7.0, kInt64));
  const Tensor b_weight_before = b.get_parameter("layer1.1.conv2.weight");
  const IncompatibleKeys result = b.load_state_dict(a.state_dict());
  EXPECT_TRUE(result.missing_keys.empty());
  EXPECT_TRUE(result.unexpected_keys.empty());
  expect_same_state(a, b);
  EXPECT_EQ(b.get_buffer("step").at<int64_t>({}), 7);
  // In place: b keeps its own storage (and its bound members see the new values).
  EXPECT_EQ(b.get_parameter("layer1.1.conv2.weight").storage(), b_weight_before.storage());
  EXPECT_NE(b_weight_before.storage(), a.get_parameter("layer1.1.conv2.weight").storage());
  EXPECT_TRUE(equal(b.layer1->at<Block>(1)->conv2->weight, a.get_parameter("layer1.1.conv2.weight")));
  // Same model, same answers.
  Generator g(test::test_seed(11));
  const Tensor x = randn({3, 4}, g);
  EXPECT_TRUE(equal(a.forward(x), b.forward(x)));
}

// The reference lists are what PyTorch's load_state_dict(strict=False) returns for the equivalent
// model and state dict.
StateDict edited_state_dict(const Net& net) {
  StateDict sd;
  for (const auto& [key, t] : net.state_dict()) {
    if (key != "layer1.1.conv1.bias" && key != "scale") sd.insert(key, t.clone());
  }
  sd.insert("layer1.0.extra", zeros({1}));
  sd.insert("bogus", zeros({1}));
  sd.insert("head.fc.weight.x", zeros({1}));
  sd.insert("layer1.0.scratch", zeros({8}));      // a non-persistent buffer is not expected
  sd.insert("layer1.0.conv2.bias", zeros({8}));   // conv2 has no bias
  return sd;
}

TEST(StateDict, NonStrictLoadReportsPyTorchsKeyLists) {
  Net source(/*seed=*/3), net(/*seed=*/4);
  const Tensor scale_before = net.get_parameter("scale").clone();
  const IncompatibleKeys r = net.load_state_dict(edited_state_dict(source), /*strict=*/false);
  EXPECT_EQ(r.missing_keys, (Keys{"scale", "layer1.1.conv1.bias"}));
  EXPECT_EQ(r.unexpected_keys,
            (Keys{"bogus", "layer1.0.extra", "layer1.0.scratch", "layer1.0.conv2.bias", "head.fc.weight.x"}));
  // Matching keys were loaded; missing ones kept their values.
  EXPECT_TRUE(equal(net.get_parameter("head.fc.weight"), source.get_parameter("head.fc.weight")));
  EXPECT_TRUE(equal(net.get_parameter("scale"), scale_before));
  EXPECT_FALSE(equal(net.get_parameter("layer1.1.conv1.bias"), source.get_parameter("layer1.1.conv1.bias")));
}

TEST(StateDict, StrictLoadListsEveryMismatchAndCopiesNothing) {
  Net source(/*seed=*/3), net(/*seed=*/4);
  const StateDict before = snapshot(net);
  EXPECT_OCTET_ERROR(net.load_state_dict(edited_state_dict(source)),
                     "load_state_dict: Error(s) in loading state_dict for Net:\n"
                     "\tMissing key(s) in state_dict: \"scale\", \"layer1.1.conv1.bias\".\n"
                     "\tUnexpected key(s) in state_dict: \"bogus\", \"layer1.0.extra\", \"layer1.0.scratch\", "
                     "\"layer1.0.conv2.bias\", \"head.fc.weight.x\".");
  for (const auto& [key, t] : net.state_dict()) EXPECT_TRUE(equal(t, before.at(key))) << key;
}

TEST(StateDict, ShapeMismatchIsAnErrorEvenWhenNotStrict) {
  Net source(/*seed=*/5), net(/*seed=*/6);
  StateDict sd = snapshot(source);
  sd.insert_or_assign("stem.0.weight", zeros({3, 4}));
  const StateDict before = snapshot(net);
  const std::string message =
      "Error(s) in loading state_dict for Net:\n\tsize mismatch for stem.0.weight: copying a param with shape "
      "[3, 4] from checkpoint, the shape in current model is [8, 4].";
  EXPECT_OCTET_ERROR(net.load_state_dict(sd), message);
  EXPECT_OCTET_ERROR(net.load_state_dict(sd, /*strict=*/false), message);
  // All or nothing: the keys that did match were not copied either.
  for (const auto& [key, t] : net.state_dict()) EXPECT_TRUE(equal(t, before.at(key))) << key;
}

TEST(StateDict, ValuesAreConvertedToTheModulesDtypes) {
  Net net;
  StateDict sd = snapshot(net);
  sd.insert_or_assign("stem.0.bias", full({8}, 0.25, kFloat64));
  sd.insert_or_assign("step", full({}, 42.0, kFloat32));
  sd.insert_or_assign("scale", full({1}, 1.5, kFloat16));
  net.load_state_dict(sd);
  EXPECT_EQ(net.get_parameter("stem.0.bias").dtype(), kFloat32);
  EXPECT_FLOAT_EQ(net.get_parameter("stem.0.bias").at<float>({5}), 0.25f);
  EXPECT_EQ(net.get_buffer("step").dtype(), kInt64);
  EXPECT_EQ(net.get_buffer("step").at<int64_t>({}), 42);
  EXPECT_FLOAT_EQ(net.scale.at<float>({0}), 1.5f);
  // A value the module's dtype cannot hold fails before anything is copied.
  sd.insert_or_assign("step", full({}, NAN, kFloat32));
  sd.insert_or_assign("scale", full({1}, 9.0));
  EXPECT_OCTET_ERROR(net.load_state_dict(sd), "While copying the parameter named \"step\", an exception occurred: ");
  EXPECT_FLOAT_EQ(net.scale.at<float>({0}), 1.5f);
}

TEST(StateDict, NonContiguousSourcesLoad) {
  Net net;
  StateDict sd = snapshot(net);
  // A transposed view holding the values of stem.0.weight ([8, 4]).
  Generator g(5);
  const Tensor w = randn({4, 8}, g);
  sd.insert_or_assign("stem.0.weight", w.t());
  net.load_state_dict(sd);
  EXPECT_TRUE(equal(net.get_parameter("stem.0.weight"), w.t().contiguous()));
}

}  // namespace
}  // namespace octet::nn
