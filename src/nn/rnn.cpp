// rnn.cpp: LSTM (with projections), GRU, RNN and their cells: PyTorch's parameters, validation naming the module,
// and forwards through functional::lstm / gru / rnn and the *_cell ops.
#include "octet/nn/rnn.h"

#include <cmath>
#include <utility>

#include "nn/py_repr.h"
#include "octet/nn/init.h"

namespace octet::nn {

namespace F = octet::functional;

namespace {

// PyTorch's reset_parameters: every weight and bias U(-1/sqrt(hidden), 1/sqrt(hidden)), drawn in
// registration order.
Tensor uniform_weight(const Shape& shape, int64_t hidden_size) {
  const double stdv = hidden_size > 0 ? 1.0 / std::sqrt(static_cast<double>(hidden_size)) : 0.0;
  Tensor t = empty(shape);
  init::uniform_(t, -stdv, stdv);
  return t;
}

// Validates a nonlinearity before anything is allocated; returns the gate count of an Elman RNN.
int64_t elman_gates(const char* module, const std::string& nonlinearity) {
  OCTET_CHECK(nonlinearity == "tanh" || nonlinearity == "relu", module, "unknown nonlinearity '", nonlinearity,
              "'; select from 'tanh' or 'relu'");
  return 1;
}

void check_float32(const char* module, const Tensor& t, const char* what) {
  OCTET_CHECK(t.dtype() == kFloat32, module, "expected a float32 ", what, ", got ", t.dtype());
}

// Both states of an LSTM (or LSTMCell) or neither, as PyTorch's (h, c) tuple.
void check_pair(const char* module, const Tensor& h, const Tensor& c, const char* h_name, const char* c_name) {
  OCTET_CHECK(h.defined() == c.defined(), module, h_name, " and ", c_name,
              " must be given together (or both omitted for zeros), got only ", h.defined() ? h_name : c_name);
}

}  // namespace

// --- RNNBase -------------------------------------------------------------------------------------

RNNBase::RNNBase(const char* module, int64_t gates, int64_t input_size, int64_t hidden_size, int64_t num_layers,
                 bool bias, bool batch_first, double dropout, bool bidirectional, int64_t proj_size)
    : input_size_(input_size),
      hidden_size_(hidden_size),
      num_layers_(num_layers),
      bias_(bias),
      batch_first_(batch_first),
      dropout_(dropout),
      bidirectional_(bidirectional),
      proj_size_(proj_size) {
  OCTET_CHECK(input_size > 0, module, "input_size must be greater than zero, got ", input_size);
  OCTET_CHECK(hidden_size > 0, module, "hidden_size must be greater than zero, got ", hidden_size);
  OCTET_CHECK(num_layers > 0, module, "num_layers must be greater than zero, got ", num_layers);
  OCTET_CHECK(dropout >= 0.0 && dropout <= 1.0, module,
              "dropout should be a number in range [0, 1] representing the probability of an element being zeroed, "
              "got ",
              dropout);
  OCTET_CHECK(proj_size >= 0, module, "proj_size should be a positive integer or zero to disable projections, got ",
              proj_size);
  OCTET_CHECK(proj_size < hidden_size, module, "proj_size has to be smaller than hidden_size, got proj_size=",
              proj_size, " and hidden_size=", hidden_size);
  const int64_t dirs = bidirectional ? 2 : 1;
  const int64_t gate_size = gates * hidden_size;
  // With projections h (and so each layer's output) has proj_size features instead of hidden_size.
  const int64_t real_hidden = proj_size > 0 ? proj_size : hidden_size;
  for (int64_t layer = 0; layer < num_layers; ++layer) {
    const int64_t layer_input = layer == 0 ? input_size : real_hidden * dirs;
    for (int64_t dir = 0; dir < dirs; ++dir) {
      std::string sfx = "_l";
      sfx.append(std::to_string(layer)).append(dir == 1 ? "_reverse" : "");
      std::vector<std::pair<std::string, Shape>> params = {{"weight_ih" + sfx, {gate_size, layer_input}},
                                                           {"weight_hh" + sfx, {gate_size, real_hidden}}};
      if (bias) {
        params.push_back({"bias_ih" + sfx, {gate_size}});
        params.push_back({"bias_hh" + sfx, {gate_size}});
      }
      if (proj_size > 0) params.push_back({"weight_hr" + sfx, {proj_size, hidden_size}});
      for (auto& [name, shape] : params) {
        register_parameter(name, uniform_weight(shape, hidden_size));
        flat_weights_names_.push_back(name);
      }
    }
  }
}

std::vector<Tensor> RNNBase::flat_weights() const {
  std::vector<Tensor> out;
  out.reserve(flat_weights_names_.size());
  for (const std::string& n : flat_weights_names_) out.push_back(get_parameter(n));
  return out;
}

F::RnnArgs RNNBase::rnn_args() const {
  F::RnnArgs args;
  args.has_biases = bias_;
  args.num_layers = num_layers_;
  args.dropout = dropout_;
  args.train = is_training();
  args.bidirectional = bidirectional_;
  args.batch_first = batch_first_;
  return args;
}

void RNNBase::check_input(const Tensor& input) const {
  const std::string module = name();
  OCTET_CHECK(input.defined(), module, "the input is undefined");
  check_float32(module.c_str(), input, "input");
  OCTET_CHECK(input.dim() == 2 || input.dim() == 3, module,
              "expected input to be 2-D (unbatched (L, H_in)) or 3-D (batched), got ", input.dim(),
              "-D input of shape ", shape_to_string(input.shape()));
  OCTET_CHECK(input.size(-1) == input_size_, module, "input.size(-1) must be equal to input_size. Expected ",
              input_size_, ", got ", input.size(-1), " (input shape ", shape_to_string(input.shape()), ")");
}

void RNNBase::check_state(const Tensor& input, const Tensor& state, const char* what, bool cell_state) const {
  if (!state.defined()) return;
  const std::string module = name();
  check_float32(module.c_str(), state, what);
  const int64_t layers_dirs = num_layers_ * (bidirectional_ ? 2 : 1);
  // h has proj_size features with projections; the cell state c always has hidden_size.
  const bool projected = proj_size_ > 0 && !cell_state;
  Shape want = {layers_dirs, projected ? proj_size_ : hidden_size_};
  if (input.dim() == 3) want.insert(want.begin() + 1, input.size(batch_first_ ? 0 : 1));
  OCTET_CHECK(state.shape() == want, module, "expected ", what, " of shape ", shape_to_string(want),
              " (num_layers * num_directions, ", input.dim() == 3 ? "batch, " : "",
              projected ? "proj_size" : "hidden_size", ") for input of shape ", shape_to_string(input.shape()),
              ", got ", shape_to_string(state.shape()));
}

std::string RNNBase::extra_repr() const {
  std::string s = std::to_string(input_size_) + ", " + std::to_string(hidden_size_);
  if (proj_size_ != 0) s += ", proj_size=" + std::to_string(proj_size_);
  if (num_layers_ != 1) s += ", num_layers=" + std::to_string(num_layers_);
  if (!bias_) s += ", bias=False";
  if (batch_first_) s += ", batch_first=True";
  if (dropout_ != 0.0) s += ", dropout=" + detail::py_float_repr(dropout_);
  if (bidirectional_) s += ", bidirectional=True";
  return s;
}

// --- LSTM, GRU, RNN ------------------------------------------------------------------------------

LSTM::LSTM(int64_t input_size, int64_t hidden_size, LSTMOptions options)
    : Cloneable<LSTM, RNNBase>("LSTM", 4, input_size, hidden_size, options.num_layers, options.bias,
                               options.batch_first, options.dropout, options.bidirectional, options.proj_size) {}

std::tuple<Tensor, Tensor, Tensor> LSTM::forward(const Tensor& input, const Tensor& h0, const Tensor& c0) {
  check_input(input);
  check_pair("LSTM", h0, c0, "h0", "c0");
  check_state(input, h0, "h0");
  check_state(input, c0, "c0", /*cell_state=*/true);
  return F::lstm(input, h0, c0, flat_weights(), rnn_args());
}

GRU::GRU(int64_t input_size, int64_t hidden_size, GRUOptions options)
    : Cloneable<GRU, RNNBase>("GRU", 3, input_size, hidden_size, options.num_layers, options.bias,
                              options.batch_first, options.dropout, options.bidirectional) {}

std::pair<Tensor, Tensor> GRU::forward(const Tensor& input, const Tensor& h0) {
  check_input(input);
  check_state(input, h0, "h0");
  return F::gru(input, h0, flat_weights(), rnn_args());
}

RNN::RNN(int64_t input_size, int64_t hidden_size, RNNOptions options)
    : Cloneable<RNN, RNNBase>("RNN", elman_gates("RNN", options.nonlinearity), input_size, hidden_size,
                              options.num_layers, options.bias, options.batch_first, options.dropout,
                              options.bidirectional),
      nonlinearity_(std::move(options.nonlinearity)) {}

std::pair<Tensor, Tensor> RNN::forward(const Tensor& input, const Tensor& h0) {
  check_input(input);
  check_state(input, h0, "h0");
  return F::rnn(input, h0, flat_weights(), nonlinearity_, rnn_args());
}

// --- cells ---------------------------------------------------------------------------------------

RNNCellBase::RNNCellBase(const char* module, int64_t gates, int64_t input_size, int64_t hidden_size, bool bias,
                         std::string nonlinearity)
    : input_size_(input_size), hidden_size_(hidden_size), bias_(bias), nonlinearity_(std::move(nonlinearity)) {
  OCTET_CHECK(input_size > 0, module, "input_size must be greater than zero, got ", input_size);
  OCTET_CHECK(hidden_size > 0, module, "hidden_size must be greater than zero, got ", hidden_size);
  const int64_t gate_size = gates * hidden_size;
  register_parameter("weight_ih", &RNNCellBase::weight_ih, uniform_weight({gate_size, input_size}, hidden_size));
  register_parameter("weight_hh", &RNNCellBase::weight_hh, uniform_weight({gate_size, hidden_size}, hidden_size));
  register_parameter("bias_ih", &RNNCellBase::bias_ih, bias ? uniform_weight({gate_size}, hidden_size) : Tensor{});
  register_parameter("bias_hh", &RNNCellBase::bias_hh, bias ? uniform_weight({gate_size}, hidden_size) : Tensor{});
}

void RNNCellBase::check_input(const Tensor& input) const {
  const std::string module = name();
  OCTET_CHECK(input.defined(), module, "the input is undefined");
  check_float32(module.c_str(), input, "input");
  OCTET_CHECK(input.dim() == 1 || input.dim() == 2, module,
              "expected input to be 1-D (unbatched (H_in)) or 2-D ((N, H_in)), got ", input.dim(),
              "-D input of shape ", shape_to_string(input.shape()));
  OCTET_CHECK(input.size(-1) == input_size_, module, "input.size(-1) must be equal to input_size. Expected ",
              input_size_, ", got ", input.size(-1), " (input shape ", shape_to_string(input.shape()), ")");
}

void RNNCellBase::check_state(const Tensor& input, const Tensor& state, const char* what) const {
  if (!state.defined()) return;
  const std::string module = name();
  check_float32(module.c_str(), state, what);
  const Shape want = input.dim() == 2 ? Shape{input.size(0), hidden_size_} : Shape{hidden_size_};
  OCTET_CHECK(state.shape() == want, module, "expected ", what, " of shape ", shape_to_string(want),
              " for input of shape ", shape_to_string(input.shape()), ", got ", shape_to_string(state.shape()));
}

std::string RNNCellBase::extra_repr() const {
  std::string s = std::to_string(input_size_) + ", " + std::to_string(hidden_size_);
  if (!bias_) s += ", bias=False";
  if (!nonlinearity_.empty() && nonlinearity_ != "tanh") s += ", nonlinearity=" + nonlinearity_;
  return s;
}

LSTMCell::LSTMCell(int64_t input_size, int64_t hidden_size, LSTMCellOptions options)
    : Cloneable<LSTMCell, RNNCellBase>("LSTMCell", 4, input_size, hidden_size, options.bias) {}

std::pair<Tensor, Tensor> LSTMCell::forward(const Tensor& input, const Tensor& hx, const Tensor& cx) {
  check_input(input);
  check_pair("LSTMCell", hx, cx, "hx", "cx");
  check_state(input, hx, "hx");
  check_state(input, cx, "cx");
  return F::lstm_cell(input, hx, cx, weight_ih, weight_hh, bias_ih, bias_hh);
}

GRUCell::GRUCell(int64_t input_size, int64_t hidden_size, GRUCellOptions options)
    : Cloneable<GRUCell, RNNCellBase>("GRUCell", 3, input_size, hidden_size, options.bias) {}

Tensor GRUCell::forward(const Tensor& input) { return forward(input, Tensor{}); }

Tensor GRUCell::forward(const Tensor& input, const Tensor& hx) {
  check_input(input);
  check_state(input, hx, "hx");
  return F::gru_cell(input, hx, weight_ih, weight_hh, bias_ih, bias_hh);
}

RNNCell::RNNCell(int64_t input_size, int64_t hidden_size, RNNCellOptions options)
    : Cloneable<RNNCell, RNNCellBase>("RNNCell", elman_gates("RNNCell", options.nonlinearity), input_size,
                                      hidden_size, options.bias, options.nonlinearity),
      nonlinearity_(std::move(options.nonlinearity)) {}

Tensor RNNCell::forward(const Tensor& input) { return forward(input, Tensor{}); }

Tensor RNNCell::forward(const Tensor& input, const Tensor& hx) {
  check_input(input);
  check_state(input, hx, "hx");
  return nonlinearity_ == "tanh" ? F::rnn_tanh_cell(input, hx, weight_ih, weight_hh, bias_ih, bias_hh)
                                 : F::rnn_relu_cell(input, hx, weight_ih, weight_hh, bias_ih, bias_hh);
}

}  // namespace octet::nn
