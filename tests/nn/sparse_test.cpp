// sparse_test.cpp: nn::Embedding and EmbeddingBag against PyTorch goldens (padding_idx, max_norm
// renormalisation, pretrained weights, offsets, per-sample weights), initialisation and errors.
#include <gtest/gtest.h>

#include "common/test_util.h"
#include "nn/layer_golden.h"
#include "octet/octet.h"

namespace octet::nn {
namespace {

using test::LayerCase;

// forward(in0, in1 = offsets, in2 = per_sample_weights), whichever the case has.
LayerCase make_bag(int64_t num, int64_t dim, EmbeddingBagOptions o = {}) {
  return {[=] { return std::make_shared<EmbeddingBag>(num, dim, o); },
          [](Module& m, const test::GoldenCase& c) {
            auto& bag = dynamic_cast<EmbeddingBag&>(m);
            if (!c.has("in1")) return std::vector<Tensor>{bag.forward(c.in(0))};
            return std::vector<Tensor>{bag.forward(c.in(0), c.in(1), c.has("in2") ? c.in(2) : Tensor())};
          }};
}

TEST(NnSparse, MatchesPyTorchGoldens) {
  test::run_layer_goldens(
      {"Embedding", "EmbeddingBag"},
      {
          {"emb_padding", {[] { return std::make_shared<Embedding>(11, 5, EmbeddingOptions{.padding_idx = 0}); }}},
          // max_norm renormalises the looked-up rows of weight in place; the "after" state checks it.
          {"emb_max_norm", {[] { return std::make_shared<Embedding>(9, 4, EmbeddingOptions{.max_norm = 1.0}); }}},
          {"emb_pretrained",
           {[] { return Embedding::from_pretrained(zeros({6, 3}), {.padding_idx = 1}); }}},
          {"embbag_mean", make_bag(10, 4)},
          {"embbag_sum_weights", make_bag(10, 4, {.mode = "sum"})},
          {"embbag_max_2d", make_bag(10, 4, {.mode = "max"})},
          {"embbag_last_offset_padding", make_bag(10, 3, {.include_last_offset = true, .padding_idx = 2})},
      });
}

TEST(NnSparse, DefaultInitIsStandardNormalWithPaddingRowZeroed) {
  manual_seed(test::test_seed(31));
  Embedding emb(1000, 64, {.padding_idx = -1});
  EXPECT_EQ(emb.options().padding_idx, 999);
  EXPECT_TRUE(equal(emb.weight.select(0, 999), zeros({64})));
  const Tensor w = emb.weight.to(kFloat64);
  double sum = 0, sq = 0;
  for (int64_t i = 0; i < w.numel(); ++i) {
    sum += w.data_ptr<double>()[i];
    sq += w.data_ptr<double>()[i] * w.data_ptr<double>()[i];
  }
  const double n = static_cast<double>(w.numel() - 64);
  EXPECT_NEAR(sum / n, 0.0, 0.02);
  EXPECT_NEAR(sq / n, 1.0, 0.03);
  EXPECT_EQ(emb.to_string(), "Embedding(1000, 64, padding_idx=999)");
  EmbeddingBag bag(10, 3, {.padding_idx = 2});
  EXPECT_TRUE(equal(bag.weight.select(0, 2), zeros({3})));
  EXPECT_EQ(bag.state_dict().keys(), (std::vector<std::string>{"weight"}));
}

TEST(NnSparse, PretrainedSharesTheWeightAndFreezes) {
  Generator g(test::test_seed(32));
  const Tensor w = randn({5, 2}, g);
  auto emb = Embedding::from_pretrained(w);
  EXPECT_EQ(emb->weight.storage(), w.storage());
  EXPECT_FALSE(emb->parameter_requires_grad("weight"));
  Embedding trainable(w, {.freeze = false, .max_norm = 2.0, .norm_type = 1.0, .sparse = true});
  EXPECT_TRUE(trainable.parameter_requires_grad("weight"));
  EXPECT_EQ(trainable.to_string(), "Embedding(5, 2, max_norm=2.0, norm_type=1.0, sparse=True)");
  auto bag = EmbeddingBag::from_pretrained(w, {.mode = "max"});
  EXPECT_EQ(bag->to_string(), "EmbeddingBag(5, 2, mode='max')");
  const Tensor idx = from_vector<int64_t>({1, 4, 0, 3}, {2, 2});
  const Tensor out = bag->forward(idx);
  EXPECT_EQ(out.shape(), (Shape{2, 2}));
  EXPECT_EQ(out.at<float>({0, 0}), std::max(w.at<float>({1, 0}), w.at<float>({4, 0})));
  auto copy = emb->clone();
  EXPECT_NE(copy->weight.storage(), w.storage());
  EXPECT_TRUE(equal(copy->forward(idx), emb->forward(idx)));
}

TEST(NnSparse, Errors) {
  EXPECT_OCTET_ERROR(Embedding(5, 3, {.padding_idx = 5}), "Embedding: padding_idx must be within num_embeddings (5), got 5");
  EXPECT_OCTET_ERROR(EmbeddingBag(5, 3, {.padding_idx = -6}), "EmbeddingBag: padding_idx must be within num_embeddings (5), got -6");
  EXPECT_OCTET_ERROR(EmbeddingBag(5, 3, {.mode = "min"}), "EmbeddingBag: mode must be one of 'sum', 'mean' or 'max', got 'min'");
  EXPECT_OCTET_ERROR(Embedding(zeros({5}), {}), "Embedding: embeddings are expected to be 2-dimensional, got shape [5]");
  EXPECT_OCTET_ERROR(Embedding(zeros({5, 2}, kFloat64), {}), "Embedding: embeddings must be float32, got float64");
  Embedding emb(5, 3);
  EXPECT_OCTET_ERROR(emb.forward(zeros({2, 2})), "Embedding: expected int64 or int32 indices, got float32");
  EXPECT_OCTET_ERROR(emb.forward(from_vector<int64_t>({1, 5})), "5");
  EmbeddingBag bag(5, 3);
  const Tensor flat = from_vector<int64_t>({1, 2, 3});
  EXPECT_OCTET_ERROR(bag.forward(flat), "EmbeddingBag: a 1-D input needs offsets (the start of each bag)");
  EXPECT_OCTET_ERROR(bag.forward(from_vector<int64_t>({1, 2}, {1, 2}), from_vector<int64_t>({0})),
                     "EmbeddingBag: offsets must be absent for a 2-D input");
  EXPECT_OCTET_ERROR(bag.forward(flat, from_vector<float>({0.0f})), "EmbeddingBag: expected int64 or int32 offsets, got float32");
  EXPECT_OCTET_ERROR(bag.forward(zeros({1, 2, 2}, kInt64)), "EmbeddingBag: expected a 1-D (with offsets) or 2-D (B bags) input");
}

// scale_grad_by_freq and sparse reach F::embedding / F::embedding_bag: the same rows come out, and a
// "max" bag rejects them as PyTorch's F.embedding_bag does (when forward runs, not at construction).
TEST(NnSparse, GradientOnlyFlagsReachTheFunctionalOps) {
  Generator gen(test::test_seed(20260410));
  const Tensor w = randn({7, 4}, gen);
  const Tensor idx = from_vector<int64_t>({6, 0, 2, 2, 5}, {5});
  const Tensor offsets = from_vector<int64_t>({0, 2});
  Embedding plain(w.clone());
  Embedding flagged(w.clone(), {.scale_grad_by_freq = true, .sparse = true});
  EXPECT_TRUE(equal(flagged.forward(idx), plain.forward(idx)));
  EmbeddingBag plain_bag(w.clone(), {.mode = "sum"});
  EmbeddingBag flagged_bag(w.clone(), {.scale_grad_by_freq = true, .mode = "sum", .sparse = true});
  EXPECT_TRUE(equal(flagged_bag.forward(idx, offsets), plain_bag.forward(idx, offsets)));
  EmbeddingBag max_sparse(w.clone(), {.mode = "max", .sparse = true});
  EXPECT_OCTET_ERROR(max_sparse.forward(idx, offsets), "embedding_bag: max mode does not support sparse weights");
  EmbeddingBag max_freq(7, 4, {.scale_grad_by_freq = true, .mode = "max"});
  EXPECT_OCTET_ERROR(max_freq.forward(idx, offsets),
                     "embedding_bag: max mode does not support scaling the gradient by the frequency");
}

}  // namespace
}  // namespace octet::nn
