// functional.h: the float operator set, PyTorch's torch.nn.functional in C++ (octet::functional, or
// octet::F for short). Float32, NCHW, PyTorch's semantics and argument names and order.
#pragma once

#include "octet/functional/activation.h"
#include "octet/functional/attention.h"
#include "octet/functional/conv.h"
#include "octet/functional/elementwise.h"
#include "octet/functional/embedding.h"
#include "octet/functional/linear.h"
#include "octet/functional/norm.h"
#include "octet/functional/pooling.h"
#include "octet/functional/reduce.h"
#include "octet/functional/resize.h"
#include "octet/functional/rnn.h"
#include "octet/functional/shape.h"

namespace octet {
namespace F = functional;
}  // namespace octet
