// pattern.h: finds subgraphs of a given form, so that passes can rewrite them.
//
// A Pattern is a small dataflow graph written like a Builder graph, with wildcards at its leaves:
//
//   Pattern p;                                            // GELU: x * 0.5 * (1 + erf(x / sqrt 2))
//   PatternValue x = p.any("x");
//   PatternValue e = p.node("Erf", {p.node("Div", {x, p.scalar(1.41421356)})});
//   PatternValue h = p.node("Mul", {x, p.node("Add", {e, p.scalar(1.0)})});
//   p.output(p.node("Mul", {h, p.scalar(0.5)}, {.name = "out"}));
//   for (const Match& m : find_matches(graph, p)) { m.value("x"); m.node("out"); ... }
//
// Matching starts at a graph value for the pattern's output and walks producers backwards:
//   * a node pattern matches the producer of the value when the op type and domain agree, the node
//     has exactly as many inputs (more when allow_extra_inputs), the output index agrees, its `where`
//     predicate (attributes, ...) holds, and its inputs match the pattern's inputs; two-input
//     commutative ops (Add, Mul, and any node marked commutative) match their inputs in either order;
//   * any("x") matches any value (present input); every use of the same name binds the same value;
//   * constant("c") matches a value whose constant_value() is known; scalar(v) matches a constant
//     whose every element is v within a relative tolerance;
//   * one pattern node matches one graph node and vice versa; a pattern node used twice (a value
//     read by two pattern nodes) must be the same graph node both times.
// A match is kept only when its internal values (outputs of matched nodes other than the match's
// output) are read by nothing outside the match and are not graph outputs, so replacing the match
// by a new node never leaves a reader behind. find_matches() returns non-overlapping matches,
// trying anchors in graph order.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "octet/graph/graph.h"

namespace octet::graph {

class Pattern;

// A value of a pattern (a handle into it).
struct PatternValue {
  int64_t index = -1;
};

struct PatternNodeOptions {
  std::string name{};  // the key of Match::node() and, for its output, Match::value()
  std::string domain{};
  int64_t output_index = 0;  // which output of the graph node this pattern value is
  // Commutative two-input op (inputs tried in both orders); nullopt: true for Add, Mul, Max, Min,
  // Equal and Sum of the default domain.
  std::optional<bool> commutative{};
  bool allow_extra_inputs = false;  // trailing graph inputs beyond the pattern's are ignored
  std::function<bool(const Node&)> where{};  // extra condition on the graph node
};

class Pattern {
 public:
  PatternValue any(std::string name);
  PatternValue constant(std::string name);
  PatternValue scalar(double value, double rel_tol = 1e-6, std::string name = "");
  PatternValue node(std::string op_type, std::vector<PatternValue> inputs, PatternNodeOptions options = {});
  void output(PatternValue v);

  // --- internals, for the matcher ---
  enum class Kind : uint8_t { Any, Constant, Scalar, Node };
  struct Entry {
    Kind kind = Kind::Any;
    std::string name;
    double scalar = 0;
    double rel_tol = 0;
    std::string op_type;
    std::vector<PatternValue> inputs;
    PatternNodeOptions options;
  };
  const std::vector<Entry>& entries() const { return entries_; }
  PatternValue root() const { return root_; }

 private:
  PatternValue add(Entry e);
  std::vector<Entry> entries_;
  PatternValue root_;
};

struct Match {
  Value* output = nullptr;                 // the graph value matched by the pattern's output
  std::vector<Node*> nodes;                // every matched node, in graph order
  std::map<std::string, Value*> values;    // named wildcards and constants, and named nodes' outputs
  std::map<std::string, Node*> named_nodes;

  // Lookups by the names given in the pattern; an Error for an unknown name.
  Value* value(const std::string& name) const;
  Node* node(const std::string& name) const;
};

// Matches the pattern with its output at `anchor`; nullopt when it does not match.
std::optional<Match> match_at(const Pattern& pattern, Value* anchor);
// Every non-overlapping match in the graph, anchors tried in graph order.
std::vector<Match> find_matches(const Graph& graph, const Pattern& pattern);

// Rewires every reader of the match's output to `replacement` (which takes the output's name) and
// erases the matched nodes. The replacement must be computed from values outside the match (its
// leaves: wildcards and constants), typically by a node inserted just before the match's last node.
void replace_match(Graph& graph, const Match& match, Value* replacement);

}  // namespace octet::graph
