// export_test.cpp: onnx::export_model: import -> export -> import gives the same outputs, fused operators decomposed or kept, LayerNorm/GELU written out, opset conversion.
#include <gtest/gtest.h>

#include "common/test_util.h"
#include "graph/graph_test_util.h"
#include "octet/graph/interpreter.h"
#include "octet/graph/passes.h"
#include "octet/io/numpy.h"
#include "octet/onnx/export.h"
#include "octet/onnx/import.h"
#include "onnx/model_proto_builder.h"

namespace octet::onnx {
namespace {

using graph::test::count_ops;

std::string data_path(const std::string& name) { return std::string(OCTET_TEST_DATA_DIR) + "/onnx/" + name; }

std::map<std::string, Tensor> feeds_of(const std::string& name) {
  std::map<std::string, Tensor> feeds;
  for (auto& [key, t] : io::load_npz(data_path(name + ".npz"))) {
    if (key.rfind("in/", 0) == 0) feeds[key.substr(3)] = t;
  }
  return feeds;
}

std::map<std::string, Tensor> run(const graph::Graph& g, const std::map<std::string, Tensor>& feeds) {
  graph::Interpreter interpreter(g);
  return interpreter.run_named(feeds);
}

// Outputs equal (tol 0: bit for bit) or within a relative error.
void expect_same(const std::map<std::string, Tensor>& want, const std::map<std::string, Tensor>& got, double tol,
                 const std::string& label) {
  ASSERT_EQ(want.size(), got.size()) << label;
  for (const auto& [name, t] : want) {
    ASSERT_TRUE(got.count(name)) << label << ": no output " << name;
    if (tol == 0) {
      EXPECT_TRUE(equal(t, got.at(name))) << label << ": output " << name;
    } else {
      EXPECT_LE(graph::test::relative_error(t, got.at(name)), tol) << label << ": output " << name;
    }
  }
}

class RoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(RoundTrip, AsImportedIsBitExact) {
  const graph::Graph g = load_model(data_path(GetParam() + ".onnx"));
  const auto feeds = feeds_of(GetParam());
  const graph::Graph back = import_model(export_model(g));
  EXPECT_EQ(back.num_nodes(), g.num_nodes());
  EXPECT_EQ(back.opset(), g.opset());
  ASSERT_EQ(back.inputs().size(), g.inputs().size());
  for (size_t i = 0; i < g.inputs().size(); ++i) EXPECT_EQ(back.inputs()[i]->type(), g.inputs()[i]->type());
  expect_same(run(g, feeds), run(back, feeds), 0, GetParam());
}

TEST_P(RoundTrip, OptimizedDecomposedOrKept) {
  graph::Graph g = load_model(data_path(GetParam() + ".onnx"));
  const auto feeds = feeds_of(GetParam());
  graph::optimize(g);
  const auto want = run(g, feeds);
  ExportOptions keep;
  keep.fused_ops = FusedOps::KeepOctetDomain;
  const graph::Graph plain = import_model(export_model(g));
  const graph::Graph kept = import_model(export_model(g, keep));
  EXPECT_EQ(count_ops(plain, "FusedConv") + count_ops(plain, "FusedGemm"), 0);
  EXPECT_EQ(count_ops(kept, "FusedConv"), count_ops(g, "FusedConv"));
  // Written-out LayerNorm and GELU compute the same function, rounded differently.
  expect_same(want, run(plain, feeds), 1e-5, GetParam() + " decomposed");
  expect_same(want, run(kept, feeds), 1e-5, GetParam() + " octet domain");
}

INSTANTIATE_TEST_SUITE_P(Onnx, RoundTrip,
                         ::testing::Values("resnet_small", "mobilenet_v2_small", "efficientnet_small", "bert_tiny",
                                           "bert_tiny_opset13", "rnn_small", "resize_pad_small"));

TEST(OnnxExport, FusedOpsAreWrittenBackAsConvAndActivation) {
  graph::Graph g = load_model(data_path("mobilenet_v2_small.onnx"));
  graph::optimize(g);
  const int64_t fused = count_ops(g, "FusedConv");
  ASSERT_GT(fused, 0);
  const graph::Graph back = import_model(export_model(g));
  EXPECT_EQ(count_ops(back, "FusedConv"), 0);
  EXPECT_EQ(count_ops(back, "Conv"), count_ops(g, "Conv") + fused);
  EXPECT_EQ(count_ops(back, "Clip"), fused);  // ReLU6: Clip with constant bounds as inputs (opset 17)
  ExportOptions keep;
  keep.fused_ops = FusedOps::KeepOctetDomain;
  ModelInfo info;
  import_model(export_model(g, keep), "", {}, &info);
  EXPECT_EQ(info.opset_imports.at("octet"), 1);
  EXPECT_EQ(info.producer_name, "octet");
}

TEST(OnnxExport, LayerNormAndGeluAreWrittenOutBelowTheirOpsets) {
  graph::Graph g = load_model(data_path("bert_tiny_opset13.onnx"));
  graph::optimize(g);
  ASSERT_EQ(count_ops(g, "LayerNormalization"), 5);
  ASSERT_EQ(count_ops(g, "Gelu"), 2);
  graph::Graph back = import_model(export_model(g));
  EXPECT_EQ(back.opset(), 13);
  EXPECT_EQ(count_ops(back, "LayerNormalization"), 0);
  EXPECT_EQ(count_ops(back, "Gelu"), 0);
  // Octet's passes recognise what the exporter wrote.
  graph::optimize(back);
  EXPECT_EQ(count_ops(back, "LayerNormalization"), 5);
  EXPECT_EQ(count_ops(back, "Gelu"), 2);
  // At opset 17 LayerNormalization stays an operator.
  graph::Graph g17 = load_model(data_path("bert_tiny.onnx"));
  graph::optimize(g17);
  EXPECT_EQ(count_ops(import_model(export_model(g17)), "LayerNormalization"), 5);
}

TEST(OnnxExport, TanhGeluIsWrittenOut) {
  graph::Builder b("gelu");
  graph::Value* x = b.input("x", kFloat32, {"N", 8});
  b.output(b.add_node("Gelu", {x}, {{"approximate", "tanh"}}), "y");
  const graph::Graph g = b.finish();
  const graph::Graph back = import_model(export_model(g));
  EXPECT_EQ(count_ops(back, "Tanh"), 1);
  graph::test::expect_equivalent(g, back, 3, 1e-6, {{"N", 5}});
}

TEST(OnnxExport, ConvertsOpsets) {
  const graph::Graph g = load_model(data_path("bert_tiny_opset13.onnx"));
  ExportOptions to17;
  to17.opset = 17;
  const graph::Graph up = import_model(export_model(g, to17));
  EXPECT_EQ(up.opset(), 17);
  const auto feeds = feeds_of("bert_tiny_opset13");
  expect_same(run(g, feeds), run(up, feeds), 1e-6, "opset 13 -> 17");
  // libonnx 1.12 has few adapters down: going down is usually a clear Error.
  const graph::Graph r = load_model(data_path("resnet_small.onnx"));
  ExportOptions to11;
  to11.opset = 11;
  EXPECT_OCTET_ERROR(export_model(r, to11), "converting the opset failed: ");
}

TEST(OnnxExport, Errors) {
  const graph::Graph g = load_model(data_path("resnet_small.onnx"));
  ExportOptions bad;
  bad.opset = 18;
  EXPECT_OCTET_ERROR(export_model(g, bad), "onnx export: opset 18 is outside the range Octet writes (11 to 17)");
  bad.opset = 7;
  EXPECT_OCTET_ERROR(export_model(g, bad), "opset 7 is outside the range");

  graph::Builder q("quantized");
  graph::Value* x = q.input("x", kFloat32, {2});
  graph::Value* w = q.initializer("w", quantize_per_tensor(ones({2}), 0.1, 0, kQInt8));
  q.output(q.add_node("DequantizeLinearLike", {x, w}, {}, {.domain = "com.example"}), "y");
  graph::Graph qg = std::move(q.graph());
  EXPECT_OCTET_ERROR(export_model(qg), "tensor 'w' is quantized (qint8)");

  graph::Builder u("unknown_rank");
  graph::Value* ux = u.input("x", kFloat32, {2});
  u.output(u.add_node("Mystery", {ux}, {}, {.domain = "com.example"}), "y");
  graph::Graph ug = std::move(u.graph());
  EXPECT_OCTET_ERROR(export_model(ug), "output 'y' has type ?[...]; ONNX needs the element type and rank");

  test::TempDir dir("export");
  EXPECT_OCTET_ERROR(save_model(g, dir.file("no/such/folder/m.onnx")), "cannot be written");
  save_model(g, dir.file("m.onnx"));
  EXPECT_EQ(load_model(dir.file("m.onnx")).num_nodes(), g.num_nodes());
}

}  // namespace
}  // namespace octet::onnx
