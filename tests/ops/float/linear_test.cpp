// linear_test.cpp: linear, matmul and bmm against PyTorch's golden outputs (every ISA level, 1 and 2 threads,
// contiguous and strided inputs), against a float64 reference on larger shapes, and every bad input by message.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/golden.h"
#include "common/test_util.h"
#include "octet/octet.h"

namespace octet {
namespace {

// Same values in another layout: reversed dims made contiguous and reversed back (column-major for
// a matrix), or every other element of a buffer twice as long for 0-D/1-D tensors.
Tensor strided_copy(const Tensor& t) {
  if (t.dim() >= 2) {
    Shape rev(static_cast<size_t>(t.dim()));
    for (int64_t i = 0; i < t.dim(); ++i) rev[static_cast<size_t>(i)] = t.dim() - 1 - i;
    return t.permute(rev).contiguous().permute(rev);
  }
  if (t.dim() == 0) return t;
  Tensor big = zeros({2 * t.size(0)});
  Tensor view = big.slice(0, 0, 2 * t.size(0), 2);
  view.copy_(t);
  return view;
}

// Runs the body under every ISA level this machine supports and both thread counts.
template <typename Body>
void on_every_level_and_thread_count(Body body) {
  const Isa saved_isa = max_isa();
  const int saved_threads = get_num_threads();
  for (Isa isa : {Isa::Ref, Isa::Avx2, Isa::Avx512}) {
    if (!isa_supported_by_hardware(isa) || isa > saved_isa) continue;
    set_max_isa(isa);
    for (int threads : {1, 2}) {
      set_num_threads(threads);
      body(std::string("isa ") + std::string(isa_name(isa)) + ", threads " + std::to_string(threads));
    }
  }
  set_max_isa(saved_isa);
  set_num_threads(saved_threads);
}

Tensor run_case(const test::GoldenCase& c, bool strided) {
  auto in = [&](int i) { return strided ? strided_copy(c.in(i)) : c.in(i); };
  if (c.op == "linear") return F::linear(in(0), in(1), c.has("in2") ? in(2) : Tensor());
  if (c.op == "matmul") return F::matmul(in(0), in(1));
  if (c.op == "bmm") return F::bmm(in(0), in(1));
  throw std::runtime_error("unknown op " + c.op);
}

TEST(LinearGolden, MatchesPyTorch) {
  const test::GoldenFile golden("linear_conv");
  int count = 0;
  on_every_level_and_thread_count([&](const std::string& where) {
    for (const auto& c : golden.cases()) {
      if (c.op != "linear" && c.op != "matmul" && c.op != "bmm") continue;
      for (bool strided : {false, true}) {
        test::expect_close(run_case(c, strided), c.out(0), c.name + (strided ? " (strided)" : "") + ", " + where,
                           1e-5);
        ++count;
      }
    }
  });
  EXPECT_GT(count, 40);
}

// out = x * w^T + b in float64.
std::vector<double> reference_linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  const int64_t M = x.size(0), K = x.size(1), N = w.size(0);
  const Tensor xd = x.to(kFloat64).contiguous(), wd = w.to(kFloat64).contiguous();
  const double* xp = xd.data_ptr<double>();
  const double* wp = wd.data_ptr<double>();
  std::vector<double> out(static_cast<size_t>(M * N));
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      double s = b.defined() ? b.at<double>({n}) : 0.0;
      for (int64_t k = 0; k < K; ++k) s += xp[m * K + k] * wp[n * K + k];
      out[static_cast<size_t>(m * N + n)] = s;
    }
  }
  return out;
}

// Shapes that cross every blocking boundary of the driver: K blocks (384), N blocks, M slivers,
// both orientations of gemm_nt, the GEMV rows, and the thread splits along M and along N.
TEST(Linear, LargeShapesMatchFloat64Reference) {
  const uint64_t seed = test::test_seed(21);
  Generator g(seed);
  struct Dims {
    int64_t M, K, N;
  };
  const std::vector<Dims> dims = {{130, 1000, 70}, {17, 300, 700}, {4, 2000, 33}, {1, 3072, 40},
                                  {200, 64, 1300}, {64, 769, 64},  {15, 9, 5}};
  on_every_level_and_thread_count([&](const std::string& where) {
    for (const Dims& d : dims) {
      const Tensor x = randn({d.M, d.K}, g), w = randn({d.N, d.K}, g), b = randn({d.N}, g);
      const Tensor y = F::linear(x, w, b);
      const std::vector<double> want = reference_linear(x, w, b);
      double max_diff = 0, max_ref = 0;
      for (int64_t m = 0; m < d.M; ++m) {
        for (int64_t n = 0; n < d.N; ++n) {
          const double r = want[static_cast<size_t>(m * d.N + n)];
          max_diff = std::max(max_diff, std::fabs(y.at<float>({m, n}) - r));
          max_ref = std::max(max_ref, std::fabs(r));
        }
      }
      EXPECT_LE(max_diff / max_ref, 1e-5) << d.M << "x" << d.K << "x" << d.N << ", " << where;
    }
  });
}

TEST(Linear, EmptyAndZeroFeatureInputs) {
  Generator g(3);
  // K == 0: every output is the bias.
  const Tensor b = randn({4}, g);
  const Tensor y = F::linear(zeros({3, 0}), zeros({4, 0}), b);
  ASSERT_EQ(y.shape(), (Shape{3, 4}));
  for (int64_t m = 0; m < 3; ++m) {
    for (int64_t n = 0; n < 4; ++n) EXPECT_EQ(y.at<float>({m, n}), b.at<float>({n}));
  }
  EXPECT_EQ(F::linear(zeros({0, 5}), randn({4, 5}, g)).shape(), (Shape{0, 4}));
  EXPECT_EQ(F::linear(zeros({2, 0, 5}), randn({4, 5}, g)).shape(), (Shape{2, 0, 4}));
  EXPECT_EQ(F::matmul(zeros({2, 3, 0}), zeros({2, 0, 4})).shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(F::matmul(zeros({0, 3, 4}), zeros({4, 5})).shape(), (Shape{0, 3, 5}));
  EXPECT_EQ(F::bmm(zeros({0, 3, 4}), zeros({0, 4, 5})).shape(), (Shape{0, 3, 5}));
  const Tensor z = F::matmul(zeros({2, 3, 0}), zeros({2, 0, 4}));
  for (int64_t i = 0; i < z.numel(); ++i) EXPECT_EQ(z.reshape({-1}).at<float>({i}), 0.0f);
}

TEST(Matmul, BroadcastsBatchDimsLikePyTorch) {
  Generator g(5);
  const Tensor a = randn({2, 1, 3, 4}, g), b = randn({5, 4, 6}, g);
  const Tensor y = F::matmul(a, b);
  ASSERT_EQ(y.shape(), (Shape{2, 5, 3, 6}));
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 5; ++j) {
      const Tensor want = F::matmul(a.select(0, i).select(0, 0), b.select(0, j));
      test::expect_close(y.select(0, i).select(0, j), want, "batch " + std::to_string(i) + "," + std::to_string(j), 0);
    }
  }
}

TEST(LinearErrors, EveryBadInputNamesTheOpAndTheProblem) {
  Generator g(7);
  const Tensor x = randn({3, 4}, g), w = randn({5, 4}, g);
  EXPECT_OCTET_ERROR(F::linear(x, randn({5, 3}, g)), "linear: input has 4 features (its last dim) but weight expects 3");
  EXPECT_OCTET_ERROR(F::linear(x, randn({4}, g)), "linear: weight must be 2-D (out_features, in_features), got shape [4]");
  EXPECT_OCTET_ERROR(F::linear(x, w, randn({4}, g)), "linear: bias must have shape [5] (out_features), got [4]");
  EXPECT_OCTET_ERROR(F::linear(x.to(kInt64), w), "linear: expected a float32 input, got int64");
  EXPECT_OCTET_ERROR(F::linear(x, w.to(kFloat64)), "linear: expected a float32 weight, got float64");
  EXPECT_OCTET_ERROR(F::linear(x, w, randn({5}, g).to(kInt32)), "linear: expected a float32 bias, got int32");
  EXPECT_OCTET_ERROR(F::linear(Tensor(), w), "linear: input is an undefined tensor");
  EXPECT_OCTET_ERROR(F::linear(full({}, 1.0), w), "linear: input must have at least 1 dim");

  EXPECT_OCTET_ERROR(F::matmul(full({}, 1.0), x), "matmul: both arguments need at least 1 dim, got 0-D and 2-D");
  EXPECT_OCTET_ERROR(F::matmul(x, randn({3, 2}, g)), "matmul: shapes [3, 4] and [3, 2] cannot be multiplied (4 columns against 3 rows)");
  EXPECT_OCTET_ERROR(F::matmul(randn({4}, g), randn({5}, g)), "matmul: shapes [4] and [5] cannot be multiplied");
  EXPECT_OCTET_ERROR(F::matmul(randn({2, 3, 4}, g), randn({3, 4, 5}, g)),
                     "matmul: batch dims of shapes [2, 3, 4] and [3, 4, 5] cannot be broadcast together");
  EXPECT_OCTET_ERROR(F::matmul(x.to(kInt32), w), "matmul: expected a float32 input, got int32");
  EXPECT_OCTET_ERROR(F::matmul(x, w.to(kFloat16)), "matmul: expected a float32 other, got float16");

  EXPECT_OCTET_ERROR(F::bmm(x, w), "bmm: input must be a 3-D tensor, got shape [3, 4]");
  EXPECT_OCTET_ERROR(F::bmm(randn({2, 3, 4}, g), w), "bmm: mat2 must be a 3-D tensor, got shape [5, 4]");
  EXPECT_OCTET_ERROR(F::bmm(randn({2, 3, 4}, g), randn({3, 4, 5}, g)), "bmm: batch sizes differ: input [2, 3, 4], mat2 [3, 4, 5]");
  EXPECT_OCTET_ERROR(F::bmm(randn({2, 3, 4}, g), randn({2, 3, 5}, g)),
                     "bmm: shapes [2, 3, 4] and [2, 3, 5] cannot be multiplied (4 columns against 3 rows)");
  EXPECT_OCTET_ERROR(F::bmm(randn({2, 3, 4}, g).to(kInt8), randn({2, 4, 5}, g)), "bmm: expected a float32 input, got int8");
}

}  // namespace
}  // namespace octet
