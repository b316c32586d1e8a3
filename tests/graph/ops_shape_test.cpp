// ops_shape_test.cpp: shape and indexing operators (Reshape ... Gather), generators (Constant ... Cast) and reductions, with ONNX's edge cases.
#include <gtest/gtest.h>

#include <limits>

#include "graph/graph_test_util.h"

namespace octet::graph {
namespace {

using test::f32;
using test::i64;
using test::i64_scalar;
using test::run_op;

Tensor one(const std::string& op, const std::vector<Tensor>& in, std::vector<NamedAttribute> attrs = {},
           int64_t opset = kDefaultOpset) {
  return run_op(op, in, std::move(attrs), 1, opset).at(0);
}

Tensor iota(const Shape& shape) { return arange(0, static_cast<double>(shape_numel(shape)), 1, kFloat32).reshape(shape); }

TEST(GraphOpsShape, ReshapeCopiesZerosAndInfersMinusOne) {
  const Tensor x = iota({2, 3, 4});
  EXPECT_EQ(one("Reshape", {x, i64({0, -1})}).shape(), (Shape{2, 12}));
  EXPECT_EQ(one("Reshape", {x, i64({-1, 0, 2})}).shape(), (Shape{4, 3, 2}));
  EXPECT_TRUE(equal(one("Reshape", {x, i64({24})}), iota({24})));
  // allowzero: a 0 is a size.
  EXPECT_EQ(one("Reshape", {zeros({0, 3}), i64({3, 0})}, {{"allowzero", 1}}).shape(), (Shape{3, 0}));
  EXPECT_OCTET_ERROR(one("Reshape", {x, i64({-1, -1})}), "the shape [-1, -1] has more than one -1");
  EXPECT_OCTET_ERROR(one("Reshape", {x, i64({5, -1})}), "cannot reshape float32[2, 3, 4] to [5, ?]");
  EXPECT_OCTET_ERROR(one("Reshape", {x, i64({-2, 4})}), "the shape [-2, 4] has an invalid entry -2");
  EXPECT_OCTET_ERROR(one("Reshape", {zeros({2}), i64({0, 0})}), "the shape copies dim 1 (0) of an input with only 1 dims");
}

TEST(GraphOpsShape, FlattenTransposeSqueezeUnsqueeze) {
  const Tensor x = iota({2, 3, 4});
  EXPECT_EQ(one("Flatten", {x}).shape(), (Shape{2, 12}));
  EXPECT_EQ(one("Flatten", {x}, {{"axis", 0}}).shape(), (Shape{1, 24}));
  EXPECT_EQ(one("Flatten", {x}, {{"axis", -1}}).shape(), (Shape{6, 4}));
  EXPECT_EQ(one("Flatten", {x}, {{"axis", 3}}).shape(), (Shape{24, 1}));
  EXPECT_OCTET_ERROR(one("Flatten", {x}, {{"axis", 4}}), "axis 4 is out of range for rank 3 (expected -3 to 3)");
  EXPECT_TRUE(equal(one("Transpose", {x}), x.permute({2, 1, 0}).contiguous()));
  EXPECT_TRUE(equal(one("Transpose", {x}, {{"perm", {1, 0, 2}}}), x.permute({1, 0, 2}).contiguous()));
  EXPECT_OCTET_ERROR(one("Transpose", {x}, {{"perm", {0, 0, 1}}}), "attribute 'perm' [0, 0, 1] is not a permutation of 3 dims");
  const Tensor y = iota({1, 3, 1, 2});
  EXPECT_EQ(one("Squeeze", {y}).shape(), (Shape{3, 2}));
  EXPECT_EQ(one("Squeeze", {y, i64({-2})}).shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(one("Squeeze", {y}, {{"axes", {0}}}, 11).shape(), (Shape{3, 1, 2}));
  EXPECT_OCTET_ERROR(one("Squeeze", {y, i64({1})}), "cannot squeeze axis 1 of size 3");
  EXPECT_EQ(one("Unsqueeze", {x, i64({0, -1})}).shape(), (Shape{1, 2, 3, 4, 1}));
  EXPECT_EQ(one("Unsqueeze", {x}, {{"axes", {1}}}, 12).shape(), (Shape{2, 1, 3, 4}));
  EXPECT_EQ(one("Unsqueeze", {i64_scalar(5), i64({0})}).shape(), (Shape{1}));
  EXPECT_OCTET_ERROR(one("Unsqueeze", {x}), "needs axes (an attribute before opset 13, an input from 13)");
  EXPECT_OCTET_ERROR(one("Unsqueeze", {x, i64({0, 0})}), "axes has a repeated entry");
  EXPECT_OCTET_ERROR(one("Unsqueeze", {x, i64({5})}), "axes entry 5 is out of range for rank 4");
}

TEST(GraphOpsShape, ShapeAndExpand) {
  const Tensor x = zeros({2, 3, 4});
  EXPECT_TRUE(equal(one("Shape", {x}), i64({2, 3, 4})));
  EXPECT_TRUE(equal(one("Shape", {x}, {{"start", 1}}), i64({3, 4})));
  EXPECT_TRUE(equal(one("Shape", {x}, {{"start", -1}, {"end", 10}}), i64({4})));
  EXPECT_EQ(one("Shape", {x}, {{"start", 2}, {"end", 1}}).numel(), 0);
  // Expand broadcasts both ways: a 1 in the shape keeps the input's size.
  const Tensor y = iota({3, 1});
  const Tensor e = one("Expand", {y, i64({2, 1, 4})});
  EXPECT_EQ(e.shape(), (Shape{2, 3, 4}));
  EXPECT_TRUE(equal(e, y.expand({2, 3, 4}).contiguous()));
  EXPECT_OCTET_ERROR(one("Expand", {y, i64({2, 5})}), "shapes [3, 1] and [2, 5] do not broadcast");
}

TEST(GraphOpsShape, ConcatAndSplit) {
  const Tensor a = iota({2, 3}), b = iota({2, 1});
  EXPECT_TRUE(equal(one("Concat", {a, b}, {{"axis", -1}}), F::cat({a, b}, 1)));
  EXPECT_OCTET_ERROR(one("Concat", {a, iota({3, 1})}, {{"axis", 1}}), "input 1 has size 3 in dim 0 where the others have 2");
  EXPECT_OCTET_ERROR(one("Concat", {a, b}), "attribute 'axis' is required");
  const Tensor x = iota({2, 7});
  std::vector<Tensor> parts = run_op("Split", {x, i64({3, 4})}, {{"axis", 1}}, 2);
  EXPECT_TRUE(equal(parts[0], x.slice(1, 0, 3).contiguous()));
  EXPECT_TRUE(equal(parts[1], x.slice(1, 3, 7).contiguous()));
  parts = run_op("Split", {x}, {{"axis", 1}, {"split", {5, 2}}}, 2, 11);
  EXPECT_EQ(parts[0].shape(), (Shape{2, 5}));
  // Without sizes: equal parts, the last smaller when they do not divide (opset 18's rule).
  parts = run_op("Split", {x}, {{"axis", 1}}, 3);
  EXPECT_EQ(parts[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(parts[2].shape(), (Shape{2, 1}));
  EXPECT_OCTET_ERROR(run_op("Split", {x, i64({3, 3})}, {{"axis", 1}}, 2), "split sizes sum to 6 but axis 1 has size 7");
  EXPECT_OCTET_ERROR(run_op("Split", {x, i64({7})}, {{"axis", 1}}, 2), "split has 1 sizes for 2 outputs");
  EXPECT_OCTET_ERROR(run_op("Split", {iota({2})}, {}, 4), "cannot split a dim of size 2 into 4 pieces");
}

TEST(GraphOpsShape, SliceClampsLikeOnnx) {
  const Tensor x = iota({4, 5});
  const int64_t big = std::numeric_limits<int64_t>::max();
  EXPECT_TRUE(equal(one("Slice", {x, i64({1}), i64({big}), i64({1})}), x.slice(1, 1, 5).contiguous()));
  EXPECT_TRUE(equal(one("Slice", {x, i64({0, -2}), i64({-1, big})}), x.slice(0, 0, 3).slice(1, 3, 5).contiguous()));
  EXPECT_TRUE(equal(one("Slice", {x, i64({0}), i64({5}), i64({1}), i64({2})}), x.slice(1, 0, 5, 2).contiguous()));
  // Negative steps walk backwards; the end clamps to -1 (one before the first element).
  EXPECT_TRUE(equal(one("Slice", {x, i64({-1}), i64({std::numeric_limits<int64_t>::min()}), i64({1}), i64({-1})}),
                    f32({4, 3, 2, 1, 0, 9, 8, 7, 6, 5, 14, 13, 12, 11, 10, 19, 18, 17, 16, 15}, {4, 5})));
  EXPECT_TRUE(equal(one("Slice", {x, i64({3}), i64({0}), i64({0}), i64({-2})}), f32({15, 16, 17, 18, 19, 5, 6, 7, 8, 9}, {2, 5})));
  EXPECT_EQ(one("Slice", {x, i64({3}), i64({1}), i64({0})}).shape(), (Shape{0, 5}));
  EXPECT_EQ(one("Slice", {x, i64({0}), i64({1}), i64({0}), i64({100})}).shape(), (Shape{1, 5}));
  // Opset 9: attributes.
  EXPECT_EQ(one("Slice", {x}, {{"starts", {1}}, {"ends", {3}}, {"axes", {1}}}, 9).shape(), (Shape{4, 2}));
  EXPECT_OCTET_ERROR(one("Slice", {x, i64({0}), i64({1}), i64({0}), i64({0})}), "steps must not be 0");
  EXPECT_OCTET_ERROR(one("Slice", {x, i64({0, 0}), i64({1})}), "starts, ends, axes and steps must have the same length, got 2, 1, 2, 2");
  EXPECT_OCTET_ERROR(one("Slice", {x, i64({0, 0}), i64({1, 1}), i64({1, -1})}), "axis 1 is sliced twice");
}

TEST(GraphOpsShape, GatherAnyDtypeAndNegativeIndices) {
  const Tensor x = iota({3, 4});
  EXPECT_TRUE(equal(one("Gather", {x, i64({2, -3})}), f32({8, 9, 10, 11, 0, 1, 2, 3}, {2, 4})));
  const Tensor g = one("Gather", {x, i64({0, 3, 1, 1}, {2, 2})}, {{"axis", 1}});
  EXPECT_EQ(g.shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(g.at<float>({2, 0, 1}), 11.0f);
  EXPECT_TRUE(equal(one("Gather", {i64({5, 6, 7}), i64_scalar(-1)}), i64_scalar(7)));
  EXPECT_TRUE(equal(one("Gather", {x, i64({1}).to(kInt32)}), x.slice(0, 1, 2).contiguous()));
  EXPECT_TRUE(equal(one("Gather", {i64({1, 0}).to(kBool), i64({1, 1, 0})}), i64({0, 0, 1}).to(kBool)));
  EXPECT_OCTET_ERROR(one("Gather", {x, i64({3})}), "index 3 is out of range for axis 0 of size 3");
  EXPECT_OCTET_ERROR(one("Gather", {x, f32({0}, {1})}), "input 1 must be one of int64, int32; got float32");
}

TEST(GraphOpsShape, ConstantsRangeAndCast) {
  auto constant = [](std::vector<NamedAttribute> attrs) { return one("Constant", {}, std::move(attrs)); };
  EXPECT_TRUE(equal(constant({{"value", iota({2, 2})}}), iota({2, 2})));
  EXPECT_TRUE(equal(constant({{"value_float", 1.5f}}), full({}, 1.5)));
  EXPECT_TRUE(equal(constant({{"value_floats", {1.0f, 2.0f}}}), f32({1, 2}, {2})));
  EXPECT_TRUE(equal(constant({{"value_int", 3}}), i64_scalar(3)));
  EXPECT_TRUE(equal(constant({{"value_ints", {3, 4}}}), i64({3, 4})));
  EXPECT_OCTET_ERROR(constant({}), "needs exactly one of the attributes value, value_float, value_floats, value_int, value_ints; got 0");
  EXPECT_OCTET_ERROR(constant({{"value_int", 1}, {"value_float", 1.0f}}), "got 2");
  EXPECT_OCTET_ERROR(constant({{"value_string", "x"}}), "attribute 'value_string' is not supported (no sparse or string tensors)");
  EXPECT_TRUE(equal(one("ConstantOfShape", {i64({2, 3})}), zeros({2, 3})));
  EXPECT_TRUE(equal(one("ConstantOfShape", {i64({2})}, {{"value", i64({7})}}), i64({7, 7})));
  EXPECT_EQ(one("ConstantOfShape", {i64(std::vector<int64_t>{}, {0})}).dim(), 0);
  EXPECT_OCTET_ERROR(one("ConstantOfShape", {i64({2})}, {{"value", i64({7, 8})}}), "attribute 'value' must hold one element, got 2");
  EXPECT_TRUE(equal(one("Range", {i64_scalar(1), i64_scalar(10), i64_scalar(3)}), i64({1, 4, 7})));
  EXPECT_TRUE(equal(one("Range", {test::f32_scalar(1), test::f32_scalar(0), test::f32_scalar(-0.25f)}), f32({1, 0.75f, 0.5f, 0.25f}, {4})));
  EXPECT_EQ(one("Range", {i64_scalar(5), i64_scalar(1), i64_scalar(1)}).numel(), 0);
  EXPECT_OCTET_ERROR(one("Range", {i64_scalar(0), i64_scalar(1), i64_scalar(0)}), "delta must not be 0");
  EXPECT_OCTET_ERROR(one("Range", {i64({0, 1}), i64_scalar(1), i64_scalar(1)}), "input 0 must be a scalar (0-d), got int64[2]");
  EXPECT_TRUE(equal(one("Cast", {f32({1.7f, -1.7f}, {2})}, {{"to", 7}}), i64({1, -1})));
  EXPECT_TRUE(equal(one("Cast", {f32({0, 2}, {2})}, {{"to", 9}}), i64({0, 1}).to(kBool)));
  EXPECT_TRUE(equal(one("CastLike", {i64({3}), f32({0}, {1})}), f32({3}, {1})));
  EXPECT_OCTET_ERROR(one("Cast", {f32({1}, {1})}, {{"to", 8}}), "element type code 8 has no Octet dtype");
}

TEST(GraphOpsShape, Reductions) {
  Generator gen(octet::test::test_seed(41));
  const Tensor x = randn({2, 3, 4}, gen);
  EXPECT_TRUE(equal(one("ReduceMean", {x}, {{"axes", {-1}}}), F::mean(x, Shape{2}, true)));
  EXPECT_TRUE(equal(one("ReduceMean", {x}, {{"axes", {0, 2}}, {"keepdims", 0}}), F::mean(x, Shape{0, 2}, false)));
  EXPECT_TRUE(equal(one("ReduceMean", {x, i64({1})}), F::mean(x, Shape{1}, true)));  // opset 18's axes input
  EXPECT_TRUE(equal(one("ReduceMean", {x}), F::mean(x, Shape{0, 1, 2}, true)));
  EXPECT_TRUE(equal(one("ReduceMean", {x}, {{"noop_with_empty_axes", 1}}), x));
  EXPECT_TRUE(equal(one("ReduceSum", {i64({1, 2, 3}, {3, 1}), i64({0})}), i64({6}, {1, 1})));
  EXPECT_TRUE(equal(one("ReduceMax", {x, i64({0, 2})}, {{"keepdims", 0}}), std::get<0>(F::max(std::get<0>(F::max(x, 2)), 0))));
  EXPECT_TRUE(equal(one("ReduceMin", {x}, {{"axes", {1}}}), std::get<0>(F::min(x, 1, true))));
  EXPECT_OCTET_ERROR(one("ReduceMean", {x}, {{"axes", {3}}}), "axes entry 3 is out of range for rank 3");
}

TEST(GraphOpsShape, IdentityAndDropoutAtInference) {
  const Tensor x = iota({2, 2});
  EXPECT_TRUE(equal(one("Identity", {x}), x));
  const std::vector<Tensor> d = run_op("Dropout", {x, test::f32_scalar(0.5f)}, {}, 2);
  EXPECT_TRUE(equal(d[0], x));
  EXPECT_TRUE(equal(d[1], ones({2, 2}, kBool)));
  EXPECT_OCTET_ERROR(one("Dropout", {x, test::f32_scalar(0.5f), i64_scalar(1).to(kBool)}),
                     "training_mode = true is not supported (inference only)");
}

}  // namespace
}  // namespace octet::graph
