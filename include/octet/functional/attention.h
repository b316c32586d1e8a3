// attention.h: scaled dot-product attention (octet::functional, PyTorch's torch.nn.functional).
#pragma once

#include "octet/tensor.h"

namespace octet::functional {}  // namespace octet::functional
