// command_demo.cpp: `octet demo`, the main job: quantizes two small Fashion-MNIST models the way
// PyTorch's eager mode does (static PTQ for a residual CNN, dynamic PTQ for an LSTM) and prints FP32
// vs INT8 accuracy on the 10,000 test images, file size, latency and speedup at the same threads.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli_args.h"
#include "commands.h"
#include "models/fashion_cnn.h"
#include "models/fashion_data.h"
#include "models/fashion_lstm.h"
#include "octet/cpu_features.h"
#include "octet/engine.h"
#include "octet/io/idx.h"
#include "octet/nn/serialize.h"
#include "octet/quantization.h"
#include "progress_bar.h"

namespace octet::cli {
namespace {

namespace Q = octet::quantization;
using Clock = std::chrono::steady_clock;

constexpr const char* kHelp =
    "usage: octet demo [--data DIR] [--models DIR] [--calib N] [--limit N] [--batch N] [--threads N]\n"
    "                  [--json FILE]\n"
    "\n"
    "Quantizes two Fashion-MNIST classifiers with Octet's eager-mode workflow and compares them with\n"
    "their float versions on the test images:\n"
    "  FashionCNN   residual CNN, static post-training quantization: fuse conv-bn-relu, x86 qconfig\n"
    "               (histogram activations, per-channel int8 weights), calibrate, convert\n"
    "  FashionLSTM  row-by-row LSTM, dynamic quantization: int8 LSTM and Linear weights\n"
    "\n"
    "options:\n"
    "  --data DIR     Fashion-MNIST's IDX files (default: Debian's dataset-fashion-mnist,\n"
    "                 or $OCTET_FASHION_MNIST)\n"
    "  --models DIR   the float weights fashion_cnn.safetensors / fashion_lstm.safetensors\n"
    "  --calib N      calibration images, the first N training images (default 1024)\n"
    "  --limit N      test images to evaluate (default: all 10000)\n"
    "  --batch N      batch size for evaluation and latency (default 64)\n"
    "  --threads N    threads for every run, float and int8 alike (default 1)\n"
    "  --json FILE    also write the results and every quantized module's qparams as JSON\n";

#ifndef OCTET_DEMO_MODELS_DIR
#define OCTET_DEMO_MODELS_DIR "data/models"
#endif

struct Options {
  std::string data_dir = io::default_fashion_mnist_root();
  std::string models_dir = OCTET_DEMO_MODELS_DIR;
  int64_t calib = 1024;
  int64_t limit = 10000;
  int64_t batch = 64;
  int threads = 1;
  std::string json;
};

// One evaluation of a model on the test images: accuracy and the median time of a full batch.
struct Eval {
  double accuracy = 0;
  double ms_per_batch = 0;
};

Eval evaluate(nn::Module& model, const Tensor& images, const Tensor& labels, int64_t batch) {
  const int64_t n = images.size(0);
  model.forward(models::fashion_batch(images, 0, std::min(batch, n)));  // warm up: packing, allocations
  std::vector<double> times;
  int64_t correct = 0;
  for (int64_t start = 0; start < n; start += batch) {
    const Tensor x = models::fashion_batch(images, start, batch);
    const auto t0 = Clock::now();
    const Tensor logits = model.forward(x);
    const auto t1 = Clock::now();
    if (x.size(0) == batch) times.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    correct += models::count_correct(logits, labels, start);
  }
  Eval e;
  e.accuracy = 100.0 * static_cast<double>(correct) / static_cast<double>(n);
  if (!times.empty()) {
    std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
    e.ms_per_batch = times[times.size() / 2];
  }
  return e;
}

// The size of a model's state dict saved as safetensors (integer weights for a quantized model).
double saved_kib(const nn::Module& model, const std::string& name) {
  std::string unique = std::to_string(static_cast<long long>(getpid()));  // two demos at once do not collide
  unique.append("_").append(name);
  const std::filesystem::path path = std::filesystem::temp_directory_path() / unique;
  nn::save_state_dict(model, path.string());
  const double kib = static_cast<double>(std::filesystem::file_size(path)) / 1024.0;
  std::filesystem::remove(path);
  return kib;
}

struct Row {
  std::string model, method;
  Eval fp32{}, int8{};
  double fp32_kib = 0, int8_kib = 0;
};

void print_table(const std::vector<Row>& rows) {
  std::printf("\n%-12s %-12s %-9s %9s %10s %10s %8s\n", "model", "method", "precision", "accuracy", "size KiB",
              "ms/batch", "speedup");
  for (const Row& r : rows) {
    std::printf("%-12s %-12s %-9s %8.2f%% %10.1f %10.3f %8s\n", r.model.c_str(), r.method.c_str(), "FP32",
                r.fp32.accuracy, r.fp32_kib, r.fp32.ms_per_batch, "");
    char speedup[32];
    std::snprintf(speedup, sizeof speedup, "%.2fx", r.fp32.ms_per_batch / r.int8.ms_per_batch);
    std::printf("%-12s %-12s %-9s %8.2f%% %10.1f %10.3f %8s\n", "", "", "INT8", r.int8.accuracy, r.int8_kib,
                r.int8.ms_per_batch, speedup);
    std::printf("%-12s %-12s %-9s %+8.2f pt %8.2fx smaller\n", "", "", "change", r.int8.accuracy - r.fp32.accuracy,
                r.fp32_kib / r.int8_kib);
  }
}

std::string json_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// {"name": {"scale": s, "zero_point": z, "weight_scales": [...]}, ...} for every module holding
// output qparams (weight_scales for per-channel quantized weights).
std::string qparams_json(const nn::Module& model) {
  std::string out = "{";
  bool first = true;
  for (const auto& [name, m] : model.named_modules()) {
    if (!m->has_buffer("scale") || !m->has_buffer("zero_point")) continue;
    out.append(first ? "\n    \"" : ",\n    \"").append(name).append("\": {\"scale\": ");
    out.append(json_number(m->get_buffer("scale").to(kFloat64).contiguous().data_ptr<double>()[0]));
    out.append(", \"zero_point\": ")
        .append(std::to_string(m->get_buffer("zero_point").to(kInt64).contiguous().data_ptr<int64_t>()[0]));
    const nn::StateDict own = m->state_dict();
    if (own.contains("weight") && own.at("weight").is_quantized() && own.at("weight").quantizer()->per_channel()) {
      out.append(", \"weight_scales\": [");
      const std::vector<double>& scales = own.at("weight").quantizer()->scales();
      for (size_t i = 0; i < scales.size(); ++i) out.append(i ? ", " : "").append(json_number(scales[i]));
      out.append("]");
    }
    out.append("}");
    first = false;
  }
  return out + "\n  }";
}

void write_json(const std::string& path, const Options& o, const std::vector<Row>& rows, const nn::Module& cnn_int8) {
  std::ofstream f(path);
  OCTET_CHECK(f.good(), "octet demo", "cannot write '", path, "'");
  f << "{\n  \"threads\": " << o.threads << ",\n  \"batch\": " << o.batch << ",\n  \"calib\": " << o.calib
    << ",\n  \"test_images\": " << o.limit << ",\n  \"models\": {";
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    f << (i ? ",\n" : "\n") << "    \"" << r.model << "\": {\"fp32_accuracy\": " << json_number(r.fp32.accuracy)
      << ", \"int8_accuracy\": " << json_number(r.int8.accuracy) << ", \"fp32_kib\": " << json_number(r.fp32_kib)
      << ", \"int8_kib\": " << json_number(r.int8_kib) << ", \"fp32_ms_per_batch\": "
      << json_number(r.fp32.ms_per_batch) << ", \"int8_ms_per_batch\": " << json_number(r.int8.ms_per_batch) << "}";
  }
  f << "\n  },\n  \"cnn_qparams\": " << qparams_json(cnn_int8) << "\n}\n";
}

Options parse(std::span<const std::string_view> args, bool& help) {
  Options o;
  ArgReader reader(args);
  while (!reader.done()) {
    const std::string_view arg = reader.next();
    if (arg == "--help" || arg == "-h") {
      help = true;
      return o;
    }
    if (auto v = reader.value_of(arg, "--data")) {
      o.data_dir = *v;
    } else if (auto v2 = reader.value_of(arg, "--models")) {
      o.models_dir = *v2;
    } else if (auto v3 = reader.value_of(arg, "--calib")) {
      o.calib = parse_positive("--calib", *v3);
    } else if (auto v4 = reader.value_of(arg, "--limit")) {
      o.limit = parse_positive("--limit", *v4);
    } else if (auto v5 = reader.value_of(arg, "--batch")) {
      o.batch = parse_positive("--batch", *v5);
    } else if (auto v6 = reader.value_of(arg, "--threads")) {
      o.threads = static_cast<int>(parse_positive("--threads", *v6));
    } else if (auto v7 = reader.value_of(arg, "--json")) {
      o.json = *v7;
    } else {
      throw UsageError("octet demo: unknown argument '" + std::string(arg) + "'");
    }
  }
  return o;
}

}  // namespace

int command_demo(std::span<const std::string_view> args) {
  bool help = false;
  const Options o = parse(args, help);
  if (help) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  set_num_threads(o.threads);
  const auto started = Clock::now();

  // Data: the test split to evaluate, the first training images to calibrate with.
  const io::FashionMNIST test = io::load_fashion_mnist(o.data_dir, /*train=*/false);
  const io::FashionMNIST train = io::load_fashion_mnist(o.data_dir, /*train=*/true);
  const int64_t n_test = std::min(o.limit, test.images.size(0));
  const int64_t n_calib = std::min(o.calib, train.images.size(0));
  const Tensor test_images = models::normalize_fashion_images(models::fashion_batch(test.images, 0, n_test));
  const Tensor test_labels = models::fashion_batch(test.labels, 0, n_test);
  const Tensor calib_images = models::normalize_fashion_images(models::fashion_batch(train.images, 0, n_calib));
  std::printf("Octet demo: Fashion-MNIST, %lld test images, batch %lld, %d thread%s, %s engine, %s kernels\n",
              static_cast<long long>(n_test), static_cast<long long>(o.batch), o.threads, o.threads == 1 ? "" : "s",
              std::string(engine_name(get_engine())).c_str(), std::string(isa_name(best_isa())).c_str());

  std::vector<Row> rows;

  // Static PTQ of the CNN, PyTorch's eager recipe: eval, fuse, qconfig, prepare, calibrate, convert.
  auto cnn = std::make_shared<models::FashionCNN>();
  nn::load_state_dict(*cnn, o.models_dir + "/fashion_cnn.safetensors");
  cnn->eval();
  Row cnn_row{"FashionCNN", "static PTQ"};
  cnn_row.fp32 = evaluate(*cnn, test_images, test_labels, o.batch);
  cnn_row.fp32_kib = saved_kib(*cnn, "octet_demo_cnn_fp32.safetensors");
  auto fused = std::dynamic_pointer_cast<models::FashionCNN>(cnn->clone());
  Q::fuse_modules(*fused, models::FashionCNN::fusion_groups());
  fused->qconfig = Q::get_default_qconfig("x86");
  auto prepared = Q::prepare(fused);
  std::fflush(stdout);  // the header above before the progress bar on stderr
  ProgressBar bar("calibrating FashionCNN", n_calib);
  for (int64_t start = 0; start < n_calib; start += o.batch) {
    prepared->forward(models::fashion_batch(calib_images, start, o.batch));
    bar.update(std::min(start + o.batch, n_calib));
  }
  auto cnn_int8 = Q::convert(prepared);
  cnn_row.int8 = evaluate(*cnn_int8, test_images, test_labels, o.batch);
  cnn_row.int8_kib = saved_kib(*cnn_int8, "octet_demo_cnn_int8.safetensors");
  rows.push_back(cnn_row);

  // Dynamic PTQ of the LSTM: int8 weights, activations quantized per call; no calibration.
  auto lstm = std::make_shared<models::FashionLSTM>();
  nn::load_state_dict(*lstm, o.models_dir + "/fashion_lstm.safetensors");
  lstm->eval();
  Row lstm_row{"FashionLSTM", "dynamic PTQ"};
  lstm_row.fp32 = evaluate(*lstm, test_images, test_labels, o.batch);
  lstm_row.fp32_kib = saved_kib(*lstm, "octet_demo_lstm_fp32.safetensors");
  auto lstm_int8 = Q::quantize_dynamic(lstm, {typeid(nn::LSTM), typeid(nn::Linear)}, kQInt8);
  lstm_row.int8 = evaluate(*lstm_int8, test_images, test_labels, o.batch);
  lstm_row.int8_kib = saved_kib(*lstm_int8, "octet_demo_lstm_int8.safetensors");
  rows.push_back(lstm_row);

  print_table(rows);
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::printf("\nsize: the state dict saved as safetensors (INT8: integer weights + qparams). ms/batch: median over "
              "the test batches.\ndone in %.1f s\n", seconds);
  if (!o.json.empty()) write_json(o.json, o, rows, *cnn_int8);
  return 0;
}

}  // namespace octet::cli
