// attribute_proto.h: ONNX AttributeProto <-> graph::Attribute, with subgraphs converted by the caller (internal).
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "octet/graph/attribute.h"
#include "octet/graph/graph.h"
#include "onnx/onnx_proto.h"

namespace octet::onnx_detail {

using SubgraphImporter = std::function<std::shared_ptr<graph::Graph>(const ::onnx::GraphProto&)>;
using SubgraphExporter = std::function<void(const graph::Graph&, ::onnx::GraphProto*)>;

// The attribute's value; kinds Octet has no Attribute for (tensors lists, graph lists, sparse
// tensors, type protos, references to function attributes) are an Error naming `where` (the node)
// and the attribute.
graph::Attribute attribute_from_proto(const ::onnx::AttributeProto& proto, std::string_view where,
                                      const SubgraphImporter& import_graph);

void attribute_to_proto(const std::string& name, const graph::Attribute& attr, ::onnx::AttributeProto* proto,
                        const SubgraphExporter& export_graph);

}  // namespace octet::onnx_detail
