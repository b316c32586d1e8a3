// min_max_observer_test.cpp: MinMaxObserver and MovingAverageMinMaxObserver: statistics, qparams,
// the NaN/inf policy, merge, state, reset, clone, printing, and every bad input.
#include "octet/quantization/min_max_observer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "common/test_util.h"
#include "observers/observer_test_util.h"
#include "octet/generator.h"

namespace octet::test {
namespace {

using namespace quantization;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// A state dict whose tensors do not share storage with the module (state_dict() does, like PyTorch's).
nn::StateDict copied_state_dict(const nn::Module& m) {
  nn::StateDict out;
  for (const auto& [k, v] : m.state_dict()) out.insert(k, v.clone());
  return out;
}

Tensor random_batch(Generator& gen, int64_t n, float scale, float shift) {
  Tensor t = randn({n}, gen);
  float* d = t.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) d[i] = d[i] * scale + shift;
  return t;
}

// --- MinMaxObserver --------------------------------------------------------------------------------

TEST(MinMaxObserver, KeepsTheRunningMinAndMax) {
  MinMaxObserver obs;
  EXPECT_FALSE(obs.has_observed());
  EXPECT_EQ(obs.min_val.item<float>(), kInf);
  EXPECT_EQ(obs.max_val.item<float>(), -kInf);
  const Tensor a = floats({1.0f, 2.0f, 0.5f});
  EXPECT_TRUE(equal(obs.forward(a), a));
  EXPECT_EQ(obs.min_val.item<float>(), 0.5f);
  EXPECT_EQ(obs.max_val.item<float>(), 2.0f);
  obs.observe(floats({-3.0f, 1.0f}));
  obs.observe(floats({0.0f}));
  EXPECT_EQ(obs.min_val.item<float>(), -3.0f);
  EXPECT_EQ(obs.max_val.item<float>(), 2.0f);
  EXPECT_EQ(obs.get_buffer("min_val").item<float>(), -3.0f);  // the member is the buffer
  obs.observe(zeros({0}));                                    // empty: nothing, as in PyTorch
  EXPECT_EQ(obs.min_val.item<float>(), -3.0f);
  EXPECT_TRUE(obs.has_observed());
}

TEST(MinMaxObserver, QParamsFollowPyTorchsFormula) {
  // [-1, 2] quint8 affine: scale = 3 / 255, zero_point = 0 - round(-1 / scale) = 85.
  MinMaxObserver affine;
  affine.observe(floats({-1.0f, 2.0f}));
  QParamsTensors q = affine.calculate_qparams();
  EXPECT_EQ(q.scale.dim(), 0);
  EXPECT_EQ(q.scale.dtype(), kFloat32);
  EXPECT_EQ(q.zero_point.dtype(), kInt64);
  EXPECT_EQ(float_bits(q.scale.item<float>()), float_bits(3.0f / 255.0f));
  EXPECT_EQ(q.zero_point.item<int64_t>(), 85);
  // qint8 symmetric: scale = max(|min|, max) / 127.5, zero point 0.
  MinMaxObserver sym({.dtype = kQInt8, .qscheme = kPerTensorSymmetric});
  sym.observe(floats({-1.0f, 2.0f}));
  q = sym.calculate_qparams();
  EXPECT_EQ(float_bits(q.scale.item<float>()), float_bits(2.0f / 127.5f));
  EXPECT_EQ(q.zero_point.item<int64_t>(), 0);
  // All positive: zero is still in the range (min_neg = 0), so zero_point = qmin.
  MinMaxObserver positive({.quant_min = 0, .quant_max = 127});
  positive.observe(floats({3.0f, 5.0f}));
  q = positive.calculate_qparams();
  EXPECT_EQ(float_bits(q.scale.item<float>()), float_bits(5.0f / 127.0f));
  EXPECT_EQ(q.zero_point.item<int64_t>(), 0);
  // A constant zero: scale is eps, the floor.
  MinMaxObserver zero;
  zero.observe(zeros({5}));
  EXPECT_EQ(zero.calculate_qparams().scale.item<float>(), kFloat32Eps);
  // The quantizer carries the same pair.
  const QuantizerPtr quantizer = affine.quantizer();
  EXPECT_EQ(quantizer->dtype(), kQUInt8);
  EXPECT_EQ(static_cast<float>(quantizer->scale()), 3.0f / 255.0f);
  EXPECT_EQ(quantizer->zero_point(), 85);
}

TEST(MinMaxObserver, QInt32AffineZeroPointIsClampedNotWrapped) {
  // [-300, 1] as qint32: scale is eps (301 / (2^32 - 1) is below it) and round(-300 / eps) is
  // -2516582400, outside int32. PyTorch converts that with .to(torch.int), which overflows (x86
  // gives INT_MIN) and returns zero point 0, so -300 would quantize to qmin = -2^31 and dequantize
  // to -256. Octet keeps the exact value: zero_point = qmin + 2516582400, and -300 lands on qmin.
  MinMaxObserver obs({.dtype = kQInt32});
  obs.observe(floats({-300.0f, 1.0f}));
  const QParamsTensors q = obs.calculate_qparams();
  EXPECT_EQ(q.scale.item<float>(), kFloat32Eps);
  const int64_t zp = q.zero_point.item<int64_t>();
  EXPECT_EQ(zp, -2147483648LL + 2516582400LL);
  EXPECT_EQ(quantize_value(-300.0f, kFloat32Eps, zp, obs.qrange().qmin, obs.qrange().qmax), obs.qrange().qmin);
}

TEST(MinMaxObserver, ObservesAnyLayout) {
  Generator gen(test_seed(11));
  const Tensor base = randn({6, 7, 5}, gen);
  MinMaxObserver contiguous;
  contiguous.observe(base);
  for (const Tensor& view : {base.permute({2, 0, 1}), base.transpose(0, 2), base.slice(1, 1, 7, 2),
                             base.select(2, 3), base.expand({2, 6, 7, 5})}) {
    MinMaxObserver obs;
    obs.observe(view);
    MinMaxObserver reference;
    reference.observe(view.contiguous());
    EXPECT_EQ(float_bits(obs.min_val.item<float>()), float_bits(reference.min_val.item<float>()));
    EXPECT_EQ(float_bits(obs.max_val.item<float>()), float_bits(reference.max_val.item<float>()));
  }
  MinMaxObserver permuted;
  permuted.observe(base.permute({1, 2, 0}));
  EXPECT_EQ(permuted.min_val.item<float>(), contiguous.min_val.item<float>());
  EXPECT_EQ(permuted.max_val.item<float>(), contiguous.max_val.item<float>());
}

TEST(MinMaxObserver, NaNIsAnErrorNamingTheObserverAndChangesNothing) {
  MinMaxObserver obs;
  obs.observe(floats({1.0f, 2.0f}));
  EXPECT_OCTET_ERROR(obs.observe(floats({0.0f, kNaN, 5.0f, kNaN})),
                     "observe: MinMaxObserver: the observed data has 2 NaN value(s) (of 4); fix the data or "
                     "construct the observer with skip_nan = true");
  EXPECT_EQ(obs.min_val.item<float>(), 1.0f);
  EXPECT_EQ(obs.max_val.item<float>(), 2.0f);
  EXPECT_EQ(obs.non_finite().total(), 0);
}

TEST(MinMaxObserver, SkipNaNCountsAndSkips) {
  MinMaxObserver obs({.skip_nan = true});
  obs.observe(floats({0.5f, kNaN, -1.0f}));
  EXPECT_EQ(obs.min_val.item<float>(), -1.0f);
  EXPECT_EQ(obs.max_val.item<float>(), 0.5f);
  EXPECT_EQ(obs.non_finite().nan, 1);
  // A batch of NaN only leaves a fresh observer unobserved (and still counts).
  MinMaxObserver fresh({.skip_nan = true});
  fresh.observe(floats({kNaN, kNaN, kNaN}));
  EXPECT_FALSE(fresh.has_observed());
  EXPECT_EQ(fresh.non_finite().nan, 3);
  EXPECT_OCTET_ERROR(fresh.calculate_qparams(), "calculate_qparams: MinMaxObserver has observed no finite value");
}

TEST(MinMaxObserver, InfinitiesAreDroppedAndCounted) {
  MinMaxObserver obs;
  obs.observe(floats({1.0f, kInf, -kInf, 2.0f, kInf}));
  EXPECT_EQ(obs.min_val.item<float>(), 1.0f);
  EXPECT_EQ(obs.max_val.item<float>(), 2.0f);
  EXPECT_EQ(obs.non_finite().pos_inf, 2);
  EXPECT_EQ(obs.non_finite().neg_inf, 1);
  EXPECT_EQ(obs.non_finite().nan, 0);
  MinMaxObserver only_inf;
  only_inf.observe(floats({kInf, -kInf}));
  EXPECT_FALSE(only_inf.has_observed());
}

TEST(MinMaxObserver, NeverObservedIsAnError) {
  MinMaxObserver obs;
  EXPECT_OCTET_ERROR(obs.calculate_qparams(),
                     "calculate_qparams: MinMaxObserver has observed no finite value: run calibration data through "
                     "the model before converting (PyTorch would silently use scale 1.0, zero point 0)");
  EXPECT_OCTET_ERROR(obs.quantizer(), "MinMaxObserver has observed no finite value");
}

TEST(MinMaxObserver, RangeTooWideForAFloat32ScaleIsAnError) {
  MinMaxObserver obs;
  obs.observe(floats({-3e38f, 3e38f}));
  EXPECT_OCTET_ERROR(obs.calculate_qparams(), "calculate_qparams: MinMaxObserver: the range");
}

TEST(MinMaxObserver, BadInputsAreErrors) {
  MinMaxObserver obs;
  EXPECT_OCTET_ERROR(obs.observe(zeros({3}, kFloat64)), "observe: MinMaxObserver: observes float32 tensors, got float64");
  EXPECT_OCTET_ERROR(obs.observe(Tensor()), "observe: MinMaxObserver: the input is undefined");
}

TEST(MinMaxObserver, BadOptionsAreErrorsNamingTheObserver) {
  EXPECT_OCTET_ERROR(MinMaxObserver({.dtype = kFloat32}),
                     "MinMaxObserver: dtype must be quint8, qint8 or qint32 (or quint4x2 with "
                     "per_channel_affine_float_qparams), got float32");
  EXPECT_OCTET_ERROR(MinMaxObserver({.dtype = kQUInt4x2}), "MinMaxObserver: dtype must be");
  EXPECT_OCTET_ERROR(MinMaxObserver({.qscheme = kPerChannelAffine}),
                     "MinMaxObserver: qscheme per_channel_affine is not supported by a per-tensor observer");
  EXPECT_OCTET_ERROR(MinMaxObserver({.eps = 0.0f}), "MinMaxObserver: eps must be a positive finite float, got 0");
  EXPECT_OCTET_ERROR(MinMaxObserver({.eps = std::numeric_limits<float>::infinity()}), "MinMaxObserver: eps must be");
  EXPECT_OCTET_ERROR(MinMaxObserver({.qscheme = kPerTensorSymmetric, .reduce_range = true}),
                     "MinMaxObserver: cannot reduce range for symmetric quantization of quint8");
  EXPECT_OCTET_ERROR(MinMaxObserver({.quant_min = 0}), "MinMaxObserver: quant_min and quant_max must be given together");
  EXPECT_OCTET_ERROR(MinMaxObserver({.quant_min = 1, .quant_max = 100}),
                     "MinMaxObserver: the quantization range [1, 100] must include 0");
  EXPECT_OCTET_ERROR(MinMaxObserver({.dtype = kQInt8, .quant_min = -128, .quant_max = 200}),
                     "MinMaxObserver: the quantization range [-128, 200] does not fit in qint8");
  EXPECT_OCTET_ERROR(MovingAverageMinMaxObserver({.dtype = kFloat16}), "MovingAverageMinMaxObserver: dtype must be");
}

TEST(MinMaxObserver, MergeEqualsObservingEverything) {
  Generator gen(test_seed(5));
  std::vector<Tensor> batches;
  for (int i = 0; i < 6; ++i) batches.push_back(random_batch(gen, 37, 1.0f + static_cast<float>(i), 0.5f * i - 1.0f));
  MinMaxObserver all({.dtype = kQInt8});
  for (const Tensor& b : batches) all.observe(b);
  for (int split = 0; split <= 6; ++split) {
    MinMaxObserver a({.dtype = kQInt8}), b({.dtype = kQInt8});
    for (int i = 0; i < 6; ++i) (i < split ? a : b).observe(batches[i]);
    std::shared_ptr<MinMaxObserver> ab = a.clone(), ba = b.clone();
    ab->merge(b);
    ba->merge(a);
    for (const MinMaxObserver* m : {ab.get(), ba.get()}) {
      EXPECT_EQ(float_bits(m->min_val.item<float>()), float_bits(all.min_val.item<float>())) << "split " << split;
      EXPECT_EQ(float_bits(m->max_val.item<float>()), float_bits(all.max_val.item<float>())) << "split " << split;
      expect_same_bits(m->calculate_qparams().scale, all.calculate_qparams().scale, "scale");
    }
  }
}

TEST(MinMaxObserver, MergeAddsNonFiniteCounts) {
  MinMaxObserver a({.skip_nan = true}), b({.skip_nan = true});
  a.observe(floats({kNaN, 1.0f}));
  b.observe(floats({kInf, kNaN, -kInf, -kInf}));
  a.merge(b);
  EXPECT_EQ(a.non_finite().nan, 2);
  EXPECT_EQ(a.non_finite().pos_inf, 1);
  EXPECT_EQ(a.non_finite().neg_inf, 2);
  EXPECT_EQ(a.min_val.item<float>(), 1.0f);  // b observed nothing finite
}

TEST(MinMaxObserver, MergeNeedsTheSameClassAndOptions) {
  MinMaxObserver a;
  MovingAverageMinMaxObserver ma;
  EXPECT_OCTET_ERROR(a.merge(ma), "merge: MinMaxObserver cannot merge a MovingAverageMinMaxObserver");
  EXPECT_OCTET_ERROR(ma.merge(a), "merge: MovingAverageMinMaxObserver cannot merge a MinMaxObserver");
  MinMaxObserver other({.dtype = kQInt8});
  EXPECT_OCTET_ERROR(a.merge(other), "merge: MinMaxObserver: the other observer has different options");
  MinMaxObserver eps({.eps = 0.5f});
  EXPECT_OCTET_ERROR(a.merge(eps), "merge: MinMaxObserver: the other observer has different options");
  MinMaxObserver dynamic({.is_dynamic = true});
  EXPECT_OCTET_ERROR(a.merge(dynamic), "different options");
}

TEST(MinMaxObserver, StateRoundTrip) {
  MinMaxObserver obs({.dtype = kQInt8, .qscheme = kPerTensorSymmetric, .skip_nan = true});
  obs.observe(floats({-1.5f, 0.25f, kNaN, kInf}));
  const nn::StateDict state = obs.state();
  std::vector<std::string> keys;
  for (const auto& [k, v] : state) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"eps", "min_val", "max_val", "nan_count", "pos_inf_count",
                                            "neg_inf_count"}));
  MinMaxObserver restored({.dtype = kQInt8, .qscheme = kPerTensorSymmetric, .skip_nan = true});
  restored.load_state(state);
  expect_same_bits(restored.calculate_qparams().scale, obs.calculate_qparams().scale, "scale");
  EXPECT_EQ(restored.non_finite().nan, 1);
  EXPECT_EQ(restored.non_finite().pos_inf, 1);
  // The state is a copy: observing more does not change it.
  obs.observe(floats({-10.0f}));
  EXPECT_EQ(state.at("min_val").item<float>(), -1.5f);
  // An unobserved state loads too.
  MinMaxObserver blank;
  MinMaxObserver target;
  target.observe(floats({1.0f}));
  target.load_state(blank.state());
  EXPECT_FALSE(target.has_observed());
}

TEST(MinMaxObserver, StateDictIsPyTorchs) {
  MinMaxObserver obs;
  obs.observe(floats({-1.0f, 3.0f}));
  const nn::StateDict sd = obs.state_dict();
  std::vector<std::string> keys;
  for (const auto& [k, v] : sd) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"eps", "min_val", "max_val"}));
  EXPECT_EQ(sd.at("eps").shape(), (Shape{1}));
  EXPECT_EQ(sd.at("min_val").dim(), 0);
  MinMaxObserver loaded;
  loaded.load_state_dict(sd);
  EXPECT_EQ(loaded.min_val.item<float>(), -1.0f);
  EXPECT_EQ(loaded.max_val.item<float>(), 3.0f);
}

TEST(MinMaxObserver, BadStatesAreErrorsAndChangeNothing) {
  MinMaxObserver source;
  source.observe(floats({-1.0f, 1.0f}));
  MinMaxObserver obs;
  obs.observe(floats({2.0f, 4.0f}));
  auto without = [&](const std::string& key) {
    nn::StateDict s;
    for (const auto& [k, v] : source.state()) {
      if (k != key) s.insert(k, v);
    }
    return s;
  };
  EXPECT_OCTET_ERROR(obs.load_state(without("min_val")), "load_state: MinMaxObserver: the state has no 'min_val'");
  EXPECT_OCTET_ERROR(obs.load_state(without("nan_count")), "load_state: MinMaxObserver: the state has no 'nan_count'");
  nn::StateDict extra = source.state();
  extra.insert("histogram", zeros({4}));
  EXPECT_OCTET_ERROR(obs.load_state(extra), "load_state: MinMaxObserver: unexpected key 'histogram' in the state");
  nn::StateDict bad_eps = source.state();
  bad_eps.at("eps").fill_(0.5);
  EXPECT_OCTET_ERROR(obs.load_state(bad_eps),
                     "load_state: MinMaxObserver: the state has eps=0.5 but this observer was constructed with eps=");
  nn::StateDict bad_shape = source.state();
  bad_shape.at("min_val") = zeros({2});
  EXPECT_OCTET_ERROR(obs.load_state(bad_shape), "load_state: MinMaxObserver: 'min_val' has shape [2] in the state, the "
                                                "observer's is []");
  nn::StateDict bad_dtype = source.state();
  bad_dtype.at("max_val") = zeros({}, kFloat64);
  EXPECT_OCTET_ERROR(obs.load_state(bad_dtype), "'max_val' has dtype float64 in the state, the observer's is float32");
  nn::StateDict inverted = source.state();
  inverted.at("min_val").fill_(5.0);
  EXPECT_OCTET_ERROR(obs.load_state(inverted), "load_state: MinMaxObserver: min_val=5, max_val=1 is not a state it can "
                                               "be in");
  nn::StateDict half = source.state();
  half.at("max_val").fill_(-kInf);
  EXPECT_OCTET_ERROR(obs.load_state(half), "is not a state it can be in");
  nn::StateDict negative = source.state();
  negative.at("pos_inf_count").fill_(-1);
  EXPECT_OCTET_ERROR(obs.load_state(negative), "load_state: MinMaxObserver: 'pos_inf_count' must be >= 0, got -1");
  nn::StateDict float_count = source.state();
  float_count.at("nan_count") = zeros({});
  EXPECT_OCTET_ERROR(obs.load_state(float_count), "'nan_count' must be a one-element int64 tensor");
  EXPECT_EQ(obs.min_val.item<float>(), 2.0f);  // every failed load left the observer as it was
  EXPECT_EQ(obs.max_val.item<float>(), 4.0f);
  // load_state_dict: the same rules, PyTorch's error format.
  nn::StateDict sd_eps = copied_state_dict(source);
  sd_eps.at("eps").fill_(0.25);
  EXPECT_OCTET_ERROR(obs.load_state_dict(sd_eps), "the state has eps=0.25 but this observer was constructed with eps=");
  nn::StateDict sd_inverted = copied_state_dict(source);
  sd_inverted.at("max_val").fill_(-2.0);
  EXPECT_OCTET_ERROR(obs.load_state_dict(sd_inverted), "min_val=-1, max_val=-2 is not a state it can be in");
  nn::StateDict sd_missing;
  sd_missing.insert("eps", source.state_dict().at("eps"));
  EXPECT_OCTET_ERROR(obs.load_state_dict(sd_missing), "Missing key(s) in state_dict: \"min_val\", \"max_val\"");
  EXPECT_EQ(obs.min_val.item<float>(), 2.0f);
}

TEST(MinMaxObserver, ResetForgetsEverything) {
  MinMaxObserver obs({.skip_nan = true});
  obs.observe(floats({1.0f, kNaN}));
  obs.reset();
  EXPECT_FALSE(obs.has_observed());
  EXPECT_EQ(obs.min_val.item<float>(), kInf);
  EXPECT_EQ(obs.max_val.item<float>(), -kInf);
  EXPECT_EQ(obs.non_finite().total(), 0);
  obs.observe(floats({7.0f}));
  EXPECT_EQ(obs.min_val.item<float>(), 7.0f);
}

TEST(MinMaxObserver, CloneIsDeep) {
  MinMaxObserver obs;
  obs.observe(floats({-1.0f, 1.0f}));
  std::shared_ptr<MinMaxObserver> copy = obs.clone();
  copy->observe(floats({-5.0f}));
  EXPECT_EQ(obs.min_val.item<float>(), -1.0f);
  EXPECT_EQ(copy->min_val.item<float>(), -5.0f);
  obs.observe(floats({9.0f}));
  EXPECT_EQ(copy->max_val.item<float>(), 1.0f);
  EXPECT_EQ(copy->options().dtype, kQUInt8);
}

TEST(MinMaxObserver, PrintsLikePyTorch) {
  MinMaxObserver obs;
  EXPECT_EQ(obs.to_string(), "MinMaxObserver(min_val=inf, max_val=-inf)");
  obs.observe(floats({-1.5f, 2.0f}));
  EXPECT_EQ(obs.to_string(), "MinMaxObserver(min_val=-1.5, max_val=2.0)");
  obs.observe(floats({0.1f}));
  EXPECT_EQ(obs.to_string(), "MinMaxObserver(min_val=-1.5, max_val=2.0)");
  MinMaxObserver tenth;
  tenth.observe(floats({0.1f}));
  EXPECT_EQ(tenth.to_string(), "MinMaxObserver(min_val=0.10000000149011612, max_val=0.10000000149011612)");
}

// --- MovingAverageMinMaxObserver ----------------------------------------------------------------------

TEST(MovingAverageMinMaxObserver, AveragesInFloat32LikePyTorch) {
  Generator gen(test_seed(21));
  MovingAverageMinMaxObserver obs({.averaging_constant = 0.3});
  EXPECT_EQ(obs.averaging_constant(), 0.3);
  float lo = kInf, hi = -kInf;
  for (int i = 0; i < 5; ++i) {
    const Tensor b = random_batch(gen, 50, 1.0f + static_cast<float>(i), static_cast<float>(i) - 2.0f);
    MinMaxObserver batch;
    batch.observe(b);
    const float bmin = batch.min_val.item<float>(), bmax = batch.max_val.item<float>();
    if (i == 0) {
      lo = bmin;
      hi = bmax;
    } else {
      const float c = 0.3f;
      const float dlo = bmin - lo, dhi = bmax - hi;
      const float tlo = c * dlo, thi = c * dhi;
      lo = lo + tlo;
      hi = hi + thi;
    }
    obs.observe(b);
    EXPECT_EQ(float_bits(obs.min_val.item<float>()), float_bits(lo)) << "batch " << i;
    EXPECT_EQ(float_bits(obs.max_val.item<float>()), float_bits(hi)) << "batch " << i;
  }
  EXPECT_EQ(obs.batches_observed(), 5);
}

TEST(MovingAverageMinMaxObserver, BatchesWithoutFiniteValuesDoNotCount) {
  MovingAverageMinMaxObserver obs({.averaging_constant = 0.5, .skip_nan = true});
  obs.observe(floats({kNaN}));
  EXPECT_FALSE(obs.has_observed());
  obs.observe(floats({0.0f, 4.0f}));
  obs.observe(floats({kInf, kNaN}));
  obs.observe(zeros({0}));
  EXPECT_EQ(obs.min_val.item<float>(), 0.0f);
  EXPECT_EQ(obs.max_val.item<float>(), 4.0f);
  EXPECT_EQ(obs.batches_observed(), 1);
  obs.observe(floats({2.0f}));
  EXPECT_EQ(obs.min_val.item<float>(), 1.0f);
  EXPECT_EQ(obs.max_val.item<float>(), 3.0f);
  EXPECT_EQ(obs.batches_observed(), 2);
  EXPECT_EQ(obs.non_finite().nan, 2);
}

TEST(MovingAverageMinMaxObserver, BadOptionsAreErrors) {
  EXPECT_OCTET_ERROR(MovingAverageMinMaxObserver({.averaging_constant = 0.0}),
                     "MovingAverageMinMaxObserver: averaging_constant must be in (0, 1], got 0");
  EXPECT_OCTET_ERROR(MovingAverageMinMaxObserver({.averaging_constant = 1.5}), "averaging_constant must be in (0, 1]");
  EXPECT_OCTET_ERROR(MovingAverageMinMaxObserver({.averaging_constant = std::nan("")}),
                     "averaging_constant must be in (0, 1]");
  EXPECT_OCTET_ERROR(MovingAverageMinMaxObserver({.is_dynamic = true}),
                     "MovingAverageMinMaxObserver: dynamic quantization (is_dynamic) needs averaging_constant 1");
  EXPECT_OCTET_ERROR(MovingAverageMinMaxObserver({.qscheme = kPerChannelSymmetric}),
                     "MovingAverageMinMaxObserver: qscheme per_channel_symmetric is not supported by a per-tensor "
                     "observer");
  MovingAverageMinMaxObserver dynamic({.averaging_constant = 1.0, .is_dynamic = true});
  EXPECT_TRUE(dynamic.is_dynamic());
}

TEST(MovingAverageMinMaxObserver, MergeIsTheBatchWeightedMean) {
  MovingAverageMinMaxObserver a({.averaging_constant = 0.5}), b({.averaging_constant = 0.5});
  for (int i = 0; i < 3; ++i) a.observe(floats({-1.0f, 1.0f}));
  b.observe(floats({-0.1f, 5.0f}));
  std::shared_ptr<MovingAverageMinMaxObserver> ab = a.clone(), ba = b.clone();
  ab->merge(b);
  ba->merge(a);
  const auto expect_min = static_cast<float>((3.0 * -1.0 + 1.0 * static_cast<double>(-0.1f)) / 4.0);
  const auto expect_max = static_cast<float>((3.0 * 1.0 + 5.0) / 4.0);
  for (const MovingAverageMinMaxObserver* m : {ab.get(), ba.get()}) {  // commutative, bit for bit
    EXPECT_EQ(float_bits(m->min_val.item<float>()), float_bits(expect_min));
    EXPECT_EQ(float_bits(m->max_val.item<float>()), float_bits(expect_max));
    EXPECT_EQ(m->batches_observed(), 4);
  }
  // Equal statistics merge to themselves.
  std::shared_ptr<MovingAverageMinMaxObserver> twin = a.clone();
  twin->merge(a);
  EXPECT_EQ(twin->min_val.item<float>(), -1.0f);
  EXPECT_EQ(twin->max_val.item<float>(), 1.0f);
  EXPECT_EQ(twin->batches_observed(), 6);
  // An unobserved side changes nothing / is replaced by the other.
  MovingAverageMinMaxObserver empty({.averaging_constant = 0.5});
  std::shared_ptr<MovingAverageMinMaxObserver> kept = a.clone();
  kept->merge(empty);
  EXPECT_EQ(kept->min_val.item<float>(), -1.0f);
  EXPECT_EQ(kept->batches_observed(), 3);
  empty.merge(b);
  EXPECT_EQ(empty.max_val.item<float>(), 5.0f);
  EXPECT_EQ(empty.batches_observed(), 1);
  // A different averaging constant is a different configuration.
  MovingAverageMinMaxObserver other({.averaging_constant = 0.25});
  EXPECT_OCTET_ERROR(a.merge(other),
                     "merge: MovingAverageMinMaxObserver: the other observer has averaging_constant 0.25, this one 0.5");
}

TEST(MovingAverageMinMaxObserver, MergeAfterLoadingAStateDictCountsOneBatch) {
  // PyTorch's state dicts have no batch count: a loaded observer counts as one batch.
  MovingAverageMinMaxObserver source;
  for (int i = 0; i < 4; ++i) source.observe(floats({0.0f, 2.0f}));
  MovingAverageMinMaxObserver loaded, other;
  loaded.load_state_dict(source.state_dict());
  EXPECT_EQ(loaded.batches_observed(), 0);
  other.observe(floats({0.0f, 4.0f}));
  loaded.merge(other);
  EXPECT_EQ(loaded.max_val.item<float>(), 3.0f);
  EXPECT_EQ(loaded.batches_observed(), 2);
}

TEST(MovingAverageMinMaxObserver, StateCarriesTheBatchCountStateDictDoesNot) {
  MovingAverageMinMaxObserver obs;
  obs.observe(floats({1.0f, 2.0f}));
  obs.observe(floats({1.0f, 3.0f}));
  EXPECT_FALSE(obs.state_dict().contains("num_batches"));
  const nn::StateDict state = obs.state();
  ASSERT_TRUE(state.contains("num_batches"));
  MovingAverageMinMaxObserver restored;
  restored.load_state(state);
  EXPECT_EQ(restored.batches_observed(), 2);
  EXPECT_EQ(restored.max_val.item<float>(), obs.max_val.item<float>());
  nn::StateDict negative = obs.state();
  negative.at("num_batches").fill_(-3);
  EXPECT_OCTET_ERROR(restored.load_state(negative),
                     "load_state: MovingAverageMinMaxObserver: num_batches must be >= 0, got -3");
  restored.reset();
  EXPECT_EQ(restored.batches_observed(), 0);
  EXPECT_FALSE(restored.has_observed());
  EXPECT_EQ(restored.to_string(), "MovingAverageMinMaxObserver(min_val=inf, max_val=-inf)");
}

TEST(MovingAverageMinMaxObserver, IsAMinMaxObserverAndClonesDeeply) {
  MovingAverageMinMaxObserver obs({.averaging_constant = 0.5});
  obs.observe(floats({0.0f, 2.0f}));
  const MinMaxObserver& base = obs;
  EXPECT_EQ(base.max_val.item<float>(), 2.0f);
  std::shared_ptr<MovingAverageMinMaxObserver> copy = obs.clone();
  copy->observe(floats({0.0f, 4.0f}));
  EXPECT_EQ(copy->max_val.item<float>(), 3.0f);
  EXPECT_EQ(obs.max_val.item<float>(), 2.0f);
  EXPECT_EQ(copy->averaging_constant(), 0.5);
  EXPECT_EQ(copy->batches_observed(), 2);
  EXPECT_EQ(obs.batches_observed(), 1);
}

}  // namespace
}  // namespace octet::test
