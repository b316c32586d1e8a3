// resnet18.cpp: runs torchvision's ResNet-18 in Octet from a PyTorch state dict and checks it
// against PyTorch's output.
//
//   resnet18 [weights.safetensors [io.safetensors]]
//
// Without arguments it runs the small committed model (width 8, 10 classes); for the real
// network write full-size weights with `python3 scripts/golden/gen_models.py --full --out DIR` and
// pass DIR/resnet18.safetensors. The network's width and class count come from the file's
// metadata. Prints the top-5 classes per image, the max relative difference to PyTorch's output
// (when an io file with "input" and "output" is there) and the forward latency.
#include <cstdio>
#include <exception>

#include "models/example_util.h"
#include "models/resnet.h"
#include "octet/engine.h"
#include "octet/functional.h"
#include "octet/generator.h"
#include "octet/io/safetensors.h"
#include "octet/nn/serialize.h"

using namespace octet;

int main(int argc, char** argv) {
  try {
    const examples::ModelFiles files = examples::model_files(argc, argv, "resnet18");
    const auto meta = io::load_safetensors(files.weights).metadata;
    auto model = models::resnet18({.num_classes = examples::meta_int(meta, "num_classes", 1000),
                                   .width = examples::meta_int(meta, "width", 64)});
    nn::load_state_dict(*model, files.weights);  // strict: every key must match
    model->eval();
    std::printf("ResNet-18 (width %lld, %lld classes) from %s\n", static_cast<long long>(model->options().width),
                static_cast<long long>(model->options().num_classes), files.weights.c_str());

    examples::report_classifier(*model, files);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "resnet18: %s\n", e.what());
    return 1;
  }
}
