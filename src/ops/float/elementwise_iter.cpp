// elementwise_iter.cpp: dtype checks, PyTorch's type promotion and broadcasting for the elementwise ops.
#include "ops/float/elementwise_iter.h"

#include <optional>
#include <string>

#include "core/tensor_impl.h"

namespace octet::functional::elementwise_detail {

void check_defined(const Tensor& t, const char* op, const char* what) {
  OCTET_CHECK(t.defined(), op, "expected ", what, " to be a defined tensor");
}

void check_arith(const Tensor& t, const char* op, const char* what) {
  check_defined(t, op, what);
  OCTET_CHECK(is_arith_dtype(t.dtype()), op, "expected ", what, " to be float32, float64, int32 or int64, got ",
              t.dtype());
}

void check_float32(const Tensor& t, const char* op, const char* what) {
  check_defined(t, op, what);
  OCTET_CHECK(t.dtype() == kFloat32, op, "expected ", what, " to be a float32 tensor, got ", t.dtype());
}

TypeOperand type_operand(const Tensor& t) {
  return {t.dtype(), t.dim() == 0 ? TypeOperand::ZeroDim : TypeOperand::Dimensioned};
}

TypeOperand type_operand(const Scalar& s) {
  return {s.is_integral() ? kInt64 : kFloat32, TypeOperand::Wrapped};
}

namespace {

int category(DType t) {
  if (t == kBool) return 0;
  if (is_integral(t)) return 1;
  return 2;
}

// PyTorch's combine_categories: the higher tier wins unless the lower one is of a higher category.
std::optional<DType> combine(std::optional<DType> higher, std::optional<DType> lower) {
  if (!higher) return lower;
  if (!lower) return higher;
  if (is_floating_point(*higher)) return higher;
  if (*higher == kBool || is_floating_point(*lower)) return promote_types(*higher, *lower);
  return higher;
}

}  // namespace

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  const int ca = category(a), cb = category(b);
  if (ca != cb) return ca > cb ? a : b;
  if (ca == 2) return (a == kFloat64 || b == kFloat64) ? kFloat64 : kFloat32;
  // Signed integers of different widths: the wider one (uint8 does not reach the arithmetic ops).
  return element_size(a) >= element_size(b) ? a : b;
}

DType result_type(std::initializer_list<TypeOperand> operands) {
  std::optional<DType> tiers[3];
  for (const TypeOperand& o : operands) {
    std::optional<DType>& t = tiers[o.tier];
    t = t ? promote_types(*t, o.dtype) : o.dtype;
  }
  const std::optional<DType> r = combine(tiers[0], combine(tiers[1], tiers[2]));
  OCTET_CHECK(r.has_value(), "result_type", "expected at least one operand");
  return *r;
}

Tensor scalar_to_tensor(const Scalar& s, DType dtype) {
  Tensor t = octet::detail::empty_uninitialized({}, dtype);
  dispatch_arith(dtype, "scalar", [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T>) {
      *t.data_ptr<T>() = static_cast<T>(s.to_int());
    } else {
      *t.data_ptr<T>() = static_cast<T>(s.to_double());
    }
  });
  return t;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    OCTET_CHECK(da == db || da == 1 || db == 1, op, "shapes ", shape_to_string(a), " and ", shape_to_string(b),
                " are not broadcastable (dim -", i + 1, ": ", da, " vs ", db, ")");
    out[n - 1 - i] = da == 1 ? db : da;
  }
  return out;
}

Shape broadcast_strides(const Tensor& t, const Shape& out_shape) {
  const size_t n = out_shape.size(), m = static_cast<size_t>(t.dim());
  Shape strides(n, 0);
  for (size_t i = 0; i < m; ++i) {
    const size_t o = n - m + i;
    strides[o] = t.shape()[i] == 1 && out_shape[o] != 1 ? 0 : t.strides()[i];
  }
  return strides;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t n = std::max<int64_t>(ndim, 1);  // a 0-d tensor accepts dims -1 and 0, as in PyTorch
  OCTET_CHECK(dim >= -n && dim < n, op, "dim ", dim, " is out of range for a ", ndim, "-d tensor (expected ", -n,
              "..", n - 1, ")");
  return dim < 0 ? dim + n : dim;
}

}  // namespace octet::functional::elementwise_detail

namespace octet {

DType result_type(const Tensor& a, const Tensor& b) {
  using namespace functional::elementwise_detail;
  OCTET_CHECK(a.defined() || b.defined(), "result_type", "expected at least one defined tensor");
  if (!a.defined()) return b.dtype();
  if (!b.defined()) return a.dtype();
  return functional::elementwise_detail::result_type({type_operand(a), type_operand(b)});
}

DType result_type(const Tensor& a, const Scalar& b) {
  using namespace functional::elementwise_detail;
  check_defined(a, "result_type", "the tensor");
  return functional::elementwise_detail::result_type({type_operand(a), type_operand(b)});
}

}  // namespace octet
