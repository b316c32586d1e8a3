// observers_golden_test.cpp: the min/max family's qparams, buffers and printouts bit for bit against
// PyTorch (tests/data/golden/observers.safetensors, made by scripts/golden/gen_observers.py).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/golden.h"
#include "observers/observer_test_util.h"

namespace octet::test {
namespace {

using quantization::ObserverBase;
using quantization::QParamsTensors;

const GoldenFile& golden() {
  static const GoldenFile file("observers");
  return file;
}

// The batches of data set `name`, in order.
std::vector<Tensor> batches_of(const GoldenCase& c) {
  GoldenCase data{std::string("data/").append(c.args.at("data").get<std::string>()), "data", {}, c.tensors};
  std::vector<Tensor> out;
  for (int i = 0; data.has(std::string("in").append(std::to_string(i))); ++i) out.push_back(data.in(i));
  return out;
}

// Runs one case and compares qparams and buffers bit for bit; returns the number of checked cases.
void check_case(const GoldenCase& c) {
  SCOPED_TRACE(c.name);
  std::shared_ptr<ObserverBase> obs = make_observer(c.op, c.args);
  for (const Tensor& b : batches_of(c)) EXPECT_TRUE(equal(obs->forward(b), b));
  const QParamsTensors q = obs->calculate_qparams();
  const Tensor expected = c.out(0).to(kFloat64).contiguous();  // rows: scale, zero_point, min_val, max_val
  const bool per_channel = expected.dim() == 2;
  const int64_t channels = per_channel ? expected.size(1) : 1;
  const double* e = expected.data_ptr<double>();
  ASSERT_EQ(q.scale.numel(), channels);
  ASSERT_EQ(q.zero_point.numel(), channels);
  EXPECT_EQ(q.scale.dim(), per_channel ? 1 : 0);
  const bool float_zp = obs->qscheme() == kPerChannelAffineFloatQParams;
  EXPECT_EQ(q.zero_point.dtype(), float_zp ? kFloat32 : kInt64);
  const std::vector<float> scale = values_of(q.scale);
  const std::vector<float> min_val = values_of(obs->get_buffer("min_val"));
  const std::vector<float> max_val = values_of(obs->get_buffer("max_val"));
  for (int64_t ch = 0; ch < channels; ++ch) {
    const auto want_scale = static_cast<float>(e[0 * channels + ch]);
    EXPECT_EQ(float_bits(scale[ch]), float_bits(want_scale))
        << "channel " << ch << ": scale " << scale[ch] << " vs PyTorch " << want_scale;
    if (float_zp) {
      const float zp = q.zero_point.data_ptr<float>()[ch];
      const auto want = static_cast<float>(e[1 * channels + ch]);
      EXPECT_EQ(float_bits(zp), float_bits(want)) << "channel " << ch << ": zero_point " << zp << " vs " << want;
    } else {
      EXPECT_EQ(q.zero_point.data_ptr<int64_t>()[ch], static_cast<int64_t>(e[1 * channels + ch]))
          << "channel " << ch << ": zero_point";
    }
    EXPECT_EQ(min_val[ch], static_cast<float>(e[2 * channels + ch])) << "channel " << ch << ": min_val";
    EXPECT_EQ(max_val[ch], static_cast<float>(e[3 * channels + ch])) << "channel " << ch << ": max_val";
  }
  if (c.args.contains("repr")) {
    EXPECT_EQ(obs->to_string(), c.args["repr"].get<std::string>());
  }
}

void check_op(const std::string& op, std::size_t min_cases) {
  const std::vector<GoldenCase> cases = golden().cases_of(op);
  ASSERT_GE(cases.size(), min_cases) << op;
  for (const GoldenCase& c : cases) check_case(c);
}

TEST(ObserversGolden, MinMaxObserver) { check_op("MinMaxObserver", 300); }
TEST(ObserversGolden, MovingAverageMinMaxObserver) { check_op("MovingAverageMinMaxObserver", 40); }
TEST(ObserversGolden, PerChannelMinMaxObserver) { check_op("PerChannelMinMaxObserver", 200); }
TEST(ObserversGolden, MovingAveragePerChannelMinMaxObserver) {
  check_op("MovingAveragePerChannelMinMaxObserver", 30);
}

// Each data set's batches, observed in a layout PyTorch never sees (a transposed copy viewed back,
// so the memory is channels-last-like), give the same qparams: the scans do not depend on strides.
TEST(ObserversGolden, PerChannelThroughPermutedMemory) {
  int checked = 0;
  for (const GoldenCase& c : golden().cases_of("PerChannelMinMaxObserver")) {
    SCOPED_TRACE(c.name);
    std::shared_ptr<ObserverBase> plain = make_observer(c.op, c.args);
    std::shared_ptr<ObserverBase> permuted = make_observer(c.op, c.args);
    for (const Tensor& b : batches_of(c)) {
      plain->observe(b);
      // The same logical tensor stored with its dims reversed in memory.
      Shape rev;
      for (int64_t d = b.dim() - 1; d >= 0; --d) rev.push_back(d);
      const Tensor stored = b.permute(rev).contiguous().permute(rev);
      permuted->observe(stored);
    }
    expect_same_bits(permuted->calculate_qparams().scale, plain->calculate_qparams().scale, "scale");
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

}  // namespace
}  // namespace octet::test
