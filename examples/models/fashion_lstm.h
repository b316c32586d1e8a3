// fashion_lstm.h: an LSTM classifier for Fashion-MNIST that reads an image row by row, written for
// eager-mode dynamic quantization (the C++ twin of scripts/models/train_fashion.py's FashionLSTM; the
// committed weights are data/models/fashion_lstm.safetensors).
//
// Input float [N, 28, 28] (or the CNN's [N, 1, 28, 28]), normalized as fashion_data.h does: the 28
// rows are a sequence of 28 steps of 28 features. Output logits [N, 10]. Children, with PyTorch's
// state-dict names:
//
//   lstm  LSTM(28, hidden, batch_first)   [N, 28, hidden]; keys lstm.weight_ih_l0, weight_hh_l0,
//                                         bias_ih_l0, bias_hh_l0
//   fc    Linear(hidden, 10)              on the last step's output
//
// quantize_dynamic swaps both for dynamic quantized modules, so lstm is held through nn::AnyLSTM
// (implemented by nn::LSTM and the dynamic quantized LSTM) and fc as an nn::ModulePtr. No stubs:
// dynamic quantization takes and returns float tensors.
#pragma once

#include <cstdint>
#include <memory>
#include <tuple>

#include "octet/error.h"
#include "octet/nn/cloneable.h"
#include "octet/nn/linear.h"
#include "octet/nn/rnn.h"

namespace octet::models {

class FashionLSTM : public nn::Cloneable<FashionLSTM> {
 public:
  explicit FashionLSTM(int64_t hidden = 128) : hidden_(hidden) {
    OCTET_CHECK(hidden > 0, "FashionLSTM", "expected a positive hidden size, got ", hidden);
    register_module("lstm", &FashionLSTM::lstm,
                    std::make_shared<nn::LSTM>(28, hidden, nn::LSTMOptions{.batch_first = true}));
    register_module("fc", &FashionLSTM::fc, std::make_shared<nn::Linear>(hidden, 10));
  }

  // x: float [N, 28, 28] or [N, 1, 28, 28] -> logits [N, 10].
  Tensor forward(const Tensor& x) override {
    OCTET_CHECK((x.dim() == 3) || (x.dim() == 4 && x.size(1) == 1), "FashionLSTM",
                "expected images [N, 28, 28] or [N, 1, 28, 28], got ", x.dim(), " dimensions");
    const Tensor rows = x.dim() == 4 ? x.squeeze(1) : x;
    const Tensor out = std::get<0>(lstm->forward(rows));  // [N, 28, hidden]
    return fc->forward(out.select(1, out.size(1) - 1).contiguous());
  }

  int64_t hidden() const { return hidden_; }

  std::shared_ptr<nn::AnyLSTM> lstm;
  nn::ModulePtr fc;

 private:
  int64_t hidden_;
};

}  // namespace octet::models
