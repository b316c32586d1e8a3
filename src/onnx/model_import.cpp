// model_import.cpp: load_model / import_model: decode, inline external data, check, convert old opsets, infer shapes, build and verify the graph.
#include <filesystem>
#include <fstream>
#include <limits>

#include "octet/error.h"
#include "octet/graph/op_registry.h"
#include "octet/graph/passes.h"
#include "octet/graph/verifier.h"
#include "octet/onnx/import.h"
#include "onnx/external_data.h"
#include "onnx/graph_import.h"
#include "onnx/onnx_proto.h"

namespace octet::onnx {
namespace {

namespace fs = std::filesystem;
using onnx_detail::ExternalDataPolicy;

constexpr const char* kWhere = "onnx";
// protobuf cannot decode a message of 2 GiB or more; bigger models keep their weights in
// external data files.
constexpr int64_t kMaxProtoBytes = std::numeric_limits<int32_t>::max();

std::string source_prefix(std::string_view source) { return detail::str_cat(kWhere, ": ", source); }

// An Error of the conversion, rethrown naming the model ("onnx: model.onnx: node 'x' (Conv): ...").
[[noreturn]] void rethrow_in(const std::string& where, const Error& e) {
  throw Error(where, e.where() == kWhere ? e.message() : std::string(e.what()));
}

// Every tensor of a graph (initializers, tensor attributes, subgraphs') with external data gets
// its bytes read in place. Returns the bytes read.
int64_t inline_graph_external_data(::onnx::GraphProto* g, const ExternalDataPolicy& policy) {
  int64_t bytes = 0;
  for (auto& t : *g->mutable_initializer()) {
    if (onnx_detail::has_external_data(t)) {
      bytes += onnx_detail::inline_external_data(&t, policy, detail::str_cat("initializer '", t.name(), "'"));
    }
  }
  for (auto& n : *g->mutable_node()) {
    for (auto& a : *n.mutable_attribute()) {
      const std::string what = detail::str_cat("node '", n.name(), "' (", n.op_type(), ") attribute '", a.name(), "'");
      if (a.has_t() && onnx_detail::has_external_data(a.t())) {
        bytes += onnx_detail::inline_external_data(a.mutable_t(), policy, what);
      }
      for (auto& t : *a.mutable_tensors()) {
        if (onnx_detail::has_external_data(t)) bytes += onnx_detail::inline_external_data(&t, policy, what);
      }
      if (a.has_g()) bytes += inline_graph_external_data(a.mutable_g(), policy);
      for (auto& sub : *a.mutable_graphs()) bytes += inline_graph_external_data(&sub, policy);
    }
  }
  return bytes;
}

std::string describe_unsupported(const graph::Node& n, int64_t opset) {
  return detail::str_cat(n.describe(), ": ", n.domain().empty() ? n.op_type() : n.domain() + "::" + n.op_type(),
                         " (domain ", n.domain().empty() ? std::string("ai.onnx") : n.domain(), ", opset ",
                         opset > 0 ? std::to_string(opset) : std::string("unknown"), ")");
}

// libonnx reports problems with exceptions of its own (ValidationError, InferenceError,
// ConvertError), all std::exceptions; they become Errors naming the model.
template <typename Fn>
void call_libonnx(std::string_view source, std::string_view step, Fn fn) {
  try {
    fn();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    OCTET_FAIL(source_prefix(source), step, ": ", e.what());
  }
}

}  // namespace

std::vector<std::string> unsupported_nodes(const graph::Graph& g) {
  std::vector<std::string> out;
  const graph::OpRegistry& registry = graph::OpRegistry::global();
  for (const graph::Node* n : g.nodes()) {
    if (registry.find(n->domain(), n->op_type()) == nullptr) out.push_back(describe_unsupported(*n, g.opset(n->domain())));
  }
  return out;
}

namespace {

// Everything after decoding. The model's tensors are released as they move into the graph, so a
// large model is held about twice at the peak (file bytes are not kept), not three times.
graph::Graph import_proto(::onnx::ModelProto& model, const std::string& base_dir, const ImportOptions& options,
                          ModelInfo* info, std::string_view source) {
  const std::string where = source_prefix(source);
  OCTET_CHECK(model.has_graph(), where, "not a valid ONNX model: it has no graph");

  ModelInfo local;
  ModelInfo& mi = info != nullptr ? *info : local;
  mi = ModelInfo();
  mi.ir_version = model.ir_version();
  mi.producer_name = model.producer_name();
  mi.producer_version = model.producer_version();
  mi.domain = model.domain();
  mi.model_version = model.model_version();
  mi.doc_string = model.doc_string();
  for (const auto& p : model.metadata_props()) mi.metadata[p.key()] = p.value();

  OCTET_CHECK(model.ir_version() >= 3, where, "IR version ", model.ir_version(),
              " is too old (opset imports need IR 3 or later)");
  for (const auto& op : model.opset_import()) {
    const std::string domain = op.domain() == "ai.onnx" ? std::string() : op.domain();
    OCTET_CHECK(mi.opset_imports.emplace(domain, op.version()).second, where, "domain '",
                domain.empty() ? "ai.onnx" : domain, "' is imported twice");
  }
  // A model may import only other domains (ai.onnx.ml, training ops): then its nodes decide.
  auto def = mi.opset_imports.find("");
  mi.file_opset = def != mi.opset_imports.end() ? def->second : kMinOpset;
  OCTET_CHECK(mi.file_opset <= kMaxOpset, where, "opset ", mi.file_opset, " is newer than Octet supports (", kMinOpset,
              " to ", kMaxOpset, "); export the model at opset ", kMaxOpset, " or lower");
  OCTET_CHECK(mi.file_opset >= kMinOpset || options.convert_old_opsets, where, "opset ", mi.file_opset,
              " is older than Octet supports (", kMinOpset, " to ", kMaxOpset, ")");
  OCTET_CHECK(model.functions_size() == 0 || options.allow_unsupported, where,
              "model-local functions are not supported (", model.functions_size(), " defined)");

  // Newer tools write IR versions libonnx 1.12 does not know (9 adds float8, 10 int4) even at
  // opsets it does; the structure is the same, and those element types are rejected anyway, so
  // the model is checked and typed as the newest IR libonnx knows.
  if (model.ir_version() > ::onnx::Version::IR_VERSION) model.set_ir_version(::onnx::Version::IR_VERSION);

  ExternalDataPolicy policy;
  if (!base_dir.empty()) policy.base_dir = onnx_detail::canonical_dir(base_dir);
  try {
    mi.external_bytes = inline_graph_external_data(model.mutable_graph(), policy);
  } catch (const Error& e) {
    rethrow_in(where, e);
  }

  if (options.check) call_libonnx(source, "the ONNX checker rejects the model", [&] { ::onnx::checker::check_model(model); });
  if (mi.file_opset < kMinOpset && def != mi.opset_imports.end()) {
    call_libonnx(source, detail::str_cat("converting opset ", mi.file_opset, " to ", kMinOpset, " failed"), [&] {
      model = ::onnx::version_conversion::ConvertVersion(model, static_cast<int>(kMinOpset));
    });
  }
  if (options.onnx_shape_inference) {
    // Node-level inference failures are not errors here (error_mode 0): Octet's own inference
    // below has the last word and names the node when something does not fit. A model ONNX
    // cannot type at all keeps the types it declares.
    try {
      ::onnx::shape_inference::InferShapes(model);
    } catch (const std::exception&) {
    }
  }

  std::map<std::string, int64_t> opsets;
  for (const auto& op : model.opset_import()) opsets[op.domain() == "ai.onnx" ? std::string() : op.domain()] = op.version();
  onnx_detail::GraphImportOptions gopts;
  gopts.lenient = options.allow_unsupported;
  gopts.ir_version = model.ir_version();
  graph::Graph g = [&] {
    try {
      return onnx_detail::graph_from_proto(model.mutable_graph(), opsets, gopts);
    } catch (const Error& e) {
      rethrow_in(where, e);
    }
  }();
  model.Clear();  // the tensors now live in the graph

  mi.unsupported = unsupported_nodes(g);
  if (!mi.unsupported.empty() && !options.allow_unsupported) {
    std::string list;
    for (const std::string& u : mi.unsupported) {
      list.append("\n  ");
      list.append(u);
    }
    OCTET_FAIL(where, mi.unsupported.size() == 1 ? "an operator Octet does not support:" : "operators Octet does not support:",
               list);
  }
  try {
    graph::infer_shapes(g);
    graph::verify(g);
  } catch (const Error& e) {
    rethrow_in(where, e);
  }
  return g;
}

}  // namespace

graph::Graph import_model(std::string_view bytes, const std::string& base_dir, const ImportOptions& options,
                          ModelInfo* info, std::string_view source) {
  const std::string where = source_prefix(source);
  OCTET_CHECK(!bytes.empty(), where, "the model is empty (0 bytes)");
  OCTET_CHECK(static_cast<int64_t>(bytes.size()) < kMaxProtoBytes, where, "the model is ", bytes.size(),
              " bytes; ONNX files must stay under 2 GiB (keep the weights in external data files)");
  ::onnx::ModelProto model;
  OCTET_CHECK(model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())), where,
              "not a valid ONNX model: the protobuf data is truncated or corrupt");
  return import_proto(model, base_dir, options, info, source);
}

graph::Graph load_model(const std::string& path, const ImportOptions& options, ModelInfo* info) {
  std::error_code ec;
  const fs::path p(path);
  OCTET_CHECK(fs::exists(p, ec), kWhere, "'", path, "' does not exist");
  OCTET_CHECK(fs::is_regular_file(p, ec), kWhere, "'", path, "' is not a file");
  const auto size = static_cast<int64_t>(fs::file_size(p, ec));
  OCTET_CHECK(!ec, kWhere, "'", path, "' cannot be read: ", ec.message());
  const std::string where = source_prefix(path);
  OCTET_CHECK(size > 0, where, "the model is empty (0 bytes)");
  OCTET_CHECK(size < kMaxProtoBytes, where, "the model is ", size,
              " bytes; ONNX files must stay under 2 GiB (keep the weights in external data files)");
  std::ifstream in(p, std::ios::binary);
  OCTET_CHECK(in.is_open(), kWhere, "'", path, "' cannot be opened");
  // Decoded straight from the file: no copy of its bytes is kept.
  ::onnx::ModelProto model;
  OCTET_CHECK(model.ParseFromIstream(&in), where, "not a valid ONNX model: the protobuf data is truncated or corrupt");
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  return import_proto(model, dir.string(), options, info, path);
}

}  // namespace octet::onnx
