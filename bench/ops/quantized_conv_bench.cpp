// quantized_conv_bench.cpp: quantized conv2d vs Octet's own fp32 conv2d on ResNet-18 and MobileNetV2 layer shapes, with the int8/fp32 speedup per shape.
//
// Each shape runs three times in the same process, same threads:
//   qconv2d/<layer>/n1c<C>h<H>w<W>_o<Co>k<k>s<s>p<p>g<g>/threads:<t>   quint8 in/out (activations 0..255),
//                                                       per-channel qint8 weights, float bias (quantized::conv2d)
//   qconv2d_r7/<layer>/...                              the same with activations 0..127 (reduce_range)
//   fconv2d/<layer>/...                                 float32 (functional::conv2d)
// The int8 input is channels-last in memory, as the output of the previous quantized conv is (the
// NCHW float input is what the float path reads natively): each op gets its natural layout.
// Counters: GOP/s (2 per multiply-add, by wall time). After the run a table gives the int8/fp32
// time ratio per shape and thread count.
//
//   build-*/bench/bench_quantized_conv_bench [--benchmark_filter=resnet18]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <octet/octet.h>
#include <octet/quantized/conv.h>

namespace {

namespace Q = octet::quantized;

struct ConvCase {
  const char* layer;
  int64_t c, h, co, k, s, g;  // batch 1, square input and kernel, padding k / 2
};

// The distinct kinds of layer of the two CNNs at 224x224: ResNet's 3x3 (stride 1 and 2) and 1x1
// downsamples, MobileNetV2's depthwise 3x3 (stride 1 and 2) and pointwise expand / project.
const std::vector<ConvCase> kConv = {
    {"resnet18.conv1", 3, 224, 64, 7, 2, 1},
    {"resnet18.layer1", 64, 56, 64, 3, 1, 1},
    {"resnet18.layer2.0", 64, 56, 128, 3, 2, 1},
    {"resnet18.layer2.0.down", 64, 56, 128, 1, 2, 1},
    {"resnet18.layer2", 128, 28, 128, 3, 1, 1},
    {"resnet18.layer3", 256, 14, 256, 3, 1, 1},
    {"resnet18.layer4", 512, 7, 512, 3, 1, 1},
    {"mobilenetv2.conv0", 3, 224, 32, 3, 2, 1},
    {"mobilenetv2.b1.dw", 32, 112, 32, 3, 1, 32},
    {"mobilenetv2.b1.project", 32, 112, 16, 1, 1, 1},
    {"mobilenetv2.b2.expand", 16, 112, 96, 1, 1, 1},
    {"mobilenetv2.b2.dw", 96, 112, 96, 3, 2, 96},
    {"mobilenetv2.b3.dw", 144, 56, 144, 3, 1, 144},
    {"mobilenetv2.b3.project", 144, 56, 24, 1, 1, 1},
    {"mobilenetv2.b8.expand", 64, 14, 384, 1, 1, 1},
    {"mobilenetv2.b8.dw", 384, 14, 384, 3, 1, 384},
    {"mobilenetv2.b14.dw", 576, 14, 576, 3, 2, 576},
    {"mobilenetv2.b15.dw", 960, 7, 960, 3, 1, 960},
    {"mobilenetv2.conv_last", 320, 7, 1280, 1, 1, 1},
};

std::string case_name(const ConvCase& c, int threads) {
  std::string n(c.layer);
  n.append("/n1c").append(std::to_string(c.c)).append("h").append(std::to_string(c.h)).append("w");
  n.append(std::to_string(c.h)).append("_o").append(std::to_string(c.co)).append("k").append(std::to_string(c.k));
  n.append("s").append(std::to_string(c.s)).append("p").append(std::to_string(c.k / 2)).append("g");
  n.append(std::to_string(c.g)).append("/threads:").append(std::to_string(threads));
  return n;
}

double gops(const ConvCase& c) {
  const int64_t p = c.k / 2, oh = (c.h + 2 * p - c.k) / c.s + 1;
  return 2.0 * static_cast<double>(c.co * oh * oh * (c.c / c.g) * c.k * c.k);
}

void register_all() {
  for (int threads : {1, 2}) {
    for (const ConvCase& c : kConv) {
      const int64_t p = c.k / 2;
      const std::string name = case_name(c, threads);
      // Full-range activations (0..255) and reduce_range ones (0..127, PyTorch's x86 default,
      // which lets the GEMM take its 7-bit kernel).
      for (const bool reduce_range : {false, true}) {
        const std::string prefix = reduce_range ? "qconv2d_r7/" : "qconv2d/";
        benchmark::RegisterBenchmark((prefix + name).c_str(), [=](benchmark::State& state) {
          octet::set_num_threads(threads);
          octet::Generator g(1);
          // Activations after a ReLU, 8-bit: uniform [0, 1) in 1/255 (or 1/127) steps; channels-last
          // memory, as the previous quantized conv leaves it.
          const double scale = reduce_range ? 1.0 / 127 : 1.0 / 255;
          const octet::Tensor x =
              octet::quantize_per_tensor(octet::rand({1, c.h, c.h, c.c}, g), scale, 0, octet::kQUInt8)
                  .permute({0, 3, 1, 2});
          const octet::Tensor wf = octet::randn({c.co, c.c / c.g, c.k, c.k}, g);
          std::vector<double> scales(static_cast<size_t>(c.co), 0.02);
          std::vector<int64_t> zps(static_cast<size_t>(c.co), 0);
          const octet::Tensor w = octet::quantize_per_channel(wf, scales, zps, 0, octet::kQInt8);
          const auto packed = Q::conv2d_prepack(w, octet::randn({c.co}, g), {c.s, c.s}, {p, p}, {1, 1}, c.g);
          for (auto _ : state) benchmark::DoNotOptimize(Q::conv2d(x, packed, 0.05, 128));
          state.counters["GOP/s"] =
              benchmark::Counter(gops(c), benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
        })->UseRealTime()->MeasureProcessCPUTime();
      }
      benchmark::RegisterBenchmark(("fconv2d/" + name).c_str(), [=](benchmark::State& state) {
        octet::set_num_threads(threads);
        octet::Generator g(1);
        const octet::Tensor x = octet::rand({1, c.c, c.h, c.h}, g);
        const octet::Tensor w = octet::randn({c.co, c.c / c.g, c.k, c.k}, g), b = octet::randn({c.co}, g);
        for (auto _ : state) benchmark::DoNotOptimize(octet::F::conv2d(x, w, b, {c.s, c.s}, {p, p}, {1, 1}, c.g));
        state.counters["GOP/s"] =
            benchmark::Counter(gops(c), benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
      })->UseRealTime()->MeasureProcessCPUTime();
    }
  }
}

// The console output, plus each run's wall time per iteration kept for the ratio table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (r.run_type == Run::RT_Iteration && r.iterations > 0) {
        times_[r.benchmark_name()] = {r.GetAdjustedRealTime(), r.GetAdjustedCPUTime()};
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  // Wall-time ratio (latency) and process-CPU-time ratio (work: all threads summed, and less
  // disturbed by other processes on a shared machine).
  void PrintRatios() const {
    std::printf("\nint8 / fp32 (quantized::conv2d vs functional::conv2d, same process; times in us; "
                "r7: activations 0..127):\n");
    std::printf("%-56s %9s %9s %8s %8s %9s %9s %8s\n", "layer", "fp32 wall", "int8 wall", "speedup", "r7", "fp32 cpu",
                "int8 cpu", "speedup");
    for (const auto& [name, t] : times_) {
      if (name.rfind("qconv2d/", 0) != 0) continue;
      std::string rest = name.substr(8);
      const auto f = times_.find("fconv2d/" + rest);
      const auto r7 = times_.find("qconv2d_r7/" + rest);
      if (f == times_.end()) continue;
      const double r7_speedup = r7 == times_.end() ? 0.0 : f->second.wall / r7->second.wall;
      const size_t suffix = rest.find("/process_time");
      if (suffix != std::string::npos) rest.resize(suffix);
      std::printf("%-56s %9.1f %9.1f %7.2fx %7.2fx %9.1f %9.1f %7.2fx\n", rest.c_str(), f->second.wall / 1e3,
                  t.wall / 1e3, f->second.wall / t.wall, r7_speedup, f->second.cpu / 1e3, t.cpu / 1e3,
                  f->second.cpu / t.cpu);
    }
  }

 private:
  struct Times {
    double wall = 0, cpu = 0;  // ns per iteration
  };
  std::map<std::string, Times> times_;
};

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatios();
  benchmark::Shutdown();
  return 0;
}
