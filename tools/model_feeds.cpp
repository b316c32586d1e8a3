// model_feeds.cpp: loading and making the input tensors of `octet run` and `octet bench`.
#include "model_feeds.h"

#include <algorithm>

#include "commands.h"
#include "octet/error.h"
#include "octet/generator.h"
#include "octet/graph/types.h"
#include "octet/io/numpy.h"
#include "octet/onnx/import.h"

namespace octet::cli {
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string input_list(const graph::Graph& g) {
  std::string out;
  for (const graph::Value* v : required_inputs(g)) {
    if (!out.empty()) out.append(", ");
    out.append(v->name());
    out.append(" ");
    out.append(v->type().to_string());
  }
  return out.empty() ? std::string("none") : out;
}

}  // namespace

std::vector<const graph::Value*> required_inputs(const graph::Graph& g) {
  std::vector<const graph::Value*> out;
  for (const graph::Value* v : g.inputs()) {
    if (!v->is_initializer()) out.push_back(v);
  }
  return out;
}

Tensor load_tensor_file(const std::string& path) {
  if (ends_with(path, ".npy")) return io::load_npy(path);
  if (ends_with(path, ".pb")) return onnx::load_tensor(path);
  OCTET_FAIL("octet", "'", path, "': input files must be .npy, .npz or .pb (ONNX TensorProto)");
}

std::map<std::string, Tensor> load_feeds(const graph::Graph& g, const std::vector<std::string>& specs) {
  std::map<std::string, Tensor> feeds;
  auto add = [&](const std::string& name, Tensor t) {
    const graph::Value* v = g.find_value(name);
    if (v == nullptr || !v->is_graph_input()) {
      throw UsageError("the model has no input '" + name + "'; its inputs: " + input_list(g));
    }
    if (feeds.count(name) != 0) throw UsageError("input '" + name + "' is given twice");
    feeds[name] = std::move(t);
  };
  for (const std::string& spec : specs) {
    const size_t eq = spec.find('=');
    if (eq != std::string::npos) {
      add(spec.substr(0, eq), load_tensor_file(spec.substr(eq + 1)));
    } else if (ends_with(spec, ".npz")) {
      for (auto& [name, t] : io::load_npz(spec)) {
        const graph::Value* v = g.find_value(name);
        if (v != nullptr && v->is_graph_input()) add(name, std::move(t));
      }
    } else {
      const std::vector<const graph::Value*> inputs = required_inputs(g);
      if (inputs.size() != 1) {
        throw UsageError("--input " + spec + ": the model has " + std::to_string(inputs.size()) +
                         " inputs, so name each: --input NAME=FILE (inputs: " + input_list(g) + ")");
      }
      add(inputs.front()->name(), load_tensor_file(spec));
    }
  }
  return feeds;
}

void check_all_fed(const graph::Graph& g, const std::map<std::string, Tensor>& feeds) {
  std::string missing;
  for (const graph::Value* v : required_inputs(g)) {
    if (feeds.count(v->name()) != 0) continue;
    if (!missing.empty()) missing.append(", ");
    missing.append(v->name());
    missing.append(" ");
    missing.append(v->type().to_string());
  }
  if (!missing.empty()) throw UsageError("missing inputs: " + missing + " (give each with --input NAME=FILE.npy)");
}

std::map<std::string, Tensor> random_feeds(const graph::Graph& g, std::map<std::string, Tensor> feeds, int64_t batch,
                                           const std::map<std::string, int64_t>& dims, uint64_t seed) {
  Generator gen(seed);
  // A symbol that is the first dim of some input is the batch, wherever it appears.
  std::map<std::string, int64_t> sizes = dims;
  for (const graph::Value* v : required_inputs(g)) {
    const auto& shape = v->type().shape;
    if (shape && !shape->empty() && shape->front().is_symbolic()) sizes.try_emplace(shape->front().symbol(), batch);
  }
  for (const graph::Value* v : required_inputs(g)) {
    if (feeds.count(v->name()) != 0) continue;
    const graph::TensorType& type = v->type();
    if (!type.dtype || !type.shape) {
      throw UsageError("input '" + v->name() + "' has no declared type " + type.to_string() +
                       "; give it with --input NAME=FILE.npy");
    }
    Shape shape;
    for (size_t d = 0; d < type.shape->size(); ++d) {
      const graph::Dim& dim = (*type.shape)[d];
      if (dim.is_static()) {
        shape.push_back(dim.size());
      } else if (dim.is_symbolic() && sizes.count(dim.symbol()) != 0) {
        shape.push_back(sizes.at(dim.symbol()));
      } else if (d == 0) {
        shape.push_back(batch);
      } else {
        throw UsageError("input '" + v->name() + "' " + type.to_string() + ": set dim " + std::to_string(d) + " with --dim " +
                         (dim.is_symbolic() ? dim.symbol() : std::string("NAME")) + "=SIZE, or give the input with --input");
      }
    }
    const DType dt = *type.dtype;
    if (is_floating_point(dt)) {
      feeds[v->name()] = randn(shape, gen, kFloat32).to(dt);
    } else {
      feeds[v->name()] = randint(0, 2, shape, gen, kInt64).to(dt);
    }
  }
  return feeds;
}

std::string describe(const Tensor& t) { return graph::TensorType::of(t).to_string(); }

}  // namespace octet::cli
