// import_test.cpp: onnx::load_model / import_model: types, opsets, initializers of every dtype, unsupported operators, malformed files.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "common/test_util.h"
#include "octet/graph/interpreter.h"
#include "octet/graph/printer.h"
#include "octet/onnx/import.h"
#include "onnx/model_proto_builder.h"

namespace octet::onnx {
namespace {

using test::ModelBuilder;
using test::TempDir;

// x -> Relu -> Add(bias) -> y, with a symbolic batch.
ModelBuilder relu_add_model(int64_t opset = 17) {
  ModelBuilder b(opset);
  b.input("x", {-1, 3}).output("y", {-1, 3});
  b.float_initializer("bias", {3}, {1, 2, 3});
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Add", {"r", "bias"}, {"y"}, "add");
  return b;
}

TEST(OnnxImport, ImportsTypesSymbolsAndRuns) {
  ModelInfo info;
  const graph::Graph g = import_model(relu_add_model().bytes(), "", {}, &info);
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.inputs()[0]->type().to_string(), "float32[N, 3]");
  EXPECT_EQ(g.find_value("r")->type().to_string(), "float32[N, 3]");  // inferred
  EXPECT_EQ(g.opset(), 17);
  EXPECT_EQ(info.producer_name, "octet-test");
  EXPECT_EQ(info.ir_version, 8);
  EXPECT_TRUE(info.unsupported.empty());
  const Tensor x = from_vector(std::vector<float>{-1, 0.5f, 2, 3, -4, 0}, {2, 3});
  const Tensor y = graph::run_graph(g, {x})[0];
  EXPECT_TRUE(equal(y, from_vector(std::vector<float>{1, 2.5f, 5, 4, 2, 3}, {2, 3})));
}

TEST(OnnxImport, LoadsFromAFile) {
  TempDir dir("file");
  relu_add_model().save(dir.file("m.onnx"));
  const graph::Graph g = load_model(dir.file("m.onnx"));
  EXPECT_EQ(g.num_nodes(), 2);
}

TEST(OnnxImport, MissingOrEmptyFilesAreErrors) {
  TempDir dir("missing");
  EXPECT_OCTET_ERROR(load_model(dir.file("nope.onnx")), "nope.onnx' does not exist");
  EXPECT_OCTET_ERROR(load_model(dir.path().string()), "is not a file");
  test::write_file(dir.file("empty.onnx"), "");
  EXPECT_OCTET_ERROR(load_model(dir.file("empty.onnx")), "the model is empty (0 bytes)");
  test::write_file(dir.file("text.onnx"), "this is not a protobuf message, just text\n");
  EXPECT_OCTET_ERROR(load_model(dir.file("text.onnx")), "not a valid ONNX model");
}

// Every prefix of a model file either imports or is an Error; never a crash, never another exception.
TEST(OnnxImport, TruncatedFilesAreErrors) {
  const std::string bytes = relu_add_model().bytes();
  int errors = 0;
  for (size_t n = 1; n < bytes.size(); ++n) {
    try {
      import_model(std::string_view(bytes).substr(0, n));
    } catch (const Error&) {
      ++errors;
    }
  }
  // A cut exactly between two fields can leave a valid (smaller) model; most cuts cannot.
  EXPECT_GT(errors, static_cast<int>(bytes.size()) * 9 / 10);
  EXPECT_OCTET_ERROR(import_model(std::string_view(bytes).substr(0, bytes.size() / 2)), "onnx: <memory>");
}

TEST(OnnxImport, BitFlippedFilesAreErrorsOrValidModels) {
  const std::string bytes = relu_add_model().bytes();
  std::mt19937_64 rng(octet::test::test_seed(7));
  int errors = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string flipped = bytes;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < flips; ++k) {
      flipped[rng() % flipped.size()] ^= static_cast<char>(1u << (rng() % 8));
    }
    try {
      const graph::Graph g = import_model(flipped);
      // A flip that leaves a valid model must leave a runnable one.
      graph::Interpreter run(g);
      (void)run;
    } catch (const Error&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 500);
}

TEST(OnnxImport, UnsupportedOperatorNamesNodeOpAndOpset) {
  ModelBuilder b;
  b.input("x", {2}).output("y", {2});
  b.node("Relu", {"x"}, {"r"}, "fine");
  b.node("FancyOp", {"r"}, {"y"}, "my_node", "com.example");
  auto* op = b.model().add_opset_import();
  op->set_domain("com.example");
  op->set_version(3);
  EXPECT_OCTET_ERROR(import_model(b.bytes()),
                     "an operator Octet does not support:\n  node 'my_node' (com.example::FancyOp): "
                     "com.example::FancyOp (domain com.example, opset 3)");
  ImportOptions lenient;
  lenient.allow_unsupported = true;
  ModelInfo info;
  const graph::Graph g = import_model(b.bytes(), "", lenient, &info);
  ASSERT_EQ(info.unsupported.size(), 1u);
  EXPECT_NE(info.unsupported[0].find("FancyOp"), std::string::npos);
  EXPECT_OCTET_ERROR(graph::Interpreter run(g), "unsupported operator com.example::FancyOp");
}

TEST(OnnxImport, EveryUnsupportedNodeIsListed) {
  ModelBuilder b;
  b.input("x", {2, 2}).output("y", {});
  b.node("Hardmax", {"x"}, {"a"}, "first");
  b.node("Det", {"a"}, {"y"}, "second");
  EXPECT_OCTET_ERROR(import_model(b.bytes()), "operators Octet does not support:\n  node 'first' (Hardmax): Hardmax (domain ai.onnx, opset 17)\n  node 'second' (Det)");
}

TEST(OnnxImport, OpsetRange) {
  EXPECT_OCTET_ERROR(import_model(relu_add_model(18).bytes()), "opset 18 is newer than Octet supports (11 to 17)");
  // An older model is raised to opset 11 by libonnx's version converter.
  ModelInfo info;
  const graph::Graph g = import_model(relu_add_model(9).bytes(), "", {}, &info);
  EXPECT_EQ(info.file_opset, 9);
  EXPECT_EQ(g.opset(), 11);
  ImportOptions strict;
  strict.convert_old_opsets = false;
  EXPECT_OCTET_ERROR(import_model(relu_add_model(9).bytes(), "", strict), "opset 9 is older than Octet supports");
}

TEST(OnnxImport, NewerIrVersionsAtKnownOpsets) {
  // IR 10 (ONNX 1.16) at opset 17: checked as the newest IR libonnx knows.
  ModelBuilder b = relu_add_model();
  b.model().set_ir_version(10);
  ModelInfo info;
  const graph::Graph g = import_model(b.bytes(), "", {}, &info);
  EXPECT_EQ(info.ir_version, 10);
  EXPECT_EQ(g.num_nodes(), 2);
}

TEST(OnnxImport, CheckerErrorsAreReported) {
  ModelBuilder b;
  b.input("x", {2}).output("y", {2});
  b.node("Relu", {"x", "x"}, {"y"}, "two_inputs");  // Relu takes one input
  EXPECT_OCTET_ERROR(import_model(b.bytes()), "the ONNX checker rejects the model");
  ImportOptions unchecked;
  unchecked.check = false;
  EXPECT_OCTET_ERROR(import_model(b.bytes(), "", unchecked), "node 'two_inputs' (Relu): takes 1 input, got 2");
}

TEST(OnnxImport, StructuralErrorsNameTheNodeOrValue) {
  ImportOptions unchecked;
  unchecked.check = false;
  {
    ModelBuilder b;
    b.input("x", {2}).output("y", {2});
    b.node("Relu", {"nowhere"}, {"y"}, "dangling");
    EXPECT_OCTET_ERROR(import_model(b.bytes(), "", unchecked),
                       "node 'dangling' (Relu): input 'nowhere' is not a graph input, an initializer or the output of an "
                       "earlier node");
  }
  {
    ModelBuilder b;
    b.input("x", {2}).output("y", {2});
    b.node("Relu", {"x"}, {"y"}, "a");
    b.node("Relu", {"x"}, {"y"}, "b");
    EXPECT_OCTET_ERROR(import_model(b.bytes(), "", unchecked), "node 'b' (Relu): output 'y' is already defined");
  }
  {
    ModelBuilder b;
    b.input("x", {2}).output("missing", {2});
    b.node("Relu", {"x"}, {"y"}, "a");
    EXPECT_OCTET_ERROR(import_model(b.bytes(), "", unchecked), "graph output 'missing' is not produced");
  }
  {
    ModelBuilder b;
    b.input("x", {2}).output("y", {2});
    b.float_initializer("w", {2}, {1, 2});
    b.float_initializer("w", {2}, {3, 4});
    b.node("Add", {"x", "w"}, {"y"});
    EXPECT_OCTET_ERROR(import_model(b.bytes(), "", unchecked), "initializer 'w' is defined twice");
  }
  {
    // A declared output type that contradicts what the inputs give.
    ModelBuilder b;
    b.input("x", {2, 3}).output("y", {3, 2});
    b.node("Relu", {"x"}, {"y"}, "relu");
    EXPECT_OCTET_ERROR(import_model(b.bytes(), "", unchecked), "output 'y' is declared float32[3, 2]");
  }
}

TEST(OnnxImport, InitializersOfEveryDtype) {
  // Each dtype twice: raw_data and ONNX's typed field; Identity nodes make them outputs.
  ModelBuilder b;
  const std::vector<std::pair<int, DType>> types = {{1, kFloat32}, {11, kFloat64}, {10, kFloat16}, {16, kBFloat16},
                                                    {3, kInt8},    {5, kInt16},    {6, kInt32},   {7, kInt64},
                                                    {2, kUInt8},   {9, kBool}};
  const std::vector<double> values = {0, 1, -2, 3};
  for (const auto& [code, dtype] : types) {
    const Tensor t = from_vector(std::vector<double>(values), {2, 2});
    const Tensor typed = (dtype == kBool ? t.to(kInt64).to(kBool) : (dtype == kUInt8 ? t.to(kInt64).to(kUInt8) : t.to(dtype)));
    const Tensor c = typed.contiguous();
    const std::string name(dtype_name(dtype));
    b.initializer("raw_" + name, code, {2, 2}, c.raw_data(), c.nbytes());
    auto* f = b.model().mutable_graph()->add_initializer();
    f->set_name("typed_" + name);
    f->set_data_type(code);
    f->add_dims(2);
    f->add_dims(2);
    for (int64_t i = 0; i < 4; ++i) {
      const Tensor e = c.reshape({4})[i];
      switch (code) {
        case 1: f->add_float_data(e.item<float>()); break;
        case 11: f->add_double_data(e.item<double>()); break;
        case 7: f->add_int64_data(e.item<int64_t>()); break;
        case 10: case 16: f->add_int32_data(static_cast<const uint16_t*>(c.raw_data())[i]); break;
        default: f->add_int32_data(static_cast<int32_t>(e.item<int64_t>())); break;
      }
    }
    for (const std::string& kind : {std::string("raw_"), std::string("typed_")}) {
      b.node("Identity", {kind + name}, {kind + name + "_out"});
      b.output(kind + name + "_out", {2, 2}, code);
    }
  }
  b.input("unused", {1});
  const graph::Graph g = import_model(b.bytes());
  const std::vector<Tensor> outs = graph::run_graph(g, {ones({1})});
  ASSERT_EQ(outs.size(), types.size() * 2);
  for (size_t i = 0; i < types.size(); ++i) {
    const DType dtype = types[i].second;
    const Tensor raw = outs[2 * i], typed = outs[2 * i + 1];
    EXPECT_EQ(raw.dtype(), dtype);
    EXPECT_TRUE(equal(raw, typed)) << dtype_name(dtype) << "\n" << raw << "\n" << typed;
    const Tensor back = raw.to(kFloat64);
    for (int64_t k = 0; k < 4; ++k) {
      double want = values[static_cast<size_t>(k)];
      if (dtype == kBool) want = want != 0 ? 1 : 0;
      if (dtype == kUInt8 && want < 0) want += 256;
      EXPECT_EQ(back.reshape({4}).at<double>({k}), want) << dtype_name(dtype) << " element " << k;
    }
  }
}

TEST(OnnxImport, InitializerErrors) {
  ImportOptions unchecked;
  unchecked.check = false;
  const uint16_t u16[2] = {1, 2};
  {
    ModelBuilder b;
    b.input("x", {2}).output("y", {2});
    b.initializer("w", 4, {2}, u16, sizeof(u16));  // uint16
    b.node("Add", {"x", "w"}, {"y"});
    EXPECT_OCTET_ERROR(import_model(b.bytes(), "", unchecked),
                       "initializer 'w': element type uint16 (4) has no Octet dtype");
  }
  {
    ModelBuilder b;
    b.input("x", {2}).output("y", {2});
    b.float_initializer("w", {3}, {1, 2});  // 8 bytes for 3 floats
    b.node("Add", {"x", "w"}, {"y"});
    EXPECT_OCTET_ERROR(import_model(b.bytes(), "", unchecked), "initializer 'w': holds 8 bytes of data but float32[3] needs 12");
  }
  {
    ModelBuilder b;
    b.input("x", {2}).output("y", {2});
    auto* t = b.model().mutable_graph()->add_initializer();
    t->set_name("w");
    t->set_data_type(1);
    t->add_dims(2);
    t->add_float_data(1);  // one value for two elements
    b.node("Add", {"x", "w"}, {"y"});
    EXPECT_OCTET_ERROR(import_model(b.bytes(), "", unchecked), "initializer 'w': float_data holds 1 elements but the dims need 2");
  }
  {
    ModelBuilder b;
    b.input("x", {2}).output("y", {2});
    auto* t = b.float_initializer("w", {2}, {1, 2});
    t->set_dims(0, -2);
    b.node("Add", {"x", "w"}, {"y"});
    EXPECT_OCTET_ERROR(import_model(b.bytes(), "", unchecked), "initializer 'w': dim 0 is negative (-2)");
  }
  {
    ModelBuilder b;
    b.input("x", {2}).output("y", {2});
    auto* t = b.float_initializer("w", {2}, {1, 2});
    t->set_dims(0, int64_t{1} << 40);
    t->add_dims(int64_t{1} << 40);
    b.node("Add", {"x", "w"}, {"y"});
    EXPECT_OCTET_ERROR(import_model(b.bytes(), "", unchecked), "initializer 'w': the dims hold too many elements");
  }
}

TEST(OnnxImport, InitializerListedAsInputIsAnOverridableDefault) {
  ModelBuilder b;
  b.input("x", {3}).input("bias", {3}).output("y", {3});
  b.float_initializer("bias", {3}, {1, 1, 1});
  b.node("Add", {"x", "bias"}, {"y"});
  const graph::Graph g = import_model(b.bytes());
  ASSERT_EQ(g.inputs().size(), 2u);
  graph::Interpreter run(g);
  const Tensor x = zeros({3});
  EXPECT_TRUE(equal(run.run_named({{"x", x}}).at("y"), ones({3})));
  EXPECT_TRUE(equal(run.run_named({{"x", x}, {"bias", full({3}, 2.0)}}).at("y"), full({3}, 2.0)));
  // Before IR 4 every initializer had to be listed as an input: there it stays a constant.
  ModelBuilder old(11, 3);
  old.input("x", {3}).input("bias", {3}).output("y", {3});
  old.float_initializer("bias", {3}, {1, 1, 1});
  old.node("Add", {"x", "bias"}, {"y"});
  EXPECT_EQ(import_model(old.bytes()).inputs().size(), 1u);
}

TEST(OnnxImport, OmittedOptionalInputsAndOutputs) {
  // LSTM with no B / sequence_lens (omitted inputs) and Y omitted before Y_h.
  ModelBuilder b(14);
  b.input("x", {2, 1, 3}).output("h", {1, 1, 4});
  std::vector<float> w(16 * 3, 0.1f), r(16 * 4, -0.05f);
  b.float_initializer("W", {1, 16, 3}, w);
  b.float_initializer("R", {1, 16, 4}, r);
  auto* n = b.node("LSTM", {"x", "W", "R", "", "", ""}, {"", "h"}, "lstm");
  ModelBuilder::int_attr(n, "hidden_size", 4);
  const graph::Graph g = import_model(b.bytes());
  const graph::Node* lstm = g.find_node("lstm");
  ASSERT_NE(lstm, nullptr);
  EXPECT_EQ(lstm->input(3), nullptr);
  EXPECT_EQ(lstm->num_outputs(), 2);
  const Tensor h = graph::run_graph(g, {ones({2, 1, 3})})[0];
  EXPECT_EQ(h.shape(), (Shape{1, 1, 4}));
}

TEST(OnnxImport, NonTensorInputsAreErrors) {
  ModelBuilder b;
  auto* in = b.model().mutable_graph()->add_input();
  in->set_name("seq");
  in->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(1);
  b.output("y", {2});
  b.node("SequenceAt", {"seq", "seq"}, {"y"});
  ImportOptions unchecked;
  unchecked.check = false;
  EXPECT_OCTET_ERROR(import_model(b.bytes(), "", unchecked), "graph input 'seq' is not a tensor");
}

TEST(OnnxImport, LoadTensorReadsTensorProtoFiles) {
  TempDir dir("tensor");
  ::onnx::TensorProto t;
  t.set_name("x");
  t.set_data_type(7);
  t.add_dims(3);
  for (int64_t v : {5, -6, 7}) t.add_int64_data(v);
  test::write_file(dir.file("x.pb"), t.SerializeAsString());
  std::string name;
  const Tensor x = load_tensor(dir.file("x.pb"), &name);
  EXPECT_EQ(name, "x");
  EXPECT_TRUE(equal(x, from_vector(std::vector<int64_t>{5, -6, 7})));
  test::write_file(dir.file("bad.pb"), "");
  EXPECT_OCTET_ERROR(load_tensor(dir.file("bad.pb")), "not a serialized TensorProto");
}

}  // namespace
}  // namespace octet::onnx
