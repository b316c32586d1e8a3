// qembedding_kernels_test.cpp: every compiled rowwise embedding-bag kernel equals its __scalar variant and an inline formula bit for bit.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <memory>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/test_util.h"
#include "kernels/qembedding_kernels.h"
#include "kernels/quantize_tester.h"  // GuardedBuffer, mix_seed
#include "octet/cpu_features.h"
#include "octet/half.h"

namespace octet::kernels {
namespace {

using test::GuardedBuffer;
using test::mix_seed;

constexpr uint64_t kDefaultSeed = 20240612;

enum class RowScales {
  Typical,   // scale ~ range / 255, bias ~ min of a N(0, 1) row
  Mixed,     // typical, zero, negative, huge and tiny scales and biases, row by row
};

// Builds a weight table of `rows` fused rows (the last one ending at a guard page), a bag of
// `count` indices (always including the last row) and optional per-sample weights, then checks a
// kernel against __scalar and against the formula written out below.
class EmbeddingBagTester {
 public:
  EmbeddingBagTester& dim(size_t v) { dim_ = v; return *this; }
  EmbeddingBagTester& count(size_t v) { count_ = v; return *this; }
  EmbeddingBagTester& four_bit(bool v) { four_bit_ = v; return *this; }
  EmbeddingBagTester& weighted(bool v) { weighted_ = v; return *this; }
  EmbeddingBagTester& out_scale(float v) { out_scale_ = v; return *this; }
  EmbeddingBagTester& scales(RowScales v) { scales_ = v; return *this; }
  EmbeddingBagTester& seed(uint64_t v) { seed_ = v; return *this; }

  using SumFn = void (*)(size_t, size_t, const uint8_t*, size_t, const int64_t*, const float*, float, float*);
  using MaxFn = void (*)(size_t, size_t, const uint8_t*, size_t, const int64_t*, float*);

  void TestSum(const char* kernel, SumFn fn, SumFn scalar) const {
    const std::unique_ptr<Table> table = make();
    const Table& t = *table;
    GuardedBuffer<float> y(dim_), y_scalar(dim_);
    y.poison(0x7F);
    y_scalar.poison(0x7E);
    const float* w = weighted_ ? t.psw.data() : nullptr;
    fn(dim_, count_, t.rows.data(), t.row_bytes, t.indices.data(), w, out_scale_, y.data());
    scalar(dim_, count_, t.rows.data(), t.row_bytes, t.indices.data(), w, out_scale_, y_scalar.data());
    for (size_t d = 0; d < dim_; ++d) {
      float acc = 0.0f;
      for (size_t i = 0; i < count_; ++i) {
        float s = t.scale[static_cast<size_t>(t.indices[i])], b = t.bias[static_cast<size_t>(t.indices[i])];
        if (weighted_) {
          s *= t.psw[i];
          b *= t.psw[i];
        }
        const float q = static_cast<float>(t.q[static_cast<size_t>(t.indices[i]) * dim_ + d]);
        acc = acc + b;
        acc = acc + s * q;
      }
      const float want = count_ == 0 ? 0.0f : acc * out_scale_;
      if (same(y[d], y_scalar[d]) && same(y_scalar[d], want)) continue;
      ADD_FAILURE() << kernel << " differs at element " << d << ": kernel " << show(y[d]) << ", __scalar "
                    << show(y_scalar[d]) << ", formula " << show(want) << "\n  " << describe();
      return;
    }
  }

  void TestMax(const char* kernel, MaxFn fn, MaxFn scalar) const {
    const std::unique_ptr<Table> table = make();
    const Table& t = *table;
    GuardedBuffer<float> y(dim_), y_scalar(dim_);
    y.poison(0x7F);
    y_scalar.poison(0x7E);
    fn(dim_, count_, t.rows.data(), t.row_bytes, t.indices.data(), y.data());
    scalar(dim_, count_, t.rows.data(), t.row_bytes, t.indices.data(), y_scalar.data());
    for (size_t d = 0; d < dim_; ++d) {
      float m = 0.0f;
      for (size_t i = 0; i < count_; ++i) {
        const size_t r = static_cast<size_t>(t.indices[i]);
        const float v = t.bias[r] + t.scale[r] * static_cast<float>(t.q[r * dim_ + d]);
        if (i == 0 || v > m) m = v;
      }
      if (same(y[d], y_scalar[d]) && same(y_scalar[d], m)) continue;
      ADD_FAILURE() << kernel << " differs at element " << d << ": kernel " << show(y[d]) << ", __scalar "
                    << show(y_scalar[d]) << ", formula " << show(m) << "\n  " << describe();
      return;
    }
  }

 private:
  struct Table {
    GuardedBuffer<uint8_t> rows;
    size_t row_bytes;
    std::vector<uint8_t> q;           // unpacked elements, row-major
    std::vector<float> scale, bias;   // as the kernels read them (fp16 already rounded for 4-bit)
    std::vector<int64_t> indices;
    std::vector<float> psw;
    explicit Table(size_t bytes) : rows(bytes) {}
  };

  static bool same(float a, float b) { return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b); }
  static std::string show(float v) { return test::show(v); }

  std::unique_ptr<Table> make() const {
    std::mt19937_64 rng(mix_seed(mix_seed(seed_, dim_ * 1009 + count_), (four_bit_ ? 2 : 0) + (weighted_ ? 1 : 0) +
                                                                            4 * static_cast<uint64_t>(scales_)));
    const size_t n_rows = 13;
    const size_t data_bytes = four_bit_ ? (dim_ + 1) / 2 : dim_;
    const size_t row_bytes = data_bytes + (four_bit_ ? 4 : 8);
    auto table = std::make_unique<Table>(n_rows * row_bytes);
    Table& t = *table;
    t.row_bytes = row_bytes;
    t.q.resize(n_rows * dim_);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (size_t r = 0; r < n_rows; ++r) {
      uint8_t* row = t.rows.data() + r * row_bytes;
      std::memset(row, 0, data_bytes);
      for (size_t d = 0; d < dim_; ++d) {
        const uint8_t q = static_cast<uint8_t>(rng() % (four_bit_ ? 16 : 256));
        t.q[r * dim_ + d] = q;
        if (four_bit_) {
          row[d / 2] = static_cast<uint8_t>(row[d / 2] | (q << ((d % 2) * 4)));
        } else {
          row[d] = q;
        }
      }
      float s = std::abs(normal(rng)) * (four_bit_ ? 0.3f : 0.02f), b = normal(rng) * 2.0f;
      if (scales_ == RowScales::Mixed) {
        switch (rng() % 6) {
          case 0: s = 0.0f; break;
          case 1: s = -s; b = -b * 1000.0f; break;
          case 2: s *= 3e4f; b *= 3e3f; break;   // large (still finite in fp16: < 65504)
          case 3: s *= 1e-6f; b *= 1e-5f; break;  // fp16 denormals for the 4-bit rows
          default: break;
        }
      }
      if (four_bit_) {
        const Half hs(s), hb(b);
        std::memcpy(row + data_bytes, &hs.bits, 2);
        std::memcpy(row + data_bytes + 2, &hb.bits, 2);
        t.scale.push_back(static_cast<float>(hs));
        t.bias.push_back(static_cast<float>(hb));
      } else {
        std::memcpy(row + data_bytes, &s, 4);
        std::memcpy(row + data_bytes + 4, &b, 4);
        t.scale.push_back(s);
        t.bias.push_back(b);
      }
    }
    for (size_t i = 0; i < count_; ++i) {
      t.indices.push_back(i == count_ / 2 ? static_cast<int64_t>(n_rows - 1) : static_cast<int64_t>(rng() % n_rows));
      t.psw.push_back(normal(rng));
    }
    return table;
  }

  std::string describe() const {
    std::ostringstream s;
    s << "dim=" << dim_ << " count=" << count_ << (four_bit_ ? " 4-bit" : " 8-bit")
      << (weighted_ ? " per_sample_weights" : "") << " out_scale=" << out_scale_
      << " scales=" << (scales_ == RowScales::Mixed ? "mixed" : "typical") << "\n  rerun with OCTET_TEST_SEED=" << seed_;
    return s.str();
  }

  size_t dim_ = 16, count_ = 3;
  bool four_bit_ = false, weighted_ = false;
  float out_scale_ = 1.0f;
  RowScales scales_ = RowScales::Typical;
  uint64_t seed_ = 0;
};

std::vector<size_t> dims() {
  std::vector<size_t> v;
  for (size_t d = 0; d <= 72; ++d) v.push_back(d);
  for (size_t d : {95, 96, 97, 127, 128, 129, 256, 300}) v.push_back(d);
  return v;
}

constexpr size_t kCounts[] = {0, 1, 2, 5, 17};

void check_sum(const char* name, EmbeddingBagTester::SumFn fn, EmbeddingBagTester::SumFn scalar, bool four_bit,
               uint64_t seed) {
  for (size_t dim : dims()) {
    for (size_t count : kCounts) {
      for (bool weighted : {false, true}) {
        for (RowScales sc : {RowScales::Typical, RowScales::Mixed}) {
          const float mean = count == 0 ? 1.0f : 1.0f / static_cast<float>(count);
          for (float out_scale : {1.0f, mean}) {
            EmbeddingBagTester().dim(dim).count(count).four_bit(four_bit).weighted(weighted).scales(sc)
                .out_scale(out_scale).seed(seed).TestSum(name, fn, scalar);
            if (::testing::Test::HasFailure()) return;
          }
        }
      }
    }
  }
}

void check_max(const char* name, EmbeddingBagTester::MaxFn fn, EmbeddingBagTester::MaxFn scalar, bool four_bit,
               uint64_t seed) {
  for (size_t dim : dims()) {
    for (size_t count : kCounts) {
      for (RowScales sc : {RowScales::Typical, RowScales::Mixed}) {
        EmbeddingBagTester().dim(dim).count(count).four_bit(four_bit).scales(sc).seed(seed).TestMax(name, fn, scalar);
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

void check_qu8_f32_embeddingbag_sum_rowwise(const char* name, qu8_f32_embeddingbag_sum_rowwise_fn fn,
                                            qu8_f32_embeddingbag_sum_rowwise_fn scalar, uint64_t seed) {
  check_sum(name, fn, scalar, false, seed);
}
void check_qu4_f32_embeddingbag_sum_rowwise(const char* name, qu4_f32_embeddingbag_sum_rowwise_fn fn,
                                            qu4_f32_embeddingbag_sum_rowwise_fn scalar, uint64_t seed) {
  check_sum(name, fn, scalar, true, seed);
}
void check_qu8_f32_embeddingbag_max_rowwise(const char* name, qu8_f32_embeddingbag_max_rowwise_fn fn,
                                            qu8_f32_embeddingbag_max_rowwise_fn scalar, uint64_t seed) {
  check_max(name, fn, scalar, false, seed);
}
void check_qu4_f32_embeddingbag_max_rowwise(const char* name, qu4_f32_embeddingbag_max_rowwise_fn fn,
                                            qu4_f32_embeddingbag_max_rowwise_fn scalar, uint64_t seed) {
  check_max(name, fn, scalar, true, seed);
}

#define OCTET_QEMB_SKIP_UNLESS_USABLE(level) \
  if (!isa_usable(Isa::level))               \
  GTEST_SKIP() << "Isa::" #level " kernels cannot run here: " << isa_rejection_reason(Isa::level)

#define OCTET_QEMBEDDING_UKERNEL(arch, family, isa, level)                                              \
  OCTET_IF_ARCH_##arch(TEST(QEmbeddingKernels, family##__##isa) {                                       \
    OCTET_QEMB_SKIP_UNLESS_USABLE(level);                                                               \
    check_##family(#family "__" #isa, &family##__##isa, &family##__scalar, ::octet::test::test_seed(kDefaultSeed)); \
  })
#include "kernels/qembedding_kernels.inc"
#undef OCTET_QEMBEDDING_UKERNEL

TEST(QEmbeddingDispatch, compiled_kernels_follow_the_list) {
  std::vector<std::string_view> expected;
#define OCTET_QEMBEDDING_UKERNEL(arch, family, isa, level) OCTET_IF_ARCH_##arch(expected.push_back(#family "__" #isa);)
#include "kernels/qembedding_kernels.inc"
#undef OCTET_QEMBEDDING_UKERNEL
  const auto& compiled = qembedding_compiled_kernels();
  ASSERT_EQ(compiled.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(compiled[i].name, expected[i]);
}

TEST(QEmbeddingDispatch, ref_cap_picks_the_scalar_kernels) {
  const Isa saved = max_isa();
  set_max_isa(Isa::Ref);
  const QEmbeddingKernels k = qembedding_kernels();
  set_max_isa(saved);
  EXPECT_EQ(k.qu8_f32_embeddingbag_sum_rowwise, &qu8_f32_embeddingbag_sum_rowwise__scalar);
  EXPECT_EQ(k.qu4_f32_embeddingbag_max_rowwise, &qu4_f32_embeddingbag_max_rowwise__scalar);
}

// The scalar kernels by hand: one 4-bit row [q = 3, 12 | scale 0.5, bias -1] gives 0.5 and 5.
TEST(QEmbeddingScalar, four_bit_row_by_hand) {
  uint8_t row[5];
  row[0] = static_cast<uint8_t>(3 | (12 << 4));
  const Half s(0.5f), b(-1.0f);
  std::memcpy(row + 1, &s.bits, 2);
  std::memcpy(row + 3, &b.bits, 2);
  const int64_t idx[] = {0, 0};
  float out[2];
  qu4_f32_embeddingbag_sum_rowwise__scalar(2, 1, row, 5, idx, nullptr, 1.0f, out);
  EXPECT_EQ(out[0], 0.5f);
  EXPECT_EQ(out[1], 5.0f);
  const float w[] = {2.0f, 1.0f};  // weights scale and bias: 2 * (0.5, 5) + (0.5, 5)
  qu4_f32_embeddingbag_sum_rowwise__scalar(2, 2, row, 5, idx, w, 0.5f, out);
  EXPECT_EQ(out[0], 0.75f);
  EXPECT_EQ(out[1], 7.5f);
}

}  // namespace
}  // namespace octet::kernels
