// calibration_bench.cpp: observer throughput on BERT-sized activations (1x768x128 float32), the
// Octet side of bench/peers/calibration_vs_peers.py.
//
// The data is a pool of batches cycled in order: the pool file named by OCTET_CALIB_POOL (a .npy of
// shape [P, 1, 768, 128], as the peer script writes it, so both sides see the same values), else 16
// batches generated here (normal, each with its own scale in [0.5, 1.5] and shift in [-0.2, 0.2],
// so the range keeps growing now and then as in real calibration).
//
//   calibrate/<observer>/batches:<B>   a fresh observer observes B batches (timed; items = B * 98304
//                                      elements), then calculate_qparams (not timed, in the memory
//                                      counter)
//   observe/<observer>                 one more batch into a warmed-up observer (range settled)
//   qparams/<observer>                 calculate_qparams after 200 batches
// Counters: elements per second (items_per_second), the observer's state_bytes (its buffers: O(bins),
// independent of B) and peak_rss_growth_kb (Linux: the peak resident memory of one calibration over
// the resident memory before it, via /proc/self/clear_refs and VmHWM; 0 elsewhere).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <octet/io/numpy.h>
#include <octet/octet.h>
#include <octet/quantization/entropy_observer.h>
#include <octet/quantization/histogram_observer.h>
#include <octet/quantization/min_max_observer.h>
#include <octet/quantization/mse_observer.h>
#include <octet/quantization/percentile_observer.h>

namespace {

namespace q = octet::quantization;

const std::vector<octet::Tensor>& pool() {
  static const std::vector<octet::Tensor> batches = [] {
    std::vector<octet::Tensor> out;
    if (const char* path = std::getenv("OCTET_CALIB_POOL")) {
      const octet::Tensor all = octet::io::load_npy(path);
      for (int64_t b = 0; b < all.size(0); ++b) out.push_back(all[b].contiguous());
      return out;
    }
    octet::Generator g(1);
    for (int b = 0; b < 16; ++b) {
      octet::Tensor x = octet::randn({1, 768, 128}, g);
      const float scale = 0.5f + g.uniform_float(), shift = 0.4f * g.uniform_float() - 0.2f;
      float* p = x.data_ptr<float>();
      for (int64_t i = 0; i < x.numel(); ++i) p[i] = p[i] * scale + shift;
      out.push_back(x);
    }
    return out;
  }();
  return batches;
}

using Factory = std::function<std::shared_ptr<q::ObserverBase>()>;

const std::vector<std::pair<std::string, Factory>>& observers() {
  static const std::vector<std::pair<std::string, Factory>> list = {
      {"MinMax", [] { return std::make_shared<q::MinMaxObserver>(); }},
      {"Histogram", [] { return std::make_shared<q::HistogramObserver>(); }},
      {"Entropy", [] { return std::make_shared<q::EntropyObserver>(); }},
      {"Percentile", [] { return std::make_shared<q::PercentileObserver>(); }},
      {"MSE", [] { return std::make_shared<q::MSEObserver>(); }},
  };
  return list;
}

// A /proc/self/status field in KiB (VmRSS: resident now; VmHWM: peak since the last reset), 0 when
// unavailable.
double status_kb(const std::string& key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::strtod(line.c_str() + key.size() + 1, nullptr);
  }
  return 0;
}

// Restarts VmHWM from the current resident memory (Linux).
void reset_peak_rss() {
  std::ofstream f("/proc/self/clear_refs");
  if (f) f << "5";
}

double state_bytes(const q::ObserverBase& obs) {
  double bytes = 0;
  for (const auto& [key, value] : obs.state()) bytes += static_cast<double>(value.nbytes());
  return bytes;
}

void observe_batches(q::ObserverBase& obs, int64_t batches) {
  const auto& p = pool();
  for (int64_t b = 0; b < batches; ++b) obs.observe(p[static_cast<size_t>(b) % p.size()]);
}

void register_all() {
  const int64_t numel = pool()[0].numel();
  for (const auto& [name, make] : observers()) {
    for (const int64_t batches : {50, 200}) {
      benchmark::RegisterBenchmark(("calibrate/" + name + "/batches:" + std::to_string(batches)).c_str(),
                                   [make = make, batches, numel](benchmark::State& state) {
                                     double bytes = 0, growth = 0;
                                     for (auto _ : state) {
                                       state.PauseTiming();
                                       const double before = status_kb("VmRSS");
                                       reset_peak_rss();
                                       state.ResumeTiming();
                                       auto obs = make();
                                       observe_batches(*obs, batches);
                                       state.PauseTiming();
                                       benchmark::DoNotOptimize(obs->calculate_qparams());
                                       growth = std::max(growth, status_kb("VmHWM") - before);
                                       bytes = state_bytes(*obs);
                                       state.ResumeTiming();
                                     }
                                     state.SetItemsProcessed(state.iterations() * batches * numel);
                                     state.counters["state_bytes"] = bytes;
                                     state.counters["peak_rss_growth_kb"] = growth;
                                   })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
    benchmark::RegisterBenchmark(("observe/" + name).c_str(), [make = make, numel](benchmark::State& state) {
      auto obs = make();
      observe_batches(*obs, 200);
      const auto& p = pool();
      size_t b = 0;
      for (auto _ : state) obs->observe(p[b++ % p.size()]);
      state.SetItemsProcessed(state.iterations() * numel);
    })->UseRealTime();
    benchmark::RegisterBenchmark(("qparams/" + name).c_str(), [make = make](benchmark::State& state) {
      auto obs = make();
      observe_batches(*obs, 200);
      for (auto _ : state) benchmark::DoNotOptimize(obs->calculate_qparams());
    })->Unit(benchmark::kMillisecond)->UseRealTime();
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
