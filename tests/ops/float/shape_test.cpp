// shape_test.cpp: cat, stack, split, chunk, pixel_shuffle and pixel_unshuffle against PyTorch's goldens, view sharing, round trips, and every bad input by message.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/octet.h"
#include "ops/float/elementwise_test_util.h"

namespace octet {
namespace {

using test::golden_input;

std::vector<Tensor> run_shape(const test::GoldenCase& c) {
  const nlohmann::json& a = c.args;
  if (c.op == "cat" || c.op == "stack") {
    std::vector<Tensor> ins;
    for (int i = 0; c.has("in" + std::to_string(i)); ++i) ins.push_back(golden_input(c, i));
    return {c.op == "cat" ? F::cat(ins, a.at("dim")) : F::stack(ins, a.at("dim"))};
  }
  const Tensor x = golden_input(c, 0);
  if (c.op == "split") {
    if (a.contains("split_sizes")) return F::split(x, a.at("split_sizes").get<Shape>(), a.at("dim"));
    return F::split(x, a.at("split_size").get<int64_t>(), a.at("dim"));
  }
  if (c.op == "chunk") return F::chunk(x, a.at("chunks"), a.at("dim"));
  if (c.op == "pixel_shuffle") return {F::pixel_shuffle(x, a.at("upscale_factor"))};
  if (c.op == "pixel_unshuffle") return {F::pixel_unshuffle(x, a.at("downscale_factor"))};
  return {};
}

TEST(ShapeGolden, MatchesPyTorch) {
  test::run_golden_family("shape", {"cat", "stack", "split", "chunk", "pixel_shuffle", "pixel_unshuffle"}, run_shape);
}

TEST(ShapeSplit, PiecesAreViews) {
  Tensor x = zeros({6, 4});
  const std::vector<Tensor> parts = F::split(x, 4, 0);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1].shape(), (Shape{2, 4}));
  EXPECT_EQ(parts[1].storage(), x.storage());
  Tensor piece = parts[1];
  piece.set({0, 0}, 5.0);
  EXPECT_EQ(x.at<float>({4, 0}), 5.0f);
  EXPECT_EQ(F::chunk(zeros({0, 3}), 3, 0).size(), 3u);  // an empty dim still gives `chunks` pieces
  EXPECT_EQ(F::split(zeros({0, 3}), 0, 0).size(), 1u);
}

TEST(ShapeCat, CopiesLargeInputsInParallel) {
  Generator g(test::test_seed(51));
  const Tensor a = randn({3, 50000, 2}, g), b = randn({3, 70000, 2}, g);
  const int saved = get_num_threads();
  set_num_threads(4);
  const Tensor c = F::cat({a, b}, 1);
  set_num_threads(saved);
  EXPECT_EQ(c.shape(), (Shape{3, 120000, 2}));
  EXPECT_TRUE(equal(c.narrow(1, 0, 50000).contiguous(), a));
  EXPECT_TRUE(equal(c.narrow(1, 50000, 70000).contiguous(), b));
}

TEST(ShapePixelShuffle, UnshuffleInvertsShuffle) {
  Generator g(test::test_seed(52));
  const Tensor x = randn({2, 3, 18, 4, 5}, g);
  const Tensor y = F::pixel_shuffle(x, 3);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 2, 12, 15}));
  EXPECT_TRUE(equal(F::pixel_unshuffle(y, 3), x));
  // r = 1 still returns a new tensor.
  const Tensor same = F::pixel_shuffle(x, 1);
  EXPECT_TRUE(equal(same, x));
  EXPECT_NE(same.storage(), x.storage());
}

TEST(ShapeErrors, BadInputsNameTheOp) {
  const Tensor a = zeros({2, 3}), b = zeros({2, 4});
  EXPECT_OCTET_ERROR(F::cat({}, 0), "cat: expected a non-empty list of tensors");
  EXPECT_OCTET_ERROR(F::cat({a, b}, 0),
                     "cat: sizes of tensors must match except in dimension 0: expected size 3 but got size 4 in dimension 1 for tensor 1");
  EXPECT_OCTET_ERROR(F::cat({a, zeros({2, 3, 1})}, 0), "cat: expected tensors of 2 dims, got 3 dims");
  EXPECT_OCTET_ERROR(F::cat({a, zeros({2, 3}, kFloat16)}, 0),
                     "cat: expected float32, float64, int32, int64 or bool tensors, got float16 for tensor 1");
  EXPECT_OCTET_ERROR(F::cat({a, Tensor()}, 0), "cat: tensor 1 is undefined");
  EXPECT_OCTET_ERROR(F::cat({zeros({})}, 0), "cat: zero-dimensional tensor (at position 0) cannot be concatenated");
  EXPECT_OCTET_ERROR(F::cat({a, a}, 2), "cat: dim 2 is out of range for a 2-d tensor (expected -2..1)");
  EXPECT_OCTET_ERROR(F::stack({zeros({2}), zeros({3})}, 0),
                     "stack: expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1");
  EXPECT_OCTET_ERROR(F::stack({a, a}, 3), "stack: dim 3 is out of range for a 3-d tensor");
  EXPECT_OCTET_ERROR(F::stack({}, 0), "stack: expected a non-empty list of tensors");
  EXPECT_OCTET_ERROR(F::split(zeros({5}), Shape{2, 2}, 0),
                     "split: split sizes must sum exactly to 5 (the input's size in dimension 0), got [2, 2] (sum 4)");
  EXPECT_OCTET_ERROR(F::split(zeros({5}), Shape{2, -1, 4}, 0), "split: expected non-negative split sizes, got [2, -1, 4]");
  EXPECT_OCTET_ERROR(F::split(zeros({5}), 0, 0), "split: split_size can only be 0 if the dimension size is 0");
  EXPECT_OCTET_ERROR(F::split(zeros({5}), -1, 0), "split: expected a non-negative split_size, got -1");
  EXPECT_OCTET_ERROR(F::split(zeros({}), 1, 0), "split: expected a tensor with at least one dimension");
  EXPECT_OCTET_ERROR(F::split(zeros({5}), 2, 1), "split: dim 1 is out of range for a 1-d tensor");
  EXPECT_OCTET_ERROR(F::chunk(zeros({5}), 0, 0), "chunk: expected chunks to be greater than 0, got 0");
  EXPECT_OCTET_ERROR(F::pixel_shuffle(zeros({1, 5, 2, 2}), 2),
                     "pixel_shuffle: expected the channel dim (5) to be divisible by upscale_factor^2 = 4");
  EXPECT_OCTET_ERROR(F::pixel_shuffle(zeros({2, 2}), 2),
                     "pixel_shuffle: expected an input with at least 3 dims (*, C, H, W), got 2 dims");
  EXPECT_OCTET_ERROR(F::pixel_shuffle(zeros({1, 4, 2, 2}), 0), "pixel_shuffle: expected upscale_factor > 0, got 0");
  EXPECT_OCTET_ERROR(F::pixel_unshuffle(zeros({1, 1, 3, 4}), 2),
                     "pixel_unshuffle: expected the height (3) to be divisible by downscale_factor 2");
  EXPECT_OCTET_ERROR(F::pixel_unshuffle(zeros({1, 1, 4, 3}), 2),
                     "pixel_unshuffle: expected the width (3) to be divisible by downscale_factor 2");
}

}  // namespace
}  // namespace octet
