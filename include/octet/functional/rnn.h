// rnn.h: recurrent layers and cells: lstm, gru, rnn (octet::functional, PyTorch's torch.lstm & co).
//
// Weights follow PyTorch's flat layout: for each layer, for each direction (forward, then reverse),
// w_ih [gates*hidden, input], w_hh [gates*hidden, hidden], then b_ih, b_hh when has_biases. Gate
// order is PyTorch's: LSTM (input, forget, cell, output), GRU (reset, update, new).
// input is (L, N, H_in), or (N, L, H_in) with batch_first, or unbatched (L, H_in); initial states
// are (num_layers * num_directions, N, H) (unbatched: without N), absent ({}) meaning zeros.
//
// LSTM projections (nn.LSTM's proj_size > 0): each layer and direction brings a fifth (third
// without biases) tensor, w_hr [proj_size, hidden], last, and lstm() recognises them by the count.
// Then h_t = w_hr * (o_t * tanh(c_t)) has proj_size features: w_hh is [4*hidden, proj_size], a
// layer above the first takes proj_size * num_directions inputs, h0 and h_n are
// (num_layers * num_directions, N, proj_size) and c0, c_n keep hidden.
#pragma once

#include <optional>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "octet/generator.h"
#include "octet/tensor.h"

namespace octet::functional {

struct RnnArgs {
  bool has_biases = true;
  int64_t num_layers = 1;
  double dropout = 0.0;  // between layers, only when train
  bool train = false;
  bool bidirectional = false;
  bool batch_first = false;
  Generator* generator = nullptr;  // for dropout when train (the default generator when null)
};

// Returns (output, h_n, c_n). params: num_layers * directions * (has_biases ? 4 : 2) tensors, or one
// more per layer and direction with projections.
std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& input, const Tensor& h0, const Tensor& c0,
                                        const std::vector<Tensor>& params, const RnnArgs& args = {});
// Returns (output, h_n).
std::pair<Tensor, Tensor> gru(const Tensor& input, const Tensor& h0, const std::vector<Tensor>& params,
                              const RnnArgs& args = {});
// Elman RNN with tanh or relu ("tanh" / "relu"). Returns (output, h_n).
std::pair<Tensor, Tensor> rnn(const Tensor& input, const Tensor& h0, const std::vector<Tensor>& params,
                              std::string_view nonlinearity = "tanh", const RnnArgs& args = {});

// Cells: input (N, H_in) or unbatched (H_in); states (N, H) or (H); absent state means zeros.
std::pair<Tensor, Tensor> lstm_cell(const Tensor& input, const Tensor& hx, const Tensor& cx, const Tensor& w_ih,
                                    const Tensor& w_hh, const Tensor& b_ih = {}, const Tensor& b_hh = {});
Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                const Tensor& b_ih = {}, const Tensor& b_hh = {});
Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = {}, const Tensor& b_hh = {});
Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = {}, const Tensor& b_hh = {});

}  // namespace octet::functional
