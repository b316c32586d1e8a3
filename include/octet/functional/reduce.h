// reduce.h: reductions over dimensions: sum, mean, max, min, argmax (octet::functional, PyTorch's torch.nn.functional).
#pragma once

#include "octet/tensor.h"

namespace octet::functional {}  // namespace octet::functional
