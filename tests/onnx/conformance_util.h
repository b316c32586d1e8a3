// conformance_util.h: runs one ONNX backend node test (model.onnx + test_data_set_*) through Octet and classifies the outcome; keeps the per-operator tally.
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "onnx/known_failures.h"
#include "onnx/onnx_proto.h"
#include "octet/error.h"
#include "octet/graph/interpreter.h"
#include "octet/onnx/import.h"

namespace octet::onnx::test {

namespace fs = std::filesystem;

inline constexpr const char* kNoTestDataMessage =
    "ONNX's backend node tests are not installed (apt-get install libonnx-testdata, or set "
    "OCTET_ONNX_BACKEND_TEST_DIR to the folder holding node/)";

// The folder holding node/, or "" when absent.
inline std::string backend_test_dir() {
  std::string dir;
  if (const char* env = std::getenv("OCTET_ONNX_BACKEND_TEST_DIR"); env != nullptr && env[0] != '\0') {
    dir = env;
  } else {
#ifdef OCTET_ONNX_BACKEND_TEST_DIR
    dir = OCTET_ONNX_BACKEND_TEST_DIR;
#endif
  }
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(fs::path(dir) / "node", ec)) return "";
  return dir;
}

// Every node test folder name, sorted ("test_abs", ...); empty when the data is absent.
inline std::vector<std::string> node_test_names() {
  std::vector<std::string> out;
  const std::string dir = backend_test_dir();
  if (dir.empty()) return out;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "node")) {
    if (fs::exists(e.path() / "model.onnx")) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

enum class Outcome { Passed, Unsupported, KnownFailure, UnexpectedPass, Failed };

struct NodeTestResult {
  std::string name;
  std::string op;      // the operator the test exercises
  Outcome outcome = Outcome::Failed;
  std::string detail;  // why it did not pass
  std::string reason;  // the kKnownFailures entry, when listed
};

// ONNX's comparison: same dtype and shape, |a - e| <= atol + rtol * |e| (NaN equals NaN).
inline std::string compare(const Tensor& expected, const Tensor& actual, const std::string& label) {
  if (expected.dtype() != actual.dtype()) {
    return detail::str_cat(label, ": dtype ", actual.dtype(), ", expected ", expected.dtype());
  }
  if (expected.shape() != actual.shape()) {
    return detail::str_cat(label, ": shape ", shape_to_string(actual.shape()), ", expected ",
                           shape_to_string(expected.shape()));
  }
  const bool exact = !is_floating_point(expected.dtype());
  const Tensor e = expected.to(kFloat64).contiguous();
  const Tensor a = actual.to(kFloat64).contiguous();
  const double* pe = e.data_ptr<double>();
  const double* pa = a.data_ptr<double>();
  for (int64_t i = 0; i < e.numel(); ++i) {
    if (std::isnan(pe[i]) && std::isnan(pa[i])) continue;
    if (std::isinf(pe[i]) && pe[i] == pa[i]) continue;
    const double tol = exact ? 0.0 : 1e-7 + 1e-3 * std::fabs(pe[i]);
    if (!(std::fabs(pa[i] - pe[i]) <= tol)) {
      return detail::str_cat(label, ": element ", i, " is ", pa[i], ", expected ", pe[i]);
    }
  }
  return "";
}

// "ReduceMean" -> "reducemean", for matching test names to op types.
inline std::string squash(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c != '_') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

// Every operator name ONNX defines, from libonnx's schema registry.
inline const std::vector<std::string>& onnx_op_names() {
  static const std::vector<std::string> names = [] {
    std::set<std::string> unique;
    for (const auto& schema : ::onnx::OpSchemaRegistry::get_all_schemas()) unique.insert(schema.Name());
    return std::vector<std::string>(unique.begin(), unique.end());
  }();
  return names;
}

// The operator a test exercises: its one node's op type, or for a multi-node model (an expanded
// function, a training step) the longest ONNX operator name the test name starts with.
inline std::string test_op(const std::string& name, const std::vector<std::string>& op_types) {
  std::set<std::string> unique(op_types.begin(), op_types.end());
  if (unique.size() == 1) return *unique.begin();
  const std::string key = squash(name.substr(name.rfind("test_", 0) == 0 ? 5 : 0));
  // ONNX's abbreviated test names.
  for (const auto& [prefix, op] : {std::pair<const char*, const char*>{"sce", "SoftmaxCrossEntropyLoss"},
                                   {"nllloss", "NegativeLogLikelihoodLoss"},
                                   {"mvn", "MeanVarianceNormalization"}}) {
    if (key.rfind(prefix, 0) == 0) return op;
  }
  std::string best;
  for (const std::string& op : onnx_op_names()) {
    if (key.rfind(squash(op), 0) == 0 && op.size() > best.size()) best = op;
  }
  return best.empty() ? std::string("(other)") : best;
}

// The op types of a model's nodes, read straight from the file (whether Octet imports it or not).
inline std::vector<std::string> model_op_types(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  ::onnx::ModelProto model;
  std::vector<std::string> ops;
  if (!model.ParseFromString(bytes.str())) return ops;
  for (const auto& n : model.graph().node()) ops.push_back(n.op_type());
  return ops;
}

inline bool is_dtype_limitation(const std::string& message) {
  return message.find("has no Octet dtype") != std::string::npos ||
         message.find("is not a tensor (sequences") != std::string::npos;
}

inline NodeTestResult run_node_test_unlisted(const std::string& name) {
  NodeTestResult r;
  r.name = name;
  const fs::path dir = fs::path(backend_test_dir()) / "node" / name;
  const std::string model_path = (dir / "model.onnx").string();
  r.op = test_op(name, model_op_types(model_path));
  ModelInfo info;
  graph::Graph g;
  try {
    g = load_model(model_path, {}, &info);
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.find("Octet does not support") != std::string::npos || is_dtype_limitation(msg)) {
      r.outcome = Outcome::Unsupported;
      r.detail = msg;
      return r;
    }
    r.detail = "import: " + msg;
    return r;
  }
  try {
    graph::Interpreter interp(g);
    std::vector<const graph::Value*> feedable;
    for (const graph::Value* v : g.inputs()) {
      if (!v->is_initializer()) feedable.push_back(v);
    }
    std::vector<fs::path> sets;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0) sets.push_back(e.path());
    }
    std::sort(sets.begin(), sets.end());
    if (sets.empty()) {
      r.detail = "no test_data_set_* folder";
      return r;
    }
    for (const fs::path& set : sets) {
      std::map<std::string, Tensor> feeds;
      for (size_t i = 0;; ++i) {
        const fs::path p = set / ("input_" + std::to_string(i) + ".pb");
        if (!fs::exists(p)) break;
        std::string tname;
        Tensor t = load_tensor(p.string(), &tname);
        const graph::Value* v = g.find_value(tname);
        if (tname.empty() || v == nullptr || !v->is_graph_input()) {
          if (i >= feedable.size()) {
            r.detail = detail::str_cat(p.filename().string(), " has no matching graph input");
            return r;
          }
          tname = feedable[i]->name();
        }
        feeds[tname] = std::move(t);
      }
      const std::map<std::string, Tensor> got = interp.run_named(feeds);
      for (size_t i = 0; i < g.outputs().size(); ++i) {
        const fs::path p = set / ("output_" + std::to_string(i) + ".pb");
        if (!fs::exists(p)) continue;
        const Tensor expected = load_tensor(p.string());
        const std::string out_name = g.outputs()[i]->name();
        const std::string diff =
            compare(expected, got.at(out_name), detail::str_cat(set.filename().string(), " output '", out_name, "'"));
        if (!diff.empty()) {
          r.detail = diff;
          return r;
        }
      }
    }
  } catch (const Error& e) {
    const std::string msg = e.what();
    r.detail = "run: " + msg;
    return r;
  }
  r.outcome = Outcome::Passed;
  return r;
}

inline NodeTestResult run_node_test(const std::string& name) {
  NodeTestResult r = run_node_test_unlisted(name);
  const auto it = known_failures().find(name);
  if (it == known_failures().end()) return r;
  r.reason = it->second;
  if (r.outcome == Outcome::Failed) {
    r.outcome = Outcome::KnownFailure;
  } else if (r.outcome == Outcome::Passed) {
    r.outcome = Outcome::UnexpectedPass;
  }
  return r;
}

// --- the tally across a run ------------------------------------------------------------------------

inline std::vector<NodeTestResult>& results() {
  static std::vector<NodeTestResult> all;
  return all;
}

inline void record(const NodeTestResult& r) { results().push_back(r); }

inline void print_report() {
  const std::vector<NodeTestResult>& all = results();
  if (all.size() < 2) return;
  struct Count {
    int passed = 0, failed = 0, unsupported = 0;
  };
  std::map<std::string, Count> per_op;
  int passed = 0, failed = 0, unsupported = 0;
  for (const NodeTestResult& r : all) {
    Count& c = per_op[r.op];
    if (r.outcome == Outcome::Passed) {
      ++c.passed;
      ++passed;
    } else if (r.outcome == Outcome::Unsupported) {
      ++c.unsupported;
      ++unsupported;
    } else {
      ++c.failed;
      ++failed;
    }
  }
  std::printf("\nONNX node tests: %d passed, %d failing, %d unsupported, %zu in all\n", passed, failed, unsupported,
              all.size());
  const char* path = std::getenv("OCTET_ONNX_CONFORMANCE_REPORT");
  if (path == nullptr || path[0] == '\0') return;
  std::ofstream md(path);
  md << "| operator | passed | failing | supported tests | unsupported tests |\n|---|---|---|---|---|\n";
  for (const auto& [op, c] : per_op) {
    if (c.passed + c.failed == 0) continue;
    md << "| " << op << " | " << c.passed << " | " << c.failed << " | " << c.passed + c.failed << " | "
       << c.unsupported << " |\n";
  }
  md << "| **all** | **" << passed << "** | **" << failed << "** | **" << passed + failed << "** | **" << unsupported
     << "** |\n\nFailing:\n\n";
  for (const NodeTestResult& r : all) {
    if (r.outcome == Outcome::KnownFailure || r.outcome == Outcome::Failed || r.outcome == Outcome::UnexpectedPass) {
      md << "- `" << r.name << "` (" << r.op << "): " << (r.reason.empty() ? r.detail : r.reason) << "\n";
    }
  }
  md << "\nUnsupported operators:\n\n";
  std::map<std::string, int> unsupported_ops;
  for (const NodeTestResult& r : all) {
    if (r.outcome == Outcome::Unsupported) ++unsupported_ops[r.op];
  }
  for (const auto& [op, n] : unsupported_ops) md << op << " (" << n << "), ";
  md << "\n\nUnsupported for their dtypes (ops Octet runs):\n\n";
  for (const NodeTestResult& r : all) {
    if (r.outcome == Outcome::Unsupported && is_dtype_limitation(r.detail)) md << "`" << r.name << "`, ";
  }
  md << "\n";
}

}  // namespace octet::onnx::test
