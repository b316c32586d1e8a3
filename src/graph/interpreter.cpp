// interpreter.cpp: Interpreter: kernel lookup and last-use analysis once, then runs that feed, check and release tensors.
#include "octet/graph/interpreter.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "octet/error.h"
#include "octet/graph/verifier.h"

namespace octet::graph {
namespace {

constexpr const char* kWhere = "interpreter";

// Bytes a tensor's elements take (views count their own elements, not the storage they share).
int64_t tensor_bytes(const Tensor& t) { return t.defined() ? static_cast<int64_t>(t.nbytes()) : 0; }

std::string dims_of(const Tensor& t) { return TensorType::of(t).to_string(); }

}  // namespace

Interpreter::Interpreter(const Graph& graph) : graph_(graph) {
  verify(graph_);
  const OpRegistry& registry = OpRegistry::global();
  const std::vector<Node*> nodes = graph_.nodes();
  for (const Node* n : nodes) {
    const OpDef* def = registry.find(n->domain(), n->op_type());
    const int64_t opset = graph_.opset(n->domain());
    if (def == nullptr) {
      std::string opset_text = opset > 0 ? detail::str_cat(", opset ", opset) : std::string(", opset unknown");
      OCTET_FAIL(kWhere, n->describe(), ": unsupported operator ", op_display_name(n->domain(), n->op_type()), " (domain ",
                 n->domain().empty() ? std::string("ai.onnx") : n->domain(), opset_text, ")");
    }
    OCTET_CHECK(static_cast<bool>(def->kernel), kWhere, n->describe(), ": operator ",
                op_display_name(n->domain(), n->op_type()), " has no kernel");
    steps_.push_back({n, def, opset});
  }
  // Last uses: walking the nodes in order, the last node reading a value releases it. A value no
  // node reads is released right after it is made (node outputs) or before the first node (inputs).
  // Graph outputs and initializers are never released.
  std::unordered_map<const Value*, int64_t> last;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const Value* in : nodes[i]->inputs()) {
      if (in != nullptr) last[in] = static_cast<int64_t>(i);
    }
  }
  std::unordered_set<const Value*> keep(graph_.outputs().begin(), graph_.outputs().end());
  releases_.assign(nodes.size(), {});
  auto releasable = [&](const Value* v) { return keep.count(v) == 0 && !(v->is_initializer() && !v->is_graph_input()); };
  for (const Value* in : graph_.inputs()) {
    if (!releasable(in)) continue;
    auto it = last.find(in);
    if (it == last.end()) {
      unused_inputs_.push_back(in);
    } else {
      releases_[static_cast<size_t>(it->second)].push_back(in);
    }
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const Value* out : nodes[i]->outputs()) {
      if (out == nullptr || !releasable(out)) continue;
      auto it = last.find(out);
      releases_[static_cast<size_t>(it == last.end() ? static_cast<int64_t>(i) : it->second)].push_back(out);
    }
  }
  // A value read twice by its last node is listed once.
  for (auto& r : releases_) {
    std::sort(r.begin(), r.end());
    r.erase(std::unique(r.begin(), r.end()), r.end());
  }
}

std::vector<Tensor> Interpreter::run(const std::vector<Tensor>& inputs) {
  OCTET_CHECK(inputs.size() == graph_.inputs().size(), kWhere, "graph '", graph_.name(), "' takes ",
              graph_.inputs().size(), " inputs, got ", inputs.size());
  return execute(inputs);
}

std::map<std::string, Tensor> Interpreter::run_named(const std::map<std::string, Tensor>& feeds) {
  std::vector<Tensor> inputs(graph_.inputs().size());
  size_t used = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto it = feeds.find(graph_.inputs()[i]->name());
    if (it != feeds.end()) {
      inputs[i] = it->second;
      ++used;
    }
  }
  if (used != feeds.size()) {
    for (const auto& [name, t] : feeds) {
      const Value* v = graph_.find_value(name);
      OCTET_CHECK(v != nullptr && v->is_graph_input(), kWhere, "graph '", graph_.name(), "' has no input named '", name,
                  "'");
    }
  }
  std::vector<Tensor> outs = execute(std::move(inputs));
  std::map<std::string, Tensor> named;
  for (size_t i = 0; i < outs.size(); ++i) named.emplace(graph_.outputs()[i]->name(), outs[i]);
  return named;
}

std::vector<Tensor> Interpreter::execute(std::vector<Tensor> inputs) {
  stats_ = RunStats();
  std::unordered_map<const Value*, Tensor> env;
  int64_t live_bytes = 0;
  auto hold = [&](const Value* v, Tensor t) {
    live_bytes += tensor_bytes(t);
    auto [it, inserted] = env.insert_or_assign(v, std::move(t));
    (void)it;
    (void)inserted;
  };
  auto release = [&](const Value* v) {
    auto it = env.find(v);
    if (it == env.end()) return;
    live_bytes -= tensor_bytes(it->second);
    env.erase(it);
  };
  auto note_peak = [&] {
    stats_.peak_live_values = std::max<int64_t>(stats_.peak_live_values, static_cast<int64_t>(env.size()));
    stats_.peak_live_bytes = std::max(stats_.peak_live_bytes, live_bytes);
  };

  // Feeds: dtype, rank, sizes and symbols as declared.
  std::unordered_map<std::string, std::pair<int64_t, std::string>> symbols;  // symbol -> (size, input that set it)
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value* in = graph_.inputs()[i];
    Tensor& t = inputs[i];
    if (!t.defined()) {
      OCTET_CHECK(in->is_initializer(), kWhere, "graph input '", in->name(), "' was not given");
      continue;  // the initializer's default, read from the graph
    }
    const TensorType& want = in->type();
    OCTET_CHECK(!want.dtype || *want.dtype == t.dtype(), kWhere, "graph input '", in->name(), "' must be ",
                want.to_string(), ", got ", dims_of(t));
    if (want.shape) {
      OCTET_CHECK(static_cast<int64_t>(want.shape->size()) == t.dim(), kWhere, "graph input '", in->name(),
                  "' must be ", want.to_string(), ", got ", dims_of(t));
      for (int64_t d = 0; d < t.dim(); ++d) {
        const Dim& dim = (*want.shape)[static_cast<size_t>(d)];
        if (dim.is_static()) {
          OCTET_CHECK(dim.size() == t.size(d), kWhere, "graph input '", in->name(), "' must be ", want.to_string(),
                      ", got ", dims_of(t));
        } else if (dim.is_symbolic()) {
          auto [it, fresh] = symbols.try_emplace(dim.symbol(), t.size(d), in->name());
          OCTET_CHECK(fresh || it->second.first == t.size(d), kWhere, "graph input '", in->name(), "' has ",
                      dim.symbol(), " = ", t.size(d), " (dim ", d, ") but input '", it->second.second, "' has ",
                      dim.symbol(), " = ", it->second.first);
        }
      }
    }
    hold(in, std::move(t));
  }
  for (const Value* v : unused_inputs_) release(v);
  note_peak();

  auto lookup = [&](const Value* v) -> const Tensor* {
    auto it = env.find(v);
    if (it != env.end()) return &it->second;
    if (v->is_initializer()) return &v->initializer();
    return nullptr;
  };

  stats_.live_after_node.reserve(steps_.size());
  std::vector<const Tensor*> args;
  for (size_t s = 0; s < steps_.size(); ++s) {
    const Step& step = steps_[s];
    const Node& node = *step.node;
    args.assign(node.inputs().size(), nullptr);
    for (size_t k = 0; k < args.size(); ++k) {
      const Value* in = node.inputs()[k];
      if (in == nullptr) continue;
      args[k] = lookup(in);
      OCTET_CHECK(args[k] != nullptr, kWhere, node.describe(), ": input '", in->name(), "' has no value");
    }
    std::vector<Tensor> outs;
    try {
      outs = step.def->kernel(KernelContext(node, step.opset, args));
    } catch (const Error& e) {
      // Kernel errors already naming the node pass through; others get the node prepended.
      if (e.where() == node.describe()) throw;
      throw Error(node.describe(), e.what());
    }
    OCTET_CHECK(outs.size() == node.outputs().size(), kWhere, node.describe(), ": the kernel returned ", outs.size(),
                " outputs, expected ", node.outputs().size());
    for (size_t k = 0; k < outs.size(); ++k) {
      const Value* out = node.outputs()[k];
      if (out == nullptr) continue;
      OCTET_CHECK(outs[k].defined(), kWhere, node.describe(), ": the kernel gave no value for output '", out->name(), "'");
      const TensorType& want = out->type();
      const TensorType got = TensorType::of(outs[k]);
      bool ok = !want.dtype || *want.dtype == outs[k].dtype();
      if (ok && want.shape) {
        ok = static_cast<int64_t>(want.shape->size()) == outs[k].dim();
        for (int64_t d = 0; ok && d < outs[k].dim(); ++d) {
          const Dim& dim = (*want.shape)[static_cast<size_t>(d)];
          ok = !dim.is_static() || dim.size() == outs[k].size(d);
        }
      }
      OCTET_CHECK(ok, kWhere, node.describe(), ": output '", out->name(), "' is declared ", want.to_string(),
                  " but the kernel produced ", got.to_string());
      hold(out, std::move(outs[k]));
    }
    note_peak();
    for (const Value* v : releases_[s]) release(v);
    stats_.live_after_node.push_back(static_cast<int64_t>(env.size()));
    ++stats_.nodes_run;
  }

  // Outputs: never the graph's own initializer storage (a caller writing into an output must not
  // change the graph).
  std::unordered_set<const Storage*> initializer_storage;
  for (const Value* init : graph_.initializers()) initializer_storage.insert(init->initializer().storage().get());
  std::vector<Tensor> results;
  results.reserve(graph_.outputs().size());
  for (const Value* out : graph_.outputs()) {
    const Tensor* t = lookup(out);
    OCTET_CHECK(t != nullptr, kWhere, "graph output '", out->name(), "' has no value");
    results.push_back(initializer_storage.count(t->storage().get()) != 0 ? t->clone() : t->contiguous());
  }
  return results;
}

std::vector<Tensor> run_graph(const Graph& graph, const std::vector<Tensor>& inputs) {
  Interpreter interpreter(graph);
  return interpreter.run(inputs);
}

}  // namespace octet::graph
