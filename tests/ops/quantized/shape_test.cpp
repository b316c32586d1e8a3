// shape_test.cpp: quantized shape ops keep per-tensor qparams and carry per-channel ones along their axis (checked through dequantize); errors.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "octet/octet.h"
#include "octet/quantized/shape.h"

namespace octet {
namespace {

namespace Q = quantized;

constexpr uint64_t kSeed = 20240618;

// A view op is right when dequantizing its result equals applying the same view to the
// dequantized input: that holds only if every element kept its own channel's qparams.
void expect_consistent(const Tensor& q_view, const Tensor& float_view, const std::string& what) {
  ASSERT_TRUE(q_view.is_quantized()) << what;
  ASSERT_EQ(q_view.shape(), float_view.shape()) << what;
  EXPECT_TRUE(equal(q_view.dequantize(), float_view.contiguous())) << what;
}

Tensor per_channel_input(Generator& gen) {
  // (2, 3, 4, 5), per-channel along dim 1 with distinct scales and zero points.
  return quantize_per_channel(randn({2, 3, 4, 5}, gen), std::vector<double>{0.01, 0.02, 0.05},
                              std::vector<int64_t>{-3, 0, 7}, 1, kQInt8);
}

TEST(QShape, per_tensor_views_keep_the_qparams) {
  Generator gen(test::test_seed(kSeed));
  const Tensor q = quantize_per_tensor(randn({2, 3, 4, 5}, gen), 0.03, 11, kQUInt8);
  const Tensor x = q.dequantize();
  const std::vector<std::pair<std::string, std::pair<Tensor, Tensor>>> views = {
      {"reshape", {Q::reshape(q, {6, 20}), x.reshape({6, 20})}},
      {"reshape copy", {Q::reshape(Q::transpose(q, 1, 3), {10, 12}), x.transpose(1, 3).reshape({10, 12})}},
      {"flatten", {Q::flatten(q, 1), x.flatten(1)}},
      {"permute", {Q::permute(q, {0, 2, 3, 1}), x.permute({0, 2, 3, 1})}},
      {"transpose", {Q::transpose(q, 0, -1), x.transpose(0, -1)}},
      {"unsqueeze", {Q::unsqueeze(q, 2), x.unsqueeze(2)}},
      {"squeeze", {Q::squeeze(Q::unsqueeze(q, 0)), x}},
      {"squeeze dim", {Q::squeeze(Q::unsqueeze(q, 4), 4), x}},
      {"slice", {Q::slice(q, 2, 1, -1, 2), x.slice(2, 1, -1, 2)}}};
  for (const auto& [name, pair] : views) {
    expect_consistent(pair.first, pair.second, name);
    EXPECT_EQ(pair.first.q_scale(), 0.03) << name;
    EXPECT_EQ(pair.first.q_zero_point(), 11) << name;
  }
}

TEST(QShape, per_channel_views_follow_the_channel_axis) {
  Generator gen(test::test_seed(kSeed + 1));
  const Tensor q = per_channel_input(gen);
  const Tensor x = q.dequantize();
  EXPECT_EQ(Q::permute(q, {0, 2, 3, 1}).q_per_channel_axis(), 3);
  expect_consistent(Q::permute(q, {0, 2, 3, 1}), x.permute({0, 2, 3, 1}), "permute");
  EXPECT_EQ(Q::transpose(q, 1, 0).q_per_channel_axis(), 0);
  expect_consistent(Q::transpose(q, 1, 0), x.transpose(1, 0), "transpose");
  EXPECT_EQ(Q::flatten(q, 2).q_per_channel_axis(), 1);
  expect_consistent(Q::flatten(q, 2), x.flatten(2), "flatten");
  EXPECT_EQ(Q::reshape(q, {2, 3, 20}).q_per_channel_axis(), 1);
  expect_consistent(Q::reshape(q, {1, 2, 3, 2, 10}), x.reshape({1, 2, 3, 2, 10}), "reshape");
  EXPECT_EQ(Q::unsqueeze(q, 0).q_per_channel_axis(), 2);
  EXPECT_EQ(Q::unsqueeze(q, 3).q_per_channel_axis(), 1);
  expect_consistent(Q::squeeze(Q::unsqueeze(q, 0)), x, "squeeze");
  // Slicing along the channel axis slices the scales and zero points.
  const Tensor s = Q::slice(q, 1, 1, 3);
  EXPECT_EQ(s.q_per_channel_axis(), 1);
  ASSERT_EQ(s.q_per_channel_scales().numel(), 2);
  EXPECT_EQ(s.q_per_channel_scales().at<double>({0}), 0.02);
  EXPECT_EQ(s.q_per_channel_zero_points().at<int64_t>({1}), 7);
  expect_consistent(s, x.slice(1, 1, 3), "slice channels");
  expect_consistent(Q::slice(q, 1, 0, 3, 2), x.slice(1, 0, 3, 2), "slice channels step 2");
  expect_consistent(Q::slice(q, 3, 1, 4), x.slice(3, 1, 4), "slice another dim");
  // Squeezing a single remaining channel leaves that channel's per-tensor qparams.
  const Tensor one = Q::squeeze(Q::slice(q, 1, 2, 3), 1);
  EXPECT_FALSE(one.quantizer()->per_channel());
  EXPECT_EQ(one.q_scale(), 0.05);
  EXPECT_EQ(one.q_zero_point(), 7);
  expect_consistent(one, x.slice(1, 2, 3).squeeze(1), "squeeze the channel dim");
}

TEST(QShape, views_that_split_or_merge_the_channel_axis_are_errors) {
  Generator gen(test::test_seed(kSeed + 2));
  const Tensor q = per_channel_input(gen);
  EXPECT_OCTET_ERROR(Q::flatten(q, 0, 1), "must stay a dimension of its own");
  EXPECT_OCTET_ERROR(Q::reshape(q, {6, 20}), "must stay a dimension of its own");
  EXPECT_OCTET_ERROR(Q::slice(q, 1, 2, 2), "leaves no qparams");
}

TEST(QShape, float_inputs_are_errors) {
  const Tensor f = zeros({2, 3});
  EXPECT_OCTET_ERROR(Q::reshape(f, {3, 2}), "expected a quantized tensor");
  EXPECT_OCTET_ERROR(Q::flatten(f), "expected a quantized tensor");
  EXPECT_OCTET_ERROR(Q::permute(f, {1, 0}), "expected a quantized tensor");
  EXPECT_OCTET_ERROR(Q::transpose(f, 0, 1), "expected a quantized tensor");
  EXPECT_OCTET_ERROR(Q::squeeze(f), "expected a quantized tensor");
  EXPECT_OCTET_ERROR(Q::squeeze(f, 0), "expected a quantized tensor");
  EXPECT_OCTET_ERROR(Q::unsqueeze(f, 0), "expected a quantized tensor");
  EXPECT_OCTET_ERROR(Q::slice(f, 0, 0, 1), "expected a quantized tensor");
  EXPECT_OCTET_ERROR(Q::reshape(Tensor(), {1}), "undefined");
}

}  // namespace
}  // namespace octet
