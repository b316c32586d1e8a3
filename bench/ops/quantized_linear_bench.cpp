// quantized_linear_bench.cpp: int8 quantized linear / linear_dynamic against Octet's own fp32 linear, same shapes and threads, same run.
//
// Shapes: BERT-base's linear layers (attention 768 -> 768, FFN 768 -> 3072 and 3072 -> 768) at
// M = batch x tokens in {1, 16, 128}, 1 and 2 threads. Rows, per shape and thread count:
//   fp32/<layer>/m<M>k<K>n<N>/threads:<t>           functional::linear, float32
//   qlinear/...                                      quantized::linear, quint8 activations 0..255
//   qlinear_rr/...                                   the same with 7-bit activations (reduce_range,
//                                                    0..127: AVX2 can take its qu7 kernel)
//   qlinear_dynamic/...                              quantized::linear_dynamic (reduce_range), float in/out
// Weights are per-channel symmetric qint8 with a float bias, as PyTorch's x86 default. Counters:
// GOP/s (2 per multiply-add, by wall time). After the run, a table gives each int8 row's speedup
// over the fp32 row of the same shape and threads (fp32 time / int8 time).
//
//   build/bench/bench_quantized_linear_bench [--benchmark_filter=m128]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <octet/octet.h>

namespace {

namespace F = octet::functional;
namespace Q = octet::quantized;

struct Shape {
  const char* layer;
  int64_t m, k, n;
};

std::vector<Shape> shapes() {
  std::vector<Shape> out;
  for (int64_t m : {1, 16, 128}) {
    out.push_back({"bert.attn", m, 768, 768});
    out.push_back({"bert.ffn1", m, 768, 3072});
    out.push_back({"bert.ffn2", m, 3072, 768});
  }
  return out;
}

octet::Tensor quantize_weight(const octet::Tensor& w) {
  // Per-channel symmetric, as the x86 default qconfig: scale = max|w_row| / 127.5.
  const int64_t n = w.size(0), k = w.size(1);
  std::vector<double> scales(static_cast<size_t>(n));
  const float* d = w.data_ptr<float>();
  for (int64_t j = 0; j < n; ++j) {
    float amax = 0;
    for (int64_t i = 0; i < k; ++i) amax = std::max(amax, std::abs(d[j * k + i]));
    scales[static_cast<size_t>(j)] = static_cast<float>(amax / 127.5f);
  }
  return octet::quantize_per_channel(w, scales, std::vector<int64_t>(static_cast<size_t>(n), 0), 0, octet::kQInt8);
}

std::string case_name(const char* op, const Shape& s, int threads) {
  std::string name(op);
  name.append("/").append(s.layer).append("/m").append(std::to_string(s.m)).append("k").append(std::to_string(s.k));
  name.append("n").append(std::to_string(s.n)).append("/threads:").append(std::to_string(threads));
  return name;
}

void set_counters(benchmark::State& state, const Shape& s) {
  state.counters["GOP/s"] = benchmark::Counter(2.0 * static_cast<double>(s.m * s.k * s.n),
                                               benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  state.counters["M"] = static_cast<double>(s.m);
  state.counters["N"] = static_cast<double>(s.n);
  state.counters["K"] = static_cast<double>(s.k);
}

void register_all() {
  for (int threads : {1, 2}) {
    for (const Shape& s : shapes()) {
      benchmark::RegisterBenchmark(case_name("fp32", s, threads).c_str(), [=](benchmark::State& state) {
        octet::set_num_threads(threads);
        octet::Generator g(1);
        const octet::Tensor x = octet::randn({s.m, s.k}, g), w = octet::randn({s.n, s.k}, g), b = octet::randn({s.n}, g);
        for (auto _ : state) benchmark::DoNotOptimize(F::linear(x, w, b));
        set_counters(state, s);
      })->UseRealTime();
      for (bool seven : {false, true}) {
        benchmark::RegisterBenchmark(case_name(seven ? "qlinear_rr" : "qlinear", s, threads).c_str(),
                                     [=](benchmark::State& state) {
          octet::set_num_threads(threads);
          octet::Generator g(1);
          const octet::Tensor x = octet::randn({s.m, s.k}, g), w = octet::randn({s.n, s.k}, g), b = octet::randn({s.n}, g);
          const octet::Tensor xq = octet::quantize_per_tensor_dynamic(x, octet::kQUInt8, /*reduce_range=*/seven);
          const auto packed = Q::linear_prepack(quantize_weight(w), b);
          for (auto _ : state) benchmark::DoNotOptimize(Q::linear(xq, packed, 0.2, 100));
          set_counters(state, s);
        })->UseRealTime();
      }
      benchmark::RegisterBenchmark(case_name("qlinear_dynamic", s, threads).c_str(), [=](benchmark::State& state) {
        octet::set_num_threads(threads);
        octet::Generator g(1);
        const octet::Tensor x = octet::randn({s.m, s.k}, g), w = octet::randn({s.n, s.k}, g), b = octet::randn({s.n}, g);
        const auto packed = Q::linear_prepack(quantize_weight(w), b);
        for (auto _ : state) benchmark::DoNotOptimize(Q::linear_dynamic(x, packed, /*reduce_range=*/true));
        set_counters(state, s);
      })->UseRealTime();
    }
  }
}

// The console output plus the time of every run, for the speedup table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    // With --benchmark_repetitions the median stands for the case; otherwise its single run.
    for (const Run& r : runs) {
      const std::string name = r.run_name.str();
      if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "median") {
        times_[name] = r.GetAdjustedRealTime();
        medians_[name] = true;
      } else if (r.run_type == Run::RT_Iteration && r.iterations > 0 && !medians_[name]) {
        times_[name] = r.GetAdjustedRealTime();
      }
    }
  }
  void PrintRatios() const {
    std::printf("\nint8 speedup over fp32 (fp32 time / int8 time, same shape and threads)\n");
    std::printf("%-40s %10s %10s %16s\n", "case", "qlinear", "qlinear_rr", "qlinear_dynamic");
    for (const auto& [name, fp32] : times_) {
      if (name.rfind("fp32/", 0) != 0) continue;
      const std::string rest = name.substr(4);
      auto ratio = [&](const char* op) {
        const auto it = times_.find(std::string(op) + rest);
        return it == times_.end() ? 0.0 : fp32 / it->second;
      };
      std::string label = rest.substr(1);
      if (const size_t at = label.find("/real_time"); at != std::string::npos) label.erase(at);
      std::printf("%-40s %9.2fx %9.2fx %15.2fx\n", label.c_str(), ratio("qlinear"), ratio("qlinear_rr"),
                  ratio("qlinear_dynamic"));
    }
  }

 private:
  std::map<std::string, double> times_;
  std::map<std::string, bool> medians_;
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
