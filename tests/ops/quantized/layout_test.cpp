// layout_test.cpp: quantized elementwise ops keep a channels-last input channels-last (as ATen's
// suggest_memory_format does), with the same integers as on contiguous inputs; a single-channel
// convolution (a grayscale stem) equals its reference on every path.
#include <gtest/gtest.h>

#include "common/test_util.h"
#include "octet/octet.h"
#include "octet/quantized/activation.h"
#include "octet/quantized/conv.h"
#include "octet/quantized/elementwise.h"
#include "ops/quantized/elementwise_test_util.h"

namespace octet {
namespace {

using test::qelem::expect_same_q;
using test::qelem::random_q;

// A channels-last view of a (N, C, H, W) tensor's values: the same logical tensor, NHWC in memory.
Tensor to_channels_last(const Tensor& x) { return x.permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2}); }

bool channels_last_strides(const Tensor& t) {
  const int64_t C = t.size(1), H = t.size(2), W = t.size(3);
  return t.stride(1) == 1 && t.stride(3) == C && t.stride(2) == W * C && t.stride(0) == H * W * C;
}

TEST(QuantizedLayout, BinaryOpsKeepChannelsLast) {
  Generator gen(test::test_seed(901));
  for (DType dtype : {kQUInt8, kQInt8}) {
    const Tensor a = random_q({2, 5, 3, 7}, dtype, 0.05, dtype == kQUInt8 ? 120 : -3, gen);
    const Tensor b = random_q({2, 5, 3, 7}, dtype, 0.08, dtype == kQUInt8 ? 9 : 4, gen);
    const Tensor al = to_channels_last(a), bl = to_channels_last(b);
    for (bool relu : {false, true}) {
      const Tensor want = relu ? quantized::add_relu(a, b, 0.1, dtype == kQUInt8 ? 64 : 0)
                               : quantized::add(a, b, 0.1, dtype == kQUInt8 ? 64 : 0);
      const Tensor got = relu ? quantized::add_relu(al, bl, 0.1, dtype == kQUInt8 ? 64 : 0)
                              : quantized::add(al, bl, 0.1, dtype == kQUInt8 ? 64 : 0);
      EXPECT_TRUE(channels_last_strides(got)) << dtype << " relu " << relu;
      expect_same_q(got, want, "add channels-last");
    }
    const Tensor m = quantized::mul(al, bl, 0.2, dtype == kQUInt8 ? 10 : 0);
    EXPECT_TRUE(channels_last_strides(m));
    expect_same_q(m, quantized::mul(a, b, 0.2, dtype == kQUInt8 ? 10 : 0), "mul channels-last");
    // Mixed layouts fall back to the general loop and a contiguous output, with the same integers.
    const Tensor mixed = quantized::add(al, b, 0.1, dtype == kQUInt8 ? 64 : 0);
    EXPECT_TRUE(mixed.is_contiguous());
    expect_same_q(mixed, quantized::add(a, b, 0.1, dtype == kQUInt8 ? 64 : 0), "add mixed layouts");
  }
}

TEST(QuantizedLayout, UnaryOpsKeepChannelsLast) {
  Generator gen(test::test_seed(902));
  const Tensor x = random_q({3, 6, 4, 5}, kQUInt8, 0.04, 100, gen);
  const Tensor xl = to_channels_last(x);
  const Tensor r = quantized::relu(xl);
  EXPECT_TRUE(channels_last_strides(r));
  expect_same_q(r, quantized::relu(x), "relu channels-last");
  const Tensor h = quantized::hardswish(xl, 0.03, 20);
  EXPECT_TRUE(channels_last_strides(h));
  expect_same_q(h, quantized::hardswish(x, 0.03, 20), "hardswish channels-last");
  const Tensor s = quantized::sigmoid(xl);
  EXPECT_TRUE(channels_last_strides(s));
  expect_same_q(s, quantized::sigmoid(x), "sigmoid channels-last");
  // A non-dense view (every other column) is made contiguous.
  const Tensor strided = x.slice(3, 0, 5, 2);
  expect_same_q(quantized::relu(strided), quantized::relu(strided.contiguous()), "relu strided");
}

// A 1-input-channel convolution (groups 1) goes to the indirect GEMM, not the depthwise kernels:
// the best ISA's answer equals the scalar reference kernels' (OCTET_MAX_ISA=ref).
TEST(QuantizedLayout, SingleChannelConvolutionIsExact) {
  Generator gen(test::test_seed(903));
  const Tensor x = random_q({2, 1, 9, 11}, kQUInt8, 0.02, 30, gen);
  const Tensor wf = randn({8, 1, 3, 3}, gen);
  const Tensor w = quantize_per_channel(wf, std::vector<double>(8, 0.01), std::vector<int64_t>(8, 0), 0, kQInt8);
  const Tensor bias = randn({8}, gen);
  const auto p = quantized::conv2d_prepack(w, bias, {1, 1}, {1, 1});
  const Tensor y = quantized::conv2d(x, p, 0.05, 7);
  const Isa saved = max_isa();
  set_max_isa(Isa::Ref);
  const Tensor want = quantized::conv2d(x, quantized::conv2d_prepack(w, bias, {1, 1}, {1, 1}), 0.05, 7);
  set_max_isa(saved);
  expect_same_q(y, want, "single-channel conv vs ref");
}

}  // namespace
}  // namespace octet
