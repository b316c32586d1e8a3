// elementwise_test.cpp: quantized add / mul (+relu, + scalar) and cat: exact against the kernel
// specification and the ATen way (dequantize, float op, quantize), broadcasting, layouts, qint8,
// every ISA and 1-3 threads, PyTorch's output-qparams rules, and every bad input by message.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "kernels/qelementwise_kernels.h"
#include "octet/octet.h"
#include "octet/quantized/elementwise.h"
#include "ops/quantized/elementwise_test_util.h"

namespace octet {
namespace {

namespace Q = quantized;
using test::qelem::compare;
using test::qelem::expect_same_q;
using test::qelem::ints;
using test::qelem::random_q;
using test::qelem::Sweep;
using test::qelem::where;

enum class Op { Add, AddRelu, Mul, MulRelu };

const char* op_name(Op op) {
  switch (op) {
    case Op::Add: return "add";
    case Op::AddRelu: return "add_relu";
    case Op::Mul: return "mul";
    case Op::MulRelu: return "mul_relu";
  }
  return "?";
}

Tensor run_op(Op op, const Tensor& a, const Tensor& b, double scale, int64_t zp) {
  switch (op) {
    case Op::Add: return Q::add(a, b, scale, zp);
    case Op::AddRelu: return Q::add_relu(a, b, scale, zp);
    case Op::Mul: return Q::mul(a, b, scale, zp);
    case Op::MulRelu: return Q::mul_relu(a, b, scale, zp);
  }
  return {};
}

// The kernel formula (qelementwise_kernels.h) applied element by element by the scalar reference
// kernels to the operands broadcast and made contiguous: what every path must give exactly.
Tensor spec(Op op, const Tensor& a, const Tensor& b, double scale, int64_t zp) {
  Shape shape = a.dim() >= b.dim() ? a.shape() : b.shape();
  for (int64_t i = 1; i <= std::min(a.dim(), b.dim()); ++i) {
    const int64_t sa = a.size(-i), sb = b.size(-i);
    shape[shape.size() - static_cast<size_t>(i)] = sa == 1 ? sb : sa;
  }
  const Tensor ea = a.expand(shape).contiguous(), eb = b.expand(shape).contiguous();
  const DType dtype = a.dtype();
  Tensor ints_out = empty(shape, dtype == kQUInt8 ? kUInt8 : kInt8);
  const int32_t qmin = static_cast<int32_t>(dtype_qmin(dtype)), qmax = static_cast<int32_t>(dtype_qmax(dtype));
  const auto zo = static_cast<int32_t>(zp);
  const bool relu = op == Op::AddRelu || op == Op::MulRelu;
  const int32_t lo = relu ? std::max(qmin, zo) : qmin;
  const auto sa = static_cast<float>(a.q_scale()), sb = static_cast<float>(b.q_scale());
  const auto za = static_cast<int32_t>(a.q_zero_point()), zb = static_cast<int32_t>(b.q_zero_point());
  const auto n = static_cast<size_t>(ea.numel());
  const auto& k = kernels::qelementwise_kernels_ref();
  if (op == Op::Add || op == Op::AddRelu) {
    const auto p = kernels::make_qadd_params(sa, za, sb, zb, static_cast<float>(scale), zo, lo, qmax);
    if (dtype == kQUInt8) {
      k.qu8_vadd(n, ea.data_ptr<uint8_t>(), eb.data_ptr<uint8_t>(), ints_out.data_ptr<uint8_t>(), &p);
    } else {
      k.qs8_vadd(n, ea.data_ptr<int8_t>(), eb.data_ptr<int8_t>(), ints_out.data_ptr<int8_t>(), &p);
    }
  } else {
    const auto p = kernels::make_qmul_params(sa, za, sb, zb, static_cast<float>(scale), zo, lo, qmax);
    if (dtype == kQUInt8) {
      k.qu8_vmul(n, ea.data_ptr<uint8_t>(), eb.data_ptr<uint8_t>(), ints_out.data_ptr<uint8_t>(), &p);
    } else {
      k.qs8_vmul(n, ea.data_ptr<int8_t>(), eb.data_ptr<int8_t>(), ints_out.data_ptr<int8_t>(), &p);
    }
  }
  return make_per_tensor_quantized_tensor(ints_out, scale, zp);
}

// The ATen way: dequantize both, the float op (then ReLU), quantize to the output qparams.
Tensor aten_way(Op op, const Tensor& a, const Tensor& b, double scale, int64_t zp) {
  const Tensor fa = a.dequantize(), fb = b.dequantize();
  Tensor f = (op == Op::Add || op == Op::AddRelu) ? F::add(fa, fb) : F::mul(fa, fb);
  if (op == Op::AddRelu || op == Op::MulRelu) f = F::relu(f);
  return quantize_per_tensor(f, scale, zp, a.dtype());
}

struct BroadcastCase {
  Shape a, b;
};

const std::vector<BroadcastCase>& broadcast_cases() {
  static const std::vector<BroadcastCase> cases = {
      {{4, 97}, {4, 97}},     {{2, 3, 70}, {70}},     {{70}, {2, 3, 70}},  {{3, 1, 45}, {1, 5, 1}},
      {{}, {5, 67}},          {{5, 67}, {}},          {{2, 3, 4}, {3, 1}}, {{1}, {1}},
      {{6, 1}, {1, 130}},     {{2, 0, 3}, {3}},       {{257}, {1}},
  };
  return cases;
}

TEST(QuantizedBinary, EqualsKernelSpecOnEveryIsaBroadcastAndDtype) {
  const uint64_t seed = test::test_seed(101);
  Sweep sweep;
  for (Isa isa : sweep.isas()) {
    set_max_isa(isa);
    Generator gen(seed);
    for (DType dtype : {kQUInt8, kQInt8}) {
      const int64_t mid = dtype == kQUInt8 ? 128 : 0, lo = dtype_qmin(dtype), hi = dtype_qmax(dtype);
      for (const BroadcastCase& c : broadcast_cases()) {
        for (Op op : {Op::Add, Op::AddRelu, Op::Mul, Op::MulRelu}) {
          const Tensor a = random_q(c.a, dtype, 0.05, mid + 3, gen);
          const Tensor b = random_q(c.b, dtype, 0.07, lo + 5, gen);
          const double scale = (op == Op::Mul || op == Op::MulRelu) ? 0.4 : 0.1;
          for (int64_t zp : {lo, mid, hi}) {
            const Tensor got = run_op(op, a, b, scale, zp);
            expect_same_q(got, spec(op, a, b, scale, zp),
                          std::string(op_name(op)) + " " + shape_to_string(c.a) + " x " + shape_to_string(c.b) +
                              " zp " + std::to_string(zp) + " " + where(isa, get_num_threads()));
          }
        }
      }
    }
  }
}

TEST(QuantizedBinary, ThreadsAndIsasGiveIdenticalResults) {
  const uint64_t seed = test::test_seed(102);
  Sweep sweep;
  Generator gen(seed);
  // Large enough to split across three threads; a broadcast second operand and a full one.
  for (DType dtype : {kQUInt8, kQInt8}) {
    const Tensor a = random_q({3, 70001}, dtype, 0.02, dtype == kQUInt8 ? 130 : -4, gen);
    const Tensor b_full = random_q({3, 70001}, dtype, 0.03, dtype == kQUInt8 ? 100 : 9, gen);
    const Tensor b_row = random_q({70001}, dtype, 0.03, dtype == kQUInt8 ? 100 : 9, gen);
    const Tensor b_col = random_q({3, 1}, dtype, 0.03, dtype == kQUInt8 ? 100 : 9, gen);
    for (const Tensor& b : {b_full, b_row, b_col}) {
      for (Op op : {Op::Add, Op::Mul, Op::AddRelu}) {
        const Tensor want = spec(op, a, b, 0.05, dtype == kQUInt8 ? 120 : 3);
        for (Isa isa : sweep.isas()) {
          set_max_isa(isa);
          for (int threads : {1, 2, 3}) {
            set_num_threads(threads);
            expect_same_q(run_op(op, a, b, 0.05, dtype == kQUInt8 ? 120 : 3), want,
                          std::string(op_name(op)) + " " + shape_to_string(b.shape()) + " " + where(isa, threads));
          }
        }
      }
    }
  }
}

TEST(QuantizedBinary, NonContiguousOperands) {
  const uint64_t seed = test::test_seed(103);
  Generator gen(seed);
  const Tensor base = random_q({40, 30}, kQUInt8, 0.05, 128, gen);
  const Tensor other = random_q({30, 40}, kQUInt8, 0.08, 60, gen);
  const Tensor a = base.slice(0, 0, 40, 2);    // [20, 30], row stride 60
  const Tensor b = other.t().slice(0, 1, 40, 2);  // [20, 30], transposed
  ASSERT_FALSE(a.is_contiguous());
  ASSERT_FALSE(b.is_contiguous());
  for (Op op : {Op::Add, Op::Mul}) {
    expect_same_q(run_op(op, a, b, 0.1, 77), spec(op, a.contiguous(), b.contiguous(), 0.1, 77), op_name(op));
    expect_same_q(run_op(op, b, a, 0.1, 77), spec(op, b.contiguous(), a.contiguous(), 0.1, 77), op_name(op));
  }
}

// Against the float reference the integers differ by at most one step, and rarely: add dequantizes
// with PyTorch's premultiplied FMA form (kernel header), and mul rounds the multiplier
// a_scale * b_scale / out_scale once instead of each float product.
TEST(QuantizedBinary, WithinOneStepOfTheAtenWay) {
  const uint64_t seed = test::test_seed(104);
  Generator gen(seed);
  for (DType dtype : {kQUInt8, kQInt8}) {
    const int64_t mid = dtype == kQUInt8 ? 128 : 0;
    for (Op op : {Op::Add, Op::AddRelu, Op::Mul, Op::MulRelu}) {
      test::qelem::IntDiff total;
      for (int trial = 0; trial < 20; ++trial) {
        const double sa = 0.001 + 0.2 * gen.uniform_float(), sb = 0.001 + 0.2 * gen.uniform_float();
        const double so = (op == Op::Add || op == Op::AddRelu) ? sa + sb : 50 * sa * sb;
        const Tensor a = random_q({3, 333}, dtype, sa, mid + gen.randint(-100, 100), gen);
        const Tensor b = random_q({333}, dtype, sb, mid + gen.randint(-100, 100), gen);
        const int64_t zo = mid + gen.randint(-50, 50);
        const test::qelem::IntDiff d = compare(run_op(op, a, b, so, zo), aten_way(op, a, b, so, zo));
        total.total += d.total;
        total.exact += d.exact;
        total.max_diff = std::max(total.max_diff, d.max_diff);
      }
      std::printf("[ ATEN WAY ] %s %s: %s\n", op_name(op), std::string(dtype_name(dtype)).c_str(), total.str().c_str());
      EXPECT_LE(total.max_diff, 1) << op_name(op);
      EXPECT_GE(static_cast<double>(total.exact), 0.98 * static_cast<double>(total.total)) << op_name(op);
    }
  }
}

TEST(QuantizedBinary, OutputQParamsAndRelu) {
  const Tensor a = make_per_tensor_quantized_tensor(from_vector<uint8_t>({0, 10, 20, 30}), 1.0, 20);
  const Tensor b = make_per_tensor_quantized_tensor(from_vector<uint8_t>({0, 0, 0, 0}), 1.0, 0);
  const Tensor y = Q::add(a, b, 0.5, 40);
  EXPECT_EQ(y.q_scale(), 0.5);
  EXPECT_EQ(y.q_zero_point(), 40);
  EXPECT_EQ(ints(y), (std::vector<int32_t>{0, 20, 40, 60}));  // -20, -10, 0, 10 in steps of 0.5, + 40
  EXPECT_EQ(ints(Q::add_relu(a, b, 0.5, 40)), (std::vector<int32_t>{40, 40, 40, 60}));
  const Tensor two = make_per_tensor_quantized_tensor(from_vector<uint8_t>({2, 2, 2, 2}), 1.0, 0);
  EXPECT_EQ(ints(Q::mul(a, two, 1.0, 50)), (std::vector<int32_t>{10, 30, 50, 70}));
  EXPECT_EQ(ints(Q::mul_relu(a, two, 1.0, 50)), (std::vector<int32_t>{50, 50, 50, 70}));
}

// --- add_scalar / mul_scalar: PyTorch's output qparams ----------------------------------------------

TEST(QuantizedScalar, AddScalarKeepsIntegersWhenTheZeroPointFits) {
  const uint64_t seed = test::test_seed(105);
  Generator gen(seed);
  const Tensor x = random_q({5, 40}, kQUInt8, 0.1, 128, gen);
  const Tensor y = Q::add_scalar(x, 0.5);  // c_q = 5
  EXPECT_EQ(y.q_scale(), 0.1);
  EXPECT_EQ(y.q_zero_point(), 123);
  EXPECT_EQ(ints(y), ints(x));
  const Tensor r = Q::add_scalar_relu(x, 0.5);
  EXPECT_EQ(r.q_zero_point(), 123);
  const std::vector<int32_t> xi = ints(x), ri = ints(r);
  for (size_t i = 0; i < xi.size(); ++i) EXPECT_EQ(ri[i], std::max(xi[i], 123));
  EXPECT_EQ(Q::add_scalar(x, -3.3).q_zero_point(), 161);  // c_q = -33
}

TEST(QuantizedScalar, AddScalarWidensTheScaleWhenTheZeroPointFallsOut) {
  const Tensor x = test::qelem::every_integer(kQUInt8, 0.1, 128);
  // other 20: c_q = 200, z - c_q = -72 < 0: scale (255 + 72) / 255 * 0.1, zero point 0.
  const Tensor up = Q::add_scalar(x, 20.0);
  EXPECT_DOUBLE_EQ(up.q_scale(), (255.0 + 72.0) / 255.0 * 0.1);
  EXPECT_EQ(up.q_zero_point(), 0);
  // other -25: c_q = -250, z - c_q = 378 > 255: scale 378 / 255 * 0.1, zero point 255.
  const Tensor down = Q::add_scalar(x, -25.0);
  EXPECT_DOUBLE_EQ(down.q_scale(), 378.0 / 255.0 * 0.1);
  EXPECT_EQ(down.q_zero_point(), 255);
  // Integers: PyTorch's requantize_from_int of q - z + c_q.
  for (const Tensor& y : {up, down}) {
    const float m = 0.1f * (1.0f / static_cast<float>(y.q_scale()));
    const int64_t c_q = y.q_zero_point() == 0 ? 200 : -250;
    const std::vector<int32_t> xi = ints(x), yi = ints(y);
    for (size_t i = 0; i < xi.size(); ++i) {
      const float v = std::nearbyint(static_cast<float>(xi[i] - 128 + c_q) * m) + static_cast<float>(y.q_zero_point());
      EXPECT_EQ(yi[i], static_cast<int32_t>(std::min(255.0f, std::max(0.0f, v)))) << "q=" << xi[i];
    }
    // Dequantized, the result is the input plus the constant to within half an output step, except
    // where the shifted range clips.
    const Tensor fx = x.dequantize(), fy = y.dequantize();
    const double c = y.q_zero_point() == 0 ? 20.0 : -25.0;
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double want = fx.data_ptr<float>()[i] + c;
      const double lo = (0 - y.q_zero_point()) * y.q_scale(), hi = (255 - y.q_zero_point()) * y.q_scale();
      if (want < lo || want > hi) continue;
      EXPECT_NEAR(fy.data_ptr<float>()[i], want, 0.5 * y.q_scale() + 1e-4) << i;
    }
  }
  // ReLU with the zero point at qmax: every value is <= 0, so everything is the zero point.
  for (int32_t v : ints(Q::add_scalar_relu(x, -25.0))) EXPECT_EQ(v, 255);
}

TEST(QuantizedScalar, MulScalarThreeBranches) {
  const Tensor x = test::qelem::every_integer(kQInt8, 0.25, 10);
  const Tensor pos = Q::mul_scalar(x, 3.0);
  EXPECT_EQ(pos.q_scale(), 0.75);
  EXPECT_EQ(pos.q_zero_point(), 10);
  EXPECT_EQ(ints(pos), ints(x));
  const Tensor zero = Q::mul_scalar(x, 0.0);
  EXPECT_EQ(zero.q_scale(), 1.0);
  EXPECT_EQ(zero.q_zero_point(), 0);
  for (int32_t v : ints(zero)) EXPECT_EQ(v, 0);
  const Tensor neg = Q::mul_scalar(x, -2.0);
  EXPECT_EQ(neg.q_scale(), 0.5);
  EXPECT_EQ(neg.q_zero_point(), 127 - (10 + 128));  // -11
  const std::vector<int32_t> xi = ints(x), ni = ints(neg), ri = ints(Q::mul_scalar_relu(x, -2.0));
  for (size_t i = 0; i < xi.size(); ++i) {
    EXPECT_EQ(ni[i], -1 - xi[i]);
    EXPECT_EQ(ri[i], std::max(-1 - xi[i], -11));
  }
  // Dequantized: exactly the product (the mirror is exact).
  const Tensor fx = x.dequantize(), fn = neg.dequantize();
  for (int64_t i = 0; i < x.numel(); ++i) EXPECT_EQ(fn.data_ptr<float>()[i], -2.0f * fx.data_ptr<float>()[i]);
  const std::vector<int32_t> pr = ints(Q::mul_scalar_relu(x, 3.0));
  for (size_t i = 0; i < xi.size(); ++i) EXPECT_EQ(pr[i], std::max(xi[i], 10));
}

// --- cat --------------------------------------------------------------------------------------------

TEST(QuantizedCat, RequantizesExactlyLikeDequantizeThenQuantize) {
  const uint64_t seed = test::test_seed(106);
  Sweep sweep;
  Generator gen(seed);
  for (DType dtype : {kQUInt8, kQInt8}) {
    const int64_t mid = dtype == kQUInt8 ? 128 : 0;
    const Tensor a = random_q({3, 40, 7}, dtype, 0.1, mid, gen);
    const Tensor b = random_q({3, 11, 7}, dtype, 0.03, mid + 17, gen);
    const Tensor c = random_q({3, 0, 7}, dtype, 0.5, mid - 3, gen);
    const Tensor d = random_q({7, 3, 40}, dtype, 0.07, mid + 2, gen).permute({1, 2, 0});  // non-contiguous [3, 40, 7]
    for (int64_t dim : {1, -2}) {
      const std::vector<Tensor> parts = {a, b, c, d.slice(1, 0, 20)};
      // The ATen way: dequantize each, concatenate in float, quantize.
      std::vector<Tensor> floats;
      for (const Tensor& t : parts) floats.push_back(t.dequantize());
      const Tensor want = quantize_per_tensor(F::cat(floats, dim), 0.05, mid - 20, dtype);
      for (Isa isa : sweep.isas()) {
        set_max_isa(isa);
        for (int threads : {1, 3}) {
          set_num_threads(threads);
          expect_same_q(Q::cat(parts, dim, 0.05, mid - 20), want, "cat " + where(isa, threads));
        }
      }
      // Without output qparams: the first tensor's; its own part is copied unchanged.
      const Tensor y = Q::cat(parts, dim);
      EXPECT_EQ(y.q_scale(), 0.1);
      EXPECT_EQ(y.q_zero_point(), mid);
      expect_same_q(y.narrow(1, 0, 40), a, "first part copied");
    }
  }
}

TEST(QuantizedCat, LargeAlongEveryDimWithThreads) {
  const uint64_t seed = test::test_seed(107);
  Sweep sweep;
  Generator gen(seed);
  const Tensor a = random_q({40, 30, 60}, kQUInt8, 0.1, 128, gen);
  const Tensor b = random_q({40, 30, 60}, kQUInt8, 0.2, 3, gen);
  for (int64_t dim : {0, 1, 2}) {
    const Tensor want = quantize_per_tensor(F::cat({a.dequantize(), b.dequantize()}, dim), 0.1, 128, kQUInt8);
    for (int threads : {1, 2, 3}) {
      set_num_threads(threads);
      expect_same_q(Q::cat({a, b}, dim), want, "dim " + std::to_string(dim) + " threads " + std::to_string(threads));
    }
  }
}

// --- bad input ----------------------------------------------------------------------------------------

TEST(QuantizedElementwiseErrors, Messages) {
  Generator gen(1);
  const Tensor qa = random_q({2, 3}, kQUInt8, 0.1, 128, gen);
  const Tensor qs = random_q({2, 3}, kQInt8, 0.1, 0, gen);
  const Tensor fl = randn({2, 3}, gen);
  const Tensor q32 = quantize_per_tensor(fl, 0.1, 0, kQInt32);
  const Tensor pc = quantize_per_channel(fl, {0.1, 0.2}, {1, 2}, 0, kQUInt8);

  EXPECT_OCTET_ERROR(Q::add(fl, qa, 0.1, 0), "quantized::add: expected the first operand to be a quantized tensor");
  EXPECT_OCTET_ERROR(Q::mul(qa, fl, 0.1, 0), "expected the second operand to be a quantized tensor (quint8 or qint8), got float32");
  EXPECT_OCTET_ERROR(Q::add(qa, qs, 0.1, 0), "quantized::add: operands must have the same dtype, got quint8 and qint8");
  EXPECT_OCTET_ERROR(Q::mul_relu(q32, q32, 0.1, 0), "expected the first operand to be quint8 or qint8, got qint32");
  EXPECT_OCTET_ERROR(Q::add(pc, qa, 0.1, 0), "to be quantized per tensor, got per_channel_affine");
  EXPECT_OCTET_ERROR(Q::add(Tensor(), qa, 0.1, 0), "expected the first operand to be defined");
  for (double bad : {0.0, -1.0, std::nan(""), static_cast<double>(INFINITY), 1e-300, 1e300}) {
    EXPECT_OCTET_ERROR(Q::add(qa, qa, bad, 0), "quantized::add: output scale must be finite and > 0");
  }
  EXPECT_OCTET_ERROR(Q::add_relu(qa, qa, 0.1, 256), "output zero point must be in [0, 255] for quint8, got 256");
  EXPECT_OCTET_ERROR(Q::mul(qs, qs, 0.1, 128), "output zero point must be in [-128, 127] for qint8, got 128");
  EXPECT_OCTET_ERROR(Q::add(qa, random_q({4}, kQUInt8, 0.1, 0, gen), 0.1, 0), "not broadcastable");

  EXPECT_OCTET_ERROR(Q::add_scalar(fl, 1.0), "quantized::add_scalar: expected input to be a quantized tensor");
  EXPECT_OCTET_ERROR(Q::add_scalar(qa, INFINITY), "other must be finite");
  EXPECT_OCTET_ERROR(Q::add_scalar(qa, 1e300), "does not fit in int32");
  EXPECT_OCTET_ERROR(Q::mul_scalar(qa, std::nan("")), "quantized::mul_scalar: other must be finite");
  EXPECT_OCTET_ERROR(Q::mul_scalar(qa, 1e300), "output scale must be finite");
  EXPECT_OCTET_ERROR(Q::mul_scalar_relu(pc, 2.0), "quantized per tensor");

  EXPECT_OCTET_ERROR(Q::cat({}, 0), "quantized::cat: expected at least one tensor");
  EXPECT_OCTET_ERROR(Q::cat({qa, qs}, 0), "expected every tensor to be quint8, got qint8 for tensors[1]");
  EXPECT_OCTET_ERROR(Q::cat({qa, fl}, 0), "expected tensors[1] to be a quantized tensor");
  EXPECT_OCTET_ERROR(Q::cat({qa, random_q({2, 4}, kQUInt8, 0.1, 0, gen)}, 0),
                     "sizes must match except in dim 0: tensors[0] has shape [2, 3], tensors[1] has [2, 4]");
  EXPECT_OCTET_ERROR(Q::cat({qa, random_q({2, 3, 1}, kQUInt8, 0.1, 0, gen)}, 0), "expected every tensor to have 2 dims");
  EXPECT_OCTET_ERROR(Q::cat({qa, qa}, 2), "dim 2 is out of range");
  EXPECT_OCTET_ERROR(Q::cat({qa}, 0, 0.1, std::nullopt), "scale and zero_point must be given together");
  EXPECT_OCTET_ERROR(Q::cat({qa}, 0, -0.1, 3), "output scale must be finite and > 0");
  EXPECT_OCTET_ERROR(Q::cat({qa, pc}, 0), "expected tensors[1] to be quantized per tensor");
}

}  // namespace
}  // namespace octet
