// rnn.h: torch.nn's recurrent modules: LSTM, GRU, RNN (multi-layer, bidirectional) and the cells
// LSTMCell, GRUCell, RNNCell.
//
// Parameters are PyTorch's, by name, shape and registration order, so a PyTorch state_dict loads
// by name and state_dict() keys equal PyTorch's:
//
//   layers: for each layer k, for each direction ("" then "_reverse"):
//             weight_ih_l{k}{sfx} [gates*hidden, in_k]   in_0 = input_size, in_k = h_size * dirs
//             weight_hh_l{k}{sfx} [gates*hidden, h_size]
//             bias_ih_l{k}{sfx}, bias_hh_l{k}{sfx} [gates*hidden]   (only with bias)
//             weight_hr_l{k}{sfx} [proj_size, hidden]   (LSTM with proj_size > 0 only)
//           where h_size = proj_size when it is > 0 (LSTM projections), else hidden_size
//   cells:  weight_ih, weight_hh, bias_ih, bias_hh (the biases are "None" slots without bias)
//
// with gates = 4 (LSTM: input, forget, cell, output), 3 (GRU: reset, update, new) or 1 (RNN), all
// initialised U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) from octet::default_generator(), like
// PyTorch's reset_parameters. forward calls functional::lstm / gru / rnn (or the *_cell ops) with
// the weights in PyTorch's _flat_weights order; inter-layer dropout applies in training mode only.
//
//   nn::LSTM lstm(32, 64, {.num_layers = 2, .batch_first = true, .bidirectional = true});
//   auto [out, h_n, c_n] = lstm.forward(x);           // x: (N, L, 32); out: (N, L, 128)
//
// Inputs: (L, N, H_in), (N, L, H_in) with batch_first, or unbatched (L, H_in); states
// (num_layers * dirs, N, hidden) or unbatched (num_layers * dirs, hidden); absent ({}) = zeros.
// An LSTM with projections ("LSTM(10, 20, proj_size=5)") projects h_t = W_hr (o_t * tanh(c_t)) to
// proj_size features: its output is (L, N, dirs * proj_size), h0 / h_n (num_layers * dirs, N,
// proj_size), while c0 / c_n keep hidden_size.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "octet/functional/rnn.h"
#include "octet/nn/cloneable.h"

namespace octet::nn {

// --- call signatures shared by the float and the dynamic quantized modules -----------------------
// quantize_dynamic() replaces a float LSTM with nn::quantized::dynamic::LSTM, which holds packed int8
// weights and is not an nn::LSTM. A model that holds its recurrent layer through the interface
// below calls the same forward before and after:
//
//   std::shared_ptr<nn::AnyLSTM> lstm;
//   register_module("lstm", &Net::lstm, std::make_shared<nn::LSTM>(28, 128));   // in the constructor
//   auto [out, h_n, c_n] = lstm->forward(x);                                      // float or int8
//
// Each interface is implemented by the float module and its dynamic quantized counterpart.
class AnyLSTM {
 public:
  virtual ~AnyLSTM() = default;
  virtual std::tuple<Tensor, Tensor, Tensor> forward(const Tensor& input, const Tensor& h0 = {},
                                                     const Tensor& c0 = {}) = 0;
};
class AnyGRU {
 public:
  virtual ~AnyGRU() = default;
  virtual std::pair<Tensor, Tensor> forward(const Tensor& input, const Tensor& h0 = {}) = 0;
};
class AnyLSTMCell {
 public:
  virtual ~AnyLSTMCell() = default;
  virtual std::pair<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = {}, const Tensor& cx = {}) = 0;
};
// GRUCell and RNNCell: forward(input, hx) (undefined hx = zeros).
class AnyRecurrentCell {
 public:
  virtual ~AnyRecurrentCell() = default;
  virtual Tensor forward(const Tensor& input, const Tensor& hx) = 0;
};

struct RNNOptions {
  int64_t num_layers = 1;
  std::string nonlinearity = "tanh";  // "tanh" or "relu"
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;  // on the outputs of every layer but the last, in training mode
  bool bidirectional = false;
};

struct LSTMOptions {
  int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;
  bool bidirectional = false;
  int64_t proj_size = 0;  // > 0: project h to this many features (must be < hidden_size)
};

struct GRUOptions {
  int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;
  bool bidirectional = false;
};

// What LSTM, GRU and RNN share (PyTorch's RNNBase): hyper-parameters, parameter registration and
// initialisation, input and state validation, and printing ("LSTM(10, 20, num_layers=2, ...)").
class RNNBase : public Module {
 public:
  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }
  int64_t num_layers() const { return num_layers_; }
  bool bias() const { return bias_; }
  bool batch_first() const { return batch_first_; }
  double dropout() const { return dropout_; }
  bool bidirectional() const { return bidirectional_; }
  int64_t proj_size() const { return proj_size_; }  // 0 except for an LSTM with projections
  // Parameter names in PyTorch's _flat_weights order, and the current parameters in that order.
  const std::vector<std::string>& flat_weights_names() const { return flat_weights_names_; }
  std::vector<Tensor> flat_weights() const;

  std::string extra_repr() const override;

 protected:
  // gates: 4 (LSTM), 3 (GRU) or 1 (RNN). An Error for sizes or num_layers < 1, dropout outside
  // [0, 1], or proj_size outside [0, hidden_size).
  RNNBase(const char* module, int64_t gates, int64_t input_size, int64_t hidden_size, int64_t num_layers,
          bool bias, bool batch_first, double dropout, bool bidirectional, int64_t proj_size = 0);

  // The functional arguments for this module's settings and training mode.
  functional::RnnArgs rnn_args() const;
  // Checks the input (float32, 2-d or 3-d, last dim input_size) and an optional state against
  // (num_layers * dirs, [N,] features), naming the module and the state (`what`: "h0", "c0").
  // features: hidden_size for a cell state (LSTM's c0), else proj_size when > 0, else hidden_size.
  void check_input(const Tensor& input) const;
  void check_state(const Tensor& input, const Tensor& state, const char* what, bool cell_state = false) const;

 private:
  int64_t input_size_;
  int64_t hidden_size_;
  int64_t num_layers_;
  bool bias_;
  bool batch_first_;
  double dropout_;
  bool bidirectional_;
  int64_t proj_size_;
  std::vector<std::string> flat_weights_names_;
};

class LSTM : public Cloneable<LSTM, RNNBase>, public AnyLSTM {
 public:
  // An Error for the RNNBase checks (proj_size included).
  LSTM(int64_t input_size, int64_t hidden_size, LSTMOptions options = {});
  // Returns (output, h_n, c_n); h0 and c0 are given together or not at all.
  std::tuple<Tensor, Tensor, Tensor> forward(const Tensor& input, const Tensor& h0 = {}, const Tensor& c0 = {}) override;
};

class GRU : public Cloneable<GRU, RNNBase>, public AnyGRU {
 public:
  GRU(int64_t input_size, int64_t hidden_size, GRUOptions options = {});
  // Returns (output, h_n).
  std::pair<Tensor, Tensor> forward(const Tensor& input, const Tensor& h0 = {}) override;
};

class RNN : public Cloneable<RNN, RNNBase> {
 public:
  // An Error unless options.nonlinearity is "tanh" or "relu".
  RNN(int64_t input_size, int64_t hidden_size, RNNOptions options = {});
  // Returns (output, h_n).
  std::pair<Tensor, Tensor> forward(const Tensor& input, const Tensor& h0 = {});
  const std::string& nonlinearity() const { return nonlinearity_; }

 private:
  std::string nonlinearity_;
};

// --- cells ---------------------------------------------------------------------------------------

struct LSTMCellOptions {
  bool bias = true;
};
struct GRUCellOptions {
  bool bias = true;
};
struct RNNCellOptions {
  bool bias = true;
  std::string nonlinearity = "tanh";  // "tanh" or "relu"
};

// What the cells share (PyTorch's RNNCellBase): the four parameters, their initialisation, input
// and state validation, and printing ("LSTMCell(3, 4, bias=False)").
class RNNCellBase : public Module {
 public:
  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }
  bool bias() const { return bias_; }
  std::string extra_repr() const override;

  Tensor weight_ih;  // [gates*hidden, input_size]
  Tensor weight_hh;  // [gates*hidden, hidden]
  Tensor bias_ih;    // [gates*hidden], undefined without bias
  Tensor bias_hh;

 protected:
  // nonlinearity: printed when it is not "tanh" (RNNCell only; empty for the others).
  RNNCellBase(const char* module, int64_t gates, int64_t input_size, int64_t hidden_size, bool bias,
              std::string nonlinearity = {});
  // Checks the input (float32, 1-d or 2-d, last dim input_size) and an optional state against
  // ([N,] hidden), naming the module and the state (`what`: "hx", "cx").
  void check_input(const Tensor& input) const;
  void check_state(const Tensor& input, const Tensor& state, const char* what) const;

 private:
  int64_t input_size_;
  int64_t hidden_size_;
  bool bias_;
  std::string nonlinearity_;
};

class LSTMCell : public Cloneable<LSTMCell, RNNCellBase>, public AnyLSTMCell {
 public:
  LSTMCell(int64_t input_size, int64_t hidden_size, LSTMCellOptions options = {});
  // Returns (h_1, c_1); hx and cx are given together or not at all.
  std::pair<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = {}, const Tensor& cx = {}) override;
};

class GRUCell : public Cloneable<GRUCell, RNNCellBase>, public AnyRecurrentCell {
 public:
  GRUCell(int64_t input_size, int64_t hidden_size, GRUCellOptions options = {});
  // h_1 from a zero state (usable in Sequential), and from hx (undefined = zeros).
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input, const Tensor& hx) override;
};

class RNNCell : public Cloneable<RNNCell, RNNCellBase>, public AnyRecurrentCell {
 public:
  // An Error unless options.nonlinearity is "tanh" or "relu".
  RNNCell(int64_t input_size, int64_t hidden_size, RNNCellOptions options = {});
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input, const Tensor& hx) override;
  const std::string& nonlinearity() const { return nonlinearity_; }

 private:
  std::string nonlinearity_;
};

}  // namespace octet::nn
