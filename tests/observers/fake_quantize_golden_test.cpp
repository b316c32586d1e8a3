// fake_quantize_golden_test.cpp: fake quantization against PyTorch's answers
// (tests/data/golden/fake_quantize.safetensors, made by scripts/golden/gen_fake_quantize.py): the
// functions on every ISA, LSQ's gradients, the fused observer op and the modules over several
// training steps, bit for bit (LSQ's summed parameter gradients within float32 summation error).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/fake_quantize.h"
#include "octet/quantization/fake_quantize.h"
#include "octet/quantization/fixed_qparams_observer.h"
#include "octet/quantization/min_max_observer.h"
#include "octet/quantization/per_channel_observer.h"

namespace octet {
namespace {

using quantization::FakeQuantizeBase;
using test::GoldenCase;
using test::GoldenFile;

const GoldenFile& golden() {
  static const GoldenFile file("fake_quantize");
  return file;
}

std::vector<float> floats_of(const Tensor& t) {
  const Tensor c = t.to(kFloat32).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// Same shape, same float32 bits (NaN payloads included), naming the case and the first index.
void expect_bits(const Tensor& actual, const Tensor& expected, const std::string& what) {
  ASSERT_TRUE(actual.defined()) << what;
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  const std::vector<float> a = floats_of(actual), e = floats_of(expected);
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::bit_cast<uint32_t>(a[i]), std::bit_cast<uint32_t>(e[i]))
        << what << " [" << i << "]: " << a[i] << " vs PyTorch " << e[i];
  }
}

// A bool mask against the golden uint8 one.
void expect_mask(const Tensor& mask, const Tensor& expected, const std::string& what) {
  ASSERT_EQ(mask.dtype(), kBool) << what;
  ASSERT_EQ(mask.shape(), expected.shape()) << what;
  EXPECT_TRUE(equal(mask.to(kUInt8), expected.to(kUInt8))) << what;
}

void expect_ints(const Tensor& actual, const Tensor& expected, const std::string& what) {
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  EXPECT_TRUE(equal(actual.to(kInt64), expected.to(kInt64))) << what << ": " << actual << " vs PyTorch " << expected;
}

// Runs the body once per ISA level this machine has, restoring the cap.
template <typename Fn>
void on_every_isa(Fn&& fn) {
  const Isa saved = max_isa();
  for (Isa isa : {Isa::Ref, Isa::Avx2, Isa::Avx512}) {
    if (!isa_supported_by_hardware(isa) || isa > saved) continue;
    set_max_isa(isa);
    SCOPED_TRACE(std::string("isa ").append(isa_name(isa)));
    fn();
  }
  set_max_isa(saved);
}

TEST(FakeQuantizeGolden, FileHasEveryKindOfCase) {
  for (const char* op : {"per_tensor", "per_channel", "backward", "lsq_per_tensor", "lsq_per_channel", "fused", "module"}) {
    EXPECT_FALSE(golden().cases_of(op).empty()) << op;
  }
}

// --- functions -----------------------------------------------------------------------------------

TEST(FakeQuantizeGolden, PerTensor) {
  on_every_isa([] {
    for (const GoldenCase& c : golden().cases_of("per_tensor")) {
      const auto [y, mask] = fake_quantize_per_tensor_affine_cachemask(
          c.in(0), c.args.at("scale").get<double>(), c.args.at("zero_point").get<int64_t>(),
          c.args.at("quant_min").get<int64_t>(), c.args.at("quant_max").get<int64_t>());
      expect_bits(y, c.out(0), c.name);
      expect_mask(mask, c.out(1), c.name);
    }
  });
}

TEST(FakeQuantizeGolden, PerChannel) {
  on_every_isa([] {
    for (const GoldenCase& c : golden().cases_of("per_channel")) {
      const auto [y, mask] = fake_quantize_per_channel_affine_cachemask(
          c.in(0), c.in(1), c.in(2), c.args.at("axis").get<int64_t>(), c.args.at("quant_min").get<int64_t>(),
          c.args.at("quant_max").get<int64_t>());
      expect_bits(y, c.out(0), c.name);
      expect_mask(mask, c.out(1), c.name);
    }
  });
}

TEST(FakeQuantizeGolden, Backward) {
  for (const GoldenCase& c : golden().cases_of("backward")) {
    expect_bits(fake_quantize_per_tensor_affine_cachemask_backward(c.in(0), c.in(1).to(kBool)), c.out(0), c.name);
  }
}

// A summed gradient: exact for one element, else within float32 summation error of PyTorch's
// (its float sum and Octet's double one differ in order and precision).
void expect_sum(const Tensor& actual, const Tensor& expected, int64_t summed, const std::string& what) {
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  if (summed == 1) {
    expect_bits(actual, expected, what);
    return;
  }
  const std::vector<float> a = floats_of(actual), e = floats_of(expected);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_NEAR(a[i], e[i], 1e-5 * (1.0 + std::fabs(e[i]))) << what << " [" << i << "]";
  }
}

TEST(FakeQuantizeGolden, LearnablePerTensor) {
  for (const GoldenCase& c : golden().cases_of("lsq_per_tensor")) {
    const int64_t qmin = c.args.at("quant_min"), qmax = c.args.at("quant_max");
    const double gf = c.args.at("grad_factor");
    expect_bits(fake_quantize_learnable_per_tensor_affine(c.in(0), c.in(1), c.in(2), qmin, qmax, gf), c.out(0),
                c.name + " forward");
    const FakeQuantizeGrads g =
        fake_quantize_learnable_per_tensor_affine_backward(c.in(3), c.in(0), c.in(1), c.in(2), qmin, qmax, gf);
    expect_bits(g.input, c.out(1), c.name + " dX");
    expect_sum(g.scale, c.out(2), c.in(0).numel(), c.name + " dScale");
    expect_sum(g.zero_point, c.out(3), c.in(0).numel(), c.name + " dZeroPoint");
  }
}

TEST(FakeQuantizeGolden, LearnablePerChannel) {
  for (const GoldenCase& c : golden().cases_of("lsq_per_channel")) {
    const int64_t qmin = c.args.at("quant_min"), qmax = c.args.at("quant_max"), axis = c.args.at("axis");
    const double gf = c.args.at("grad_factor");
    expect_bits(fake_quantize_learnable_per_channel_affine(c.in(0), c.in(1), c.in(2), axis, qmin, qmax, gf), c.out(0),
                c.name + " forward");
    const FakeQuantizeGrads g =
        fake_quantize_learnable_per_channel_affine_backward(c.in(3), c.in(0), c.in(1), c.in(2), axis, qmin, qmax, gf);
    expect_bits(g.input, c.out(1), c.name + " dX");
    const int64_t per_channel = c.in(0).numel() / c.in(0).size(axis);
    expect_sum(g.scale, c.out(2), per_channel, c.name + " dScale");
    expect_sum(g.zero_point, c.out(3), per_channel, c.name + " dZeroPoint");
  }
}

TEST(FakeQuantizeGolden, FusedMovingAvgObsFakeQuant) {
  on_every_isa([] {
    for (const GoldenCase& c : golden().cases_of("fused")) {
      const bool per_channel = c.args.at("per_channel");
      Tensor running_min = per_channel ? zeros({0}) : full({}, INFINITY);
      Tensor running_max = per_channel ? zeros({0}) : full({}, -INFINITY);
      Tensor scale = ones({1}), zero_point = zeros({1}, kInt32);
      int k = 0;
      for (const auto& step : c.args.at("steps")) {
        const std::string what = std::string(c.name).append(" step ").append(std::to_string(k));
        const auto r = fused_moving_avg_obs_fake_quant_cachemask(
            c.in(k), full({1}, step.at("observer_on").get<int>(), kInt64),
            full({1}, step.at("fake_quant_on").get<int>(), kInt64), running_min, running_max, scale, zero_point,
            c.args.at("averaging_const"), c.args.at("quant_min"), c.args.at("quant_max"), c.args.at("ch_axis"),
            per_channel, c.args.at("symmetric"));
        expect_bits(r.output, c.out(6 * k), what + " output");
        expect_mask(r.mask, c.out(6 * k + 1), what + " mask");
        expect_bits(running_min, c.out(6 * k + 2), what + " running_min");
        expect_bits(running_max, c.out(6 * k + 3), what + " running_max");
        expect_bits(scale, c.out(6 * k + 4), what + " scale");
        expect_ints(zero_point, c.out(6 * k + 5), what + " zero_point");
        ++k;
      }
    }
  });
}

// --- modules -------------------------------------------------------------------------------------

DType dtype_named(const std::string& n) {
  for (DType t : {kQUInt8, kQInt8, kQInt32, kQUInt4x2}) {
    if (dtype_name(t) == n) return t;
  }
  throw std::runtime_error("unknown dtype " + n);
}

QScheme qscheme_named(const std::string& n) {
  for (QScheme s : {kPerTensorAffine, kPerTensorSymmetric, kPerChannelAffine, kPerChannelSymmetric,
                    kPerChannelAffineFloatQParams}) {
    if (qscheme_name(s) == n) return s;
  }
  throw std::runtime_error("unknown qscheme " + n);
}

template <typename Options>
void fill(Options& o, const nlohmann::json& a) {
  if (a.contains("dtype")) o.dtype = dtype_named(a["dtype"]);
  if (a.contains("qscheme")) o.qscheme = qscheme_named(a["qscheme"]);
  if (a.contains("reduce_range")) o.reduce_range = a["reduce_range"];
  if (a.contains("quant_min")) o.quant_min = a["quant_min"].get<int64_t>();
  if (a.contains("quant_max")) o.quant_max = a["quant_max"].get<int64_t>();
  if (a.contains("averaging_constant")) o.averaging_constant = a["averaging_constant"];
}

std::shared_ptr<quantization::ObserverBase> observer_of(const nlohmann::json& o) {
  using namespace quantization;
  const std::string name = o.at("observer");
  if (name == "MovingAverageMinMaxObserver") {
    MovingAverageMinMaxObserverOptions opts;
    fill(opts, o);
    return std::make_shared<MovingAverageMinMaxObserver>(opts);
  }
  if (name == "MovingAveragePerChannelMinMaxObserver") {
    MovingAveragePerChannelMinMaxObserverOptions opts;
    fill(opts, o);
    if (o.contains("ch_axis")) opts.ch_axis = o["ch_axis"];
    return std::make_shared<MovingAveragePerChannelMinMaxObserver>(opts);
  }
  throw std::runtime_error("unknown observer " + name);
}

std::shared_ptr<FakeQuantizeBase> module_of(const nlohmann::json& args) {
  using namespace quantization;
  const std::string cls = args.at("module");
  const nlohmann::json& o = args.at("options");
  if (cls == "FakeQuantize") return std::make_shared<FakeQuantize>(observer_of(o));
  if (cls == "FusedMovingAvgObsFakeQuantize") return std::make_shared<FusedMovingAvgObsFakeQuantize>(observer_of(o));
  if (cls == "FixedQParamsFakeQuantize") {
    return std::make_shared<FixedQParamsFakeQuantize>(std::make_shared<FixedQParamsObserver>(
        o.at("scale").get<double>(), o.at("zero_point").get<int64_t>(), dtype_named(o.at("dtype")),
        qscheme_named(o.at("qscheme")), o.at("quant_min").get<int64_t>(), o.at("quant_max").get<int64_t>()));
  }
  if (cls == "LearnableFakeQuantize") {
    LearnableFakeQuantizeOptions lo;
    lo.channel_len = o.at("channel_len");
    lo.use_grad_scaling = o.at("use_grad_scaling");
    nlohmann::json obs = o;
    obs.erase("channel_len");
    obs.erase("use_grad_scaling");
    return std::make_shared<LearnableFakeQuantize>(observer_of(obs), lo);
  }
  throw std::runtime_error("unknown module " + cls);
}

void apply_step(FakeQuantizeBase& m, const std::string& step) {
  auto* lsq = dynamic_cast<quantization::LearnableFakeQuantize*>(&m);
  if (step.empty()) return;
  if (step == "disable_observer") return m.disable_observer();
  if (step == "enable_observer") return m.enable_observer();
  if (step == "disable_fake_quant") return m.disable_fake_quant();
  if (step == "enable_fake_quant") return m.enable_fake_quant();
  if (step == "enable_static_estimate" && lsq != nullptr) return lsq->enable_static_estimate();
  if (step == "enable_param_learning" && lsq != nullptr) {
    lsq->enable_param_learning();
    return;
  }
  throw std::runtime_error("unknown step " + step);
}

TEST(FakeQuantizeGolden, ModulesOverTrainingSteps) {
  on_every_isa([] {
    for (const GoldenCase& c : golden().cases_of("module")) {
      const std::shared_ptr<FakeQuantizeBase> m = module_of(c.args);
      m->train();
      int k = 0;
      for (const auto& step : c.args.at("steps")) {
        const std::string what = std::string(c.name).append(" step ").append(std::to_string(k));
        apply_step(*m, step.get<std::string>());
        const Tensor y = m->forward(c.in(k));
        expect_bits(y, c.out(3 * k), what + " output");
        // scale / zero_point: buffers, or LSQ's parameters; int32 zero points, float ones for float
        // qparams and LSQ.
        const nn::StateDict sd = m->state_dict();
        expect_bits(*sd.find("scale"), c.out(3 * k + 1), what + " scale");
        const Tensor& zp = c.out(3 * k + 2);
        if (zp.dtype() == kFloat32) {
          expect_bits(*sd.find("zero_point"), zp, what + " zero_point");
        } else {
          ASSERT_EQ(sd.find("zero_point")->dtype(), zp.dtype()) << what;
          expect_ints(*sd.find("zero_point"), zp, what + " zero_point");
        }
        // LSQ: the gradients of sum(y * dY).
        const std::string dy_key = std::string("dy").append(std::to_string(k));
        if (c.has(dy_key)) {
          const std::string grad = std::string("grad").append(std::to_string(k));
          const FakeQuantizeGrads g = m->backward(c.get(dy_key), c.in(k));
          expect_bits(g.input, c.get(grad + "_x"), what + " dX");
          if (c.has(grad + "_scale")) {
            const int64_t summed = c.in(k).numel() / g.scale.numel();
            expect_sum(g.scale, c.get(grad + "_scale"), summed, what + " dScale");
            expect_sum(g.zero_point, c.get(grad + "_zero_point"), summed, what + " dZeroPoint");
          }
        }
        ++k;
      }
      // The state dict reads as PyTorch's: keys in order, dtypes, shapes.
      const nn::StateDict sd = m->state_dict();
      std::vector<std::string> keys, dtypes;
      std::vector<Shape> shapes;
      for (const auto& [key, value] : sd) {
        keys.push_back(key);
        dtypes.emplace_back(dtype_name(value.dtype()));
        shapes.push_back(value.shape());
      }
      EXPECT_EQ(keys, c.args.at("state_dict_keys").get<std::vector<std::string>>()) << c.name;
      EXPECT_EQ(dtypes, c.args.at("state_dict_dtypes").get<std::vector<std::string>>()) << c.name;
      std::vector<Shape> want_shapes;
      for (const auto& s : c.args.at("state_dict_shapes")) want_shapes.push_back(s.get<Shape>());
      EXPECT_EQ(shapes, want_shapes) << c.name;
    }
  });
}

}  // namespace
}  // namespace octet
