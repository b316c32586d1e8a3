// model_proto_builder.h: builds small ONNX ModelProtos by hand for the import tests (inputs, initializers, nodes, outputs).
#pragma once

#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <string>
#include <vector>

#include "onnx/onnx_proto.h"

namespace octet::onnx::test {

class ModelBuilder {
 public:
  explicit ModelBuilder(int64_t opset = 17, int64_t ir_version = 8) {
    model_.set_ir_version(ir_version);
    model_.set_producer_name("octet-test");
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    model_.mutable_graph()->set_name("test");
  }

  // A float tensor input with static dims (a negative dim is a symbol "N").
  ModelBuilder& input(const std::string& name, const std::vector<int64_t>& dims, int elem_type = 1) {
    value_info(model_.mutable_graph()->add_input(), name, dims, elem_type);
    return *this;
  }
  ModelBuilder& output(const std::string& name, const std::vector<int64_t>& dims, int elem_type = 1) {
    value_info(model_.mutable_graph()->add_output(), name, dims, elem_type);
    return *this;
  }
  // An initializer with raw little-endian bytes.
  ::onnx::TensorProto* initializer(const std::string& name, int elem_type, const std::vector<int64_t>& dims,
                                   const void* data, size_t bytes) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(elem_type);
    for (int64_t d : dims) t->add_dims(d);
    t->set_raw_data(std::string(static_cast<const char*>(data), bytes));
    return t;
  }
  ::onnx::TensorProto* float_initializer(const std::string& name, const std::vector<int64_t>& dims,
                                         const std::vector<float>& values) {
    return initializer(name, 1, dims, values.data(), values.size() * sizeof(float));
  }
  ::onnx::NodeProto* node(const std::string& op_type, const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs, const std::string& name = "",
                          const std::string& domain = "") {
    auto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op_type);
    n->set_name(name);
    n->set_domain(domain);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return n;
  }
  static void int_attr(::onnx::NodeProto* n, const std::string& name, int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(::onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void string_attr(::onnx::NodeProto* n, const std::string& name, const std::string& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(::onnx::AttributeProto::STRING);
    a->set_s(v);
  }

  ::onnx::ModelProto& model() { return model_; }
  std::string bytes() const { return model_.SerializeAsString(); }
  void save(const std::string& path) const {
    std::ofstream out(path, std::ios::binary);
    out << bytes();
  }

 private:
  static void value_info(::onnx::ValueInfoProto* vi, const std::string& name, const std::vector<int64_t>& dims,
                         int elem_type) {
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(elem_type);
    auto* shape = tt->mutable_shape();
    for (int64_t d : dims) {
      auto* dim = shape->add_dim();
      if (d >= 0) {
        dim->set_dim_value(d);
      } else {
        dim->set_dim_param("N");
      }
    }
  }

  ::onnx::ModelProto model_;
};

// A fresh empty folder under the system's temporary folder, removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    namespace fs = std::filesystem;
    path_ = fs::temp_directory_path() / ("octet_onnx_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

}  // namespace octet::onnx::test
