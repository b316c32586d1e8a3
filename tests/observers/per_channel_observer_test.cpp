// per_channel_observer_test.cpp: PerChannelMinMaxObserver and MovingAveragePerChannelMinMaxObserver:
// the per-channel scan on every layout against a naive walk, qparams quirks, the NaN/inf policy,
// merge, state, quantizer, and every bad input.
#include "octet/quantization/per_channel_observer.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// The per-channel finite min/max and non-finite counts by visiting every index (the specification
// the observer's scans must meet on any layout).
struct NaiveRanges {
  std::vector<float> lo, hi;
  NonFiniteCounts counts;
};
NaiveRanges naive_ranges(const Tensor& t, int64_t axis) {
  NaiveRanges r;
  const int64_t channels = t.size(axis);
  r.lo.assign(static_cast<std::size_t>(channels), kInf);
  r.hi.assign(static_cast<std::size_t>(channels), -kInf);
  Shape idx(static_cast<std::size_t>(t.dim()), 0);
  for (int64_t n = 0; n < t.numel(); ++n) {
    const float v = t.at<float>(idx);
    const int64_t c = idx[axis];
    if (std::isnan(v)) {
      ++r.counts.nan;
    } else if (std::isinf(v)) {
      ++(v > 0 ? r.counts.pos_inf : r.counts.neg_inf);
    } else {
      r.lo[c] = std::min(r.lo[c], v);
      r.hi[c] = std::max(r.hi[c], v);
    }
    for (int64_t d = t.dim() - 1; d >= 0; --d) {
      if (++idx[d] < t.size(d)) break;
      idx[d] = 0;
    }
  }
  return r;
}

// Random sizes in [1, max]; a few exactly the run threshold of the scan (16) and around it.
int64_t random_size(Generator& gen, int64_t max) {
  static const int64_t kEdges[] = {1, 2, 15, 16, 17, 33};
  if (gen.randint(0, 3) == 0) return std::min(max, kEdges[gen.randint(0, 6)]);
  return gen.randint(1, max + 1);
}

TEST(PerChannelMinMaxObserver, ScansEveryLayoutLikeANaiveWalk) {
  Generator gen(test_seed(2024));
  int checked = 0;
  for (int iter = 0; iter < 300; ++iter) {
    const int64_t rank = gen.randint(1, 5);
    Shape shape;
    for (int64_t d = 0; d < rank; ++d) shape.push_back(random_size(gen, rank <= 2 ? 40 : 9));
    Tensor base = randn(shape, gen);
    const int kind = static_cast<int>(gen.randint(0, 4));  // 0 finite, 1 inf, 2 NaN (skipped), 3 both
    if (kind != 0) {
      float* d = base.data_ptr<float>();
      for (int64_t i = 0; i < base.numel(); ++i) {
        const int64_t u = gen.randint(0, 10);
        if (u == 0 && (kind & 1)) d[i] = gen.randint(0, 2) ? kInf : -kInf;
        if (u == 1 && (kind & 2)) d[i] = kNaN;
      }
    }
    // The layout: contiguous, a permutation of its memory, or a strided slice with gaps.
    Tensor t = base;
    const int layout = static_cast<int>(gen.randint(0, 3));
    if (layout == 1 && rank > 1) {
      Shape perm;
      for (int64_t d = 0; d < rank; ++d) perm.push_back(d);
      for (int64_t d = rank - 1; d > 0; --d) std::swap(perm[d], perm[gen.randint(0, d + 1)]);
      Shape inverse(perm.size());
      for (std::size_t d = 0; d < perm.size(); ++d) inverse[perm[d]] = static_cast<int64_t>(d);
      t = base.permute(perm).contiguous().permute(inverse);  // base's values in another memory order
    } else if (layout == 2) {
      const int64_t d = gen.randint(0, rank);
      t = base.slice(d, 0, base.size(d), 2);
    }
    const int64_t ch_axis = gen.randint(-rank, rank);
    const int64_t axis = ch_axis < 0 ? ch_axis + rank : ch_axis;
    SCOPED_TRACE(testing::Message() << "iter " << iter << " shape " << shape_to_string(t.shape()) << " strides "
                                    << shape_to_string(t.strides()) << " ch_axis " << ch_axis << " kind " << kind);
    PerChannelMinMaxObserver obs({.ch_axis = ch_axis, .skip_nan = true});
    obs.observe(t);
    const NaiveRanges want = naive_ranges(t, axis);
    EXPECT_EQ(obs.non_finite().nan, want.counts.nan);
    EXPECT_EQ(obs.non_finite().pos_inf, want.counts.pos_inf);
    EXPECT_EQ(obs.non_finite().neg_inf, want.counts.neg_inf);
    const bool any = std::any_of(want.lo.begin(), want.lo.end(), [](float v) { return v != kInf; });
    ASSERT_EQ(obs.has_observed(), any);
    if (!any) continue;
    ASSERT_EQ(obs.num_channels(), t.size(axis));
    const std::vector<float> lo = values_of(obs.min_val), hi = values_of(obs.max_val);
    for (int64_t c = 0; c < t.size(axis); ++c) {
      EXPECT_EQ(float_bits(lo[c]), float_bits(want.lo[c])) << "channel " << c;
      EXPECT_EQ(float_bits(hi[c]), float_bits(want.hi[c])) << "channel " << c;
    }
    ++checked;
  }
  EXPECT_GT(checked, 250);
}

TEST(PerChannelMinMaxObserver, KeepsRunningRangesPerChannel) {
  // [2, 3] along axis 1: three channels.
  PerChannelMinMaxObserver obs({.ch_axis = 1});
  EXPECT_FALSE(obs.has_observed());
  EXPECT_EQ(obs.min_val.shape(), (Shape{0}));
  obs.observe(floats({1, -2, 3, 4, 5, -6}, {2, 3}));
  EXPECT_EQ(values_of(obs.min_val), (std::vector<float>{1, -2, -6}));
  EXPECT_EQ(values_of(obs.max_val), (std::vector<float>{4, 5, 3}));
  obs.observe(floats({0, 9, 3}, {1, 3}));
  EXPECT_EQ(values_of(obs.min_val), (std::vector<float>{0, -2, -6}));
  EXPECT_EQ(values_of(obs.max_val), (std::vector<float>{4, 9, 3}));
  EXPECT_EQ(obs.num_channels(), 3);
  // ch_axis -1 reads the last dim of each input, whatever its rank.
  PerChannelMinMaxObserver last({.ch_axis = -1});
  last.observe(floats({1, 2, 3, 4}, {2, 2}));
  last.observe(floats({-1, 8}, {1, 1, 2}));
  EXPECT_EQ(values_of(last.min_val), (std::vector<float>{-1, 2}));
  EXPECT_EQ(values_of(last.max_val), (std::vector<float>{3, 8}));
}

TEST(PerChannelMinMaxObserver, QParamsQuirksOfPyTorch) {
  // per_channel_symmetric with quint8: zero point 128 in every channel; (qmin + qmax) / 2 with a
  // custom range.
  PerChannelMinMaxObserver sym({.qscheme = kPerChannelSymmetric});
  sym.observe(floats({-1, 2, 0, 3}, {2, 2}));
  QParamsTensors q = sym.calculate_qparams();
  EXPECT_EQ(q.zero_point.dtype(), kInt64);
  EXPECT_EQ(q.zero_point.data_ptr<int64_t>()[0], 128);
  EXPECT_EQ(q.zero_point.data_ptr<int64_t>()[1], 128);
  EXPECT_EQ(float_bits(q.scale.data_ptr<float>()[0]), float_bits(2.0f / 127.5f));
  PerChannelMinMaxObserver custom({.qscheme = kPerChannelSymmetric, .quant_min = 0, .quant_max = 201});
  custom.observe(floats({-1, 2}, {1, 2}));
  EXPECT_EQ(custom.calculate_qparams().zero_point.data_ptr<int64_t>()[0], 100);
  // per_channel_affine_float_qparams: scale (max - min) / (qmax - qmin), 1 where that is not above
  // eps; zero_point = -min / scale as float; zero need not be in the range.
  PerChannelMinMaxObserver fq({.qscheme = kPerChannelAffineFloatQParams});
  fq.observe(floats({1.0f, 3.55f, 2.0f, 2.0f, -5e-6f, -4e-6f}, {3, 2}));
  q = fq.calculate_qparams();
  EXPECT_EQ(q.zero_point.dtype(), kFloat32);
  const float s0 = (3.55f - 1.0f) / 255.0f;
  EXPECT_EQ(float_bits(q.scale.data_ptr<float>()[0]), float_bits(s0));
  EXPECT_EQ(float_bits(q.zero_point.data_ptr<float>()[0]), float_bits((-1.0f * 1.0f) / s0));
  EXPECT_EQ(q.scale.data_ptr<float>()[1], 1.0f);  // constant channel
  EXPECT_EQ(q.zero_point.data_ptr<float>()[1], -2.0f);
  EXPECT_EQ(q.scale.data_ptr<float>()[2], 1.0f);  // range 1e-6 / 255 is below eps
  EXPECT_EQ(q.zero_point.data_ptr<float>()[2], 5e-6f);
  // 4-bit rows.
  PerChannelMinMaxObserver fq4({.dtype = kQUInt4x2, .qscheme = kPerChannelAffineFloatQParams});
  fq4.observe(floats({0.0f, 1.5f}, {1, 2}));
  EXPECT_EQ(float_bits(fq4.calculate_qparams().scale.data_ptr<float>()[0]), float_bits(1.5f / 15.0f));
}

TEST(PerChannelMinMaxObserver, Quantizer) {
  PerChannelMinMaxObserver obs({.ch_axis = -1, .dtype = kQInt8, .qscheme = kPerChannelSymmetric});
  EXPECT_OCTET_ERROR(obs.quantizer(), "quantizer: PerChannelMinMaxObserver: ch_axis -1 is negative and no input was "
                                      "observed since construction to resolve it; call quantizer(axis)");
  obs.observe(floats({-1, 2, 0.5f, 4, 0, -8}, {1, 3, 2}));
  const QuantizerPtr q = obs.quantizer();
  EXPECT_EQ(q->axis(), 2);
  EXPECT_EQ(q->qscheme(), kPerChannelSymmetric);
  ASSERT_EQ(q->num_channels(), 2);
  EXPECT_EQ(static_cast<float>(q->scales()[1]), 8.0f / 127.5f);
  EXPECT_EQ(obs.quantizer(0)->axis(), 0);
  EXPECT_OCTET_ERROR(obs.quantizer(-1), "quantizer: PerChannelMinMaxObserver: axis must be >= 0, got -1");
  PerChannelMinMaxObserver fq({.qscheme = kPerChannelAffineFloatQParams});
  fq.observe(floats({1, 2, 3, 5}, {2, 2}));
  const QuantizerPtr fqq = fq.quantizer();
  EXPECT_EQ(fqq->qscheme(), kPerChannelAffineFloatQParams);
  EXPECT_EQ(fqq->float_zero_points().size(), 2u);
}

TEST(PerChannelMinMaxObserver, BadInputsAreErrorsNamingTheObserver) {
  PerChannelMinMaxObserver obs({.ch_axis = 2});
  EXPECT_OCTET_ERROR(obs.observe(zeros({3, 2})), "observe: PerChannelMinMaxObserver: ch_axis 2 is out of range for a "
                                                 "2-d input of shape [3, 2]");
  PerChannelMinMaxObserver neg({.ch_axis = -3});
  EXPECT_OCTET_ERROR(neg.observe(zeros({3, 2})), "ch_axis -3 is out of range for a 2-d input");
  PerChannelMinMaxObserver axis0;
  EXPECT_OCTET_ERROR(axis0.observe(zeros({})), "ch_axis 0 is out of range for a 0-d input of shape []");
  EXPECT_OCTET_ERROR(axis0.observe(zeros({2}, kInt32)), "observe: PerChannelMinMaxObserver: observes float32 tensors, got "
                                                        "int32");
  axis0.observe(zeros({4, 2}));
  EXPECT_OCTET_ERROR(axis0.observe(zeros({3, 2})),
                     "observe: PerChannelMinMaxObserver: the input has 3 channels along ch_axis 0 (shape [3, 2]) but "
                     "the observer learned 4 channels from earlier batches");
  EXPECT_EQ(axis0.num_channels(), 4);
  EXPECT_OCTET_ERROR(axis0.observe(floats({0, kNaN, 1, 2, 3, 4, 5, 6}, {4, 2})),
                     "observe: PerChannelMinMaxObserver: the observed data has 1 NaN value(s) (of 8)");
  EXPECT_EQ(axis0.non_finite().total(), 0);
  EXPECT_EQ(values_of(axis0.max_val), (std::vector<float>{0, 0, 0, 0}));  // unchanged by the failed batch
}

TEST(PerChannelMinMaxObserver, BadOptionsAreErrorsNamingTheObserver) {
  EXPECT_OCTET_ERROR(PerChannelMinMaxObserver({.qscheme = kPerTensorAffine}),
                     "PerChannelMinMaxObserver: qscheme per_tensor_affine is not supported by a per-channel observer");
  EXPECT_OCTET_ERROR(PerChannelMinMaxObserver({.is_dynamic = true}),
                     "PerChannelMinMaxObserver: does not support dynamic quantization");
  EXPECT_OCTET_ERROR(PerChannelMinMaxObserver({.dtype = kQUInt4x2}), "PerChannelMinMaxObserver: dtype must be");
  EXPECT_OCTET_ERROR(PerChannelMinMaxObserver({.qscheme = kPerChannelSymmetric, .reduce_range = true}),
                     "PerChannelMinMaxObserver: cannot reduce range for symmetric quantization of quint8");
  EXPECT_OCTET_ERROR(PerChannelMinMaxObserver({.quant_min = -1, .quant_max = 255}),
                     "PerChannelMinMaxObserver: the quantization range [-1, 255] does not fit in quint8");
  EXPECT_OCTET_ERROR(MovingAveragePerChannelMinMaxObserver({.averaging_constant = -0.1}),
                     "MovingAveragePerChannelMinMaxObserver: averaging_constant must be in (0, 1], got -0.1");
  EXPECT_OCTET_ERROR(MovingAveragePerChannelMinMaxObserver({.is_dynamic = true}),
                     "MovingAveragePerChannelMinMaxObserver: does not support dynamic quantization");
}

TEST(PerChannelMinMaxObserver, NonFiniteValuesPerChannel) {
  PerChannelMinMaxObserver obs({.skip_nan = true});
  obs.observe(floats({1, kInf, kNaN, -kInf, kNaN, 2}, {3, 2}));
  EXPECT_EQ(obs.non_finite().nan, 2);
  EXPECT_EQ(obs.non_finite().pos_inf, 1);
  EXPECT_EQ(obs.non_finite().neg_inf, 1);
  EXPECT_TRUE(obs.has_observed());
  EXPECT_EQ(values_of(obs.min_val), (std::vector<float>{1, kInf, 2}));
  EXPECT_OCTET_ERROR(obs.calculate_qparams(),
                     "calculate_qparams: PerChannelMinMaxObserver: channel 1 (of 3) has observed no finite value");
  obs.observe(floats({0, 0, 5, 6, 0, 0}, {3, 2}));  // channel 1 gets its first values
  EXPECT_EQ(values_of(obs.min_val), (std::vector<float>{0, 5, 0}));
  EXPECT_EQ(obs.calculate_qparams().scale.numel(), 3);
  // Only NaN: a fresh observer stays unobserved (and learns no channel count).
  PerChannelMinMaxObserver fresh({.skip_nan = true});
  fresh.observe(floats({kNaN, kNaN}, {2, 1}));
  EXPECT_FALSE(fresh.has_observed());
  EXPECT_EQ(fresh.num_channels(), 0);
  EXPECT_OCTET_ERROR(fresh.calculate_qparams(),
                     "calculate_qparams: PerChannelMinMaxObserver has observed no finite value");
  fresh.observe(zeros({5, 1}));  // so a later batch may have any channel count
  EXPECT_EQ(fresh.num_channels(), 5);
}

TEST(PerChannelMinMaxObserver, MergeEqualsObservingEverything) {
  Generator gen(test_seed(77));
  std::vector<Tensor> batches;
  for (int i = 0; i < 5; ++i) batches.push_back(randn({2, 4, 3, 3}, gen));
  PerChannelMinMaxObserver all({.ch_axis = 1});
  for (const Tensor& b : batches) all.observe(b);
  for (int split = 0; split <= 5; ++split) {
    PerChannelMinMaxObserver a({.ch_axis = 1}), b({.ch_axis = 1});
    for (int i = 0; i < 5; ++i) (i < split ? a : b).observe(batches[i]);
    a.merge(b);
    expect_same_bits(a.min_val, all.min_val, "min_val");
    expect_same_bits(a.max_val, all.max_val, "max_val");
    expect_same_bits(a.calculate_qparams().scale, all.calculate_qparams().scale, "scale");
  }
}

TEST(PerChannelMinMaxObserver, MergeNeedsTheSameAxisAndChannels) {
  PerChannelMinMaxObserver a, b({.ch_axis = 1}), c;
  EXPECT_OCTET_ERROR(a.merge(b), "merge: PerChannelMinMaxObserver: the other observer has ch_axis 1, this one 0");
  a.observe(zeros({3, 2}));
  c.observe(zeros({4, 2}));
  EXPECT_OCTET_ERROR(a.merge(c), "merge: PerChannelMinMaxObserver: the other observer has 4 channels, this one 3");
  MovingAveragePerChannelMinMaxObserver ma;
  EXPECT_OCTET_ERROR(a.merge(ma), "merge: PerChannelMinMaxObserver cannot merge a MovingAveragePerChannelMinMaxObserver");
  PerChannelMinMaxObserver sym({.qscheme = kPerChannelSymmetric});
  EXPECT_OCTET_ERROR(a.merge(sym), "merge: PerChannelMinMaxObserver: the other observer has different options");
  PerChannelMinMaxObserver empty;
  empty.merge(a);  // an unobserved observer takes the other's channels
  EXPECT_EQ(empty.num_channels(), 3);
  a.merge(PerChannelMinMaxObserver());
  EXPECT_EQ(a.num_channels(), 3);
}

TEST(PerChannelMinMaxObserver, StateLoadsIntoAFreshObserver) {
  PerChannelMinMaxObserver obs({.ch_axis = 1, .dtype = kQInt8, .qscheme = kPerChannelSymmetric});
  obs.observe(floats({1, -2, 3, 4, 5, -6}, {2, 3}));
  PerChannelMinMaxObserver fresh({.ch_axis = 1, .dtype = kQInt8, .qscheme = kPerChannelSymmetric});
  fresh.load_state(obs.state());
  EXPECT_EQ(fresh.num_channels(), 3);
  expect_same_bits(fresh.calculate_qparams().scale, obs.calculate_qparams().scale, "scale");
  fresh.observe(floats({0, 0, 9}, {1, 3}));  // keeps observing with the loaded channel count
  EXPECT_EQ(values_of(fresh.max_val), (std::vector<float>{4, 5, 9}));
  EXPECT_OCTET_ERROR(fresh.observe(zeros({1, 2})), "learned 3 channels");
  // A PyTorch-style state dict ([C] buffers) loads into a fresh observer's empty ones too.
  PerChannelMinMaxObserver from_dict({.ch_axis = 1, .dtype = kQInt8, .qscheme = kPerChannelSymmetric});
  from_dict.load_state_dict(obs.state_dict());
  EXPECT_EQ(values_of(from_dict.min_val), values_of(obs.min_val));
  // And an unobserved state empties an observed one.
  fresh.load_state(PerChannelMinMaxObserver({.ch_axis = 1, .dtype = kQInt8, .qscheme = kPerChannelSymmetric}).state());
  EXPECT_FALSE(fresh.has_observed());
}

TEST(PerChannelMinMaxObserver, BadStatesAreErrors) {
  PerChannelMinMaxObserver obs;
  obs.observe(floats({1, 2, 3, 4}, {2, 2}));
  nn::StateDict lengths = obs.state();
  lengths.at("max_val") = floats({1, 2, 3});
  PerChannelMinMaxObserver target;
  EXPECT_OCTET_ERROR(target.load_state(lengths), "load_state: PerChannelMinMaxObserver: min_val has 2 channels, max_val 3");
  nn::StateDict rank = obs.state();
  rank.at("min_val") = zeros({2, 1});
  EXPECT_OCTET_ERROR(target.load_state(rank), "load_state: PerChannelMinMaxObserver: 'min_val' has shape [2, 1] in the "
                                              "state, the observer's is [0]");
  nn::StateDict inverted = obs.state();
  inverted.at("min_val") = floats({1, 9});
  EXPECT_OCTET_ERROR(target.load_state(inverted), "channel 1 has min_val=9, max_val=4, not a state it can be in");
  nn::StateDict sd;
  for (const auto& [k, v] : obs.state_dict()) sd.insert(k, v.clone());
  sd.at("max_val") = floats({5});
  EXPECT_OCTET_ERROR(target.load_state_dict(sd), "min_val has 2 channels, max_val 1");
  EXPECT_FALSE(target.has_observed());
}

TEST(PerChannelMinMaxObserver, ResetCloneAndPrint) {
  PerChannelMinMaxObserver obs;
  EXPECT_EQ(obs.to_string(), "PerChannelMinMaxObserver(min_val=tensor([]), max_val=tensor([]))");
  obs.observe(floats({-1.0f, 0.5f, 2.0f, 3.0f}, {2, 2}));
  EXPECT_EQ(obs.to_string(), "PerChannelMinMaxObserver(min_val=tensor([-1.,  2.]), max_val=tensor([0.5000, 3.0000]))");
  std::shared_ptr<PerChannelMinMaxObserver> copy = obs.clone();
  copy->observe(floats({-7, 7, -7, 7}, {2, 2}));
  EXPECT_EQ(values_of(obs.min_val), (std::vector<float>{-1, 2}));
  EXPECT_EQ(values_of(copy->min_val), (std::vector<float>{-7, -7}));
  EXPECT_EQ(copy->ch_axis(), 0);
  obs.reset();
  EXPECT_FALSE(obs.has_observed());
  EXPECT_EQ(obs.min_val.shape(), (Shape{0}));
  obs.observe(zeros({5}));  // any channel count after a reset
  EXPECT_EQ(obs.num_channels(), 5);
}

// --- MovingAveragePerChannelMinMaxObserver -------------------------------------------------------------

TEST(MovingAveragePerChannelMinMaxObserver, AveragesEachChannelInFloat32) {
  MovingAveragePerChannelMinMaxObserver obs({.averaging_constant = 0.25, .ch_axis = -1});
  obs.observe(floats({0, 10, 4, 20}, {2, 2}));
  obs.observe(floats({-4, 30, 8, 34}, {2, 2}));
  const float c = 0.25f;
  EXPECT_EQ(values_of(obs.min_val), (std::vector<float>{0.0f + c * (-4.0f - 0.0f), 10.0f + c * (30.0f - 10.0f)}));
  EXPECT_EQ(values_of(obs.max_val), (std::vector<float>{4.0f + c * (8.0f - 4.0f), 20.0f + c * (34.0f - 20.0f)}));
  EXPECT_EQ(obs.batches_observed(), 2);
}

TEST(MovingAveragePerChannelMinMaxObserver, AChannelWithoutValuesKeepsItsAverage) {
  MovingAveragePerChannelMinMaxObserver obs({.averaging_constant = 0.5, .skip_nan = true});
  obs.observe(floats({kNaN, kNaN, 2, 4}, {2, 2}));  // channel 0 unseen
  obs.observe(floats({1, 3, kNaN, kInf}, {2, 2}));  // channel 0 first seen, channel 1 nothing
  EXPECT_EQ(values_of(obs.min_val), (std::vector<float>{1, 2}));
  EXPECT_EQ(values_of(obs.max_val), (std::vector<float>{3, 4}));
  obs.observe(floats({3, 5, 4, 4}, {2, 2}));
  EXPECT_EQ(values_of(obs.min_val), (std::vector<float>{2, 3}));
  EXPECT_EQ(values_of(obs.max_val), (std::vector<float>{4, 4}));
}

TEST(MovingAveragePerChannelMinMaxObserver, MergeIsTheBatchWeightedMeanPerChannel) {
  MovingAveragePerChannelMinMaxObserver a({.averaging_constant = 0.5, .skip_nan = true}),
      b({.averaging_constant = 0.5, .skip_nan = true});
  a.observe(floats({0, 0, kNaN}, {3, 1}));
  a.observe(floats({0, 0, kNaN}, {3, 1}));
  b.observe(floats({3, kNaN, 6}, {3, 1}));
  std::shared_ptr<MovingAveragePerChannelMinMaxObserver> ab = a.clone(), ba = b.clone();
  ab->merge(b);
  ba->merge(a);
  for (const auto* m : {ab.get(), ba.get()}) {
    // channel 0: (2 * 0 + 1 * 3) / 3; channel 1: only a saw it; channel 2: only b.
    EXPECT_EQ(values_of(m->min_val), (std::vector<float>{1, 0, 6}));
    EXPECT_EQ(m->batches_observed(), 3);
  }
  MovingAveragePerChannelMinMaxObserver other({.averaging_constant = 0.5, .ch_axis = 1});
  EXPECT_OCTET_ERROR(a.merge(other), "the other observer has ch_axis 1, this one 0");
  MovingAveragePerChannelMinMaxObserver c({.averaging_constant = 0.125, .skip_nan = true});
  EXPECT_OCTET_ERROR(a.merge(c), "merge: MovingAveragePerChannelMinMaxObserver: the other observer has "
                                 "averaging_constant 0.125, this one 0.5");
  const nn::StateDict state = a.state();
  MovingAveragePerChannelMinMaxObserver restored({.averaging_constant = 0.5, .skip_nan = true});
  restored.load_state(state);
  EXPECT_EQ(restored.batches_observed(), 2);
  restored.reset();
  EXPECT_EQ(restored.batches_observed(), 0);
  EXPECT_EQ(restored.to_string(), "MovingAveragePerChannelMinMaxObserver(min_val=tensor([]), max_val=tensor([]))");
}

}  // namespace
}  // namespace octet::test
