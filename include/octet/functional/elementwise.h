// elementwise.h: broadcasting elementwise arithmetic, math functions, clamp and where, with Tensor operators (octet::functional, PyTorch's torch.nn.functional).
#pragma once

#include "octet/tensor.h"

namespace octet::functional {}  // namespace octet::functional
