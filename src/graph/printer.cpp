// printer.cpp: the text form of a Graph and of a Node (format in printer.h).
#include "octet/graph/printer.h"

#include <sstream>

namespace octet::graph {
namespace {

std::string value_ref(const Value* v) {
  if (v == nullptr) return "_";
  std::string out = "%";
  out.append(v->name());
  return out;
}

std::string typed(const Value* v) {
  std::string out = value_ref(v);
  if (!v->type().is_unknown()) {
    out.append(" : ");
    out.append(v->type().to_string());
  }
  return out;
}

}  // namespace

std::string to_string(const Node& node) {
  std::string out;
  for (int64_t i = 0; i < node.num_outputs(); ++i) {
    if (i > 0) out.append(", ");
    const Value* o = node.output(i);
    out.append(o == nullptr ? std::string("_") : typed(o));
  }
  if (node.num_outputs() > 0) out.append(" = ");
  if (!node.domain().empty()) {
    out.append(node.domain());
    out.append("::");
  }
  out.append(node.op_type());
  if (!node.attributes().empty()) {
    out.append("[");
    bool first = true;
    for (const auto& [name, attr] : node.attributes()) {
      if (!first) out.append(", ");
      first = false;
      out.append(name);
      out.append("=");
      out.append(attr.to_string());
    }
    out.append("]");
  }
  out.append("(");
  for (int64_t i = 0; i < node.num_inputs(); ++i) {
    if (i > 0) out.append(", ");
    out.append(value_ref(node.input(i)));
  }
  out.append(")");
  const Value* first_out = node.output(0);
  if (!node.name().empty() && (first_out == nullptr || first_out->name() != node.name())) {
    out.append("  # ");
    out.append(node.name());
  }
  return out;
}

std::string to_string(const Graph& graph) {
  std::ostringstream os;
  os << "graph " << graph.name() << " (\n";
  for (const Value* in : graph.inputs()) {
    os << "  " << typed(in);
    if (in->is_initializer()) os << " = initializer";
    os << "\n";
  }
  os << ")";
  bool any_init = false;
  for (const Value* v : graph.initializers()) {
    if (v->is_graph_input()) continue;
    if (!any_init) os << " initializers (\n";
    any_init = true;
    os << "  " << typed(v) << "\n";
  }
  if (any_init) os << ")";
  os << " {\n";
  for (const Node* n : graph.nodes()) os << "  " << to_string(*n) << "\n";
  os << "  return";
  for (size_t i = 0; i < graph.outputs().size(); ++i) os << (i == 0 ? " " : ", ") << value_ref(graph.outputs()[i]);
  os << "\n}\n";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Graph& graph) { return os << to_string(graph); }

}  // namespace octet::graph
