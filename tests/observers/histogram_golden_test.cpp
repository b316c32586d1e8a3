// histogram_golden_test.cpp: HistogramObserver against PyTorch 2.15's own results, bit for bit
// (tests/data/golden/histogram_observer.safetensors, made by scripts/golden/gen_histogram_observer.py).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "common/golden.h"
#include "octet/quantization/histogram_observer.h"

namespace octet::quantization {
namespace {

DType dtype_of(const std::string& name) {
  if (name == "quint8") return kQUInt8;
  if (name == "qint8") return kQInt8;
  if (name == "qint32") return kQInt32;
  throw std::runtime_error("unknown dtype " + name);
}

QScheme qscheme_of(const std::string& name) {
  if (name == "per_tensor_affine") return kPerTensorAffine;
  if (name == "per_tensor_symmetric") return kPerTensorSymmetric;
  throw std::runtime_error("unknown qscheme " + name);
}

HistogramObserverOptions options_of(const nlohmann::json& a) {
  HistogramObserverOptions o;
  o.bins = a.at("bins").get<int64_t>();
  o.dtype = dtype_of(a.at("dtype").get<std::string>());
  o.qscheme = qscheme_of(a.at("qscheme").get<std::string>());
  o.reduce_range = a.at("reduce_range").get<bool>();
  if (!a.at("quant_min").is_null()) o.quant_min = a.at("quant_min").get<int64_t>();
  if (!a.at("quant_max").is_null()) o.quant_max = a.at("quant_max").get<int64_t>();
  o.eps = static_cast<float>(a.at("eps").get<double>());
  o.upsample_rate = a.at("upsample_rate").get<int64_t>();
  return o;
}

uint32_t bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// Every float32 of `actual` equals `expected` bit for bit; the first mismatches are reported.
void expect_bits_equal(const Tensor& actual, const Tensor& expected, const std::string& what) {
  ASSERT_EQ(actual.numel(), expected.numel()) << what;
  const Tensor a = actual.contiguous(), e = expected.contiguous();
  int reported = 0;
  int64_t mismatches = 0;
  for (int64_t i = 0; i < e.numel(); ++i) {
    const float av = a.data_ptr<float>()[i], ev = e.data_ptr<float>()[i];
    if (bits(av) != bits(ev)) {
      ++mismatches;
      if (reported++ < 5) ADD_FAILURE() << what << "[" << i << "]: " << av << " vs PyTorch " << ev;
    }
  }
  EXPECT_EQ(mismatches, 0) << what;
}

TEST(HistogramGolden, MatchesPyTorchBitForBit) {
  const test::GoldenFile golden("histogram_observer");
  const auto cases = golden.cases_of("histogram_observer");
  ASSERT_GE(cases.size(), 30u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    HistogramObserver obs(options_of(c.args));
    const int64_t batches = c.args.at("batches").get<int64_t>();
    for (int64_t i = 0; i < batches; ++i) obs.observe(c.in(static_cast<int>(i)));
    expect_bits_equal(obs.histogram, c.out(0), c.name + " histogram");
    EXPECT_EQ(bits(obs.min_val.item<float>()), bits(c.out(1).at<float>({0}))) << c.name << " min_val";
    EXPECT_EQ(bits(obs.max_val.item<float>()), bits(c.out(1).at<float>({1}))) << c.name << " max_val";
    const auto [lo, hi] = obs.search_range();
    EXPECT_EQ(bits(lo), bits(c.out(2).at<float>({0}))) << c.name << " search min " << lo;
    EXPECT_EQ(bits(hi), bits(c.out(2).at<float>({1}))) << c.name << " search max " << hi;
    const QParamsTensors q = obs.calculate_qparams();
    EXPECT_EQ(bits(q.scale.item<float>()), bits(c.out(3).at<float>({0}))) << c.name << " scale";
    EXPECT_EQ(q.zero_point.item<int64_t>(), c.out(4).at<int64_t>({0})) << c.name << " zero_point";
  }
}

// The same data split differently gives PyTorch's answer only batch by batch, but observing a
// clone must not share state with the original: each clone replays the last batches on its own.
TEST(HistogramGolden, CloneReplaysIndependently) {
  const test::GoldenFile golden("histogram_observer");
  for (const auto& c : golden.cases_of("histogram_observer")) {
    if (c.name != "grow_both") continue;
    HistogramObserver obs(options_of(c.args));
    obs.observe(c.in(0));
    obs.observe(c.in(1));
    auto copy = obs.clone();
    for (int i = 2; i < 4; ++i) {
      obs.observe(c.in(i));
      copy->observe(c.in(i));
    }
    expect_bits_equal(obs.histogram, c.out(0), "original");
    expect_bits_equal(copy->histogram, c.out(0), "clone");
    return;
  }
  FAIL() << "no grow_both case";
}

}  // namespace
}  // namespace octet::quantization
