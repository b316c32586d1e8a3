// activation_test.cpp: quantized activations: the clamps equal the ATen way exactly; the lookup-table
// ops equal their double-precision definition exactly and the ATen way (Octet's float ops) within one
// step; PyTorch's output qparams; every ISA, 1-3 threads, layouts, qint8; bad input by message.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "octet/octet.h"
#include "octet/quantized/activation.h"
#include "ops/quantized/elementwise_test_util.h"

namespace octet {
namespace {

namespace Q = quantized;
using test::qelem::compare;
using test::qelem::every_integer;
using test::qelem::expect_same_q;
using test::qelem::ints;
using test::qelem::random_q;
using test::qelem::Sweep;
using test::qelem::where;

struct InputQ {
  DType dtype;
  double scale;
  int64_t zero_point;
};

// Typical activations, a wide range, a narrow one, zero points at the ends.
const std::vector<InputQ>& input_qparams() {
  static const std::vector<InputQ> v = {{kQUInt8, 0.05, 128}, {kQUInt8, 0.1, 10},   {kQUInt8, 0.0123, 255},
                                        {kQInt8, 0.05, 0},    {kQInt8, 0.2, -100},  {kQInt8, 0.03125, 127},
                                        {kQUInt8, 0.5, 0},    {kQInt8, 0.004, -128}};
  return v;
}

// --- clamps: the ATen way exactly ---------------------------------------------------------------------

// Dequantize, the float clamp, quantize with the input's qparams: quantize(dequantize(q)) is q, and
// the bounds quantize to the integers the ops clamp at, so this is exact.
Tensor aten_clamp(const Tensor& x, const std::function<Tensor(const Tensor&)>& f) {
  return quantize_per_tensor(f(x.dequantize()), x.q_scale(), x.q_zero_point(), x.dtype());
}

TEST(QuantizedClamps, EqualTheAtenWayExactly) {
  Sweep sweep;
  for (Isa isa : sweep.isas()) {
    set_max_isa(isa);
    for (const InputQ& iq : input_qparams()) {
      const Tensor x = every_integer(iq.dtype, iq.scale, iq.zero_point);
      const std::string what = std::string(dtype_name(iq.dtype)) + " scale " + std::to_string(iq.scale) + " zp " +
                               std::to_string(iq.zero_point) + " " + where(isa, 1);
      expect_same_q(Q::relu(x), aten_clamp(x, [](const Tensor& f) { return F::relu(f); }), "relu " + what);
      expect_same_q(Q::relu6(x), aten_clamp(x, [](const Tensor& f) { return F::relu6(f); }), "relu6 " + what);
      expect_same_q(Q::hardtanh(x, -0.7, 2.2), aten_clamp(x, [](const Tensor& f) { return F::hardtanh(f, -0.7, 2.2); }),
                    "hardtanh " + what);
      expect_same_q(Q::clamp(x, -1.3, 0.4), aten_clamp(x, [](const Tensor& f) { return F::clamp(f, -1.3, 0.4); }),
                    "clamp " + what);
      expect_same_q(Q::clamp(x, std::nullopt, 0.4),
                    aten_clamp(x, [](const Tensor& f) { return F::clamp(f, std::nullopt, 0.4); }), "clamp max " + what);
      expect_same_q(Q::clamp(x, -0.2), aten_clamp(x, [](const Tensor& f) { return F::clamp(f, -0.2); }),
                    "clamp min " + what);
    }
  }
}

TEST(QuantizedClamps, KeepQParamsAndCrossedBounds) {
  const Tensor x = every_integer(kQUInt8, 0.1, 100);
  const Tensor y = Q::relu6(x);
  EXPECT_EQ(y.q_scale(), 0.1);
  EXPECT_EQ(y.q_zero_point(), 100);
  const std::vector<int32_t> yi = ints(y);
  EXPECT_EQ(yi.front(), 100);  // negative -> the zero point
  EXPECT_EQ(yi.back(), 160);   // 6 / 0.1 + 100
  // torch.clamp with min > max: every element is quantize(max).
  for (int32_t v : ints(Q::clamp(x, 1.0, -1.0))) EXPECT_EQ(v, 90);
}

// --- lookup tables: the definition exactly, the ATen way within one step ----------------------------

struct LutCase {
  std::string name;
  std::function<Tensor(const Tensor&)> op;           // the quantized op
  std::function<float(float)> f;                    // its definition
  std::function<Tensor(const Tensor&)> float_op;     // Octet's float op on the dequantized input
  std::function<std::pair<double, int64_t>(DType, double, int64_t)> out_q;  // output qparams
  bool fma_dequantize = true;  // PyTorch's premultiplied FMA dequantize (all but sigmoid and silu)
};

std::pair<double, int64_t> keep(DType, double s, int64_t z) { return {s, z}; }

// The transcendental definitions in double, rounded once.
float gelu_erf(float f) {
  const double v = f;
  return static_cast<float>(0.5 * v * std::erfc(-v / std::sqrt(2.0)));
}
float silu_double(float f) {
  const double v = f;
  return static_cast<float>(v / (1 + std::exp(-v)));
}

const std::vector<LutCase>& lut_cases() {
  static const std::vector<LutCase> cases = {
      {"sigmoid", [](const Tensor& x) { return Q::sigmoid(x); }, [](float v) { return static_cast<float>(1 / (1 + std::exp(-static_cast<double>(v)))); },
       [](const Tensor& f) { return F::sigmoid(f); },
       [](DType t, double, int64_t) { return std::pair<double, int64_t>{1.0 / 256, t == kQUInt8 ? 0 : -128}; }, false},
      {"hardsigmoid", [](const Tensor& x) { return Q::hardsigmoid(x); },
       [](float v) { return std::fmin(std::fmax(v + 3.0f, 0.0f), 6.0f) / 6.0f; },
       [](const Tensor& f) { return F::hardsigmoid(f); },
       [](DType t, double, int64_t) { return std::pair<double, int64_t>{1.0 / 256, t == kQUInt8 ? 0 : -128}; }},
      {"tanh", [](const Tensor& x) { return Q::tanh(x); }, [](float v) { return static_cast<float>(std::tanh(static_cast<double>(v))); },
       [](const Tensor& f) { return F::tanh(f); },
       [](DType t, double, int64_t) { return std::pair<double, int64_t>{2.0 / 256, t == kQUInt8 ? 128 : 0}; }},
      {"hardswish", [](const Tensor& x) { return Q::hardswish(x, 0.04, x.dtype() == kQUInt8 ? 30 : -90); },
       [](float v) { return v * std::fmin(std::fmax(v + 3.0f, 0.0f), 6.0f) / 6.0f; },
       [](const Tensor& f) { return F::hardswish(f); },
       [](DType t, double, int64_t) { return std::pair<double, int64_t>{0.04, t == kQUInt8 ? 30 : -90}; }},
      {"elu", [](const Tensor& x) { return Q::elu(x, 0.03, x.dtype() == kQUInt8 ? 70 : -60); },
       [](float v) { return v >= 0 ? v : static_cast<float>(std::expm1(static_cast<double>(v))); },
       [](const Tensor& f) { return F::elu(f); },
       [](DType t, double, int64_t) { return std::pair<double, int64_t>{0.03, t == kQUInt8 ? 70 : -60}; }},
      {"elu_coefficients", [](const Tensor& x) { return Q::elu(x, 0.03, x.dtype() == kQUInt8 ? 70 : -60, 0.7, 1.3, 0.8); },
       [](float v) {
         return v >= 0 ? v * 1.3f : static_cast<float>(std::expm1(static_cast<double>(v * 0.8f))) * 0.7f * 1.3f;
       },
       // With u = 0.8 x: 1.3 x = 1.625 u, and 0.91 (e^u - 1) = 1.625 * 0.56 (e^u - 1).
       [](const Tensor& f) { return F::mul(F::elu(F::mul(f, 0.8), 0.7 * 0.8), 1.3 / 0.8); },
       [](DType t, double, int64_t) { return std::pair<double, int64_t>{0.03, t == kQUInt8 ? 70 : -60}; }},
      {"leaky_relu", [](const Tensor& x) { return Q::leaky_relu(x, 0.1); }, [](float v) { return v > 0 ? v : v * 0.1f; },
       [](const Tensor& f) { return F::leaky_relu(f, 0.1); }, keep},
      {"gelu", [](const Tensor& x) { return Q::gelu(x); }, gelu_erf,
       [](const Tensor& f) { return F::gelu(f); }, keep},
      {"gelu_tanh", [](const Tensor& x) { return Q::gelu(x, "tanh"); },
       [](float f) {
         const double v = f;
         return static_cast<float>(0.5 * v * (1 + std::tanh(std::sqrt(2 / 3.14159265358979323846) * (v + 0.044715 * v * v * v))));
       },
       [](const Tensor& f) { return F::gelu(f, "tanh"); }, keep},
      {"gelu_out_qparams", [](const Tensor& x) { return Q::gelu(x, 0.02, x.dtype() == kQUInt8 ? 20 : -110, "none"); },
       gelu_erf, [](const Tensor& f) { return F::gelu(f); },
       [](DType t, double, int64_t) { return std::pair<double, int64_t>{0.02, t == kQUInt8 ? 20 : -110}; }},
      {"silu", [](const Tensor& x) { return Q::silu(x); }, silu_double,
       [](const Tensor& f) { return F::silu(f); }, keep, false},
      {"silu_out_qparams", [](const Tensor& x) { return Q::silu(x, 0.025, x.dtype() == kQUInt8 ? 15 : -115); },
       silu_double, [](const Tensor& f) { return F::silu(f); },
       [](DType t, double, int64_t) { return std::pair<double, int64_t>{0.025, t == kQUInt8 ? 15 : -115}; }, false},
  };
  return cases;
}

// The definition: dequantize (Octet's, or PyTorch's premultiplied FMA through the C library's fmaf),
// f (transcendental ones in double rounded once, piecewise-linear ones as PyTorch's float32
// expressions), Octet's quantize.
Tensor definition(const LutCase& c, const Tensor& x) {
  const auto [os, oz] = c.out_q(x.dtype(), x.q_scale(), x.q_zero_point());
  const std::vector<int32_t> xi = ints(x);
  std::vector<int32_t> yi(xi.size());
  for (size_t i = 0; i < xi.size(); ++i) {
    const auto scale = static_cast<float>(x.q_scale());
    const float v = c.fma_dequantize
                        ? std::fma(scale, static_cast<float>(xi[i]), scale * -static_cast<float>(x.q_zero_point()))
                        : dequantize_value(xi[i], scale, x.q_zero_point());
    const float y = c.f(v);
    yi[i] = static_cast<int32_t>(quantize_value(y, static_cast<float>(os), oz, dtype_qmin(x.dtype()), dtype_qmax(x.dtype())));
  }
  const Tensor t = from_vector(yi, x.shape()).to(x.dtype() == kQUInt8 ? kUInt8 : kInt8);
  return make_per_tensor_quantized_tensor(t, os, oz);
}

TEST(QuantizedLut, EqualsTheDefinitionOnEveryIsaAndInput) {
  Sweep sweep;
  for (Isa isa : sweep.isas()) {
    set_max_isa(isa);
    for (const InputQ& iq : input_qparams()) {
      const Tensor x = every_integer(iq.dtype, iq.scale, iq.zero_point);
      for (const LutCase& c : lut_cases()) {
        expect_same_q(c.op(x), definition(c, x),
                      c.name + " " + std::string(dtype_name(iq.dtype)) + " scale " + std::to_string(iq.scale) + " zp " +
                          std::to_string(iq.zero_point) + " " + where(isa, 1));
      }
    }
  }
}

// Octet's float ops approximate exp / tanh / erf within a few ulp and compute in float32 where the
// definition uses double, and the tables of most ops dequantize in PyTorch's FMA form, so a value
// within a rounding error of a quantization tie can land one step away; elsewhere the two agree.
TEST(QuantizedLut, WithinOneStepOfTheAtenWay) {
  for (const LutCase& c : lut_cases()) {
    test::qelem::IntDiff total;
    for (const InputQ& iq : input_qparams()) {
      const Tensor x = every_integer(iq.dtype, iq.scale, iq.zero_point);
      const auto [os, oz] = c.out_q(iq.dtype, iq.scale, iq.zero_point);
      const Tensor want = quantize_per_tensor(c.float_op(x.dequantize()), os, oz, iq.dtype);
      const test::qelem::IntDiff d = compare(c.op(x), want);
      total.total += d.total;
      total.exact += d.exact;
      total.max_diff = std::max(total.max_diff, d.max_diff);
    }
    std::printf("[ ATEN WAY ] %s: %s\n", c.name.c_str(), total.str().c_str());
    EXPECT_LE(total.max_diff, 1) << c.name;
    EXPECT_GE(static_cast<double>(total.exact), 0.99 * static_cast<double>(total.total)) << c.name;
  }
}

TEST(QuantizedLut, ThreadsLayoutsAndIsasAgree) {
  const uint64_t seed = test::test_seed(201);
  Sweep sweep;
  Generator gen(seed);
  for (DType dtype : {kQUInt8, kQInt8}) {
    const Tensor big = random_q({3, 50001}, dtype, 0.05, dtype == kQUInt8 ? 128 : 0, gen);
    const Tensor strided = random_q({60, 80}, dtype, 0.05, dtype == kQUInt8 ? 128 : 0, gen).t().slice(0, 1, 80, 3);
    ASSERT_FALSE(strided.is_contiguous());
    for (const LutCase& c : lut_cases()) {
      for (const Tensor& x : {big, strided}) {
        const Tensor want = definition(c, x.contiguous());
        for (Isa isa : sweep.isas()) {
          set_max_isa(isa);
          for (int threads : {1, 2, 3}) {
            set_num_threads(threads);
            expect_same_q(c.op(x), want, c.name + " " + shape_to_string(x.shape()) + " " + where(isa, threads));
          }
        }
      }
    }
    for (int threads : {1, 3}) {
      set_num_threads(threads);
      expect_same_q(Q::relu6(big), Q::relu6(big.clone()), "relu6 threads");
      expect_same_q(Q::clamp(strided, -0.5, 0.5), Q::clamp(strided.contiguous(), -0.5, 0.5), "clamp strided");
    }
  }
}

TEST(QuantizedLut, FixedOutputQParams) {
  const Tensor u = every_integer(kQUInt8, 0.0625, 128);
  const Tensor s = every_integer(kQInt8, 0.0625, 0);
  EXPECT_EQ(Q::sigmoid(u).q_scale(), 1.0 / 256);
  EXPECT_EQ(Q::sigmoid(u).q_zero_point(), 0);
  EXPECT_EQ(Q::sigmoid(s).q_zero_point(), -128);
  EXPECT_EQ(Q::hardsigmoid(s).q_zero_point(), -128);
  EXPECT_EQ(Q::tanh(u).q_scale(), 2.0 / 256);
  EXPECT_EQ(Q::tanh(u).q_zero_point(), 128);
  EXPECT_EQ(Q::tanh(s).q_zero_point(), 0);
  EXPECT_EQ(Q::sigmoid(u).int_repr().at<int32_t>({128}), 128);  // sigmoid(0) = 0.5
  EXPECT_EQ(Q::tanh(s).int_repr().at<int32_t>({128}), 0);       // tanh(0) = 0, qint8 code 0 is element 128
  EXPECT_EQ(Q::leaky_relu(u, 0.2).q_scale(), 0.0625);
  EXPECT_EQ(Q::gelu(s).q_zero_point(), 0);
}

TEST(QuantizedActivationErrors, Messages) {
  Generator gen(1);
  const Tensor q = random_q({2, 3}, kQUInt8, 0.1, 128, gen);
  const Tensor fl = randn({2, 3}, gen);
  const Tensor pc = quantize_per_channel(fl, {0.1, 0.2}, {1, 2}, 0, kQInt8);
  const Tensor q32 = quantize_per_tensor(fl, 0.1, 0, kQInt32);
  EXPECT_OCTET_ERROR(Q::sigmoid(fl), "quantized::sigmoid: expected input to be a quantized tensor (quint8 or qint8), got float32");
  EXPECT_OCTET_ERROR(Q::relu(fl), "quantized::relu: expected input to be a quantized tensor");
  EXPECT_OCTET_ERROR(Q::tanh(q32), "quantized::tanh: expected input to be quint8 or qint8, got qint32");
  EXPECT_OCTET_ERROR(Q::gelu(pc), "quantized::gelu: expected input to be quantized per tensor, got per_channel_affine");
  EXPECT_OCTET_ERROR(Q::relu6(Tensor()), "expected input to be defined");
  EXPECT_OCTET_ERROR(Q::hardswish(q, 0.0, 0), "quantized::hardswish: output scale must be finite and > 0");
  EXPECT_OCTET_ERROR(Q::hardswish(q, std::nan(""), 0), "output scale must be finite and > 0");
  EXPECT_OCTET_ERROR(Q::elu(q, -0.5, 0), "quantized::elu: output scale must be finite and > 0");
  EXPECT_OCTET_ERROR(Q::elu(q, 0.1, 300), "output zero point must be in [0, 255] for quint8, got 300");
  EXPECT_OCTET_ERROR(Q::elu(q, 0.1, 3, INFINITY), "alpha, scale and input_scale must be finite");
  EXPECT_OCTET_ERROR(Q::silu(q, 0.1, -1), "quantized::silu: output zero point must be in [0, 255]");
  EXPECT_OCTET_ERROR(Q::gelu(q, "exact"), "approximate must be \"none\" or \"tanh\", got \"exact\"");
  EXPECT_OCTET_ERROR(Q::gelu(q, 0.1, 0, "fast"), "approximate must be \"none\" or \"tanh\"");
  EXPECT_OCTET_ERROR(Q::hardtanh(q, 1.0, -1.0), "quantized::hardtanh: min_val cannot be greater than max_val");
  EXPECT_OCTET_ERROR(Q::clamp(q, std::nan("")), "quantized::clamp: min must not be NaN");
  EXPECT_OCTET_ERROR(Q::clamp(q, 0.0, std::nan("")), "max must not be NaN");
  EXPECT_OCTET_ERROR(Q::leaky_relu(q, INFINITY), "negative_slope must be finite");
}

}  // namespace
}  // namespace octet
