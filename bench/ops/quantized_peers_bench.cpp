// quantized_peers_bench.cpp: int8 linear / dynamic linear / conv2d on BERT-base, ResNet-18 and MobileNetV2 layer
// shapes, the Octet side of bench/peers/quantized_vs_peers.py (same shapes, qparams and threads).
//
// Benchmark names encode the whole case, so the peer script rebuilds it from the name alone:
//   qlinear/<layer>/m<M>k<K>n<N>/threads:<t>            quint8 x (M, K), per-channel qint8 w (N, K), bias
//   qlinear_dynamic/<layer>/m<M>k<K>n<N>/threads:<t>    float x, the same weights, float out
//   qconv2d/<layer>/n<N>c<C>h<H>w<W>_o<Co>k<k>s<s>p<p>g<g>/threads:<t>   square kernel, bias
// The qparams are the script's constants (X_SCALE, X_ZP, Y_SCALE, Y_ZP, weight_scales). Counters:
// GOP/s (2 per multiply-add, by wall time). The fp32 twin of each case is in float_ops_bench.cpp.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <octet/octet.h>
#include <octet/quantized/conv.h>
#include <octet/quantized/linear.h>

namespace {

constexpr double kXScale = 0.05, kYScale = 0.2;
constexpr int64_t kXZp = 64, kYZp = 100;

struct LinearCase {
  const char* layer;
  int64_t m, k, n;
};
struct ConvCase {
  const char* layer;
  int64_t c, h, co, k, s, g;  // batch 1, square input and kernel, padding k / 2
};

// BERT-base projections (768 -> 768) and FFN (768 -> 3072 -> 768) at M = batch * sequence in
// {1, 16, 128}; the CNN classifier heads at batch 1.
std::vector<LinearCase> linear_cases() {
  std::vector<LinearCase> out;
  for (int64_t m : {1, 16, 128}) {
    out.push_back({"bert.attn", m, 768, 768});
    out.push_back({"bert.ffn1", m, 768, 3072});
    out.push_back({"bert.ffn2", m, 3072, 768});
  }
  out.push_back({"resnet18.fc", 1, 512, 1000});
  out.push_back({"mobilenetv2.fc", 1, 1280, 1000});
  return out;
}

// The distinct convolutions of ResNet-18 and a representative set of MobileNetV2's, 224x224, batch 1.
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
    {"mobilenetv2.b2.expand", 16, 112, 96, 1, 1, 1},
    {"mobilenetv2.b2.dw", 96, 112, 96, 3, 2, 96},
    {"mobilenetv2.b3.project", 144, 56, 24, 1, 1, 1},
    {"mobilenetv2.b3.dw", 144, 56, 144, 3, 1, 144},
    {"mobilenetv2.b12.expand", 96, 14, 576, 1, 1, 1},
    {"mobilenetv2.b15.dw", 960, 7, 960, 3, 1, 960},
    {"mobilenetv2.conv_last", 320, 7, 1280, 1, 1, 1},
};

std::vector<double> weight_scales(int64_t n) {
  std::vector<double> s(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) s[static_cast<size_t>(i)] = 0.01 + 0.001 * static_cast<double>(i % 7);
  return s;
}

octet::Tensor quantize_weight(const octet::Tensor& w) {
  const int64_t n = w.shape()[0];
  return octet::quantize_per_channel(w, weight_scales(n), std::vector<int64_t>(static_cast<size_t>(n), 0), 0,
                                     octet::kQInt8);
}

void set_gops(benchmark::State& state, double macs) {
  state.counters["GOP/s"] =
      benchmark::Counter(2.0 * macs, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

void register_all() {
  for (int threads : {1, 2}) {
    std::string t = "/threads:";
    t.append(std::to_string(threads));
    for (const LinearCase& c : linear_cases()) {
      std::string shape = "/m";
      shape.append(std::to_string(c.m)).append("k").append(std::to_string(c.k)).append("n").append(
          std::to_string(c.n));
      const double macs = static_cast<double>(c.m * c.k * c.n);
      std::string name = "qlinear/";
      name.append(c.layer).append(shape).append(t);
      benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
        octet::set_num_threads(threads);
        octet::Generator g(1);
        const octet::Tensor x = octet::rand({c.m, c.k}, g) * 6.0 - 3.0;
        const octet::Tensor w = octet::randn({c.n, c.k}, g) * 0.5, b = octet::randn({c.n}, g);
        const octet::Tensor xq = octet::quantize_per_tensor(x, kXScale, kXZp, octet::kQUInt8);
        const auto packed = octet::quantized::linear_prepack(quantize_weight(w), b);
        for (auto _ : state) benchmark::DoNotOptimize(octet::quantized::linear(xq, packed, kYScale, kYZp));
        set_gops(state, macs);
      })->UseRealTime();
      std::string dname = "qlinear_dynamic/";
      dname.append(c.layer).append(shape).append(t);
      benchmark::RegisterBenchmark(dname.c_str(), [=](benchmark::State& state) {
        octet::set_num_threads(threads);
        octet::Generator g(1);
        const octet::Tensor x = octet::rand({c.m, c.k}, g) * 6.0 - 3.0;
        const octet::Tensor w = octet::randn({c.n, c.k}, g) * 0.5, b = octet::randn({c.n}, g);
        const auto packed = octet::quantized::linear_prepack(quantize_weight(w), b);
        for (auto _ : state) {
          benchmark::DoNotOptimize(octet::quantized::linear_dynamic(x, packed, /*reduce_range=*/true));
        }
        set_gops(state, macs);
      })->UseRealTime();
    }
    for (const ConvCase& c : kConv) {
      const int64_t p = c.k / 2;
      const int64_t oh = (c.h + 2 * p - c.k) / c.s + 1;
      const double macs = static_cast<double>(c.co * oh * oh * (c.c / c.g) * c.k * c.k);
      std::string name = "qconv2d/";
      name.append(c.layer).append("/n1c").append(std::to_string(c.c)).append("h").append(std::to_string(c.h));
      name.append("w").append(std::to_string(c.h)).append("_o").append(std::to_string(c.co));
      name.append("k").append(std::to_string(c.k)).append("s").append(std::to_string(c.s));
      name.append("p").append(std::to_string(p)).append("g").append(std::to_string(c.g)).append(t);
      benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
        octet::set_num_threads(threads);
        octet::Generator g(1);
        const octet::Tensor x = octet::rand({1, c.c, c.h, c.h}, g) * 6.0 - 3.0;
        const octet::Tensor w = octet::randn({c.co, c.c / c.g, c.k, c.k}, g) * 0.5;
        const octet::Tensor b = octet::randn({c.co}, g);
        // Channels-last memory, as the peer script gives PyTorch (both quantized convs compute in it).
        const octet::Tensor xq =
            octet::quantize_per_tensor(x, kXScale, kXZp, octet::kQUInt8).permute({0, 2, 3, 1}).contiguous().permute(
                {0, 3, 1, 2});
        const auto packed = octet::quantized::conv2d_prepack(quantize_weight(w), b, {c.s, c.s}, {p, p}, {1, 1}, c.g);
        for (auto _ : state) benchmark::DoNotOptimize(octet::quantized::conv2d(xq, packed, kYScale, kYZp));
        set_gops(state, macs);
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
