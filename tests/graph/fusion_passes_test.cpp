// fusion_passes_test.cpp: fold_batch_norm() and fuse_conv_activation(): what they fuse, what they leave, and numeric equivalence.
#include <gtest/gtest.h>

#include "graph/graph_models.h"
#include "graph/graph_test_util.h"

namespace octet::graph {
namespace {

using test::count_ops;

TEST(GraphFoldBatchNorm, ResNetBlock) {
  Generator gen(1);
  Graph g = test::resnet_basic_block(gen);
  const Graph before = g.clone();
  EXPECT_EQ(fold_batch_norm(g), 2);
  EXPECT_EQ(count_ops(g, "BatchNormalization"), 0);
  EXPECT_EQ(count_ops(g, "Conv"), 2);
  // The BN outputs' names live on; BN parameters and the old weights are gone.
  EXPECT_EQ(g.find_value("bn1")->producer()->op_type(), "Conv");
  EXPECT_EQ(g.find_value("bn1.running_var"), nullptr);
  EXPECT_EQ(g.find_value("conv1.weight"), nullptr);
  EXPECT_EQ(g.initializers().size(), 4u);  // two weights, two biases
  EXPECT_NO_THROW(verify(g));
  test::expect_equivalent(before, g, 2, 1e-5, {{"N", 3}});
  EXPECT_EQ(fold_batch_norm(g), 0);
}

Graph gemm_bn(Generator& gen, bool trans_b, bool with_c, float alpha, float beta) {
  Builder b("gemm_bn");
  Value* x = b.input("x", kFloat32, {"N", 6});
  Value* w = b.initializer("w", test::small_randn(trans_b ? Shape{4, 6} : Shape{6, 4}, gen));
  Value* c = with_c ? b.initializer("c", test::small_randn({1, 4}, gen)) : nullptr;
  Value* y = b.add_node("Gemm", {x, w, c}, {{"transB", trans_b ? 1 : 0}, {"alpha", alpha}, {"beta", beta}}, {.name = "fc"});
  b.output(test::batch_norm(b, y, "bn", 4, gen), "y");
  return b.finish();
}

TEST(GraphFoldBatchNorm, GemmEveryForm) {
  Generator gen(3);
  for (bool trans_b : {false, true}) {
    for (bool with_c : {false, true}) {
      Graph g = gemm_bn(gen, trans_b, with_c, 0.5f, 2.0f);
      const Graph before = g.clone();
      ASSERT_EQ(fold_batch_norm(g), 1) << trans_b << with_c;
      EXPECT_EQ(count_ops(g, "BatchNormalization"), 0);
      EXPECT_EQ(g.outputs()[0]->name(), "y");
      EXPECT_EQ(g.find_node("fc")->attr_float("beta"), 1.0f);
      test::expect_equivalent(before, g, 4, 1e-5, {{"N", 5}});
    }
  }
}

TEST(GraphFoldBatchNorm, SharedParameterInitializers) {
  // One initializer as both the BN bias and its mean, and the conv weight reused elsewhere.
  Generator gen(4);
  Builder b("g");
  Value* x = b.input("x", kFloat32, {1, 2, 3, 3});
  Value* w = b.initializer("w", randn({2, 2, 1, 1}, gen));
  Value* z = b.initializer("z", F::mul(randn({2}, gen), 0.1));
  Value* y = b.add_node("Conv", {x, w}, {}, {.name = "conv"});
  b.output(b.add_node("BatchNormalization", {y, b.constant(full({2}, 1.5)), z, z, b.constant(full({2}, 2.0))}));
  b.output(b.add_node("Conv", {x, w}, {}, {.name = "other"}));
  Graph g = b.finish();
  const Graph before = g.clone();
  EXPECT_EQ(fold_batch_norm(g), 1);
  EXPECT_EQ(g.find_value("z"), nullptr);
  EXPECT_NE(g.find_value("w"), nullptr);  // still read by the other conv
  test::expect_equivalent(before, g, 5, 1e-5);
}

TEST(GraphFoldBatchNorm, LeavesWhatItCannotFold) {
  Generator gen(5);
  {
    // The Conv output has a second reader.
    Graph g = test::resnet_basic_block(gen);
    g.add_output(g.find_value("conv1"));
    EXPECT_EQ(fold_batch_norm(g), 1);
  }
  {
    // BN parameters fed at run time.
    Builder b("g");
    Value* x = b.input("x", kFloat32, {1, 2, 3, 3});
    Value* y = b.add_node("Conv", {x, b.initializer("w", randn({2, 2, 1, 1}, gen))}, {}, {.name = "conv"});
    Value* s = b.input("scale", kFloat32, {2});
    b.output(b.add_node("BatchNormalization", {y, s, b.constant(zeros({2})), b.constant(zeros({2})), b.constant(ones({2}))}));
    Graph g = b.finish();
    EXPECT_EQ(fold_batch_norm(g), 0);
  }
  {
    // After a MatMul (not Conv/Gemm).
    Builder b("g");
    Value* x = b.input("x", kFloat32, {2, 3});
    Value* y = b.add_node("MatMul", {x, b.initializer("w", randn({3, 2}, gen))});
    b.output(test::batch_norm(b, y, "bn", 2, gen));
    Graph g = b.finish();
    EXPECT_EQ(fold_batch_norm(g), 0);
  }
}

TEST(GraphFuseActivation, ConvReluConvClipGemmRelu) {
  Generator gen(6);
  Builder b("g", 13);
  Value* x = b.input("x", kFloat32, {"N", 3, 6, 6});
  Value* y = b.add_node("Conv", {x, b.initializer("w1", test::small_randn({4, 3, 3, 3}, gen))}, {{"pads", {1, 1, 1, 1}}},
                        {.name = "conv1"});
  y = b.add_node("Relu", {y}, {}, {.name = "relu1"});
  y = b.add_node("Conv", {y, b.initializer("w2", test::small_randn({4, 4, 1, 1}, gen)), b.initializer("b2", test::small_randn({4}, gen))},
                 {}, {.name = "conv2"});
  y = b.add_node("Clip", {y, b.scalar(0.0), b.scalar(0.5)}, {}, {.name = "relu6"});
  y = b.add_node("Flatten", {y});
  y = b.add_node("Gemm", {y, b.initializer("fc.w", test::small_randn({5, 144}, gen)), b.initializer("fc.b", test::small_randn({5}, gen))},
                 {{"transB", 1}}, {.name = "fc"});
  b.output(b.add_node("Relu", {y}, {}, {.name = "out"}));
  Graph g = b.finish();
  const Graph before = g.clone();
  EXPECT_EQ(fuse_conv_activation(g), 3);
  EXPECT_EQ(count_ops(g, "Relu") + count_ops(g, "Clip") + count_ops(g, "Conv") + count_ops(g, "Gemm"), 0);
  const Node* conv2 = g.find_node("conv2");
  ASSERT_NE(conv2, nullptr);
  EXPECT_EQ(to_string(*conv2), "%relu6 = octet::FusedConv[activation=\"Clip\", activation_params=[0, 0.5]](%relu1, %w2, %b2)  # conv2");
  EXPECT_EQ(g.find_node("fc")->op_type(), "FusedGemm");
  EXPECT_EQ(g.outputs()[0]->name(), "out");
  test::expect_equivalent(before, g, 7, 0.0, {{"N", 2}});
}

TEST(GraphFuseActivation, ClipAttributesBeforeOpset11AndWhatStaysUnfused) {
  Generator gen(8);
  Builder b("g", 6);
  Value* x = b.input("x", kFloat32, {1, 2, 4, 4});
  Value* y = b.add_node("Conv", {x, b.initializer("w", randn({2, 2, 1, 1}, gen))}, {}, {.name = "conv"});
  b.output(b.add_node("Clip", {y}, {{"min", -0.5f}, {"max", 0.5f}}, {.name = "clip"}));
  Graph g = b.finish();
  const Graph before = g.clone();
  EXPECT_EQ(fuse_conv_activation(g), 1);
  EXPECT_EQ(g.find_node("conv")->attr_floats("activation_params"), (std::vector<float>{-0.5f, 0.5f}));
  test::expect_equivalent(before, g, 9, 0.0);

  Builder c("g");
  Value* in = c.input("x", kFloat32, {1, 2, 4, 4});
  Value* lo = c.input("lo", kFloat32, {});
  Value* conv = c.add_node("Conv", {in, c.initializer("w", randn({2, 2, 1, 1}, gen))}, {}, {.name = "conv"});
  c.output(c.add_node("Clip", {conv, lo}));                                  // a bound fed at run time
  Value* conv2 = c.add_node("Conv", {in, c.initializer("w2", randn({2, 2, 1, 1}, gen))}, {}, {.name = "conv2"});
  c.output(c.add_node("Relu", {conv2}));
  c.output(conv2);                                                           // the Conv output is read elsewhere
  Graph h = c.finish();
  EXPECT_EQ(fuse_conv_activation(h), 0);
}

}  // namespace
}  // namespace octet::graph
