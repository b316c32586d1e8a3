// quantized.h: the quantized operators (octet::quantized, PyTorch's torch.ops.quantized) in one include.
//
// Operators take and return quantized Tensors (quint8 / qint8) and follow PyTorch's names and argument
// order. The integer answer of each is defined by Octet's contract (docs/numerics.md): every ISA path
// and thread count gives the same bits.
#pragma once

#include "octet/quantized/activation.h"
#include "octet/quantized/conv.h"
#include "octet/quantized/elementwise.h"
#include "octet/quantized/embedding.h"
#include "octet/quantized/linear.h"
#include "octet/quantized/norm.h"
#include "octet/quantized/pooling.h"
#include "octet/quantized/resize.h"
#include "octet/quantized/shape.h"
#include "octet/quantized/dynamic_linear_weight.h"
#include "octet/quantized/embedding_packed.h"
#include "octet/quantized/linear_fp16.h"
#include "octet/quantized/rnn.h"
