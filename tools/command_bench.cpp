// command_bench.cpp: `octet bench MODEL.onnx [--batch N] [--threads N] [--iterations N]`: latency and throughput of a model, with a progress bar.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "cli_args.h"
#include "commands.h"
#include "model_feeds.h"
#include "octet/engine.h"
#include "octet/graph/interpreter.h"
#include "octet/graph/passes.h"
#include "octet/onnx/import.h"

namespace octet::cli {
namespace {

void print_help() {
  std::printf(
      "usage: octet bench MODEL.onnx [--batch N] [--threads N] [--iterations N] [options]\n"
      "\n"
      "Times a model: runs it --warmup times, then --iterations times, and reports the median, mean,\n"
      "min and 90th percentile latency of one run and the throughput (batch / median latency).\n"
      "Inputs not given with --input are random: floats N(0, 1), integers and bools 0 or 1. A\n"
      "symbolic first dim takes --batch; other symbolic dims need --dim NAME=SIZE. A progress bar\n"
      "goes to stderr.\n"
      "\n"
      "options:\n"
      "  --batch N          the batch size for symbolic first dims (default 1)\n"
      "  --threads N        threads to use (default: OMP_NUM_THREADS or all cores)\n"
      "  --iterations N     timed runs (default 20)\n"
      "  --warmup N         untimed runs first (default 3)\n"
      "  --dim NAME=SIZE    the size of a symbolic dim, e.g. --dim sequence=128\n"
      "  --input NAME=FILE  feed an input from .npy/.pb instead of random values\n"
      "  --no-optimize      time the graph as imported (default: graph::optimize first)\n"
      "  --quiet            no progress bar\n"
      "  -h, --help         print this help\n"
      "\n"
      "example:\n"
      "  octet bench bert.onnx --batch 8 --dim sequence=128 --threads 4\n");
}

void progress(int done, int total, bool quiet) {
  if (quiet) return;
  constexpr int kWidth = 30;
  const int filled = total == 0 ? kWidth : done * kWidth / total;
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar.push_back('>');
  bar.resize(kWidth, ' ');
  std::fprintf(stderr, "\r  [%s] %d/%d runs", bar.c_str(), done, total);
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace

int command_bench(std::span<const std::string_view> args) {
  std::string model_path;
  std::vector<std::string> inputs;
  std::map<std::string, int64_t> dims;
  int64_t batch = 1, iterations = 20, warmup = 3;
  bool optimize = true, quiet = false;
  ArgReader r(args);
  while (!r.done()) {
    const std::string_view a = r.next();
    if (a == "--help" || a == "-h") {
      print_help();
      return 0;
    } else if (auto v = r.value_of(a, "--batch")) {
      batch = parse_positive("--batch", *v);
    } else if (auto v = r.value_of(a, "--threads")) {
      set_num_threads(static_cast<int>(parse_positive("--threads", *v)));
    } else if (auto v = r.value_of(a, "--iterations")) {
      iterations = parse_positive("--iterations", *v);
    } else if (auto v = r.value_of(a, "--warmup")) {
      warmup = *v == "0" ? 0 : parse_positive("--warmup", *v);
    } else if (auto v = r.value_of(a, "--dim")) {
      auto [name, size] = parse_pair("--dim", *v, "NAME=SIZE");
      dims[name] = parse_positive("--dim " + name, size);
    } else if (auto v = r.value_of(a, "--input")) {
      inputs.push_back(*v);
    } else if (a == "--no-optimize") {
      optimize = false;
    } else if (a == "--quiet") {
      quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError("unknown option '" + std::string(a) +
                       "'; options: --batch, --threads, --iterations, --warmup, --dim, --input, --no-optimize, "
                       "--quiet, --help");
    } else if (model_path.empty()) {
      model_path = a;
    } else {
      throw UsageError("unexpected argument '" + std::string(a) + "' (one model at a time)");
    }
  }
  if (model_path.empty()) throw UsageError("no model given");

  graph::Graph g = onnx::load_model(model_path);
  const std::map<std::string, Tensor> feeds = random_feeds(g, load_feeds(g, inputs), batch, dims, /*seed=*/1);
  if (optimize) graph::optimize(g);
  graph::Interpreter interpreter(g);

  std::printf("model: %s (batch %lld, %d threads, %s)\n", model_path.c_str(), static_cast<long long>(batch),
              get_num_threads(), optimize ? "optimized" : "as imported");
  for (const auto& [name, t] : feeds) std::printf("  input %s: %s\n", name.c_str(), describe(t).c_str());
  const int total = static_cast<int>(warmup + iterations);
  std::vector<double> ms;
  progress(0, total, quiet);
  for (int i = 0; i < total; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const auto outs = interpreter.run_named(feeds);
    const auto stop = std::chrono::steady_clock::now();
    if (i >= warmup) ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
    progress(i + 1, total, quiet);
  }
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted.size() % 2 == 1 ? sorted[sorted.size() / 2]
                                                : (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]) / 2;
  const double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
  const double p90 = sorted[std::min(sorted.size() - 1, static_cast<size_t>(0.9 * static_cast<double>(sorted.size())))];
  std::printf("latency: median %.3f ms, mean %.3f ms, min %.3f ms, p90 %.3f ms (%lld runs after %lld warm-up)\n", median,
              mean, sorted.front(), p90, static_cast<long long>(iterations), static_cast<long long>(warmup));
  std::printf("throughput: %.2f samples/s (batch %lld / median latency)\n",
              static_cast<double>(batch) * 1000.0 / median, static_cast<long long>(batch));
  return 0;
}

}  // namespace octet::cli
