// real_models_test.cpp: real architectures exported from PyTorch (tests/data/onnx, made by scripts/models/export_onnx_models.py) give ONNX Runtime's outputs in Octet.
//
// Each model runs as imported, after graph::optimize (BatchNorm folding, LayerNorm/GELU
// recognition, Conv+activation fusion), and with a batch of one (its symbolic batch dim bound to
// 1, compared with the first row of ONNX Runtime's answer). Relative error: max |octet - ort| /
// max |ort| <= 1e-4 for every output.
#include <gtest/gtest.h>

#include <string>

#include "graph/graph_test_util.h"
#include "octet/graph/interpreter.h"
#include "octet/graph/passes.h"
#include "octet/io/numpy.h"
#include "octet/onnx/import.h"

namespace octet::onnx {
namespace {

constexpr double kTolerance = 1e-4;

struct Case {
  graph::Graph g;
  std::map<std::string, Tensor> feeds;     // by input name
  std::map<std::string, Tensor> expected;  // by output name
};

Case load_case(const std::string& name) {
  const std::string base = std::string(OCTET_TEST_DATA_DIR) + "/onnx/" + name;
  Case c;
  c.g = load_model(base + ".onnx");
  for (auto& [key, t] : io::load_npz(base + ".npz")) {
    if (key.rfind("in/", 0) == 0) c.feeds[key.substr(3)] = t;
    if (key.rfind("out/", 0) == 0) c.expected[key.substr(4)] = t;
  }
  return c;
}

void expect_matches(const graph::Graph& g, const std::map<std::string, Tensor>& feeds,
                    const std::map<std::string, Tensor>& expected, const std::string& label) {
  graph::Interpreter run(g);
  const std::map<std::string, Tensor> got = run.run_named(feeds);
  ASSERT_EQ(got.size(), expected.size()) << label;
  for (const auto& [name, want] : expected) {
    ASSERT_TRUE(got.count(name)) << label << ": no output '" << name << "'";
    const double err = graph::test::relative_error(want, got.at(name));
    EXPECT_LE(err, kTolerance) << label << ": output '" << name << "' " << shape_to_string(got.at(name).shape());
  }
}

// The first entry of the batch of every input and output (batch dim 0, or 1 for an RNN's h_n).
std::map<std::string, Tensor> first_of_batch(const std::map<std::string, Tensor>& tensors) {
  std::map<std::string, Tensor> out;
  for (const auto& [name, t] : tensors) {
    const int64_t dim = name == "h_n" ? 1 : 0;
    out[name] = t.narrow(dim, 0, 1).contiguous();
  }
  return out;
}

class RealModel : public ::testing::TestWithParam<std::string> {};

TEST_P(RealModel, MatchesOnnxRuntime) {
  Case c = load_case(GetParam());
  // The batch dim is symbolic, as exported.
  const graph::TensorType& in = c.g.inputs().front()->type();
  ASSERT_TRUE(in.shape.has_value());
  EXPECT_TRUE((*in.shape)[0].is_symbolic()) << in.to_string();
  expect_matches(c.g, c.feeds, c.expected, GetParam() + " as imported");
  expect_matches(c.g, first_of_batch(c.feeds), first_of_batch(c.expected), GetParam() + " batch 1");
}

TEST_P(RealModel, MatchesOnnxRuntimeAfterOptimize) {
  Case c = load_case(GetParam());
  const int64_t nodes_before = c.g.num_nodes();
  graph::optimize(c.g);
  EXPECT_LT(c.g.num_nodes(), nodes_before) << "optimize() should simplify an exported model";
  expect_matches(c.g, c.feeds, c.expected, GetParam() + " optimized");
}

INSTANTIATE_TEST_SUITE_P(Onnx, RealModel,
                         ::testing::Values("resnet_small", "mobilenet_v2_small", "efficientnet_small", "bert_tiny",
                                           "bert_tiny_opset13", "rnn_small", "resize_pad_small"));

// The optimizations that should fire on each architecture do.
TEST(RealModelPasses, ResNetFusesConvRelu) {
  Case c = load_case("resnet_small");
  graph::optimize(c.g);
  // The stem and each block's first conv take their Relu; the Relus after the residual Adds stay.
  EXPECT_EQ(graph::test::count_ops(c.g, "FusedConv"), 5) << c.g;
  EXPECT_EQ(graph::test::count_ops(c.g, "Relu"), 4) << c.g;
}

TEST(RealModelPasses, BertOpset13RecognisesLayerNormAndGelu) {
  Case c = load_case("bert_tiny_opset13");
  graph::optimize(c.g);
  EXPECT_EQ(graph::test::count_ops(c.g, "LayerNormalization"), 5);
  EXPECT_EQ(graph::test::count_ops(c.g, "Gelu"), 2);
  EXPECT_EQ(graph::test::count_ops(c.g, "Erf"), 0);
}

}  // namespace
}  // namespace octet::onnx
