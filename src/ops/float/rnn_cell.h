// rnn_cell.h: the float32 RNN cell step, shared by functional::lstm / gru / rnn and the dynamically quantized RNNs (internal).
#pragma once

#include <cstdint>

namespace octet::ops {

enum class RnnCellKind { Lstm, Gru, RnnTanh, RnnRelu };

// One time step for n rows, PyTorch's cell equations (src/ops/float/rnn.cpp): x and hh are the input
// and hidden projections with their biases, n rows of gates * hidden floats (gates 4, 3, 1, 1);
// h (and c for the LSTM) are n rows of hidden floats, updated in place.
void rnn_cell_step(RnnCellKind kind, const float* x, const float* hh, float* h, float* c, int64_t n, int64_t hidden);

}  // namespace octet::ops
