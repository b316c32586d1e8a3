// rnn.h: torch.ao.nn.quantized.dynamic's recurrent modules: LSTM, GRU (multi-layer, bidirectional) and the cells LSTMCell, GRUCell, RNNCell, with qint8 or float16 weights.
//
//   auto q = nn::quantized::dynamic::LSTM::from_float(float_lstm);     // qint8, per-tensor weights
//   auto [out, h_n, c_n] = q->forward(x);                              // float in, float out
//
// Each gate projection is a dynamic linear (octet/quantized/rnn.h): the input projection of a whole
// sequence is quantized once per layer and direction, the hidden state afresh at every step, and the
// cell equations run in float32 with the float RNN's code. Under the x86 engine the activations use
// 7 bits (reduce_range), as PyTorch's modules (version 2 and later) and cells do; qnnpack-like
// engines use 8. Outputs agree with PyTorch's to float tolerance (see octet/quantized/rnn.h).
//
// Hyper-parameters, forward signatures and printing follow PyTorch ("DynamicQuantizedLSTM(3, 5,
// num_layers=2, bidirectional=True)", "DynamicQuantizedRNNCell(3, 4, nonlinearity=relu)"). The
// modules are built in eval mode, as PyTorch's (dropout between layers only applies after train()).
// LSTM projections (proj_size) are not supported, as in PyTorch.
//
// State dict: PyTorch keeps each layer's packed weights in `_all_weight_values.<k>.param`
// (torchbind objects); Octet saves what they hold under the float module's names, the ones
// PyTorch's get_weight() / get_bias() return:
//   layers:  weight_ih_l{k}{sfx}, weight_hh_l{k}{sfx}   qint8 (with qparams) or float16 weights
//            bias_ih_l{k}{sfx}, bias_hh_l{k}{sfx}       float32 (absent with bias=False)
//            for each layer k and direction, sfx "" then "_reverse", in the float module's order
//   cells:   weight_ih, weight_hh, bias_ih, bias_hh
// never the packed layout; load_state_dict repacks for this CPU. clone() shares the packed weights.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "octet/functional/rnn.h"
#include "octet/nn/cloneable.h"
#include "octet/nn/ordered_dict.h"
#include "octet/nn/quantized/from_float.h"
#include "octet/nn/rnn.h"
#include "octet/quantized/rnn.h"

namespace octet::nn::quantized::dynamic {

// PyTorch's RNNBase keyword arguments.
struct RNNOptions {
  int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;  // between layers, only in training mode
  bool bidirectional = false;
  DType dtype = kQInt8;  // kQInt8 or kFloat16
};

// What LSTM and GRU share (PyTorch's dynamic RNNBase): hyper-parameters, the packed weights of each
// layer and direction, state dicts, printing.
class RNNBase : public Module {
 public:
  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }
  int64_t num_layers() const { return num_layers_; }
  bool bias() const { return bias_; }
  bool batch_first() const { return batch_first_; }
  double dropout() const { return dropout_; }
  bool bidirectional() const { return bidirectional_; }
  DType dtype() const { return dtype_; }
  std::string extra_repr() const override;

  // PyTorch's get_weight() / get_bias(): the weights (qint8 quantized or float16) and float biases
  // by name ("weight_ih_l0", "weight_hh_l0", ... / "bias_ih_l0", ...), as new tensors.
  OrderedDict<Tensor> get_weight() const;
  OrderedDict<Tensor> get_bias() const;
  // PyTorch's set_weight_bias: repacks every layer from a dict holding all of the names above (the
  // biases only with bias=True). Wrong names, shapes or dtypes are Errors naming the key; on an
  // Error nothing changes.
  void set_weight_bias(const OrderedDict<Tensor>& weight_bias);
  // The packed weights per layer and direction (PyTorch's _all_weight_values).
  const std::vector<octet::quantized::DynamicRnnCellParams>& all_weight_values() const { return cells_; }

 protected:
  // mode "LSTM" or "GRU" (gates 4 or 3). Random weights as PyTorch's constructor: N(0, 1) values
  // (qint8: quantized with scale 0.1, zero point 0), N(0, 1) biases, from octet::default_generator().
  // Errors for sizes < 1, dropout outside [0, 1] or a dtype other than qint8 / float16.
  RNNBase(const char* mode, int64_t gates, int64_t input_size, int64_t hidden_size, const RNNOptions& options);
  RNNBase(const RNNBase&) = default;

  functional::RnnArgs rnn_args() const;
  // Checks the input (float, 2-D or 3-D, last dim input_size) and a state (num_layers * dirs, [N,]
  // hidden_size), naming the module.
  void check_input(const Tensor& input) const;
  void check_state(const Tensor& input, const Tensor& state, const char* what) const;
  // Quantizes every weight of a float LSTM / GRU with the observers of args (PyTorch's from_float).
  void quantize_from(const nn::RNNBase& mod, const FromFloatArgs& args);

  void save_to_state_dict(StateDict& destination, const std::string& prefix) const override;
  void load_from_state_dict(StateDictLoad& load, const std::string& prefix) override;

  std::vector<octet::quantized::DynamicRnnCellParams> cells_;

 private:
  // The parameter names of layer-direction k: weight_ih, weight_hh, bias_ih, bias_hh.
  std::vector<std::string> names_of(int64_t k) const;
  // Validates and packs every layer from `lookup(name)` (null when missing); errors go to `errors`
  // and leave `out` incomplete.
  template <typename Lookup>
  bool pack_all(Lookup lookup, std::vector<octet::quantized::DynamicRnnCellParams>& out,
                std::vector<std::string>& errors, std::vector<std::string>* missing) const;

  std::string mode_;
  int64_t gates_;
  int64_t input_size_;
  int64_t hidden_size_;
  int64_t num_layers_;
  bool bias_;
  bool batch_first_;
  double dropout_;
  bool bidirectional_;
  DType dtype_;
};

class LSTM : public Cloneable<LSTM, RNNBase>, public nn::AnyLSTM {
 public:
  LSTM(int64_t input_size, int64_t hidden_size, RNNOptions options = {});
  std::string name() const override { return "DynamicQuantizedLSTM"; }
  // Returns (output, h_n, c_n); h0 and c0 are given together or not at all (zeros).
  std::tuple<Tensor, Tensor, Tensor> forward(const Tensor& input, const Tensor& h0 = {}, const Tensor& c0 = {}) override;
  // A float LSTM's weights through args.weight_observer (default: per-tensor symmetric qint8,
  // PyTorch's default_dynamic_qconfig; a float16 observer gives float16 weights). An LSTM with
  // proj_size > 0 is an Error.
  static std::shared_ptr<LSTM> from_float(const nn::LSTM& mod, const FromFloatArgs& args = {});
};

class GRU : public Cloneable<GRU, RNNBase>, public nn::AnyGRU {
 public:
  GRU(int64_t input_size, int64_t hidden_size, RNNOptions options = {});
  std::string name() const override { return "DynamicQuantizedGRU"; }
  // Returns (output, h_n).
  std::pair<Tensor, Tensor> forward(const Tensor& input, const Tensor& h0 = {}) override;
  static std::shared_ptr<GRU> from_float(const nn::GRU& mod, const FromFloatArgs& args = {});
};

// --- cells ---------------------------------------------------------------------------------------

struct RNNCellOptions {
  bool bias = true;
  std::string nonlinearity = "tanh";  // RNNCell only: "tanh" or "relu"
  DType dtype = kQInt8;               // kQInt8 or kFloat16
};

// What the cells share (PyTorch's dynamic RNNCellBase).
class RNNCellBase : public Module {
 public:
  int64_t input_size() const { return input_size_; }
  int64_t hidden_size() const { return hidden_size_; }
  bool bias() const { return bias_; }
  DType dtype() const { return dtype_; }
  std::string extra_repr() const override;

  // {"weight_ih", "weight_hh"} / {"bias_ih", "bias_hh"} (biases only with bias=True), new tensors.
  OrderedDict<Tensor> get_weight() const;
  OrderedDict<Tensor> get_bias() const;
  // Repacks from a dict holding those names; an Error naming the key otherwise.
  void set_weight_bias(const OrderedDict<Tensor>& weight_bias);
  const octet::quantized::DynamicRnnCellParams& packed_params() const { return cell_; }

 protected:
  // Random weights as PyTorch's constructor: N(0, 1) (qint8: scale 1, zero point 0), N(0, 1) biases.
  RNNCellBase(const char* module, int64_t gates, int64_t input_size, int64_t hidden_size, const RNNCellOptions& options);
  RNNCellBase(const RNNCellBase&) = default;

  void check_input(const Tensor& input) const;
  void check_state(const Tensor& input, const Tensor& state, const char* what) const;
  void quantize_from(const nn::RNNCellBase& mod, const FromFloatArgs& args);
  void save_to_state_dict(StateDict& destination, const std::string& prefix) const override;
  void load_from_state_dict(StateDictLoad& load, const std::string& prefix) override;

  octet::quantized::DynamicRnnCellParams cell_;
  std::string nonlinearity_;

 private:
  template <typename Lookup>
  bool pack(Lookup lookup, octet::quantized::DynamicRnnCellParams& out, std::vector<std::string>& errors,
            std::vector<std::string>* missing) const;

  std::string module_;
  int64_t gates_;
  int64_t input_size_;
  int64_t hidden_size_;
  bool bias_;
  DType dtype_;
};

class LSTMCell : public Cloneable<LSTMCell, RNNCellBase>, public nn::AnyLSTMCell {
 public:
  LSTMCell(int64_t input_size, int64_t hidden_size, RNNCellOptions options = {});
  std::string name() const override { return "DynamicQuantizedLSTMCell"; }
  // Returns (h_1, c_1); hx and cx are given together or not at all (zeros).
  std::pair<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = {}, const Tensor& cx = {}) override;
  static std::shared_ptr<LSTMCell> from_float(const nn::LSTMCell& mod, const FromFloatArgs& args = {});
};

class GRUCell : public Cloneable<GRUCell, RNNCellBase>, public nn::AnyRecurrentCell {
 public:
  GRUCell(int64_t input_size, int64_t hidden_size, RNNCellOptions options = {});
  std::string name() const override { return "DynamicQuantizedGRUCell"; }
  Tensor forward(const Tensor& input) override;  // from a zero state
  Tensor forward(const Tensor& input, const Tensor& hx) override;
  static std::shared_ptr<GRUCell> from_float(const nn::GRUCell& mod, const FromFloatArgs& args = {});
};

class RNNCell : public Cloneable<RNNCell, RNNCellBase>, public nn::AnyRecurrentCell {
 public:
  // An Error unless options.nonlinearity is "tanh" or "relu".
  RNNCell(int64_t input_size, int64_t hidden_size, RNNCellOptions options = {});
  std::string name() const override { return "DynamicQuantizedRNNCell"; }
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input, const Tensor& hx) override;
  const std::string& nonlinearity() const { return nonlinearity_; }
  static std::shared_ptr<RNNCell> from_float(const nn::RNNCell& mod, const FromFloatArgs& args = {});
};

}  // namespace octet::nn::quantized::dynamic
