// eager_models_bench.cpp: ResNet-18 and MobileNetV2 at batch 1, 3x224x224, in fp32 and eager-mode int8,
// the Octet side of bench/peers/eager_models_vs_pytorch.py.
//
// Benchmark names: <model>/<precision>/threads:<t>
//   model      resnet18 | mobilenet_v2   (examples/models/quantizable_*.h, torchvision's architectures)
//   precision  fp32  the float model (BatchNorm unfused, as the user has it)
//              int8  fuse_model() + get_default_qconfig("x86") + prepare + calibration on
//                    kCalibrationBatches random 1x3x224x224 images + convert
// e.g. resnet18/int8/threads:1. Weights are torchvision's random init (seeded) with BatchNorm
// statistics randomized; the timed input is one N(0, 1) image. Quantization is done once per model,
// outside the timed loop; the int8 model is what convert() returns (weights packed at convert, as in
// PyTorch). Both clocks are reported: wall time, and CPU time of the whole process (all threads),
// which a shared machine disturbs less.
//
// --threads=1,2 (this binary's own flag, before Google Benchmark's) picks the thread counts
// registered; the default is 1 and 2, as the other benches. --benchmark_list_tests prints every name.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <octet/octet.h>
#include <octet/quantization/qconfig.h>
#include <octet/quantization/quantize.h>

#include "models/quantizable_mobilenet_v2.h"
#include "models/quantizable_resnet.h"

namespace {

constexpr int kCalibrationBatches = 4;
const octet::Shape kInput{1, 3, 224, 224};

// BatchNorm statistics away from the identity (torchvision's init leaves them at 1 and 0), so the
// float model does real work in BN and fusion folds real numbers.
void randomize_batchnorms(octet::nn::Module& model, octet::Generator& gen) {
  for (const auto& [name, m] : model.named_modules()) {
    auto bn = std::dynamic_pointer_cast<octet::nn::BatchNorm2d>(m);
    if (!bn) continue;
    const octet::Shape c{bn->num_features()};
    bn->weight.copy_(octet::rand(c, gen) * 0.5 + 0.75);
    bn->bias.copy_(octet::randn(c, gen) * 0.1);
    bn->running_mean.copy_(octet::randn(c, gen) * 0.1);
    bn->running_var.copy_(octet::rand(c, gen) * 0.5 + 0.75);
  }
}

// The float model in eval mode, or its int8 version; built once per (model, precision) and shared by
// the thread counts, since calibration at 224x224 takes seconds.
octet::nn::ModulePtr build(const std::string& model, const std::string& precision) {
  static std::map<std::string, octet::nn::ModulePtr> cache;
  std::string key = model;
  key.append("/").append(precision);
  if (auto it = cache.find(key); it != cache.end()) return it->second;

  octet::Generator gen(20260);
  auto quantize = [&](auto net) -> octet::nn::ModulePtr {
    randomize_batchnorms(*net, gen);
    net->eval();
    if (precision == "fp32") return net;
    net->fuse_model();
    net->qconfig = octet::quantization::get_default_qconfig("x86");
    auto prepared = octet::quantization::prepare(net);
    for (int i = 0; i < kCalibrationBatches; ++i) prepared->forward(octet::randn(kInput, gen));
    return octet::quantization::convert(prepared);
  };
  octet::nn::ModulePtr built = model == "resnet18" ? quantize(octet::models::quantizable_resnet18())
                                                   : quantize(octet::models::quantizable_mobilenet_v2());
  cache[key] = built;
  return built;
}

void run(benchmark::State& state, const std::string& model, const std::string& precision, int threads) {
  octet::set_num_threads(threads);
  const octet::nn::ModulePtr net = build(model, precision);
  octet::Generator gen(1);
  const octet::Tensor x = octet::randn(kInput, gen);
  for (int i = 0; i < 2; ++i) benchmark::DoNotOptimize(net->forward(x));  // warm-up: first-touch, caches
  for (auto _ : state) benchmark::DoNotOptimize(net->forward(x));
  state.counters["threads"] = threads;
}

// Parses and removes this binary's --threads=a,b,... from argv (Google Benchmark rejects flags it
// does not know).
std::vector<int> take_threads_flag(int& argc, char** argv) {
  std::vector<int> threads = {1, 2};
  constexpr const char* kFlag = "--threads=";
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], kFlag, std::strlen(kFlag)) != 0) {
      argv[out++] = argv[i];
      continue;
    }
    threads.clear();
    std::stringstream list(argv[i] + std::strlen(kFlag));
    for (std::string item; std::getline(list, item, ',');) {
      const int t = std::atoi(item.c_str());
      if (t > 0) threads.push_back(t);
    }
  }
  argc = out;
  return threads;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<int> threads = take_threads_flag(argc, argv);
  if (threads.empty()) {
    std::fprintf(stderr, "eager_models_bench: --threads expects a list of positive counts, e.g. --threads=1,2\n");
    return 1;
  }
  for (int t : threads) {
    for (const std::string model : {"resnet18", "mobilenet_v2"}) {
      for (const std::string precision : {"fp32", "int8"}) {
        std::string name = model;
        name.append("/").append(precision).append("/threads:").append(std::to_string(t));
        benchmark::RegisterBenchmark(name.c_str(),
                                     [=](benchmark::State& state) { run(state, model, precision, t); })
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime()
            ->MeasureProcessCPUTime();
      }
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
