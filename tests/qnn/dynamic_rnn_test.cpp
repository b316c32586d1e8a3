// dynamic_rnn_test.cpp: nn::quantized::dynamic::LSTM / GRU against their operator, a step-by-step composition, the float modules, PyTorch's goldens, state dicts, clones and bad inputs.
//
// What "exact" means here. The module equals octet::quantized::lstm_dynamic / gru_dynamic, and that
// equals, bit for bit, its definition written out with public pieces: the whole sequence's input
// projection quantized once (DynamicLinearWeight::apply), the hidden projection quantized afresh every
// step, and the float cell (functional::lstm_cell / gru_cell fed the summed gates through an identity
// weight, which adds exact zeros). Against PyTorch the cell arithmetic differs by a few ulp (sigmoid,
// tanh, GRU's update), which can move a later step's activation range and so its quantization by a
// step: the outputs are held to 1e-4 absolute (they lie in [-1, 1]) with the largest difference
// printed. Against the float LSTM with the dequantized weights the difference is the activation
// quantization noise itself (7-bit), held to 0.05.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>
#include <string>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/nn/quantized/dynamic/rnn.h"
#include "octet/octet.h"
#include "octet/quantization/qconfig.h"

namespace octet {
namespace {

namespace nnqd = nn::quantized::dynamic;
namespace Q = octet::quantized;
namespace F = octet::functional;

struct EngineGuard {
  Engine saved = get_engine();
  ~EngineGuard() { set_engine(saved); }
};

nn::quantized::FromFloatArgs weight_args(const quantization::QConfig& qc) { return {nullptr, qc.weight}; }

double max_abs_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  const Tensor d = (a - b).contiguous();
  double m = 0;
  for (int64_t i = 0; i < d.numel(); ++i) m = std::max(m, static_cast<double>(std::fabs(d.data_ptr<float>()[i])));
  return m;
}

// One LSTM layer-direction step by step from public pieces (see the file comment). x: (L, N, in).
// Returns the (L, N, hidden) outputs; h, c updated.
Tensor compose_lstm_layer(const Q::DynamicRnnCellParams& p, const Tensor& x, Tensor& h, Tensor& c, bool reverse,
                          bool reduce_range) {
  const int64_t steps = x.size(0), n = x.size(1), hidden = p.hh.in_features(), g = p.hh.out_features();
  const Tensor xproj = p.ih.apply(x.reshape({steps * n, x.size(2)}), reduce_range).reshape({steps, n, g});
  Tensor eye = zeros({g, g});
  for (int64_t i = 0; i < g; ++i) eye.set({i, i}, 1.0);
  const Tensor zero_w = zeros({g, hidden});
  Tensor out = zeros({steps, n, hidden});
  for (int64_t s = 0; s < steps; ++s) {
    const int64_t t = reverse ? steps - 1 - s : s;
    const Tensor hh = p.hh.apply(h, reduce_range);  // the hidden state quantized afresh
    // The gates through an identity w_ih (exact) and a zero w_hh: the float cell on xproj + hh.
    auto [h1, c1] = F::lstm_cell(xproj.select(0, t) + hh, h, c, eye, zero_w, {}, {});
    h = h1;
    c = c1;
    out.select(0, t).copy_(h);
  }
  return out;
}

// The whole stack, as quantized::lstm_dynamic defines it (time-major input).
std::vector<Tensor> compose_lstm(const std::vector<Q::DynamicRnnCellParams>& cells, const Tensor& x_tm,
                                 const Tensor& h0, const Tensor& c0, int64_t layers, bool bidir, bool reduce_range) {
  const int64_t dirs = bidir ? 2 : 1;
  Tensor layer_in = x_tm;
  std::vector<Tensor> hs, cs;
  for (int64_t l = 0; l < layers; ++l) {
    std::vector<Tensor> outs;
    for (int64_t d = 0; d < dirs; ++d) {
      const int64_t k = l * dirs + d;
      Tensor h = h0.select(0, k).clone(), c = c0.select(0, k).clone();
      outs.push_back(compose_lstm_layer(cells[static_cast<size_t>(k)], layer_in, h, c, d == 1, reduce_range));
      hs.push_back(h);
      cs.push_back(c);
    }
    layer_in = dirs == 1 ? outs[0] : F::cat({outs[0], outs[1]}, 2);
  }
  return {layer_in, F::stack(hs, 0), F::stack(cs, 0)};
}

std::shared_ptr<nn::LSTM> float_lstm(int64_t in, int64_t hidden, nn::LSTMOptions o, Generator& gen) {
  auto m = std::make_shared<nn::LSTM>(in, hidden, o);
  for (auto& [name, p] : m->named_parameters()) p.copy_(randn(p.shape(), gen) * 0.4);
  return m;
}

TEST(DynamicLSTM, EqualsTheOperatorAndItsDefinition) {
  EngineGuard guard;
  Generator gen(test::test_seed(21));
  auto f = float_lstm(6, 8, {.num_layers = 2, .batch_first = true, .bidirectional = true}, gen);
  auto q = nnqd::LSTM::from_float(*f);
  const Tensor x = randn({3, 5, 6}, gen) * 1.5;  // batch_first
  const Tensor h0 = randn({4, 3, 8}, gen) * 0.5, c0 = randn({4, 3, 8}, gen) * 0.5;
  for (Engine e : {Engine::X86, Engine::Ref}) {
    set_engine(e);
    const bool rr = e == Engine::X86;
    auto [out, hn, cn] = q->forward(x, h0, c0);
    F::RnnArgs args;
    args.num_layers = 2;
    args.bidirectional = true;
    args.batch_first = true;
    auto [out2, hn2, cn2] = Q::lstm_dynamic(x, h0, c0, q->all_weight_values(), args, rr);
    EXPECT_TRUE(equal(out, out2));
    EXPECT_TRUE(equal(hn, hn2));
    EXPECT_TRUE(equal(cn, cn2));
    const std::vector<Tensor> want =
        compose_lstm(q->all_weight_values(), x.transpose(0, 1).contiguous(), h0, c0, 2, true, rr);
    EXPECT_TRUE(equal(out, want[0].transpose(0, 1).contiguous())) << "output, engine " << engine_name(e);
    EXPECT_TRUE(equal(hn, want[1])) << "h_n";
    EXPECT_TRUE(equal(cn, want[2])) << "c_n";
  }
}

TEST(DynamicLSTM, AgainstTheFloatLstm) {
  Generator gen(test::test_seed(22));
  for (DType dtype : {kQInt8, kFloat16}) {
    auto f = float_lstm(10, 16, {.num_layers = 2}, gen);
    const quantization::QConfig qc =
        dtype == kQInt8 ? quantization::default_dynamic_qconfig() : quantization::float16_dynamic_qconfig();
    auto q = nnqd::LSTM::from_float(*f, weight_args(qc));
    // The float LSTM with the weights the quantized one holds.
    nn::LSTM ref(10, 16, {.num_layers = 2});
    for (const auto& [name, w] : q->get_weight()) ref.get_parameter(name).copy_(w.is_quantized() ? w.dequantize() : w);
    for (const auto& [name, b] : q->get_bias()) ref.get_parameter(name).copy_(b);
    const Tensor x = randn({7, 4, 10}, gen);
    auto [out, hn, cn] = q->forward(x);
    auto [rout, rhn, rcn] = ref.forward(x);
    const double d = max_abs_diff(out, rout);
    std::printf("[          ] %s: max |quantized - float| = %.3g (outputs in [-1, 1])\n", dtype_name(dtype).data(), d);
    EXPECT_LT(d, dtype == kQInt8 ? 0.05 : 1e-5);
    EXPECT_LT(max_abs_diff(cn, rcn), dtype == kQInt8 ? 0.1 : 1e-5);
  }
}

// PyTorch 2.15 (x86): from_float's weights bit for bit, outputs to float tolerance.
TEST(DynamicRNN, PyTorchGolden) {
  EngineGuard guard;
  set_engine(Engine::X86);
  test::GoldenFile golden("qnn_dynamic");
  int checked = 0;
  for (const std::string op : {"lstm", "gru"}) {
    for (const test::GoldenCase& c : golden.cases_of(op)) {
      SCOPED_TRACE(c.name);
      const int64_t in = c.args.at("input_size"), hidden = c.args.at("hidden_size"), layers = c.args.at("num_layers");
      const bool bidir = c.args.at("bidirectional"), batch_first = c.args.at("batch_first"),
                 states = c.args.at("states");
      const bool fp16 = c.args.at("dtype") == "float16";
      const quantization::QConfig qc =
          fp16 ? quantization::float16_dynamic_qconfig()
               : (c.name.find("_pc") != std::string::npos ? quantization::per_channel_dynamic_qconfig()
                                                          : quantization::default_dynamic_qconfig());
      nn::StateDict sd;
      for (const auto& [key, t] : *c.tensors) {
        const std::string prefix = c.name + "/w/";
        if (key.rfind(prefix, 0) == 0) sd.insert(key.substr(prefix.size()), t);
      }
      Tensor out, hn, cn;
      nn::OrderedDict<Tensor> weights;
      if (op == "lstm") {
        nn::LSTM f(in, hidden, {.num_layers = layers, .batch_first = batch_first, .bidirectional = bidir});
        f.load_state_dict(sd);
        auto q = nnqd::LSTM::from_float(f, weight_args(qc));
        std::tie(out, hn, cn) = states ? q->forward(c.in(0), c.in(1), c.in(2)) : q->forward(c.in(0));
        weights = q->get_weight();
      } else {
        nn::GRU f(in, hidden, {.num_layers = layers, .batch_first = batch_first, .bidirectional = bidir});
        f.load_state_dict(sd);
        auto q = nnqd::GRU::from_float(f, weight_args(qc));
        std::tie(out, hn) = states ? q->forward(c.in(0), c.in(1)) : q->forward(c.in(0));
        weights = q->get_weight();
      }
      if (!fp16) {
        for (const auto& [name, w] : weights) {
          EXPECT_TRUE(equal(w.int_repr(), c.get("q/" + name))) << name << " integers";
          const Tensor scales = is_per_channel(w.qscheme()) ? w.q_per_channel_scales()
                                                             : full({w.size(0)}, w.q_scale(), kFloat64);
          EXPECT_TRUE(equal(scales, c.get("q/" + name + ".scales"))) << name << " scales";
        }
      }
      double d = max_abs_diff(out, c.out(0));
      d = std::max(d, max_abs_diff(hn, c.out(1)));
      if (op == "lstm") d = std::max(d, max_abs_diff(cn, c.out(2)));
      std::printf("[          ] %s: max |Octet - PyTorch| = %.3g\n", c.name.c_str(), d);
      EXPECT_LT(d, 1e-4);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 6);
}

TEST(DynamicGRU, EqualsTheOperator) {
  EngineGuard guard;
  set_engine(Engine::X86);
  Generator gen(test::test_seed(23));
  nn::GRU f(5, 6, {.num_layers = 2, .bidirectional = true});
  auto q = nnqd::GRU::from_float(f);
  const Tensor x = randn({4, 2, 5}, gen), h0 = randn({4, 2, 6}, gen);
  auto [out, hn] = q->forward(x, h0);
  F::RnnArgs args;
  args.num_layers = 2;
  args.bidirectional = true;
  auto [out2, hn2] = Q::gru_dynamic(x, h0, q->all_weight_values(), args, true);
  EXPECT_TRUE(equal(out, out2));
  EXPECT_TRUE(equal(hn, hn2));
  // Unbatched input: the batched result of one sequence.
  auto [u_out, u_hn] = q->forward(x.select(1, 1), h0.select(1, 1));
  auto [b_out, b_hn] = q->forward(x.narrow(1, 1, 1), h0.narrow(1, 1, 1));
  EXPECT_TRUE(equal(u_out, b_out.select(1, 0)));
  EXPECT_TRUE(equal(u_hn, b_hn.select(1, 0)));
}

TEST(DynamicRNN, StateDictRoundTripAndClone) {
  Generator gen(test::test_seed(24));
  const Tensor x = randn({4, 2, 5}, gen);
  for (DType dtype : {kQInt8, kFloat16}) {
    for (bool bias : {true, false}) {
      const nnqd::RNNOptions o{.num_layers = 2, .bias = bias, .bidirectional = true, .dtype = dtype};
      nnqd::LSTM q(5, 6, o);
      const nn::StateDict sd = q.state_dict();
      EXPECT_EQ(sd.size(), bias ? 16u : 8u);
      EXPECT_EQ(sd.keys().front(), "weight_ih_l0");
      EXPECT_TRUE(sd.contains("weight_hh_l1_reverse"));
      EXPECT_EQ(sd.at("weight_ih_l1").dtype(), dtype);
      EXPECT_EQ(sd.at("weight_ih_l1").shape(), (Shape{24, 12}));
      nnqd::LSTM fresh(5, 6, o);  // other random weights
      EXPECT_FALSE(equal(std::get<0>(fresh.forward(x)), std::get<0>(q.forward(x))));
      fresh.load_state_dict(sd);
      EXPECT_TRUE(equal(std::get<0>(fresh.forward(x)), std::get<0>(q.forward(x))));
      auto copy = q.clone();
      EXPECT_TRUE(equal(std::get<1>(copy->forward(x)), std::get<1>(q.forward(x))));
      EXPECT_EQ(copy->to_string(), q.to_string());
      // set_weight_bias from get_weight / get_bias reproduces the module.
      nn::OrderedDict<Tensor> wb = q.get_weight();
      for (const auto& [k, v] : q.get_bias()) wb.insert(k, v);
      nnqd::LSTM other(5, 6, o);
      other.set_weight_bias(wb);
      EXPECT_TRUE(equal(std::get<2>(other.forward(x)), std::get<2>(q.forward(x))));
    }
  }
  nnqd::GRU g(5, 6, {.batch_first = true});
  nnqd::GRU g2(5, 6, {.batch_first = true});
  g2.load_state_dict(g.state_dict());
  EXPECT_TRUE(equal(g2.forward(x).first, g.forward(x).first));
}

TEST(DynamicRNN, PrintsLikePyTorch) {
  EXPECT_EQ(nnqd::LSTM(3, 5, {.num_layers = 2, .batch_first = true, .bidirectional = true}).to_string(),
            "DynamicQuantizedLSTM(3, 5, num_layers=2, batch_first=True, bidirectional=True)");
  EXPECT_EQ(nnqd::GRU(3, 5).to_string(), "DynamicQuantizedGRU(3, 5)");
  EXPECT_EQ(nnqd::GRU(3, 5, {.num_layers = 2, .bias = false, .dropout = 0.5, .dtype = kFloat16}).to_string(),
            "DynamicQuantizedGRU(3, 5, num_layers=2, bias=False, dropout=0.5)");
  EXPECT_FALSE(nnqd::LSTM(3, 5).is_training());  // built in eval mode, as PyTorch's
}

TEST(DynamicRNN, Errors) {
  Generator gen(test::test_seed(25));
  nnqd::LSTM q(5, 6, {.num_layers = 2});
  const Tensor x = randn({4, 2, 5}, gen);
  EXPECT_OCTET_ERROR(q.forward(quantize_per_tensor(x, 0.1, 0, kQUInt8)),
                     "DynamicQuantizedLSTM: expected a float input, got quint8");
  EXPECT_OCTET_ERROR(q.forward(randn({4, 2, 4}, gen)), "input.size(-1) must be equal to input_size. Expected 5, got 4");
  EXPECT_OCTET_ERROR(q.forward(randn({2, 4, 2, 5}, gen)), "expected input to be 2-D (unbatched (L, H_in)) or 3-D");
  EXPECT_OCTET_ERROR(q.forward(x, zeros({2, 2, 6})), "h0 and c0 must be given together");
  EXPECT_OCTET_ERROR(q.forward(x, zeros({2, 3, 6}), zeros({2, 2, 6})),
                     "expected h0 of shape [2, 2, 6] (num_layers * num_directions, batch, hidden_size)");
  EXPECT_OCTET_ERROR(q.forward(x, zeros({2, 2, 6}), quantize_per_tensor(zeros({2, 2, 6}), 0.1, 0, kQUInt8)),
                     "expected a float c0, got quint8");
  EXPECT_OCTET_ERROR(nnqd::LSTM(5, 0), "input_size and hidden_size must be >= 1");
  EXPECT_OCTET_ERROR(nnqd::LSTM(5, 6, {.num_layers = 0}), "num_layers must be >= 1");
  EXPECT_OCTET_ERROR(nnqd::GRU(5, 6, {.dropout = 1.5}), "dropout should be a number in range [0, 1]");
  EXPECT_OCTET_ERROR(nnqd::GRU(5, 6, {.dtype = kQUInt8}), "unsupported dtype for dynamic RNN quantization: quint8");
  nn::LSTM proj(5, 6, {.proj_size = 3});
  EXPECT_OCTET_ERROR(nnqd::LSTM::from_float(proj), "an LSTM with projections (proj_size=3) cannot be quantized");
  nn::LSTM f(5, 6);
  EXPECT_OCTET_ERROR(nnqd::LSTM::from_float(f, weight_args(quantization::default_quint8_weight_qconfig())),
                     "DynamicQuantizedLSTM.from_float: the only supported weight dtypes for dynamic quantization are "
                     "qint8 and float16, got quint8");
  // set_weight_bias and load_state_dict name the bad entry; nothing changes on an Error.
  const Tensor before = std::get<0>(q.forward(x));
  nn::OrderedDict<Tensor> wb = q.get_weight();
  for (const auto& [k, v] : q.get_bias()) wb.insert(k, v);
  wb.erase("bias_hh_l1");
  EXPECT_OCTET_ERROR(q.set_weight_bias(wb), "set_weight_bias: missing bias_hh_l1");
  wb.insert("bias_hh_l1", zeros({5}));
  EXPECT_OCTET_ERROR(q.set_weight_bias(wb), "\"bias_hh_l1\", an exception occurred: size mismatch");
  nn::StateDict sd = q.state_dict();
  sd.insert_or_assign("weight_ih_l1", randn({24, 6}, gen));
  EXPECT_OCTET_ERROR(q.load_state_dict(sd), "While copying the parameter named \"weight_ih_l1\"");
  sd = q.state_dict();
  sd.erase("weight_hh_l0");
  EXPECT_OCTET_ERROR(q.load_state_dict(sd), "Missing key(s) in state_dict: \"weight_hh_l0\"");
  EXPECT_TRUE(equal(std::get<0>(q.forward(x)), before));
  // The operator's own checks.
  EXPECT_OCTET_ERROR(Q::lstm_dynamic(x, {}, {}, q.all_weight_values(), F::RnnArgs{}, true),
                     "quantized_lstm: expected 1 cell parameter sets (num_layers 1 x directions 1), got 2");
  std::vector<Q::DynamicRnnCellParams> unset(1);
  EXPECT_OCTET_ERROR(Q::gru_dynamic(x, {}, unset, F::RnnArgs{}, true), "quantized_gru: layer 0: the weights are not set");
  F::RnnArgs two;
  two.num_layers = 2;
  EXPECT_OCTET_ERROR(Q::gru_dynamic(x, {}, q.all_weight_values(), two, true), "w_hh has shape [24, 6]: expected 3");
}

}  // namespace
}  // namespace octet
