// dynamic_rnn_cell.cpp: nn::quantized::dynamic::LSTMCell, GRUCell and RNNCell: packed qint8/float16 weights, state dicts, from_float.
#include <string>
#include <utility>

#include "octet/generator.h"
#include "octet/nn/quantized/dynamic/rnn.h"
#include "octet/quantize.h"
#include "qnn/dynamic_util.h"
#include "qnn/qnn_util.h"

namespace octet::nn::quantized::dynamic {

namespace qops = ::octet::quantized;

namespace {

constexpr const char* kNames[4] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh"};

const std::string& check_nonlinearity(const std::string& nonlinearity) {
  OCTET_CHECK(nonlinearity == "tanh" || nonlinearity == "relu", "DynamicQuantizedRNNCell",
              "unknown nonlinearity '", nonlinearity, "': expected \"tanh\" or \"relu\"");
  return nonlinearity;
}

}  // namespace

RNNCellBase::RNNCellBase(const char* module, int64_t gates, int64_t input_size, int64_t hidden_size,
                         const RNNCellOptions& options)
    : module_(module),
      gates_(gates),
      input_size_(input_size),
      hidden_size_(hidden_size),
      bias_(options.bias),
      dtype_(options.dtype) {
  OCTET_CHECK(input_size >= 1 && hidden_size >= 1, module_, "input_size and hidden_size must be >= 1, got ",
              input_size, " and ", hidden_size);
  OCTET_CHECK(dtype_ == kQInt8 || dtype_ == kFloat16, module_,
              "unsupported dtype for dynamic RNN quantization: ", dtype_, " (qint8 or float16)");
  train(false);
  // PyTorch's constructor: torch.randn weights (qint8: scale 1, zero point 0) and biases.
  const int64_t g = gates_ * hidden_size_;
  auto weight = [&](int64_t cols) {
    Tensor w = randn({g, cols}, default_generator());
    return dtype_ == kQInt8 ? quantize_per_tensor(w, 1.0, 0, kQInt8) : w;
  };
  OrderedDict<Tensor> init("weights");
  init.insert(kNames[0], weight(input_size_));
  init.insert(kNames[1], weight(hidden_size_));
  if (bias_) {
    init.insert(kNames[2], randn({g}, default_generator()));
    init.insert(kNames[3], randn({g}, default_generator()));
  }
  set_weight_bias(init);
}

std::string RNNCellBase::extra_repr() const {
  std::string s = std::to_string(input_size_);
  s.append(", ").append(std::to_string(hidden_size_));
  if (!bias_) s.append(", bias=False");
  // PyTorch prints the name bare: "nonlinearity=relu".
  if (!nonlinearity_.empty() && nonlinearity_ != "tanh") s.append(", nonlinearity=").append(nonlinearity_);
  return s;
}

template <typename Lookup>
bool RNNCellBase::pack(Lookup lookup, qops::DynamicRnnCellParams& out, std::vector<std::string>& errors,
                       std::vector<std::string>* missing) const {
  const int64_t g = gates_ * hidden_size_;
  const Shape shapes[4] = {{g, input_size_}, {g, hidden_size_}, {g}, {g}};
  const Tensor* t[4] = {nullptr, nullptr, nullptr, nullptr};
  bool ok = true;
  for (size_t i = 0; i < (bias_ ? 4u : 2u); ++i) {
    t[i] = lookup(kNames[i]);
    if (t[i] == nullptr) {
      if (missing != nullptr) missing->push_back(kNames[i]);
      ok = false;
      continue;
    }
    const std::string why = i < 2 ? detail::check_dynamic_weight(*t[i], shapes[i], dtype_)
                                  : detail::check_float_tensor(*t[i], shapes[i]);
    if (!why.empty()) {
      errors.push_back(detail::load_error(kNames[i], why));
      ok = false;
    }
  }
  if (!ok) return false;
  qops::DynamicLinearWeight* dst[2] = {&out.ih, &out.hh};
  for (size_t i = 0; i < 2; ++i) {
    try {
      *dst[i] = qops::DynamicLinearWeight::prepack(*t[i], t[i + 2] != nullptr ? t[i + 2]->to(kFloat32) : Tensor(),
                                                   dtype_, module_.c_str());
    } catch (const Error& e) {
      errors.push_back(detail::load_error(kNames[i], e.what()));
      return false;
    }
  }
  return true;
}

OrderedDict<Tensor> RNNCellBase::get_weight() const {
  OrderedDict<Tensor> out("weight");
  out.insert(kNames[0], cell_.ih.weight());
  out.insert(kNames[1], cell_.hh.weight());
  return out;
}

OrderedDict<Tensor> RNNCellBase::get_bias() const {
  OrderedDict<Tensor> out("bias");
  if (bias_) {
    out.insert(kNames[2], cell_.ih.bias());
    out.insert(kNames[3], cell_.hh.bias());
  }
  return out;
}

void RNNCellBase::set_weight_bias(const OrderedDict<Tensor>& weight_bias) {
  qops::DynamicRnnCellParams cell;
  std::vector<std::string> errors, missing;
  const bool ok = pack([&](const std::string& key) { return weight_bias.find(key); }, cell, errors, &missing);
  OCTET_CHECK(missing.empty(), module_, "set_weight_bias: missing ", missing.front());
  OCTET_CHECK(ok, module_, "set_weight_bias: ", errors.front());
  cell_ = std::move(cell);
}

void RNNCellBase::check_input(const Tensor& input) const {
  detail::check_dynamic_input(input, module_);
  OCTET_CHECK(input.dim() == 1 || input.dim() == 2, module_, "expected input to be 1-D (unbatched) or 2-D (batch, ",
              input_size_, "), got shape ", shape_to_string(input.shape()));
  OCTET_CHECK(input.size(-1) == input_size_, module_, "input has inconsistent input_size: got ", input.size(-1),
              " expected ", input_size_);
}

void RNNCellBase::check_state(const Tensor& input, const Tensor& state, const char* what) const {
  if (!state.defined()) return;
  detail::check_dynamic_input(state, module_, what);
  const Shape want = input.dim() == 2 ? Shape{input.size(0), hidden_size_} : Shape{hidden_size_};
  OCTET_CHECK(state.shape() == want, module_, "expected ", what, " of shape ", shape_to_string(want),
              " for input of shape ", shape_to_string(input.shape()), ", got ", shape_to_string(state.shape()));
}

void RNNCellBase::quantize_from(const nn::RNNCellBase& mod, const FromFloatArgs& args) {
  OrderedDict<Tensor> wb("weights");
  wb.insert(kNames[0], detail::dynamic_weight(mod.weight_ih, dtype_, args, module_));
  wb.insert(kNames[1], detail::dynamic_weight(mod.weight_hh, dtype_, args, module_));
  if (bias_) {
    wb.insert(kNames[2], mod.bias_ih.clone());
    wb.insert(kNames[3], mod.bias_hh.clone());
  }
  set_weight_bias(wb);
}

void RNNCellBase::save_to_state_dict(StateDict& destination, const std::string& prefix) const {
  destination.insert(prefix + kNames[0], cell_.ih.weight());
  destination.insert(prefix + kNames[1], cell_.hh.weight());
  if (bias_) {
    destination.insert(prefix + kNames[2], cell_.ih.bias());
    destination.insert(prefix + kNames[3], cell_.hh.bias());
  }
  Module::save_to_state_dict(destination, prefix);
}

void RNNCellBase::load_from_state_dict(StateDictLoad& load, const std::string& prefix) {
  Module::load_from_state_dict(load, prefix);
  for (size_t i = 0; i < (bias_ ? 4u : 2u); ++i) detail::erase_unexpected(load, prefix + kNames[i]);
  qops::DynamicRnnCellParams cell;
  std::vector<std::string> missing, errors;
  const bool ok =
      pack([&](const std::string& key) { return load.state_dict.find(prefix + key); }, cell, errors, &missing);
  for (const std::string& m : missing) load.missing_keys.push_back(prefix + m);
  for (const std::string& e : errors) load.error_msgs.push_back(e);
  if (!ok) return;
  load.copies.push_back([this, cell]() { cell_ = cell; });
}

// --- the cells -----------------------------------------------------------------------------------

LSTMCell::LSTMCell(int64_t input_size, int64_t hidden_size, RNNCellOptions options)
    : Cloneable<LSTMCell, RNNCellBase>("DynamicQuantizedLSTMCell", 4, input_size, hidden_size, options) {}

std::pair<Tensor, Tensor> LSTMCell::forward(const Tensor& input, const Tensor& hx, const Tensor& cx) {
  check_input(input);
  OCTET_CHECK(hx.defined() == cx.defined(), name(),
              "hx and cx must be given together (or both omitted for zeros), got only ", hx.defined() ? "hx" : "cx");
  check_state(input, hx, "hx");
  check_state(input, cx, "cx");
  return qops::lstm_cell_dynamic(input, hx, cx, cell_, detail::dynamic_reduce_range());
}

std::shared_ptr<LSTMCell> LSTMCell::from_float(const nn::LSTMCell& mod, const FromFloatArgs& args) {
  const DType dtype = detail::dynamic_weight_dtype(args, "DynamicQuantizedLSTMCell");
  auto q = std::make_shared<LSTMCell>(mod.input_size(), mod.hidden_size(), RNNCellOptions{mod.bias(), "tanh", dtype});
  q->quantize_from(mod, args);
  return q;
}

GRUCell::GRUCell(int64_t input_size, int64_t hidden_size, RNNCellOptions options)
    : Cloneable<GRUCell, RNNCellBase>("DynamicQuantizedGRUCell", 3, input_size, hidden_size, options) {}

Tensor GRUCell::forward(const Tensor& input) { return forward(input, Tensor()); }

Tensor GRUCell::forward(const Tensor& input, const Tensor& hx) {
  check_input(input);
  check_state(input, hx, "hx");
  return qops::gru_cell_dynamic(input, hx, cell_, detail::dynamic_reduce_range());
}

std::shared_ptr<GRUCell> GRUCell::from_float(const nn::GRUCell& mod, const FromFloatArgs& args) {
  const DType dtype = detail::dynamic_weight_dtype(args, "DynamicQuantizedGRUCell");
  auto q = std::make_shared<GRUCell>(mod.input_size(), mod.hidden_size(), RNNCellOptions{mod.bias(), "tanh", dtype});
  q->quantize_from(mod, args);
  return q;
}

RNNCell::RNNCell(int64_t input_size, int64_t hidden_size, RNNCellOptions options)
    : Cloneable<RNNCell, RNNCellBase>("DynamicQuantizedRNNCell", 1, input_size, hidden_size, options) {
  nonlinearity_ = check_nonlinearity(options.nonlinearity);
}

Tensor RNNCell::forward(const Tensor& input) { return forward(input, Tensor()); }

Tensor RNNCell::forward(const Tensor& input, const Tensor& hx) {
  check_input(input);
  check_state(input, hx, "hx");
  return nonlinearity_ == "tanh" ? qops::rnn_tanh_cell_dynamic(input, hx, cell_, detail::dynamic_reduce_range())
                                 : qops::rnn_relu_cell_dynamic(input, hx, cell_, detail::dynamic_reduce_range());
}

std::shared_ptr<RNNCell> RNNCell::from_float(const nn::RNNCell& mod, const FromFloatArgs& args) {
  const DType dtype = detail::dynamic_weight_dtype(args, "DynamicQuantizedRNNCell");
  auto q = std::make_shared<RNNCell>(mod.input_size(), mod.hidden_size(),
                                     RNNCellOptions{mod.bias(), mod.nonlinearity(), dtype});
  q->quantize_from(mod, args);
  return q;
}

}  // namespace octet::nn::quantized::dynamic
