// rnn_dynamic_test.cpp: DynamicLinearWeight (qint8 / float16 dynamic linears) and the dynamic RNN operators' shapes, layouts and errors.
//
// The numerics of the RNN operators are held in tests/qnn/dynamic_rnn_test.cpp and
// dynamic_rnn_cell_test.cpp (against their step-by-step definition and PyTorch's goldens); here:
// that DynamicLinearWeight is exactly the operator of its form, that layouts (batch_first,
// unbatched) are views of one computation, and every bad input is an Error with its message.
#include <gtest/gtest.h>

#include <vector>

#include "common/test_util.h"
#include "octet/octet.h"
#include "octet/quantized/dynamic_linear_weight.h"
#include "octet/quantized/rnn.h"

namespace octet {
namespace {

namespace Q = octet::quantized;
namespace F = octet::functional;

Q::DynamicRnnCellParams cell(int64_t gates, int64_t in, int64_t hidden, DType dtype, Generator& gen) {
  auto w = [&](int64_t cols) {
    const Tensor f = randn({gates * hidden, cols}, gen) * 0.3;
    return dtype == kQInt8 ? quantize_per_tensor(f, 0.01, 0, kQInt8) : f;
  };
  Q::DynamicRnnCellParams p;
  p.ih = Q::DynamicLinearWeight::prepack(w(in), randn({gates * hidden}, gen), dtype);
  p.hh = Q::DynamicLinearWeight::prepack(w(hidden), randn({gates * hidden}, gen), dtype);
  return p;
}

TEST(DynamicLinearWeight, IsTheOperatorOfItsForm) {
  Generator gen(test::test_seed(51));
  const Tensor wf = randn({6, 5}, gen), b = randn({6}, gen), x = randn({3, 5}, gen);
  const Tensor wq = quantize_per_tensor(wf, 0.02, 0, kQInt8);
  const auto i8 = Q::DynamicLinearWeight::prepack(wq, b, kQInt8);
  EXPECT_EQ(i8.dtype(), kQInt8);
  EXPECT_EQ(i8.in_features(), 5);
  EXPECT_EQ(i8.out_features(), 6);
  EXPECT_TRUE(equal(i8.apply(x, true), Q::linear_dynamic(x, i8.int8(), true)));
  EXPECT_TRUE(equal(i8.apply(x, false, true), Q::linear_relu_dynamic(x, i8.int8(), false)));
  EXPECT_TRUE(equal(i8.weight(), wq));
  EXPECT_TRUE(equal(i8.bias(), b));
  const auto h = Q::DynamicLinearWeight::prepack(wf, Tensor(), kFloat16);
  EXPECT_EQ(h.dtype(), kFloat16);
  EXPECT_TRUE(equal(h.apply(x, true), Q::linear_dynamic_fp16(x, h.fp16())));
  EXPECT_TRUE(equal(h.apply(x, true, true), Q::linear_relu_dynamic_fp16(x, h.fp16())));
  EXPECT_TRUE(equal(h.weight(), wf.to(kFloat16)));
  EXPECT_FALSE(h.bias().defined());
}

TEST(DynamicLinearWeight, Errors) {
  const Tensor wq = quantize_per_tensor(ones({2, 3}), 0.1, 0, kQInt8);
  EXPECT_OCTET_ERROR(Q::DynamicLinearWeight::prepack(wq, {}, kQUInt8, "here"),
                     "here: dynamic quantized weights are qint8 or float16, got dtype quint8");
  EXPECT_OCTET_ERROR(Q::DynamicLinearWeight::prepack(Tensor(), {}, kQInt8), "the weight is an undefined tensor");
  EXPECT_OCTET_ERROR(Q::DynamicLinearWeight::prepack(ones({2, 3}), {}, kQInt8),
                     "expected a qint8 weight for a qint8 module, got float32 (quantize it first");
  EXPECT_OCTET_ERROR(Q::DynamicLinearWeight::prepack(wq, {}, kFloat16),
                     "expected a floating-point weight for a float16 module, got qint8");
  const Q::DynamicLinearWeight none;
  EXPECT_FALSE(none.defined());
  EXPECT_OCTET_ERROR(none.apply(ones({1, 3}), true), "the weight is not set");
  EXPECT_OCTET_ERROR(none.dtype(), "the weight is not set");
}

TEST(DynamicRnnOps, LayoutsAreViewsOfOneComputation) {
  Generator gen(test::test_seed(52));
  const std::vector<Q::DynamicRnnCellParams> params = {cell(4, 5, 6, kQInt8, gen)};
  const Tensor x = randn({4, 3, 5}, gen), h0 = randn({1, 3, 6}, gen), c0 = randn({1, 3, 6}, gen);
  F::RnnArgs args;
  auto [out, hn, cn] = Q::lstm_dynamic(x, h0, c0, params, args);
  F::RnnArgs bf;
  bf.batch_first = true;
  auto [out_bf, hn_bf, cn_bf] = Q::lstm_dynamic(x.transpose(0, 1), h0, c0, params, bf);
  EXPECT_TRUE(equal(out_bf.transpose(0, 1), out));
  EXPECT_TRUE(equal(hn_bf, hn) && equal(cn_bf, cn));
  EXPECT_EQ(out.shape(), (Shape{4, 3, 6}));
  // One sequence unbatched is that sequence's batch of one (its own quantization ranges).
  auto [u, uh, uc] = Q::lstm_dynamic(x.select(1, 2), h0.select(1, 2), c0.select(1, 2), params, args);
  auto [b1, b1h, b1c] = Q::lstm_dynamic(x.narrow(1, 2, 1), h0.narrow(1, 2, 1), c0.narrow(1, 2, 1), params, args);
  EXPECT_TRUE(equal(u, b1.select(1, 0)));
  EXPECT_TRUE(equal(uh, b1h.select(1, 0)) && equal(uc, b1c.select(1, 0)));
  // Zero states are the default.
  auto [z, zh, zc] = Q::lstm_dynamic(x, zeros({1, 3, 6}), zeros({1, 3, 6}), params, args);
  EXPECT_TRUE(equal(std::get<0>(Q::lstm_dynamic(x, {}, {}, params, args)), z));
  // float16 cells run the same loop.
  const std::vector<Q::DynamicRnnCellParams> half = {cell(3, 5, 6, kFloat16, gen)};
  EXPECT_EQ(Q::gru_dynamic(x, {}, half, args).first.shape(), (Shape{4, 3, 6}));
  // An empty sequence leaves the states as they were.
  auto [e, eh, ec] = Q::lstm_dynamic(zeros({0, 3, 5}), h0, c0, params, args);
  EXPECT_EQ(e.shape(), (Shape{0, 3, 6}));
  EXPECT_TRUE(equal(eh, h0) && equal(ec, c0));
}

TEST(DynamicRnnOps, Errors) {
  Generator gen(test::test_seed(53));
  const std::vector<Q::DynamicRnnCellParams> lstm = {cell(4, 5, 6, kQInt8, gen)};
  const Tensor x = randn({4, 3, 5}, gen);
  F::RnnArgs args;
  EXPECT_OCTET_ERROR(Q::lstm_dynamic(quantize_per_tensor(x, 0.1, 0, kQUInt8), {}, {}, lstm, args),
                     "quantized_lstm: expected a floating-point input, got quint8 (the dynamic RNNs take float inputs");
  EXPECT_OCTET_ERROR(Q::lstm_dynamic(randn({5}, gen), {}, {}, lstm, args),
                     "expected input of shape (L, H_in), (L, N, H_in) or (N, L, H_in) with batch_first, got [5]");
  EXPECT_OCTET_ERROR(Q::lstm_dynamic(randn({4, 3, 4}, gen), {}, {}, lstm, args),
                     "layer 0: w_ih must have shape [24, 4], got [24, 5]");
  EXPECT_OCTET_ERROR(Q::lstm_dynamic(x, zeros({1, 2, 6}), zeros({1, 3, 6}), lstm, args),
                     "expected h0 of shape [1, 3, 6], got [1, 2, 6]");
  EXPECT_OCTET_ERROR(Q::gru_dynamic(x, {}, lstm, args), "w_hh has shape [24, 6]: expected 3 * hidden_size = 18 rows");
  F::RnnArgs bad = args;
  bad.num_layers = 0;
  EXPECT_OCTET_ERROR(Q::lstm_dynamic(x, {}, {}, lstm, bad), "num_layers must be >= 1, got 0");
  bad = args;
  bad.dropout = -0.5;
  EXPECT_OCTET_ERROR(Q::lstm_dynamic(x, {}, {}, lstm, bad), "dropout must be in [0, 1], got -0.5");
  // Mixed weight forms in one cell, and layers of different hidden sizes.
  Q::DynamicRnnCellParams mixed = lstm[0];
  mixed.hh = cell(4, 6, 6, kFloat16, gen).hh;
  EXPECT_OCTET_ERROR(Q::lstm_cell_dynamic(randn({3, 5}, gen), {}, {}, mixed), "w_ih is qint8 but w_hh is float16");
  F::RnnArgs two;
  two.num_layers = 2;
  const std::vector<Q::DynamicRnnCellParams> uneven = {cell(3, 5, 6, kQInt8, gen), cell(3, 6, 7, kQInt8, gen)};
  EXPECT_OCTET_ERROR(Q::gru_dynamic(x, {}, uneven, two), "layer 1: hidden size 7 differs from the first layer's 6");
  // The cells.
  const Q::DynamicRnnCellParams rnn = cell(1, 5, 6, kQInt8, gen);
  EXPECT_OCTET_ERROR(Q::rnn_tanh_cell_dynamic(randn({2, 3, 5}, gen), {}, rnn),
                     "quantized_rnn_tanh_cell_dynamic: expected input of shape (N, H_in) or (H_in), got [2, 3, 5]");
  EXPECT_OCTET_ERROR(Q::rnn_relu_cell_dynamic(randn({2, 5}, gen), zeros({3, 6}), rnn),
                     "quantized_rnn_relu_cell_dynamic: expected hx of shape [2, 6], got [3, 6]");
  EXPECT_OCTET_ERROR(Q::lstm_cell_dynamic(randn({2, 5}, gen), {}, zeros({2, 5}), lstm[0]),
                     "expected cx of shape [2, 6], got [2, 5]");
}

}  // namespace
}  // namespace octet
