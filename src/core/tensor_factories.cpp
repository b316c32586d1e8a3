// tensor_factories.cpp: empty, zeros, ones, full, arange, rand/randn/randint, from_blob, from_vector.
#include <cmath>
#include <cstring>

#include "core/dispatch.h"
#include "core/tensor_impl.h"
#include "octet/tensor.h"

namespace octet {
namespace {
void check_plain(DType dtype, const char* where) {
  OCTET_CHECK(!is_quantized(dtype), where, "cannot create a ", dtype,
              " tensor without qparams; use quantize_per_tensor or make_per_tensor_quantized_tensor");
}
}  // namespace

Tensor empty(const Shape& shape, DType dtype) {
  check_plain(dtype, "empty");
  const int64_t n = shape_numel(shape, "empty");
  auto storage = std::make_shared<Storage>(storage_bytes_for(dtype, n));
  return Tensor(std::move(storage), 0, shape, contiguous_strides(shape), dtype);
}

Tensor zeros(const Shape& shape, DType dtype) {
  check_plain(dtype, "zeros");
  return empty(shape, dtype);  // storage is zero-filled
}

Tensor ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }

Tensor full(const Shape& shape, double value, DType dtype) {
  check_plain(dtype, "full");
  Tensor t = empty(shape, dtype);
  t.fill_(value);
  return t;
}

Tensor empty_like(const Tensor& t) {
  OCTET_CHECK(t.defined(), "empty_like", "the tensor is undefined");
  if (t.is_quantized()) return detail::empty_quantized(t.shape(), t.quantizer());
  return empty(t.shape(), t.dtype());
}

Tensor zeros_like(const Tensor& t) { return empty_like(t); }

Tensor arange(double start, double end, double step, DType dtype) {
  check_plain(dtype, "arange");
  OCTET_CHECK(std::isfinite(start) && std::isfinite(end) && std::isfinite(step), "arange",
              "start, end and step must be finite, got ", start, ", ", end, ", ", step);
  OCTET_CHECK(step != 0, "arange", "step must be nonzero");
  OCTET_CHECK((step > 0 && end >= start) || (step < 0 && end <= start), "arange",
              "upper bound and larger bound inconsistent with step sign (start ", start, ", end ", end,
              ", step ", step, ")");
  const auto n = static_cast<int64_t>(std::ceil((end - start) / step));
  Tensor t = empty({n}, dtype);
  detail::dispatch_plain(dtype, "arange", [&](auto tag) {
    using T = decltype(tag);
    T* d = t.data_ptr<T>();
    for (int64_t i = 0; i < n; ++i) d[i] = detail::convert_from_double<T>(start + static_cast<double>(i) * step, "arange");
  });
  return t;
}

Tensor arange(int64_t end, DType dtype) { return arange(0.0, static_cast<double>(end), 1.0, dtype); }

Tensor rand(const Shape& shape, Generator& gen, DType dtype) {
  OCTET_CHECK(is_floating_point(dtype), "rand", "expected a floating dtype, got ", dtype);
  Tensor t = empty(shape, dtype);
  detail::dispatch_plain(dtype, "rand", [&](auto tag) {
    using T = decltype(tag);
    T* d = t.data_ptr<T>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      if constexpr (std::is_same_v<T, double>) {
        d[i] = gen.uniform_double();
      } else {
        d[i] = detail::convert_from_double<T>(gen.uniform_float(), "rand");
      }
    }
  });
  return t;
}

Tensor randn(const Shape& shape, Generator& gen, DType dtype) {
  OCTET_CHECK(is_floating_point(dtype), "randn", "expected a floating dtype, got ", dtype);
  Tensor t = empty(shape, dtype);
  detail::dispatch_plain(dtype, "randn", [&](auto tag) {
    using T = decltype(tag);
    T* d = t.data_ptr<T>();
    for (int64_t i = 0; i < t.numel(); ++i) d[i] = detail::convert_from_double<T>(gen.normal(), "randn");
  });
  return t;
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, Generator& gen, DType dtype) {
  check_plain(dtype, "randint");
  OCTET_CHECK(high > low, "randint", "expected low < high, got low=", low, " high=", high);
  Tensor t = empty(shape, dtype);
  detail::dispatch_plain(dtype, "randint", [&](auto tag) {
    using T = decltype(tag);
    T* d = t.data_ptr<T>();
    for (int64_t i = 0; i < t.numel(); ++i) {
      d[i] = detail::convert_from_double<T>(static_cast<double>(gen.randint(low, high)), "randint");
    }
  });
  return t;
}

Tensor from_blob(void* data, const Shape& shape, DType dtype, const Shape& strides,
                 std::function<void(void*)> deleter) {
  check_plain(dtype, "from_blob");
  OCTET_CHECK(data != nullptr || shape_numel(shape, "from_blob") == 0, "from_blob", "data must not be null");
  const Shape st = strides.empty() ? contiguous_strides(shape) : strides;
  OCTET_CHECK(st.size() == shape.size(), "from_blob", "shape ", shape_to_string(shape), " and strides ",
              shape_to_string(st), " have different lengths");
  // Extent in elements: 1 + the largest reachable offset.
  int64_t extent = shape_numel(shape, "from_blob") == 0 ? 0 : 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    OCTET_CHECK(st[i] >= 0, "from_blob", "negative strides are not supported, got ", shape_to_string(st));
    if (shape[i] > 0) extent += (shape[i] - 1) * st[i];
  }
  auto storage = std::make_shared<Storage>(data, storage_bytes_for(dtype, extent), std::move(deleter));
  return Tensor(std::move(storage), 0, shape, st, dtype);
}

template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape) {
  const Shape s = shape.empty() ? Shape{static_cast<int64_t>(values.size())} : shape;
  OCTET_CHECK(shape_numel(s, "from_vector") == static_cast<int64_t>(values.size()), "from_vector", "shape ",
              shape_to_string(s), " needs ", shape_numel(s), " elements, but the vector has ", values.size());
  Tensor t = empty(s, dtype_of<T>());
  if constexpr (std::is_same_v<T, bool>) {
    bool* d = t.data_ptr<bool>();
    for (size_t i = 0; i < values.size(); ++i) d[i] = values[i];
  } else if (!values.empty()) {
    std::memcpy(t.data_ptr<T>(), values.data(), values.size() * sizeof(T));
  }
  return t;
}

template Tensor from_vector<float>(const std::vector<float>&, const Shape&);
template Tensor from_vector<double>(const std::vector<double>&, const Shape&);
template Tensor from_vector<Half>(const std::vector<Half>&, const Shape&);
template Tensor from_vector<BFloat16>(const std::vector<BFloat16>&, const Shape&);
template Tensor from_vector<int8_t>(const std::vector<int8_t>&, const Shape&);
template Tensor from_vector<uint8_t>(const std::vector<uint8_t>&, const Shape&);
template Tensor from_vector<int16_t>(const std::vector<int16_t>&, const Shape&);
template Tensor from_vector<int32_t>(const std::vector<int32_t>&, const Shape&);
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, const Shape&);
template Tensor from_vector<bool>(const std::vector<bool>&, const Shape&);

}  // namespace octet
