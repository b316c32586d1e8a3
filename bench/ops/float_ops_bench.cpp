// float_ops_bench.cpp: fp32 linear / conv2d on every layer shape of ResNet-18, MobileNetV2 and BERT-base, the
// Octet side of bench/peers/float_vs_pytorch.py (same shapes, same threads).
//
// Benchmark names encode the whole case, so the peer script rebuilds it from the name alone:
//   linear/<layer>/m<M>k<K>n<N>/threads:<t>                      x (M, K), weight (N, K), bias
//   conv2d/<layer>/n<N>c<C>h<H>w<W>_o<Co>k<k>s<s>p<p>g<g>/threads:<t>   square kernel, bias
//   act/<op>/n<N>/threads:<t>                                    an activation on N standard normals
// e.g. conv2d/resnet18.layer1/n1c64h56w56_o64k3s1p1g1/threads:1. Counters: GFLOP/s (2 per MAC, by wall
// time). Both clocks are reported: wall time, and CPU time of the whole process (all threads), which
// a shared machine disturbs less.
// `--benchmark_list_tests` prints every name.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <octet/octet.h>

namespace {

struct LinearCase {
  const char* layer;
  int64_t m, k, n;
};

struct ConvCase {
  const char* layer;
  int64_t c, h, co, k, s, g;  // batch 1, square input and kernel, padding k / 2
};

// BERT-base: the attention projections (768 -> 768, four per layer), the FFN (768 -> 3072 -> 768),
// at batch * sequence 128 and 1; the classifier heads of the two CNNs.
const std::vector<LinearCase> kLinear = {
    {"bert.attn", 128, 768, 768},   {"bert.ffn1", 128, 768, 3072}, {"bert.ffn2", 128, 3072, 768},
    {"bert.attn", 1, 768, 768},     {"bert.ffn1", 1, 768, 3072},   {"bert.ffn2", 1, 3072, 768},
    {"resnet18.fc", 1, 512, 1000},  {"mobilenetv2.fc", 1, 1280, 1000},
};

// The activations of the three models (BERT's GELU after ffn1 at 1 and 128 tokens; ReLU, ReLU6 and
// Hardswish-sized CNN maps; the transcendental ones for comparison), by element count.
const std::vector<const char*> kActivations = {"relu", "gelu", "gelu_tanh", "sigmoid", "tanh", "silu", "hardswish"};
const std::vector<int64_t> kActivationSizes = {3072, 393216};

octet::Tensor activation(const std::string& op, const octet::Tensor& x) {
  if (op == "relu") return octet::F::relu(x);
  if (op == "gelu") return octet::F::gelu(x);
  if (op == "gelu_tanh") return octet::F::gelu(x, "tanh");
  if (op == "sigmoid") return octet::F::sigmoid(x);
  if (op == "tanh") return octet::F::tanh(x);
  if (op == "silu") return octet::F::silu(x);
  return octet::F::hardswish(x);
}

// Every distinct convolution of ResNet-18 and MobileNetV2 at 224x224, batch 1.
const std::vector<ConvCase> kConv = {
    {"resnet18.conv1", 3, 224, 64, 7, 2, 1},
    {"resnet18.layer1", 64, 56, 64, 3, 1, 1},
    {"resnet18.layer2.0", 64, 56, 128, 3, 2, 1},
    {"resnet18.layer2.0.down", 64, 56, 128, 1, 2, 1},
    {"resnet18.layer2", 128, 28, 128, 3, 1, 1},
    {"resnet18.layer3.0", 128, 28, 256, 3, 2, 1},
    {"resnet18.layer3.0.down", 128, 28, 256, 1, 2, 1},
    {"resnet18.layer3", 256, 14, 256, 3, 1, 1},
    {"resnet18.layer4.0", 256, 14, 512, 3, 2, 1},
    {"resnet18.layer4.0.down", 256, 14, 512, 1, 2, 1},
    {"resnet18.layer4", 512, 7, 512, 3, 1, 1},
    {"mobilenetv2.conv0", 3, 224, 32, 3, 2, 1},
    {"mobilenetv2.b1.dw", 32, 112, 32, 3, 1, 32},
    {"mobilenetv2.b1.project", 32, 112, 16, 1, 1, 1},
    {"mobilenetv2.b2.expand", 16, 112, 96, 1, 1, 1},
    {"mobilenetv2.b2.dw", 96, 112, 96, 3, 2, 96},
    {"mobilenetv2.b2.project", 96, 56, 24, 1, 1, 1},
    {"mobilenetv2.b3.expand", 24, 56, 144, 1, 1, 1},
    {"mobilenetv2.b3.dw", 144, 56, 144, 3, 1, 144},
    {"mobilenetv2.b3.project", 144, 56, 24, 1, 1, 1},
    {"mobilenetv2.b4.dw", 144, 56, 144, 3, 2, 144},
    {"mobilenetv2.b4.project", 144, 28, 32, 1, 1, 1},
    {"mobilenetv2.b5.expand", 32, 28, 192, 1, 1, 1},
    {"mobilenetv2.b5.dw", 192, 28, 192, 3, 1, 192},
    {"mobilenetv2.b5.project", 192, 28, 32, 1, 1, 1},
    {"mobilenetv2.b7.dw", 192, 28, 192, 3, 2, 192},
    {"mobilenetv2.b7.project", 192, 14, 64, 1, 1, 1},
    {"mobilenetv2.b8.expand", 64, 14, 384, 1, 1, 1},
    {"mobilenetv2.b8.dw", 384, 14, 384, 3, 1, 384},
    {"mobilenetv2.b8.project", 384, 14, 64, 1, 1, 1},
    {"mobilenetv2.b11.project", 384, 14, 96, 1, 1, 1},
    {"mobilenetv2.b12.expand", 96, 14, 576, 1, 1, 1},
    {"mobilenetv2.b12.dw", 576, 14, 576, 3, 1, 576},
    {"mobilenetv2.b12.project", 576, 14, 96, 1, 1, 1},
    {"mobilenetv2.b14.dw", 576, 14, 576, 3, 2, 576},
    {"mobilenetv2.b14.project", 576, 7, 160, 1, 1, 1},
    {"mobilenetv2.b15.expand", 160, 7, 960, 1, 1, 1},
    {"mobilenetv2.b15.dw", 960, 7, 960, 3, 1, 960},
    {"mobilenetv2.b15.project", 960, 7, 160, 1, 1, 1},
    {"mobilenetv2.b17.project", 960, 7, 320, 1, 1, 1},
    {"mobilenetv2.conv_last", 320, 7, 1280, 1, 1, 1},
};

void register_all() {
  for (int threads : {1, 2}) {
    const std::string t = "/threads:" + std::to_string(threads);
    for (const LinearCase& c : kLinear) {
      const std::string name = std::string("linear/") + c.layer + "/m" + std::to_string(c.m) + "k" +
                               std::to_string(c.k) + "n" + std::to_string(c.n) + t;
      benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
        octet::set_num_threads(threads);
        octet::Generator g(1);
        const octet::Tensor x = octet::randn({c.m, c.k}, g), w = octet::randn({c.n, c.k}, g),
                            b = octet::randn({c.n}, g);
        for (auto _ : state) benchmark::DoNotOptimize(octet::F::linear(x, w, b));
        state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(c.m * c.k * c.n),
                                                       benchmark::Counter::kIsIterationInvariantRate,
                                                       benchmark::Counter::kIs1000);
      })->UseRealTime()->MeasureProcessCPUTime();
    }
    for (const ConvCase& c : kConv) {
      const int64_t p = c.k / 2;
      const std::string name = std::string("conv2d/") + c.layer + "/n1c" + std::to_string(c.c) + "h" +
                               std::to_string(c.h) + "w" + std::to_string(c.h) + "_o" + std::to_string(c.co) + "k" +
                               std::to_string(c.k) + "s" + std::to_string(c.s) + "p" + std::to_string(p) + "g" +
                               std::to_string(c.g) + t;
      benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
        octet::set_num_threads(threads);
        octet::Generator g(1);
        const octet::Tensor x = octet::randn({1, c.c, c.h, c.h}, g);
        const octet::Tensor w = octet::randn({c.co, c.c / c.g, c.k, c.k}, g), b = octet::randn({c.co}, g);
        for (auto _ : state) benchmark::DoNotOptimize(octet::F::conv2d(x, w, b, {c.s, c.s}, {p, p}, {1, 1}, c.g));
        const int64_t oh = (c.h + 2 * p - c.k) / c.s + 1;
        state.counters["GFLOP/s"] = benchmark::Counter(
            2.0 * static_cast<double>(c.co * oh * oh * (c.c / c.g) * c.k * c.k),
            benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
      })->UseRealTime()->MeasureProcessCPUTime();
    }
    for (const char* op : kActivations) {
      for (int64_t n : kActivationSizes) {
        const std::string name = std::string("act/") + op + "/n" + std::to_string(n) + t;
        benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
          octet::set_num_threads(threads);
          octet::Generator g(1);
          const octet::Tensor x = octet::randn({n}, g);
          for (auto _ : state) benchmark::DoNotOptimize(activation(op, x));
          state.counters["Gelem/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate,
                                                         benchmark::Counter::kIs1000);
        })->UseRealTime()->MeasureProcessCPUTime();
      }
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
