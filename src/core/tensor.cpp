// tensor.cpp: storage, construction, properties and element access of octet::Tensor.
#include "octet/tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#include "core/dispatch.h"
#include "core/tensor_impl.h"

namespace octet {

// --- Storage -----------------------------------------------------------------------------------

Storage::Storage(std::size_t nbytes, bool zero_fill) : nbytes_(nbytes) {
  // 64-byte alignment, size rounded up so aligned_alloc accepts it; at least one line so that
  // data() is never null even for empty tensors.
  const std::size_t padded = ((nbytes + 63) / 64) * 64 + (nbytes == 0 ? 64 : 0);
  data_ = std::aligned_alloc(64, padded);
  if (data_ == nullptr) throw std::bad_alloc();
  if (zero_fill) std::memset(data_, 0, padded);
  deleter_ = [](void* p) { std::free(p); };
}

Storage::Storage(void* data, std::size_t nbytes, std::function<void(void*)> deleter)
    : data_(data), nbytes_(nbytes), deleter_(std::move(deleter)) {}

Storage::~Storage() {
  if (deleter_) deleter_(data_);
}

// --- helpers -------------------------------------------------------------------------------------

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= std::max<int64_t>(shape[i], 1);
  }
  return strides;
}

int64_t shape_numel(const Shape& shape, const char* where) {
  int64_t n = 1;
  for (int64_t d : shape) {
    OCTET_CHECK(d >= 0, where, "sizes must be non-negative, got ", shape_to_string(shape));
    OCTET_CHECK(d == 0 || n <= std::numeric_limits<int64_t>::max() / d, where, "shape ",
                shape_to_string(shape), " has more elements than int64 can count");
    n *= d;
  }
  return n;
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

namespace detail {
int64_t wrap_dim(int64_t d, int64_t ndim, const char* where) {
  const int64_t lo = ndim == 0 ? -1 : -ndim, hi = ndim == 0 ? 0 : ndim - 1;
  OCTET_CHECK(d >= lo && d <= hi, where, "dimension out of range (expected to be in [", lo, ", ", hi,
              "], but got ", d, ")");
  return d < 0 ? d + std::max<int64_t>(ndim, 1) : d;
}

int64_t element_offset(const Tensor& t, const Shape& index, const char* where) {
  OCTET_CHECK(static_cast<int64_t>(index.size()) == t.dim(), where, "expected ", t.dim(),
              " indices for a tensor of shape ", shape_to_string(t.shape()), ", got ", index.size());
  int64_t off = t.storage_offset();
  for (size_t d = 0; d < index.size(); ++d) {
    int64_t i = index[d];
    const int64_t n = t.shape()[d];
    OCTET_CHECK(i >= -n && i < n, where, "index ", i, " is out of bounds for dimension ", d, " with size ", n);
    if (i < 0) i += n;
    off += i * t.strides()[d];
  }
  return off;
}
}  // namespace detail

// --- Tensor ----------------------------------------------------------------------------------------

Tensor::Tensor(std::shared_ptr<Storage> storage, int64_t offset, Shape shape, Shape strides, DType dtype,
               QuantizerPtr quantizer)
    : storage_(std::move(storage)),
      offset_(offset),
      shape_(std::move(shape)),
      strides_(std::move(strides)),
      dtype_(dtype),
      quantizer_(std::move(quantizer)) {
  OCTET_CHECK(storage_ != nullptr, "Tensor", "storage must not be null");
  OCTET_CHECK(shape_.size() == strides_.size(), "Tensor", "shape ", shape_to_string(shape_), " and strides ",
              shape_to_string(strides_), " have different lengths");
  OCTET_CHECK(octet::is_quantized(dtype_) == (quantizer_ != nullptr), "Tensor",
              octet::is_quantized(dtype_) ? "a quantized dtype needs a quantizer"
                                          : "only quantized dtypes carry a quantizer");
  OCTET_CHECK(quantizer_ == nullptr || quantizer_->dtype() == dtype_, "Tensor", "quantizer dtype ",
              quantizer_ ? quantizer_->dtype() : dtype_, " does not match tensor dtype ", dtype_);
  shape_numel(shape_, "Tensor");
}

void Tensor::check_defined(const char* where) const {
  OCTET_CHECK(defined(), where, "the tensor is undefined (default-constructed)");
}

int64_t Tensor::size(int64_t d) const {
  check_defined("size");
  return shape_[static_cast<size_t>(detail::wrap_dim(d, dim(), "size"))];
}

int64_t Tensor::stride(int64_t d) const {
  check_defined("stride");
  return strides_[static_cast<size_t>(detail::wrap_dim(d, dim(), "stride"))];
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape_) n *= d;
  return n;
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = shape_.size(); i-- > 0;) {
    if (shape_[i] == 1) continue;
    if (shape_[i] == 0) return true;
    if (strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

void* Tensor::raw_data() const {
  check_defined("data_ptr");
  OCTET_CHECK(dtype_ != DType::QUInt4x2 || offset_ % 2 == 0, "data_ptr",
              "a quint4x2 view starting at an odd element has no byte address");
  return static_cast<char*>(storage_->data()) +
         static_cast<std::ptrdiff_t>(storage_bytes_for(dtype_, offset_));
}

template <typename T>
T* Tensor::data_ptr() const {
  check_defined("data_ptr");
  const DType want = dtype_of<T>();
  OCTET_CHECK(underlying_dtype(dtype_) == want, "data_ptr", "expected the element type of a ", dtype_,
              " tensor (", underlying_dtype(dtype_), "), but data_ptr was asked for ", want);
  return static_cast<T*>(raw_data());
}

#define OCTET_INSTANTIATE_DATA_PTR(T) template T* Tensor::data_ptr<T>() const;
OCTET_INSTANTIATE_DATA_PTR(float)
OCTET_INSTANTIATE_DATA_PTR(double)
OCTET_INSTANTIATE_DATA_PTR(Half)
OCTET_INSTANTIATE_DATA_PTR(BFloat16)
OCTET_INSTANTIATE_DATA_PTR(int8_t)
OCTET_INSTANTIATE_DATA_PTR(uint8_t)
OCTET_INSTANTIATE_DATA_PTR(int16_t)
OCTET_INSTANTIATE_DATA_PTR(int32_t)
OCTET_INSTANTIATE_DATA_PTR(int64_t)
OCTET_INSTANTIATE_DATA_PTR(bool)
#undef OCTET_INSTANTIATE_DATA_PTR

namespace detail {
double load_element(const Tensor& t, int64_t off, int64_t channel, bool dequantize) {
  const char* base = static_cast<const char*>(t.storage()->data());
  if (t.dtype() == DType::QUInt4x2) {
    const uint8_t byte = reinterpret_cast<const uint8_t*>(base)[off / 2];
    const int64_t q = (off % 2 == 0) ? (byte & 0x0f) : (byte >> 4);
    return dequantize ? dequantize_element(*t.quantizer(), channel, q) : static_cast<double>(q);
  }
  return dispatch_storage(t.dtype(), "at", [&](auto tag) -> double {
    using T = decltype(tag);
    const T v = reinterpret_cast<const T*>(base)[off];
    if (t.is_quantized()) {
      const auto q = static_cast<int64_t>(v);
      return dequantize ? dequantize_element(*t.quantizer(), channel, q) : static_cast<double>(q);
    }
    return to_double(v);
  });
}

int64_t channel_of(const Tensor& t, const Shape& index) {
  if (!t.is_quantized() || !t.quantizer()->per_channel()) return 0;
  int64_t i = index[static_cast<size_t>(t.quantizer()->axis())];
  return i < 0 ? i + t.shape()[static_cast<size_t>(t.quantizer()->axis())] : i;
}
}  // namespace detail

template <typename T>
T Tensor::at(const Shape& index) const {
  check_defined("at");
  const int64_t off = detail::element_offset(*this, index, "at");
  const int64_t channel = detail::channel_of(*this, index);
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(detail::load_element(*this, off, channel, /*dequantize=*/true));
  } else {
    if (!std::is_same_v<T, bool> && octet::is_integral(dtype_)) {
      // Integer to integer without a detour through double, which would round int64 values
      // beyond 2^53.
      return detail::dispatch_plain(dtype_, "at", [&](auto tag) -> T {
        using S = decltype(tag);
        if constexpr (std::is_integral_v<S> && !std::is_same_v<S, bool> && !std::is_same_v<T, bool>) {
          const S v = static_cast<const S*>(storage_->data())[off];
          OCTET_CHECK(std::in_range<T>(v), "at", "value ", +v, " does not fit in ", dtype_of<T>());
          return static_cast<T>(v);
        } else {
          OCTET_FAIL("at", "unreachable: ", dtype_, " is not an integer dtype");
        }
      });
    }
    return detail::convert_from_double<T>(detail::load_element(*this, off, channel, /*dequantize=*/false),
                                          "at");
  }
}

template <typename T>
T Tensor::item() const {
  check_defined("item");
  OCTET_CHECK(numel() == 1, "item", "expected a tensor with one element, got shape ", shape_to_string(shape_),
              " (", numel(), " elements)");
  return at<T>(Shape(static_cast<size_t>(dim()), 0));
}

#define OCTET_INSTANTIATE_ACCESS(T)            \
  template T Tensor::at<T>(const Shape&) const; \
  template T Tensor::item<T>() const;
OCTET_INSTANTIATE_ACCESS(float)
OCTET_INSTANTIATE_ACCESS(double)
OCTET_INSTANTIATE_ACCESS(int8_t)
OCTET_INSTANTIATE_ACCESS(uint8_t)
OCTET_INSTANTIATE_ACCESS(int16_t)
OCTET_INSTANTIATE_ACCESS(int32_t)
OCTET_INSTANTIATE_ACCESS(int64_t)
OCTET_INSTANTIATE_ACCESS(bool)
#undef OCTET_INSTANTIATE_ACCESS

void Tensor::set(const Shape& index, double value) {
  check_defined("set");
  OCTET_CHECK(!is_quantized(), "set", "cannot write a real value into a ", dtype_,
              " tensor; quantize a float tensor instead");
  const int64_t off = detail::element_offset(*this, index, "set");
  detail::dispatch_plain(dtype_, "set", [&](auto tag) {
    using T = decltype(tag);
    static_cast<T*>(storage_->data())[off] = detail::convert_from_double<T>(value, "set");
  });
}

const QuantizerPtr& Tensor::quantizer() const {
  check_defined("quantizer");
  OCTET_CHECK(quantizer_ != nullptr, "quantizer", "expected a quantized tensor, got ", dtype_);
  return quantizer_;
}

QScheme Tensor::qscheme() const {
  check_defined("qscheme");
  OCTET_CHECK(quantizer_ != nullptr, "qscheme", "expected a quantized tensor, got ", dtype_);
  return quantizer_->qscheme();
}

double Tensor::q_scale() const {
  OCTET_CHECK(defined() && quantizer_ != nullptr, "q_scale", "expected a quantized tensor, got ",
              defined() ? dtype_name(dtype_) : "an undefined tensor");
  return quantizer_->scale();
}

int64_t Tensor::q_zero_point() const {
  OCTET_CHECK(defined() && quantizer_ != nullptr, "q_zero_point", "expected a quantized tensor, got ",
              defined() ? dtype_name(dtype_) : "an undefined tensor");
  return quantizer_->zero_point();
}

Tensor Tensor::q_per_channel_scales() const {
  OCTET_CHECK(defined() && quantizer_ != nullptr, "q_per_channel_scales", "expected a quantized tensor, got ",
              defined() ? dtype_name(dtype_) : "an undefined tensor");
  return from_vector(quantizer_->scales());
}

Tensor Tensor::q_per_channel_zero_points() const {
  OCTET_CHECK(defined() && quantizer_ != nullptr, "q_per_channel_zero_points",
              "expected a quantized tensor, got ", defined() ? dtype_name(dtype_) : "an undefined tensor");
  if (quantizer_->qscheme() == QScheme::PerChannelAffineFloatQParams) {
    return from_vector(quantizer_->float_zero_points());
  }
  return from_vector(quantizer_->zero_points());
}

int64_t Tensor::q_per_channel_axis() const {
  OCTET_CHECK(defined() && quantizer_ != nullptr, "q_per_channel_axis", "expected a quantized tensor, got ",
              defined() ? dtype_name(dtype_) : "an undefined tensor");
  return quantizer_->axis();
}

}  // namespace octet
