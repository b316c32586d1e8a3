// conv.h: convolution and transposed convolution (1d/2d/3d) on float32 NCHW tensors (octet::functional, PyTorch's torch.nn.functional).
#pragma once

#include "octet/tensor.h"

namespace octet::functional {}  // namespace octet::functional
