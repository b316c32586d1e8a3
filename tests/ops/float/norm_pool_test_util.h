// norm_pool_test_util.h: helpers for the norm, pooling, resize and embedding tests: golden-args access, ISA levels, strided copies.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "octet/octet.h"

namespace octet::test {

// Restores the ISA cap on scope exit; levels() lists the levels this machine runs, up to the cap in
// force when the object was made (so OCTET_MAX_ISA still limits the test).
class IsaLevels {
 public:
  IsaLevels() : saved_(max_isa()) {}
  ~IsaLevels() { set_max_isa(saved_); }
  IsaLevels(const IsaLevels&) = delete;
  IsaLevels& operator=(const IsaLevels&) = delete;
  std::vector<Isa> levels() const {
    std::vector<Isa> out;
    for (Isa i : {Isa::Ref, Isa::Avx2, Isa::Avx512}) {
      if (isa_supported_by_hardware(i) && i <= saved_) out.push_back(i);
    }
    return out;
  }

 private:
  Isa saved_;
};

inline Shape json_shape(const nlohmann::json& v) {
  Shape s;
  if (v.is_null()) return s;
  for (const auto& e : v) s.push_back(e.get<int64_t>());
  return s;
}

template <typename T>
std::optional<T> json_optional(const nlohmann::json& args, const char* key) {
  if (!args.contains(key) || args.at(key).is_null()) return std::nullopt;
  return args.at(key).get<T>();
}

// The same values as t in a non-contiguous layout: every other element of a buffer twice as long
// in the last dim.
inline Tensor strided_copy(const Tensor& t) {
  if (t.dim() == 0) return t.clone();
  Shape big = t.shape();
  big.back() *= 2;
  Tensor buf = full(big, -7.0, t.dtype());
  Tensor view = buf.slice(t.dim() - 1, 0, big.back(), 2);
  view.copy_(t);
  return view;
}

}  // namespace octet::test
