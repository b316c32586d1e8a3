// linear_fp16_test.cpp: linear_prepack_fp16 / linear_dynamic_fp16 / linear_relu_dynamic_fp16 equal the FMA-chain formula bit for bit on every ISA cap and thread count; rounding, unpack and errors.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "common/test_util.h"
#include "octet/octet.h"
#include "octet/quantized/linear_fp16.h"

namespace octet {
namespace {

namespace Q = octet::quantized;

struct SavedSettings {
  Isa isa = max_isa();
  int threads = get_num_threads();
  ~SavedSettings() {
    set_max_isa(isa);
    set_num_threads(threads);
  }
};

// The contract of linear_fp16.h, restated element by element: w rounded to half (after the clamp
// to +-65504), one fma chain over k in order, + bias, relu.
Tensor reference(const Tensor& x, const Tensor& w, const Tensor& bias, bool relu) {
  const int64_t k = w.size(1), n = w.size(0);
  const Tensor xc = x.reshape({-1, k}).contiguous(), wc = w.contiguous();
  const int64_t m = xc.size(0);
  Tensor y = zeros({m, n});
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float v = 0.0f;
      for (int64_t kk = 0; kk < k; ++kk) {
        const float wf = static_cast<float>(Half(std::fmax(-65504.0f, std::fmin(65504.0f, wc.data_ptr<float>()[j * k + kk]))));
        v = std::fma(xc.data_ptr<float>()[i * k + kk], wf, v);
      }
      if (bias.defined()) v = v + bias.data_ptr<float>()[j];
      if (relu && v < 0.0f) v = 0.0f;
      y.data_ptr<float>()[i * n + j] = v;
    }
  }
  Shape shape = x.shape();
  shape.back() = n;
  return y.reshape(shape);
}

// Bit-for-bit equality of two float32 tensors, naming the first difference.
void expect_same_bits(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  const Tensor g = got.contiguous(), e = want.contiguous();
  for (int64_t i = 0; i < g.numel(); ++i) {
    const float a = g.data_ptr<float>()[i], b = e.data_ptr<float>()[i];
    if (std::bit_cast<uint32_t>(a) != std::bit_cast<uint32_t>(b)) {
      ADD_FAILURE() << what << ": element " << i << " is " << a << ", the formula gives " << b;
      return;
    }
  }
}

struct Case {
  Shape x_shape;
  int64_t n;
  bool bias;
};

TEST(LinearFp16, EqualsTheChainOnEveryIsaAndThreadCount) {
  SavedSettings saved;
  Generator gen(test::test_seed(20261129));
  const std::vector<Case> cases = {
      {{1, 37}, 19, true},     {{2, 64}, 40, false},    {{3, 700}, 45, true},   {{17, 33}, 129, true},
      {{130, 64}, 40, true},   {{2, 5, 33}, 47, true},  {{1, 520}, 96, false},  {{4, 1}, 16, true},
      {{6, 1100}, 33, true},   {{121, 16}, 31, false},
  };
  std::vector<Isa> levels = {Isa::Ref};
#if defined(OCTET_ARCH_X86)
  levels.push_back(Isa::Avx2);
  levels.push_back(Isa::Avx512);
#endif
  for (const Case& c : cases) {
    const int64_t k = c.x_shape.back();
    const Tensor x = randn(c.x_shape, gen);
    const Tensor w = randn({c.n, k}, gen);
    const Tensor b = c.bias ? randn({c.n}, gen) : Tensor();
    const auto packed = Q::linear_prepack_fp16(w, b);
    for (bool relu : {false, true}) {
      const Tensor want = reference(x, w, b, relu);
      for (Isa isa : levels) {
        if (!isa_supported_by_hardware(isa)) continue;
        set_max_isa(isa);
        for (int threads : {1, 2, 3}) {
          set_num_threads(threads);
          const Tensor y = relu ? Q::linear_relu_dynamic_fp16(x, packed) : Q::linear_dynamic_fp16(x, packed);
          std::string what = "x ";
          what.append(shape_to_string(c.x_shape)).append(" n ").append(std::to_string(c.n));
          what.append(relu ? " relu" : "").append(" isa ").append(isa_name(isa));
          what.append(" threads ").append(std::to_string(threads));
          expect_same_bits(y, want, what);
          if (HasFailure()) return;
        }
      }
    }
  }
}

TEST(LinearFp16, WeightsRoundToHalfWithPyTorchsClamp) {
  // Round to nearest even; beyond +-65504 clamped (PyTorch's saturation) instead of infinity;
  // below the smallest subnormal to zero.
  const Tensor w = from_vector<float>({1.0f + 1.0f / 4096, 65519.0f, 65520.0f, -1e6f, 1e-8f, 3e-8f, 6.0e-8f, 0.1f},
                                      {1, 8});
  const auto packed = Q::linear_prepack_fp16(w);
  const Tensor u = packed->unpack().first;
  const std::vector<float> want = {1.0f, 65504.0f, 65504.0f, -65504.0f, 0.0f, 5.96046448e-08f, 5.96046448e-08f,
                                   static_cast<float>(Half(0.1f))};
  for (int64_t i = 0; i < 8; ++i) EXPECT_EQ(u.at<float>({0, i}), want[static_cast<size_t>(i)]) << "element " << i;
  EXPECT_FALSE(packed->bias().defined());
  EXPECT_FALSE(packed->unpack().second.defined());
  const Tensor h = packed->weight_fp16();
  EXPECT_EQ(h.dtype(), kFloat16);
  EXPECT_TRUE(equal(h.to(kFloat32), u));
  // A float16 weight is taken as it is, and packs to the same panels.
  const auto again = Q::linear_prepack_fp16(h);
  EXPECT_TRUE(equal(again->weight_fp16(), h));
}

TEST(LinearFp16, UnpackAndShapes) {
  Generator gen(test::test_seed(7));
  const Tensor w = randn({33, 20}, gen), b = randn({33}, gen);
  const auto packed = Q::linear_prepack_fp16(w, b);
  EXPECT_EQ(packed->in_features(), 20);
  EXPECT_EQ(packed->out_features(), 33);
  const auto [wu, bu] = packed->unpack();
  EXPECT_TRUE(equal(wu, w.to(kFloat16).to(kFloat32)));
  EXPECT_TRUE(equal(bu, b));
  // Leading dims are flattened and restored; empty batches and zero-width weights work.
  EXPECT_EQ(Q::linear_dynamic_fp16(randn({2, 3, 20}, gen), packed).shape(), (Shape{2, 3, 33}));
  EXPECT_EQ(Q::linear_dynamic_fp16(zeros({0, 20}), packed).shape(), (Shape{0, 33}));
  const auto k0 = Q::linear_prepack_fp16(zeros({4, 0}), from_vector<float>({1, -2, 3, -4}));
  const Tensor y = Q::linear_relu_dynamic_fp16(zeros({2, 0}), k0);
  EXPECT_TRUE(equal(y, from_vector<float>({1, 0, 3, 0, 1, 0, 3, 0}, {2, 4})));
  // A float64 input is computed in float32.
  const Tensor x = randn({3, 20}, gen);
  EXPECT_TRUE(equal(Q::linear_dynamic_fp16(x.to(kFloat64), packed), Q::linear_dynamic_fp16(x, packed)));
}

TEST(LinearFp16, Errors) {
  const auto packed = Q::linear_prepack_fp16(ones({4, 3}));
  EXPECT_OCTET_ERROR(Q::linear_prepack_fp16(Tensor()), "the weight is an undefined tensor");
  EXPECT_OCTET_ERROR(Q::linear_prepack_fp16(ones({4})), "expected a 2-D weight");
  EXPECT_OCTET_ERROR(Q::linear_prepack_fp16(ones({4, 3}, kInt32)), "expected a floating-point weight, got int32");
  EXPECT_OCTET_ERROR(Q::linear_prepack_fp16(quantize_per_tensor(ones({4, 3}), 0.1, 0, kQInt8)),
                     "rounds it to float16");
  EXPECT_OCTET_ERROR(Q::linear_prepack_fp16(from_vector<float>({1, NAN}, {1, 2})), "weight[0][1] is nan");
  EXPECT_OCTET_ERROR(Q::linear_prepack_fp16(from_vector<float>({INFINITY, 1}, {1, 2})), "weights must be finite");
  EXPECT_OCTET_ERROR(Q::linear_prepack_fp16(ones({4, 3}), ones({3})), "expected a bias of shape [4]");
  EXPECT_OCTET_ERROR(Q::linear_prepack_fp16(ones({1, 3}), from_vector<float>({NAN})), "a bias must be finite");
  EXPECT_OCTET_ERROR(Q::linear_dynamic_fp16(ones({2, 4}), packed), "the input has 4 features");
  EXPECT_OCTET_ERROR(Q::linear_dynamic_fp16(ones({}), packed), "rank >= 1");
  EXPECT_OCTET_ERROR(Q::linear_dynamic_fp16(ones({2, 3}, kInt64), packed), "expected a floating-point input");
  EXPECT_OCTET_ERROR(Q::linear_dynamic_fp16(quantize_per_tensor(ones({2, 3}), 0.1, 0, kQUInt8), packed),
                     "dequantize it first");
  EXPECT_OCTET_ERROR(Q::linear_relu_dynamic_fp16(ones({2, 3}), nullptr), "linear_prepack_fp16(w, bias) first");
}

}  // namespace
}  // namespace octet
