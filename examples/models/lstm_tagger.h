// lstm_tagger.h: a sequence tagger (Embedding -> bidirectional LSTM -> Linear -> LogSoftmax) built
// from octet::nn, the C++ twin of scripts/golden/gen_models.py's LSTMTagger.
//
// Tokens (N, L) int64 -> per-token log-probabilities over the tags (N, L, num_tags):
//
//   embedding  Embedding(vocab_size, embedding_dim, padding_idx)         (N, L, E)
//   lstm       LSTM(E, hidden_size, num_layers, batch_first, bidirectional) (N, L, 2 * hidden)
//   fc         Linear(2 * hidden_size, num_tags)                         (N, L, num_tags)
//   log_softmax LogSoftmax(dim=-1)
//
// State dict keys: embedding.weight, lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0,
// lstm.bias_hh_l0, then the "_reverse" direction and further layers, fc.weight, fc.bias.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <tuple>

#include "octet/error.h"
#include "octet/nn/activation.h"
#include "octet/nn/cloneable.h"
#include "octet/nn/linear.h"
#include "octet/nn/rnn.h"
#include "octet/nn/sparse.h"

namespace octet::models {

struct LSTMTaggerOptions {
  int64_t num_layers = 1;
  std::optional<int64_t> padding_idx = 0;  // the token that pads short sentences
};

class LSTMTagger : public nn::Cloneable<LSTMTagger> {
 public:
  LSTMTagger(int64_t vocab_size, int64_t embedding_dim, int64_t hidden_size, int64_t num_tags,
             LSTMTaggerOptions options = {})
      : options_(options) {
    OCTET_CHECK(num_tags > 0, "LSTMTagger", "expected a positive num_tags, got ", num_tags);
    register_module("embedding", &LSTMTagger::embedding,
                    std::make_shared<nn::Embedding>(vocab_size, embedding_dim,
                                                    nn::EmbeddingOptions{.padding_idx = options.padding_idx}));
    register_module("lstm", &LSTMTagger::lstm,
                    std::make_shared<nn::LSTM>(embedding_dim, hidden_size,
                                               nn::LSTMOptions{.num_layers = options.num_layers,
                                                               .batch_first = true,
                                                               .bidirectional = true}));
    register_module("fc", &LSTMTagger::fc, std::make_shared<nn::Linear>(2 * hidden_size, num_tags));
    register_module("log_softmax", &LSTMTagger::log_softmax, std::make_shared<nn::LogSoftmax>(-1));
  }

  // tokens: (N, L) int64 -> log-probabilities (N, L, num_tags).
  Tensor forward(const Tensor& tokens) override {
    const Tensor features = std::get<0>(lstm->forward(embedding->forward(tokens)));
    return log_softmax->forward(fc->forward(features));
  }

  const LSTMTaggerOptions& options() const { return options_; }

  std::shared_ptr<nn::Embedding> embedding;
  std::shared_ptr<nn::LSTM> lstm;
  std::shared_ptr<nn::Linear> fc;
  std::shared_ptr<nn::LogSoftmax> log_softmax;

 private:
  LSTMTaggerOptions options_;
};

}  // namespace octet::models
