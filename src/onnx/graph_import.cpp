// graph_import.cpp: GraphProto -> graph::Graph: values, initializers, nodes in file order, declared types.
#include "onnx/graph_import.h"

#include <set>

#include "octet/error.h"
#include "octet/graph/op_registry.h"
#include "onnx/attribute_proto.h"
#include "onnx/tensor_proto.h"

namespace octet::onnx_detail {
namespace {

constexpr const char* kWhere = "onnx";

std::string node_label(const ::onnx::NodeProto& n, int index) {
  std::string op = n.domain().empty() || n.domain() == "ai.onnx" ? n.op_type() : n.domain() + "::" + n.op_type();
  if (!n.name().empty()) return detail::str_cat("node '", n.name(), "' (", op, ")");
  return detail::str_cat("node #", index, " (", op, ")");
}

// Gives a value its declared type, keeping what is already known (a declared unknown dim never
// hides a known one).
void declare_type(graph::Value* v, const graph::TensorType& declared) {
  if (declared.is_unknown()) return;
  graph::TensorType t = v->type();
  if (!t.dtype) t.dtype = declared.dtype;
  if (!t.shape) t.shape = declared.shape;
  v->set_type(std::move(t));
}

class GraphImporter {
 public:
  GraphImporter(const std::map<std::string, int64_t>& opsets, const GraphImportOptions& options)
      : opsets_(opsets), options_(options) {}

  // `owned`, when given, is `proto` itself, mutable: initializer data is released from it as it
  // moves into the graph.
  graph::Graph run(const ::onnx::GraphProto& proto, ::onnx::GraphProto* owned = nullptr) {
    graph::Graph g(proto.name().empty() ? std::string("main_graph") : proto.name());
    for (const auto& [domain, version] : opsets_) g.set_opset(domain, version);
    OCTET_CHECK(proto.sparse_initializer_size() == 0, kWhere, "graph '", g.name(),
                "': sparse initializers are not supported");

    // Initializers first: a graph input of the same name makes it an overridable default.
    std::map<std::string, int> inits;  // name -> index in proto.initializer()
    for (int i = 0; i < proto.initializer_size(); ++i) {
      const auto& t = proto.initializer(i);
      OCTET_CHECK(!t.name().empty(), kWhere, "graph '", g.name(), "': an initializer has no name");
      OCTET_CHECK(inits.emplace(t.name(), i).second, kWhere, "graph '", g.name(), "': initializer '", t.name(),
                  "' is defined twice");
    }
    auto take = [&](int i) {
      const auto& t = proto.initializer(i);
      Tensor data = tensor_from_proto(t, initializer_what(t.name()));
      if (owned != nullptr) {
        auto* m = owned->mutable_initializer(i);
        m->clear_raw_data();
        m->clear_float_data();
        m->clear_int32_data();
        m->clear_int64_data();
        m->clear_double_data();
      }
      return data;
    };
    std::set<std::string> added;
    for (const auto& in : proto.input()) {
      OCTET_CHECK(!in.name().empty(), kWhere, "graph '", g.name(), "': a graph input has no name");
      OCTET_CHECK(added.insert(in.name()).second, kWhere, "graph '", g.name(), "': graph input '", in.name(),
                  "' is listed twice");
      auto it = inits.find(in.name());
      if (it != inits.end()) {
        graph::Value* v = g.add_initializer(in.name(), take(it->second));
        if (options_.ir_version >= 4) g.mark_input(v);
      } else {
        g.add_input(in.name(), tensor_type_from_proto(in.type(), detail::str_cat("graph input '", in.name(), "'")));
      }
    }
    for (int i = 0; i < proto.initializer_size(); ++i) {
      const std::string name = proto.initializer(i).name();
      if (added.count(name) != 0) continue;
      g.add_initializer(name, take(i));
    }

    for (int i = 0; i < proto.node_size(); ++i) add_node(g, proto.node(i), i);

    for (const auto& out : proto.output()) {
      graph::Value* v = g.find_value(out.name());
      OCTET_CHECK(v != nullptr, kWhere, "graph '", g.name(), "': graph output '", out.name(),
                  "' is not produced by any node, input or initializer");
      if (!v->is_initializer() && !v->is_graph_input()) {
        declare_type(v, tensor_type_from_proto(out.type(), detail::str_cat("graph output '", out.name(), "'")));
      }
      g.add_output(v);
    }
    for (const auto& vi : proto.value_info()) {
      graph::Value* v = g.find_value(vi.name());
      if (v == nullptr || v->is_initializer() || v->is_graph_input() || !vi.type().has_tensor_type()) continue;
      declare_type(v, tensor_type_from_proto(vi.type(), detail::str_cat("value '", vi.name(), "'")));
    }
    return g;
  }

 private:
  static std::string initializer_what(const std::string& name) { return detail::str_cat("initializer '", name, "'"); }

  void add_node(graph::Graph& g, const ::onnx::NodeProto& n, int index) {
    const std::string label = node_label(n, index);
    OCTET_CHECK(!n.op_type().empty(), kWhere, label, ": the node has no op type");
    std::vector<graph::Value*> inputs;
    for (const std::string& name : n.input()) {
      if (name.empty()) {
        inputs.push_back(nullptr);  // an omitted optional input
        continue;
      }
      graph::Value* v = g.find_value(name);
      OCTET_CHECK(v != nullptr, kWhere, label, ": input '", name,
                  "' is not a graph input, an initializer or the output of an earlier node");
      inputs.push_back(v);
    }
    // Omitted trailing outputs are dropped; an omitted output before a used one gets a fresh name.
    int num_outputs = n.output_size();
    while (num_outputs > 0 && n.output(num_outputs - 1).empty()) --num_outputs;
    graph::NodeSpec spec;
    spec.domain = n.domain();
    spec.num_outputs = num_outputs;
    for (int k = 0; k < num_outputs; ++k) {
      const std::string& name = n.output(k);
      OCTET_CHECK(name.empty() || g.find_value(name) == nullptr, kWhere, label, ": output '", name,
                  "' is already defined (every value must be assigned once)");
      spec.output_names.push_back(name);
    }
    if (!n.name().empty()) spec.name = g.find_node(n.name()) == nullptr ? n.name() : g.unique_node_name(n.name());

    graph::Attributes attrs;
    for (const auto& a : n.attribute()) {
      OCTET_CHECK(!a.name().empty(), kWhere, label, ": an attribute has no name");
      std::optional<graph::Attribute> value;
      // Octet's graphs have no outer scope, so the subgraphs of control flow (If, Loop, Scan)
      // often cannot be converted; those operators are not run, so their subgraphs are dropped
      // and the node is reported as unsupported instead.
      const bool runnable = graph::OpRegistry::global().find(n.domain(), n.op_type()) != nullptr;
      if (a.type() == ::onnx::AttributeProto::GRAPH && (options_.lenient || !runnable)) {
        try {
          value = attribute_from_proto(a, label, [this](const ::onnx::GraphProto& sub) { return subgraph(sub); });
        } catch (const Error&) {
          continue;  // dropped: the node's operator is not run when importing for inspection
        }
      } else {
        value = attribute_from_proto(a, label, [this](const ::onnx::GraphProto& sub) { return subgraph(sub); });
      }
      OCTET_CHECK(attrs.emplace(a.name(), std::move(*value)).second, kWhere, label, ": attribute '", a.name(),
                  "' is given twice");
    }
    g.add_node(n.op_type(), std::move(inputs), std::move(attrs), std::move(spec));
  }

  // A subgraph (If's branches, Loop's body) must be self-contained: Octet's graphs have no outer
  // scope to read from.
  std::shared_ptr<graph::Graph> subgraph(const ::onnx::GraphProto& sub) {
    GraphImporter inner(opsets_, options_);
    try {
      return std::make_shared<graph::Graph>(inner.run(sub));
    } catch (const Error& e) {
      OCTET_FAIL(kWhere, "subgraph '", sub.name(), "': ", e.what(),
                 " (subgraphs reading values of the enclosing graph are not supported)");
    }
  }

  const std::map<std::string, int64_t>& opsets_;
  const GraphImportOptions& options_;
};

}  // namespace

graph::TensorType tensor_type_from_proto(const ::onnx::TypeProto& type, std::string_view what) {
  if (type.value_case() == ::onnx::TypeProto::VALUE_NOT_SET) return graph::TensorType();
  OCTET_CHECK(type.has_tensor_type(), kWhere, what,
              " is not a tensor (sequences, maps, optionals and sparse tensors are not supported)");
  const auto& tt = type.tensor_type();
  graph::TensorType out;
  if (tt.elem_type() != 0) out.dtype = dtype_of_code(tt.elem_type(), what);
  if (tt.has_shape()) {
    graph::Dims dims;
    for (const auto& d : tt.shape().dim()) {
      if (d.has_dim_value()) {
        OCTET_CHECK(d.dim_value() >= 0, kWhere, what, ": dim ", dims.size(), " is negative (", d.dim_value(), ")");
        dims.emplace_back(d.dim_value());
      } else if (d.has_dim_param() && !d.dim_param().empty()) {
        dims.emplace_back(d.dim_param());
      } else {
        dims.emplace_back();
      }
    }
    out.shape = std::move(dims);
  }
  return out;
}

graph::Graph graph_from_proto(::onnx::GraphProto* proto, const std::map<std::string, int64_t>& opsets,
                              const GraphImportOptions& options) {
  return GraphImporter(opsets, options).run(*proto, proto);
}

}  // namespace octet::onnx_detail
