// types.h: what the graph IR knows about a value before it runs: its element type and a shape whose dims may be symbolic.
//
// A value's type may be partly known, as in ONNX: the element type may be missing, the rank may be
// missing, and each dim is a size, a symbol or unknown. A symbol ("N", "seq_len") is a name that
// stands for one size wherever it appears in a graph: two inputs declared [N, 128] and [N] must be
// fed with the same N. Shape inference (passes.h) propagates symbols through the graph.
//
//   TensorType t(kFloat32, Dims{"N", 3, 224, 224});
//   t.to_string()  ==  "float32[N, 3, 224, 224]"
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "octet/dtype.h"
#include "octet/tensor.h"

namespace octet::graph {

// One dim of a shape: a known size (>= 0), a symbol, or unknown.
class Dim {
 public:
  Dim() = default;  // unknown
  template <std::integral T>
  Dim(T size) : Dim(static_cast<int64_t>(size), 0) {}  // NOLINT: implicit, so {"N", 3} reads naturally
  Dim(std::string symbol);                               // NOLINT: an empty name means unknown
  Dim(const char* symbol) : Dim(std::string(symbol)) {}  // NOLINT

  bool is_static() const { return kind_ == Kind::Static; }
  bool is_symbolic() const { return kind_ == Kind::Symbolic; }
  bool is_unknown() const { return kind_ == Kind::Unknown; }
  int64_t size() const;                // Error unless static
  const std::string& symbol() const;   // Error unless symbolic
  std::string to_string() const;       // "3", "N" or "?"

  friend bool operator==(const Dim& a, const Dim& b) {
    return a.kind_ == b.kind_ && a.size_ == b.size_ && a.symbol_ == b.symbol_;
  }

 private:
  enum class Kind : uint8_t { Unknown, Static, Symbolic };
  Dim(int64_t size, int /*tag*/);
  Kind kind_ = Kind::Unknown;
  int64_t size_ = 0;
  std::string symbol_;
};

using Dims = std::vector<Dim>;

// Dims of a concrete shape, every one static.
Dims to_dims(const Shape& shape);
// "[N, 3, 224, 224]".
std::string dims_to_string(const Dims& dims);

// The static type of a value: element type and shape, each possibly unknown.
struct TensorType {
  std::optional<DType> dtype;  // nullopt: element type unknown
  std::optional<Dims> shape;   // nullopt: rank unknown

  TensorType() = default;
  TensorType(std::optional<DType> dtype_, std::optional<Dims> shape_ = std::nullopt)  // NOLINT
      : dtype(dtype_), shape(std::move(shape_)) {}

  // The exact type of a concrete tensor.
  static TensorType of(const Tensor& t);

  bool has_rank() const { return shape.has_value(); }
  int64_t rank() const;        // Error when the rank is unknown
  bool is_unknown() const { return !dtype && !shape; }
  // The dtype is known and so is every dim.
  bool is_static() const;
  // Every dim known (Error otherwise, naming the type).
  Shape static_shape() const;
  // "float32[N, 3, 224, 224]"; "?" for an unknown dtype, "[...]" for an unknown rank, "[]" for a scalar.
  std::string to_string() const;

  friend bool operator==(const TensorType& a, const TensorType& b) {
    return a.dtype == b.dtype && a.shape == b.shape;
  }
};

}  // namespace octet::graph
