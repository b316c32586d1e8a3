// rnn_test.cpp: LSTM (with projections), GRU, RNN and their cells against PyTorch (outputs, state dict keys, reprs),
// PyTorch's initialisation, dropout between layers in training only, clones, and the errors bad
// options, inputs and states give.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "nn/act_rnn_golden_util.h"
#include "octet/octet.h"

namespace octet::nn {
namespace {

using nlohmann::json;

// Layer options from a golden case's arguments (PyTorch's keyword names and defaults).
template <typename Options>
Options layer_options(const json& a) {
  Options o;
  o.num_layers = a.value("num_layers", int64_t{1});
  o.bias = a.value("bias", true);
  o.batch_first = a.value("batch_first", false);
  o.dropout = a.value("dropout", 0.0);
  o.bidirectional = a.value("bidirectional", false);
  return o;
}

// Runs a recurrent golden case; false when the case is not a recurrent module.
bool run_recurrent_case(const test::GoldenCase& c) {
  const json& a = c.args;
  if (!a.contains("hidden_size")) return false;
  const int64_t in = a.at("input_size"), hidden = a.at("hidden_size");
  const Tensor x = c.in(0);
  const Tensor h0 = a.at("states").get<bool>() ? c.get("h0") : Tensor{};
  const Tensor c0 = c.has("c0") ? c.get("c0") : Tensor{};
  if (c.op == "LSTM") {
    LSTMOptions o = layer_options<LSTMOptions>(a);
    o.proj_size = a.value("proj_size", int64_t{0});
    LSTM m(in, hidden, o);
    test::expect_loads_and_prints_like_pytorch(m, c);
    auto [out, h_n, c_n] = m.forward(x, h0, c0);
    test::expect_close(out, c.out(0), c.name + " output");
    test::expect_close(h_n, c.out(1), c.name + " h_n");
    test::expect_close(c_n, c.out(2), c.name + " c_n");
  } else if (c.op == "GRU" || c.op == "RNN") {
    std::pair<Tensor, Tensor> result;
    if (c.op == "GRU") {
      GRU m(in, hidden, layer_options<GRUOptions>(a));
      test::expect_loads_and_prints_like_pytorch(m, c);
      result = m.forward(x, h0);
    } else {
      RNNOptions o = layer_options<RNNOptions>(a);
      o.nonlinearity = a.value("nonlinearity", "tanh");
      RNN m(in, hidden, o);
      test::expect_loads_and_prints_like_pytorch(m, c);
      result = m.forward(x, h0);
    }
    test::expect_close(result.first, c.out(0), c.name + " output");
    test::expect_close(result.second, c.out(1), c.name + " h_n");
  } else if (c.op == "LSTMCell") {
    LSTMCell m(in, hidden, {.bias = a.value("bias", true)});
    test::expect_loads_and_prints_like_pytorch(m, c);
    auto [h1, c1] = m.forward(x, h0, c0);
    test::expect_close(h1, c.out(0), c.name + " h_1");
    test::expect_close(c1, c.out(1), c.name + " c_1");
  } else if (c.op == "GRUCell") {
    GRUCell m(in, hidden, {.bias = a.value("bias", true)});
    test::expect_loads_and_prints_like_pytorch(m, c);
    test::expect_close(m.forward(x, h0), c.out(0), c.name + " h_1");
  } else if (c.op == "RNNCell") {
    RNNCell m(in, hidden, {.bias = a.value("bias", true), .nonlinearity = a.value("nonlinearity", "tanh")});
    test::expect_loads_and_prints_like_pytorch(m, c);
    test::expect_close(m.forward(x, h0), c.out(0), c.name + " h_1");
  } else {
    ADD_FAILURE() << c.name << ": unknown recurrent module " << c.op;
  }
  return true;
}

TEST(RecurrentModules, MatchPyTorch) {
  test::GoldenFile file("nn_act_rnn");
  int checked = 0;
  for (const test::GoldenCase& c : file.cases()) {
    SCOPED_TRACE(c.name);
    checked += run_recurrent_case(c) ? 1 : 0;
  }
  EXPECT_EQ(checked, 13);
}

// LSTM with projections (scripts/golden/gen_lstm_proj.py): PyTorch's state_dict loads strictly,
// keys and printing match, outputs match.
TEST(RecurrentModules, LstmWithProjectionsMatchesPyTorch) {
  test::GoldenFile file("nn_lstm_proj");
  int checked = 0;
  for (const test::GoldenCase& c : file.cases()) {
    SCOPED_TRACE(c.name);
    checked += run_recurrent_case(c) ? 1 : 0;
  }
  EXPECT_EQ(checked, 5);
}

TEST(RecurrentModules, LstmProjectionParametersAreNamedAndShapedLikePyTorch) {
  LSTM lstm(10, 20, {.num_layers = 2, .bidirectional = true, .proj_size = 5});
  const std::vector<std::string> keys = {
      "weight_ih_l0",         "weight_hh_l0",         "bias_ih_l0",         "bias_hh_l0",         "weight_hr_l0",
      "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse", "weight_hr_l0_reverse",
      "weight_ih_l1",         "weight_hh_l1",         "bias_ih_l1",         "bias_hh_l1",         "weight_hr_l1",
      "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse", "weight_hr_l1_reverse"};
  EXPECT_EQ(lstm.state_dict().keys(), keys);
  EXPECT_EQ(lstm.flat_weights_names(), keys);
  EXPECT_EQ(lstm.proj_size(), 5);
  EXPECT_EQ(lstm.get_parameter("weight_ih_l0").shape(), (Shape{80, 10}));
  EXPECT_EQ(lstm.get_parameter("weight_hh_l0").shape(), (Shape{80, 5}));
  EXPECT_EQ(lstm.get_parameter("weight_hr_l0").shape(), (Shape{5, 20}));
  EXPECT_EQ(lstm.get_parameter("weight_ih_l1_reverse").shape(), (Shape{80, 10}));  // proj_size * 2 directions
  EXPECT_EQ(LSTM(4, 8, {.bias = false, .proj_size = 3}).state_dict().keys(),
            (std::vector<std::string>{"weight_ih_l0", "weight_hh_l0", "weight_hr_l0"}));
  EXPECT_EQ(GRU(4, 8).proj_size(), 0);

  Generator gen(test::test_seed(20260307));
  const Tensor x = randn({6, 2, 10}, gen);
  auto [out, h_n, c_n] = lstm.forward(x, randn({4, 2, 5}, gen), randn({4, 2, 20}, gen));
  EXPECT_EQ(out.shape(), (Shape{6, 2, 10}));
  EXPECT_EQ(h_n.shape(), (Shape{4, 2, 5}));
  EXPECT_EQ(c_n.shape(), (Shape{4, 2, 20}));
  auto copy = lstm.clone();  // a clone carries the projections
  EXPECT_TRUE(equal(std::get<0>(copy->forward(x)), std::get<0>(lstm.forward(x))));
}

TEST(RecurrentModules, ParametersAreNamedAndShapedLikePyTorch) {
  LSTM lstm(10, 20, {.num_layers = 2, .batch_first = true, .bidirectional = true});
  const std::vector<std::string> keys = {
      "weight_ih_l0",         "weight_hh_l0",         "bias_ih_l0",         "bias_hh_l0",
      "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
      "weight_ih_l1",         "weight_hh_l1",         "bias_ih_l1",         "bias_hh_l1",
      "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"};
  EXPECT_EQ(lstm.state_dict().keys(), keys);
  EXPECT_EQ(lstm.flat_weights_names(), keys);
  EXPECT_EQ(lstm.get_parameter("weight_ih_l0").shape(), (Shape{80, 10}));
  EXPECT_EQ(lstm.get_parameter("weight_ih_l1_reverse").shape(), (Shape{80, 40}));
  EXPECT_EQ(lstm.get_parameter("weight_hh_l1").shape(), (Shape{80, 20}));
  EXPECT_EQ(lstm.get_parameter("bias_hh_l0").shape(), (Shape{80}));

  GRU gru(6, 5, {.bias = false});
  EXPECT_EQ(gru.state_dict().keys(), (std::vector<std::string>{"weight_ih_l0", "weight_hh_l0"}));
  EXPECT_EQ(gru.get_parameter("weight_ih_l0").shape(), (Shape{15, 6}));

  RNNCell cell(3, 4, {.bias = false});
  EXPECT_EQ(cell.state_dict().keys(), (std::vector<std::string>{"weight_ih", "weight_hh"}));
  EXPECT_FALSE(cell.bias_ih.defined());
  LSTMCell lcell(3, 4);
  EXPECT_EQ(lcell.state_dict().keys(), (std::vector<std::string>{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}));
  EXPECT_EQ(lcell.weight_hh.shape(), (Shape{16, 4}));
}

// Every parameter is U(-1/sqrt(hidden), 1/sqrt(hidden)): inside the bound and spread across it.
void expect_pytorch_init(const Module& m, int64_t hidden) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden));
  for (const auto& [name, p] : m.named_parameters()) {
    const Tensor v = p.contiguous();
    const float* d = v.data_ptr<float>();
    float lo = d[0], hi = d[0];
    for (int64_t i = 0; i < v.numel(); ++i) {
      lo = std::min(lo, d[i]);
      hi = std::max(hi, d[i]);
    }
    EXPECT_GE(lo, -bound) << name;
    EXPECT_LE(hi, bound) << name;
    EXPECT_GT(hi - lo, bound) << name << " is not spread over the interval";
  }
}

TEST(RecurrentModules, InitialiseLikePyTorchFromTheDefaultGenerator) {
  manual_seed(77);
  LSTM a(8, 16, {.num_layers = 2});
  expect_pytorch_init(a, 16);
  expect_pytorch_init(GRU(5, 9), 9);
  expect_pytorch_init(RNN(5, 25, {.bidirectional = true}), 25);
  expect_pytorch_init(LSTMCell(7, 12), 12);
  expect_pytorch_init(GRUCell(7, 12), 12);
  manual_seed(77);
  LSTM b(8, 16, {.num_layers = 2});
  for (const auto& [name, p] : a.named_parameters()) EXPECT_TRUE(equal(p, b.get_parameter(name))) << name;
  expect_pytorch_init(LSTM(8, 16, {.bidirectional = true, .proj_size = 7}), 16);  // the bound uses hidden_size
}

TEST(RecurrentModules, PrintLikePyTorch) {
  EXPECT_EQ(LSTM(10, 20, {.num_layers = 2, .batch_first = true, .bidirectional = true}).to_string(),
            "LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)");
  EXPECT_EQ(GRU(3, 4, {.bias = false, .dropout = 0.25}).to_string(), "GRU(3, 4, bias=False, dropout=0.25)");
  EXPECT_EQ(RNN(3, 4, {.nonlinearity = "relu"}).to_string(), "RNN(3, 4)");  // PyTorch omits it too
  EXPECT_EQ(LSTM(10, 20, {.proj_size = 5}).to_string(), "LSTM(10, 20, proj_size=5)");
  EXPECT_EQ(LSTM(10, 20, {.num_layers = 2, .bias = false, .proj_size = 5}).to_string(),
            "LSTM(10, 20, proj_size=5, num_layers=2, bias=False)");
  EXPECT_EQ(LSTMCell(3, 4).to_string(), "LSTMCell(3, 4)");
  EXPECT_EQ(GRUCell(3, 4, {.bias = false}).to_string(), "GRUCell(3, 4, bias=False)");
  EXPECT_EQ(RNNCell(3, 4, {.bias = false, .nonlinearity = "relu"}).to_string(),
            "RNNCell(3, 4, bias=False, nonlinearity=relu)");
}

TEST(RecurrentModules, DropoutBetweenLayersOnlyInTraining) {
  Generator gen(test::test_seed(20260304));
  const Tensor x = randn({6, 2, 5}, gen);
  LSTM lstm(5, 8, {.num_layers = 3, .dropout = 0.5});
  lstm.eval();
  const Tensor reference = std::get<0>(lstm.forward(x));
  EXPECT_TRUE(equal(std::get<0>(lstm.forward(x)), reference));
  lstm.train();
  manual_seed(99);
  const Tensor trained_a = std::get<0>(lstm.forward(x));
  manual_seed(99);
  const Tensor trained_b = std::get<0>(lstm.forward(x));
  EXPECT_FALSE(equal(trained_a, reference));
  EXPECT_TRUE(equal(trained_a, trained_b));  // the default generator drives the mask

  GRU gru(5, 8, {.num_layers = 2, .dropout = 0.0});
  gru.eval();
  const Tensor gru_eval = gru.forward(x).first;
  gru.train();
  EXPECT_TRUE(equal(gru.forward(x).first, gru_eval));
}

TEST(RecurrentModules, ClonesOwnTheirWeights) {
  Generator gen(test::test_seed(20260305));
  const Tensor x = randn({4, 3, 6}, gen);
  auto gru = std::make_shared<GRU>(6, 7, GRUOptions{.num_layers = 2, .bidirectional = true});
  auto copy = gru->clone();
  EXPECT_TRUE(equal(copy->forward(x).first, gru->forward(x).first));
  copy->get_parameter("weight_hh_l1_reverse").fill_(0.0);
  EXPECT_FALSE(equal(copy->forward(x).first, gru->forward(x).first));

  auto cell = std::make_shared<LSTMCell>(6, 5);
  auto cell_copy = cell->clone();
  EXPECT_NE(cell_copy->weight_ih.storage(), cell->weight_ih.storage());
  EXPECT_TRUE(equal(cell_copy->forward(x.select(0, 0)).first, cell->forward(x.select(0, 0)).first));
}

TEST(RecurrentModules, CellsWithoutStateStartFromZeros) {
  Generator gen(test::test_seed(20260306));
  const Tensor x = randn({3, 4}, gen);
  GRUCell gru(4, 5);
  EXPECT_TRUE(equal(gru.forward(x), gru.forward(x, zeros({3, 5}))));
  auto rnn = std::make_shared<RNNCell>(4, 5, RNNCellOptions{.nonlinearity = "relu"});
  Sequential seq(rnn);  // the single-tensor forward fits a Sequential
  EXPECT_TRUE(equal(seq.forward(x), rnn->forward(x, zeros({3, 5}))));
  LSTMCell lstm(4, 5);
  auto [h, c] = lstm.forward(x);
  auto [h_zero, c_zero] = lstm.forward(x, zeros({3, 5}), zeros({3, 5}));
  EXPECT_TRUE(equal(h, h_zero));
  EXPECT_TRUE(equal(c, c_zero));
}

TEST(RecurrentErrors, OptionsAreChecked) {
  EXPECT_OCTET_ERROR(LSTM(4, 8, {.proj_size = -1}),
                     "LSTM: proj_size should be a positive integer or zero to disable projections, got -1");
  EXPECT_OCTET_ERROR(LSTM(4, 8, {.proj_size = 8}),
                     "LSTM: proj_size has to be smaller than hidden_size, got proj_size=8 and hidden_size=8");
  EXPECT_OCTET_ERROR(RNN(4, 8, {.nonlinearity = "gelu"}), "RNN: unknown nonlinearity 'gelu'; select from 'tanh' or 'relu'");
  EXPECT_OCTET_ERROR(RNNCell(4, 8, {.nonlinearity = "sigmoid"}), "RNNCell: unknown nonlinearity 'sigmoid'");
  EXPECT_OCTET_ERROR(GRU(4, 0), "GRU: hidden_size must be greater than zero, got 0");
  EXPECT_OCTET_ERROR(LSTM(0, 3), "LSTM: input_size must be greater than zero, got 0");
  EXPECT_OCTET_ERROR(GRU(4, 8, {.num_layers = 0}), "GRU: num_layers must be greater than zero, got 0");
  EXPECT_OCTET_ERROR(LSTM(4, 8, {.dropout = 1.5}), "LSTM: dropout should be a number in range [0, 1]");
  EXPECT_OCTET_ERROR(GRUCell(4, -1), "GRUCell: hidden_size must be greater than zero, got -1");
}

TEST(RecurrentErrors, InputsAndStatesAreChecked) {
  LSTM lstm(10, 20, {.num_layers = 2});
  EXPECT_OCTET_ERROR(lstm.forward(zeros({5, 3, 7})),
                     "LSTM: input.size(-1) must be equal to input_size. Expected 10, got 7");
  EXPECT_OCTET_ERROR(lstm.forward(zeros({2, 5, 3, 10})), "LSTM: expected input to be 2-D (unbatched (L, H_in)) or 3-D");
  EXPECT_OCTET_ERROR(lstm.forward(zeros({5, 3, 10}, kInt64)), "LSTM: expected a float32 input, got");
  EXPECT_OCTET_ERROR(lstm.forward(Tensor{}), "LSTM: the input is undefined");
  EXPECT_OCTET_ERROR(lstm.forward(zeros({5, 3, 10}), zeros({1, 3, 20}), zeros({2, 3, 20})),
                     "LSTM: expected h0 of shape [2, 3, 20]");
  EXPECT_OCTET_ERROR(lstm.forward(zeros({5, 10}), zeros({2, 1, 20}), zeros({2, 1, 20})),
                     "LSTM: expected h0 of shape [2, 20]");
  EXPECT_OCTET_ERROR(lstm.forward(zeros({5, 3, 10}), zeros({2, 3, 20})), "LSTM: h0 and c0 must be given together");
  LSTM proj(10, 20, {.num_layers = 2, .batch_first = true, .proj_size = 6});
  EXPECT_OCTET_ERROR(proj.forward(zeros({3, 5, 10}), zeros({2, 3, 20}), zeros({2, 3, 20})),
                     "LSTM: expected h0 of shape [2, 3, 6] (num_layers * num_directions, batch, proj_size) for input of "
                     "shape [3, 5, 10], got [2, 3, 20]");
  EXPECT_OCTET_ERROR(proj.forward(zeros({3, 5, 10}), zeros({2, 3, 6}), zeros({2, 3, 6})),
                     "LSTM: expected c0 of shape [2, 3, 20] (num_layers * num_directions, batch, hidden_size)");
  EXPECT_OCTET_ERROR(proj.forward(zeros({5, 10}), zeros({2, 6}), zeros({2, 6})), "LSTM: expected c0 of shape [2, 20]");

  GRU gru(6, 5, {.batch_first = true, .bidirectional = true});
  EXPECT_OCTET_ERROR(gru.forward(zeros({4, 3, 5})), "GRU: input.size(-1) must be equal to input_size. Expected 6, got 5");
  EXPECT_OCTET_ERROR(gru.forward(zeros({4, 3, 6}), zeros({2, 3, 5})), "GRU: expected h0 of shape [2, 4, 5]");
  RNN rnn(3, 2);
  EXPECT_OCTET_ERROR(rnn.forward(zeros({3})), "RNN: expected input to be 2-D");
  EXPECT_OCTET_ERROR(rnn.forward(zeros({4, 3}), zeros({1, 2}, kFloat64)), "RNN: expected a float32 h0");

  LSTMCell lcell(4, 6);
  EXPECT_OCTET_ERROR(lcell.forward(zeros({3, 5})), "LSTMCell: input.size(-1) must be equal to input_size. Expected 4, got 5");
  EXPECT_OCTET_ERROR(lcell.forward(zeros({3, 4}), zeros({3, 6})), "LSTMCell: hx and cx must be given together");
  EXPECT_OCTET_ERROR(lcell.forward(zeros({3, 4}), zeros({2, 6}), zeros({3, 6})), "LSTMCell: expected hx of shape [3, 6]");
  GRUCell gcell(4, 6);
  EXPECT_OCTET_ERROR(gcell.forward(zeros({2, 3, 4})), "GRUCell: expected input to be 1-D (unbatched (H_in)) or 2-D");
  EXPECT_OCTET_ERROR(gcell.forward(zeros({4}), zeros({1, 6})), "GRUCell: expected hx of shape [6]");
  RNNCell rcell(4, 6);
  EXPECT_OCTET_ERROR(rcell.forward(zeros({2, 7})), "RNNCell: input.size(-1) must be equal to input_size. Expected 4, got 7");
}

}  // namespace
}  // namespace octet::nn
