// embedding_test.cpp: embedding and embedding_bag against PyTorch golden outputs (max_norm renormalisation included), and every bad input by message.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/octet.h"
#include "ops/float/norm_pool_test_util.h"

namespace octet {
namespace {

using test::json_optional;

const test::GoldenFile& golden() {
  static const test::GoldenFile file("embedding");
  return file;
}

TEST(EmbeddingGolden, MatchesPyTorchAndRenormalisesInPlace) {
  const auto cases = golden().cases_of("embedding");
  ASSERT_GE(cases.size(), 5u);
  for (const auto& c : cases) {
    const auto& a = c.args;
    for (bool int32 : {false, true}) {
      // scale_grad_by_freq and sparse shape gradients only: the forward answer is the same with them.
      for (bool grad_flags : {false, true}) {
        const std::string what = c.name + (int32 ? " int32" : "") + (grad_flags ? " grad flags" : "");
        Tensor w = c.in(1).clone();
        const Tensor idx = int32 ? c.in(0).to(kInt32) : c.in(0);
        const Tensor y = F::embedding(idx, w, json_optional<int64_t>(a, "padding_idx"),
                                      json_optional<double>(a, "max_norm"), a.at("norm_type").get<double>(),
                                      /*scale_grad_by_freq=*/grad_flags, /*sparse=*/grad_flags);
        test::expect_close(y, c.out(0), what, 1e-6);
        test::expect_close(w, c.out(1), what + " weight after", 1e-6);
      }
    }
  }
}

TEST(EmbeddingBagGolden, MatchesPyTorch) {
  const auto cases = golden().cases_of("embedding_bag");
  ASSERT_GE(cases.size(), 16u);
  for (const auto& c : cases) {
    const auto& a = c.args;
    const std::string mode = a.at("mode").get<std::string>();
    // The gradient-only flags leave the answer unchanged ("max" rejects them, as PyTorch does).
    for (bool grad_flags : {false, true}) {
      if (grad_flags && mode == "max") continue;
      Tensor w = test::strided_copy(c.in(1));  // renormalisation writes through the strides
      const Tensor offsets = c.has("in2") ? c.in(2) : Tensor{};
      const Tensor psw = c.has("in3") ? c.in(3) : Tensor{};
      const Tensor y = F::embedding_bag(c.in(0), w, offsets, json_optional<double>(a, "max_norm"),
                                        a.at("norm_type").get<double>(), /*scale_grad_by_freq=*/grad_flags, mode,
                                        /*sparse=*/grad_flags, psw, a.at("include_last_offset").get<bool>(),
                                        json_optional<int64_t>(a, "padding_idx"));
      const std::string what = c.name + (grad_flags ? " grad flags" : "");
      test::expect_close(y, c.out(0), what, 1e-6);
      test::expect_close(w, c.out(1), what + " weight after", 1e-6);
    }
  }
}

TEST(EmbeddingBag, EmptyBagsAndEmptyInput) {
  const Tensor w = from_vector<float>({1, 2, 3, 4}, {2, 2});
  const Tensor y = F::embedding_bag(from_vector<int64_t>({1}), w, from_vector<int64_t>({0, 0, 1}), std::nullopt, 2.0,
                                    /*scale_grad_by_freq=*/false, "max");
  EXPECT_TRUE(equal(y, from_vector<float>({0, 0, 3, 4, 0, 0}, {3, 2})));
  const Tensor e = F::embedding_bag(from_vector<int64_t>({}), w, from_vector<int64_t>({0, 0}), std::nullopt, 2.0,
                                    /*scale_grad_by_freq=*/false, "mean");
  EXPECT_TRUE(equal(e, zeros({2, 2})));
  EXPECT_EQ(F::embedding(zeros({0, 3}, kInt64), w).shape(), (Shape{0, 3, 2}));
}

TEST(EmbeddingErrors, Embedding) {
  const Tensor w = zeros({5, 3});
  EXPECT_OCTET_ERROR(F::embedding(from_vector<int64_t>({1, 5}), w), "embedding: index 5 is out of range for 5 embeddings (valid: 0 to 4)");
  EXPECT_OCTET_ERROR(F::embedding(from_vector<int64_t>({-1}), w), "embedding: index -1 is out of range for 5 embeddings");
  EXPECT_OCTET_ERROR(F::embedding(from_vector<float>({1}), w), "embedding: expected int64 or int32 indices, got float32");
  EXPECT_OCTET_ERROR(F::embedding(from_vector<int64_t>({1}), zeros({5})),
                     "embedding: weight must be a 2-D float32 matrix (num_embeddings, embedding_dim), got float32 of shape [5]");
  EXPECT_OCTET_ERROR(F::embedding(from_vector<int64_t>({1}), w, 5), "embedding: padding_idx must be within [-5, 5), got 5");
  EXPECT_OCTET_ERROR(F::embedding(from_vector<int64_t>({1}), w, -6), "padding_idx must be within [-5, 5), got -6");
  EXPECT_OCTET_ERROR(F::embedding(from_vector<int64_t>({1}), w, std::nullopt, -1.0), "embedding: max_norm must be >= 0, got -1");
  EXPECT_OCTET_ERROR(F::embedding(from_vector<int64_t>({1}), w, std::nullopt, 1.0, 0.0), "embedding: norm_type must be > 0, got 0");
}

TEST(EmbeddingErrors, EmbeddingBag) {
  const Tensor w = zeros({5, 3});
  const Tensor idx = from_vector<int64_t>({0, 1, 2, 3});
  EXPECT_OCTET_ERROR(F::embedding_bag(idx, w, from_vector<int64_t>({0, 3, 2})),
                     "embedding_bag: offsets must be non-decreasing, got offsets[1] = 3 > offsets[2] = 2");
  EXPECT_OCTET_ERROR(F::embedding_bag(idx, w, from_vector<int64_t>({1, 2})),
                     "embedding_bag: offsets[0] must be 0 (the first bag starts at the first index), got 1");
  EXPECT_OCTET_ERROR(F::embedding_bag(idx, w, from_vector<int64_t>({0, 5})), "embedding_bag: offsets[1] = 5 is beyond the 4 indices");
  EXPECT_OCTET_ERROR(F::embedding_bag(idx, w), "embedding_bag: offsets must be given for a 1-D input");
  EXPECT_OCTET_ERROR(F::embedding_bag(idx.reshape({2, 2}), w, from_vector<int64_t>({0})),
                     "embedding_bag: offsets must be absent for a 2-D input (each row is a bag)");
  EXPECT_OCTET_ERROR(F::embedding_bag(zeros({1, 2, 2}, kInt64), w), "embedding_bag: expected a 1-D (with offsets) or 2-D (fixed-size bags) input, got shape [1, 2, 2]");
  EXPECT_OCTET_ERROR(F::embedding_bag(from_vector<int64_t>({0, 9}), w, from_vector<int64_t>({0})),
                     "embedding_bag: index 9 is out of range for 5 embeddings (valid: 0 to 4)");
  EXPECT_OCTET_ERROR(F::embedding_bag(idx, w, from_vector<int64_t>({0}), std::nullopt, 2.0, false, "median"),
                     "embedding_bag: unknown mode 'median'; expected sum, mean or max");
  EXPECT_OCTET_ERROR(F::embedding_bag(idx, w, from_vector<int64_t>({0}), std::nullopt, 2.0, false, "mean", /*sparse=*/false, ones({4})),
                     "embedding_bag: per_sample_weights is only supported for mode 'sum', got mode 'mean'");
  EXPECT_OCTET_ERROR(F::embedding_bag(idx, w, from_vector<int64_t>({0}), std::nullopt, 2.0, false, "sum", /*sparse=*/false, ones({3})),
                     "per_sample_weights must be float32 with the input's shape [4], got float32 of shape [3]");
  EXPECT_OCTET_ERROR(F::embedding_bag(idx, w, from_vector<int64_t>({0}), std::nullopt, 2.0, false, "sum", /*sparse=*/false, {}, true),
                     "embedding_bag: include_last_offset needs at least 2 offsets (one bag), got 1");
  EXPECT_OCTET_ERROR(F::embedding_bag(idx, w, from_vector<float>({0})), "offsets must be a 1-D int64 or int32 tensor, got float32 of shape [1]");
  EXPECT_OCTET_ERROR(F::embedding_bag(idx, w, from_vector<int64_t>({0}), std::nullopt, 2.0, /*scale_grad_by_freq=*/true, "max"),
                     "embedding_bag: max mode does not support scaling the gradient by the frequency (scale_grad_by_freq)");
  EXPECT_OCTET_ERROR(F::embedding_bag(idx, w, from_vector<int64_t>({0}), std::nullopt, 2.0, false, "max", /*sparse=*/true),
                     "embedding_bag: max mode does not support sparse weights");
}

}  // namespace
}  // namespace octet
