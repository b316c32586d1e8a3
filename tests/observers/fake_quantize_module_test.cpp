// fake_quantize_module_test.cpp: the fake-quantize modules: switches, observer updates, per-channel
// resizing, backward, LSQ's modes, state dicts, clones, printing and every bad construction.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "octet/fake_quantize.h"
#include "octet/octet.h"
#include "octet/quantization/fake_quantize.h"
#include "octet/quantization/fixed_qparams_observer.h"
#include "octet/quantization/min_max_observer.h"
#include "octet/quantization/per_channel_observer.h"
#include "octet/quantization/placeholder_observer.h"

namespace octet::quantization {
namespace {

std::vector<float> floats_of(const Tensor& t) {
  const Tensor c = t.to(kFloat32).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

void expect_same_bits(const Tensor& a, const Tensor& e, const std::string& what) {
  ASSERT_EQ(a.shape(), e.shape()) << what;
  const std::vector<float> av = floats_of(a), ev = floats_of(e);
  for (size_t i = 0; i < av.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint32_t>(av[i]), std::bit_cast<uint32_t>(ev[i])) << what << " [" << i << "]";
  }
}

std::vector<std::string> keys_of(const nn::StateDict& sd) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : sd) keys.push_back(k);
  return keys;
}

std::shared_ptr<MovingAverageMinMaxObserver> act_observer(bool reduce_range = true) {
  MovingAverageMinMaxObserverOptions o;
  o.quant_min = 0;
  o.quant_max = 255;
  o.reduce_range = reduce_range;
  return std::make_shared<MovingAverageMinMaxObserver>(o);
}

std::shared_ptr<MovingAveragePerChannelMinMaxObserver> weight_observer(int64_t ch_axis = 0) {
  MovingAveragePerChannelMinMaxObserverOptions o;
  o.dtype = kQInt8;
  o.qscheme = kPerChannelSymmetric;
  o.quant_min = -128;
  o.quant_max = 127;
  o.ch_axis = ch_axis;
  return std::make_shared<MovingAveragePerChannelMinMaxObserver>(o);
}

// --- FakeQuantize --------------------------------------------------------------------------------

TEST(FakeQuantizeModule, ObservesUpdatesQParamsAndFakeQuantizes) {
  Generator g(test::test_seed(301));
  auto fq = std::make_shared<FakeQuantize>(act_observer());
  EXPECT_EQ(fq->quant_min(), 0);
  EXPECT_EQ(fq->quant_max(), 127);  // custom 0..255 halved by reduce_range, as PyTorch
  EXPECT_EQ(fq->ch_axis(), -1);
  for (int step = 0; step < 3; ++step) {
    const Tensor x = randn({4, 9}, g);
    const Tensor y = fq->forward(x);
    const QParamsTensors q = fq->activation_post_process->calculate_qparams();
    EXPECT_EQ(fq->scale.shape(), (Shape{1}));
    EXPECT_EQ(fq->zero_point.dtype(), kInt32);
    EXPECT_EQ(fq->scale.item<float>(), q.scale.item<float>());
    EXPECT_EQ(fq->zero_point.item<int64_t>(), q.zero_point.item<int64_t>());
    expect_same_bits(y, fake_quantize_per_tensor_affine(x, q.scale.item<float>(), q.zero_point.item<int64_t>(), 0, 127),
                     "step " + std::to_string(step));
  }
  // calculate_qparams() and quantizer() are the observer's.
  EXPECT_TRUE(equal(fq->calculate_qparams().scale, fq->activation_post_process->calculate_qparams().scale));
  EXPECT_EQ(fq->quantizer()->scale(), fq->activation_post_process->quantizer()->scale());
}

TEST(FakeQuantizeModule, SwitchesFreezeQParamsAndPassThrough) {
  Generator g(test::test_seed(302));
  auto fq = std::make_shared<FakeQuantize>(act_observer());
  EXPECT_EQ(fq->fake_quant_enabled.dtype(), kUInt8);
  EXPECT_EQ(fq->observer_enabled.shape(), (Shape{1}));
  EXPECT_TRUE(fq->is_fake_quant_enabled() && fq->is_observer_enabled());
  fq->forward(randn({20}, g));
  const float scale = fq->scale.item<float>();
  const float min_val = fq->activation_post_process->get_buffer("min_val").item<float>();
  // Observer off: neither the statistics nor the qparams move.
  fq->disable_observer();
  EXPECT_EQ(fq->observer_enabled.item<int64_t>(), 0);
  const Tensor big = full({5}, 100.0);
  const Tensor y = fq->forward(big);
  EXPECT_EQ(fq->scale.item<float>(), scale);
  EXPECT_EQ(fq->activation_post_process->get_buffer("min_val").item<float>(), min_val);
  expect_same_bits(y, fake_quantize_per_tensor_affine(big, scale, fq->zero_point.item<int64_t>(), 0, 127), "frozen");
  // Fake quant off: the input comes back (the observer, enabled again, still sees it).
  fq->enable_observer();
  fq->disable_fake_quant();
  EXPECT_EQ(fq->fake_quant_enabled.item<int64_t>(), 0);
  const Tensor x = randn({7}, g);
  expect_same_bits(fq->forward(x), x, "pass-through");
  EXPECT_NE(fq->activation_post_process->get_buffer("min_val").item<float>(), min_val);
  const auto [out, mask] = fq->forward_with_mask(x);
  for (bool m : std::vector<bool>(mask.data_ptr<bool>(), mask.data_ptr<bool>() + mask.numel())) EXPECT_TRUE(m);
  // And the straight-through gradient is the identity then.
  const Tensor dy = randn({7}, g);
  expect_same_bits(fq->backward(dy, x).input, dy, "identity backward");
}

TEST(FakeQuantizeModule, BackwardIsGradTimesTheForwardMask) {
  Generator g(test::test_seed(303));
  auto fq = std::make_shared<FakeQuantize>(act_observer());
  fq->forward(randn({50}, g));  // a range of about [-2.5, 2.5]
  fq->disable_observer();
  const Tensor x = randn({50}, g) * 3.0;  // some clamped
  const auto [y, mask] = fq->forward_with_mask(x);
  const Tensor dy = randn({50}, g);
  const FakeQuantizeGrads grads = fq->backward(dy, x);
  expect_same_bits(grads.input, fake_quantize_per_tensor_affine_cachemask_backward(dy, mask), "dx");
  EXPECT_FALSE(grads.scale.defined());
  EXPECT_FALSE(grads.zero_point.defined());
  int clamped = 0;
  for (bool m : std::vector<bool>(mask.data_ptr<bool>(), mask.data_ptr<bool>() + mask.numel())) clamped += !m;
  EXPECT_GT(clamped, 0);
}

TEST(FakeQuantizeModule, PerChannelResizesScaleAndZeroPoint) {
  Generator g(test::test_seed(304));
  for (int64_t axis : {0, 1}) {
    auto fq = std::make_shared<FakeQuantize>(weight_observer(axis));
    EXPECT_TRUE(fq->is_per_channel());
    EXPECT_EQ(fq->ch_axis(), axis);
    const Tensor w = randn({5, 3, 2}, g);
    const Tensor y = fq->forward(w);
    const int64_t c = w.size(axis);
    ASSERT_EQ(fq->scale.shape(), (Shape{c}));
    ASSERT_EQ(fq->zero_point.shape(), (Shape{c}));
    EXPECT_EQ(fq->zero_point.dtype(), kInt32);
    EXPECT_EQ(fq->state_dict().find("scale")->numel(), c);  // the registry holds the resized tensor
    expect_same_bits(y, fake_quantize_per_channel_affine(w, fq->scale, fq->zero_point, axis, -128, 127), "per channel");
  }
}

TEST(FakeQuantizeModule, StateDictRoundTripResizesLikePyTorch) {
  Generator g(test::test_seed(305));
  auto trained = std::make_shared<FakeQuantize>(weight_observer());
  trained->forward(randn({4, 6}, g));
  trained->disable_fake_quant();
  const nn::StateDict sd = trained->state_dict();
  EXPECT_EQ(keys_of(sd), (std::vector<std::string>{"fake_quant_enabled", "observer_enabled", "scale", "zero_point",
                                                    "activation_post_process.eps", "activation_post_process.min_val",
                                                    "activation_post_process.max_val"}));
  // A fresh module has [1] qparams and empty statistics: loading takes the stored shapes.
  auto fresh = std::make_shared<FakeQuantize>(weight_observer());
  fresh->load_state_dict(sd);
  EXPECT_TRUE(equal(fresh->scale, trained->scale));
  EXPECT_TRUE(equal(fresh->zero_point, trained->zero_point));
  EXPECT_FALSE(fresh->is_fake_quant_enabled());
  EXPECT_TRUE(equal(fresh->activation_post_process->get_buffer("min_val"),
                    trained->activation_post_process->get_buffer("min_val")));
  const Tensor x = randn({4, 6}, g);
  fresh->enable_fake_quant();
  trained->enable_fake_quant();
  fresh->disable_observer();
  trained->disable_observer();
  expect_same_bits(fresh->forward(x), trained->forward(x), "same state, same output");
  // Missing and malformed entries are Errors listing them; nothing is changed then.
  nn::StateDict missing;
  for (const auto& [k, v] : sd) {
    if (k != "zero_point") missing.insert(k, v);
  }
  EXPECT_OCTET_ERROR(std::make_shared<FakeQuantize>(weight_observer())->load_state_dict(missing), "zero_point");
  nn::StateDict bad;
  for (const auto& [k, v] : sd) bad.insert(k, k == "scale" ? zeros({2, 2}) : v);
  auto victim = std::make_shared<FakeQuantize>(weight_observer());
  EXPECT_OCTET_ERROR(victim->load_state_dict(bad), "expected a 1-d tensor");
  EXPECT_EQ(victim->scale.shape(), (Shape{1}));
}

TEST(FakeQuantizeModule, CloneIsDeep) {
  Generator g(test::test_seed(306));
  auto fq = std::make_shared<FakeQuantize>(weight_observer());
  fq->forward(randn({3, 4}, g));
  const std::shared_ptr<FakeQuantize> copy = fq->clone();
  EXPECT_NE(copy->activation_post_process.get(), fq->activation_post_process.get());
  EXPECT_TRUE(equal(copy->scale, fq->scale));
  const Tensor before = fq->scale.clone();
  copy->forward(randn({3, 4}, g) * 10.0);
  EXPECT_TRUE(equal(fq->scale, before)) << "the original must not see the clone's updates";
  EXPECT_FALSE(equal(copy->scale, before));
  copy->disable_fake_quant();
  EXPECT_TRUE(fq->is_fake_quant_enabled());
}

TEST(FakeQuantizeModule, PrintsLikePyTorch) {
  auto fq = std::make_shared<FakeQuantize>(act_observer());
  EXPECT_EQ(fq->extra_repr(),
            "fake_quant_enabled=tensor([1], dtype=torch.uint8), observer_enabled=tensor([1], dtype=torch.uint8), "
            "quant_min=0, quant_max=127, dtype=torch.quint8, qscheme=torch.per_tensor_affine, ch_axis=-1, "
            "scale=tensor([1.]), zero_point=tensor([0], dtype=torch.int32)");
  auto fused = std::make_shared<FusedMovingAvgObsFakeQuantize>();
  EXPECT_EQ(fused->extra_repr(),
            "fake_quant_enabled=tensor([1]), observer_enabled=tensor([1]), scale=tensor([1.]), "
            "zero_point=tensor([0], dtype=torch.int32), dtype=torch.quint8, quant_min=0, quant_max=255, "
            "qscheme=torch.per_tensor_affine, reduce_range=False");
}

// --- FusedMovingAvgObsFakeQuantize ---------------------------------------------------------------------

TEST(FusedFakeQuantizeModule, MatchesTheFusedOpAndKeepsTheObserverInStep) {
  Generator g(test::test_seed(311));
  auto fused = std::make_shared<FusedMovingAvgObsFakeQuantize>();  // MovingAverageMinMax quint8 0..255
  EXPECT_EQ(fused->fake_quant_enabled.dtype(), kInt64);
  EXPECT_EQ(fused->observer_enabled.dtype(), kInt64);
  EXPECT_DOUBLE_EQ(fused->averaging_constant(), 0.01);
  Tensor rmin = full({}, INFINITY), rmax = full({}, -INFINITY), scale = ones({1}), zp = zeros({1}, kInt32);
  for (int step = 0; step < 3; ++step) {
    const Tensor x = randn({33}, g) + static_cast<double>(step);
    const Tensor y = fused->forward(x);
    const Tensor want = fused_moving_avg_obs_fake_quant(x, ones({1}, kInt64), ones({1}, kInt64), rmin, rmax, scale, zp,
                                                        0.01, 0, 255, -1, false, false);
    expect_same_bits(y, want, "step " + std::to_string(step));
    expect_same_bits(fused->activation_post_process->get_buffer("min_val"), rmin, "running min");
    EXPECT_TRUE(equal(fused->scale, scale));
    EXPECT_TRUE(equal(fused->zero_point, zp));
  }
  // Per channel: scale / zero_point grow to [C].
  auto pc = std::make_shared<FusedMovingAvgObsFakeQuantize>(weight_observer());
  pc->forward(randn({6, 5}, g));
  EXPECT_EQ(pc->scale.shape(), (Shape{6}));
  EXPECT_EQ(pc->state_dict().find("zero_point")->shape(), (Shape{6}));
  // Fake quantization before anything was observed is an Error.
  auto cold = std::make_shared<FusedMovingAvgObsFakeQuantize>();
  cold->disable_observer();
  EXPECT_OCTET_ERROR(cold->forward(ones({3})), "needs an observed range");
}

// --- LearnableFakeQuantize -----------------------------------------------------------------------------

TEST(LearnableFakeQuantizeModule, StaticEstimateThenLearning) {
  Generator g(test::test_seed(321));
  MovingAverageMinMaxObserverOptions o;
  o.quant_min = 0;
  o.quant_max = 255;
  auto lsq = std::make_shared<LearnableFakeQuantize>(std::make_shared<MovingAverageMinMaxObserver>(o),
                                                     LearnableFakeQuantizeOptions{.use_grad_scaling = true});
  EXPECT_EQ(lsq->bitwidth(), 8);
  EXPECT_TRUE(lsq->is_static_enabled());
  EXPECT_FALSE(lsq->is_learning_enabled());
  EXPECT_EQ(keys_of(lsq->state_dict()),
            (std::vector<std::string>{"scale", "zero_point", "fake_quant_enabled", "observer_enabled",
                                      "static_enabled", "learning_enabled", "eps", "activation_post_process.eps",
                                      "activation_post_process.min_val", "activation_post_process.max_val"}));
  // Static estimation: the observer's qparams are copied into the parameters.
  const Tensor x = randn({4, 10}, g);
  lsq->forward(x);
  const QParamsTensors q = lsq->activation_post_process->calculate_qparams();
  EXPECT_EQ(lsq->scale.item<float>(), q.scale.item<float>());
  EXPECT_EQ(lsq->zero_point.item<float>(), static_cast<float>(q.zero_point.item<int64_t>()));
  // Learning: requires_grad on, observer frozen, scale floored at eps.
  lsq->enable_param_learning();
  EXPECT_TRUE(lsq->is_learning_enabled());
  EXPECT_FALSE(lsq->is_static_enabled());
  EXPECT_TRUE(lsq->parameter_requires_grad("scale"));
  const Tensor min_before = lsq->activation_post_process->get_buffer("min_val").clone();
  lsq->scale.fill_(-1.0);
  const Tensor x2 = randn({4, 10}, g) * 5.0;
  const Tensor y = lsq->forward(x2);
  EXPECT_EQ(lsq->scale.item<float>(), kFloat32Eps);
  EXPECT_TRUE(equal(lsq->activation_post_process->get_buffer("min_val"), min_before));
  const double gf = 1.0 / std::pow(40.0 * 255.0, 0.5);
  EXPECT_DOUBLE_EQ(lsq->grad_factor(40), gf);
  expect_same_bits(y, fake_quantize_learnable_per_tensor_affine(x2, lsq->scale, lsq->zero_point, 0, 255, gf), "forward");
  const Tensor dy = randn({4, 10}, g);
  const FakeQuantizeGrads grads = lsq->backward(dy, x2);
  const FakeQuantizeGrads want =
      fake_quantize_learnable_per_tensor_affine_backward(dy, x2, lsq->scale, lsq->zero_point, 0, 255, gf);
  expect_same_bits(grads.input, want.input, "dx");
  expect_same_bits(grads.scale, want.scale, "dscale");
  expect_same_bits(grads.zero_point, want.zero_point, "dzp");
  // The mask form agrees with the output.
  const auto [y2, mask] = lsq->forward_with_mask(x2);
  expect_same_bits(y2, y, "forward_with_mask");
  expect_same_bits(fake_quantize_per_tensor_affine_cachemask_backward(dy, mask), grads.input, "mask");
  // calculate_qparams: floored scale, rounded zero point, 0-d like the observers.
  lsq->zero_point.fill_(2.5);
  const QParamsTensors qp = lsq->calculate_qparams();
  EXPECT_EQ(qp.scale.dim(), 0);
  EXPECT_EQ(qp.zero_point.item<int64_t>(), 2);
  EXPECT_EQ(lsq->quantizer()->zero_point(), 2);
  // Static observation: fake quant off (identity), observer on, learning off.
  lsq->enable_static_observation();
  EXPECT_FALSE(lsq->is_fake_quant_enabled());
  EXPECT_FALSE(lsq->parameter_requires_grad("zero_point"));
  expect_same_bits(lsq->forward(x2), x2, "static observation");
  // enable_observer switches static estimation (PyTorch's override); observer_enabled stays as is.
  lsq->disable_observer();
  EXPECT_FALSE(lsq->is_static_enabled());
  EXPECT_TRUE(lsq->is_observer_enabled());
}

TEST(LearnableFakeQuantizeModule, SymmetricZeroesTheZeroPointAndPerChannelLearns) {
  Generator g(test::test_seed(322));
  auto lsq = std::make_shared<LearnableFakeQuantize>(weight_observer(), LearnableFakeQuantizeOptions{.channel_len = 3});
  EXPECT_EQ(lsq->ch_axis(), 0);
  EXPECT_EQ(lsq->scale.shape(), (Shape{3}));
  const Tensor w = randn({3, 8}, g);
  lsq->forward(w);
  lsq->enable_param_learning();
  lsq->zero_point.fill_(5.0);
  const Tensor y = lsq->forward(w);
  EXPECT_EQ(floats_of(lsq->zero_point), (std::vector<float>{0.0f, 0.0f, 0.0f}));
  expect_same_bits(y, fake_quantize_learnable_per_channel_affine(w, lsq->scale, lsq->zero_point, 0, -128, 127), "pc");
  const FakeQuantizeGrads grads = lsq->backward(ones({3, 8}), w);
  EXPECT_EQ(grads.scale.shape(), (Shape{3}));
  EXPECT_EQ(lsq->quantizer()->qscheme(), kPerChannelSymmetric);
}

// --- FixedQParamsFakeQuantize ---------------------------------------------------------------------------

TEST(FixedQParamsFakeQuantizeModule, UsesTheObserversTensors) {
  auto fixed = std::make_shared<FixedQParamsFakeQuantize>(std::make_shared<FixedQParamsObserver>(1.0 / 256.0, 0));
  const auto& obs = dynamic_cast<const FixedQParamsObserver&>(*fixed->activation_post_process);
  EXPECT_EQ(fixed->scale.storage(), obs.scale.storage()) << "one tensor under both names, as PyTorch";
  EXPECT_EQ(keys_of(fixed->state_dict()),
            (std::vector<std::string>{"fake_quant_enabled", "observer_enabled", "scale", "zero_point",
                                      "activation_post_process.scale", "activation_post_process.zero_point"}));
  const Tensor x = from_vector<float>({0.0f, 0.5f, 0.999f, 1.5f, -0.1f});
  expect_same_bits(fixed->forward(x), fake_quantize_per_tensor_affine(x, 1.0 / 256.0, 0, 0, 255), "sigmoid range");
  const QParamsTensors q = fixed->calculate_qparams();
  EXPECT_EQ(q.scale.item<float>(), 1.0f / 256.0f);
  EXPECT_EQ(q.zero_point.dtype(), kInt64);
  // A clone keeps the sharing, in its own storage.
  const auto copy = fixed->clone();
  const auto& copy_obs = dynamic_cast<const FixedQParamsObserver&>(*copy->activation_post_process);
  EXPECT_EQ(copy->scale.storage(), copy_obs.scale.storage());
  EXPECT_NE(copy->scale.storage(), fixed->scale.storage());
  EXPECT_EQ(fixed->extra_repr(),
            "fake_quant_enabled=tensor([1], dtype=torch.uint8), observer_enabled=tensor([1], dtype=torch.uint8), "
            "scale=tensor([0.0039]), zero_point=tensor([0], dtype=torch.int32), dtype=torch.quint8, quant_min=0, "
            "quant_max=255, qscheme=torch.per_tensor_affine");
}

// --- bad constructions ------------------------------------------------------------------------------

TEST(FakeQuantizeModuleErrors, EveryBadConstructionIsNamed) {
  EXPECT_OCTET_ERROR(FakeQuantize(std::make_shared<PlaceholderObserver>()), "must compute qparams for a quantized dtype");
  MinMaxObserverOptions mm;
  EXPECT_OCTET_ERROR(FusedMovingAvgObsFakeQuantize(std::make_shared<MinMaxObserver>(mm)),
                     "works only with a MovingAverageMinMaxObserver");
  MovingAveragePerChannelMinMaxObserverOptions fq;
  fq.qscheme = kPerChannelAffineFloatQParams;
  EXPECT_OCTET_ERROR(FusedMovingAvgObsFakeQuantize(std::make_shared<MovingAveragePerChannelMinMaxObserver>(fq)),
                     "per_channel_affine_float_qparams is not supported");
  EXPECT_OCTET_ERROR(FixedQParamsFakeQuantize{act_observer()}, "must be a FixedQParamsObserver");
  EXPECT_OCTET_ERROR(LearnableFakeQuantize(nullptr), "needs an observer");
  EXPECT_OCTET_ERROR(LearnableFakeQuantize{weight_observer()}, "needs channel_len > 0");
  EXPECT_OCTET_ERROR(LearnableFakeQuantize(act_observer(), LearnableFakeQuantizeOptions{.channel_len = 4}),
                     "needs channel_len = -1");
  MovingAverageMinMaxObserverOptions neg;
  neg.dtype = kQInt8;
  neg.quant_min = -8;
  neg.quant_max = 0;
  EXPECT_OCTET_ERROR(LearnableFakeQuantize(std::make_shared<MovingAverageMinMaxObserver>(neg),
                                           LearnableFakeQuantizeOptions{.use_grad_scaling = true}),
                     "quant_max must be > 0");
  EXPECT_OCTET_ERROR(LearnableFakeQuantize(std::make_shared<PlaceholderObserver>()), "quantized dtype");
  // A per-channel module whose learned channel count differs from the data's.
  auto lsq = std::make_shared<LearnableFakeQuantize>(weight_observer(), LearnableFakeQuantizeOptions{.channel_len = 2});
  EXPECT_OCTET_ERROR(lsq->forward(ones({3, 4})), "the observer computed 3 scales but the module learns 2");
}

}  // namespace
}  // namespace octet::quantization
