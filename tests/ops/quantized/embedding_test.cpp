// embedding_test.cpp: rowwise 8-bit / 4-bit prepack, unpack, embedding bags and lookups against the written-out rules and the float embedding_bag on unpacked weights; errors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/octet.h"
#include "octet/quantized/embedding.h"
#include "ops/quantized/qop_test_util.h"

namespace octet {
namespace {

namespace F = functional;
namespace Q = quantized;

constexpr uint64_t kSeed = 20240617;

Tensor random_weight(int64_t rows, int64_t dim, Generator& gen) {
  Tensor w = randn({rows, dim}, gen);
  // A constant row (zero range), a row with one outlier, a tiny-range row.
  if (rows > 3) {
    w.select(0, 0).fill_(0.25);
    for (int64_t c = 0; c < dim; ++c) w.set({2, c}, w.at<double>({2, c}) * 1e-6);
    w.set({1, 0}, 40.0);
  }
  return w;
}

// fbgemm's 8-bit rule, written out: q = lrintf((x - min) * (255 / (range + 1e-8))).
TEST(QEmbedding, byte_prepack_is_fbgemms_rule) {
  Generator gen(test::test_seed(kSeed));
  const Tensor w = random_weight(9, 13, gen);
  const Tensor p = Q::embedding_bag_byte_prepack(w);
  ASSERT_EQ(p.shape(), (Shape{9, 21}));
  ASSERT_EQ(p.dtype(), kUInt8);
  for (int64_t r = 0; r < 9; ++r) {
    float lo = w.at<float>({r, 0}), hi = lo;
    for (int64_t c = 0; c < 13; ++c) {
      lo = std::min(lo, w.at<float>({r, c}));
      hi = std::max(hi, w.at<float>({r, c}));
    }
    const float range = hi - lo, inv = 255.0f / (range + 1e-8f);
    for (int64_t c = 0; c < 13; ++c) {
      EXPECT_EQ(p.at<int64_t>({r, c}), static_cast<int64_t>(std::lrintf((w.at<float>({r, c}) - lo) * inv))) << r << "," << c;
    }
    float scale, bias;
    const uint8_t* row = p.data_ptr<uint8_t>() + r * 21;
    std::memcpy(&scale, row + 13, 4);
    std::memcpy(&bias, row + 17, 4);
    EXPECT_EQ(scale, range / 255.0f);
    EXPECT_EQ(bias, lo);
  }
  // Batched weights keep their leading dims.
  EXPECT_EQ(Q::embedding_bag_byte_prepack(randn({2, 5, 8}, gen)).shape(), (Shape{2, 5, 16}));
}

TEST(QEmbedding, four_bit_prepack_rounds_bias_and_scale_to_fp16) {
  Generator gen(test::test_seed(kSeed + 1));
  const Tensor w = random_weight(7, 10, gen);
  const Tensor p = Q::embedding_bag_4bit_prepack(w);
  ASSERT_EQ(p.shape(), (Shape{7, 9}));
  const Tensor u = Q::embedding_bag_4bit_unpack(p);
  for (int64_t r = 0; r < 7; ++r) {
    float lo = w.at<float>({r, 0}), hi = lo;
    for (int64_t c = 0; c < 10; ++c) {
      lo = std::min(lo, w.at<float>({r, c}));
      hi = std::max(hi, w.at<float>({r, c}));
    }
    lo = static_cast<float>(Half(lo));
    float scale = static_cast<float>(Half(hi - lo == 0.0f ? 1.0f : (hi - lo) / 15.0f));
    if (scale == 0.0f) scale = 1.0f;
    for (int64_t c = 0; c < 10; ++c) {
      const long q = std::max(0L, std::min(15L, std::lrintf((w.at<float>({r, c}) - lo) * (1.0f / scale))));
      EXPECT_EQ(u.at<float>({r, c}), static_cast<float>(q) * scale + lo) << r << "," << c;
    }
  }
}

// Unpacked values stay within half a step of the original floats (the rows' scale / 2).
TEST(QEmbedding, unpack_reconstructs_within_half_a_step) {
  Generator gen(test::test_seed(kSeed + 2));
  const Tensor w = randn({20, 16}, gen);
  const Tensor u8 = Q::embedding_bag_byte_unpack(Q::embedding_bag_byte_prepack(w));
  const Tensor u4 = Q::embedding_bag_4bit_unpack(Q::embedding_bag_4bit_prepack(w));
  for (int64_t r = 0; r < 20; ++r) {
    float lo = w.at<float>({r, 0}), hi = lo;
    for (int64_t c = 0; c < 16; ++c) {
      lo = std::min(lo, w.at<float>({r, c}));
      hi = std::max(hi, w.at<float>({r, c}));
    }
    for (int64_t c = 0; c < 16; ++c) {
      EXPECT_NEAR(u8.at<float>({r, c}), w.at<float>({r, c}), (hi - lo) / 255.0f * 0.5001f + 1e-6f);
      EXPECT_NEAR(u4.at<float>({r, c}), w.at<float>({r, c}), (hi - lo) / 15.0f * 0.51f + 1e-3f);
    }
  }
}

struct BagCase {
  Tensor indices, offsets, psw;
  bool last;
};

std::vector<BagCase> bag_cases(int64_t rows, Generator& gen) {
  std::vector<BagCase> out;
  const Tensor idx = randint(0, rows, {23}, gen);
  out.push_back({idx, from_vector(std::vector<int64_t>{0, 3, 3, 10, 11, 20}), Tensor(), false});  // an empty bag
  out.push_back({idx, from_vector(std::vector<int64_t>{0, 3, 3, 10, 11, 23}), Tensor(), true});
  out.push_back({idx.to(kInt32), from_vector(std::vector<int32_t>{0, 5, 17}), randn({23}, gen), false});  // int32
  out.push_back({randint(0, rows, {4, 6}, gen), Tensor(), randn({4, 6}, gen), false});               // 2-D indices
  out.push_back({randint(0, rows, {0}, gen), from_vector(std::vector<int64_t>{0, 0}), Tensor(), false});  // all empty
  return out;
}

// Sum / mean / max against torch.nn.functional.embedding_bag on the unpacked weights: max is
// exact (the same values, compared); sum and mean differ only in float rounding order (the float
// op adds each row's value scale * q + bias to the sum, Octet adds bias then scale * q; mean
// divides where Octet multiplies by 1 / count), so they agree to a few 1e-7 of the magnitudes.
TEST(QEmbedding, bags_match_the_float_embedding_bag_on_unpacked_weights) {
  Generator gen(test::test_seed(kSeed + 3));
  for (bool four : {false, true}) {
    const Tensor w = random_weight(30, 40, gen);
    const Tensor packed = four ? Q::embedding_bag_4bit_prepack(w) : Q::embedding_bag_byte_prepack(w);
    const Tensor unpacked = four ? Q::embedding_bag_4bit_unpack(packed) : Q::embedding_bag_byte_unpack(packed);
    const auto bag = four ? &Q::embedding_bag_4bit_rowwise_offsets : &Q::embedding_bag_byte_rowwise_offsets;
    for (const BagCase& c : bag_cases(30, gen)) {
      for (int64_t mode : {Q::kEmbeddingBagSum, Q::kEmbeddingBagMean, Q::kEmbeddingBagMax}) {
        const Tensor psw = mode == Q::kEmbeddingBagSum ? c.psw : Tensor();
        const Tensor got = bag(packed, c.indices, c.offsets, mode, psw, c.last);
        const char* name = mode == 0 ? "sum" : mode == 1 ? "mean" : "max";
        const Tensor want = F::embedding_bag(c.indices, unpacked, c.offsets, std::nullopt, 2.0,
                                             /*scale_grad_by_freq=*/false, name, /*sparse=*/false, psw, c.last);
        ASSERT_EQ(got.shape(), want.shape()) << name;
        if (mode == Q::kEmbeddingBagMax) {
          EXPECT_TRUE(equal(got, want)) << "max " << (four ? "4-bit" : "8-bit");
        } else {
          EXPECT_LE(test::relative_error(got, want), 1e-6) << name << (four ? " 4-bit" : " 8-bit");
        }
      }
    }
  }
}

// The bag order of src/kernels/qembedding_kernels.h, written out on the fused bytes:
// acc = (acc + bias * w_i) + (scale * w_i) * q, then acc * (1 / count) for mean.
TEST(QEmbedding, sum_follows_the_documented_order_exactly) {
  Generator gen(test::test_seed(kSeed + 4));
  const Tensor w = random_weight(12, 35, gen);
  const Tensor packed = Q::embedding_bag_byte_prepack(w);
  const Tensor idx = randint(0, 12, {9}, gen), psw = randn({9}, gen);
  const Tensor offsets = from_vector(std::vector<int64_t>{0, 4});
  for (int64_t mode : {Q::kEmbeddingBagSum, Q::kEmbeddingBagMean}) {
    const Tensor got = Q::embedding_bag_byte_rowwise_offsets(packed, idx, offsets, mode,
                                                             mode == 0 ? psw : Tensor(), false);
    for (int64_t b = 0; b < 2; ++b) {
      const int64_t begin = b == 0 ? 0 : 4, end = b == 0 ? 4 : 9;
      for (int64_t d = 0; d < 35; ++d) {
        float acc = 0.0f;
        for (int64_t i = begin; i < end; ++i) {
          const uint8_t* row = packed.data_ptr<uint8_t>() + idx.at<int64_t>({i}) * 43;
          float s, bias;
          std::memcpy(&s, row + 35, 4);
          std::memcpy(&bias, row + 39, 4);
          if (mode == 0) {
            s *= psw.at<float>({i});
            bias *= psw.at<float>({i});
          }
          acc = acc + bias;
          acc = acc + s * static_cast<float>(row[d]);
        }
        if (mode == 1) acc = acc * (1.0f / static_cast<float>(end - begin));
        EXPECT_EQ(got.at<float>({b, d}), acc) << "mode " << mode << " bag " << b << " dim " << d;
      }
    }
  }
}

TEST(QEmbedding, lookups_equal_the_unpacked_rows) {
  Generator gen(test::test_seed(kSeed + 5));
  for (bool four : {false, true}) {
    const Tensor w = random_weight(25, 18, gen);
    const Tensor packed = four ? Q::embedding_bag_4bit_prepack(w) : Q::embedding_bag_byte_prepack(w);
    const Tensor unpacked = four ? Q::embedding_bag_4bit_unpack(packed) : Q::embedding_bag_byte_unpack(packed);
    const Tensor idx = randint(0, 25, {3, 4}, gen).to(kInt32);
    const Tensor got = four ? Q::embedding_4bit(packed, idx) : Q::embedding_byte(packed, idx);
    const Tensor want = F::embedding(idx, unpacked);
    ASSERT_EQ(got.shape(), (Shape{3, 4, 18}));
    EXPECT_EQ(test::relative_error(got, want), 0.0);  // bias + scale * q either way (up to the sign of zero)
  }
}

TEST(QEmbedding, threads_and_isa_levels_agree) {
  Generator gen(test::test_seed(kSeed + 6));
  const Tensor packed8 = Q::embedding_bag_byte_prepack(randn({300, 72}, gen));
  const Tensor packed4 = Q::embedding_bag_4bit_prepack(randn({300, 72}, gen));
  const Tensor idx = randint(0, 300, {500}, gen), psw = randn({500}, gen);
  const Tensor offsets = arange(0, 500, 7);
  const Tensor s8 = Q::embedding_bag_byte_rowwise_offsets(packed8, idx, offsets, 0, psw);
  const Tensor m4 = Q::embedding_bag_4bit_rowwise_offsets(packed4, idx, offsets, 2);
  const Tensor a4 = Q::embedding_bag_4bit_rowwise_offsets(packed4, idx, offsets, 1);
  test::qop::for_each_config([&](const std::string& label) {
    EXPECT_TRUE(equal(Q::embedding_bag_byte_rowwise_offsets(packed8, idx, offsets, 0, psw), s8)) << label;
    EXPECT_TRUE(equal(Q::embedding_bag_4bit_rowwise_offsets(packed4, idx, offsets, 2), m4)) << label;
    EXPECT_TRUE(equal(Q::embedding_bag_4bit_rowwise_offsets(packed4, idx, offsets, 1), a4)) << label;
  });
}

TEST(QEmbedding, bad_arguments_are_errors_with_clear_messages) {
  Generator gen(test::test_seed(kSeed + 7));
  const Tensor packed = Q::embedding_bag_byte_prepack(randn({10, 8}, gen));
  const Tensor packed4 = Q::embedding_bag_4bit_prepack(randn({10, 8}, gen));
  const Tensor idx = from_vector(std::vector<int64_t>{1, 2, 3, 4});
  const Tensor off = from_vector(std::vector<int64_t>{0, 2});
  const auto bag = &Q::embedding_bag_byte_rowwise_offsets;
  // Prepack.
  EXPECT_OCTET_ERROR(Q::embedding_bag_4bit_prepack(randn({3, 7}, gen)), "multiple of 2");
  Tensor nan_w = randn({3, 4}, gen);
  nan_w.set({1, 2}, std::numeric_limits<double>::quiet_NaN());
  EXPECT_OCTET_ERROR(Q::embedding_bag_byte_prepack(nan_w), "non-finite value");
  EXPECT_OCTET_ERROR(Q::embedding_bag_byte_prepack(packed), "expected a floating-point weight");
  EXPECT_OCTET_ERROR(Q::embedding_bag_4bit_prepack(randn({2, 3, 4}, gen)), "expected a 2-D weight");
  // Weights.
  EXPECT_OCTET_ERROR(bag(randn({10, 16}, gen), idx, off, 0, {}, false), "expected a 2-D uint8 fused rowwise weight");
  EXPECT_OCTET_ERROR(bag(zeros({10, 8}, kUInt8), idx, off, 0, {}, false), "needs more than 8 bytes");
  EXPECT_OCTET_ERROR(Q::embedding_4bit(zeros({10, 4}, kUInt8), idx), "needs more than 4 bytes");
  // Indices and offsets.
  EXPECT_OCTET_ERROR(bag(packed, from_vector(std::vector<int64_t>{1, 10}), off, 0, {}, false),
                     "index 10 at position 1 is out of range for 10 embeddings");
  EXPECT_OCTET_ERROR(bag(packed, from_vector(std::vector<int64_t>{-1, 2}), off, 0, {}, false), "index -1");
  EXPECT_OCTET_ERROR(Q::embedding_byte(packed, from_vector(std::vector<int64_t>{11})), "out of range");
  EXPECT_OCTET_ERROR(bag(packed, idx.to(kFloat32), off, 0, {}, false), "expected int64 or int32 indices");
  EXPECT_OCTET_ERROR(bag(packed, idx, from_vector(std::vector<int64_t>{0, 3, 2}), 0, {}, false),
                     "offsets must be non-decreasing");
  EXPECT_OCTET_ERROR(bag(packed, idx, from_vector(std::vector<int64_t>{1, 3}), 0, {}, false), "offsets[0] must be 0");
  EXPECT_OCTET_ERROR(bag(packed, idx, from_vector(std::vector<int64_t>{0, 5}), 0, {}, false), "is beyond the 4 indices");
  EXPECT_OCTET_ERROR(bag(packed, idx, Tensor(), 0, {}, false), "offsets must be given for 1-D indices");
  EXPECT_OCTET_ERROR(bag(packed, idx.reshape({2, 2}), off, 0, {}, false), "offsets must be absent for 2-D indices");
  EXPECT_OCTET_ERROR(bag(packed, idx, Tensor(), 0, {}, true), "offsets must be given");
  EXPECT_OCTET_ERROR(bag(packed, idx, from_vector(std::vector<int64_t>{}), 0, {}, true),
                     "include_last_offset needs at least 1 offset");
  // Modes and per-sample weights.
  EXPECT_OCTET_ERROR(bag(packed, idx, off, 3, {}, false), "mode must be 0 (sum), 1 (mean) or 2 (max)");
  EXPECT_OCTET_ERROR(bag(packed, idx, off, 1, ones({4}), false), "per_sample_weights is only supported with mode 0");
  EXPECT_OCTET_ERROR(Q::embedding_bag_4bit_rowwise_offsets(packed4, idx, off, 2, ones({4}), false),
                     "per_sample_weights is only supported with mode 0");
  EXPECT_OCTET_ERROR(bag(packed, idx, off, 0, ones({3}), false), "per_sample_weights must be float32 with the indices' shape");
}

}  // namespace
}  // namespace octet
