// rnn_attention_test.cpp: LSTM (with projections)/GRU/RNN layers and cells and scaled dot-product attention vs PyTorch.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/octet.h"

namespace octet {
namespace {

std::vector<Tensor> params_of(const test::GoldenCase& c, int count) {
  std::vector<Tensor> p;
  for (int k = 0; k < count; ++k) {
    std::string key = "p";  // built in two steps: GCC 12's -Wrestrict misfires on "p" + to_string(k)
    key += std::to_string(k);
    p.push_back(c.get(key));
  }
  return p;
}

TEST(RnnGolden, LayersMatchPyTorch) {
  test::GoldenFile file("rnn");
  int checked = 0;
  for (const auto& c : file.cases()) {
    if (c.op.find("_cell") != std::string::npos) continue;
    F::RnnArgs args;
    args.num_layers = c.args.at("num_layers");
    args.bidirectional = c.args.at("bidirectional");
    args.batch_first = c.args.at("batch_first");
    args.has_biases = c.args.at("has_biases");
    const std::vector<Tensor> p = params_of(c, c.args.at("num_params"));
    const Tensor h0 = c.has("h0") ? c.get("h0") : Tensor();
    if (c.op == "lstm") {
      const Tensor c0 = c.has("c0") ? c.get("c0") : Tensor();
      auto [out, hn, cn] = F::lstm(c.in(0), h0, c0, p, args);
      test::expect_close(out, c.out(0), c.name + " output");
      test::expect_close(hn, c.out(1), c.name + " h_n");
      test::expect_close(cn, c.out(2), c.name + " c_n");
    } else if (c.op == "gru") {
      auto [out, hn] = F::gru(c.in(0), h0, p, args);
      test::expect_close(out, c.out(0), c.name + " output");
      test::expect_close(hn, c.out(1), c.name + " h_n");
    } else {
      auto [out, hn] = F::rnn(c.in(0), h0, p, c.op == "rnn_tanh" ? "tanh" : "relu", args);
      test::expect_close(out, c.out(0), c.name + " output");
      test::expect_close(hn, c.out(1), c.name + " h_n");
    }
    ++checked;
  }
  EXPECT_EQ(checked, 10);
}

TEST(RnnGolden, CellsMatchPyTorch) {
  test::GoldenFile file("rnn");
  int checked = 0;
  for (const auto& c : file.cases()) {
    if (c.op.find("_cell") == std::string::npos) continue;
    const bool bias = c.args.at("has_biases");
    const std::vector<Tensor> p = params_of(c, bias ? 4 : 2);
    const Tensor b_ih = bias ? p[2] : Tensor(), b_hh = bias ? p[3] : Tensor();
    if (c.op == "lstm_cell") {
      auto [h, cc] = F::lstm_cell(c.in(0), c.get("h0"), c.get("c0"), p[0], p[1], b_ih, b_hh);
      test::expect_close(h, c.out(0), c.name + " h");
      test::expect_close(cc, c.out(1), c.name + " c");
    } else if (c.op == "gru_cell") {
      test::expect_close(F::gru_cell(c.in(0), c.get("h0"), p[0], p[1], b_ih, b_hh), c.out(0), c.name);
    } else if (c.op == "rnn_tanh_cell") {
      test::expect_close(F::rnn_tanh_cell(c.in(0), c.get("h0"), p[0], p[1], b_ih, b_hh), c.out(0), c.name);
    } else {
      test::expect_close(F::rnn_relu_cell(c.in(0), c.get("h0"), p[0], p[1], b_ih, b_hh), c.out(0), c.name);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 6);
}

// LSTM with projections (scripts/golden/gen_lstm_proj.py): multi-layer, bidirectional,
// batch_first, without biases, unbatched, initial states with h0 of proj_size and c0 of hidden.
TEST(RnnGolden, LstmWithProjectionsMatchesPyTorch) {
  test::GoldenFile file("rnn_proj");
  int checked = 0;
  for (const auto& c : file.cases()) {
    F::RnnArgs args;
    args.num_layers = c.args.at("num_layers");
    args.bidirectional = c.args.at("bidirectional");
    args.batch_first = c.args.at("batch_first");
    args.has_biases = c.args.at("has_biases");
    const std::vector<Tensor> p = params_of(c, c.args.at("num_params"));
    const Tensor h0 = c.has("h0") ? c.get("h0") : Tensor();
    const Tensor c0 = c.has("c0") ? c.get("c0") : Tensor();
    auto [out, hn, cn] = F::lstm(c.in(0), h0, c0, p, args);
    test::expect_close(out, c.out(0), c.name + " output");
    test::expect_close(hn, c.out(1), c.name + " h_n");
    test::expect_close(cn, c.out(2), c.name + " c_n");
    ++checked;
  }
  EXPECT_EQ(checked, 6);
}

// A projection through the identity matrix is no projection: the same bits as the plain LSTM.
TEST(Rnn, LstmIdentityProjectionEqualsThePlainLstm) {
  Generator g(test::test_seed(6));
  const int64_t in = 5, hidden = 6;
  F::RnnArgs args;
  args.num_layers = 2;
  args.bidirectional = true;
  Tensor identity = zeros({hidden, hidden});
  for (int64_t i = 0; i < hidden; ++i) identity.select(0, i).select(0, i).fill_(1.0);
  std::vector<Tensor> plain, projected;
  for (int64_t layer = 0; layer < 2; ++layer) {
    for (int dir = 0; dir < 2; ++dir) {
      const std::vector<Tensor> w = {randn({4 * hidden, layer == 0 ? in : 2 * hidden}, g), randn({4 * hidden, hidden}, g),
                                     randn({4 * hidden}, g), randn({4 * hidden}, g)};
      plain.insert(plain.end(), w.begin(), w.end());
      projected.insert(projected.end(), w.begin(), w.end());
      projected.push_back(identity);
    }
  }
  const Tensor x = randn({7, 3, in}, g), h0 = randn({4, 3, hidden}, g), c0 = randn({4, 3, hidden}, g);
  auto [out_a, h_a, c_a] = F::lstm(x, h0, c0, plain, args);
  auto [out_b, h_b, c_b] = F::lstm(x, h0, c0, projected, args);
  EXPECT_TRUE(equal(out_a, out_b));
  EXPECT_TRUE(equal(h_a, h_b));
  EXPECT_TRUE(equal(c_a, c_b));
}

TEST(RnnErrors, LstmProjectionShapesAreChecked) {
  Generator g(test::test_seed(7));
  const Tensor x = randn({4, 2, 5}, g);
  // hidden 7, proj_size 3: w_ih [28, 5], w_hh [28, 3], biases [28], w_hr [3, 7].
  const std::vector<Tensor> p = {randn({28, 5}, g), randn({28, 3}, g), randn({28}, g), randn({28}, g), randn({3, 7}, g)};
  auto [out, hn, cn] = F::lstm(x, {}, {}, p);
  EXPECT_EQ(out.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(hn.shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(cn.shape(), (Shape{1, 2, 7}));
  EXPECT_OCTET_ERROR(F::lstm(x, {}, {}, {p[0], p[1], p[2]}),
                     "lstm: expected 4 weight tensors (num_layers 1 x directions 1 x 4), or 5 with projections (x 5: "
                     "w_hr last), got 3");
  EXPECT_OCTET_ERROR(F::lstm(x, {}, {}, {p[0], p[1], p[2], p[3], randn({4, 7}, g)}),
                     "lstm: layer 0: w_hh has 3 columns, expected proj_size = 4 (the rows of w_hr [4, 7])");
  EXPECT_OCTET_ERROR(F::lstm(x, {}, {}, {p[0], p[1], p[2], p[3], randn({3, 6}, g)}),
                     "lstm: layer 0: w_hh has 28 rows, expected 4 * hidden_size = 24");
  EXPECT_OCTET_ERROR(F::lstm(x, {}, {}, {p[0], p[1], p[2], p[3], randn({21}, g)}),
                     "lstm: layer 0: w_hr must be 2-D [proj_size, hidden_size], got shape [21]");
  EXPECT_OCTET_ERROR(F::lstm(x, randn({1, 2, 7}, g), randn({1, 2, 7}, g), p), "lstm: expected h0 of shape [1, 2, 3], got [1, 2, 7]");
  EXPECT_OCTET_ERROR(F::lstm(x, randn({1, 2, 3}, g), randn({1, 2, 3}, g), p), "lstm: expected c0 of shape [1, 2, 7], got [1, 2, 3]");
  // A second layer takes proj_size * directions inputs.
  F::RnnArgs two;
  two.num_layers = 2;
  std::vector<Tensor> p2 = p;
  p2.insert(p2.end(), {randn({28, 7}, g), randn({28, 3}, g), randn({28}, g), randn({28}, g), randn({3, 7}, g)});
  EXPECT_OCTET_ERROR(F::lstm(x, {}, {}, p2, two), "lstm: layer 1: w_ih must have shape [28, 3], got [28, 7]");
  EXPECT_OCTET_ERROR(F::gru(x, {}, {p[0], p[1], p[2], p[3], p[4]}), "gru: expected 4 weight tensors (num_layers 1 x directions 1 x 4), got 5");
}

TEST(RnnErrors, ShapesAndCountsAreChecked) {
  Generator g(test::test_seed(3));
  const Tensor x = randn({4, 2, 5}, g);
  std::vector<Tensor> p = {randn({28, 5}, g), randn({28, 7}, g), randn({28}, g), randn({28}, g)};
  EXPECT_OCTET_ERROR(F::lstm(x, {}, {}, {p[0], p[1]}), "lstm: expected 4 weight tensors");
  EXPECT_OCTET_ERROR(F::lstm(randn({4, 2, 6}, g), {}, {}, p), "w_ih must have shape [28, 6]");
  EXPECT_OCTET_ERROR(F::gru(x, {}, p), "gru: layer 0: w_hh has 28 rows, expected 3 * hidden_size = 21");
  EXPECT_OCTET_ERROR(F::lstm(x, randn({1, 3, 7}, g), {}, p), "expected h0 of shape [1, 2, 7], got [1, 3, 7]");
  EXPECT_OCTET_ERROR(F::lstm(randn({5}, g), {}, {}, p), "expected input of shape (L, H_in)");
  EXPECT_OCTET_ERROR(F::rnn(x, {}, p, "sigmoid"), "nonlinearity must be \"tanh\" or \"relu\"");
  EXPECT_OCTET_ERROR(F::lstm_cell(randn({2, 5}, g), randn({3, 7}, g), {}, p[0], p[1]),
                     "expected hx of shape [2, 7], got [3, 7]");
}

TEST(AttentionGolden, MatchesPyTorch) {
  test::GoldenFile file("attention");
  for (const auto& c : file.cases()) {
    const Tensor mask = c.has("mask") ? c.get("mask") : Tensor();
    std::optional<double> scale;
    if (!c.args.at("scale").is_null()) scale = c.args.at("scale").get<double>();
    const Tensor out =
        F::scaled_dot_product_attention(c.in(0), c.in(1), c.in(2), mask, 0.0, c.args.at("is_causal"), scale);
    test::expect_close(out, c.out(0), c.name);
  }
  EXPECT_EQ(file.cases().size(), 6u);
}

TEST(AttentionErrors, ShapesAreChecked) {
  Generator g(test::test_seed(4));
  EXPECT_OCTET_ERROR(F::scaled_dot_product_attention(randn({2, 3, 4}, g), randn({2, 5, 6}, g), randn({2, 5, 4}, g)),
                     "query and key must have the same embedding size");
  EXPECT_OCTET_ERROR(F::scaled_dot_product_attention(randn({2, 3, 4}, g), randn({2, 5, 4}, g), randn({2, 6, 4}, g)),
                     "key and value must have the same sequence length");
  EXPECT_OCTET_ERROR(F::scaled_dot_product_attention(randn({3, 4}, g), randn({5, 4}, g), randn({5, 4}, g),
                                                     ones({3, 5}, kBool), 0.0, /*is_causal=*/true),
                     "is_causal and attn_mask cannot both be set");
  EXPECT_OCTET_ERROR(F::scaled_dot_product_attention(randn({4}, g), randn({5, 4}, g), randn({5, 4}, g)),
                     "expected query, key and value of rank >= 2");
}

TEST(AttentionDropout, TrainingDropsAndRescales) {
  Generator g(test::test_seed(5));
  const Tensor q = randn({1, 8, 4}, g), k = randn({1, 8, 4}, g), v = ones({1, 8, 4});
  // With value all ones each output row is the sum of its kept, rescaled weights: 1 on average.
  Generator dg(11);
  const Tensor out = F::scaled_dot_product_attention(q, k, v, {}, 0.5, false, std::nullopt, &dg);
  double mean = 0;
  for (int64_t i = 0; i < 8; ++i) mean += out.at<float>({0, i, 0});
  mean /= 8;
  EXPECT_GT(mean, 0.3);
  EXPECT_LT(mean, 1.7);
  EXPECT_FALSE(equal(out, F::scaled_dot_product_attention(q, k, v)));
}

}  // namespace
}  // namespace octet
