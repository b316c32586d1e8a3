// qnn_dynamic_bench.cpp: the dynamic quantized modules users run (Linear with qint8 / float16 weights, LSTM), the Octet side of bench/peers/qnn_dynamic_vs_pytorch.py.
//
// Benchmark names encode the whole case, so the peer script rebuilds it from the name alone:
//   dyn_linear/<dtype>/<layer>/m<M>k<K>n<N>/threads:<t>         nn::quantized::dynamic::Linear forward,
//                                                               x float (M, K), weight (N, K), bias
//   dyn_lstm/<dtype>/<model>/l<L>n<N>i<I>h<H>x<layers>/threads:<t>   nn::quantized::dynamic::LSTM forward,
//                                                               x float (L, N, I), zero states
// dtype: qint8 (per-tensor weights, PyTorch's default_dynamic_qconfig; activations 7-bit under the x86
// engine) or float16. Weights are converted from float modules with N(0, 0.5^2) weights (seeded).
// Counters: GOP/s (2 per multiply-add of the GEMMs, by wall time).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include <octet/nn/quantized/dynamic/linear.h>
#include <octet/nn/quantized/dynamic/rnn.h>
#include <octet/octet.h>
#include <octet/quantization/qconfig.h>

namespace {

namespace nnqd = octet::nn::quantized::dynamic;

struct LinearCase {
  const char* layer;
  int64_t m, k, n;
};
struct LstmCase {
  const char* model;
  int64_t seq, batch, input, hidden, layers;
};

// BERT-base projections and FFN at batch * sequence 1, 16 and 128 (quantize_dynamic's main use),
// and the LSTM language-model head sizes.
std::vector<LinearCase> linear_cases() {
  std::vector<LinearCase> out;
  for (int64_t m : {1, 16, 128}) {
    out.push_back({"bert.attn", m, 768, 768});
    out.push_back({"bert.ffn1", m, 768, 3072});
    out.push_back({"bert.ffn2", m, 3072, 768});
  }
  return out;
}

// A word-language-model LSTM (PyTorch's dynamic quantization tutorial: 2 layers of 256) and a
// speech-like one (1 layer, 512 hidden, 80 features) at batch 1 and 16.
const std::vector<LstmCase> kLstm = {
    {"wordlm", 35, 1, 256, 256, 2},
    {"wordlm", 35, 16, 256, 256, 2},
    {"speech", 50, 1, 80, 512, 1},
    {"speech", 50, 16, 80, 512, 1},
};

octet::nn::quantized::FromFloatArgs args_for(const std::string& dtype) {
  return {nullptr, dtype == "qint8" ? octet::quantization::default_dynamic_qconfig().weight
                                    : octet::quantization::float16_dynamic_qconfig().weight};
}

void set_gops(benchmark::State& state, double macs) {
  state.counters["GOP/s"] =
      benchmark::Counter(2.0 * macs, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

void register_all() {
  for (int threads : {1, 2}) {
    std::string t = "/threads:";
    t.append(std::to_string(threads));
    for (const std::string dtype : {"qint8", "float16"}) {
      for (const LinearCase& c : linear_cases()) {
        std::string name = "dyn_linear/";
        name.append(dtype).append("/").append(c.layer).append("/m").append(std::to_string(c.m));
        name.append("k").append(std::to_string(c.k)).append("n").append(std::to_string(c.n)).append(t);
        benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
          octet::set_num_threads(threads);
          octet::Generator g(1);
          octet::nn::Linear lin(c.k, c.n);
          lin.weight.copy_(octet::randn({c.n, c.k}, g) * 0.5);
          lin.bias.copy_(octet::randn({c.n}, g));
          const auto q = nnqd::Linear::from_float(lin, args_for(dtype));
          const octet::Tensor x = octet::rand({c.m, c.k}, g) * 6.0 - 3.0;
          for (auto _ : state) benchmark::DoNotOptimize(q->forward(x));
          set_gops(state, static_cast<double>(c.m * c.k * c.n));
        })->UseRealTime();
      }
      for (const LstmCase& c : kLstm) {
        std::string name = "dyn_lstm/";
        name.append(dtype).append("/").append(c.model).append("/l").append(std::to_string(c.seq));
        name.append("n").append(std::to_string(c.batch)).append("i").append(std::to_string(c.input));
        name.append("h").append(std::to_string(c.hidden)).append("x").append(std::to_string(c.layers)).append(t);
        benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
          octet::set_num_threads(threads);
          octet::Generator g(1);
          octet::nn::LSTM f(c.input, c.hidden, {.num_layers = c.layers});
          for (auto& [pname, p] : f.named_parameters()) p.copy_(octet::randn(p.shape(), g) * 0.5);
          const auto q = nnqd::LSTM::from_float(f, args_for(dtype));
          const octet::Tensor x = octet::randn({c.seq, c.batch, c.input}, g);
          for (auto _ : state) benchmark::DoNotOptimize(q->forward(x));
          double macs = 0;
          for (int64_t l = 0; l < c.layers; ++l) {
            macs += static_cast<double>(c.seq * c.batch * 4 * c.hidden * ((l == 0 ? c.input : c.hidden) + c.hidden));
          }
          set_gops(state, macs);
        })->UseRealTime();
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
