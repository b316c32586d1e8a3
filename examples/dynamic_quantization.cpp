// dynamic_quantization.cpp: eager-mode dynamic quantization of the bundled Fashion-MNIST LSTM: int8
// weights, activations quantized on the fly at every call, no calibration data.
//
// The same in PyTorch:
//   quantized = torch.ao.quantization.quantize_dynamic(model, {nn.LSTM, nn.Linear}, dtype=torch.qint8)
//
// Usage: dynamic_quantization [FASHION_MNIST_DIR]   (default: Debian's dataset-fashion-mnist)
#include <cstdio>
#include <iostream>
#include <string>

#include <octet/io/idx.h>
#include <octet/nn/serialize.h>
#include <octet/octet.h>
#include <octet/quantization.h>

#include "models/fashion_data.h"
#include "models/fashion_lstm.h"

namespace nn = octet::nn;
namespace Q = octet::quantization;

int main(int argc, char** argv) {
  const std::string data_dir = argc > 1 ? argv[1] : octet::io::default_fashion_mnist_root();
  const auto test = octet::io::load_fashion_mnist(data_dir, /*train=*/false);
  const octet::Tensor images = octet::models::normalize_fashion_images(test.images);

  // The float model. Its LSTM member is an nn::AnyLSTM, so the same forward runs the float LSTM
  // and the int8 one that quantize_dynamic puts in its place.
  auto model = std::make_shared<octet::models::FashionLSTM>();
  nn::load_state_dict(*model, std::string(OCTET_FASHION_MODELS_DIR) + "/fashion_lstm.safetensors");
  model->eval();

  // One call: every LSTM and Linear gets int8 weights (per tensor, PyTorch's default_dynamic_qconfig).
  // octet::kFloat16 would give float16 weights instead.
  auto quantized = Q::quantize_dynamic(model, {typeid(nn::LSTM), typeid(nn::Linear)}, octet::kQInt8);
  std::cout << *quantized << "\n\n";

  const auto run_float = [&](const octet::Tensor& x) { return model->forward(x); };
  const auto run_int8 = [&](const octet::Tensor& x) { return quantized->forward(x); };
  std::printf("accuracy on %lld test images: FP32 %.2f%%, INT8 %.2f%%\n", static_cast<long long>(images.size(0)),
              100 * octet::models::fashion_accuracy(run_float, images, test.labels),
              100 * octet::models::fashion_accuracy(run_int8, images, test.labels));
  return 0;
}
