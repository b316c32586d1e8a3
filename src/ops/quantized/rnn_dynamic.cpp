// rnn_dynamic.cpp: the dynamically quantized LSTM / GRU layers and LSTM / GRU / RNN cells: quantized projections, float cell equations.
#include "octet/quantized/rnn.h"

#include <algorithm>
#include <string>

#include "octet/error.h"
#include "octet/functional/activation.h"
#include "ops/float/rnn_cell.h"

namespace octet::quantized {
namespace {

using ops::RnnCellKind;

int64_t gates_of(RnnCellKind k) {
  switch (k) {
    case RnnCellKind::Lstm: return 4;
    case RnnCellKind::Gru: return 3;
    default: return 1;
  }
}

void check_float(const Tensor& t, const char* where, const char* what) {
  OCTET_CHECK(t.defined(), where, what, " is undefined");
  OCTET_CHECK(t.is_floating_point(), where, "expected a floating-point ", what, ", got ", t.dtype(),
              t.is_quantized() ? " (the dynamic RNNs take float inputs and quantize them themselves)" : "");
}

// Validates one layer-direction's weights against its input size; returns hidden_size.
int64_t check_cell(RnnCellKind kind, const DynamicRnnCellParams& p, int64_t input_size, const char* where,
                   const std::string& which) {
  OCTET_CHECK(p.ih.defined() && p.hh.defined(), where, which, "the weights are not set");
  const int64_t hidden = p.hh.in_features(), g = gates_of(kind) * hidden;
  OCTET_CHECK(p.hh.out_features() == g, where, which, "w_hh has shape [", p.hh.out_features(), ", ", hidden,
              "]: expected ", gates_of(kind), " * hidden_size = ", g, " rows (hidden_size = its columns)");
  OCTET_CHECK(p.ih.out_features() == g && p.ih.in_features() == input_size, where, which,
              "w_ih must have shape [", g, ", ", input_size, "], got [", p.ih.out_features(), ", ",
              p.ih.in_features(), "]");
  OCTET_CHECK(p.ih.dtype() == p.hh.dtype(), where, which, "w_ih is ", p.ih.dtype(), " but w_hh is ", p.hh.dtype());
  return hidden;
}

// Initial state k as a fresh float32 [N, H] tensor.
Tensor initial_state(const Tensor& s, int64_t k, int64_t layers_dirs, int64_t n, int64_t hidden, bool batched,
                     const char* where, const char* what) {
  if (!s.defined()) return zeros({n, hidden});
  check_float(s, where, what);
  const Shape want = batched ? Shape{layers_dirs, n, hidden} : Shape{layers_dirs, hidden};
  OCTET_CHECK(s.shape() == want, where, "expected ", what, " of shape ", shape_to_string(want), ", got ",
              shape_to_string(s.shape()));
  const Tensor sk = s.select(0, k);
  return (batched ? sk : sk.unsqueeze(0)).to(kFloat32).contiguous().clone();
}

struct Result {
  Tensor output, h_n, c_n;
};

Result run_layers(RnnCellKind kind, const Tensor& input, const Tensor& h0, const Tensor& c0,
                  const std::vector<DynamicRnnCellParams>& params, const functional::RnnArgs& args, bool reduce_range,
                  const char* where) {
  OCTET_CHECK(args.num_layers >= 1, where, "num_layers must be >= 1, got ", args.num_layers);
  OCTET_CHECK(args.dropout >= 0 && args.dropout <= 1, where, "dropout must be in [0, 1], got ", args.dropout);
  const int64_t dirs = args.bidirectional ? 2 : 1, layers_dirs = args.num_layers * dirs;
  OCTET_CHECK(static_cast<int64_t>(params.size()) == layers_dirs, where, "expected ", layers_dirs,
              " cell parameter sets (num_layers ", args.num_layers, " x directions ", dirs, "), got ", params.size());
  check_float(input, where, "input");
  OCTET_CHECK(input.dim() == 2 || input.dim() == 3, where,
              "expected input of shape (L, H_in), (L, N, H_in) or (N, L, H_in) with batch_first, got ",
              shape_to_string(input.shape()));
  const bool batched = input.dim() == 3;
  // Time-major (L, N, H_in), float32, contiguous.
  Tensor layer_in = (batched ? (args.batch_first ? input.transpose(0, 1) : input) : input.unsqueeze(1))
                        .to(kFloat32)
                        .contiguous();
  const int64_t steps = layer_in.size(0), n = layer_in.size(1);

  std::vector<Tensor> h_n, c_n;
  int64_t hidden = 0;
  for (int64_t layer = 0; layer < args.num_layers; ++layer) {
    Tensor out;
    for (int64_t dir = 0; dir < dirs; ++dir) {
      const int64_t k = layer * dirs + dir;
      const DynamicRnnCellParams& p = params[static_cast<size_t>(k)];
      std::string which = "layer ";
      which.append(std::to_string(layer)).append(dir ? " reverse: " : ": ");
      const int64_t h_size = check_cell(kind, p, layer_in.size(2), where, which);
      OCTET_CHECK(hidden == 0 || h_size == hidden, where, which, "hidden size ", h_size,
                  " differs from the first layer's ", hidden);
      hidden = h_size;
      const int64_t g = gates_of(kind) * hidden;
      if (!out.defined()) out = zeros({steps, n, dirs * hidden});
      // The whole sequence's input projection in one call: one set of activation qparams for all
      // steps, as PyTorch's FullLayer computes it.
      const Tensor xproj = p.ih.apply(layer_in.reshape({steps * n, layer_in.size(2)}), reduce_range).contiguous();
      Tensor h = initial_state(h0, k, layers_dirs, n, hidden, batched, where, "h0");
      Tensor c = kind == RnnCellKind::Lstm ? initial_state(c0, k, layers_dirs, n, hidden, batched, where, "c0")
                                           : Tensor();
      float* od = out.data_ptr<float>();
      for (int64_t st = 0; st < steps; ++st) {
        const int64_t t = dir == 0 ? st : steps - 1 - st;
        const Tensor hh = p.hh.apply(h, reduce_range).contiguous();  // h quantized afresh each step
        ops::rnn_cell_step(kind, xproj.data_ptr<float>() + t * n * g, hh.data_ptr<float>(), h.data_ptr<float>(),
                           c.defined() ? c.data_ptr<float>() : nullptr, n, hidden);
        const float* hd = h.data_ptr<float>();
        for (int64_t b = 0; b < n; ++b) {
          std::copy(hd + b * hidden, hd + (b + 1) * hidden, od + (t * n + b) * dirs * hidden + dir * hidden);
        }
      }
      h_n.push_back(h);
      if (c.defined()) c_n.push_back(c);
    }
    if (args.train && args.dropout > 0 && layer + 1 < args.num_layers) {
      out = functional::dropout(out, args.dropout, /*training=*/true, args.generator);
    }
    layer_in = out;
  }
  auto stack_states = [&](const std::vector<Tensor>& states) {
    Tensor s = empty({layers_dirs, n, hidden});
    for (int64_t k = 0; k < layers_dirs; ++k) s.select(0, k).copy_(states[static_cast<size_t>(k)]);
    return batched ? s : s.select(1, 0).contiguous();
  };
  Result r;
  r.output = batched ? (args.batch_first ? layer_in.transpose(0, 1).contiguous() : layer_in)
                     : layer_in.select(1, 0).contiguous();
  r.h_n = stack_states(h_n);
  if (kind == RnnCellKind::Lstm) r.c_n = stack_states(c_n);
  return r;
}

std::pair<Tensor, Tensor> run_cell(RnnCellKind kind, const Tensor& input, const Tensor& hx, const Tensor& cx,
                                   const DynamicRnnCellParams& p, bool reduce_range, const char* where) {
  check_float(input, where, "input");
  OCTET_CHECK(input.dim() == 1 || input.dim() == 2, where, "expected input of shape (N, H_in) or (H_in), got ",
              shape_to_string(input.shape()));
  const bool batched = input.dim() == 2;
  const Tensor x = (batched ? input : input.unsqueeze(0)).to(kFloat32).contiguous();
  const int64_t hidden = check_cell(kind, p, x.size(1), where, "");
  const int64_t n = x.size(0);
  auto state = [&](const Tensor& s, const char* what) {
    if (!s.defined()) return zeros({n, hidden});
    check_float(s, where, what);
    const Shape want = batched ? Shape{n, hidden} : Shape{hidden};
    OCTET_CHECK(s.shape() == want, where, "expected ", what, " of shape ", shape_to_string(want), ", got ",
                shape_to_string(s.shape()));
    return (batched ? s : s.unsqueeze(0)).to(kFloat32).contiguous().clone();
  };
  Tensor h = state(hx, "hx");
  Tensor c = kind == RnnCellKind::Lstm ? state(cx, "cx") : Tensor();
  const Tensor xproj = p.ih.apply(x, reduce_range).contiguous();
  const Tensor hh = p.hh.apply(h, reduce_range).contiguous();
  ops::rnn_cell_step(kind, xproj.data_ptr<float>(), hh.data_ptr<float>(), h.data_ptr<float>(),
                     c.defined() ? c.data_ptr<float>() : nullptr, n, hidden);
  if (!batched) {
    h = h.select(0, 0).contiguous();
    if (c.defined()) c = c.select(0, 0).contiguous();
  }
  return {h, c};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> lstm_dynamic(const Tensor& input, const Tensor& h0, const Tensor& c0,
                                                const std::vector<DynamicRnnCellParams>& params,
                                                const functional::RnnArgs& args, bool reduce_range) {
  Result r = run_layers(RnnCellKind::Lstm, input, h0, c0, params, args, reduce_range, "quantized_lstm");
  return {r.output, r.h_n, r.c_n};
}

std::pair<Tensor, Tensor> gru_dynamic(const Tensor& input, const Tensor& h0,
                                      const std::vector<DynamicRnnCellParams>& params,
                                      const functional::RnnArgs& args, bool reduce_range) {
  Result r = run_layers(RnnCellKind::Gru, input, h0, Tensor(), params, args, reduce_range, "quantized_gru");
  return {r.output, r.h_n};
}

std::pair<Tensor, Tensor> lstm_cell_dynamic(const Tensor& input, const Tensor& hx, const Tensor& cx,
                                            const DynamicRnnCellParams& params, bool reduce_range) {
  return run_cell(RnnCellKind::Lstm, input, hx, cx, params, reduce_range, "quantized_lstm_cell_dynamic");
}

Tensor gru_cell_dynamic(const Tensor& input, const Tensor& hx, const DynamicRnnCellParams& params,
                        bool reduce_range) {
  return run_cell(RnnCellKind::Gru, input, hx, Tensor(), params, reduce_range, "quantized_gru_cell_dynamic").first;
}

Tensor rnn_tanh_cell_dynamic(const Tensor& input, const Tensor& hx, const DynamicRnnCellParams& params,
                             bool reduce_range) {
  return run_cell(RnnCellKind::RnnTanh, input, hx, Tensor(), params, reduce_range, "quantized_rnn_tanh_cell_dynamic")
      .first;
}

Tensor rnn_relu_cell_dynamic(const Tensor& input, const Tensor& hx, const DynamicRnnCellParams& params,
                             bool reduce_range) {
  return run_cell(RnnCellKind::RnnRelu, input, hx, Tensor(), params, reduce_range, "quantized_rnn_relu_cell_dynamic")
      .first;
}

}  // namespace octet::quantized
