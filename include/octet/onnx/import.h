// import.h: reads an ONNX model (a ModelProto file) into an octet::graph::Graph that the interpreter runs.
//
//   graph::Graph g = onnx::load_model("resnet18.onnx");
//   graph::Interpreter run(g);
//   std::vector<Tensor> y = run.run({x});
//
// The file is decoded by Debian's libonnx (protobuf), validated by ONNX's checker, typed by ONNX's
// shape inference and then by Octet's own (graph::infer_shapes), so intermediate values carry
// dtypes and shapes, symbolic where the model says so ("batch", "sequence"). Op types, attribute
// names and defaults stay ONNX's (graph.h): an ONNX node becomes one graph Node.
//
// What is accepted:
//   * The default domain at opsets 11 to 17 (the range libonnx 1.12 and Octet's operators cover);
//     older models are first raised to opset 11 with libonnx's version converter, newer ones are
//     an Error. Other domains are kept (graph.opset("com.microsoft")), and their nodes are
//     supported only where the operator registry knows them (the "octet" domain's FusedConv, ...).
//   * Initializers of every Octet dtype (float32/64/16, bfloat16, int8/16/32/64, uint8, bool), in
//     raw_data or ONNX's typed fields, inline or in external data files. ONNX's uint16/32/64,
//     string, complex and sparse tensors have no Octet dtype and are an Error naming the tensor.
//   * External data (tensors whose bytes live in another file) only from a model loaded from a
//     file, and only inside that file's folder: the location must be a relative path without
//     "..", and after resolving symlinks it must still lie in the folder; the byte range must lie
//     in the file and match the tensor's size exactly.
// What is an Error (octet::Error naming the file and the problem; never a crash):
//   * a file that is missing, empty, truncated, bit-flipped or not a ModelProto; a model the
//     checker rejects (with the checker's message);
//   * an operator Octet does not run, naming the node, its op type, domain and opset (all of them
//     are listed), unless ImportOptions::allow_unsupported;
//   * anything the graph layer rejects (duplicate value names, dangling inputs, contradicting
//     types), naming the node or value.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "octet/graph/graph.h"
#include "octet/tensor.h"

namespace octet::onnx {

// The oldest and newest default-domain opsets imported without conversion.
inline constexpr int64_t kMinOpset = 11;
inline constexpr int64_t kMaxOpset = 17;

struct ImportOptions {
  // Run ONNX's checker (onnx::checker::check_model) on the model before converting it.
  bool check = true;
  // Run ONNX's shape inference and keep the types it finds for intermediate values (Octet's own
  // inference then refines them and checks they agree).
  bool onnx_shape_inference = true;
  // Import graphs with operators Octet cannot run (for `octet inspect`); they fail when run.
  bool allow_unsupported = false;
  // Models older than kMinOpset are converted to it with libonnx's version converter; when false
  // they are an Error instead.
  bool convert_old_opsets = true;
};

// What the file says about itself, beyond the graph.
struct ModelInfo {
  int64_t ir_version = 0;
  std::string producer_name;
  std::string producer_version;
  std::string domain;
  int64_t model_version = 0;
  std::string doc_string;
  // The default-domain opset the file imports (before any conversion) and every domain's.
  int64_t file_opset = 0;
  std::map<std::string, int64_t> opset_imports;
  std::map<std::string, std::string> metadata;
  // Nodes whose operator Octet does not run: "node 'x' (Foo, domain ai.onnx, opset 17)".
  std::vector<std::string> unsupported;
  // Bytes of tensor data read from external data files.
  int64_t external_bytes = 0;
};

// Reads the model in `path`; external data is looked up in the folder holding it.
graph::Graph load_model(const std::string& path, const ImportOptions& options = {}, ModelInfo* info = nullptr);

// Decodes a serialized ModelProto held in memory. External data is read from `base_dir` when it
// is given and is an Error otherwise. `source` names the model in error messages.
graph::Graph import_model(std::string_view bytes, const std::string& base_dir = "", const ImportOptions& options = {},
                          ModelInfo* info = nullptr, std::string_view source = "<memory>");

// Reads a serialized TensorProto file (the input_0.pb / output_0.pb files of ONNX's test data sets);
// `name`, when given, receives the tensor's name. External data is read from the file's folder.
Tensor load_tensor(const std::string& path, std::string* name = nullptr);

// The operators of a graph that the registry does not know, one description per node, as
// ModelInfo::unsupported lists them.
std::vector<std::string> unsupported_nodes(const graph::Graph& g);

}  // namespace octet::onnx
