// elementwise_iter.h: broadcasting, type promotion, dtype checks and the strided multi-threaded loop shared by the elementwise, activation and reduction ops (internal).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>

#include "core/tensor_impl.h"
#include "kernels/f32_elementwise_kernels.h"
#include "octet/dtype.h"
#include "octet/engine.h"
#include "octet/error.h"
#include "octet/functional/elementwise.h"
#include "octet/tensor.h"

namespace octet::functional::elementwise_detail {

// Elements per thread below which a loop stays on the calling thread: a memory-bound op on fewer
// elements costs less than waking the team. Ops with transcendental functions use the smaller one.
inline constexpr int64_t kGrainMemoryBound = 32768;
inline constexpr int64_t kGrainCompute = 4096;

// --- dtypes -----------------------------------------------------------------------------------------

// float32, float64, int32, int64: the dtypes the arithmetic ops compute in.
inline bool is_arith_dtype(DType t) {
  return t == kFloat32 || t == kFloat64 || t == kInt32 || t == kInt64;
}

// "<op>: expected <what> to be defined" and "<op>: expected <what> to be float32, float64, int32 or
// int64, got int8".
void check_defined(const Tensor& t, const char* op, const char* what);
void check_arith(const Tensor& t, const char* op, const char* what);
// A float32 tensor, or "<op>: expected <what> to be a float32 tensor, got int64".
void check_float32(const Tensor& t, const char* op, const char* what = "input");

// PyTorch's result_type over up to three operands: tensors with dims, 0-d tensors and scalars
// (wrapped numbers: float32 for a floating scalar, int64 for an integral one) in three tiers.
struct TypeOperand {
  DType dtype;
  enum Tier { Dimensioned, ZeroDim, Wrapped } tier;
};
TypeOperand type_operand(const Tensor& t);
TypeOperand type_operand(const Scalar& s);
DType promote_types(DType a, DType b);
DType result_type(std::initializer_list<TypeOperand> operands);

// A 0-d tensor of dtype holding s (converted: PyTorch casts scalars to the op's dtype).
Tensor scalar_to_tensor(const Scalar& s, DType dtype);

// Calls fn(T{}) for T the C++ type of an arithmetic dtype.
template <typename Fn>
decltype(auto) dispatch_arith(DType t, const char* op, Fn&& fn) {
  switch (t) {
    case DType::Float32: return fn(float{});
    case DType::Float64: return fn(double{});
    case DType::Int32: return fn(int32_t{});
    case DType::Int64: return fn(int64_t{});
    default: break;
  }
  OCTET_FAIL(op, "expected float32, float64, int32 or int64, got ", t);
}

// --- shapes -----------------------------------------------------------------------------------------

// NumPy broadcasting: "<op>: shapes [3, 2] and [4] are not broadcastable (dim -1: 2 vs 4)".
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
// t's element strides when viewed with out_shape (0 along broadcast dims); t must broadcast to it.
Shape broadcast_strides(const Tensor& t, const Shape& out_shape);
// Normalises dim into [0, ndim): "<op>: dim 3 is out of range for a 2-d tensor (expected -2..1)".
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);

// --- loops ------------------------------------------------------------------------------------------

// Runs fn(begin, end) over [0, n) split into contiguous ranges, one per thread (at most
// get_num_threads(), at least `grain` items each, starts a multiple of `align` items: 16 floats is
// a cache line). Serial when one range covers it all. fn must not throw.
template <typename Fn>
void parallel_for(int64_t n, int64_t grain, Fn&& fn, int64_t align = 16) {
  if (n <= 0) return;
  const int64_t max_threads = std::max<int64_t>(1, get_num_threads());
  const int64_t threads = std::min<int64_t>(max_threads, (n + grain - 1) / grain);
  if (threads <= 1) {
    fn(int64_t{0}, n);
    return;
  }
  const int64_t chunk = ((n + threads - 1) / threads + align - 1) / align * align;
#pragma omp parallel for num_threads(static_cast<int>(threads)) schedule(static)
  for (int64_t t = 0; t < threads; ++t) {
    const int64_t begin = std::min(n, t * chunk), end = std::min(n, begin + chunk);
    if (begin < end) fn(begin, end);
  }
}

// N strided operands over one shape. Dims of size 1 are dropped and adjacent dims merged where every
// operand allows it, so a contiguous (or uniformly broadcast) problem becomes one or two dims.
template <size_t N>
struct StridedLoop {
  Shape shape;                       // coalesced, innermost last (at least one dim)
  std::array<Shape, N> strides;      // per operand, in elements

  StridedLoop(const Shape& full_shape, const std::array<Shape, N>& full_strides) {
    for (size_t d = 0; d < full_shape.size(); ++d) {
      if (full_shape[d] == 1) continue;
      const bool merge = !shape.empty() && [&] {
        for (size_t k = 0; k < N; ++k) {
          if (strides[k].back() != full_strides[k][d] * full_shape[d]) return false;
        }
        return true;
      }();
      if (merge) {
        shape.back() *= full_shape[d];
        for (size_t k = 0; k < N; ++k) strides[k].back() = full_strides[k][d];
      } else {
        shape.push_back(full_shape[d]);
        for (size_t k = 0; k < N; ++k) strides[k].push_back(full_strides[k][d]);
      }
    }
    if (shape.empty()) {
      shape.push_back(1);
      for (size_t k = 0; k < N; ++k) strides[k].push_back(0);
    }
  }

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    return n;
  }

  // Calls fn(offsets, n, inner_strides) for runs along the innermost dim covering elements
  // [begin, end) in row-major order; offsets are per-operand element offsets of the run's start.
  template <typename Fn>
  void run_range(int64_t begin, int64_t end, Fn& fn) const {
    const size_t nd = shape.size();
    const int64_t inner = shape[nd - 1];
    std::array<int64_t, N> inner_strides;
    for (size_t k = 0; k < N; ++k) inner_strides[k] = strides[k][nd - 1];
    int64_t row = begin / inner, col = begin % inner;
    // Multi-index of `row` over the outer dims, and the offsets it gives.
    Shape index(nd, 0);
    std::array<int64_t, N> base{};
    for (size_t d = nd - 1; d-- > 0;) {
      index[d] = row % shape[d];
      row /= shape[d];
      for (size_t k = 0; k < N; ++k) base[k] += index[d] * strides[k][d];
    }
    while (begin < end) {
      const int64_t len = std::min(inner - col, end - begin);
      std::array<int64_t, N> offs;
      for (size_t k = 0; k < N; ++k) offs[k] = base[k] + col * inner_strides[k];
      fn(offs, len, inner_strides);
      begin += len;
      col = 0;
      for (size_t d = nd - 1; d-- > 0;) {
        for (size_t k = 0; k < N; ++k) base[k] += strides[k][d];
        if (++index[d] < shape[d]) break;
        for (size_t k = 0; k < N; ++k) base[k] -= strides[k][d] * shape[d];
        index[d] = 0;
      }
    }
  }

  // The whole shape, split across threads when it holds at least 2 * grain elements.
  template <typename Fn>
  void run(int64_t grain, Fn&& fn) const {
    parallel_for(numel(), grain, [&](int64_t b, int64_t e) { run_range(b, e, fn); });
  }
};

// An operand that is either a tensor or a scalar (materialised as a 0-d tensor of the op's dtype
// once promotion has decided it).
struct Arg {
  Arg(const Tensor& t) : tensor(t), scalar(0) {}  // NOLINT(google-explicit-constructor)
  Arg(const Scalar& s) : scalar(s), is_scalar(true) {}  // NOLINT(google-explicit-constructor)
  TypeOperand type() const { return is_scalar ? type_operand(scalar) : type_operand(tensor); }
  // Checks a tensor operand: defined and of an arithmetic dtype.
  void check(const char* op, const char* what) const {
    if (!is_scalar) check_arith(tensor, op, what);
  }
  Tensor as(DType dtype) const { return is_scalar ? scalar_to_tensor(scalar, dtype) : tensor.to(dtype); }
  Tensor tensor;
  Scalar scalar;
  bool is_scalar = false;
};

// y = f(a, b) over a 3-operand loop (y contiguous), with the unit-stride and broadcast-scalar runs
// written out so that the compiler vectorizes them.
template <typename T, typename F>
void binary_loop(const StridedLoop<3>& loop, int64_t grain, T* y, const T* a, const T* b, F f) {
  loop.run(grain, [&](const std::array<int64_t, 3>& o, int64_t n, const std::array<int64_t, 3>& s) {
    T* yy = y + o[0];
    const T* aa = a + o[1];
    const T* bb = b + o[2];
    if (s[1] == 1 && s[2] == 1) {
      for (int64_t i = 0; i < n; ++i) yy[i] = f(aa[i], bb[i]);
    } else if (s[1] == 1 && s[2] == 0) {
      const T bv = *bb;
      for (int64_t i = 0; i < n; ++i) yy[i] = f(aa[i], bv);
    } else if (s[1] == 0 && s[2] == 1) {
      const T av = *aa;
      for (int64_t i = 0; i < n; ++i) yy[i] = f(av, bb[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) yy[i] = f(aa[i * s[1]], bb[i * s[2]]);
    }
  });
}

// --- float32 unary ----------------------------------------------------------------------------------

// out = kernel(input) over a float32 input of any layout (made contiguous first).
template <typename Kernel>
Tensor map_float32(const Tensor& input, int64_t grain, Kernel&& kernel) {
  const Tensor x = input.contiguous();
  Tensor out = octet::detail::empty_uninitialized(x.shape(), kFloat32);
  const float* px = x.data_ptr<float>();
  float* py = out.data_ptr<float>();
  parallel_for(x.numel(), grain, [&](int64_t b, int64_t e) { kernel(static_cast<size_t>(e - b), px + b, py + b); });
  return out;
}

// y = f(x) over a contiguous copy of x, in T.
template <typename T, typename F>
Tensor map_generic(const Tensor& input, int64_t grain, F f) {
  const Tensor x = input.contiguous();
  Tensor out = octet::detail::empty_uninitialized(x.shape(), x.dtype());
  const T* px = x.data_ptr<T>();
  T* py = out.data_ptr<T>();
  parallel_for(x.numel(), grain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) py[i] = f(px[i]);
  });
  return out;
}

// A floating function: float32 through its kernel (or the C library when it has none), float64
// through the C library, integers converted to float32 first.
template <typename F>
Tensor unary_math(const char* name, const Tensor& input, kernels::f32_vunary_fn kernels::F32ElementwiseKernels::*kernel, F f) {
  check_arith(input, name, "input");
  if (input.dtype() == kFloat64) return map_generic<double>(input, kGrainCompute, [&](double v) { return f(v); });
  const Tensor x = input.to(kFloat32);
  if (kernel == nullptr) return map_generic<float>(x, kGrainCompute, [&](float v) { return f(v); });
  const kernels::f32_vunary_fn fn = kernels::f32_elementwise_kernels().*kernel;
  return map_float32(x, kGrainCompute, [fn](size_t n, const float* px, float* py) { fn(n, px, py, nullptr); });
}

}  // namespace octet::functional::elementwise_detail
