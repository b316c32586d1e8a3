// elementwise_binary.cpp: quantized add / add_relu / mul / mul_relu with broadcasting, on the qelementwise kernels.
#include <algorithm>
#include <array>
#include <cstdint>

#include "core/tensor_impl.h"
#include "kernels/qelementwise_kernels.h"
#include "octet/quantized/elementwise.h"
#include "ops/float/elementwise_iter.h"
#include "ops/quantized/elementwise_common.h"

namespace octet::quantized {
namespace {

using detail::QOperand;
using functional::elementwise_detail::broadcast_shapes;
using functional::elementwise_detail::broadcast_strides;
using functional::elementwise_detail::StridedLoop;

// One binary family: the vector kernel, the scalar-operand (`c`) kernel, and how to swap the
// operands' parameters (so that a broadcast first operand can use the `c` kernel too).
template <typename T, typename Params>
struct BinaryKernels {
  void (*vector)(size_t, const T*, const T*, T*, const Params*);
  void (*scalar_b)(size_t, const T*, const T*, T*, const Params*);
};

// Runs of a 3-operand loop (y contiguous, a and b strided) go to the kernel that fits them: both
// unit-stride to the vector kernel, one operand repeated to the `c` kernel (with the parameters
// swapped when it is a; add and mul are symmetric, bit for bit, in their operands), anything else
// through small gathered buffers.
template <typename T, typename Params>
void run_binary(const StridedLoop<3>& loop, T* y, const T* a, const T* b, const Params& p, const Params& swapped,
                BinaryKernels<T, Params> k) {
  loop.run(detail::kGrain, [&](const std::array<int64_t, 3>& o, int64_t n, const std::array<int64_t, 3>& s) {
    T* yy = y + o[0];
    const T* aa = a + o[1];
    const T* bb = b + o[2];
    const auto len = static_cast<size_t>(n);
    if (s[1] == 1 && s[2] == 1) {
      k.vector(len, aa, bb, yy, &p);
    } else if (s[1] == 1 && s[2] == 0) {
      k.scalar_b(len, aa, bb, yy, &p);
    } else if (s[1] == 0 && s[2] == 1) {
      k.scalar_b(len, bb, aa, yy, &swapped);
    } else {
      constexpr int64_t kChunk = 256;
      T ta[kChunk], tb[kChunk];
      for (int64_t start = 0; start < n; start += kChunk) {
        const int64_t m = std::min(kChunk, n - start);
        for (int64_t i = 0; i < m; ++i) {
          ta[i] = aa[(start + i) * s[1]];
          tb[i] = bb[(start + i) * s[2]];
        }
        k.vector(static_cast<size_t>(m), ta, tb, yy + start, &p);
      }
    }
  });
}

enum class BinaryOp { Add, Mul };

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, double scale, int64_t zero_point, bool relu,
              const char* name) {
  const QOperand qa = detail::check_operand(a, name, "the first operand");
  const QOperand qb = detail::check_operand(b, name, "the second operand");
  detail::check_same_dtype(qa, qb, name);
  detail::check_output_qparams(scale, zero_point, qa.dtype, name);
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  // Same-shaped operands in one dense memory order (both channels-last, as convolutions write them,
  // or both contiguous) keep it, as PyTorch's add does: the loop runs flat over memory and the next
  // convolution reads the result in place.
  const bool same_order =
      a.shape() == shape && b.shape() == shape && a.strides() == b.strides() && detail::is_dense(a);
  Tensor out = same_order ? detail::empty_like_dense(a, Quantizer::per_tensor(qa.dtype, scale, zero_point))
                          : detail::empty_output(shape, qa.dtype, scale, zero_point);
  if (out.numel() == 0) return out;

  const StridedLoop<3> loop =
      same_order ? StridedLoop<3>(Shape{out.numel()}, {Shape{1}, Shape{1}, Shape{1}})
                 : StridedLoop<3>(shape, {contiguous_strides(shape), broadcast_strides(a, shape),
                                          broadcast_strides(b, shape)});
  const auto qmin = static_cast<int32_t>(dtype_qmin(qa.dtype));
  const auto qmax = static_cast<int32_t>(dtype_qmax(qa.dtype));
  const auto zo = static_cast<int32_t>(zero_point);
  // A fused ReLU clamps the float result at 0 before quantizing, which is the integers clamped at
  // the zero point (quantize is monotone and maps 0 to it).
  const int32_t lo = relu ? std::max(qmin, zo) : qmin;
  const float so = static_cast<float>(scale);
  const auto& k = kernels::qelementwise_kernels();

  const auto run = [&](auto* y, const auto* pa, const auto* pb, auto kernels_add, auto kernels_mul) {
    if (op == BinaryOp::Add) {
      using kernels::make_qadd_params;
      const auto p = make_qadd_params(qa.scale_f, qa.zero_point, qb.scale_f, qb.zero_point, so, zo, lo, qmax);
      const auto sw = make_qadd_params(qb.scale_f, qb.zero_point, qa.scale_f, qa.zero_point, so, zo, lo, qmax);
      run_binary(loop, y, pa, pb, p, sw, kernels_add);
    } else {
      using kernels::make_qmul_params;
      const auto p = make_qmul_params(qa.scale_f, qa.zero_point, qb.scale_f, qb.zero_point, so, zo, lo, qmax);
      const auto sw = make_qmul_params(qb.scale_f, qb.zero_point, qa.scale_f, qa.zero_point, so, zo, lo, qmax);
      run_binary(loop, y, pa, pb, p, sw, kernels_mul);
    }
  };
  if (qa.dtype == DType::QUInt8) {
    run(out.data_ptr<uint8_t>(), a.data_ptr<uint8_t>(), b.data_ptr<uint8_t>(),
        BinaryKernels<uint8_t, kernels::QAddParams>{k.qu8_vadd, k.qu8_vaddc},
        BinaryKernels<uint8_t, kernels::QMulParams>{k.qu8_vmul, k.qu8_vmulc});
  } else {
    run(out.data_ptr<int8_t>(), a.data_ptr<int8_t>(), b.data_ptr<int8_t>(),
        BinaryKernels<int8_t, kernels::QAddParams>{k.qs8_vadd, k.qs8_vaddc},
        BinaryKernels<int8_t, kernels::QMulParams>{k.qs8_vmul, k.qs8_vmulc});
  }
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b, double scale, int64_t zero_point) {
  return binary(BinaryOp::Add, a, b, scale, zero_point, /*relu=*/false, "quantized::add");
}

Tensor add_relu(const Tensor& a, const Tensor& b, double scale, int64_t zero_point) {
  return binary(BinaryOp::Add, a, b, scale, zero_point, /*relu=*/true, "quantized::add_relu");
}

Tensor mul(const Tensor& a, const Tensor& b, double scale, int64_t zero_point) {
  return binary(BinaryOp::Mul, a, b, scale, zero_point, /*relu=*/false, "quantized::mul");
}

Tensor mul_relu(const Tensor& a, const Tensor& b, double scale, int64_t zero_point) {
  return binary(BinaryOp::Mul, a, b, scale, zero_point, /*relu=*/true, "quantized::mul_relu");
}

}  // namespace octet::quantized
