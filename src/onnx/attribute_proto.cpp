// attribute_proto.cpp: node attributes between ONNX's AttributeProto and the graph IR's Attribute.
#include "onnx/attribute_proto.h"

#include <cctype>

#include "octet/error.h"
#include "onnx/tensor_proto.h"

namespace octet::onnx_detail {
namespace {

constexpr const char* kWhere = "onnx";
using A = ::onnx::AttributeProto;

// ONNX's kinds in lower case ("graphs", "sparse_tensor"), for messages.
std::string kind_name(int type) {
  if (!A::AttributeType_IsValid(type)) return detail::str_cat("unknown kind ", type);
  std::string n = A::AttributeType_Name(static_cast<A::AttributeType>(type));
  for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return n;
}

}  // namespace

graph::Attribute attribute_from_proto(const A& proto, std::string_view where, const SubgraphImporter& import_graph) {
  const std::string& name = proto.name();
  OCTET_CHECK(proto.ref_attr_name().empty(), kWhere, where, ": attribute '", name,
              "' refers to a function attribute ('", proto.ref_attr_name(), "'); model-local functions are not supported");
  auto what = [&] { return detail::str_cat(where, " attribute '", name, "'"); };
  switch (proto.type()) {
    case A::INT:
      return graph::Attribute(static_cast<int64_t>(proto.i()));
    case A::FLOAT:
      return graph::Attribute(proto.f());
    case A::STRING:
      return graph::Attribute(proto.s());
    case A::INTS:
      return graph::Attribute(std::vector<int64_t>(proto.ints().begin(), proto.ints().end()));
    case A::FLOATS:
      return graph::Attribute(std::vector<float>(proto.floats().begin(), proto.floats().end()));
    case A::STRINGS:
      return graph::Attribute(std::vector<std::string>(proto.strings().begin(), proto.strings().end()));
    case A::TENSOR:
      return graph::Attribute(tensor_from_proto(proto.t(), what()));
    case A::GRAPH:
      OCTET_CHECK(static_cast<bool>(import_graph), kWhere, what(), ": subgraphs are not supported here");
      return graph::Attribute(import_graph(proto.g()));
    default:
      break;
  }
  OCTET_FAIL(kWhere, what(), " is of kind ", kind_name(proto.type()),
             ", which Octet does not support (int, float, string, their lists, tensor and graph are)");
}

void attribute_to_proto(const std::string& name, const graph::Attribute& attr, A* proto,
                        const SubgraphExporter& export_graph) {
  proto->Clear();
  proto->set_name(name);
  switch (attr.kind()) {
    case graph::AttributeKind::Int:
      proto->set_type(A::INT);
      proto->set_i(attr.i());
      break;
    case graph::AttributeKind::Float:
      proto->set_type(A::FLOAT);
      proto->set_f(attr.f());
      break;
    case graph::AttributeKind::String:
      proto->set_type(A::STRING);
      proto->set_s(attr.s());
      break;
    case graph::AttributeKind::Ints:
      proto->set_type(A::INTS);
      for (int64_t v : attr.ints()) proto->add_ints(v);
      break;
    case graph::AttributeKind::Floats:
      proto->set_type(A::FLOATS);
      for (float v : attr.floats()) proto->add_floats(v);
      break;
    case graph::AttributeKind::Strings:
      proto->set_type(A::STRINGS);
      for (const std::string& v : attr.strings()) proto->add_strings(v);
      break;
    case graph::AttributeKind::Tensor:
      proto->set_type(A::TENSOR);
      tensor_to_proto(attr.t(), "", proto->mutable_t());
      break;
    case graph::AttributeKind::Graph:
      OCTET_CHECK(attr.g() != nullptr, kWhere, "attribute '", name, "' holds no graph");
      proto->set_type(A::GRAPH);
      export_graph(*attr.g(), proto->mutable_g());
      break;
  }
}

}  // namespace octet::onnx_detail
