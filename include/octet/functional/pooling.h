// pooling.h: max, average and adaptive pooling (1d/2d/3d) (octet::functional, PyTorch's torch.nn.functional).
#pragma once

#include "octet/tensor.h"

namespace octet::functional {}  // namespace octet::functional
