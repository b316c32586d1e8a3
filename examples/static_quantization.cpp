// static_quantization.cpp: eager-mode static post-training quantization, step by step, on the
// bundled Fashion-MNIST CNN (int8 weights and activations).
//
// The same steps in PyTorch:
//   model.eval()
//   torch.ao.quantization.fuse_modules(model, [["conv1", "bn1", "relu1"], ...], inplace=True)
//   model.qconfig = torch.ao.quantization.get_default_qconfig("x86")
//   prepared = torch.ao.quantization.prepare(model)
//   for x in calibration_batches: prepared(x)
//   quantized = torch.ao.quantization.convert(prepared)
//
// Usage: static_quantization [FASHION_MNIST_DIR]   (default: Debian's dataset-fashion-mnist)
#include <cstdio>
#include <iostream>
#include <string>

#include <octet/io/idx.h>
#include <octet/nn/serialize.h>
#include <octet/octet.h>
#include <octet/quantization.h>

#include "models/fashion_cnn.h"
#include "models/fashion_data.h"

namespace nn = octet::nn;
namespace Q = octet::quantization;
using octet::models::FashionCNN;

int main(int argc, char** argv) {
  const std::string data_dir = argc > 1 ? argv[1] : octet::io::default_fashion_mnist_root();
  const auto train = octet::io::load_fashion_mnist(data_dir, /*train=*/true);
  const auto test = octet::io::load_fashion_mnist(data_dir, /*train=*/false);
  const octet::Tensor calib = octet::models::normalize_fashion_images(octet::models::fashion_batch(train.images, 0, 512));
  const octet::Tensor images = octet::models::normalize_fashion_images(test.images);

  // 1. The float model, with its trained weights, in eval mode (fusion folds BatchNorm statistics).
  auto model = std::make_shared<FashionCNN>();
  nn::load_state_dict(*model, std::string(OCTET_FASHION_MODELS_DIR) + "/fashion_cnn.safetensors");
  model->eval();

  // 2. Fuse conv + bn (+ relu) runs: one int8 conv each after convert, BatchNorm folded into it.
  Q::fuse_modules(*model, FashionCNN::fusion_groups());

  // 3. Say how to quantize: the x86 engine's default (histogram-observed activations, per-channel
  //    int8 weights). A submodule can choose its own qconfig, or nullptr to stay float.
  model->qconfig = Q::get_default_qconfig("x86");

  // 4. Prepare: a copy with an observer on every module that will be quantized.
  auto prepared = Q::prepare(model);

  // 5. Calibrate: run representative data through it; the observers record what they see.
  for (int64_t start = 0; start < calib.size(0); start += 64) {
    prepared->forward(octet::models::fashion_batch(calib, start, 64));
  }

  // 6. Convert: every observed module becomes its int8 version with the observed qparams.
  auto quantized = Q::convert(prepared);
  std::cout << *quantized << "\n\n";

  const auto run_float = [&](const octet::Tensor& x) { return model->forward(x); };
  const auto run_int8 = [&](const octet::Tensor& x) { return quantized->forward(x); };
  std::printf("accuracy on %lld test images: FP32 %.2f%%, INT8 %.2f%%\n", static_cast<long long>(images.size(0)),
              100 * octet::models::fashion_accuracy(run_float, images, test.labels),
              100 * octet::models::fashion_accuracy(run_int8, images, test.labels));

  // 7. Save: integer weights, bias and qparams as safetensors (never the packed layout). Loading
  //    into a converted model of the same structure repacks for the CPU it runs on.
  nn::save_state_dict(*quantized, "fashion_cnn_int8.safetensors");
  std::printf("saved fashion_cnn_int8.safetensors\n");
  return 0;
}
