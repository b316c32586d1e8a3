// pattern.cpp: Pattern construction and the backtracking matcher (semantics in pattern.h).
#include "octet/graph/pattern.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "octet/error.h"

namespace octet::graph {
namespace {

bool default_commutative(const std::string& domain, const std::string& op) {
  if (!domain.empty() && domain != "ai.onnx") return false;
  return op == "Add" || op == "Mul" || op == "Max" || op == "Min" || op == "Equal" || op == "Sum";
}

// Every element of a constant equals `want` within a relative tolerance (absolute near zero).
bool all_close(const Tensor& t, double want, double rel_tol) {
  if (t.numel() == 0 || t.is_quantized()) return false;
  const Tensor d = t.to(kFloat64).contiguous();
  const double* p = d.data_ptr<double>();
  const double tol = rel_tol * std::max(1.0, std::fabs(want));
  for (int64_t i = 0; i < d.numel(); ++i) {
    if (!(std::fabs(p[i] - want) <= tol)) return false;
  }
  return true;
}

using Cont = std::function<bool()>;

class Matcher {
 public:
  Matcher(const Pattern& p, Value* anchor) : p_(p), anchor_(anchor) {}

  std::optional<Match> run() {
    std::optional<Match> result;
    match(p_.root().index, anchor_, [&] {
      if (!internal_values_stay_inside()) return false;
      result = record();
      return true;
    });
    return result;
  }

 private:
  using Entry = Pattern::Entry;

  bool bind_name(const std::string& name, Value* v, const Cont& k) {
    if (name.empty()) return k();
    auto it = names_.find(name);
    if (it != names_.end()) return it->second == v && k();
    names_.emplace(name, v);
    if (k()) return true;
    names_.erase(name);
    return false;
  }

  bool match(int64_t pv, Value* v, const Cont& k) {
    if (v == nullptr) return false;
    const Entry& e = p_.entries()[static_cast<size_t>(pv)];
    switch (e.kind) {
      case Pattern::Kind::Any: return bind_name(e.name, v, k);
      case Pattern::Kind::Constant: return constant_value(v).defined() && bind_name(e.name, v, k);
      case Pattern::Kind::Scalar: {
        const Tensor c = constant_value(v);
        return c.defined() && all_close(c, e.scalar, e.rel_tol) && bind_name(e.name, v, k);
      }
      case Pattern::Kind::Node: break;
    }
    Node* n = v->producer();
    if (n == nullptr || n->op_type() != e.op_type || v->producer_output() != e.options.output_index) return false;
    const std::string want_domain = e.options.domain == "ai.onnx" ? std::string() : e.options.domain;
    if (n->domain() != want_domain) return false;
    if (auto it = pnodes_.find(pv); it != pnodes_.end()) return it->second == n && k();
    if (nodes_.count(n) != 0) return false;
    const auto want_inputs = static_cast<int64_t>(e.inputs.size());
    if (e.options.allow_extra_inputs ? n->num_inputs() < want_inputs : n->num_inputs() != want_inputs) return false;
    if (e.options.where && !e.options.where(*n)) return false;
    pnodes_.emplace(pv, n);
    pvalues_.emplace(pv, v);
    nodes_.insert(n);
    std::vector<std::vector<int64_t>> orders{{}};
    for (int64_t i = 0; i < want_inputs; ++i) orders[0].push_back(i);
    if (want_inputs == 2 && e.options.commutative.value_or(default_commutative(e.options.domain, e.op_type))) {
      orders.push_back({1, 0});
    }
    for (const auto& order : orders) {
      if (match_inputs(e, n, order, 0, k)) return true;
    }
    pnodes_.erase(pv);
    pvalues_.erase(pv);
    nodes_.erase(n);
    return false;
  }

  bool match_inputs(const Entry& e, Node* n, const std::vector<int64_t>& order, size_t i, const Cont& k) {
    if (i == e.inputs.size()) return k();
    return match(e.inputs[i].index, n->input(order[i]), [&] { return match_inputs(e, n, order, i + 1, k); });
  }

  bool internal_values_stay_inside() const {
    for (const Node* n : nodes_) {
      for (const Value* out : n->outputs()) {
        if (out == nullptr || out == anchor_) continue;
        if (out->is_graph_output()) return false;
        for (const Use& u : out->uses()) {
          if (nodes_.count(u.node) == 0) return false;
        }
      }
    }
    return true;
  }

  Match record() const {
    Match m;
    m.output = anchor_;
    const Graph& g = anchor_->producer()->graph();
    std::vector<std::pair<int64_t, Node*>> ordered;
    for (Node* n : nodes_) ordered.emplace_back(g.node_index(n), n);
    std::sort(ordered.begin(), ordered.end());
    for (const auto& [pos, n] : ordered) m.nodes.push_back(n);
    m.values = names_;
    for (const auto& [pv, n] : pnodes_) {
      const Entry& e = p_.entries()[static_cast<size_t>(pv)];
      if (e.options.name.empty()) continue;
      m.named_nodes.emplace(e.options.name, n);
      m.values.emplace(e.options.name, pvalues_.at(pv));
    }
    return m;
  }

  const Pattern& p_;
  Value* anchor_;
  std::map<std::string, Value*> names_;
  std::unordered_map<int64_t, Node*> pnodes_;
  std::unordered_map<int64_t, Value*> pvalues_;
  std::unordered_set<Node*> nodes_;
};

}  // namespace

PatternValue Pattern::add(Entry e) {
  entries_.push_back(std::move(e));
  return PatternValue{static_cast<int64_t>(entries_.size()) - 1};
}

PatternValue Pattern::any(std::string name) {
  Entry e;
  e.kind = Kind::Any;
  e.name = std::move(name);
  return add(std::move(e));
}

PatternValue Pattern::constant(std::string name) {
  Entry e;
  e.kind = Kind::Constant;
  e.name = std::move(name);
  return add(std::move(e));
}

PatternValue Pattern::scalar(double value, double rel_tol, std::string name) {
  OCTET_CHECK(rel_tol >= 0, "Pattern::scalar", "rel_tol must be >= 0, got ", rel_tol);
  Entry e;
  e.kind = Kind::Scalar;
  e.scalar = value;
  e.rel_tol = rel_tol;
  e.name = std::move(name);
  return add(std::move(e));
}

PatternValue Pattern::node(std::string op_type, std::vector<PatternValue> inputs, PatternNodeOptions options) {
  OCTET_CHECK(!op_type.empty(), "Pattern::node", "a pattern node needs an op type");
  for (const PatternValue& in : inputs) {
    OCTET_CHECK(in.index >= 0 && in.index < static_cast<int64_t>(entries_.size()), "Pattern::node", op_type,
                ": an input is not a value of this pattern");
  }
  for (const Entry& e : entries_) {
    OCTET_CHECK(options.name.empty() || e.kind != Kind::Node || e.options.name != options.name, "Pattern::node",
                "the name '", options.name, "' is used twice");
  }
  Entry e;
  e.kind = Kind::Node;
  e.op_type = std::move(op_type);
  e.inputs = std::move(inputs);
  e.options = std::move(options);
  return add(std::move(e));
}

void Pattern::output(PatternValue v) {
  OCTET_CHECK(v.index >= 0 && v.index < static_cast<int64_t>(entries_.size()) &&
                  entries_[static_cast<size_t>(v.index)].kind == Kind::Node,
              "Pattern::output", "the output must be a node of this pattern");
  root_ = v;
}

Value* Match::value(const std::string& name) const {
  auto it = values.find(name);
  OCTET_CHECK(it != values.end(), "Match::value", "the pattern has no value named '", name, "'");
  return it->second;
}

Node* Match::node(const std::string& name) const {
  auto it = named_nodes.find(name);
  OCTET_CHECK(it != named_nodes.end(), "Match::node", "the pattern has no node named '", name, "'");
  return it->second;
}

std::optional<Match> match_at(const Pattern& pattern, Value* anchor) {
  OCTET_CHECK(pattern.root().index >= 0, "match_at", "the pattern has no output (call Pattern::output)");
  if (anchor == nullptr || anchor->producer() == nullptr) return std::nullopt;
  return Matcher(pattern, anchor).run();
}

std::vector<Match> find_matches(const Graph& graph, const Pattern& pattern) {
  OCTET_CHECK(pattern.root().index >= 0, "find_matches", "the pattern has no output (call Pattern::output)");
  std::vector<Match> out;
  std::unordered_set<const Node*> taken;
  for (Node* n : graph.nodes()) {
    for (Value* v : n->outputs()) {
      std::optional<Match> m = match_at(pattern, v);
      if (!m) continue;
      const bool overlaps = std::any_of(m->nodes.begin(), m->nodes.end(), [&](const Node* x) { return taken.count(x) != 0; });
      if (overlaps) continue;
      for (const Node* x : m->nodes) taken.insert(x);
      out.push_back(std::move(*m));
    }
  }
  return out;
}

void replace_match(Graph& graph, const Match& match, Value* replacement) {
  graph.substitute(match.output, replacement);
  for (auto it = match.nodes.rbegin(); it != match.nodes.rend(); ++it) graph.erase_node(*it);
}

}  // namespace octet::graph
