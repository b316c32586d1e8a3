// quantize_ops_bench.cpp: tensor-level quantize / dequantize / per-channel quantize, the Octet side
// of bench/peers/quantize_vs_pytorch.py (same shapes, same threads).
//
// Benchmark names encode the case: <op>/<dtype>/<shape>/threads:<n>, e.g.
// quantize_per_tensor/quint8/1x64x112x112/threads:1.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <octet/octet.h>

namespace {

// Activation and weight shapes from ResNet-18, MobileNetV2 and BERT-base.
const std::vector<octet::Shape> kShapes = {
    {1, 64, 112, 112},  // ResNet-18 conv1 output
    {1, 32, 112, 112},  // MobileNetV2 first block
    {128, 768},         // BERT-base hidden states, seq 128
    {3072, 768},        // BERT-base FFN weight
    {512, 512, 3, 3},   // ResNet-18 layer4 conv weight
};

std::string shape_name(const octet::Shape& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += 'x';
    out += std::to_string(s[i]);
  }
  return out;
}

void set_counters(benchmark::State& state, int64_t n) {
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["elements"] = static_cast<double>(n);
}

void register_all() {
  for (int threads : {1, 2}) {
    for (const auto& shape : kShapes) {
      for (octet::DType dtype : {octet::kQUInt8, octet::kQInt8}) {
        const std::string suffix = std::string(octet::dtype_name(dtype)) + "/" + shape_name(shape) +
                                   "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(("quantize_per_tensor/" + suffix).c_str(), [=](benchmark::State& state) {
          octet::set_num_threads(threads);
          octet::Generator g(1);
          const octet::Tensor x = octet::randn(shape, g);
          for (auto _ : state) benchmark::DoNotOptimize(octet::quantize_per_tensor(x, 0.05, dtype == octet::kQUInt8 ? 128 : 0, dtype));
          set_counters(state, x.numel());
        })->UseRealTime();
        benchmark::RegisterBenchmark(("dequantize/" + suffix).c_str(), [=](benchmark::State& state) {
          octet::set_num_threads(threads);
          octet::Generator g(1);
          const octet::Tensor q = octet::quantize_per_tensor(octet::randn(shape, g), 0.05, dtype == octet::kQUInt8 ? 128 : 0, dtype);
          for (auto _ : state) benchmark::DoNotOptimize(q.dequantize());
          set_counters(state, q.numel());
        })->UseRealTime();
      }
      // Weights: per-channel along axis 0, qint8 symmetric, as PyTorch's default weight qconfig.
      const std::string suffix = "qint8/" + shape_name(shape) + "/threads:" + std::to_string(threads);
      benchmark::RegisterBenchmark(("quantize_per_channel/" + suffix).c_str(), [=](benchmark::State& state) {
        octet::set_num_threads(threads);
        octet::Generator g(1);
        const octet::Tensor x = octet::randn(shape, g);
        std::vector<double> scales(static_cast<size_t>(shape[0]));
        for (size_t c = 0; c < scales.size(); ++c) scales[c] = 0.01 + 0.0001 * static_cast<double>(c);
        const std::vector<int64_t> zps(scales.size(), 0);
        for (auto _ : state) benchmark::DoNotOptimize(octet::quantize_per_channel(x, scales, zps, 0, octet::kQInt8));
        set_counters(state, x.numel());
      })->UseRealTime();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
