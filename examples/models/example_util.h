// example_util.h: what the model examples share: where the weights are, the constructor arguments
// stored in a weights file, the comparison with PyTorch's output, top-k and latency.
//
// Weights files are written by scripts/golden/gen_models.py: <model>.safetensors holds the
// state_dict plus metadata with the constructor arguments ("width": "8"), and <model>_io.safetensors
// holds an "input" and PyTorch's "output" for it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "octet/error.h"
#include "octet/engine.h"
#include "octet/functional/activation.h"
#include "octet/generator.h"
#include "octet/io/safetensors.h"
#include "octet/tensor.h"

namespace octet::examples {

// The folder of the committed small models (set by the build), or "" when unknown.
inline std::string default_models_dir() {
#ifdef OCTET_MODELS_DIR
  return OCTET_MODELS_DIR;
#else
  return "";
#endif
}

struct ModelFiles {
  std::string weights;  // the state dict
  std::string io;       // input and PyTorch's output; "" when there is none
};

// argv[1] (weights) and argv[2] (input/output) when given; else the committed <model>.safetensors.
// Without argv[2], the io file is the weights path with "_io" before ".safetensors", when it exists.
inline ModelFiles model_files(int argc, char** argv, const std::string& model) {
  ModelFiles files;
  if (argc > 1) {
    files.weights = argv[1];
  } else {
    const std::string dir = default_models_dir();
    OCTET_CHECK(!dir.empty(), model, "no weights path given and no default models folder built in");
    files.weights = dir + "/" + model + ".safetensors";
  }
  if (argc > 2) {
    files.io = argv[2];
  } else {
    std::filesystem::path io = files.weights;
    io.replace_filename(io.stem().string() + "_io.safetensors");
    if (std::filesystem::exists(io)) files.io = io.string();
  }
  return files;
}

// A constructor argument from the weights file's metadata, or `fallback` when absent.
inline int64_t meta_int(const std::map<std::string, std::string>& meta, const std::string& key, int64_t fallback) {
  auto it = meta.find(key);
  return it == meta.end() ? fallback : std::stoll(it->second);
}
inline double meta_double(const std::map<std::string, std::string>& meta, const std::string& key, double fallback) {
  auto it = meta.find(key);
  return it == meta.end() ? fallback : std::stod(it->second);
}

// max |actual - expected| / max |expected|: the measure the tests hold models to.
inline double max_relative_difference(const Tensor& actual, const Tensor& expected) {
  OCTET_CHECK(actual.shape() == expected.shape(), "compare", "output shape ", shape_to_string(actual.shape()),
              " differs from PyTorch's ", shape_to_string(expected.shape()));
  const Tensor a = actual.to(kFloat64).contiguous(), e = expected.to(kFloat64).contiguous();
  const double* pa = a.data_ptr<double>();
  const double* pe = e.data_ptr<double>();
  double max_diff = 0, max_ref = 0;
  for (int64_t i = 0; i < e.numel(); ++i) {
    max_diff = std::max(max_diff, std::fabs(pa[i] - pe[i]));
    max_ref = std::max(max_ref, std::fabs(pe[i]));
  }
  return max_diff / (max_ref > 0 ? max_ref : 1.0);
}

// The k largest entries of a 1-D float tensor as (index, value), largest first.
inline std::vector<std::pair<int64_t, float>> topk(const Tensor& row, int64_t k) {
  const Tensor r = row.contiguous();
  std::vector<std::pair<int64_t, float>> items;
  for (int64_t i = 0; i < r.numel(); ++i) items.emplace_back(i, r.data_ptr<float>()[i]);
  k = std::min<int64_t>(k, static_cast<int64_t>(items.size()));
  std::partial_sort(items.begin(), items.begin() + k, items.end(),
                    [](const auto& x, const auto& y) { return x.second > y.second; });
  items.resize(static_cast<std::size_t>(k));
  return items;
}

// Median wall time of `repeats` calls of fn, in milliseconds, after one warm-up call.
template <typename Fn>
double median_ms(Fn&& fn, int repeats) {
  fn();
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// Runs an image classifier on the stored input (or a random 1x3x224x224 image), prints the top-5
// classes per image, the difference to PyTorch's stored output and the median forward latency.
template <typename Model>
void report_classifier(Model& model, const ModelFiles& files) {
  Tensor input, expected;
  if (!files.io.empty()) {
    const io::SafetensorsFile io_file = io::load_safetensors(files.io);
    input = io_file.tensors.at("input");
    expected = io_file.tensors.at("output");
  } else {
    Generator gen(/*seed=*/0);
    input = randn({1, 3, 224, 224}, gen);
  }
  const Tensor logits = model.forward(input);
  const Tensor probs = functional::softmax(logits, 1);
  for (int64_t n = 0; n < probs.shape()[0]; ++n) {
    std::printf("image %lld top-5:", static_cast<long long>(n));
    for (const auto& [cls, p] : topk(probs[n], 5)) std::printf("  %lld (%.3f)", static_cast<long long>(cls), p);
    std::printf("\n");
  }
  if (expected.defined()) {
    std::printf("max relative difference to PyTorch: %.3g\n", max_relative_difference(logits, expected));
  }
  const double ms = median_ms([&] { model.forward(input); }, /*repeats=*/10);
  std::printf("forward latency: %.2f ms (median of 10, input %s, %d threads)\n", ms,
              shape_to_string(input.shape()).c_str(), get_num_threads());
}

}  // namespace octet::examples
