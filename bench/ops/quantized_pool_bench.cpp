// quantized_pool_bench.cpp: quantized pooling, resize, norm and embedding-bag operators against their float32 counterparts, same shapes and threads, with the speedup printed as a ratio.
//
// Each case runs twice: "int8/<case>" (octet::quantized on a quantized input) and "fp32/<case>"
// (octet::functional on the float input of the same shape). At the end a table gives
// fp32 time / int8 time per case (above 1: the quantized operator is faster). Shapes from ResNet-18,
// MobileNetV2, BERT-base and a DLRM-style embedding table. Memory format: "cl" cases feed the
// quantized op a channels-last input (what quantized convolutions return).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <octet/octet.h>
#include <octet/quantized/embedding.h>
#include <octet/quantized/norm.h>
#include <octet/quantized/pooling.h>
#include <octet/quantized/resize.h>

namespace {

namespace F = octet::functional;
namespace Q = octet::quantized;
using octet::Tensor;

struct Case {
  std::string name;
  std::function<void()> int8, fp32;
};

Tensor channels_last(const Tensor& q) { return q.permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2}); }

std::vector<Case> make_cases() {
  octet::Generator g(1);
  std::vector<Case> cases;
  auto act = [&](const octet::Shape& s) {
    const Tensor x = octet::randn(s, g);
    return std::make_pair(x, octet::quantize_per_tensor(x, 0.05, 128, octet::kQUInt8));
  };
  {
    auto [x, q] = act({1, 64, 112, 112});
    const Tensor cl = channels_last(q);
    cases.push_back({"max_pool2d_3x3s2/resnet18_1x64x112x112", [=] { Q::max_pool2d(q, {3}, {2}, {1}); },
                     [=] { F::max_pool2d(x, {3}, {2}, {1}); }});
    cases.push_back({"max_pool2d_3x3s2/resnet18_1x64x112x112_cl", [=] { Q::max_pool2d(cl, {3}, {2}, {1}); },
                     [=] { F::max_pool2d(x, {3}, {2}, {1}); }});
  }
  {
    auto [x, q] = act({1, 256, 56, 56});
    const Tensor cl = channels_last(q);
    cases.push_back({"avg_pool2d_2x2s2/1x256x56x56", [=] { Q::avg_pool2d(q, {2}); }, [=] { F::avg_pool2d(x, {2}); }});
    cases.push_back({"avg_pool2d_2x2s2/1x256x56x56_cl", [=] { Q::avg_pool2d(cl, {2}); }, [=] { F::avg_pool2d(x, {2}); }});
    cases.push_back({"avg_pool2d_3x3s1p1/1x256x56x56", [=] { Q::avg_pool2d(q, {3}, {1}, {1}); },
                     [=] { F::avg_pool2d(x, {3}, {1}, {1}); }});
  }
  {
    auto [x, q] = act({8, 512, 7, 7});
    const Tensor cl = channels_last(q);
    cases.push_back({"adaptive_avg_pool2d_1/resnet18_head_8x512x7x7", [=] { Q::adaptive_avg_pool2d(q, {1}); },
                     [=] { F::adaptive_avg_pool2d(x, {1}); }});
    cases.push_back({"adaptive_avg_pool2d_1/resnet18_head_8x512x7x7_cl", [=] { Q::adaptive_avg_pool2d(cl, {1}); },
                     [=] { F::adaptive_avg_pool2d(x, {1}); }});
  }
  {
    auto [x, q] = act({8, 1280, 7, 7});
    cases.push_back({"adaptive_avg_pool2d_1/mobilenetv2_head_8x1280x7x7", [=] { Q::adaptive_avg_pool2d(q, {1}); },
                     [=] { F::adaptive_avg_pool2d(x, {1}); }});
  }
  {
    auto [x, q] = act({1, 64, 56, 56});
    cases.push_back({"adaptive_avg_pool2d_7/1x64x56x56", [=] { Q::adaptive_avg_pool2d(q, {7}); },
                     [=] { F::adaptive_avg_pool2d(x, {7}); }});
  }
  {
    auto [x, q] = act({1, 64, 64, 64});
    cases.push_back({"upsample_nearest2d_x2/1x64x64x64", [=] { Q::upsample_nearest2d(q, {128, 128}); },
                     [=] { F::interpolate(x, {128, 128}, {}, "nearest"); }});
    cases.push_back({"upsample_bilinear2d_x2/1x64x64x64", [=] { Q::upsample_bilinear2d(q, {128, 128}, false); },
                     [=] { F::interpolate(x, {128, 128}, {}, "bilinear", false); }});
  }
  {
    auto [x, q] = act({1, 64, 56, 56});
    const Tensor w = octet::randn({64}, g), b = octet::randn({64}, g), m = octet::randn({64}, g);
    const Tensor v = octet::rand({64}, g);
    cases.push_back({"batch_norm2d/1x64x56x56", [=] { Q::batch_norm2d(q, w, b, m, v, 1e-5, 0.05, 128); },
                     [=] { F::batch_norm(x, m, v, w, b, false); }});
  }
  {
    auto [x, q] = act({128, 768});
    const Tensor w = octet::randn({768}, g), b = octet::randn({768}, g);
    cases.push_back({"layer_norm/bert_128x768", [=] { Q::layer_norm(q, {768}, w, b, 1e-5, 0.05, 128); },
                     [=] { F::layer_norm(x, {768}, w, b); }});
  }
  {
    // A DLRM-style table (100k x 64: 25.6 MB of float32, 7.2 MB at 8 bits, 3.6 MB at 4 bits),
    // 2048 bags of 20 rows.
    const Tensor table = octet::randn({100000, 64}, g);
    const Tensor packed8 = Q::embedding_bag_byte_prepack(table), packed4 = Q::embedding_bag_4bit_prepack(table);
    const Tensor idx = octet::randint(0, 100000, {2048 * 20}, g), offsets = octet::arange(0, 2048 * 20, 20);
    cases.push_back({"embedding_bag_sum/8bit_100000x64_2048x20",
                     [=] { Q::embedding_bag_byte_rowwise_offsets(packed8, idx, offsets); },
                     [=] { F::embedding_bag(idx, table, offsets, std::nullopt, 2.0, /*scale_grad_by_freq=*/false, "sum"); }});
    cases.push_back({"embedding_bag_sum/4bit_100000x64_2048x20",
                     [=] { Q::embedding_bag_4bit_rowwise_offsets(packed4, idx, offsets); },
                     [=] { F::embedding_bag(idx, table, offsets, std::nullopt, 2.0, /*scale_grad_by_freq=*/false, "sum"); }});
    cases.push_back({"embedding_bag_mean/8bit_100000x64_2048x20",
                     [=] { Q::embedding_bag_byte_rowwise_offsets(packed8, idx, offsets, Q::kEmbeddingBagMean); },
                     [=] { F::embedding_bag(idx, table, offsets, std::nullopt, 2.0, /*scale_grad_by_freq=*/false, "mean"); }});
  }
  return cases;
}

// Collects each run's real time per iteration, for the ratio table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (!r.error_occurred) times_[r.benchmark_name()] = r.GetAdjustedRealTime();
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\n%-58s %12s %12s %8s\n", "case", "int8", "fp32", "fp32/int8");
    for (const auto& [name, t] : times_) {
      if (name.rfind("int8/", 0) != 0) continue;
      const std::string rest = name.substr(5);
      const auto f = times_.find("fp32/" + rest);
      if (f == times_.end()) continue;
      std::printf("%-58s %12.1f %12.1f %8.2f\n", rest.c_str(), t, f->second, f->second / t);
    }
  }

 private:
  std::map<std::string, double> times_;
};

}  // namespace

int main(int argc, char** argv) {
  const std::vector<Case> cases = make_cases();
  for (int threads : {1, 2}) {
    for (const Case& c : cases) {
      const std::string suffix = c.name + "/threads:" + std::to_string(threads);
      for (const auto& [prefix, fn] : {std::make_pair("int8/", c.int8), std::make_pair("fp32/", c.fp32)}) {
        benchmark::RegisterBenchmark((prefix + suffix).c_str(), [fn, threads](benchmark::State& state) {
          octet::set_num_threads(threads);
          for (auto _ : state) fn();
        })->UseRealTime()->Unit(benchmark::kMicrosecond);
      }
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
