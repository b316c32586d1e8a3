// tensor.h: octet::Tensor, an n-dimensional strided view over shared, 64-byte-aligned storage.
//
// A Tensor is a (storage, offset, shape, strides, dtype) tuple, like torch.Tensor. Copies of a
// Tensor share storage; views (reshape, permute, slice, ...) share storage and change only shape,
// strides and offset; contiguous() and clone() copy. A quantized Tensor (quint8, qint8, qint32,
// quint4x2) also carries a Quantizer giving its scale and zero point(s); views keep it, adjusted
// (a permute moves a per-channel axis, a slice along that axis slices the scales).
//
// Strides and offsets count elements, not bytes. QUInt4x2 tensors pack two elements per byte and
// are always contiguous: views that would need a non-contiguous layout are an Error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "octet/dtype.h"
#include "octet/error.h"
#include "octet/generator.h"
#include "octet/quantizer.h"

namespace octet {

using Shape = std::vector<int64_t>;

// Owned or borrowed bytes. Owned storage is allocated 64-byte aligned (one cache line, one
// AVX-512 register) and zero-filled unless the caller will overwrite every byte anyway.
class Storage {
 public:
  explicit Storage(std::size_t nbytes, bool zero_fill = true);
  // Borrowed: the deleter (may be empty) runs when the last Tensor using it goes away.
  Storage(void* data, std::size_t nbytes, std::function<void(void*)> deleter);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }

 private:
  void* data_ = nullptr;
  std::size_t nbytes_ = 0;
  std::function<void(void*)> deleter_;
};

class Tensor {
 public:
  Tensor() = default;  // undefined: defined() is false, every other accessor is an Error
  Tensor(std::shared_ptr<Storage> storage, int64_t offset, Shape shape, Shape strides, DType dtype,
         QuantizerPtr quantizer = nullptr);

  // --- properties -------------------------------------------------------------------------
  bool defined() const { return storage_ != nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const Shape& sizes() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size(int64_t d) const;    // negative d counts from the end
  int64_t stride(int64_t d) const;
  int64_t numel() const;
  int64_t storage_offset() const { return offset_; }
  std::size_t element_size() const { return octet::element_size(dtype_); }
  std::size_t nbytes() const { return storage_bytes_for(dtype_, numel()); }
  bool is_contiguous() const;
  bool is_quantized() const { return octet::is_quantized(dtype_); }
  bool is_floating_point() const { return octet::is_floating_point(dtype_); }
  const std::shared_ptr<Storage>& storage() const { return storage_; }

  // --- raw data -------------------------------------------------------------------------------
  // Pointer to the first element. T must match the dtype (for quantized dtypes, the stored integer
  // type: uint8_t for quint8 and quint4x2, int8_t for qint8, int32_t for qint32).
  template <typename T>
  T* data_ptr() const;
  void* raw_data() const;

  // The single element of a one-element tensor, converted to T (quantized: the dequantized value
  // for floating T, the stored integer for integral T).
  template <typename T>
  T item() const;
  // Element at a full index, converted to T like item(); indices may be negative.
  template <typename T>
  T at(std::initializer_list<int64_t> index) const { return at<T>(Shape(index)); }
  template <typename T>
  T at(const Shape& index) const;
  // Writes value (converted from double to the dtype) at a full index. Not for quantized tensors.
  void set(const Shape& index, double value);

  // --- views (share storage) ------------------------------------------------------------------
  Tensor view(const Shape& shape) const;       // needs compatible strides; one dim may be -1
  Tensor reshape(const Shape& shape) const;    // a view when possible, else a copy
  Tensor permute(const Shape& dims) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor t() const;                            // transpose of a matrix (dim <= 2)
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;  // python slicing
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;  // removes dim
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor expand(const Shape& shape) const;     // -1 keeps a size; new leading dims allowed
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;

  // --- copies -------------------------------------------------------------------------------------
  Tensor contiguous() const;  // itself when already contiguous
  Tensor clone() const;       // always a new contiguous tensor
  // Converts to another plain dtype. Float -> integer truncates toward zero; a value that does
  // not fit (or NaN) is an Error. Integer -> narrower integer wraps like PyTorch. Quantized
  // tensors convert through dequantize(); quantized targets are an Error (use quantize_*).
  Tensor to(DType dtype) const;
  // Copies src (same shape, or broadcastable by expand) into this tensor, converting dtypes.
  Tensor& copy_(const Tensor& src);
  Tensor& fill_(double value);

  // --- quantized tensors (PyTorch's names) ----------------------------------------------------
  const QuantizerPtr& quantizer() const;
  QScheme qscheme() const;
  double q_scale() const;
  int64_t q_zero_point() const;
  Tensor q_per_channel_scales() const;       // float64, one per channel
  Tensor q_per_channel_zero_points() const;  // int64 (float32 for float qparams)
  int64_t q_per_channel_axis() const;
  Tensor dequantize() const;                 // float32
  Tensor int_repr() const;                   // the stored integers as uint8/int8/int32

  std::string to_string() const;  // like PyTorch's repr

 private:
  void check_defined(const char* where) const;
  std::shared_ptr<Storage> storage_;
  int64_t offset_ = 0;
  Shape shape_;
  Shape strides_;
  DType dtype_ = DType::Float32;
  QuantizerPtr quantizer_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// --- factories ------------------------------------------------------------------------------------
Tensor empty(const Shape& shape, DType dtype = kFloat32);  // zero-filled, contiguous
Tensor zeros(const Shape& shape, DType dtype = kFloat32);
Tensor ones(const Shape& shape, DType dtype = kFloat32);
Tensor full(const Shape& shape, double value, DType dtype = kFloat32);
Tensor empty_like(const Tensor& t);  // same shape and dtype (quantizer too), contiguous
Tensor zeros_like(const Tensor& t);
// [start, end) with step, like torch.arange; int64 unless dtype is given.
Tensor arange(double start, double end, double step = 1.0, DType dtype = kInt64);
Tensor arange(int64_t end, DType dtype = kInt64);
Tensor rand(const Shape& shape, Generator& gen, DType dtype = kFloat32);   // U[0, 1)
Tensor randn(const Shape& shape, Generator& gen, DType dtype = kFloat32);  // N(0, 1)
Tensor randint(int64_t low, int64_t high, const Shape& shape, Generator& gen,
               DType dtype = kInt64);                                      // U{low..high-1}
// Wraps memory the caller owns (deleter runs when the last view goes; may be empty).
Tensor from_blob(void* data, const Shape& shape, DType dtype, const Shape& strides = {},
                 std::function<void(void*)> deleter = {});
// Copies a vector into a new contiguous tensor; shape defaults to 1-D of the vector's length.
template <typename T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape = {});

// True when both have the same shape and dtype and equal elements (NaN equals NaN). For quantized
// tensors the integers and quantizers must match too.
bool equal(const Tensor& a, const Tensor& b);

// Contiguous row-major strides for a shape.
Shape contiguous_strides(const Shape& shape);
// Product of the sizes; an Error on negative sizes or overflow.
int64_t shape_numel(const Shape& shape, const char* where = "shape");
std::string shape_to_string(const Shape& shape);  // "[2, 3]"

}  // namespace octet
