// verifier.h: checks that a Graph is well formed, and says what is wrong and where when it is not.
//
// verify() throws an Error naming the first problem and the node or value it concerns:
//   * structure: every value has a unique, non-empty name; named nodes have unique names; every node
//     input is a live value of this graph, produced by an earlier node or a graph input or an
//     initializer (topological order, no dangling or undefined values); use lists agree with
//     inputs; the graph has outputs and each is a value of the graph;
//   * types: an initializer's declared type is its tensor's; for every operator the registry knows,
//     the input and output counts are within its definition, and its shape inference, run on the
//     declared input types, agrees with the declared output types wherever both are known (dtypes,
//     ranks, known sizes; symbols are compatible with anything).
// Operators the registry does not know are checked for structure only (the interpreter rejects
// them; the importer may still hold them).
//
// What the Graph API itself refuses is not checked again: duplicate or empty value names, node
// inputs and graph outputs that are values of another graph, and erasing a value something still
// reads (so no node input is left undefined and every graph output is a value of the graph).
#pragma once

#include "octet/graph/graph.h"

namespace octet::graph {

struct VerifyOptions {
  bool check_types = true;  // run the per-operator checks (arity and shape inference)
};

void verify(const Graph& graph, const VerifyOptions& options = {});

}  // namespace octet::graph
