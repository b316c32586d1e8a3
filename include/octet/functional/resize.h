// resize.h: interpolate (nearest, bilinear) and pad (constant, reflect, replicate) (octet::functional, PyTorch's torch.nn.functional).
#pragma once

#include "octet/tensor.h"

namespace octet::functional {}  // namespace octet::functional
