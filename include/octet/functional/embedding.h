// embedding.h: embedding and embedding_bag lookups (octet::functional, PyTorch's torch.nn.functional).
#pragma once

#include "octet/tensor.h"

namespace octet::functional {}  // namespace octet::functional
