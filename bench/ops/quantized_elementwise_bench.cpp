// quantized_elementwise_bench.cpp: quantized add / mul / activations / cat against the same fp32 ops, on
// activation shapes of ResNet-18, MobileNetV2 and BERT-base, with the fp32 / int8 time ratio per case.
//
// Each case runs twice, as int8/<op>/<shape>/threads:<t> (Octet's quantized op on quint8 tensors)
// and fp32/<op>/<shape>/threads:<t> (the float op on the dequantized tensors), in the same process.
// After the runs a table prints fp32 time / int8 time per case: above 1, the int8 op is faster.
// Counters: GB/s of tensor bytes read and written by each op.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <octet/octet.h>
#include <octet/quantized/activation.h>
#include <octet/quantized/elementwise.h>

namespace {

namespace Q = octet::quantized;
using octet::Shape;
using octet::Tensor;

const std::vector<std::pair<const char*, Shape>> kShapes = {
    {"resnet18.layer1", {1, 64, 56, 56}},      // residual add after the first stage
    {"mobilenetv2.b1", {1, 32, 112, 112}},     // the largest activation
    {"mobilenetv2.b4", {1, 192, 28, 28}},
    {"bert.hidden", {128, 768}},               // sequence 128
    {"bert.ffn", {128, 3072}},                 // GELU input
};

struct Inputs {
  Tensor qa, qb, fa, fb;
};

Inputs make_inputs(const Shape& shape) {
  octet::Generator g(1);
  Inputs in;
  in.qa = octet::quantize_per_tensor(octet::randn(shape, g), 0.05, 128, octet::kQUInt8);
  in.qb = octet::quantize_per_tensor(octet::randn(shape, g), 0.04, 120, octet::kQUInt8);
  in.fa = in.qa.dequantize();
  in.fb = in.qb.dequantize();
  return in;
}

struct OpCase {
  const char* name;
  int inputs;  // tensors read (bytes per element: int8 1, fp32 4)
  std::function<Tensor(const Inputs&)> int8;
  std::function<Tensor(const Inputs&)> fp32;
};

const std::vector<OpCase>& op_cases() {
  static const std::vector<OpCase> cases = {
      {"add", 2, [](const Inputs& in) { return Q::add(in.qa, in.qb, 0.08, 128); },
       [](const Inputs& in) { return octet::F::add(in.fa, in.fb); }},
      {"add_relu", 2, [](const Inputs& in) { return Q::add_relu(in.qa, in.qb, 0.08, 128); },
       [](const Inputs& in) { return octet::F::relu(octet::F::add(in.fa, in.fb)); }},
      {"mul", 2, [](const Inputs& in) { return Q::mul(in.qa, in.qb, 0.02, 128); },
       [](const Inputs& in) { return octet::F::mul(in.fa, in.fb); }},
      {"relu6", 1, [](const Inputs& in) { return Q::relu6(in.qa); },
       [](const Inputs& in) { return octet::F::relu6(in.fa); }},
      {"sigmoid", 1, [](const Inputs& in) { return Q::sigmoid(in.qa); },
       [](const Inputs& in) { return octet::F::sigmoid(in.fa); }},
      {"hardswish", 1, [](const Inputs& in) { return Q::hardswish(in.qa, 0.05, 10); },
       [](const Inputs& in) { return octet::F::hardswish(in.fa); }},
      {"gelu", 1, [](const Inputs& in) { return Q::gelu(in.qa); },
       [](const Inputs& in) { return octet::F::gelu(in.fa); }},
      {"cat", 2, [](const Inputs& in) { return Q::cat({in.qa, in.qb}, 1, 0.05, 128); },
       [](const Inputs& in) { return octet::F::cat({in.fa, in.fb}, 1); }},
  };
  return cases;
}

void register_all() {
  for (int threads : {1, 2}) {
    for (const auto& [layer, shape] : kShapes) {
      for (const OpCase& op : op_cases()) {
        const std::string suffix =
            std::string(op.name) + "/" + layer + "/threads:" + std::to_string(threads);
        for (bool int8 : {true, false}) {
          const std::string name = std::string(int8 ? "int8/" : "fp32/") + suffix;
          benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
            octet::set_num_threads(threads);
            const Inputs in = make_inputs(shape);
            const auto& fn = int8 ? op.int8 : op.fp32;
            for (auto _ : state) benchmark::DoNotOptimize(fn(in));
            const int64_t n = in.qa.numel();
            const int64_t bytes = n * (op.inputs + 1) * (int8 ? 1 : 4);
            state.SetBytesProcessed(state.iterations() * bytes);
            state.counters["elements"] = static_cast<double>(n);
          })->UseRealTime()->Unit(benchmark::kMicrosecond);
        }
      }
    }
  }
}

// Prints the usual console rows, and at the end fp32 time / int8 time for every case run both ways.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred || r.run_type != Run::RT_Iteration) continue;
      const std::string name = r.benchmark_name();
      const auto slash = name.find('/');
      times_[name.substr(slash + 1)][name.substr(0, slash)] = r.GetAdjustedRealTime();
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\n%-48s %12s %12s %8s\n", "case", "int8 (us)", "fp32 (us)", "fp32/int8");
    for (const auto& [key, t] : times_) {
      const auto i = t.find("int8"), f = t.find("fp32");
      if (i == t.end() || f == t.end()) continue;
      std::printf("%-48s %12.1f %12.1f %8.2f\n", key.c_str(), i->second, f->second, f->second / i->second);
    }
  }

 private:
  std::map<std::string, std::map<std::string, double>> times_;
};

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
