// external_data_test.cpp: initializers in external data files: read from the model's folder only, every range and path checked.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/test_util.h"
#include "octet/graph/interpreter.h"
#include "octet/onnx/import.h"
#include "onnx/model_proto_builder.h"

namespace octet::onnx {
namespace {

namespace fs = std::filesystem;
using test::ModelBuilder;
using test::TempDir;

// y = x + w, with w's 4 floats in an external file at `location`.
ModelBuilder external_model(const std::string& location, int64_t offset = -1, int64_t length = -1) {
  ModelBuilder b;
  b.input("x", {4}).output("y", {4});
  auto* w = b.model().mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(1);
  w->add_dims(4);
  w->set_data_location(::onnx::TensorProto::EXTERNAL);
  auto add = [&](const std::string& k, const std::string& v) {
    auto* e = w->add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add("location", location);
  if (offset >= 0) add("offset", std::to_string(offset));
  if (length >= 0) add("length", std::to_string(length));
  b.node("Add", {"x", "w"}, {"y"}, "add");
  return b;
}

// 8 bytes of padding, then the floats 1, 2, 3, 4.
void write_weights(const std::string& path) {
  std::string bytes(8, '\x7f');
  const float w[4] = {1, 2, 3, 4};
  bytes.append(reinterpret_cast<const char*>(w), sizeof(w));
  test::write_file(path, bytes);
}

TEST(OnnxExternalData, ReadsTheRangeFromTheModelsFolder) {
  TempDir dir("ext_ok");
  fs::create_directories(dir.path() / "weights");
  write_weights(dir.file("weights/w.bin"));
  external_model("weights/w.bin", 8, 16).save(dir.file("m.onnx"));
  ModelInfo info;
  const graph::Graph g = load_model(dir.file("m.onnx"), {}, &info);
  EXPECT_EQ(info.external_bytes, 16);
  const Tensor y = graph::run_graph(g, {zeros({4})})[0];
  EXPECT_TRUE(equal(y, from_vector(std::vector<float>{1, 2, 3, 4})));
  // Without a length the data runs to the end of the file.
  external_model("weights/w.bin", 8).save(dir.file("m2.onnx"));
  EXPECT_NO_THROW(load_model(dir.file("m2.onnx")));
}

TEST(OnnxExternalData, PathsMustStayInTheFolder) {
  TempDir dir("ext_paths");
  fs::create_directories(dir.path() / "model");
  write_weights(dir.file("outside.bin"));
  write_weights(dir.file("model/inside.bin"));
  auto load = [&](const std::string& location) {
    external_model(location, 8, 16).save(dir.file("model/m.onnx"));
    return load_model(dir.file("model/m.onnx"));
  };
  EXPECT_OCTET_ERROR(load("../outside.bin"), "external data location '../outside.bin' leaves the model's folder");
  EXPECT_OCTET_ERROR(load("sub/../../outside.bin"), "leaves the model's folder ('..' is not allowed)");
  EXPECT_OCTET_ERROR(load(dir.file("outside.bin")), "is an absolute path; it must be relative to the model's folder");
  EXPECT_OCTET_ERROR(load("C:\\weights.bin"), "is an absolute path");
  EXPECT_OCTET_ERROR(load(""), "external data has an empty location");
  EXPECT_OCTET_ERROR(load("missing.bin"), "external data file 'missing.bin' cannot be opened");
  fs::create_symlink(dir.file("outside.bin"), dir.file("model/link.bin"));
  EXPECT_OCTET_ERROR(load("link.bin"), "external data file 'link.bin' resolves outside the model's folder");
  fs::create_directories(dir.path() / "model" / "adir");
  EXPECT_OCTET_ERROR(load("adir"), "external data file 'adir' is not a regular file");
  // A symlink that stays inside the folder is fine.
  fs::create_symlink(dir.file("model/inside.bin"), dir.file("model/alias.bin"));
  EXPECT_NO_THROW(load("alias.bin"));
}

TEST(OnnxExternalData, RangesMustFitTheFileAndTheTensor) {
  TempDir dir("ext_ranges");
  write_weights(dir.file("w.bin"));  // 24 bytes
  auto load = [&](int64_t offset, int64_t length) {
    external_model("w.bin", offset, length).save(dir.file("m.onnx"));
    return load_model(dir.file("m.onnx"));
  };
  EXPECT_OCTET_ERROR(load(100, 16), "external data offset 100 is past the end of 'w.bin' (24 bytes)");
  EXPECT_OCTET_ERROR(load(16, 16), "external data range [16, 16 + 16) is past the end of 'w.bin' (24 bytes)");
  EXPECT_OCTET_ERROR(load(0, 12), "external data holds 12 bytes but float32[4] needs 16");
  EXPECT_OCTET_ERROR(load(0, -1), "external data holds 24 bytes but float32[4] needs 16");
  ModelBuilder bad = external_model("w.bin");
  auto* kv = bad.model().mutable_graph()->mutable_initializer(0)->add_external_data();
  kv->set_key("offset");
  kv->set_value("12abc");
  bad.save(dir.file("bad.onnx"));
  EXPECT_OCTET_ERROR(load_model(dir.file("bad.onnx")), "external data key 'offset' must be a non-negative integer, got '12abc'");
}

TEST(OnnxExternalData, AModelInMemoryNeedsABaseDir) {
  TempDir dir("ext_mem");
  write_weights(dir.file("w.bin"));
  const std::string bytes = external_model("w.bin", 8, 16).bytes();
  EXPECT_OCTET_ERROR(import_model(bytes), "its data is in external file 'w.bin', but the model was not loaded from a file");
  EXPECT_NO_THROW(import_model(bytes, dir.path().string()));
}

}  // namespace
}  // namespace octet::onnx
