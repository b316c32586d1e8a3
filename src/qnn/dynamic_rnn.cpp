// dynamic_rnn.cpp: nn::quantized::dynamic::LSTM and GRU: packed qint8/float16 layer weights, state dicts, from_float.
#include <string>
#include <utility>

#include "nn/layer_util.h"
#include "octet/generator.h"
#include "octet/nn/quantized/dynamic/rnn.h"
#include "octet/quantize.h"
#include "qnn/dynamic_util.h"
#include "qnn/qnn_util.h"

namespace octet::nn::quantized::dynamic {

namespace qops = ::octet::quantized;

namespace {

std::string module_name(const std::string& mode) { return std::string("DynamicQuantized").append(mode); }

// PyTorch's constructor draws torch.randn weights (qint8: quantized with `scale`, zero point 0).
Tensor random_weight(int64_t rows, int64_t cols, DType dtype, double scale) {
  Tensor w = randn({rows, cols}, default_generator());
  return dtype == kQInt8 ? quantize_per_tensor(w, scale, 0, kQInt8) : w;
}

}  // namespace

RNNBase::RNNBase(const char* mode, int64_t gates, int64_t input_size, int64_t hidden_size, const RNNOptions& options)
    : mode_(mode),
      gates_(gates),
      input_size_(input_size),
      hidden_size_(hidden_size),
      num_layers_(options.num_layers),
      bias_(options.bias),
      batch_first_(options.batch_first),
      dropout_(options.dropout),
      bidirectional_(options.bidirectional),
      dtype_(options.dtype) {
  const std::string module = module_name(mode_);
  OCTET_CHECK(input_size >= 1 && hidden_size >= 1, module, "input_size and hidden_size must be >= 1, got ",
              input_size, " and ", hidden_size);
  OCTET_CHECK(num_layers_ >= 1, module, "num_layers must be >= 1, got ", num_layers_);
  OCTET_CHECK(dropout_ >= 0 && dropout_ <= 1, module,
              "dropout should be a number in range [0, 1] representing the probability of an element being zeroed, "
              "got ",
              dropout_);
  OCTET_CHECK(dtype_ == kQInt8 || dtype_ == kFloat16, module,
              "unsupported dtype for dynamic RNN quantization: ", dtype_, " (qint8 or float16)");
  // PyTorch's dynamic modules are built in eval mode (self.training = False).
  train(false);
  const int64_t dirs = bidirectional_ ? 2 : 1, g = gates_ * hidden_size_;
  OrderedDict<Tensor> init("weights");
  for (int64_t k = 0; k < num_layers_ * dirs; ++k) {
    const int64_t in = k < dirs ? input_size_ : hidden_size_ * dirs;
    const std::vector<std::string> names = names_of(k);
    init.insert(names[0], random_weight(g, in, dtype_, 0.1));
    init.insert(names[1], random_weight(g, hidden_size_, dtype_, 0.1));
    if (bias_) {
      init.insert(names[2], randn({g}, default_generator()));
      init.insert(names[3], randn({g}, default_generator()));
    }
  }
  set_weight_bias(init);
}

std::vector<std::string> RNNBase::names_of(int64_t k) const {
  const int64_t dirs = bidirectional_ ? 2 : 1;
  std::string sfx = "_l";
  sfx.append(std::to_string(k / dirs)).append(k % dirs == 1 ? "_reverse" : "");
  std::vector<std::string> names;
  for (const char* base : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) names.push_back(std::string(base).append(sfx));
  return names;
}

std::string RNNBase::extra_repr() const {
  std::string s = std::to_string(input_size_);
  s.append(", ").append(std::to_string(hidden_size_));
  if (num_layers_ != 1) s.append(", num_layers=").append(std::to_string(num_layers_));
  if (!bias_) s.append(", bias=False");
  if (batch_first_) s.append(", batch_first=True");
  if (dropout_ != 0.0) s.append(", dropout=").append(layer_util::py_float(dropout_));
  if (bidirectional_) s.append(", bidirectional=True");
  return s;
}

template <typename Lookup>
bool RNNBase::pack_all(Lookup lookup, std::vector<qops::DynamicRnnCellParams>& out, std::vector<std::string>& errors,
                       std::vector<std::string>* missing) const {
  const int64_t dirs = bidirectional_ ? 2 : 1, g = gates_ * hidden_size_;
  const std::string module = module_name(mode_);
  bool ok = true;
  for (int64_t k = 0; k < num_layers_ * dirs; ++k) {
    const int64_t in = k < dirs ? input_size_ : hidden_size_ * dirs;
    const std::vector<std::string> names = names_of(k);
    const Tensor* t[4];
    bool complete = true;
    for (size_t i = 0; i < 4; ++i) {
      t[i] = i < 2 || bias_ ? lookup(names[i]) : nullptr;
      if (t[i] == nullptr && (i < 2 || bias_)) {
        complete = false;
        if (missing != nullptr) missing->push_back(names[i]);
      }
    }
    if (!complete) {
      ok = false;
      continue;
    }
    const Shape shapes[4] = {{g, in}, {g, hidden_size_}, {g}, {g}};
    bool valid = true;
    for (size_t i = 0; i < 4; ++i) {
      if (t[i] == nullptr) continue;
      const std::string why = i < 2 ? detail::check_dynamic_weight(*t[i], shapes[i], dtype_)
                                    : detail::check_float_tensor(*t[i], shapes[i]);
      if (!why.empty()) {
        errors.push_back(detail::load_error(names[i], why));
        valid = false;
      }
    }
    if (!valid) {
      ok = false;
      continue;
    }
    qops::DynamicRnnCellParams cell;
    qops::DynamicLinearWeight* dst[2] = {&cell.ih, &cell.hh};
    for (size_t i = 0; i < 2 && valid; ++i) {
      try {
        *dst[i] = qops::DynamicLinearWeight::prepack(*t[i], t[i + 2] != nullptr ? t[i + 2]->to(kFloat32) : Tensor(),
                                                     dtype_, module.c_str());
      } catch (const Error& e) {
        errors.push_back(detail::load_error(names[i], e.what()));
        valid = false;
      }
    }
    if (!valid) {
      ok = false;
      continue;
    }
    out.push_back(std::move(cell));
  }
  return ok;
}

OrderedDict<Tensor> RNNBase::get_weight() const {
  OrderedDict<Tensor> out("weight");
  for (size_t k = 0; k < cells_.size(); ++k) {
    const std::vector<std::string> names = names_of(static_cast<int64_t>(k));
    out.insert(names[0], cells_[k].ih.weight());
    out.insert(names[1], cells_[k].hh.weight());
  }
  return out;
}

OrderedDict<Tensor> RNNBase::get_bias() const {
  OrderedDict<Tensor> out("bias");
  if (!bias_) return out;
  for (size_t k = 0; k < cells_.size(); ++k) {
    const std::vector<std::string> names = names_of(static_cast<int64_t>(k));
    out.insert(names[2], cells_[k].ih.bias());
    out.insert(names[3], cells_[k].hh.bias());
  }
  return out;
}

void RNNBase::set_weight_bias(const OrderedDict<Tensor>& weight_bias) {
  std::vector<qops::DynamicRnnCellParams> cells;
  std::vector<std::string> errors, missing;
  const bool ok = pack_all([&](const std::string& key) { return weight_bias.find(key); }, cells, errors, &missing);
  const std::string module = module_name(mode_);
  OCTET_CHECK(missing.empty(), module, "set_weight_bias: missing ", missing.front(), " (", missing.size(),
              " tensor(s) missing)");
  OCTET_CHECK(ok, module, "set_weight_bias: ", errors.front());
  cells_ = std::move(cells);
}

functional::RnnArgs RNNBase::rnn_args() const {
  functional::RnnArgs a;
  a.has_biases = bias_;
  a.num_layers = num_layers_;
  a.dropout = dropout_;
  a.train = is_training();
  a.bidirectional = bidirectional_;
  a.batch_first = batch_first_;
  return a;
}

void RNNBase::check_input(const Tensor& input) const {
  const std::string module = error_name();
  detail::check_dynamic_input(input, module);
  OCTET_CHECK(input.dim() == 2 || input.dim() == 3, module,
              "expected input to be 2-D (unbatched (L, H_in)) or 3-D (batched), got ", input.dim(),
              "-D input of shape ", shape_to_string(input.shape()));
  OCTET_CHECK(input.size(-1) == input_size_, module, "input.size(-1) must be equal to input_size. Expected ",
              input_size_, ", got ", input.size(-1), " (input shape ", shape_to_string(input.shape()), ")");
}

void RNNBase::check_state(const Tensor& input, const Tensor& state, const char* what) const {
  if (!state.defined()) return;
  const std::string module = name();
  detail::check_dynamic_input(state, module, what);
  const int64_t layers_dirs = num_layers_ * (bidirectional_ ? 2 : 1);
  Shape want = {layers_dirs, hidden_size_};
  if (input.dim() == 3) want.insert(want.begin() + 1, input.size(batch_first_ ? 0 : 1));
  OCTET_CHECK(state.shape() == want, module, "expected ", what, " of shape ", shape_to_string(want),
              " (num_layers * num_directions, ", input.dim() == 3 ? "batch, " : "", "hidden_size) for input of shape ",
              shape_to_string(input.shape()), ", got ", shape_to_string(state.shape()));
}

void RNNBase::quantize_from(const nn::RNNBase& mod, const FromFloatArgs& args) {
  const std::string module = name();
  OrderedDict<Tensor> wb("weights");
  const OrderedDict<Tensor> params = mod.named_parameters(/*recurse=*/false);
  for (const std::string& key : mod.flat_weights_names()) {
    const Tensor* t = params.find(key);
    OCTET_CHECK(t != nullptr, module + ".from_float", "the float module has no parameter ", key);
    // Weights through a fresh observer each (PyTorch's quantize_and_pack); biases stay float.
    wb.insert(key, key.rfind("weight", 0) == 0 ? detail::dynamic_weight(*t, dtype_, args, module) : t->clone());
  }
  set_weight_bias(wb);
}

void RNNBase::save_to_state_dict(StateDict& destination, const std::string& prefix) const {
  for (size_t k = 0; k < cells_.size(); ++k) {
    const std::vector<std::string> names = names_of(static_cast<int64_t>(k));
    destination.insert(prefix + names[0], cells_[k].ih.weight());
    destination.insert(prefix + names[1], cells_[k].hh.weight());
    if (bias_) {
      destination.insert(prefix + names[2], cells_[k].ih.bias());
      destination.insert(prefix + names[3], cells_[k].hh.bias());
    }
  }
  Module::save_to_state_dict(destination, prefix);
}

void RNNBase::load_from_state_dict(StateDictLoad& load, const std::string& prefix) {
  Module::load_from_state_dict(load, prefix);
  const int64_t dirs = bidirectional_ ? 2 : 1;
  for (int64_t k = 0; k < num_layers_ * dirs; ++k) {
    const std::vector<std::string> names = names_of(k);
    for (size_t i = 0; i < (bias_ ? 4u : 2u); ++i) detail::erase_unexpected(load, prefix + names[i]);
  }
  std::vector<qops::DynamicRnnCellParams> cells;
  std::vector<std::string> missing, errors;
  const bool ok = pack_all([&](const std::string& key) { return load.state_dict.find(prefix + key); }, cells, errors,
                           &missing);
  for (const std::string& m : missing) load.missing_keys.push_back(prefix + m);
  for (const std::string& e : errors) load.error_msgs.push_back(e);
  if (!ok) return;
  load.copies.push_back([this, cells]() { cells_ = cells; });
}

// --- LSTM, GRU -----------------------------------------------------------------------------------

LSTM::LSTM(int64_t input_size, int64_t hidden_size, RNNOptions options)
    : Cloneable<LSTM, RNNBase>("LSTM", 4, input_size, hidden_size, options) {}

std::tuple<Tensor, Tensor, Tensor> LSTM::forward(const Tensor& input, const Tensor& h0, const Tensor& c0) {
  check_input(input);
  OCTET_CHECK(h0.defined() == c0.defined(), name(),
              "h0 and c0 must be given together (or both omitted for zeros), got only ", h0.defined() ? "h0" : "c0");
  check_state(input, h0, "h0");
  check_state(input, c0, "c0");
  return qops::lstm_dynamic(input, h0, c0, cells_, rnn_args(), detail::dynamic_reduce_range());
}

std::shared_ptr<LSTM> LSTM::from_float(const nn::LSTM& mod, const FromFloatArgs& args) {
  const std::string module = "DynamicQuantizedLSTM";
  OCTET_CHECK(mod.proj_size() == 0, module + ".from_float", "an LSTM with projections (proj_size=", mod.proj_size(),
              ") cannot be quantized dynamically (PyTorch's quantized LSTM has no projections either)");
  const DType dtype = detail::dynamic_weight_dtype(args, module);
  auto q = std::make_shared<LSTM>(mod.input_size(), mod.hidden_size(),
                                  RNNOptions{mod.num_layers(), mod.bias(), mod.batch_first(), mod.dropout(),
                                             mod.bidirectional(), dtype});
  q->quantize_from(mod, args);
  return q;
}

GRU::GRU(int64_t input_size, int64_t hidden_size, RNNOptions options)
    : Cloneable<GRU, RNNBase>("GRU", 3, input_size, hidden_size, options) {}

std::pair<Tensor, Tensor> GRU::forward(const Tensor& input, const Tensor& h0) {
  check_input(input);
  check_state(input, h0, "h0");
  return qops::gru_dynamic(input, h0, cells_, rnn_args(), detail::dynamic_reduce_range());
}

std::shared_ptr<GRU> GRU::from_float(const nn::GRU& mod, const FromFloatArgs& args) {
  const std::string module = "DynamicQuantizedGRU";
  const DType dtype = detail::dynamic_weight_dtype(args, module);
  auto q = std::make_shared<GRU>(mod.input_size(), mod.hidden_size(),
                                 RNNOptions{mod.num_layers(), mod.bias(), mod.batch_first(), mod.dropout(),
                                            mod.bidirectional(), dtype});
  q->quantize_from(mod, args);
  return q;
}

}  // namespace octet::nn::quantized::dynamic
