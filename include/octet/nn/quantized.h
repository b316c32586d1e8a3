// quantized.h: the quantized modules in one include: static (octet::nn::quantized), dynamic
// (octet::nn::quantized::dynamic), weight-only embeddings, and the fused modules
// (octet::nn::intrinsic and octet::nn::intrinsic::quantized) with BN folding.
#pragma once

#include "octet/nn/quantized/from_float.h"
#include "octet/nn/quantized/output_qparams.h"
#include "octet/nn/quantized/quantize.h"
#include "octet/nn/quantized/linear.h"
#include "octet/nn/quantized/conv.h"
#include "octet/nn/quantized/normalization.h"
#include "octet/nn/quantized/activation.h"
#include "octet/nn/quantized/dropout.h"
#include "octet/nn/quantized/functional_modules.h"
#include "octet/nn/quantized/embedding.h"
#include "octet/nn/quantized/dynamic/linear.h"
#include "octet/nn/quantized/dynamic/rnn.h"
#include "octet/nn/intrinsic/fused.h"
#include "octet/nn/intrinsic/fusion.h"
#include "octet/nn/intrinsic/quantized/linear_relu.h"
#include "octet/nn/intrinsic/quantized/conv_relu.h"
#include "octet/nn/intrinsic/quantized/bn_relu.h"
#include "octet/nn/intrinsic/quantized/conv_add.h"
