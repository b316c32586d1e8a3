// rnn.h: dynamically quantized LSTM, GRU and RNN cells (PyTorch's torch.quantized_lstm / quantized_gru with use_dynamic=True and the quantized_*_cell_dynamic ops).
//
// PyTorch's dynamic RNNs keep the weights quantized (qint8, or float16) and everything else float:
// each gate projection is a dynamic linear (octet/quantized/dynamic_linear_weight.h), and the cell
// equations run in float32 exactly as the float RNN's (src/ops/float/rnn.cpp). Per layer and
// direction, with G = gates * hidden:
//
//   xproj = linear_dynamic(x_all, W_ih, b_ih)     the whole sequence at once, (L * N, in) -> (L * N, G):
//                                                 ONE set of activation qparams for all time steps
//   for each step t (reversed for the reverse direction):
//     hh  = linear_dynamic(h, W_hh, b_hh)         h (N, hidden) quantized afresh every step
//     gates = hh + xproj[t];  then PyTorch's LSTM / GRU / tanh / relu cell in float32
//
// (the CPU path of ATen's FullLayer / FullBidirectionalLayer: the input projection is precomputed
// over the sequence, the hidden one is per step). A cell call projects its input and hidden state
// the same way, each quantized on its own. With the x86 engine PyTorch quantizes these activations
// with reduce_range (quint8 0..127) for both the layers (make_quantized_cell_params_dynamic(...,
// reduce_range=True)) and the cells; `reduce_range` here is that flag (qint8 weights only).
//
// The result differs from PyTorch's only through the float32 cell arithmetic (sigmoid/tanh a few
// ulp apart, GRU's h' = (1 - z) n + z h where PyTorch writes (h - n) z + n): on PyTorch 2.15's
// goldens the outputs and states agree within 1.2e-7 absolute (tests/qnn/dynamic_rnn_test.cpp). An
// ulp that moves an activation's range can, rarely, move a later step's quantization by one step
// (about 1e-3 on the states), so the contract is float tolerance, not bit equality.
//
// Shapes as functional::lstm / gru: input (L, N, H_in), (N, L, H_in) with batch_first, or unbatched
// (L, H_in); states (num_layers * dirs, N, hidden) or (num_layers * dirs, hidden), undefined = zeros.
// LSTM projections (proj_size) are not supported, as in PyTorch's quantized LSTM.
#pragma once

#include <tuple>
#include <utility>
#include <vector>

#include "octet/functional/rnn.h"
#include "octet/quantized/dynamic_linear_weight.h"
#include "octet/tensor.h"

namespace octet::quantized {

// One layer and direction (or one cell): the input-hidden and hidden-hidden weights, each with its
// bias inside (PyTorch's CellParams: w_ih [G, in], b_ih [G], w_hh [G, hidden], b_hh [G]).
struct DynamicRnnCellParams {
  DynamicLinearWeight ih;
  DynamicLinearWeight hh;
};

// params: num_layers * dirs entries in PyTorch's order (layer 0 forward, layer 0 reverse, layer 1
// ...). args.has_biases is not read (the biases are in the weights); dropout applies between layers
// when args.train. Returns (output, h_n, c_n).
std::tuple<Tensor, Tensor, Tensor> lstm_dynamic(const Tensor& input, const Tensor& h0, const Tensor& c0,
                                                const std::vector<DynamicRnnCellParams>& params,
                                                const functional::RnnArgs& args, bool reduce_range = true);
// Returns (output, h_n).
std::pair<Tensor, Tensor> gru_dynamic(const Tensor& input, const Tensor& h0,
                                      const std::vector<DynamicRnnCellParams>& params,
                                      const functional::RnnArgs& args, bool reduce_range = true);

// The cells: input (N, H_in) or (H_in); states (N, hidden) or (hidden), undefined = zeros.
// quantized_lstm_cell_dynamic: returns (h_1, c_1).
std::pair<Tensor, Tensor> lstm_cell_dynamic(const Tensor& input, const Tensor& hx, const Tensor& cx,
                                            const DynamicRnnCellParams& params, bool reduce_range = true);
Tensor gru_cell_dynamic(const Tensor& input, const Tensor& hx, const DynamicRnnCellParams& params,
                        bool reduce_range = true);
Tensor rnn_tanh_cell_dynamic(const Tensor& input, const Tensor& hx, const DynamicRnnCellParams& params,
                             bool reduce_range = true);
Tensor rnn_relu_cell_dynamic(const Tensor& input, const Tensor& hx, const DynamicRnnCellParams& params,
                             bool reduce_range = true);

}  // namespace octet::quantized
