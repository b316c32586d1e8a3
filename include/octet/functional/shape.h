// shape.h: joining and splitting tensors: cat, stack, split, chunk, pixel_shuffle, pixel_unshuffle (octet::functional, PyTorch's torch.nn.functional).
#pragma once

#include "octet/tensor.h"

namespace octet::functional {}  // namespace octet::functional
