// rnn.cpp: LSTM (with or without projections), GRU and Elman RNN layers and cells on float32, PyTorch's equations and weight layout.
#include "octet/functional/rnn.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/f32_elementwise_kernels.h"
#include "octet/error.h"
#include "octet/functional/activation.h"
#include "octet/functional/linear.h"
#include "ops/float/rnn_cell.h"

namespace octet::functional {
namespace {

enum class Kind { Lstm, Gru, RnnTanh, RnnRelu };

int64_t gates_of(Kind k) {
  switch (k) {
    case Kind::Lstm: return 4;
    case Kind::Gru: return 3;
    default: return 1;
  }
}

const char* name_of(Kind k) {
  switch (k) {
    case Kind::Lstm: return "lstm";
    case Kind::Gru: return "gru";
    case Kind::RnnTanh: return "rnn_tanh";
    default: return "rnn_relu";
  }
}

// One time step for a batch. x and hh are the input and hidden projections (biases included),
// [N, gates*H] rows; h (and c for LSTM) [N, H] are updated in place. The gate nonlinearities run
// through the vector vsigmoid / vtanh kernels (a few ulp from the C library's, see
// kernels/f32_elementwise_kernels.h): they dominate a step once the GEMMs are small.
void cell_step(Kind kind, const float* x, const float* hh, float* h, float* c, int64_t n, int64_t hidden) {
  const kernels::F32ElementwiseKernels& k = kernels::f32_elementwise_kernels();
  const int64_t g = gates_of(kind) * hidden;
  const size_t H = static_cast<size_t>(hidden);
  std::vector<float> scratch(static_cast<size_t>(g + hidden));
  float* pre = scratch.data();       // the gates' pre-activations, then their activations
  float* tmp = pre + g;              // [H]
  for (int64_t b = 0; b < n; ++b) {
    const float* xb = x + b * g;
    const float* hb = hh + b * g;
    float* hs = h + b * hidden;
    switch (kind) {
      case Kind::Lstm: {
        // i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of x + hh; c = f * c + i * g; h = o * tanh(c).
        float* cs = c + b * hidden;
        k.vadd(static_cast<size_t>(g), xb, hb, pre);
        k.vsigmoid(2 * H, pre, pre, nullptr);
        k.vtanh(H, pre + 2 * H, pre + 2 * H, nullptr);
        k.vsigmoid(H, pre + 3 * H, pre + 3 * H, nullptr);
        for (size_t j = 0; j < H; ++j) cs[j] = pre[H + j] * cs[j] + pre[j] * pre[2 * H + j];
        k.vtanh(H, cs, tmp, nullptr);
        for (size_t j = 0; j < H; ++j) hs[j] = pre[3 * H + j] * tmp[j];
        break;
      }
      case Kind::Gru:
        // r, z = sigmoid(x + hh); PyTorch: n = tanh(W_in x + b_in + r * (W_hn h + b_hn));
        // h = (1 - z) * n + z * h.
        k.vadd(2 * H, xb, hb, pre);
        k.vsigmoid(2 * H, pre, pre, nullptr);
        for (size_t j = 0; j < H; ++j) tmp[j] = xb[2 * H + j] + pre[j] * hb[2 * H + j];
        k.vtanh(H, tmp, tmp, nullptr);
        for (size_t j = 0; j < H; ++j) hs[j] = (1.0f - pre[H + j]) * tmp[j] + pre[H + j] * hs[j];
        break;
      case Kind::RnnTanh:
        k.vadd(H, xb, hb, pre);
        k.vtanh(H, pre, hs, nullptr);
        break;
      case Kind::RnnRelu:
        for (size_t j = 0; j < H; ++j) hs[j] = std::max(0.0f, xb[j] + hb[j]);
        break;
    }
  }
}

void check_float(const Tensor& t, const char* where, const char* what) {
  OCTET_CHECK(t.defined(), where, what, " is undefined");
  OCTET_CHECK(t.dtype() == kFloat32, where, "expected float32 ", what, ", got ", t.dtype());
}

// The sizes one layer's weights imply: hidden (the cell state) and out (the hidden state h and
// the layer's output per direction): proj_size with projections, else hidden.
struct LayerSizes {
  int64_t hidden;
  int64_t out;
};

// Validates one (w_ih, w_hh, b_ih, b_hh[, w_hr]) set. With projections (w_hr defined, LSTM only)
// w_hr is [proj_size, hidden] and w_hh [4 * hidden, proj_size].
LayerSizes check_weights(Kind kind, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh,
                         const Tensor& w_hr, int64_t input_size, const char* where, const std::string& which) {
  check_float(w_ih, where, "w_ih");
  check_float(w_hh, where, "w_hh");
  OCTET_CHECK(w_hh.dim() == 2, where, which, "w_hh must be 2-D [gates*hidden, hidden], got shape ",
              shape_to_string(w_hh.shape()));
  LayerSizes sizes{w_hh.size(1), w_hh.size(1)};
  if (w_hr.defined()) {
    check_float(w_hr, where, "w_hr");
    OCTET_CHECK(w_hr.dim() == 2, where, which, "w_hr must be 2-D [proj_size, hidden_size], got shape ",
                shape_to_string(w_hr.shape()));
    sizes = {w_hr.size(1), w_hr.size(0)};
    OCTET_CHECK(w_hh.size(1) == sizes.out, where, which, "w_hh has ", w_hh.size(1),
                " columns, expected proj_size = ", sizes.out, " (the rows of w_hr ", shape_to_string(w_hr.shape()), ")");
  }
  const int64_t g = gates_of(kind) * sizes.hidden;
  OCTET_CHECK(w_hh.size(0) == g, where, which, "w_hh has ", w_hh.size(0), " rows, expected ", gates_of(kind),
              " * hidden_size = ", g);
  OCTET_CHECK(w_ih.dim() == 2 && w_ih.size(0) == g && w_ih.size(1) == input_size, where, which,
              "w_ih must have shape [", g, ", ", input_size, "], got ", shape_to_string(w_ih.shape()));
  for (const Tensor* b : {&b_ih, &b_hh}) {
    if (!b->defined()) continue;
    OCTET_CHECK(b->dim() == 1 && b->size(0) == g, where, which, "biases must have shape [", g, "], got ",
                shape_to_string(b->shape()));
  }
  return sizes;
}

// (L, N, H_in) time-major contiguous view of the input; `batched` false for (L, H_in).
Tensor time_major(const Tensor& input, bool batch_first, bool& batched, const char* where) {
  check_float(input, where, "input");
  OCTET_CHECK(input.dim() == 2 || input.dim() == 3, where,
              "expected input of shape (L, H_in), (L, N, H_in) or (N, L, H_in) with batch_first, got ",
              shape_to_string(input.shape()));
  batched = input.dim() == 3;
  Tensor x = batched ? (batch_first ? input.transpose(0, 1) : input) : input.unsqueeze(1);
  return x.contiguous();
}

// Initial state for layer/direction index k as a fresh [N, H] tensor.
Tensor initial_state(const Tensor& s, int64_t k, int64_t layers_dirs, int64_t n, int64_t hidden, bool batched,
                     const char* where, const char* what) {
  if (!s.defined()) return zeros({n, hidden});
  check_float(s, where, what);
  const Shape want = batched ? Shape{layers_dirs, n, hidden} : Shape{layers_dirs, hidden};
  OCTET_CHECK(s.shape() == want, where, "expected ", what, " of shape ", shape_to_string(want), ", got ",
              shape_to_string(s.shape()));
  Tensor sk = s.select(0, k);
  return (batched ? sk : sk.unsqueeze(0)).clone();
}

struct RnnResult {
  Tensor output, h_n, c_n;
};

RnnResult run_layers(Kind kind, const Tensor& input, const Tensor& h0, const Tensor& c0,
                     const std::vector<Tensor>& params, const RnnArgs& args) {
  const char* where = name_of(kind);
  OCTET_CHECK(args.num_layers >= 1, where, "num_layers must be >= 1, got ", args.num_layers);
  OCTET_CHECK(args.dropout >= 0 && args.dropout <= 1, where, "dropout must be in [0, 1], got ", args.dropout);
  const int64_t dirs = args.bidirectional ? 2 : 1;
  const int64_t layers_dirs = args.num_layers * dirs;
  // An LSTM has projections when each layer and direction brings one more tensor, w_hr, last.
  const int64_t plain = args.has_biases ? 4 : 2;
  const int64_t count = static_cast<int64_t>(params.size());
  const bool proj = kind == Kind::Lstm && count == layers_dirs * (plain + 1);
  const int64_t per = proj ? plain + 1 : plain;
  if (kind == Kind::Lstm) {
    OCTET_CHECK(count == layers_dirs * per, where, "expected ", layers_dirs * plain, " weight tensors (num_layers ",
                args.num_layers, " x directions ", dirs, " x ", plain, "), or ", layers_dirs * (plain + 1),
                " with projections (x ", plain + 1, ": w_hr last), got ", count);
  } else {
    OCTET_CHECK(count == layers_dirs * per, where, "expected ", layers_dirs * per, " weight tensors (num_layers ",
                args.num_layers, " x directions ", dirs, " x ", per, "), got ", count);
  }
  bool batched = true;
  Tensor layer_in = time_major(input, args.batch_first, batched, where);
  const int64_t steps = layer_in.size(0), n = layer_in.size(1);

  std::vector<Tensor> h_n, c_n;
  LayerSizes sizes{0, 0};
  for (int64_t layer = 0; layer < args.num_layers; ++layer) {
    Tensor out;
    for (int64_t dir = 0; dir < dirs; ++dir) {
      const int64_t k = layer * dirs + dir;
      const size_t base = static_cast<size_t>(k * per);
      const Tensor& w_ih = params[base];
      const Tensor& w_hh = params[base + 1];
      const Tensor b_ih = args.has_biases ? params[base + 2] : Tensor();
      const Tensor b_hh = args.has_biases ? params[base + 3] : Tensor();
      const Tensor w_hr = proj ? params[base + static_cast<size_t>(per) - 1] : Tensor();
      std::string which = "layer ";
      which.append(std::to_string(layer)).append(dir ? " reverse: " : ": ");
      const LayerSizes s = check_weights(kind, w_ih, w_hh, b_ih, b_hh, w_hr, layer_in.size(2), where, which);
      OCTET_CHECK(sizes.hidden == 0 || s.hidden == sizes.hidden, where, which, "hidden size ", s.hidden,
                  " differs from the first layer's ", sizes.hidden);
      OCTET_CHECK(sizes.out == 0 || s.out == sizes.out, where, which, "proj_size ", s.out,
                  " differs from the first layer's ", sizes.out);
      sizes = s;
      const int64_t hidden = s.hidden, out_size = s.out;
      if (!out.defined()) out = zeros({steps, n, dirs * out_size});
      const int64_t g = gates_of(kind) * hidden;
      // All time steps' input projections in one GEMM.
      const Tensor xproj = linear(layer_in.reshape({steps * n, layer_in.size(2)}), w_ih, b_ih).contiguous();
      Tensor h = initial_state(h0, k, layers_dirs, n, out_size, batched, where, "h0");
      Tensor c = kind == Kind::Lstm ? initial_state(c0, k, layers_dirs, n, hidden, batched, where, "c0") : Tensor();
      // With projections the cell writes o * tanh(c) here, and h = that times w_hr^T (PyTorch's
      // hy = matmul(o * tanh(cy), w_hr.t())).
      const Tensor h_cell = proj ? zeros({n, hidden}) : Tensor();
      float* od = out.data_ptr<float>();
      for (int64_t st = 0; st < steps; ++st) {
        const int64_t t = dir == 0 ? st : steps - 1 - st;
        const Tensor hh = linear(h, w_hh, b_hh).contiguous();
        cell_step(kind, xproj.data_ptr<float>() + t * n * g, hh.data_ptr<float>(),
                  proj ? h_cell.data_ptr<float>() : h.data_ptr<float>(), c.defined() ? c.data_ptr<float>() : nullptr,
                  n, hidden);
        if (proj) h = linear(h_cell, w_hr).contiguous();
        const float* hd = h.data_ptr<float>();
        for (int64_t b = 0; b < n; ++b) {
          std::copy(hd + b * out_size, hd + (b + 1) * out_size,
                    od + (t * n + b) * dirs * out_size + dir * out_size);
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
  auto stack_states = [&](const std::vector<Tensor>& states, int64_t size) {
    Tensor s = empty({layers_dirs, n, size});
    for (int64_t k = 0; k < layers_dirs; ++k) s.select(0, k).copy_(states[static_cast<size_t>(k)]);
    return batched ? s : s.select(1, 0).contiguous();
  };
  RnnResult r;
  r.output = batched ? (args.batch_first ? layer_in.transpose(0, 1).contiguous() : layer_in)
                     : layer_in.select(1, 0).contiguous();
  r.h_n = stack_states(h_n, sizes.out);
  if (kind == Kind::Lstm) r.c_n = stack_states(c_n, sizes.hidden);
  return r;
}

// A single cell application: input (N, H_in) or (H_in).
std::pair<Tensor, Tensor> run_cell(Kind kind, const Tensor& input, const Tensor& hx, const Tensor& cx,
                                   const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  const std::string where = std::string(name_of(kind)) + "_cell";
  check_float(input, where.c_str(), "input");
  OCTET_CHECK(input.dim() == 1 || input.dim() == 2, where, "expected input of shape (N, H_in) or (H_in), got ",
              shape_to_string(input.shape()));
  const bool batched = input.dim() == 2;
  const Tensor x = batched ? input : input.unsqueeze(0);
  const int64_t hidden = check_weights(kind, w_ih, w_hh, b_ih, b_hh, Tensor(), x.size(1), where.c_str(), "").hidden;
  const int64_t n = x.size(0);
  auto state = [&](const Tensor& s, const char* what) {
    if (!s.defined()) return zeros({n, hidden});
    check_float(s, where.c_str(), what);
    const Shape want = batched ? Shape{n, hidden} : Shape{hidden};
    OCTET_CHECK(s.shape() == want, where, "expected ", what, " of shape ", shape_to_string(want), ", got ",
                shape_to_string(s.shape()));
    return (batched ? s : s.unsqueeze(0)).clone();
  };
  Tensor h = state(hx, "hx");
  Tensor c = kind == Kind::Lstm ? state(cx, "cx") : Tensor();
  const Tensor xproj = linear(x, w_ih, b_ih).contiguous();
  const Tensor hh = linear(h, w_hh, b_hh).contiguous();
  cell_step(kind, xproj.data_ptr<float>(), hh.data_ptr<float>(), h.data_ptr<float>(),
            c.defined() ? c.data_ptr<float>() : nullptr, n, hidden);
  if (!batched) {
    h = h.select(0, 0).contiguous();
    if (c.defined()) c = c.select(0, 0).contiguous();
  }
  return {h, c};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> lstm(const Tensor& input, const Tensor& h0, const Tensor& c0,
                                        const std::vector<Tensor>& params, const RnnArgs& args) {
  RnnResult r = run_layers(Kind::Lstm, input, h0, c0, params, args);
  return {r.output, r.h_n, r.c_n};
}

std::pair<Tensor, Tensor> gru(const Tensor& input, const Tensor& h0, const std::vector<Tensor>& params,
                              const RnnArgs& args) {
  RnnResult r = run_layers(Kind::Gru, input, h0, Tensor(), params, args);
  return {r.output, r.h_n};
}

std::pair<Tensor, Tensor> rnn(const Tensor& input, const Tensor& h0, const std::vector<Tensor>& params,
                              std::string_view nonlinearity, const RnnArgs& args) {
  OCTET_CHECK(nonlinearity == "tanh" || nonlinearity == "relu", "rnn", "nonlinearity must be \"tanh\" or \"relu\", got \"",
              nonlinearity, "\"");
  RnnResult r = run_layers(nonlinearity == "tanh" ? Kind::RnnTanh : Kind::RnnRelu, input, h0, Tensor(), params, args);
  return {r.output, r.h_n};
}

std::pair<Tensor, Tensor> lstm_cell(const Tensor& input, const Tensor& hx, const Tensor& cx, const Tensor& w_ih,
                                    const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  return run_cell(Kind::Lstm, input, hx, cx, w_ih, w_hh, b_ih, b_hh);
}

Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                const Tensor& b_hh) {
  return run_cell(Kind::Gru, input, hx, Tensor(), w_ih, w_hh, b_ih, b_hh).first;
}

Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
  return run_cell(Kind::RnnTanh, input, hx, Tensor(), w_ih, w_hh, b_ih, b_hh).first;
}

Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
  return run_cell(Kind::RnnRelu, input, hx, Tensor(), w_ih, w_hh, b_ih, b_hh).first;
}

}  // namespace octet::functional

// The cell step for the dynamically quantized RNNs (ops/float/rnn_cell.h), which project with
// quantized weights but share these cell equations.
namespace octet::ops {

void rnn_cell_step(RnnCellKind kind, const float* x, const float* hh, float* h, float* c, int64_t n, int64_t hidden) {
  using functional::Kind;
  const Kind k = kind == RnnCellKind::Lstm ? Kind::Lstm
                 : kind == RnnCellKind::Gru ? Kind::Gru
                 : kind == RnnCellKind::RnnTanh ? Kind::RnnTanh
                                                : Kind::RnnRelu;
  functional::cell_step(k, x, hh, h, c, n, hidden);
}

}  // namespace octet::ops
