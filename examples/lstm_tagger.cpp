// lstm_tagger.cpp: runs a bidirectional-LSTM sequence tagger in Octet from a PyTorch state dict
// and checks it against PyTorch's output.
//
//   lstm_tagger [weights.safetensors [io.safetensors]]
//
// Without arguments it runs the committed model written by scripts/golden/gen_models.py; the
// sizes (vocabulary, embedding, hidden, tags, layers, padding index) come from the file's
// metadata. Prints each sentence's tokens with their predicted tags, the max relative difference
// to PyTorch's log-probabilities (when an io file is there) and the forward latency.
#include <cstdio>
#include <exception>
#include <optional>

#include "models/example_util.h"
#include "models/lstm_tagger.h"
#include "octet/engine.h"
#include "octet/generator.h"
#include "octet/io/safetensors.h"
#include "octet/nn/serialize.h"

using namespace octet;

int main(int argc, char** argv) {
  try {
    const examples::ModelFiles files = examples::model_files(argc, argv, "lstm_tagger");
    const auto meta = io::load_safetensors(files.weights).metadata;
    const int64_t vocab_size = examples::meta_int(meta, "vocab_size", 50);
    std::optional<int64_t> padding_idx;
    if (meta.count("padding_idx") != 0 && meta.at("padding_idx") != "None") padding_idx = examples::meta_int(meta, "padding_idx", 0);
    models::LSTMTagger model(vocab_size, examples::meta_int(meta, "embedding_dim", 16),
                             examples::meta_int(meta, "hidden_size", 24), examples::meta_int(meta, "num_tags", 7),
                             {.num_layers = examples::meta_int(meta, "num_layers", 1), .padding_idx = padding_idx});
    nn::load_state_dict(model, files.weights);  // strict: every key must match
    model.eval();
    std::printf("LSTM tagger from %s:\n%s\n", files.weights.c_str(), model.to_string().c_str());

    Tensor tokens, expected;
    if (!files.io.empty()) {
      const io::SafetensorsFile io_file = io::load_safetensors(files.io);
      tokens = io_file.tensors.at("input");
      expected = io_file.tensors.at("output");
    } else {
      Generator gen(/*seed=*/0);
      tokens = randint(1, vocab_size, {2, 12}, gen);
    }

    const Tensor log_probs = model.forward(tokens);  // (N, L, num_tags)
    for (int64_t n = 0; n < tokens.shape()[0]; ++n) {
      std::printf("sentence %lld (token/tag):", static_cast<long long>(n));
      for (int64_t t = 0; t < tokens.shape()[1]; ++t) {
        const int64_t token = tokens.at<int64_t>({n, t});
        if (padding_idx && token == *padding_idx) continue;
        const int64_t tag = examples::topk(log_probs[n][t], 1).front().first;
        std::printf(" %lld/%lld", static_cast<long long>(token), static_cast<long long>(tag));
      }
      std::printf("\n");
    }
    if (expected.defined()) {
      std::printf("max relative difference to PyTorch: %.3g\n", examples::max_relative_difference(log_probs, expected));
    }
    const double ms = examples::median_ms([&] { model.forward(tokens); }, /*repeats=*/20);
    std::printf("forward latency: %.3f ms (median of 20, tokens %s, %d threads)\n", ms,
                shape_to_string(tokens.shape()).c_str(), get_num_threads());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lstm_tagger: %s\n", e.what());
    return 1;
  }
}
