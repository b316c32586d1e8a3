// observer_base_test.cpp: what ObserverBase gives every observer: the Module contract (forward,
// buffers, state dicts inside a model), the "eps" buffer, state() with counts and non-persistent
// buffers, and the ActivationPostProcess interface.
#include "octet/quantization/observer.h"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "observers/observer_test_util.h"

namespace octet::test {
namespace {

using namespace quantization;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::vector<std::string> keys_of(const nn::StateDict& sd) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : sd) keys.push_back(k);
  return keys;
}

// A model holding an observer the way prepare() attaches one.
class Prepared : public nn::Cloneable<Prepared> {
 public:
  explicit Prepared(std::shared_ptr<ActivationPostProcess> app) {
    register_module("activation_post_process", &Prepared::activation_post_process, std::move(app));
  }
  std::shared_ptr<ActivationPostProcess> activation_post_process;
};

TEST(ObserverBase, ForwardObservesAndReturnsTheInput) {
  std::shared_ptr<ObserverBase> obs = std::make_shared<MinMaxObserver>();
  const Tensor x = floats({1.0f, -2.0f});
  const Tensor y = obs->forward(x);
  EXPECT_EQ(y.storage(), x.storage());
  EXPECT_TRUE(obs->has_observed());
}

TEST(ObserverBase, EpsIsTheFirstBuffer) {
  MinMaxObserver obs({.eps = 0.000244140625f});
  const nn::StateDict sd = obs.state_dict();
  EXPECT_EQ(keys_of(sd).front(), "eps");
  EXPECT_EQ(sd.at("eps").dtype(), kFloat32);
  EXPECT_EQ(sd.at("eps").item<float>(), 0.000244140625f);
  EXPECT_EQ(obs.eps(), 0.000244140625f);
  PerChannelMinMaxObserver pc;
  EXPECT_EQ(keys_of(pc.state_dict()), (std::vector<std::string>{"eps", "min_val", "max_val"}));
  // Pass-through observers have no eps buffer, as in PyTorch.
  EXPECT_TRUE(PlaceholderObserver().state_dict().empty());
}

TEST(ObserverBase, StateHasEveryBufferAndTheCounts) {
  MovingAverageMinMaxObserver obs({.skip_nan = true});
  obs.observe(floats({kNaN, kInf, 1.0f, -kInf, -kInf}));
  EXPECT_EQ(keys_of(obs.state()), (std::vector<std::string>{"eps", "min_val", "max_val", "num_batches", "nan_count",
                                                            "pos_inf_count", "neg_inf_count"}));
  const nn::StateDict state = obs.state();
  EXPECT_EQ(state.at("nan_count").item<int64_t>(), 1);
  EXPECT_EQ(state.at("pos_inf_count").item<int64_t>(), 1);
  EXPECT_EQ(state.at("neg_inf_count").item<int64_t>(), 2);
  EXPECT_EQ(obs.non_finite().total(), 4);
  MovingAverageMinMaxObserver restored({.skip_nan = true});
  restored.load_state(state);
  EXPECT_EQ(restored.non_finite().neg_inf, 2);
  EXPECT_EQ(restored.batches_observed(), 1);
}

TEST(ObserverBase, ActivationPostProcessInterface) {
  const std::vector<std::shared_ptr<ActivationPostProcess>> all = {
      std::make_shared<MinMaxObserver>(MinMaxObserverOptions{.dtype = kQInt8, .qscheme = kPerTensorSymmetric}),
      std::make_shared<MovingAverageMinMaxObserver>(),
      std::make_shared<PerChannelMinMaxObserver>(),
      std::make_shared<MovingAveragePerChannelMinMaxObserver>(),
      std::make_shared<FixedQParamsObserver>(1.0 / 256.0, 0),
  };
  for (const auto& app : all) {
    SCOPED_TRACE(app->name());
    EXPECT_TRUE(equal(app->forward(floats({-1.0f, 1.0f, 0.5f, 2.0f}, {2, 2})), floats({-1.0f, 1.0f, 0.5f, 2.0f}, {2, 2})));
    const QParamsTensors q = app->calculate_qparams();
    EXPECT_EQ(q.scale.dtype(), kFloat32);
    EXPECT_EQ(app->quantizer()->dtype(), app->dtype());
    EXPECT_FALSE(app->is_dynamic());
  }
  EXPECT_EQ(all[0]->qscheme(), kPerTensorSymmetric);
  EXPECT_EQ(all[2]->qscheme(), kPerChannelAffine);
  EXPECT_TRUE(PlaceholderObserver({.is_dynamic = true}).is_dynamic());
  EXPECT_TRUE(MinMaxObserver({.is_dynamic = true}).is_dynamic());
}

TEST(ObserverBase, InsideAModelStateDictsLoadAndClone) {
  auto model = std::make_shared<Prepared>(
      std::make_shared<PerChannelMinMaxObserver>(PerChannelMinMaxObserverOptions{.ch_axis = 1}));
  model->activation_post_process->forward(floats({1, 2, 3, -4, 5, -6}, {2, 3}));
  const nn::StateDict sd = model->state_dict();
  EXPECT_EQ(keys_of(sd), (std::vector<std::string>{"activation_post_process.eps", "activation_post_process.min_val",
                                                   "activation_post_process.max_val"}));
  // A freshly prepared model (empty per-channel buffers) loads the calibrated state dict, as
  // PyTorch's load_state_dict resizes per-channel observers.
  auto fresh = std::make_shared<Prepared>(
      std::make_shared<PerChannelMinMaxObserver>(PerChannelMinMaxObserverOptions{.ch_axis = 1}));
  fresh->load_state_dict(sd);
  auto& loaded = dynamic_cast<PerChannelMinMaxObserver&>(*fresh->activation_post_process);
  EXPECT_EQ(values_of(loaded.min_val), (std::vector<float>{-4, 2, -6}));
  nn::StateDict extra;
  for (const auto& [k, v] : sd) extra.insert(k, v.clone());
  extra.insert("activation_post_process.histogram", zeros({3}));
  EXPECT_OCTET_ERROR(fresh->load_state_dict(extra),
                     "Unexpected key(s) in state_dict: \"activation_post_process.histogram\"");
  // clone() copies the observer with its statistics, deeply.
  std::shared_ptr<Prepared> copy = model->clone();
  auto& original = dynamic_cast<PerChannelMinMaxObserver&>(*model->activation_post_process);
  auto& cloned = dynamic_cast<PerChannelMinMaxObserver&>(*copy->activation_post_process);
  cloned.observe(floats({-9, -9, -9}, {1, 3}));
  EXPECT_EQ(values_of(original.min_val), (std::vector<float>{-4, 2, -6}));
  EXPECT_EQ(values_of(cloned.min_val), (std::vector<float>{-9, -9, -9}));
  EXPECT_EQ(model->to_string(),
            "Prepared(\n  (activation_post_process): PerChannelMinMaxObserver(min_val=tensor([-4.,  2., -6.]), "
            "max_val=tensor([1., 5., 3.]))\n)");
}

TEST(ObserverBase, QRangeFollowsTheOptions) {
  EXPECT_EQ(MinMaxObserver().qrange().qmax, 255);
  EXPECT_EQ(MinMaxObserver({.reduce_range = true}).qrange().qmax, 127);
  EXPECT_EQ(MinMaxObserver({.dtype = kQInt8, .reduce_range = true}).qrange().qmin, -64);
  EXPECT_EQ(MinMaxObserver({.dtype = kQInt8, .quant_min = -127, .quant_max = 127}).qrange().qmin, -127);
  // Custom ranges are floor-halved by reduce_range, like PyTorch.
  const QRange r = MinMaxObserver({.dtype = kQInt8, .reduce_range = true, .quant_min = -127, .quant_max = 127}).qrange();
  EXPECT_EQ(r.qmin, -64);
  EXPECT_EQ(r.qmax, 63);
  EXPECT_EQ(PlaceholderObserver().qrange().qmax, 0);  // float dtype, no range
}

}  // namespace
}  // namespace octet::test
