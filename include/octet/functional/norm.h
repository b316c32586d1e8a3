// norm.h: normalisation: batch_norm, layer_norm, group_norm, instance_norm (octet::functional, PyTorch's torch.nn.functional).
#pragma once

#include "octet/tensor.h"

namespace octet::functional {}  // namespace octet::functional
