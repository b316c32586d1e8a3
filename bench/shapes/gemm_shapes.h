// gemm_shapes.h: GEMM problem sizes taken from real models (BERT-base, ResNet-18, MobileNetV2), for the GEMM benchmarks.
//
// Every shape is out[M x N] = act[M x K] * weight[N x K]^T, as a linear layer or a convolution run as
// a GEMM (im2col): M = output pixels (H_out * W_out, one image), N = output channels,
// K = input channels * kernel taps. Input resolution 224 x 224, batch 1.
#pragma once

#include <cstdint>

namespace octet::bench {

struct GemmShape {
  const char* model;  // "bert", "resnet18", "mobilenetv2"
  const char* layer;  // the layer, as its model names it
  int64_t m, n, k;
};

// clang-format off
inline constexpr GemmShape kGemmShapes[] = {
    // BERT-base linear layers at 1 (decode-like), 16 and 128 tokens: attention in/out projections
    // (768 x 768), FFN up (3072 x 768) and FFN down (768 x 3072).
    {"bert", "attn_768x768", 1, 768, 768},     {"bert", "attn_768x768", 16, 768, 768},
    {"bert", "attn_768x768", 128, 768, 768},   {"bert", "ffn_up_3072x768", 1, 3072, 768},
    {"bert", "ffn_up_3072x768", 16, 3072, 768}, {"bert", "ffn_up_3072x768", 128, 3072, 768},
    {"bert", "ffn_down_768x3072", 1, 768, 3072}, {"bert", "ffn_down_768x3072", 16, 768, 3072},
    {"bert", "ffn_down_768x3072", 128, 768, 3072},
    // ResNet-18: every distinct convolution (im2col GEMM) and the classifier.
    {"resnet18", "conv1_7x7s2", 12544, 64, 147},
    {"resnet18", "layer1_3x3", 3136, 64, 576},
    {"resnet18", "layer2.0_3x3s2", 784, 128, 576},
    {"resnet18", "layer2_3x3", 784, 128, 1152},
    {"resnet18", "layer2.0_down_1x1s2", 784, 128, 64},
    {"resnet18", "layer3.0_3x3s2", 196, 256, 1152},
    {"resnet18", "layer3_3x3", 196, 256, 2304},
    {"resnet18", "layer3.0_down_1x1s2", 196, 256, 128},
    {"resnet18", "layer4.0_3x3s2", 49, 512, 2304},
    {"resnet18", "layer4_3x3", 49, 512, 4608},
    {"resnet18", "layer4.0_down_1x1s2", 49, 512, 256},
    {"resnet18", "fc", 1, 1000, 512},
    // MobileNetV2: the pointwise (1x1) convolutions, expand (t = 6) and project, at each resolution.
    {"mobilenetv2", "block0_project_32to16", 12544, 16, 32},
    {"mobilenetv2", "block1_expand_16to96", 12544, 96, 16},
    {"mobilenetv2", "block1_project_96to24", 3136, 24, 96},
    {"mobilenetv2", "block2_expand_24to144", 3136, 144, 24},
    {"mobilenetv2", "block2_project_144to24", 3136, 24, 144},
    {"mobilenetv2", "block3_project_144to32", 784, 32, 144},
    {"mobilenetv2", "block4_expand_32to192", 784, 192, 32},
    {"mobilenetv2", "block4_project_192to32", 784, 32, 192},
    {"mobilenetv2", "block7_expand_64to384", 196, 384, 64},
    {"mobilenetv2", "block7_project_384to64", 196, 64, 384},
    {"mobilenetv2", "block11_project_384to96", 196, 96, 384},
    {"mobilenetv2", "block12_expand_96to576", 196, 576, 96},
    {"mobilenetv2", "block12_project_576to96", 196, 96, 576},
    {"mobilenetv2", "block14_project_576to160", 49, 160, 576},
    {"mobilenetv2", "block15_expand_160to960", 49, 960, 160},
    {"mobilenetv2", "block15_project_960to160", 49, 160, 960},
    {"mobilenetv2", "block17_project_960to320", 49, 320, 960},
    {"mobilenetv2", "conv_last_320to1280", 49, 1280, 320},
    {"mobilenetv2", "classifier", 1, 1000, 1280},
};
// clang-format on

}  // namespace octet::bench
