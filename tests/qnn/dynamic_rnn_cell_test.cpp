// dynamic_rnn_cell_test.cpp: nn::quantized::dynamic::LSTMCell / GRUCell / RNNCell against their operators and definitions, the float cells, PyTorch's goldens, state dicts, clones and bad inputs.
//
// "Exact": each cell is its quantized_*_cell_dynamic operator, and that is, bit for bit, the float
// cell (functional::*_cell) on the two dynamic projections. The GRU's new gate keeps the projections
// apart (n = tanh(x_n + r * hh_n)), so its composition passes them through identity weights that add
// exact zeros. Against PyTorch: to float tolerance (1e-4 absolute), see dynamic_rnn_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

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

Tensor eye(int64_t n) {
  Tensor e = zeros({n, n});
  for (int64_t i = 0; i < n; ++i) e.set({i, i}, 1.0);
  return e;
}

template <typename Cell>
void randomize(Cell& c, Generator& gen) {
  for (auto& [name, p] : c.named_parameters()) p.copy_(randn(p.shape(), gen) * 0.4);
}

TEST(DynamicRNNCell, EqualTheirOperatorsAndDefinitions) {
  EngineGuard guard;
  Generator gen(test::test_seed(31));
  const Tensor x = randn({3, 6}, gen) * 1.5, hx = randn({3, 8}, gen) * 0.5, cx = randn({3, 8}, gen) * 0.5;
  for (Engine e : {Engine::X86, Engine::Ref}) {
    set_engine(e);
    const bool rr = e == Engine::X86;
    {
      nn::LSTMCell f(6, 8);
      randomize(f, gen);
      auto q = nnqd::LSTMCell::from_float(f);
      const Q::DynamicRnnCellParams& p = q->packed_params();
      auto [h1, c1] = q->forward(x, hx, cx);
      auto [h2, c2] = Q::lstm_cell_dynamic(x, hx, cx, p, rr);
      EXPECT_TRUE(equal(h1, h2) && equal(c1, c2));
      const Tensor gates = p.ih.apply(x, rr) + p.hh.apply(hx, rr);
      auto [h3, c3] = F::lstm_cell(gates, hx, cx, eye(32), zeros({32, 8}), {}, {});
      EXPECT_TRUE(equal(h1, h3)) << "LSTMCell h, engine " << engine_name(e);
      EXPECT_TRUE(equal(c1, c3)) << "LSTMCell c";
    }
    {
      nn::GRUCell f(6, 8);
      randomize(f, gen);
      auto q = nnqd::GRUCell::from_float(f);
      const Q::DynamicRnnCellParams& p = q->packed_params();
      const Tensor h1 = q->forward(x, hx);
      EXPECT_TRUE(equal(h1, Q::gru_cell_dynamic(x, hx, p, rr)));
      // gru_cell(input, hx, w_ih, w_hh) projects hx with w_hh; to feed a precomputed hh, pass the
      // projections as the input of an identity w_ih and take hh from hx through a zero w_hh plus
      // its bias (b_hh = hh only works for one row): so check row by row.
      const Tensor xp = p.ih.apply(x, rr), hp = p.hh.apply(hx, rr);
      for (int64_t b = 0; b < 3; ++b) {
        const Tensor h3 = F::gru_cell(xp.select(0, b), hx.select(0, b), eye(24), zeros({24, 8}), {}, hp.select(0, b));
        EXPECT_TRUE(equal(h1.select(0, b), h3)) << "GRUCell row " << b;
      }
    }
    for (const std::string nl : {"tanh", "relu"}) {
      nn::RNNCell f(6, 8, {.nonlinearity = nl});
      randomize(f, gen);
      auto q = nnqd::RNNCell::from_float(f);
      const Q::DynamicRnnCellParams& p = q->packed_params();
      const Tensor h1 = q->forward(x, hx);
      const Tensor h2 = nl == "tanh" ? Q::rnn_tanh_cell_dynamic(x, hx, p, rr) : Q::rnn_relu_cell_dynamic(x, hx, p, rr);
      EXPECT_TRUE(equal(h1, h2));
      const Tensor pre = p.ih.apply(x, rr) + p.hh.apply(hx, rr);
      const Tensor h3 = nl == "tanh" ? F::rnn_tanh_cell(pre, hx, eye(8), zeros({8, 8}), {}, {})
                                     : F::rnn_relu_cell(pre, hx, eye(8), zeros({8, 8}), {}, {});
      EXPECT_TRUE(equal(h1, h3)) << "RNNCell " << nl;
    }
  }
}

TEST(DynamicRNNCell, AgainstTheFloatCells) {
  Generator gen(test::test_seed(32));
  const Tensor x = randn({5, 6}, gen), hx = randn({5, 8}, gen) * 0.5, cx = randn({5, 8}, gen) * 0.5;
  for (DType dtype : {kQInt8, kFloat16}) {
    const quantization::QConfig qc =
        dtype == kQInt8 ? quantization::default_dynamic_qconfig() : quantization::float16_dynamic_qconfig();
    const double tol = dtype == kQInt8 ? 0.05 : 1e-5;
    nn::LSTMCell f(6, 8);
    randomize(f, gen);
    auto q = nnqd::LSTMCell::from_float(f, weight_args(qc));
    nn::LSTMCell ref(6, 8);
    for (const auto& [name, w] : q->get_weight()) ref.get_parameter(name).copy_(w.is_quantized() ? w.dequantize() : w);
    for (const auto& [name, b] : q->get_bias()) ref.get_parameter(name).copy_(b);
    const double d = max_abs_diff(q->forward(x, hx, cx).first, ref.forward(x, hx, cx).first);
    std::printf("[          ] LSTMCell %s: max |quantized - float| = %.3g\n", dtype_name(dtype).data(), d);
    EXPECT_LT(d, tol);
    nn::GRUCell g(6, 8);
    randomize(g, gen);
    auto qg = nnqd::GRUCell::from_float(g, weight_args(qc));
    nn::GRUCell gref(6, 8);
    for (const auto& [name, w] : qg->get_weight()) gref.get_parameter(name).copy_(w.is_quantized() ? w.dequantize() : w);
    for (const auto& [name, b] : qg->get_bias()) gref.get_parameter(name).copy_(b);
    EXPECT_LT(max_abs_diff(qg->forward(x, hx), gref.forward(x, hx)), tol);
  }
}

TEST(DynamicRNNCell, PyTorchGolden) {
  EngineGuard guard;
  set_engine(Engine::X86);
  test::GoldenFile golden("qnn_dynamic");
  int checked = 0;
  for (const std::string op : {"lstm_cell", "gru_cell", "rnn_cell"}) {
    for (const test::GoldenCase& c : golden.cases_of(op)) {
      SCOPED_TRACE(c.name);
      const int64_t in = c.args.at("input_size"), hidden = c.args.at("hidden_size");
      const bool fp16 = c.args.at("dtype") == "float16";
      const auto args = weight_args(fp16 ? quantization::float16_dynamic_qconfig() : quantization::default_dynamic_qconfig());
      nn::StateDict sd;
      for (const std::string key : {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) sd.insert(key, c.get("w/" + key));
      double d = 0;
      nn::OrderedDict<Tensor> weights;
      if (op == "lstm_cell") {
        nn::LSTMCell f(in, hidden);
        f.load_state_dict(sd);
        auto q = nnqd::LSTMCell::from_float(f, args);
        auto [h1, c1] = q->forward(c.in(0), c.in(1), c.in(2));
        d = std::max(max_abs_diff(h1, c.out(0)), max_abs_diff(c1, c.out(1)));
        weights = q->get_weight();
      } else if (op == "gru_cell") {
        nn::GRUCell f(in, hidden);
        f.load_state_dict(sd);
        auto q = nnqd::GRUCell::from_float(f, args);
        d = max_abs_diff(q->forward(c.in(0), c.in(1)), c.out(0));
        weights = q->get_weight();
      } else {
        nn::RNNCell f(in, hidden, {.nonlinearity = c.args.at("nonlinearity").get<std::string>()});
        f.load_state_dict(sd);
        auto q = nnqd::RNNCell::from_float(f, args);
        d = max_abs_diff(q->forward(c.in(0), c.in(1)), c.out(0));
        weights = q->get_weight();
      }
      if (!fp16) {
        for (const auto& [name, w] : weights) {
          EXPECT_TRUE(equal(w.int_repr(), c.get("q/" + name))) << name << " integers";
          EXPECT_EQ(w.q_scale(), c.get("q/" + name + ".scales").template at<double>({0})) << name << " scale";
        }
      }
      std::printf("[          ] %s: max |Octet - PyTorch| = %.3g\n", c.name.c_str(), d);
      EXPECT_LT(d, 1e-4);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 6);
}

TEST(DynamicRNNCell, StateDictCloneAndPrinting) {
  Generator gen(test::test_seed(33));
  const Tensor x = randn({2, 4}, gen);
  for (DType dtype : {kQInt8, kFloat16}) {
    for (bool bias : {true, false}) {
      nnqd::GRUCell q(4, 5, {.bias = bias, .dtype = dtype});
      const nn::StateDict sd = q.state_dict();
      const std::vector<std::string> keys = bias ? std::vector<std::string>{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}
                                                 : std::vector<std::string>{"weight_ih", "weight_hh"};
      EXPECT_EQ(sd.keys(), keys);
      EXPECT_EQ(sd.at("weight_hh").dtype(), dtype);
      nnqd::GRUCell fresh(4, 5, {.bias = bias, .dtype = dtype});
      EXPECT_FALSE(equal(fresh.forward(x), q.forward(x)));
      fresh.load_state_dict(sd);
      EXPECT_TRUE(equal(fresh.forward(x), q.forward(x)));
      EXPECT_TRUE(equal(q.clone()->forward(x), q.forward(x)));
    }
  }
  nnqd::LSTMCell l(4, 5);
  nnqd::LSTMCell l2(4, 5);
  nn::OrderedDict<Tensor> wb = l.get_weight();
  for (const auto& [k, v] : l.get_bias()) wb.insert(k, v);
  l2.set_weight_bias(wb);
  EXPECT_TRUE(equal(l2.forward(x).second, l.forward(x).second));
  // Unbatched input and default states.
  EXPECT_TRUE(equal(l.forward(x.select(0, 1)).first, l.forward(x.narrow(0, 1, 1)).first.select(0, 0)));

  EXPECT_EQ(nnqd::LSTMCell(3, 4).to_string(), "DynamicQuantizedLSTMCell(3, 4)");
  EXPECT_EQ(nnqd::GRUCell(3, 4, {.bias = false}).to_string(), "DynamicQuantizedGRUCell(3, 4, bias=False)");
  EXPECT_EQ(nnqd::RNNCell(3, 4, {.nonlinearity = "relu"}).to_string(), "DynamicQuantizedRNNCell(3, 4, nonlinearity=relu)");
  EXPECT_EQ(nnqd::RNNCell(3, 4).to_string(), "DynamicQuantizedRNNCell(3, 4)");
}

TEST(DynamicRNNCell, Errors) {
  Generator gen(test::test_seed(34));
  nnqd::LSTMCell l(4, 5);
  EXPECT_OCTET_ERROR(l.forward(quantize_per_tensor(ones({2, 4}), 0.1, 0, kQUInt8)),
                     "DynamicQuantizedLSTMCell: expected a float input, got quint8");
  EXPECT_OCTET_ERROR(l.forward(ones({2, 3})), "input has inconsistent input_size: got 3 expected 4");
  EXPECT_OCTET_ERROR(l.forward(ones({1, 2, 4})), "expected input to be 1-D (unbatched) or 2-D");
  EXPECT_OCTET_ERROR(l.forward(ones({2, 4}), zeros({2, 5})), "hx and cx must be given together");
  EXPECT_OCTET_ERROR(l.forward(ones({2, 4}), zeros({3, 5}), zeros({2, 5})), "expected hx of shape [2, 5]");
  nnqd::GRUCell g(4, 5);
  EXPECT_OCTET_ERROR(g.forward(ones({2, 4}), zeros({2, 6})), "expected hx of shape [2, 5]");
  EXPECT_OCTET_ERROR(nnqd::RNNCell(4, 5, {.nonlinearity = "sigmoid"}), "unknown nonlinearity 'sigmoid'");
  EXPECT_OCTET_ERROR(nnqd::GRUCell(4, 5, {.dtype = kQInt32}), "unsupported dtype for dynamic RNN quantization");
  nn::GRUCell f(4, 5);
  EXPECT_OCTET_ERROR(nnqd::GRUCell::from_float(f, weight_args(quantization::float_qparams_weight_only_qconfig())),
                     "DynamicQuantizedGRUCell.from_float: the only supported weight dtypes");
  nn::OrderedDict<Tensor> wb = g.get_weight();
  EXPECT_OCTET_ERROR(g.set_weight_bias(wb), "set_weight_bias: missing bias_ih");
  for (const auto& [k, v] : g.get_bias()) wb.insert(k, v);
  wb.insert_or_assign("weight_ih", randn({15, 4}, gen));
  EXPECT_OCTET_ERROR(g.set_weight_bias(wb), "\"weight_ih\", an exception occurred: expected a qint8 tensor");
  nn::StateDict sd = g.state_dict();
  sd.insert("weight_xx", zeros({1}));
  EXPECT_OCTET_ERROR(g.load_state_dict(sd), "Unexpected key(s) in state_dict: \"weight_xx\"");
  EXPECT_OCTET_ERROR(Q::gru_cell_dynamic(ones({2, 4}), {}, l.packed_params(), true),
                     "w_hh has shape [20, 5]: expected 3 * hidden_size = 15 rows");
}

}  // namespace
}  // namespace octet
