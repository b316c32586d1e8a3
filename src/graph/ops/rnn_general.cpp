// rnn_general.cpp: the general recurrence of ONNX's LSTM, GRU and RNN: any activations, clip, peepholes, input_forget, linear_before_reset, per-batch sequence lengths.
//
// Per direction: the input projections of every step come from one GEMM (X W^T + biases), then
// each step multiplies the previous state by R^T (one small GEMM for the batch) and applies the
// gate equations element by element, exactly as ONNX writes them:
//   LSTM  i = f(x Wi + h Ri + Pi*c + b)   o = f(... + Po*C_t)   f = f(x Wf + h Rf + Pf*c + b)
//         c~ = g(x Wc + h Rc + b)         C_t = f*c + i*c~      H_t = o * h(C_t)
//         (input_forget: f = 1 - i)
//   GRU   z = f(x Wz + h Rz + b)   r = f(x Wr + h Rr + b)
//         h~ = g(x Wh + (r*h) Rh + Rbh + Wbh)     linear_before_reset = 0
//         h~ = g(x Wh + r*(h Rh + Rbh) + Wbh)     linear_before_reset = 1
//         H_t = (1 - z)*h~ + z*h
//   RNN   H_t = f(x Wi + h Ri + b)
// clip bounds every pre-activation to [-clip, clip]. A batch entry whose sequence is shorter
// stops there: its Y rows past the end stay 0, Y_h/Y_c keep its last state; the reverse
// direction starts at its own last step.
#include <algorithm>
#include <cmath>

#include "graph/ops/rnn_onnx.h"
#include "octet/error.h"
#include "octet/functional.h"

namespace octet::graph::ops {
namespace {

namespace F = functional;

// rows [n, k] x w[m, k]^T -> [n, m], all contiguous float32.
Tensor matmul_t(const Tensor& rows, const Tensor& w) { return F::matmul(rows, w.t()).contiguous(); }

}  // namespace

float RnnActivation::operator()(float x) const {
  if (name == "Sigmoid") return 1.0f / (1.0f + std::exp(-x));
  if (name == "Tanh") return std::tanh(x);
  if (name == "Relu") return x > 0.0f ? x : 0.0f;
  if (name == "Affine") return alpha * x + beta;
  if (name == "LeakyRelu") return x >= 0.0f ? x : alpha * x;
  if (name == "ThresholdedRelu") return x > alpha ? x : 0.0f;
  if (name == "ScaledTanh") return alpha * std::tanh(beta * x);
  if (name == "HardSigmoid") return std::clamp(alpha * x + beta, 0.0f, 1.0f);
  if (name == "Elu") return x >= 0.0f ? x : alpha * (std::exp(x) - 1.0f);
  if (name == "Softsign") return x / (1.0f + std::fabs(x));
  if (name == "Softplus") return std::log1p(std::exp(x));
  return x;  // names are validated when the problem is read
}

RnnResult run_rnn_general(const RnnProblem& p) {
  const int64_t S = p.seq, N = p.batch, H = p.hidden, G = p.gates, I = p.input_size;
  const bool lstm = p.kind == RnnKind::Lstm, gru = p.kind == RnnKind::Gru;
  RnnResult out;
  out.y = zeros({S, p.dirs, N, H});
  out.y_h = zeros({p.dirs, N, H});
  if (lstm) out.y_c = zeros({p.dirs, N, H});
  const size_t per_dir = lstm ? 3 : (gru ? 2 : 1);
  auto clip = [&](float v) { return p.clip > 0 ? std::clamp(v, -p.clip, p.clip) : v; };
  const Tensor x2 = p.x.reshape({S * N, I});

  for (int64_t d = 0; d < p.dirs; ++d) {
    const bool reverse = p.direction == "reverse" || (p.direction == "bidirectional" && d == 1);
    const RnnActivation& fa = p.activations[static_cast<size_t>(d) * per_dir];
    const RnnActivation& ga = p.activations[static_cast<size_t>(d) * per_dir + (per_dir > 1 ? 1 : 0)];
    const RnnActivation& ha = p.activations[static_cast<size_t>(d) * per_dir + (per_dir > 2 ? 2 : 0)];
    const Tensor w = p.w.select(0, d).contiguous();
    const Tensor r = p.r.select(0, d).contiguous();
    const Tensor bias = p.b.select(0, d).contiguous();
    const float* wb = bias.data_ptr<float>();
    const float* rb = wb + G * H;
    // x W^T for every step, plus the biases that always add (all but GRU's Rbh).
    Tensor xw = matmul_t(x2, w);  // [S*N, G*H]
    float* pxw = xw.data_ptr<float>();
    for (int64_t row = 0; row < S * N; ++row) {
      for (int64_t k = 0; k < G * H; ++k) {
        const bool gru_h = gru && k >= 2 * H;
        pxw[row * G * H + k] += wb[k] + (gru_h ? 0.0f : rb[k]);
      }
    }
    Tensor h = p.h0.defined() ? p.h0.select(0, d).contiguous().clone() : zeros({N, H});
    Tensor c = lstm ? (p.c0.defined() ? p.c0.select(0, d).contiguous().clone() : zeros({N, H})) : Tensor();
    float* ph = h.data_ptr<float>();
    float* pc = lstm ? c.data_ptr<float>() : nullptr;
    const float* peep = p.p.defined() ? p.p.data_ptr<float>() + d * 3 * H : nullptr;
    const Tensor r_zr = gru ? r.narrow(0, 0, 2 * H).contiguous() : Tensor();
    const Tensor r_h = gru ? r.narrow(0, 2 * H, H).contiguous() : Tensor();
    std::vector<float> hnew(static_cast<size_t>(H)), gates(static_cast<size_t>(G * H));

    for (int64_t s = 0; s < S; ++s) {
      // The recurrent projections of the whole batch for this step.
      const Tensor hr = matmul_t(h, gru ? r_zr : r);  // [N, G*H] or GRU [N, 2H]
      const float* phr = hr.data_ptr<float>();
      const int64_t hr_cols = gru ? 2 * H : G * H;
      Tensor rh_in, rh;  // GRU: (r * h) or h, times Rh^T
      std::vector<float> reset;
      if (gru) {
        reset.assign(static_cast<size_t>(N * H), 0.0f);
        for (int64_t n = 0; n < N; ++n) {
          for (int64_t j = 0; j < H; ++j) {
            const int64_t t = reverse ? (p.seq_lens.empty() ? S : p.seq_lens[static_cast<size_t>(n)]) - 1 - s : s;
            if (t < 0) continue;
            const float xr = pxw[(t * N + n) * G * H + H + j];
            reset[static_cast<size_t>(n * H + j)] = fa(clip(xr + phr[n * hr_cols + H + j]));
          }
        }
        if (p.linear_before_reset) {
          rh = matmul_t(h, r_h);
        } else {
          rh_in = h.clone();
          float* q = rh_in.data_ptr<float>();
          for (int64_t k = 0; k < N * H; ++k) q[k] *= reset[static_cast<size_t>(k)];
          rh = matmul_t(rh_in, r_h);
        }
      }
      for (int64_t n = 0; n < N; ++n) {
        const int64_t len = p.seq_lens.empty() ? S : p.seq_lens[static_cast<size_t>(n)];
        if (s >= len) continue;  // this sequence has ended: its state stays
        const int64_t t = reverse ? len - 1 - s : s;
        const float* gx = pxw + (t * N + n) * G * H;
        const float* gh = phr + n * hr_cols;
        float* hrow = ph + n * H;
        if (lstm) {
          float* crow = pc + n * H;
          for (int64_t j = 0; j < H; ++j) {
            const float cp = crow[j];
            const float pi = peep ? peep[j] : 0.0f, po = peep ? peep[H + j] : 0.0f, pf = peep ? peep[2 * H + j] : 0.0f;
            const float ig = fa(clip(gx[j] + gh[j] + pi * cp));
            const float fg = p.input_forget ? 1.0f - ig : fa(clip(gx[2 * H + j] + gh[2 * H + j] + pf * cp));
            const float cc = ga(clip(gx[3 * H + j] + gh[3 * H + j]));
            const float cn = fg * cp + ig * cc;
            const float og = fa(clip(gx[H + j] + gh[H + j] + po * cn));
            crow[j] = cn;
            hnew[static_cast<size_t>(j)] = og * ha(cn);
          }
        } else if (gru) {
          const float* prh = rh.data_ptr<float>() + n * H;
          for (int64_t j = 0; j < H; ++j) {
            const float z = fa(clip(gx[j] + gh[j]));
            const float rr = reset[static_cast<size_t>(n * H + j)];
            const float rec = p.linear_before_reset ? rr * (prh[j] + rb[2 * H + j]) : prh[j] + rb[2 * H + j];
            const float hh = ga(clip(gx[2 * H + j] + rec));
            hnew[static_cast<size_t>(j)] = (1.0f - z) * hh + z * hrow[j];
          }
        } else {
          for (int64_t j = 0; j < H; ++j) hnew[static_cast<size_t>(j)] = fa(clip(gx[j] + gh[j]));
        }
        std::copy(hnew.begin(), hnew.end(), hrow);
        float* yrow = out.y.data_ptr<float>() + ((t * p.dirs + d) * N + n) * H;
        std::copy(hnew.begin(), hnew.end(), yrow);
      }
    }
    std::copy(ph, ph + N * H, out.y_h.data_ptr<float>() + d * N * H);
    if (lstm) std::copy(pc, pc + N * H, out.y_c.data_ptr<float>() + d * N * H);
  }
  return out;
}

}  // namespace octet::graph::ops
