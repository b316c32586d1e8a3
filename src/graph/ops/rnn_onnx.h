// rnn_onnx.h: ONNX's LSTM, GRU and RNN operators: their arguments read once, a fast path through functional::lstm/gru/rnn, and the general recurrence (internal).
//
// ONNX lays the weights out per direction, gates stacked: W [dirs, G*H, I], R [dirs, G*H, H],
// B [dirs, 2*G*H] (input biases then recurrent biases), with its own gate orders: LSTM i, o, f, c
// (PyTorch: i, f, g, o), GRU z, r, h (PyTorch: r, z, n). Sequences are [seq, batch, I] (layout 0)
// or [batch, seq, I] (layout 1); Y is [seq, dirs, batch, H] (layout 1: [batch, seq, dirs, H]),
// Y_h and Y_c [dirs, batch, H] (layout 1: [batch, dirs, H]).
//
// The fast path (rnn_ops.cpp) maps the common case (default activations, no clip, no peepholes,
// no input_forget, GRU with linear_before_reset = 1, every sequence full length, forward or
// bidirectional) onto functional::lstm/gru/rnn after reordering the gates. Everything else runs
// the general recurrence (rnn_general.cpp): any activations with alpha/beta, clip, peepholes,
// input_forget, linear_before_reset = 0, per-batch sequence_lens (shorter sequences leave zeros
// in Y and their last state in Y_h), and the reverse direction alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "octet/graph/op_registry.h"
#include "octet/tensor.h"

namespace octet::graph::ops {

enum class RnnKind { Lstm, Gru, Rnn };

// One activation function of ONNX's recurrent operators ("Sigmoid", "Tanh", "Relu", "Affine",
// "LeakyRelu", "ThresholdedRelu", "ScaledTanh", "HardSigmoid", "Elu", "Softsign", "Softplus").
struct RnnActivation {
  std::string name;
  float alpha = 0;
  float beta = 0;
  float operator()(float x) const;
};

// The operator's inputs and attributes, validated, in layout 0.
struct RnnProblem {
  RnnKind kind = RnnKind::Lstm;
  int64_t gates = 4;  // G
  int64_t seq = 0, batch = 0, input_size = 0, hidden = 0, dirs = 1;
  std::string direction = "forward";
  int64_t layout = 0;
  Tensor x;                        // [seq, batch, I] float32 contiguous
  Tensor w, r;                     // [dirs, G*H, I], [dirs, G*H, H]
  Tensor b;                        // [dirs, 2*G*H] (zeros when absent)
  bool has_b = false;
  std::vector<int64_t> seq_lens;   // per batch; empty: every sequence is `seq` long
  Tensor h0, c0;                   // [dirs, batch, H]; undefined: zeros
  Tensor p;                        // LSTM peepholes [dirs, 3*H] (i, o, f); undefined: none
  std::vector<RnnActivation> activations;  // per direction: LSTM f, g, h; GRU f, g; RNN f
  float clip = 0;                  // 0: no clipping
  bool input_forget = false;
  bool linear_before_reset = false;
  bool default_activations = true;
};

RnnProblem read_rnn_problem(const KernelContext& ctx, RnnKind kind);

// Outputs in layout 0: Y [seq, dirs, batch, H], Y_h and Y_c [dirs, batch, H] (Y_c only for LSTM).
struct RnnResult {
  Tensor y, y_h, y_c;
};

// The general recurrence, any attributes (rnn_general.cpp).
RnnResult run_rnn_general(const RnnProblem& p);

}  // namespace octet::graph::ops
