// mobilenet_v2.cpp: runs torchvision's MobileNetV2 in Octet from a PyTorch state dict and checks
// it against PyTorch's output.
//
//   mobilenet_v2 [weights.safetensors [io.safetensors]]
//
// Without arguments it runs the small committed model (width_mult 0.25, 10 classes); for the real
// network write full-size weights with `python3 scripts/golden/gen_models.py --full --out DIR` and
// pass DIR/mobilenet_v2.safetensors. width_mult and the class count come from the file's
// metadata. Prints the top-5 classes per image, the max relative difference to PyTorch's output
// (when an io file with "input" and "output" is there) and the forward latency.
#include <cstdio>
#include <exception>

#include "models/example_util.h"
#include "models/mobilenet_v2.h"
#include "octet/engine.h"
#include "octet/functional.h"
#include "octet/generator.h"
#include "octet/io/safetensors.h"
#include "octet/nn/serialize.h"

using namespace octet;

int main(int argc, char** argv) {
  try {
    const examples::ModelFiles files = examples::model_files(argc, argv, "mobilenet_v2");
    const auto meta = io::load_safetensors(files.weights).metadata;
    auto model = models::mobilenet_v2({.num_classes = examples::meta_int(meta, "num_classes", 1000),
                                       .width_mult = examples::meta_double(meta, "width_mult", 1.0)});
    nn::load_state_dict(*model, files.weights);  // strict: every key must match
    model->eval();
    std::printf("MobileNetV2 (width_mult %g, %lld classes) from %s\n", model->options().width_mult,
                static_cast<long long>(model->options().num_classes), files.weights.c_str());

    examples::report_classifier(*model, files);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mobilenet_v2: %s\n", e.what());
    return 1;
  }
}
