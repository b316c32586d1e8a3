// onnx_ops_test.cpp: the operators added for ONNX import: LSTM/GRU/RNN (fast path = general recurrence), Resize (functional::interpolate = direct), Pad, and their error messages.
#include <gtest/gtest.h>

#include "common/test_util.h"
#include "graph/graph_test_util.h"
#include "octet/graph/interpreter.h"

namespace octet::graph {
namespace {

using test::one_node_graph;
using test::relative_error;

std::vector<Tensor> run_op(const std::string& op, const std::vector<Tensor>& inputs, std::vector<NamedAttribute> attrs,
                           int64_t outputs = 1, int64_t opset = 17) {
  return run_graph(one_node_graph(op, inputs, std::move(attrs), outputs, opset, /*as_initializers=*/false),
                   [&] {
                     std::vector<Tensor> fed;
                     for (const Tensor& t : inputs) {
                       if (t.defined()) fed.push_back(t);
                     }
                     return fed;
                   }());
}

Tensor scaled(const Tensor& t) { return functional::mul(t, 0.3); }

float abs_max(const Tensor& t) {
  const Tensor c = t.contiguous();
  float m = 0;
  for (int64_t i = 0; i < c.numel(); ++i) m = std::max(m, std::fabs(c.data_ptr<float>()[i]));
  return m;
}

// --- recurrent operators ---------------------------------------------------------------------------

struct RnnCase {
  const char* op;
  int64_t gates;
  int64_t outputs;
};

const RnnCase kRnnCases[] = {{"LSTM", 4, 3}, {"GRU", 3, 2}, {"RNN", 1, 2}};

// X, W, R, B, sequence_lens (absent), initial_h, [initial_c]: random, seeded.
std::vector<Tensor> rnn_inputs(const RnnCase& c, int64_t dirs, bool batch_first, Generator& gen) {
  const int64_t S = 5, N = 3, I = 4, H = 6;
  std::vector<Tensor> in = {randn(batch_first ? Shape{N, S, I} : Shape{S, N, I}, gen),
                            scaled(randn({dirs, c.gates * H, I}, gen)), scaled(randn({dirs, c.gates * H, H}, gen)),
                            scaled(randn({dirs, 2 * c.gates * H}, gen)), Tensor(),
                            randn(batch_first ? Shape{N, dirs, H} : Shape{dirs, N, H}, gen)};
  if (std::string(c.op) == "LSTM") in.push_back(randn(batch_first ? Shape{N, dirs, H} : Shape{dirs, N, H}, gen));
  return in;
}

TEST(OnnxRnnOps, FastPathEqualsTheGeneralRecurrence) {
  Generator gen(octet::test::test_seed(11));
  for (const RnnCase& c : kRnnCases) {
    for (const char* direction : {"forward", "bidirectional"}) {
      for (int64_t layout : {0, 1}) {
        const int64_t dirs = std::string(direction) == "bidirectional" ? 2 : 1;
        const std::vector<Tensor> in = rnn_inputs(c, dirs, layout == 1, gen);
        std::vector<NamedAttribute> attrs = {{"direction", direction}, {"layout", layout}, {"hidden_size", 6}};
        if (std::string(c.op) == "GRU") attrs.push_back({"linear_before_reset", 1});
        const std::vector<Tensor> fast = run_op(c.op, in, attrs, c.outputs, 14);
        // A clip no value reaches changes nothing but takes the general path.
        attrs.push_back({"clip", 1e30f});
        const std::vector<Tensor> general = run_op(c.op, in, attrs, c.outputs, 14);
        ASSERT_EQ(fast.size(), general.size());
        for (size_t k = 0; k < fast.size(); ++k) {
          EXPECT_LE(relative_error(general[k], fast[k]), 1e-5) << c.op << " " << direction << " layout " << layout << " output " << k;
        }
      }
    }
  }
}

TEST(OnnxRnnOps, ShorterSequencesStopAndLeaveZeros) {
  Generator gen(octet::test::test_seed(12));
  for (const RnnCase& c : kRnnCases) {
    std::vector<Tensor> in = rnn_inputs(c, 2, false, gen);
    in[4] = from_vector(std::vector<int64_t>{5, 2, 0});
    const std::vector<Tensor> out = run_op(c.op, in, {{"direction", "bidirectional"}}, c.outputs);
    const Tensor& y = out[0];  // [S, dirs, N, H]
    for (int64_t t = 2; t < 5; ++t) EXPECT_EQ(abs_max(y.select(0, t).select(1, 1)), 0.0f) << c.op << " t " << t;
    for (int64_t t = 0; t < 5; ++t) EXPECT_EQ(abs_max(y.select(0, t).select(1, 2)), 0.0f) << c.op;
    // Forward: Y_h is Y at the sequence's last step; reverse: at step 0.
    EXPECT_TRUE(equal(out[1][0][1].contiguous(), y[1][0][1].contiguous())) << c.op;
    EXPECT_TRUE(equal(out[1][1][1].contiguous(), y[0][1][1].contiguous())) << c.op;
    // An empty sequence keeps its initial state.
    EXPECT_TRUE(equal(out[1][0][2].contiguous(), in[5][0][2].contiguous())) << c.op;
  }
}

TEST(OnnxRnnOps, ReverseIsTheSecondDirectionOfBidirectional) {
  Generator gen(octet::test::test_seed(13));
  for (const RnnCase& c : kRnnCases) {
    const std::vector<Tensor> both = rnn_inputs(c, 2, false, gen);
    std::vector<Tensor> rev = both;
    for (size_t i : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{6}}) {
      if (i < rev.size() && rev[i].defined()) rev[i] = rev[i].narrow(0, 1, 1).contiguous();
    }
    const std::vector<Tensor> b = run_op(c.op, both, {{"direction", "bidirectional"}}, c.outputs);
    const std::vector<Tensor> r = run_op(c.op, rev, {{"direction", "reverse"}}, c.outputs);
    EXPECT_LE(relative_error(b[0].narrow(1, 1, 1).contiguous(), r[0]), 1e-5) << c.op;
    EXPECT_LE(relative_error(b[1].narrow(0, 1, 1).contiguous(), r[1]), 1e-5) << c.op;
  }
}

TEST(OnnxRnnOps, Errors) {
  Generator gen(octet::test::test_seed(14));
  const std::vector<Tensor> in = rnn_inputs(kRnnCases[0], 1, false, gen);
  EXPECT_OCTET_ERROR(run_op("LSTM", in, {{"direction", "sideways"}}, 3),
                     "direction must be forward, reverse or bidirectional, got 'sideways'");
  EXPECT_OCTET_ERROR(run_op("LSTM", in, {{"direction", "bidirectional"}}, 3), "W must be [2, 24, 4], got [1, 24, 4]");
  EXPECT_OCTET_ERROR(run_op("LSTM", in, {{"hidden_size", 7}}, 3), "hidden_size is 7 but R holds 6 hidden units");
  EXPECT_OCTET_ERROR(run_op("LSTM", in, {{"activations", {"Sigmoid", "Tanh"}}}, 3),
                     "activations lists 2 functions, expected 3 (3 per direction)");
  EXPECT_OCTET_ERROR(run_op("LSTM", in, {{"activations", {"Sigmoid", "Tanh", "Swish"}}}, 3), "unknown activation 'Swish'");
  EXPECT_OCTET_ERROR(run_op("LSTM", in, {{"clip", -1.0f}}, 3), "clip must be > 0, got -1");
  std::vector<Tensor> lens = in;
  lens[4] = from_vector(std::vector<int64_t>{5, 6, 1});
  EXPECT_OCTET_ERROR(run_op("LSTM", lens, {}, 3), "sequence_lens entry 6 is outside [0, 5]");
  lens[4] = from_vector(std::vector<int64_t>{5, 5});
  EXPECT_OCTET_ERROR(run_op("LSTM", lens, {}, 3), "sequence_lens has 2 entries for a batch of 3");
  EXPECT_OCTET_ERROR(run_op("LSTM", in, {{"layout", 2}}, 3, 14), "layout must be 0 or 1, got 2");
  std::vector<Tensor> ints = in;
  ints[0] = ints[0].to(kFloat64);
  EXPECT_OCTET_ERROR(run_op("LSTM", ints, {}, 3), "node 'LSTM_0' (LSTM): input 0 must be one of float32; got float64");
}

// --- Resize -----------------------------------------------------------------------------------------

TEST(OnnxResizeOps, FunctionalPathEqualsTheDirectOne) {
  Generator gen(octet::test::test_seed(21));
  const Tensor x = randn({2, 3, 7, 5}, gen);
  const Tensor roi;  // absent
  const Tensor scales = from_vector(std::vector<float>{1, 1, 1.7f, 0.6f});
  const Tensor sizes = from_vector(std::vector<int64_t>{2, 3, 11, 4});
  for (const char* coord : {"half_pixel", "pytorch_half_pixel", "align_corners"}) {
    for (bool by_sizes : {false, true}) {
      std::vector<Tensor> in = {x, from_vector(std::vector<float>{}), by_sizes ? Tensor() : scales,
                                by_sizes ? sizes : Tensor()};
      if (by_sizes) in[2] = from_vector(std::vector<float>{});
      std::vector<NamedAttribute> attrs = {{"mode", "linear"}, {"coordinate_transformation_mode", coord}};
      const Tensor fast = run_op("Resize", in, attrs)[0];
      // exclude_outside changes only cubic weights, and sends linear down the direct path.
      attrs.push_back({"exclude_outside", 1});
      const Tensor direct = run_op("Resize", in, attrs)[0];
      EXPECT_EQ(fast.shape(), direct.shape()) << coord;
      EXPECT_LE(relative_error(direct, fast), 1e-5) << coord << (by_sizes ? " sizes" : " scales");
    }
  }
}

TEST(OnnxResizeOps, NearestResizesAnyAxis) {
  // Nearest on the batch and channel axes too, as ONNX allows: [2, 1] -> [4, 3].
  const Tensor x = from_vector(std::vector<float>{1, 2}, {2, 1});
  const Tensor y = run_op("Resize", {x, Tensor(), from_vector(std::vector<float>{2, 3})},
                          {{"mode", "nearest"}, {"coordinate_transformation_mode", "asymmetric"}, {"nearest_mode", "floor"}})[0];
  EXPECT_TRUE(equal(y, from_vector(std::vector<float>{1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2}, {4, 3})));
}

TEST(OnnxResizeOps, Errors) {
  const Tensor x = ones({1, 1, 2, 2});
  const Tensor empty_f = from_vector(std::vector<float>{});
  const Tensor scales = from_vector(std::vector<float>{1, 1, 2, 2});
  const Tensor sizes = from_vector(std::vector<int64_t>{1, 1, 4, 4});
  EXPECT_OCTET_ERROR(run_op("Resize", {x, empty_f, scales, sizes}, {}),
                     "exactly one of the inputs scales and sizes must be given");
  EXPECT_OCTET_ERROR(run_op("Resize", {x, empty_f, from_vector(std::vector<float>{2, 2})}, {}),
                     "scales has 2 values for an input of rank 4");
  EXPECT_OCTET_ERROR(run_op("Resize", {x, empty_f, from_vector(std::vector<float>{1, 1, 0, 2})}, {}),
                     "scales must be > 0, got 0");
  EXPECT_OCTET_ERROR(run_op("Resize", {x, empty_f, scales}, {{"mode", "area"}}), "mode must be nearest, linear or cubic");
  EXPECT_OCTET_ERROR(run_op("Resize", {x, empty_f, scales}, {{"coordinate_transformation_mode", "middle"}}),
                     "unknown coordinate_transformation_mode 'middle'");
  EXPECT_OCTET_ERROR(run_op("Resize", {x, empty_f, scales}, {{"nearest_mode", "up"}}), "unknown nearest_mode 'up'");
  EXPECT_OCTET_ERROR(run_op("Resize", {x, empty_f, scales}, {{"coordinate_transformation_mode", "tf_crop_and_resize"}}),
                     "tf_crop_and_resize needs the roi input");
  EXPECT_OCTET_ERROR(run_op("Resize", {x.to(kFloat64), empty_f, scales}, {}), "input 0 must be one of float32; got float64");
}

// --- Pad -------------------------------------------------------------------------------------------------

Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, const char* mode, const Tensor& value = {}) {
  return run_op("Pad", {x, from_vector(pads), value}, {{"mode", mode}})[0];
}

TEST(OnnxPadOps, ModesAsNumpy) {
  const Tensor x = from_vector(std::vector<float>{1, 2, 3});
  EXPECT_TRUE(equal(pad(x, {4, 4}, "reflect"), from_vector(std::vector<float>{1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3})));
  EXPECT_TRUE(equal(pad(x, {2, 1}, "edge"), from_vector(std::vector<float>{1, 1, 1, 2, 3, 3})));
  EXPECT_TRUE(equal(pad(x, {1, -1}, "constant", full({}, 9.0)), from_vector(std::vector<float>{9, 1, 2})));
  const Tensor m = from_vector(std::vector<int64_t>{1, 2, 3, 4}, {2, 2});
  EXPECT_TRUE(equal(pad(m, {1, 0, 0, 2}, "reflect"), from_vector(std::vector<int64_t>{3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4}, {3, 4})));
  EXPECT_TRUE(equal(pad(m, {0, 1, 0, 0}, "constant"), from_vector(std::vector<int64_t>{0, 1, 2, 0, 3, 4}, {2, 3})));
  const Tensor one = from_vector(std::vector<float>{5});
  EXPECT_TRUE(equal(pad(one, {2, 1}, "reflect"), from_vector(std::vector<float>{5, 5, 5, 5})));
}

TEST(OnnxPadOps, Errors) {
  const Tensor x = from_vector(std::vector<float>{1, 2, 3});
  EXPECT_OCTET_ERROR(pad(x, {1}, "constant"), "pads has 1 values for an input of rank 1 (expected 2)");
  EXPECT_OCTET_ERROR(pad(x, {1, 1}, "wrap"), "mode must be constant, reflect or edge, got 'wrap'");
  EXPECT_OCTET_ERROR(pad(x, {-2, -2}, "constant"), "pads crop axis 0 of size 3 below zero");
  EXPECT_OCTET_ERROR(pad(zeros({0}), {1, 1}, "edge"), "mode edge cannot pad the empty axis 0");
  EXPECT_OCTET_ERROR(pad(x, {1, 1}, "constant", full({}, 1.0, kFloat64)),
                     "constant_value must have the input's dtype float32, got float64");
}

}  // namespace
}  // namespace octet::graph

namespace octet::graph {
namespace {

// --- the other operators added for ONNX: errors name the node and the problem ---------------------

TEST(OnnxMoreOps, Errors) {
  const Tensor x4 = ones({1, 4, 2, 2});
  EXPECT_OCTET_ERROR(run_op("ConvTranspose", {x4, ones({3, 2, 3, 3})}, {}),
                     "input channels 4 must equal the weight's first dim 3 and divide by group 1");
  EXPECT_OCTET_ERROR(run_op("ConvTranspose", {x4, ones({4, 2, 3, 3})}, {{"auto_pad", "MIDDLE"}}),
                     "auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got 'MIDDLE'");
  EXPECT_OCTET_ERROR(run_op("ConvTranspose", {x4, ones({4, 2, 3, 3})}, {{"pads", {3, 3, 3, 3}}}),
                     "the output size of spatial dim 0 would be -2");
  EXPECT_OCTET_ERROR(run_op("Tile", {x4, from_vector(std::vector<int64_t>{2, 2})}, {}),
                     "repeats has 2 values for an input of rank 4");
  EXPECT_OCTET_ERROR(run_op("DepthToSpace", {ones({1, 3, 2, 2})}, {{"blocksize", 2}}),
                     "channels 3 must divide by blocksize^2 = 4");
  EXPECT_OCTET_ERROR(run_op("SpaceToDepth", {ones({1, 1, 3, 2})}, {{"blocksize", 2}}),
                     "height 3 and width 2 must divide by blocksize 2");
  EXPECT_OCTET_ERROR(run_op("CumSum", {x4, from_vector(std::vector<int64_t>{4})}, {}), "axis 4 is out of range for rank 4");
  EXPECT_OCTET_ERROR(run_op("Mod", {ones({2}), ones({2})}, {}), "fmod must be 1 for floating-point inputs");
  EXPECT_OCTET_ERROR(run_op("Mod", {ones({2}, kInt32), zeros({2}, kInt32)}, {}), "integer division by zero");
  EXPECT_OCTET_ERROR(run_op("Max", {ones({2}), ones({3})}, {}), "shapes [2] and [3] do not broadcast");
  EXPECT_OCTET_ERROR(run_op("GatherElements", {ones({2, 2}), full({2, 2}, 2.0, kInt64)}, {}),
                     "index 2 is out of range for axis 0 of size 2");
  EXPECT_OCTET_ERROR(run_op("ArgMax", {zeros({2, 0})}, {{"axis", 1}}), "axis 1 is empty");
  EXPECT_OCTET_ERROR(run_op("InstanceNormalization", {x4, ones({3}), ones({4})}, {}),
                     "scale and B must hold 4 values, got 3 and 4");
  EXPECT_OCTET_ERROR(run_op("Trilu", {ones({3})}, {}), "input must have at least 2 dims, got 1");
  EXPECT_OCTET_ERROR(run_op("ReduceL2", {x4}, {{"axes", {1, 1}}}), "axis 1 is listed twice");
  EXPECT_OCTET_ERROR(run_op("And", {ones({2}), ones({2})}, {}), "input 0 must be one of bool; got float32");
  EXPECT_OCTET_ERROR(run_op("Celu", {ones({2})}, {{"alpha", 0.0f}}), "alpha must not be 0");
}

// Expand's output rank is known from the length of its shape input, even when the values are not.
TEST(OnnxMoreOps, ExpandRankFromTheShapeLength) {
  Builder b("expand");
  Value* x = b.input("x", kFloat32, {"N", 1, 4});
  Value* s = b.input("s", kInt64, {3});
  b.output(b.add_node("Expand", {x, s}), "y");
  Graph g = b.finish();
  infer_shapes(g);
  EXPECT_EQ(g.find_value("y")->type().to_string(), "float32[?, ?, 4]");
}

}  // namespace
}  // namespace octet::graph
