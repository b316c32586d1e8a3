// activation.h: activation functions, softmax / log_softmax and dropout (octet::functional, PyTorch's torch.nn.functional).
#pragma once

#include "octet/tensor.h"

namespace octet::functional {}  // namespace octet::functional
