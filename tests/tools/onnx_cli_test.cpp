// onnx_cli_test.cpp: `octet run`, `octet inspect` and `octet bench` on the committed ONNX models: outputs, listings, timings and error messages.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "graph/graph_test_util.h"
#include "octet/io/numpy.h"
#include "onnx/model_proto_builder.h"
#include "tools/cli_runner.h"

namespace octet {
namespace {

#ifdef OCTET_CLI_PATH

using Result = test::CliResult;
using test::contains;
using test::run_cli;

std::string model(const std::string& name) { return std::string(OCTET_TEST_DATA_DIR) + "/onnx/" + name + ".onnx"; }

std::map<std::string, Tensor> npz(const std::string& name) {
  return io::load_npz(std::string(OCTET_TEST_DATA_DIR) + "/onnx/" + name + ".npz");
}

TEST(OnnxCli, HelpForEachCommand) {
  for (const char* cmd : {"run", "inspect", "bench"}) {
    const Result r = run_cli(std::string(cmd) + " --help");
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_TRUE(contains(r.output, std::string("usage: octet ") + cmd)) << r.output;
  }
  const Result top = run_cli("--help");
  for (const char* cmd : {"run ", "inspect ", "bench "}) EXPECT_TRUE(contains(top.output, cmd)) << top.output;
}

TEST(OnnxCli, RunWritesOnnxRuntimesOutputs) {
  onnx::test::TempDir dir("cli_run");
  const auto data = npz("bert_tiny");
  io::save_npy(dir.file("ids.npy"), data.at("in/input_ids"));
  io::save_npy(dir.file("mask.npy"), data.at("in/attention_mask"));
  for (const char* flag : {"", " --no-optimize"}) {
    const Result r = run_cli("run " + model("bert_tiny") + " --input input_ids=" + dir.file("ids.npy") +
                             " --input=attention_mask=" + dir.file("mask.npy") + " --output " + dir.file("y.npz") +
                             " --threads 2" + flag);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(contains(r.output, "wrote 2 outputs to")) << r.output;
    const auto y = io::load_npz(dir.file("y.npz"));
    EXPECT_LE(graph::test::relative_error(data.at("out/last_hidden_state"), y.at("last_hidden_state")), 1e-4);
    EXPECT_LE(graph::test::relative_error(data.at("out/pooler_output"), y.at("pooler_output")), 1e-4);
  }
}

TEST(OnnxCli, RunPrintsOutputsAndTakesABareFileForOneInput) {
  onnx::test::TempDir dir("cli_print");
  const auto data = npz("resnet_small");
  io::save_npy(dir.file("x.npy"), data.at("in/input"));
  const Result r = run_cli("run " + model("resnet_small") + " --input " + dir.file("x.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "output: float32[2, 10]\n  [")) << r.output;
  const Result one = run_cli("run " + model("resnet_small") + " --input " + dir.file("x.npy") + " --output " +
                             dir.file("y.npy"));
  ASSERT_EQ(one.exit_code, 0) << one.output;
  EXPECT_LE(graph::test::relative_error(data.at("out/output"), io::load_npy(dir.file("y.npy"))), 1e-4);
}

TEST(OnnxCli, RunErrors) {
  onnx::test::TempDir dir("cli_err");
  io::save_npy(dir.file("x.npy"), zeros({2, 3, 64, 64}));
  io::save_npy(dir.file("bad.npy"), zeros({2, 3}));
  struct Case {
    std::string args;
    int code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"run", 2, "octet run: no model given"},
      {"run " + model("resnet_small"), 2, "missing inputs: input float32[batch, 3, 64, 64] (give each with --input"},
      {"run " + model("resnet_small") + " --input foo=" + dir.file("x.npy"), 2,
       "the model has no input 'foo'; its inputs: input float32[batch, 3, 64, 64]"},
      {"run " + model("bert_tiny") + " --input " + dir.file("x.npy"), 2,
       "the model has 2 inputs, so name each: --input NAME=FILE"},
      {"run " + model("resnet_small") + " --input " + dir.file("x.npy") + " --output y.txt", 2,
       "--output must name a .npz or .npy file"},
      {"run " + model("resnet_small") + " --input", 2, "option --input needs a value"},
      {"run " + model("resnet_small") + " --bogus", 2, "unknown option '--bogus'"},
      {"run " + model("resnet_small") + " --threads 0", 2, "--threads needs a positive integer, got '0'"},
      {"run " + dir.file("missing.onnx"), 1, "missing.onnx' does not exist"},
      {"run " + model("resnet_small") + " --input " + dir.file("missing.npy"), 1, "missing.npy"},
      {"run " + model("resnet_small") + " --input x=" + dir.file("x.txt"), 1, "input files must be .npy, .npz or .pb"},
      {"run " + model("resnet_small") + " --input " + dir.file("bad.npy"), 1,
       "graph input 'input' must be float32[batch, 3, 64, 64], got float32[2, 3]"},
  };
  for (const Case& c : cases) {
    const Result r = run_cli(c.args);
    EXPECT_EQ(r.exit_code, c.code) << c.args << "\n" << r.output;
    EXPECT_TRUE(contains(r.output, c.message)) << c.args << "\n" << r.output;
  }
}

TEST(OnnxCli, InspectListsInterfaceOperatorsAndParameters) {
  const Result r = run_cli("inspect " + model("bert_tiny"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "IR version 8, opset 17")) << r.output;
  EXPECT_TRUE(contains(r.output, "input_ids       int64[batch, sequence]")) << r.output;
  EXPECT_TRUE(contains(r.output, "last_hidden_state  float32[batch, sequence, 64]")) << r.output;
  EXPECT_TRUE(contains(r.output, "parameters: 138,112 in 19 initializers, 0.55 MB")) << r.output;
  EXPECT_TRUE(contains(r.output, "LayerNormalization            5\n")) << r.output;
  EXPECT_TRUE(contains(r.output, "unsupported: none")) << r.output;
}

TEST(OnnxCli, InspectListsUnsupportedOperators) {
  onnx::test::TempDir dir("cli_inspect");
  onnx::test::ModelBuilder b;
  b.input("x", {2, 2}).output("y", {});
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Det", {"r"}, {"y"}, "det");
  b.save(dir.file("m.onnx"));
  const Result r = run_cli("inspect " + dir.file("m.onnx"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "Det                           1  (unsupported)")) << r.output;
  EXPECT_TRUE(contains(r.output, "unsupported (1 nodes):\n  node 'det' (Det): Det (domain ai.onnx, opset 17)"))
      << r.output;
  // run refuses it, naming the node.
  const Result run = run_cli("run " + dir.file("m.onnx"));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_TRUE(contains(run.output, "node 'det' (Det): Det (domain ai.onnx, opset 17)")) << run.output;
  EXPECT_EQ(run_cli("inspect").exit_code, 2);
  EXPECT_TRUE(contains(run_cli("inspect a.onnx b.onnx").output, "unexpected argument 'b.onnx'"));
}

TEST(OnnxCli, BenchReportsLatencyThroughputAndProgress) {
  const Result r = run_cli("bench " + model("bert_tiny") + " --batch 2 --dim sequence=8 --iterations 3 --warmup 1 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "(batch 2, 1 threads, optimized)")) << r.output;
  EXPECT_TRUE(contains(r.output, "input input_ids: int64[2, 8]")) << r.output;
  EXPECT_TRUE(contains(r.output, "latency: median ")) << r.output;
  EXPECT_TRUE(contains(r.output, "(3 runs after 1 warm-up)")) << r.output;
  EXPECT_TRUE(contains(r.output, "throughput: ")) << r.output;
  EXPECT_TRUE(contains(r.output, "] 4/4 runs")) << r.output;  // the progress bar on stderr
  const Result quiet = run_cli("bench " + model("resnet_small") + " --iterations 1 --warmup 0 --quiet");
  ASSERT_EQ(quiet.exit_code, 0) << quiet.output;
  EXPECT_FALSE(contains(quiet.output, "runs\n")) << quiet.output;
  EXPECT_TRUE(contains(quiet.output, "input input: float32[1, 3, 64, 64]")) << quiet.output;
}

TEST(OnnxCli, BenchErrors) {
  struct Case {
    std::string args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"bench", "no model given"},
      {"bench " + model("bert_tiny"), "input 'input_ids' int64[batch, sequence]: set dim 1 with --dim sequence=SIZE"},
      {"bench " + model("resnet_small") + " --batch 0", "--batch needs a positive integer, got '0'"},
      {"bench " + model("resnet_small") + " --iterations x", "--iterations needs a positive integer, got 'x'"},
      {"bench " + model("resnet_small") + " --dim sequence", "--dim expects NAME=SIZE, got 'sequence'"},
      {"bench " + model("resnet_small") + " --frobnicate", "unknown option '--frobnicate'"},
  };
  for (const Case& c : cases) {
    const Result r = run_cli(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_TRUE(contains(r.output, c.message)) << c.args << "\n" << r.output;
  }
}

#else

TEST(OnnxCli, NeedsTheCliPath) { GTEST_SKIP() << "OCTET_CLI_PATH is not defined: the octet tool is not built"; }

#endif

}  // namespace
}  // namespace octet
