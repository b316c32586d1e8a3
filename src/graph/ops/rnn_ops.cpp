// rnn_ops.cpp: ONNX's LSTM, GRU and RNN: arguments, shape inference, and the fast path through functional::lstm/gru/rnn (rnn_onnx.h).
#include <algorithm>
#include <cctype>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "graph/ops/rnn_onnx.h"
#include "octet/error.h"
#include "octet/functional.h"

namespace octet::graph::ops {
namespace {

namespace F = functional;

int64_t gates_of(RnnKind kind) { return kind == RnnKind::Lstm ? 4 : (kind == RnnKind::Gru ? 3 : 1); }

// ONNX's activation names, as the spec spells them; matched without regard to case.
const char* const kActivationNames[] = {"Relu",       "Tanh",        "Sigmoid", "Affine",   "LeakyRelu", "ThresholdedRelu",
                                        "ScaledTanh", "HardSigmoid", "Elu",     "Softsign", "Softplus"};

std::string canonical_activation(const std::string& name, const KernelContext& ctx) {
  auto lower = [](std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  };
  for (const char* n : kActivationNames) {
    if (lower(n) == lower(name)) return n;
  }
  ctx.fail(detail::str_cat("unknown activation '", name,
                           "' (expected Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, "
                           "HardSigmoid, Elu, Softsign or Softplus)"));
}

// alpha/beta defaults of each function (ONNX Runtime's), and whether it takes them.
void activation_defaults(RnnActivation& a, bool* uses_alpha, bool* uses_beta) {
  *uses_alpha = *uses_beta = false;
  if (a.name == "Affine") { a.alpha = 1.0f; a.beta = 0.0f; *uses_alpha = *uses_beta = true; }
  if (a.name == "LeakyRelu") { a.alpha = 0.01f; *uses_alpha = true; }
  if (a.name == "ThresholdedRelu") { a.alpha = 1.0f; *uses_alpha = true; }
  if (a.name == "ScaledTanh") { a.alpha = 1.0f; a.beta = 1.0f; *uses_alpha = *uses_beta = true; }
  if (a.name == "HardSigmoid") { a.alpha = 0.2f; a.beta = 0.5f; *uses_alpha = *uses_beta = true; }
  if (a.name == "Elu") { a.alpha = 1.0f; *uses_alpha = true; }
}

std::vector<std::string> default_activation_names(RnnKind kind) {
  if (kind == RnnKind::Lstm) return {"Sigmoid", "Tanh", "Tanh"};
  if (kind == RnnKind::Gru) return {"Sigmoid", "Tanh"};
  return {"Tanh"};
}

Tensor float_input(const KernelContext& ctx, int64_t i, const char* what) {
  const Tensor& t = ctx.input(i);
  if (t.dtype() != kFloat32) ctx.fail(detail::str_cat(what, " must be float32, got ", t.dtype()));
  return t.contiguous();
}

void expect_shape(const KernelContext& ctx, const Tensor& t, const Shape& want, const char* what) {
  if (t.shape() != want) {
    ctx.fail(detail::str_cat(what, " must be ", shape_to_string(want), ", got ", shape_to_string(t.shape())));
  }
}

}  // namespace

RnnProblem read_rnn_problem(const KernelContext& ctx, RnnKind kind) {
  const Node& node = ctx.node();
  RnnProblem p;
  p.kind = kind;
  p.gates = gates_of(kind);
  p.direction = node.attr_string("direction", "forward");
  if (p.direction != "forward" && p.direction != "reverse" && p.direction != "bidirectional") {
    ctx.fail(detail::str_cat("direction must be forward, reverse or bidirectional, got '", p.direction, "'"));
  }
  p.dirs = p.direction == "bidirectional" ? 2 : 1;
  p.layout = ctx.opset() >= 14 ? node.attr_int("layout", 0) : 0;
  if (p.layout != 0 && p.layout != 1) ctx.fail(detail::str_cat("layout must be 0 or 1, got ", p.layout));

  Tensor x = float_input(ctx, 0, "X");
  if (x.dim() != 3) ctx.fail(detail::str_cat("X must be 3-D, got ", shape_to_string(x.shape())));
  if (p.layout == 1) x = x.transpose(0, 1).contiguous();
  p.x = x;
  p.seq = x.size(0);
  p.batch = x.size(1);
  p.input_size = x.size(2);
  p.w = float_input(ctx, 1, "W");
  p.r = float_input(ctx, 2, "R");
  if (p.r.dim() != 3) ctx.fail(detail::str_cat("R must be 3-D, got ", shape_to_string(p.r.shape())));
  p.hidden = p.r.size(2);
  const int64_t H = p.hidden, G = p.gates;
  if (node.has_attr("hidden_size") && node.attr_int("hidden_size") != H) {
    ctx.fail(detail::str_cat("hidden_size is ", node.attr_int("hidden_size"), " but R holds ", H, " hidden units"));
  }
  expect_shape(ctx, p.w, {p.dirs, G * H, p.input_size}, "W");
  expect_shape(ctx, p.r, {p.dirs, G * H, H}, "R");
  if (ctx.has_input(3)) {
    p.b = float_input(ctx, 3, "B");
    expect_shape(ctx, p.b, {p.dirs, 2 * G * H}, "B");
    p.has_b = true;
  } else {
    p.b = zeros({p.dirs, 2 * G * H});
  }
  if (ctx.has_input(4)) {
    const std::vector<int64_t> lens = tensor_to_ints(ctx.input(4), node, "sequence_lens");
    if (static_cast<int64_t>(lens.size()) != p.batch) {
      ctx.fail(detail::str_cat("sequence_lens has ", lens.size(), " entries for a batch of ", p.batch));
    }
    for (int64_t l : lens) {
      if (l < 0 || l > p.seq) ctx.fail(detail::str_cat("sequence_lens entry ", l, " is outside [0, ", p.seq, "]"));
    }
    // Every sequence full length is the same as no lengths at all.
    if (std::any_of(lens.begin(), lens.end(), [&](int64_t l) { return l != p.seq; })) p.seq_lens = lens;
  }
  auto state = [&](int64_t i, const char* what) {
    if (!ctx.has_input(i)) return Tensor();
    Tensor s = float_input(ctx, i, what);
    if (p.layout == 1) {
      expect_shape(ctx, s, {p.batch, p.dirs, H}, what);
      return s.transpose(0, 1).contiguous();
    }
    expect_shape(ctx, s, {p.dirs, p.batch, H}, what);
    return s;
  };
  p.h0 = state(5, "initial_h");
  if (kind == RnnKind::Lstm) {
    p.c0 = state(6, "initial_c");
    if (ctx.has_input(7)) {
      p.p = float_input(ctx, 7, "P");
      expect_shape(ctx, p.p, {p.dirs, 3 * H}, "P");
    }
    p.input_forget = node.attr_int("input_forget", 0) != 0;
  }
  if (kind == RnnKind::Gru) p.linear_before_reset = node.attr_int("linear_before_reset", 0) != 0;
  p.clip = node.attr_float("clip", 0.0f);
  if (node.has_attr("clip") && !(p.clip > 0.0f)) ctx.fail(detail::str_cat("clip must be > 0, got ", p.clip));

  // Activations: one list for every direction; alpha and beta are consumed in order by the
  // functions that take them.
  const std::vector<std::string> defaults = default_activation_names(kind);
  const Attribute* listed = node.find_attr("activations");
  std::vector<std::string> names = listed != nullptr ? listed->strings() : std::vector<std::string>{};
  if (names.empty()) {
    for (int64_t d = 0; d < p.dirs; ++d) names.insert(names.end(), defaults.begin(), defaults.end());
  }
  if (names.size() != defaults.size() * static_cast<size_t>(p.dirs)) {
    ctx.fail(detail::str_cat("activations lists ", names.size(), " functions, expected ",
                             defaults.size() * static_cast<size_t>(p.dirs), " (", defaults.size(), " per direction)"));
  }
  const std::vector<float> alphas = node.attr_floats("activation_alpha", {});
  const std::vector<float> betas = node.attr_floats("activation_beta", {});
  size_t ai = 0, bi = 0;
  for (size_t k = 0; k < names.size(); ++k) {
    RnnActivation a;
    a.name = canonical_activation(names[k], ctx);
    bool uses_alpha = false, uses_beta = false;
    activation_defaults(a, &uses_alpha, &uses_beta);
    if (uses_alpha && ai < alphas.size()) a.alpha = alphas[ai++];
    if (uses_beta && bi < betas.size()) a.beta = betas[bi++];
    if (a.name != defaults[k % defaults.size()]) p.default_activations = false;
    p.activations.push_back(a);
  }
  return p;
}

namespace {

// Rows of a [G*H, ...] gate stack in another gate order: block k of the result is block order[k].
Tensor reorder_gates(const Tensor& w, int64_t hidden, const std::vector<int64_t>& order) {
  std::vector<Tensor> blocks;
  for (int64_t g : order) blocks.push_back(w.narrow(0, g * hidden, hidden));
  return F::cat(blocks, 0).contiguous();
}

bool fast_path_applies(const RnnProblem& p) {
  if (p.kind == RnnKind::Rnn) {
    const std::string& f = p.activations.front().name;
    for (const RnnActivation& a : p.activations) {
      if (a.name != f || (f != "Tanh" && f != "Relu")) return false;
    }
  } else if (!p.default_activations) {
    return false;
  }
  if (p.clip > 0 || p.input_forget || !p.seq_lens.empty() || p.direction == "reverse") return false;
  if (p.kind == RnnKind::Gru && !p.linear_before_reset) return false;
  if (p.p.defined()) {
    const float* d = p.p.data_ptr<float>();
    if (std::any_of(d, d + p.p.numel(), [](float v) { return v != 0.0f; })) return false;
  }
  return true;
}

// functional::lstm/gru/rnn with the weights in PyTorch's gate order.
RnnResult run_rnn_fast(const RnnProblem& p) {
  const int64_t H = p.hidden, G = p.gates;
  // ONNX -> PyTorch gate order: LSTM (i, o, f, c) -> (i, f, c, o); GRU (z, r, h) -> (r, z, h).
  const std::vector<int64_t> order = p.kind == RnnKind::Lstm ? std::vector<int64_t>{0, 2, 3, 1}
                                     : p.kind == RnnKind::Gru ? std::vector<int64_t>{1, 0, 2}
                                                              : std::vector<int64_t>{0};
  std::vector<Tensor> params;
  for (int64_t d = 0; d < p.dirs; ++d) {
    params.push_back(reorder_gates(p.w.select(0, d), H, order));
    params.push_back(reorder_gates(p.r.select(0, d), H, order));
    if (p.has_b) {
      const Tensor b = p.b.select(0, d);
      params.push_back(reorder_gates(b.narrow(0, 0, G * H), H, order));
      params.push_back(reorder_gates(b.narrow(0, G * H, G * H), H, order));
    }
  }
  F::RnnArgs args;
  args.has_biases = p.has_b;
  args.bidirectional = p.dirs == 2;
  RnnResult out;
  Tensor y;
  if (p.kind == RnnKind::Lstm) {
    auto [o, hn, cn] = F::lstm(p.x, p.h0, p.c0, params, args);
    y = o;
    out.y_h = hn;
    out.y_c = cn;
  } else if (p.kind == RnnKind::Gru) {
    auto [o, hn] = F::gru(p.x, p.h0, params, args);
    y = o;
    out.y_h = hn;
  } else {
    auto [o, hn] = F::rnn(p.x, p.h0, params, p.activations.front().name == "Relu" ? "relu" : "tanh", args);
    y = o;
    out.y_h = hn;
  }
  // [S, N, dirs*H] -> [S, dirs, N, H].
  out.y = y.reshape({p.seq, p.batch, p.dirs, H}).permute({0, 2, 1, 3}).contiguous();
  return out;
}

std::vector<Tensor> rnn_kernel(const KernelContext& ctx, RnnKind kind) {
  const RnnProblem p = read_rnn_problem(ctx, kind);
  RnnResult r = fast_path_applies(p) ? run_rnn_fast(p) : run_rnn_general(p);
  std::vector<Tensor> out(static_cast<size_t>(ctx.num_outputs()));
  const bool batch_first = p.layout == 1;
  out[0] = batch_first ? r.y.permute({2, 0, 1, 3}).contiguous() : r.y;
  if (out.size() > 1) out[1] = batch_first ? r.y_h.transpose(0, 1).contiguous() : r.y_h.contiguous();
  if (out.size() > 2) out[2] = batch_first ? r.y_c.transpose(0, 1).contiguous() : r.y_c.contiguous();
  return out;
}

void infer_rnn(InferenceContext& ctx) {
  check_dtype_in(ctx, 0, {kFloat32});
  const Node& node = ctx.node();
  const std::string direction = node.attr_string("direction", "forward");
  const Dim dirs = direction == "bidirectional" ? Dim(2) : Dim(1);
  const int64_t layout = ctx.opset() >= 14 ? node.attr_int("layout", 0) : 0;
  Dim hidden = node.has_attr("hidden_size") ? Dim(node.attr_int("hidden_size")) : Dim();
  const TensorType& r = ctx.input_type(2);
  if (hidden.is_unknown() && r.shape && r.rank() == 3) hidden = (*r.shape)[2];
  const TensorType& x = ctx.input_type(0);
  Dim seq, batch;
  if (x.shape) {
    if (x.rank() != 3) ctx.fail(detail::str_cat("X must be 3-D, got ", x.to_string()));
    seq = (*x.shape)[layout == 0 ? 0 : 1];
    batch = (*x.shape)[layout == 0 ? 1 : 0];
  }
  const Dims y = layout == 0 ? Dims{seq, dirs, batch, hidden} : Dims{batch, seq, dirs, hidden};
  const Dims state = layout == 0 ? Dims{dirs, batch, hidden} : Dims{batch, dirs, hidden};
  ctx.set_output_type(0, TensorType(kFloat32, y));
  ctx.set_output_type(1, TensorType(kFloat32, state));
  ctx.set_output_type(2, TensorType(kFloat32, state));
}

}  // namespace

void register_rnn_ops(OpRegistry& registry) {
  registry.add(make_op("LSTM", 3, 8, infer_rnn, [](const KernelContext& ctx) { return rnn_kernel(ctx, RnnKind::Lstm); }, 0, 3));
  registry.add(make_op("GRU", 3, 6, infer_rnn, [](const KernelContext& ctx) { return rnn_kernel(ctx, RnnKind::Gru); }, 0, 2));
  registry.add(make_op("RNN", 3, 6, infer_rnn, [](const KernelContext& ctx) { return rnn_kernel(ctx, RnnKind::Rnn); }, 0, 2));
}

}  // namespace octet::graph::ops
