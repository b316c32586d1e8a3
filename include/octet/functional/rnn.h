// rnn.h: recurrent layers and cells: lstm, gru, rnn (octet::functional, PyTorch's torch.nn.functional).
#pragma once

#include "octet/tensor.h"

namespace octet::functional {}  // namespace octet::functional
