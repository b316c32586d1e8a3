// model_export.cpp: export_model / save_model: lower a copy of the graph, write the GraphProto and ModelProto, convert the opset, check.
#include <fstream>
#include <set>

#include "octet/error.h"
#include "octet/graph/data_type.h"
#include "octet/graph/passes.h"
#include "octet/onnx/export.h"
#include "octet/onnx/import.h"
#include "octet/version.h"
#include "onnx/attribute_proto.h"
#include "onnx/export_lowering.h"
#include "onnx/onnx_proto.h"
#include "onnx/tensor_proto.h"

namespace octet::onnx {
namespace {

constexpr const char* kWhere = "onnx export";

void write_type(const graph::TensorType& type, ::onnx::TypeProto* proto) {
  auto* tt = proto->mutable_tensor_type();
  if (type.dtype) tt->set_elem_type(static_cast<int32_t>(graph::data_type_of(*type.dtype)));
  if (!type.shape) return;
  auto* shape = tt->mutable_shape();
  for (const graph::Dim& d : *type.shape) {
    auto* dim = shape->add_dim();
    if (d.is_static()) dim->set_dim_value(d.size());
    if (d.is_symbolic()) dim->set_dim_param(d.symbol());
  }
}

void write_value_info(const graph::Value* v, ::onnx::ValueInfoProto* proto) {
  proto->set_name(v->name());
  write_type(v->type(), proto->mutable_type());
}

void write_graph(const graph::Graph& g, const ExportOptions& options, ::onnx::GraphProto* proto) {
  proto->set_name(g.name());
  std::set<const graph::Value*> inputs(g.inputs().begin(), g.inputs().end());
  for (const graph::Value* v : g.inputs()) write_value_info(v, proto->add_input());
  for (const graph::Value* v : g.initializers()) {
    onnx_detail::tensor_to_proto(v->initializer(), v->name(), proto->add_initializer());
  }
  const onnx_detail::SubgraphExporter sub = [&options](const graph::Graph& s, ::onnx::GraphProto* p) {
    write_graph(s, options, p);
  };
  std::set<const graph::Value*> outputs(g.outputs().begin(), g.outputs().end());
  for (const graph::Node* n : g.nodes()) {
    auto* np = proto->add_node();
    np->set_name(n->name());
    np->set_op_type(n->op_type());
    if (!n->domain().empty()) np->set_domain(n->domain());
    for (const graph::Value* in : n->inputs()) np->add_input(in == nullptr ? std::string() : in->name());
    for (const graph::Value* out : n->outputs()) {
      np->add_output(out == nullptr ? std::string() : out->name());
      // value_info entries are optional, and ONNX's checker wants an element type and a rank in each.
      if (out != nullptr && options.write_value_info && outputs.count(out) == 0 && out->type().dtype &&
          out->type().shape) {
        write_value_info(out, proto->add_value_info());
      }
    }
    for (const auto& [name, attr] : n->attributes()) {
      try {
        onnx_detail::attribute_to_proto(name, attr, np->add_attribute(), sub);
      } catch (const Error& e) {
        OCTET_FAIL(kWhere, n->describe(), ": attribute '", name, "': ", e.message());
      }
    }
  }
  for (const graph::Value* v : g.outputs()) {
    OCTET_CHECK(v->type().dtype && v->type().shape, kWhere, "graph '", g.name(), "': output '", v->name(), "' has type ",
                v->type().to_string(), "; ONNX needs the element type and rank of every graph output");
    write_value_info(v, proto->add_output());
  }
}

}  // namespace

std::string export_model(const graph::Graph& g, const ExportOptions& options) {
  OCTET_CHECK(options.opset == 0 || (options.opset >= kMinOpset && options.opset <= kMaxOpset), kWhere, "opset ",
              options.opset, " is outside the range Octet writes (", kMinOpset, " to ", kMaxOpset, ")");
  const int64_t graph_opset = g.opset();
  OCTET_CHECK(graph_opset <= kMaxOpset, kWhere, "graph '", g.name(), "' imports opset ", graph_opset,
              ", newer than libonnx knows (", kMaxOpset, ")");
  graph::Graph lowered = g.clone();
  onnx_detail::lower_for_export(lowered, graph_opset, options.fused_ops);
  // Types for the interface (ONNX requires element types of inputs and outputs) and value_info.
  graph::infer_shapes(lowered);

  ::onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name(options.producer_name);
  model.set_producer_version(octet::version());
  std::map<std::string, int64_t> opsets = lowered.opset_imports();
  opsets[""] = graph_opset;
  for (const graph::Node* n : lowered.nodes()) {
    if (!n->domain().empty() && opsets.count(n->domain()) == 0) opsets[n->domain()] = 1;
  }
  for (const auto& [domain, version] : opsets) {
    auto* op = model.add_opset_import();
    op->set_domain(domain);
    op->set_version(version);
  }
  write_graph(lowered, options, model.mutable_graph());

  auto libonnx = [&](const char* step, auto fn) {
    try {
      fn();
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      OCTET_FAIL(kWhere, "graph '", g.name(), "': ", step, ": ", e.what());
    }
  };
  if (options.opset != 0 && options.opset != graph_opset) {
    libonnx("converting the opset failed", [&] {
      model = ::onnx::version_conversion::ConvertVersion(model, static_cast<int>(options.opset));
    });
  }
  libonnx("the written model fails ONNX's checker", [&] { ::onnx::checker::check_model(model); });
  std::string bytes;
  OCTET_CHECK(model.SerializeToString(&bytes), kWhere, "graph '", g.name(),
              "': serializing failed (a model must stay under 2 GiB)");
  return bytes;
}

void save_model(const graph::Graph& g, const std::string& path, const ExportOptions& options) {
  const std::string bytes = export_model(g, options);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  OCTET_CHECK(out.is_open(), kWhere, "'", path, "' cannot be written");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  OCTET_CHECK(out.good(), kWhere, "writing '", path, "' failed");
}

}  // namespace octet::onnx
