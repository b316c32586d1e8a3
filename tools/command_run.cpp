// command_run.cpp: `octet run MODEL.onnx --input NAME=x.npy ... [--output y.npz]`: runs a model once on given inputs.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "cli_args.h"
#include "commands.h"
#include "model_feeds.h"
#include "octet/engine.h"
#include "octet/functional.h"
#include "octet/graph/interpreter.h"
#include "octet/graph/passes.h"
#include "octet/io/numpy.h"
#include "octet/onnx/import.h"

namespace octet::cli {
namespace {

void print_help() {
  std::printf(
      "usage: octet run MODEL.onnx --input NAME=FILE ... [--output FILE] [options]\n"
      "\n"
      "Runs an ONNX model once and writes or prints its outputs.\n"
      "\n"
      "options:\n"
      "  --input NAME=FILE   an input: FILE is .npy or .pb (ONNX TensorProto); a bare FILE when the\n"
      "                      model has one input; FILE.npz feeds every member named like an input\n"
      "  --output FILE       write the outputs: .npz (every output by name) or .npy (one output);\n"
      "                      without it each output's type and first values are printed\n"
      "  --threads N         threads to use (default: OMP_NUM_THREADS or all cores)\n"
      "  --no-optimize       run the graph as imported (default: graph::optimize first; the same\n"
      "                      results to float rounding)\n"
      "  -h, --help          print this help\n"
      "\n"
      "example:\n"
      "  octet run resnet18.onnx --input input=image.npy --output logits.npz\n");
}

void print_output(const std::string& name, const Tensor& t) {
  std::printf("%s: %s\n", name.c_str(), describe(t).c_str());
  const Tensor flat = t.contiguous().reshape({t.numel()});
  const int64_t shown = std::min<int64_t>(flat.numel(), 8);
  std::printf("  [");
  for (int64_t i = 0; i < shown; ++i) {
    std::printf(i == 0 ? "%.6g" : ", %.6g", flat[i].item<double>());
  }
  std::printf("%s]\n", flat.numel() > shown ? ", ..." : "");
}

}  // namespace

int command_run(std::span<const std::string_view> args) {
  std::string model_path, output_path;
  std::vector<std::string> inputs;
  bool optimize = true;
  ArgReader r(args);
  while (!r.done()) {
    const std::string_view a = r.next();
    if (a == "--help" || a == "-h") {
      print_help();
      return 0;
    } else if (auto v = r.value_of(a, "--input")) {
      inputs.push_back(*v);
    } else if (auto v = r.value_of(a, "--output")) {
      output_path = *v;
    } else if (auto v = r.value_of(a, "--threads")) {
      set_num_threads(static_cast<int>(parse_positive("--threads", *v)));
    } else if (a == "--no-optimize") {
      optimize = false;
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError("unknown option '" + std::string(a) + "'; options: --input, --output, --threads, --no-optimize, --help");
    } else if (model_path.empty()) {
      model_path = a;
    } else {
      throw UsageError("unexpected argument '" + std::string(a) + "' (one model per run)");
    }
  }
  if (model_path.empty()) throw UsageError("no model given");
  if (!output_path.empty() && !output_path.ends_with(".npz") && !output_path.ends_with(".npy")) {
    throw UsageError("--output must name a .npz or .npy file, got '" + output_path + "'");
  }

  graph::Graph g = onnx::load_model(model_path);
  const std::map<std::string, Tensor> feeds = load_feeds(g, inputs);
  check_all_fed(g, feeds);
  if (optimize) graph::optimize(g);
  graph::Interpreter interpreter(g);
  const std::map<std::string, Tensor> outs = interpreter.run_named(feeds);

  if (output_path.empty()) {
    for (const graph::Value* v : g.outputs()) print_output(v->name(), outs.at(v->name()));
  } else if (output_path.ends_with(".npz")) {
    io::save_npz(output_path, outs);
    std::printf("wrote %zu outputs to %s\n", outs.size(), output_path.c_str());
  } else {
    if (outs.size() != 1) {
      throw UsageError("the model has " + std::to_string(outs.size()) + " outputs: write them to a .npz file");
    }
    io::save_npy(output_path, outs.begin()->second);
    std::printf("wrote %s to %s\n", outs.begin()->first.c_str(), output_path.c_str());
  }
  return 0;
}

}  // namespace octet::cli
