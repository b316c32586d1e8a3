// flatten.cpp: Flatten and Unflatten.
#include "octet/nn/flatten.h"

#include <algorithm>

namespace octet::nn {

namespace {
// Python's tuple repr: (2, 3) and (6,).
std::string tuple_string(const Shape& sizes) {
  std::string out = "(";
  for (std::size_t i = 0; i < sizes.size(); ++i) out += (i ? ", " : "") + std::to_string(sizes[i]);
  return out + (sizes.size() == 1 ? ",)" : ")");
}
}  // namespace

Tensor Flatten::forward(const Tensor& input) {
  OCTET_CHECK(input.defined(), "Flatten", "the input is undefined");
  return input.flatten(start_dim_, end_dim_);
}

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim_) + ", end_dim=" + std::to_string(end_dim_);
}

Unflatten::Unflatten(int64_t dim, Shape unflattened_size) : dim_(dim), unflattened_size_(std::move(unflattened_size)) {
  OCTET_CHECK(!unflattened_size_.empty(), "Unflatten", "unflattened_size must be non-empty");
  OCTET_CHECK(std::count(unflattened_size_.begin(), unflattened_size_.end(), -1) <= 1, "Unflatten",
              "only one size in unflattened_size can be -1 (inferred), got ", tuple_string(unflattened_size_));
  OCTET_CHECK(std::all_of(unflattened_size_.begin(), unflattened_size_.end(), [](int64_t s) { return s >= -1; }),
              "Unflatten", "sizes must be >= 0 or -1 (inferred), got ", tuple_string(unflattened_size_));
}

Tensor Unflatten::forward(const Tensor& input) {
  OCTET_CHECK(input.defined(), "Unflatten", "the input is undefined");
  const int64_t rank = input.dim();
  OCTET_CHECK(dim_ >= -rank && dim_ < rank, "Unflatten", "dim ", dim_, " is out of range for a ", rank,
              "-d input of shape ", shape_to_string(input.shape()));
  const auto d = static_cast<std::size_t>(dim_ < 0 ? dim_ + rank : dim_);
  const int64_t size = input.shape()[d];
  Shape sizes = unflattened_size_;
  int64_t known = 1;
  for (int64_t s : sizes) known *= (s == -1 ? 1 : s);
  auto inferred = std::find(sizes.begin(), sizes.end(), int64_t{-1});
  if (inferred != sizes.end()) {
    OCTET_CHECK(known != 0 && size % known == 0, "Unflatten", "unflattened_size ", tuple_string(unflattened_size_),
                " cannot be inferred to fit dim ", dim_, " of size ", size, " (input shape ",
                shape_to_string(input.shape()), ")");
    *inferred = size / known;
  } else {
    OCTET_CHECK(known == size, "Unflatten", "unflattened_size ", tuple_string(unflattened_size_),
                " doesn't multiply up to the size of dim ", dim_, " (", size, ") of the input of shape ",
                shape_to_string(input.shape()));
  }
  Shape shape(input.shape().begin(), input.shape().begin() + static_cast<std::ptrdiff_t>(d));
  shape.insert(shape.end(), sizes.begin(), sizes.end());
  shape.insert(shape.end(), input.shape().begin() + static_cast<std::ptrdiff_t>(d) + 1, input.shape().end());
  return input.reshape(shape);
}

std::string Unflatten::extra_repr() const {
  return "dim=" + std::to_string(dim_) + ", unflattened_size=" + tuple_string(unflattened_size_);
}

}  // namespace octet::nn
