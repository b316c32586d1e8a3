// command_inspect.cpp: `octet inspect MODEL.onnx`: inputs and outputs, operator histogram, parameters, and what Octet cannot run.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "cli_args.h"
#include "commands.h"
#include "octet/graph/op_registry.h"
#include "octet/onnx/import.h"

namespace octet::cli {
namespace {

void print_help() {
  std::printf(
      "usage: octet inspect MODEL.onnx\n"
      "\n"
      "Describes an ONNX model: producer, IR version and opsets; its inputs and outputs with their\n"
      "types (symbolic dims by name); the parameters (initializers: count, elements and bytes per\n"
      "dtype); a histogram of its operators; and every node Octet cannot run (the model still\n"
      "loads here; `octet run` would refuse it).\n"
      "\n"
      "options:\n"
      "  -h, --help   print this help\n");
}

// 11689512 -> "11,689,512".
std::string grouped(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string megabytes(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

}  // namespace

int command_inspect(std::span<const std::string_view> args) {
  std::string model_path;
  for (std::string_view a : args) {
    if (a == "--help" || a == "-h") {
      print_help();
      return 0;
    }
    if (!a.empty() && a[0] == '-') throw UsageError("unknown option '" + std::string(a) + "'; options: --help");
    if (!model_path.empty()) throw UsageError("unexpected argument '" + std::string(a) + "' (one model at a time)");
    model_path = a;
  }
  if (model_path.empty()) throw UsageError("no model given");

  onnx::ImportOptions options;
  options.allow_unsupported = true;
  onnx::ModelInfo info;
  const graph::Graph g = onnx::load_model(model_path, options, &info);

  std::printf("model: %s\n", model_path.c_str());
  std::printf("  producer: %s %s\n", info.producer_name.empty() ? "(unknown)" : info.producer_name.c_str(),
              info.producer_version.c_str());
  std::printf("  IR version %lld, opset %lld", static_cast<long long>(info.ir_version),
              static_cast<long long>(info.file_opset));
  if (g.opset() != info.file_opset) std::printf(" (converted to %lld)", static_cast<long long>(g.opset()));
  for (const auto& [domain, version] : info.opset_imports) {
    if (!domain.empty()) std::printf(", %s %lld", domain.c_str(), static_cast<long long>(version));
  }
  std::printf("\n");

  auto print_values = [](const char* title, const std::vector<graph::Value*>& values) {
    std::printf("%s (%zu):\n", title, values.size());
    size_t width = 0;
    for (const graph::Value* v : values) width = std::max(width, v->name().size());
    for (const graph::Value* v : values) {
      std::printf("  %-*s  %s%s\n", static_cast<int>(width), v->name().c_str(), v->type().to_string().c_str(),
                  v->is_initializer() ? "  (has a default)" : "");
    }
  };
  print_values("inputs", g.inputs());
  print_values("outputs", g.outputs());

  int64_t elements = 0, bytes = 0, count = 0;
  std::map<std::string, std::pair<int64_t, int64_t>> by_dtype;  // elements, bytes
  for (const graph::Value* v : g.initializers()) {
    const Tensor& t = v->initializer();
    ++count;
    elements += t.numel();
    bytes += static_cast<int64_t>(t.nbytes());
    auto& d = by_dtype[std::string(dtype_name(t.dtype()))];
    d.first += t.numel();
    d.second += static_cast<int64_t>(t.nbytes());
  }
  std::printf("parameters: %s in %lld initializers, %s", grouped(elements).c_str(), static_cast<long long>(count),
              megabytes(bytes).c_str());
  if (info.external_bytes > 0) std::printf(" (%s from external data)", megabytes(info.external_bytes).c_str());
  std::printf("\n");
  for (const auto& [dtype, eb] : by_dtype) {
    std::printf("  %-9s %s (%s)\n", dtype.c_str(), grouped(eb.first).c_str(), megabytes(eb.second).c_str());
  }

  std::map<std::string, int64_t> histogram;
  for (const graph::Node* n : g.nodes()) histogram[graph::op_display_name(n->domain(), n->op_type())]++;
  std::vector<std::pair<std::string, int64_t>> ops(histogram.begin(), histogram.end());
  std::stable_sort(ops.begin(), ops.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::printf("operators (%lld nodes, %zu types):\n", static_cast<long long>(g.num_nodes()), ops.size());
  const graph::OpRegistry& registry = graph::OpRegistry::global();
  for (const auto& [op, n] : ops) {
    const size_t sep = op.rfind("::");
    const std::string domain = sep == std::string::npos ? "" : op.substr(0, sep);
    const std::string type = sep == std::string::npos ? op : op.substr(sep + 2);
    std::printf("  %-24s %6lld%s\n", op.c_str(), static_cast<long long>(n),
                registry.find(domain, type) == nullptr ? "  (unsupported)" : "");
  }
  if (info.unsupported.empty()) {
    std::printf("unsupported: none (Octet runs every node)\n");
  } else {
    std::printf("unsupported (%zu nodes):\n", info.unsupported.size());
    for (const std::string& u : info.unsupported) std::printf("  %s\n", u.c_str());
  }
  return 0;
}

}  // namespace octet::cli
