// embedding_test.cpp: nn::quantized::Embedding / EmbeddingBag against their operators, the float modules, PyTorch's goldens, state dicts, clones and bad inputs.
//
// What "exact" means here. Each module is its operator on the packed rows, bit for bit. A packed
// element reads back as scale * q + bias with bias = -(zero_point * scale) (PyTorch's rowwise
// format), which is not the dequantize formula (q - zero_point) * scale: the two round differently,
// by about one ulp of the row's range. So against the float module on the dequantized weight the
// 8-bit lookups agree to 1e-6 of the largest value; the 4-bit rows also keep scale and bias in
// float16 (PyTorch's format), so they are compared with the float module on
// embedding_bag_4bit_unpack of the packed rows instead, which reads the same values (1e-6 again,
// bags summing in another order). PyTorch's goldens: the converted weights bit for bit (integers,
// scales, zero points), outputs within 1e-6 of the largest (fbgemm fuses scale * q + acc in an FMA).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/nn/quantized/embedding.h"
#include "octet/octet.h"
#include "octet/quantization/qconfig.h"
#include "octet/quantized/embedding_packed.h"

namespace octet {
namespace {

namespace nnq = nn::quantized;
namespace Q = octet::quantized;
namespace F = octet::functional;
using test::relative_error;

nn::quantized::FromFloatArgs weight_args(const quantization::QConfig& qc) { return {nullptr, qc.weight}; }

std::shared_ptr<nn::Embedding> float_embedding(int64_t rows, int64_t dim, Generator& gen) {
  auto e = std::make_shared<nn::Embedding>(rows, dim);
  e->weight.copy_(randn({rows, dim}, gen));
  return e;
}

TEST(QuantizedEmbedding, EqualsItsOperatorAndTheFloatEmbedding) {
  Generator gen(test::test_seed(41));
  auto f = float_embedding(30, 10, gen);
  auto q = nnq::Embedding::from_float(*f);
  EXPECT_EQ(q->dtype(), kQUInt8);
  const Tensor idx = randint(0, 30, {4, 6}, gen, kInt64);
  const Tensor y = q->forward(idx);
  EXPECT_EQ(y.shape(), (Shape{4, 6, 10}));
  EXPECT_TRUE(equal(y, Q::embedding_byte(q->packed_params()->packed(), idx)));
  EXPECT_TRUE(equal(q->forward(idx.to(kInt32)), y));
  const double err = relative_error(y, F::embedding(idx, q->weight().dequantize()));
  std::printf("[          ] 8-bit lookup vs dequantized float: %.3g of the largest\n", err);
  EXPECT_LT(err, 1e-6);
  // The weight is the observer's quantization of the float weight.
  const Tensor w = q->weight();
  EXPECT_EQ(w.qscheme(), kPerChannelAffineFloatQParams);
  EXPECT_LT(relative_error(w.dequantize(), f->weight), 0.01);
}

TEST(QuantizedEmbeddingBag, EqualsItsOperatorAndTheFloatBag) {
  Generator gen(test::test_seed(42));
  const Tensor idx = randint(0, 25, {11}, gen, kInt64);
  const Tensor offsets = from_vector<int64_t>({0, 3, 3, 8});
  const Tensor psw = rand({11}, gen);
  for (DType dtype : {kQUInt8, kQUInt4x2}) {
    for (const std::string mode : {"sum", "mean", "max"}) {
      nn::EmbeddingBag f(25, 8, {.mode = mode});
      f.weight.copy_(randn({25, 8}, gen));
      const quantization::QConfig qc = dtype == kQUInt8 ? quantization::float_qparams_weight_only_qconfig()
                                                        : quantization::float_qparams_weight_only_qconfig_4bit();
      auto q = nnq::EmbeddingBag::from_float(f, weight_args(qc));
      EXPECT_EQ(q->dtype(), dtype);
      EXPECT_EQ(q->mode(), mode);
      const Tensor& packed = q->packed_params()->packed();
      const int64_t m = mode == "sum" ? 0 : mode == "mean" ? 1 : 2;
      const Tensor y = q->forward(idx, offsets);
      EXPECT_TRUE(equal(y, dtype == kQUInt8 ? Q::embedding_bag_byte_rowwise_offsets(packed, idx, offsets, m)
                                            : Q::embedding_bag_4bit_rowwise_offsets(packed, idx, offsets, m)));
      // The float bag over the values the packed rows hold.
      const Tensor rows = dtype == kQUInt8 ? Q::embedding_bag_byte_unpack(packed) : Q::embedding_bag_4bit_unpack(packed);
      nn::EmbeddingBag ref(25, 8, {.mode = mode});
      ref.weight.copy_(rows);
      const double err = relative_error(y, ref.forward(idx, offsets));
      std::printf("[          ] %s %s bag vs float bag on the packed values: %.3g\n", dtype_name(dtype).data(),
                  mode.c_str(), err);
      EXPECT_LT(err, 1e-6);
      if (mode == "sum") {
        EXPECT_LT(relative_error(q->forward(idx, offsets, psw), ref.forward(idx, offsets, psw)), 1e-6);
        // 2-D input: bags of equal length, no offsets.
        const Tensor idx2 = idx.narrow(0, 0, 10).reshape({2, 5});
        EXPECT_TRUE(equal(q->forward(idx2), q->forward(idx.narrow(0, 0, 10), from_vector<int64_t>({0, 5}))));
      }
    }
  }
}

TEST(QuantizedEmbedding, PyTorchGolden) {
  test::GoldenFile golden("qnn_dynamic");
  int checked = 0;
  for (const std::string op : {"embedding", "embedding_bag"}) {
    for (const test::GoldenCase& c : golden.cases_of(op)) {
      SCOPED_TRACE(c.name);
      const Tensor& w = c.get("w/weight");
      const bool four_bit = c.args.at("dtype") == "quint4x2";
      const auto args = weight_args(four_bit ? quantization::float_qparams_weight_only_qconfig_4bit()
                                             : quantization::float_qparams_weight_only_qconfig());
      Tensor y, qw;
      if (op == "embedding") {
        nn::Embedding f(w.size(0), w.size(1));
        f.weight.copy_(w);
        auto q = nnq::Embedding::from_float(f, args);
        y = q->forward(c.in(0));
        qw = q->weight();
      } else {
        nn::EmbeddingBag f(w.size(0), w.size(1),
                           {.mode = c.args.at("mode").get<std::string>(), .include_last_offset = c.args.at("include_last_offset").get<bool>()});
        f.weight.copy_(w);
        auto q = nnq::EmbeddingBag::from_float(f, args);
        y = c.has("in2") ? q->forward(c.in(0), c.in(1), c.in(2)) : q->forward(c.in(0), c.in(1));
        qw = q->weight();
      }
      EXPECT_TRUE(equal(qw.q_per_channel_scales().to(kFloat32), c.get("q/scales"))) << "scales";
      EXPECT_TRUE(equal(qw.q_per_channel_zero_points(), c.get("q/zero_points"))) << "zero points";
      EXPECT_TRUE(equal(qw.dequantize(), c.get("q/dequantized"))) << "dequantized weight";
      if (!four_bit) {
        EXPECT_TRUE(equal(qw.int_repr(), c.get("q/int_repr"))) << "integers";
      }
      const double err = relative_error(y, c.out(0));
      std::printf("[          ] %s: %.3g of the largest output from PyTorch's\n", c.name.c_str(), err);
      EXPECT_LT(err, 1e-6);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 4);
}

TEST(QuantizedEmbedding, StateDictCloneAndPrinting) {
  Generator gen(test::test_seed(43));
  const Tensor idx = randint(0, 12, {7}, gen, kInt64);
  for (DType dtype : {kQUInt8, kQUInt4x2}) {
    nn::EmbeddingBag f(12, 6, {.mode = "sum"});
    f.weight.copy_(randn({12, 6}, gen));
    const quantization::QConfig qc = dtype == kQUInt8 ? quantization::float_qparams_weight_only_qconfig()
                                                      : quantization::float_qparams_weight_only_qconfig_4bit();
    auto q = nnq::EmbeddingBag::from_float(f, weight_args(qc));
    const nn::StateDict sd = q->state_dict();
    ASSERT_EQ(sd.keys(), std::vector<std::string>{"weight"});
    EXPECT_EQ(sd.at("weight").dtype(), dtype);
    EXPECT_TRUE(equal(sd.at("weight"), q->weight()));
    nnq::EmbeddingBag fresh(12, 6, {.dtype = dtype});
    const Tensor offs = from_vector<int64_t>({0, 4});
    EXPECT_FALSE(equal(fresh.forward(idx, offs), q->forward(idx, offs)));
    fresh.load_state_dict(sd);
    EXPECT_TRUE(equal(fresh.forward(idx, offs), q->forward(idx, offs)));
    EXPECT_TRUE(equal(fresh.weight(), q->weight()));  // unpack gives back exactly what was packed
    auto copy = q->clone();
    EXPECT_TRUE(equal(copy->forward(idx, offs), q->forward(idx, offs)));
    EXPECT_EQ(copy->mode(), "sum");
  }
  auto e = nnq::Embedding::from_float(*float_embedding(10, 12, gen));
  const Tensor small = randint(0, 10, {2, 3}, gen, kInt64);
  EXPECT_TRUE(equal(e->clone()->forward(small), e->forward(small)));
  nnq::Embedding e2(10, 12);
  e2.load_state_dict(e->state_dict());
  EXPECT_TRUE(equal(e2.forward(small), e->forward(small)));

  EXPECT_EQ(e->to_string(),
            "QuantizedEmbedding(num_embeddings=10, embedding_dim=12, dtype=torch.quint8, "
            "qscheme=torch.per_channel_affine_float_qparams)");
  EXPECT_EQ(nnq::EmbeddingBag(10, 12, {.mode = "mean", .dtype = kQUInt4x2}).to_string(),
            "QuantizedEmbeddingBag(num_embeddings=10, embedding_dim=12, dtype=torch.quint4x2, "
            "qscheme=torch.per_channel_affine_float_qparams)");
  // A 4-bit observer gives a 4-bit Embedding (PyTorch's from_float keeps a quint8 module).
  auto e4 = nnq::Embedding::from_float(*float_embedding(10, 12, gen),
                                       weight_args(quantization::float_qparams_weight_only_qconfig_4bit()));
  EXPECT_EQ(e4->dtype(), kQUInt4x2);
  EXPECT_TRUE(equal(e4->forward(small), Q::embedding_4bit(e4->packed_params()->packed(), small)));
  // PyTorch's constructor weight: zeros, scale 1.
  EXPECT_TRUE(equal(nnq::Embedding(4, 2).forward(from_vector<int64_t>({3})), zeros({1, 2})));
}

TEST(QuantizedEmbedding, Errors) {
  Generator gen(test::test_seed(44));
  auto f = float_embedding(10, 6, gen);
  auto q = nnq::Embedding::from_float(*f);
  EXPECT_OCTET_ERROR(q->forward(ones({3})), "QuantizedEmbedding: expected int64 or int32 indices, got float32");
  EXPECT_OCTET_ERROR(q->forward(from_vector<int64_t>({1, 10})), "index 10 at position 1 is out of range");
  EXPECT_OCTET_ERROR(nnq::Embedding(4, 3, {.dtype = kQUInt4x2}), "a quint4x2 embedding needs an even embedding_dim");
  EXPECT_OCTET_ERROR(nnq::Embedding(4, 2, {.dtype = kQInt8}), "unsupported dtype on quantized embedding: qint8");
  EXPECT_OCTET_ERROR(nnq::Embedding::from_float(*f, weight_args(quantization::default_dynamic_qconfig())),
                     "QuantizedEmbedding.from_float: the weight observer (MinMaxObserver) uses per_tensor_symmetric; "
                     "embedding quantization is only supported with float qparams");
  EXPECT_OCTET_ERROR(q->set_weight(quantize_per_tensor(ones({10, 6}), 0.1, 0, kQUInt8)),
                     "expected a weight quantized per row with float qparams");
  EXPECT_OCTET_ERROR(q->set_weight(quantize_per_channel(ones({10, 5}), ones({10}), zeros({10}), 0, kQUInt8)),
                     "size mismatch: expected shape [10, 6], got [10, 5]");
  EXPECT_OCTET_ERROR(q->set_weight(ones({10, 6})), "expected a quint8 weight (the module's dtype), got float32");
  nn::EmbeddingBag padded(10, 6, {.padding_idx = 2});
  EXPECT_OCTET_ERROR(nnq::EmbeddingBag::from_float(padded), "padding_idx=2");
  EXPECT_OCTET_ERROR(nnq::EmbeddingBag(10, 6, {.mode = "min"}), "mode must be 'sum', 'mean' or 'max', got 'min'");
  nnq::EmbeddingBag mean(10, 6, {.mode = "mean"});
  EXPECT_OCTET_ERROR(mean.forward(from_vector<int64_t>({1, 2}), from_vector<int64_t>({0}), ones({2})),
                     "per_sample_weights are only supported for mode='sum'");
  EXPECT_OCTET_ERROR(mean.forward(from_vector<int64_t>({1, 2})), "offsets must be given for 1-D indices");
  // load_state_dict: nothing changes on an Error.
  const Tensor idx = from_vector<int64_t>({1, 2, 3});
  const Tensor before = q->forward(idx);
  nn::StateDict sd = q->state_dict();
  sd.insert_or_assign("weight", quantize_per_channel(ones({10, 6}), ones({10}), zeros({10}), 0, kQUInt4x2));
  EXPECT_OCTET_ERROR(q->load_state_dict(sd), "While copying the parameter named \"weight\"");
  EXPECT_OCTET_ERROR(q->load_state_dict(nn::StateDict()), "Missing key(s) in state_dict: \"weight\"");
  EXPECT_TRUE(equal(q->forward(idx), before));
  // The prepack operator's own checks.
  EXPECT_OCTET_ERROR(Q::embedding_bag_prepack(ones({3, 2})), "expected a quint8 or quint4x2 weight, got float32");
  EXPECT_OCTET_ERROR(Q::embedding_bag_prepack(quantize_per_channel(ones({3, 4}), ones({4}), zeros({4}), 1, kQUInt8)),
                     "along axis 1");
  EXPECT_OCTET_ERROR(Q::embedding_bag_prepack(quantize_per_channel(ones({2, 3}), ones({2}), zeros({2}), 0, kQUInt4x2)),
                     "a quint4x2 weight needs an even embedding_dim");
  EXPECT_OCTET_ERROR(
      Q::embedding_bag_prepack(quantize_per_channel(ones({2, 4}), from_vector<double>({1e6, 1}), zeros({2}), 0, kQUInt4x2)),
      "row 0: scale 1e+06 and bias -0 must fit float16");
}

}  // namespace
}  // namespace octet
