// quantize_ops_test.cpp: quantized tensors: quantize/dequantize on every ISA vs the scalar spec,
// per-channel axes, sub-byte packing, qparams-keeping views, and every bad input by message.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <vector>

#include "common/test_util.h"
#include "octet/octet.h"

namespace octet {
namespace {

// Runs the body once per ISA level usable on this machine, with the cap set to that level.
class EveryIsa {
 public:
  EveryIsa() : saved_(max_isa()) {}
  ~EveryIsa() { set_max_isa(saved_); }
  std::vector<Isa> levels() const {
    std::vector<Isa> out;
    for (Isa i : {Isa::Ref, Isa::Avx2, Isa::Avx512, Isa::Avx512Vnni, Isa::Amx, Isa::Neon, Isa::NeonDot}) {
      if (isa_supported_by_hardware(i) && i <= saved_) out.push_back(i);
    }
    return out;
  }

 private:
  Isa saved_;
};

// Random floats mixed with the values that break quantizers: halfway points, saturating and
// non-finite values, signed zeros, denormals.
Tensor nasty_floats(int64_t n, float scale, Generator& g) {
  Tensor t = randn({n}, g);
  float* d = t.data_ptr<float>();
  const float inv = 1.0f / scale;
  const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e30f, -1e30f, 1e-40f, -1e-40f,
                            std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest()};
  for (int64_t i = 0; i < n; ++i) {
    const auto kind = g.randint(0, 8);
    if (kind == 0) d[i] = specials[g.randint(0, 11)];
    if (kind == 1) d[i] = (static_cast<float>(g.randint(-300, 300)) + 0.5f) / inv;  // near-halfway
    if (kind == 2) d[i] *= 200.0f * scale;                                          // saturating
    if (kind >= 3) d[i] *= 60.0f * scale;
  }
  return t;
}

TEST(QuantizePerTensor, EqualsScalarSpecOnEveryIsa) {
  const uint64_t seed = test::test_seed(7);
  EveryIsa isas;
  for (Isa isa : isas.levels()) {
    set_max_isa(isa);
    Generator g(seed);
    for (DType dtype : {kQUInt8, kQInt8, kQInt32}) {
      for (int64_t n : {1, 7, 31, 64, 65, 1000, 70001}) {
        const float scale = 0.02f + 0.1f * g.uniform_float();
        const int64_t qmin = dtype_qmin(dtype), qmax = dtype_qmax(dtype);
        for (int64_t zp : {qmin, qmin == 0 ? int64_t{1} : int64_t{0}, (qmin + qmax) / 2, qmax}) {
          if (dtype == kQInt32 && n > 1000) continue;
          Tensor x = nasty_floats(n, scale, g);
          Tensor q = quantize_per_tensor(x, scale, zp, dtype);
          Tensor ir = q.int_repr().to(kInt64);
          Tensor dq = q.dequantize();
          for (int64_t i = 0; i < n; ++i) {
            const float xi = x.at<float>({i});
            const int64_t want = quantize_value(xi, scale, zp, qmin, qmax);
            ASSERT_EQ(ir.at<int64_t>({i}), want) << "isa " << isa_name(isa) << " dtype " << dtype << " n " << n
                                                 << " i " << i << " x " << xi << " scale " << scale << " zp " << zp;
            const float dwant = dequantize_value(want, scale, zp);
            ASSERT_EQ(std::bit_cast<uint32_t>(dq.at<float>({i})), std::bit_cast<uint32_t>(dwant)) << i;
          }
        }
      }
    }
  }
}

TEST(QuantizePerTensor, KnownValues) {
  // x * (1/scale) is exactly 127.5 in float32 and ties go to even: 128 (dividing gives 127).
  Tensor q = quantize_per_tensor(from_vector(std::vector<float>{0.273939937f}), 0.00214854861, 0, kQUInt8);
  EXPECT_EQ(q.int_repr().at<int64_t>({0}), 128);
  Tensor h = quantize_per_tensor(from_vector(std::vector<float>{0.5f, 1.5f, 2.5f, -0.5f, -1.5f}), 1.0, 10, kQUInt8);
  EXPECT_EQ(h.int_repr().to(kInt64).at<int64_t>({0}), 10);  // zero point added after rounding
  EXPECT_EQ(h.int_repr().to(kInt64).at<int64_t>({1}), 12);
  EXPECT_EQ(h.int_repr().to(kInt64).at<int64_t>({2}), 12);
  EXPECT_EQ(h.int_repr().to(kInt64).at<int64_t>({3}), 10);
  EXPECT_EQ(h.int_repr().to(kInt64).at<int64_t>({4}), 8);
  // NaN saturates to qmax like PyTorch; infinities saturate.
  Tensor s = quantize_per_tensor(from_vector(std::vector<float>{NAN, INFINITY, -INFINITY}), 0.1, 3, kQInt8);
  EXPECT_EQ(s.int_repr().to(kInt64).at<int64_t>({0}), 127);
  EXPECT_EQ(s.int_repr().to(kInt64).at<int64_t>({1}), 127);
  EXPECT_EQ(s.int_repr().to(kInt64).at<int64_t>({2}), -128);
  EXPECT_EQ(q.q_scale(), 0.00214854861);
  EXPECT_EQ(q.q_zero_point(), 0);
  EXPECT_EQ(q.qscheme(), kPerTensorAffine);
  EXPECT_EQ(q.dtype(), kQUInt8);
}

TEST(QuantizePerTensor, AcceptsNonContiguousAndOtherFloatDtypes) {
  Generator g(test::test_seed(3));
  Tensor x = randn({8, 9}, g);
  EXPECT_TRUE(equal(quantize_per_tensor(x.t(), 0.05, 7, kQUInt8).int_repr(),
                    quantize_per_tensor(x.t().contiguous(), 0.05, 7, kQUInt8).int_repr()));
  EXPECT_TRUE(equal(quantize_per_tensor(x.to(kFloat64), 0.05, 7, kQInt8).int_repr(),
                    quantize_per_tensor(x, 0.05, 7, kQInt8).int_repr()));
}

TEST(QuantizePerChannel, EqualsScalarSpecOnEveryAxisAndIsa) {
  const uint64_t seed = test::test_seed(11);
  EveryIsa isas;
  for (Isa isa : isas.levels()) {
    set_max_isa(isa);
    Generator g(seed);
    const Shape shape{3, 5, 4, 17};
    for (DType dtype : {kQUInt8, kQInt8, kQInt32}) {
      for (int64_t axis : {0, 1, 2, 3, -1}) {
        const int64_t ax = axis < 0 ? axis + 4 : axis;
        const int64_t channels = shape[static_cast<size_t>(ax)];
        std::vector<double> scales;
        std::vector<int64_t> zps;
        for (int64_t c = 0; c < channels; ++c) {
          scales.push_back(0.01 + 0.2 * g.uniform_double());
          zps.push_back(g.randint(dtype == kQInt32 ? -1000 : dtype_qmin(dtype),
                                  (dtype == kQInt32 ? 1000 : dtype_qmax(dtype)) + 1));
        }
        Tensor x = nasty_floats(shape_numel(shape), 0.1f, g).reshape(shape);
        Tensor q = quantize_per_channel(x, from_vector(scales), from_vector(zps), axis, dtype);
        EXPECT_EQ(q.qscheme(), kPerChannelAffine);
        EXPECT_EQ(q.q_per_channel_axis(), ax);
        Tensor dq = q.dequantize();
        Tensor ir = q.int_repr().to(kInt64);
        for (int64_t a = 0; a < shape[0]; ++a)
          for (int64_t b = 0; b < shape[1]; ++b)
            for (int64_t c = 0; c < shape[2]; ++c)
              for (int64_t d = 0; d < shape[3]; ++d) {
                const int64_t idx[4] = {a, b, c, d};
                const auto ch = static_cast<size_t>(idx[ax]);
                const float xi = x.at<float>({a, b, c, d});
                const auto sc = static_cast<float>(scales[ch]);
                const int64_t want = quantize_value(xi, sc, zps[ch], dtype_qmin(dtype), dtype_qmax(dtype));
                ASSERT_EQ(ir.at<int64_t>({a, b, c, d}), want)
                    << "isa " << isa_name(isa) << " axis " << axis << " at " << a << "," << b << "," << c << "," << d;
                ASSERT_EQ(dq.at<float>({a, b, c, d}), dequantize_value(want, sc, zps[ch]));
              }
      }
    }
  }
}

TEST(QuantizePerChannel, FloatQParamsForEmbeddings) {
  Generator g(test::test_seed(5));
  Tensor w = randn({6, 10}, g);
  std::vector<double> scales;
  std::vector<float> zps;
  for (int r = 0; r < 6; ++r) {
    const float lo = w.select(0, r).contiguous().data_ptr<float>()[0];
    scales.push_back(0.02 + 0.01 * r);
    zps.push_back(-lo / 0.03f + 0.25f * static_cast<float>(r));
  }
  for (DType dtype : {kQUInt8, kQUInt4x2}) {
    Tensor q = quantize_per_channel(w, from_vector(scales), from_vector(zps), 0, dtype);
    EXPECT_EQ(q.qscheme(), kPerChannelAffineFloatQParams);
    EXPECT_EQ(q.q_per_channel_zero_points().dtype(), kFloat32);
    Tensor dq = q.dequantize();
    for (int64_t r = 0; r < 6; ++r)
      for (int64_t c = 0; c < 10; ++c) {
        const int64_t want = quantize_value_float_qparams(w.at<float>({r, c}), static_cast<float>(scales[r]), zps[r],
                                                          0, dtype_qmax(dtype));
        ASSERT_EQ(q.at<int64_t>({r, c}), want) << dtype << " " << r << "," << c;
        ASSERT_EQ(dq.at<float>({r, c}), dequantize_value_float_qparams(want, static_cast<float>(scales[r]), zps[r]));
      }
  }
}

TEST(QuantizeSubByte, QUInt4x2PacksTwoPerByteLowNibbleFirst) {
  Tensor x = from_vector(std::vector<float>{0.1f, 0.5f, 1.0f, 1.5f, 0.0f, 0.3f}, {2, 3});
  Tensor q = quantize_per_tensor(x, 0.1, 0, kQUInt4x2);
  // Same bytes PyTorch 2.x gives: [81, 250, 48] (1 | 5<<4, 10 | 15<<4, 0 | 3<<4).
  Tensor ir = q.int_repr();
  ASSERT_EQ(ir.shape(), (Shape{3}));
  EXPECT_EQ(ir.at<int64_t>({0}), 81);
  EXPECT_EQ(ir.at<int64_t>({1}), 250);
  EXPECT_EQ(ir.at<int64_t>({2}), 48);
  EXPECT_EQ(q.at<int64_t>({1, 0}), 15);
  EXPECT_FLOAT_EQ(q.dequantize().at<float>({0, 2}), 1.0f);
  Tensor big = quantize_per_tensor(from_vector(std::vector<float>{10.0f, -1.0f, 0.7f}), 0.1, 2, kQUInt4x2);
  EXPECT_EQ(big.at<int64_t>({0}), 15);  // saturates at 15
  EXPECT_EQ(big.at<int64_t>({1}), 0);
  EXPECT_EQ(big.at<int64_t>({2}), 9);
  EXPECT_EQ(q.reshape({3, 2}).at<int64_t>({2, 1}), 3);  // contiguous views are fine
  EXPECT_OCTET_ERROR(q.t(), "quint4x2 tensors pack two elements per byte");
}

TEST(QuantizeDynamic, UsesTheDynamicRule) {
  Generator g(test::test_seed(9));
  Tensor x = randn({257}, g);
  for (DType dtype : {kQUInt8, kQInt8}) {
    for (bool rr : {false, true}) {
      Tensor q = quantize_per_tensor_dynamic(x, dtype, rr);
      float lo = INFINITY, hi = -INFINITY;
      for (int64_t i = 0; i < x.numel(); ++i) {
        lo = std::min(lo, x.at<float>({i}));
        hi = std::max(hi, x.at<float>({i}));
      }
      const QParams p = choose_qparams_dynamic(lo, hi, dtype_qmin(dtype), dtype_qmax(dtype), rr);
      EXPECT_EQ(q.q_scale(), p.scale);  // the double the dynamic rule computed, as PyTorch keeps it
      EXPECT_EQ(q.q_zero_point(), p.zero_point);
      EXPECT_TRUE(equal(q, quantize_per_tensor(x, p.scale, p.zero_point, dtype)));
    }
  }
  EXPECT_EQ(quantize_per_tensor_dynamic(x, kFloat16, false).dtype(), kFloat16);
  EXPECT_OCTET_ERROR(quantize_per_tensor_dynamic(x, kQInt32, false), "expected dtype quint8, qint8 or float16");
  EXPECT_OCTET_ERROR(quantize_per_tensor_dynamic(from_vector(std::vector<float>{1, NAN}), kQUInt8, false),
                     "contains NaN or infinity");
  EXPECT_OCTET_ERROR(quantize_per_tensor_dynamic(zeros({0}), kQUInt8, false), "empty tensor");
}

TEST(MakeQuantized, WrapsIntegersAndRequantizes) {
  Tensor ints = from_vector(std::vector<uint8_t>{0, 10, 255});
  Tensor q = make_per_tensor_quantized_tensor(ints, 0.5, 10);
  EXPECT_EQ(q.dtype(), kQUInt8);
  EXPECT_EQ(q.dequantize().at<float>({0}), -5.0f);
  EXPECT_EQ(q.dequantize().at<float>({2}), 122.5f);
  Tensor pc = make_per_channel_quantized_tensor(from_vector(std::vector<int8_t>{1, 2, 3, 4}, {2, 2}),
                                                from_vector(std::vector<double>{0.5, 2.0}),
                                                from_vector(std::vector<int64_t>{0, 1}), 1);
  EXPECT_EQ(pc.dtype(), kQInt8);
  EXPECT_EQ(pc.dequantize().at<float>({1, 1}), 6.0f);
  Tensor r = requantize(q, 1.0, 0, kQInt8);
  EXPECT_EQ(r.at<int64_t>({0}), -5);   // -5.0 / 1.0
  EXPECT_EQ(r.at<int64_t>({2}), 122);  // 122.5 rounds half to even
  EXPECT_OCTET_ERROR(make_per_tensor_quantized_tensor(zeros({2}), 0.1, 0), "expected a uint8, int8 or int32 tensor");
  EXPECT_OCTET_ERROR(requantize(zeros({2}), 0.1, 0, kQUInt8), "expected a quantized tensor, got float32");
}

TEST(QuantizedViews, KeepAndAdjustTheQuantizer) {
  Generator g(test::test_seed(13));
  Tensor x = randn({2, 3, 4}, g);
  Tensor pt = quantize_per_tensor(x, 0.1, 5, kQUInt8);
  Tensor pv = pt.reshape({6, 4}).slice(0, 1, 3);
  EXPECT_EQ(pv.q_scale(), 0.1);
  EXPECT_EQ(pv.q_zero_point(), 5);
  EXPECT_EQ(pv.at<float>({0, 0}), pt.at<float>({0, 1, 0}));

  std::vector<double> s{0.1, 0.2, 0.3};
  std::vector<int64_t> z{1, 2, 3};
  Tensor pc = quantize_per_channel(x, s, z, 1, kQInt8);
  Tensor perm = pc.permute({2, 0, 1});
  EXPECT_EQ(perm.q_per_channel_axis(), 2);
  EXPECT_TRUE(equal(perm.dequantize(), pc.dequantize().permute({2, 0, 1})));
  Tensor sl = pc.slice(1, 1, 3);
  EXPECT_EQ(sl.q_per_channel_scales().at<double>({0}), 0.2);
  EXPECT_EQ(sl.q_per_channel_zero_points().at<int64_t>({1}), 3);
  EXPECT_TRUE(equal(sl.dequantize(), pc.dequantize().slice(1, 1, 3)));
  Tensor one = pc.select(1, 2);
  EXPECT_EQ(one.qscheme(), kPerTensorAffine);
  EXPECT_EQ(one.q_scale(), 0.3);
  EXPECT_EQ(one.q_zero_point(), 3);
  Tensor other = pc.select(0, 1);
  EXPECT_EQ(other.q_per_channel_axis(), 0);
  EXPECT_EQ(pc.unsqueeze(0).q_per_channel_axis(), 2);
  EXPECT_EQ(pc.reshape({2, 3, 2, 2}).q_per_channel_axis(), 1);
  EXPECT_EQ(pc.flatten(2).q_per_channel_axis(), 1);
  EXPECT_OCTET_ERROR(pc.reshape({6, 4}), "the channel axis 1 (size 3) must stay a dimension of its own");
  EXPECT_OCTET_ERROR(pc.q_scale(), "use q_per_channel_scales()");
  EXPECT_OCTET_ERROR(pt.q_per_channel_axis(), "which has no channel axis");
}

TEST(QuantizeErrors, EveryBadInputIsNamed) {
  Tensor x = from_vector(std::vector<float>{1, 2, 3, 4}, {2, 2});
  EXPECT_OCTET_ERROR(quantize_per_tensor(x, 0.0, 0, kQUInt8), "quantize_per_tensor: scale must be finite and > 0");
  EXPECT_OCTET_ERROR(quantize_per_tensor(x, -1.0, 0, kQUInt8), "got -1");
  EXPECT_OCTET_ERROR(quantize_per_tensor(x, NAN, 0, kQUInt8), "scale must be finite");
  EXPECT_OCTET_ERROR(quantize_per_tensor(x, INFINITY, 0, kQUInt8), "scale must be finite");
  EXPECT_OCTET_ERROR(quantize_per_tensor(x, 1e-50, 0, kQUInt8), "representable in float32");
  EXPECT_OCTET_ERROR(quantize_per_tensor(x, 0.1, 256, kQUInt8), "zero_point must be in [0, 255] for quint8, got 256");
  EXPECT_OCTET_ERROR(quantize_per_tensor(x, 0.1, -129, kQInt8), "zero_point must be in [-128, 127] for qint8");
  EXPECT_OCTET_ERROR(quantize_per_tensor(x, 0.1, 16, kQUInt4x2), "zero_point must be in [0, 15]");
  EXPECT_OCTET_ERROR(quantize_per_tensor(x, 0.1, 0, kInt8), "expected a quantized dtype");
  EXPECT_OCTET_ERROR(quantize_per_tensor(x.to(kInt32), 0.1, 0, kQUInt8),
                     "expected a floating-point tensor (float32, float64, float16, bfloat16), got int32");
  Tensor q = quantize_per_tensor(x, 0.1, 0, kQUInt8);
  EXPECT_OCTET_ERROR(quantize_per_tensor(q, 0.1, 0, kQUInt8), "already quantized");
  EXPECT_OCTET_ERROR(quantize_per_tensor(Tensor(), 0.1, 0, kQUInt8), "undefined");

  std::vector<double> s2{0.1, 0.2};
  std::vector<int64_t> z2{0, 0};
  EXPECT_OCTET_ERROR(quantize_per_channel(x, s2, z2, 2, kQInt8), "dimension out of range");
  EXPECT_OCTET_ERROR(quantize_per_channel(x, s2, z2, -3, kQInt8), "dimension out of range");
  EXPECT_OCTET_ERROR(quantize_per_channel(x, std::vector<double>{0.1, 0.2, 0.3}, std::vector<int64_t>{0, 0, 0}, 0, kQInt8),
                     "expected 2 scales (the size of axis 0");
  EXPECT_OCTET_ERROR(quantize_per_channel(x, s2, std::vector<int64_t>{0}, 0, kQInt8), "expected as many zero_points as scales");
  EXPECT_OCTET_ERROR(quantize_per_channel(x, std::vector<double>{0.1, 0.0}, z2, 0, kQInt8), "scale of channel 1");
  EXPECT_OCTET_ERROR(quantize_per_channel(x, s2, std::vector<int64_t>{0, 300}, 0, kQUInt8), "zero_point of channel 1");
  EXPECT_OCTET_ERROR(quantize_per_channel(x, from_vector(s2), from_vector(std::vector<bool>{true, false}), 0, kQInt8),
                     "expected integer (or float) zero_points");
  EXPECT_OCTET_ERROR(quantize_per_channel(x, from_vector(s2), from_vector(std::vector<float>{0, 0}), 0, kQInt8),
                     "float zero points (per_channel_affine_float_qparams) need quint8 or quint4x2");
  EXPECT_OCTET_ERROR(quantize_per_channel(x, from_vector(std::vector<int32_t>{1, 1}), from_vector(z2), 0, kQInt8),
                     "expected floating-point scales");
  EXPECT_OCTET_ERROR(x.dequantize(), "dequantize: expected a quantized tensor, got float32");
  EXPECT_OCTET_ERROR(x.int_repr(), "int_repr: expected a quantized tensor");
  EXPECT_OCTET_ERROR(x.q_scale(), "q_scale: expected a quantized tensor, got float32");
  EXPECT_OCTET_ERROR(q.set({0, 0}, 1.0), "cannot write a real value");
  EXPECT_OCTET_ERROR(q.copy_(x), "needs a source with the same dtype and qparams");
}

}  // namespace
}  // namespace octet
