// linear.cpp: linear, matmul (every rank case, batch broadcasting) and bmm on the float32 GEMM driver.
#include <algorithm>
#include <cstdint>
#include <string>

#include "core/tensor_impl.h"
#include "octet/engine.h"
#include "octet/error.h"
#include "octet/functional/linear.h"
#include "ops/float/gemm.h"

namespace octet::functional {
namespace {

void check_float(const Tensor& t, const char* where, const char* name) {
  OCTET_CHECK(t.defined(), where, name, " is an undefined tensor");
  OCTET_CHECK(t.dtype() == kFloat32, where, "expected a float32 ", name, ", got ", t.dtype());
}

// A matrix operand in place: element (r, c) at data[r * rs + c * cs].
struct Mat {
  const float* data;
  int64_t rs;
  int64_t cs;
};

// out (M x N, row stride ldo) = a (M x K, unit column stride) * b, with b in whatever layout it has:
// row-major b is packed by copying (or read in place), a b whose columns are contiguous (a
// transposed weight, k^T in attention) goes through gemm_nt, which also covers few rows with GEMV;
// any other strides are gathered; a column vector b makes a GEMV over a's rows.
void mm(int64_t M, int64_t N, int64_t K, const float* a, int64_t lda, const Mat& b, float* out, int64_t ldo,
        int threads) {
  if (N == 1 && M > 4 && (b.rs == 1 || K == 1)) {
    // Matrix times column vector: GEMV with a's rows as the weight rows (out is M x 1 = 1 x M).
    ops::gemm_nt(1, M, K, b.data, K, a, lda, nullptr, out, M, threads);
  } else if (b.cs == 1) {
    ops::gemm_nn(M, N, K, a, lda, b.data, b.rs, out, ldo, threads);
  } else if (b.rs == 1 || K == 1) {
    ops::gemm_nt(M, N, K, a, lda, b.data, b.cs, nullptr, out, ldo, threads);
  } else {
    ops::GemmOut o;
    o.c = out;
    o.ldc = ldo;
    ops::gemm(M, N, K, a, lda, ops::DenseB(b.data, b.rs, b.cs), o, threads);
  }
}

// Offsets (in elements) of every batch index of a tensor whose leading dims (all but the last two)
// have `shape` and `strides`, in row-major order of the batch index.
std::vector<int64_t> batch_offsets(const Shape& shape, const Shape& strides) {
  const int64_t count = shape_numel(shape);
  std::vector<int64_t> out(static_cast<size_t>(count), 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t rem = i, off = 0;
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      off += (rem % shape[d]) * strides[d];
      rem /= shape[d];
    }
    out[static_cast<size_t>(i)] = off;
  }
  return out;
}

// out[i] = a[i] * b[i] for each batch index i; a and b are 3+-dim views with equal batch shapes
// (expanded: broadcast dims have stride 0). out is contiguous (batch..., n, p).
void batched_mm(const Tensor& a_in, const Tensor& b, Tensor& out) {
  // The GEMM reads A's rows in place: they must be K-contiguous.
  const Tensor a = a_in.stride(-1) == 1 || a_in.size(-1) == 1 ? a_in : a_in.contiguous();
  const int64_t n = a.size(-2), k = a.size(-1), p = b.size(-1);
  const Shape batch(a.shape().begin(), a.shape().end() - 2);
  const std::vector<int64_t> ao = batch_offsets(batch, Shape(a.strides().begin(), a.strides().end() - 2));
  const std::vector<int64_t> bo = batch_offsets(batch, Shape(b.strides().begin(), b.strides().end() - 2));
  const int64_t count = static_cast<int64_t>(ao.size());
  if (count == 0 || n == 0 || p == 0) return;
  const float* ad = a.data_ptr<float>();
  const float* bd = b.data_ptr<float>();
  float* od = out.data_ptr<float>();
  const int64_t lda = a.size(-1) == 1 ? 1 : a.stride(-2);
  const Mat bm{bd, b.stride(-2), b.stride(-1)};
  const int max_threads = get_num_threads();
  const double flops = 2.0 * static_cast<double>(n) * static_cast<double>(p) * static_cast<double>(k);
  const int threads = ops::threads_for(flops * static_cast<double>(count), max_threads);
  if (count >= threads && threads > 1) {
    // Many products: one per thread at a time, each single-threaded.
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int64_t i = 0; i < count; ++i) {
      mm(n, p, k, ad + ao[static_cast<size_t>(i)], lda, Mat{bd + bo[static_cast<size_t>(i)], bm.rs, bm.cs},
         od + i * n * p, p, 1);
    }
  } else {
    // GEMV-shaped products (few rows, or one column) size their threads by memory themselves.
    const int item_threads = n <= 4 || p == 1 ? max_threads : ops::threads_for(flops, max_threads);
    for (int64_t i = 0; i < count; ++i) {
      mm(n, p, k, ad + ao[static_cast<size_t>(i)], lda, Mat{bd + bo[static_cast<size_t>(i)], bm.rs, bm.cs},
         od + i * n * p, p, item_threads);
    }
  }
}

// Leading dims of two shapes broadcast against each other (numpy rules), or an Error.
Shape broadcast_batch(const Shape& a, const Shape& b, const char* where, const Tensor& ta, const Tensor& tb) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n, 1);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    OCTET_CHECK(da == db || da == 1 || db == 1, where, "batch dims of shapes ", shape_to_string(ta.shape()), " and ",
                shape_to_string(tb.shape()), " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  constexpr const char* where = "linear";
  check_float(input, where, "input");
  check_float(weight, where, "weight");
  OCTET_CHECK(input.dim() >= 1, where, "input must have at least 1 dim, got a 0-dim tensor");
  OCTET_CHECK(weight.dim() == 2, where, "weight must be 2-D (out_features, in_features), got shape ",
              shape_to_string(weight.shape()));
  const int64_t out_features = weight.size(0), in_features = weight.size(1);
  OCTET_CHECK(input.size(-1) == in_features, where, "input has ", input.size(-1),
              " features (its last dim) but weight expects ", in_features, " (input shape ",
              shape_to_string(input.shape()), ", weight shape ", shape_to_string(weight.shape()), ")");
  if (bias.defined()) {
    check_float(bias, where, "bias");
    OCTET_CHECK(bias.shape() == Shape{out_features}, where, "bias must have shape [", out_features,
                "] (out_features), got ", shape_to_string(bias.shape()));
  }
  Shape out_shape(input.shape().begin(), input.shape().end() - 1);
  out_shape.push_back(out_features);
  Tensor out = octet::detail::empty_uninitialized(out_shape, kFloat32);
  const int64_t M = shape_numel(Shape(input.shape().begin(), input.shape().end() - 1));
  if (out.numel() == 0) return out;
  const Tensor x = input.contiguous();
  const Tensor w = weight.contiguous();
  const Tensor b = bias.defined() ? bias.contiguous() : Tensor();
  // GEMV (M <= 4) sizes its threads by memory itself; the GEMM by FLOPs.
  const int threads = M <= 4 ? get_num_threads()
                             : ops::threads_for(2.0 * static_cast<double>(M) * out_features * in_features,
                                                get_num_threads());
  // A 0-feature input has no data to point at; K == 0 makes the product the bias (or zeros).
  const float* xp = in_features > 0 ? x.data_ptr<float>() : nullptr;
  const float* wp = in_features > 0 ? w.data_ptr<float>() : nullptr;
  ops::gemm_nt(M, out_features, in_features, xp, in_features, wp, in_features,
               b.defined() ? b.data_ptr<float>() : nullptr, out.data_ptr<float>(), out_features, threads);
  return out;
}

Tensor matmul(const Tensor& input, const Tensor& other) {
  constexpr const char* where = "matmul";
  check_float(input, where, "input");
  check_float(other, where, "other");
  OCTET_CHECK(input.dim() >= 1 && other.dim() >= 1, where, "both arguments need at least 1 dim, got ",
              input.dim(), "-D and ", other.dim(), "-D");
  // Vectors become matrices (a row for the first argument, a column for the second); the added
  // dim is removed from the result.
  const bool a_vec = input.dim() == 1, b_vec = other.dim() == 1;
  const Tensor a = a_vec ? input.unsqueeze(0) : input;
  const Tensor b = b_vec ? other.unsqueeze(1) : other;
  const int64_t n = a.size(-2), k = a.size(-1), p = b.size(-1);
  OCTET_CHECK(b.size(-2) == k, where, "shapes ", shape_to_string(input.shape()), " and ",
              shape_to_string(other.shape()), " cannot be multiplied (", k, " columns against ", b.size(-2), " rows)");
  Shape out_shape;
  Tensor out;
  if (b.dim() == 2) {
    // (..., n, k) x (k, p): fold the batch into the rows of one GEMM, as PyTorch does.
    const Shape batch(a.shape().begin(), a.shape().end() - 2);
    out_shape = batch;
    out_shape.push_back(n);
    out_shape.push_back(p);
    out = octet::detail::empty_uninitialized(out_shape, kFloat32);
    const Tensor a2 = a.contiguous().reshape({-1, k});
    Tensor out3 = out.view({1, a2.size(0), p});
    batched_mm(a2.unsqueeze(0), b.unsqueeze(0), out3);
  } else {
    const Shape ba(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
    const Shape batch = broadcast_batch(ba, bb, where, input, other);
    Shape ea = batch, eb = batch;
    ea.push_back(n);
    ea.push_back(k);
    eb.push_back(k);
    eb.push_back(p);
    out_shape = batch;
    out_shape.push_back(n);
    out_shape.push_back(p);
    out = octet::detail::empty_uninitialized(out_shape, kFloat32);
    batched_mm(a.expand(ea), b.expand(eb), out);
  }
  if (a_vec && b_vec) return out.reshape({});
  if (a_vec) return out.squeeze(-2);
  if (b_vec) return out.squeeze(-1);
  return out;
}

Tensor bmm(const Tensor& input, const Tensor& mat2) {
  constexpr const char* where = "bmm";
  check_float(input, where, "input");
  check_float(mat2, where, "mat2");
  OCTET_CHECK(input.dim() == 3, where, "input must be a 3-D tensor, got shape ", shape_to_string(input.shape()));
  OCTET_CHECK(mat2.dim() == 3, where, "mat2 must be a 3-D tensor, got shape ", shape_to_string(mat2.shape()));
  OCTET_CHECK(input.size(0) == mat2.size(0), where, "batch sizes differ: input ", shape_to_string(input.shape()),
              ", mat2 ", shape_to_string(mat2.shape()));
  OCTET_CHECK(input.size(2) == mat2.size(1), where, "shapes ", shape_to_string(input.shape()), " and ",
              shape_to_string(mat2.shape()), " cannot be multiplied (", input.size(2), " columns against ",
              mat2.size(1), " rows)");
  Tensor out = octet::detail::empty_uninitialized({input.size(0), input.size(1), mat2.size(2)}, kFloat32);
  batched_mm(input, mat2, out);
  return out;
}

}  // namespace octet::functional
