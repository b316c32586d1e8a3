// qop_test_util.h: helpers for the quantized pooling / resize / norm / embedding op tests: random quantized tensors, layouts, integer comparisons, thread and ISA sweeps.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "octet/octet.h"

namespace octet::test::qop {

// An integer tensor uniform over [lo, hi] of the dtype's storage type, as a quantized tensor.
inline Tensor random_q(const Shape& shape, DType dtype, double scale, int64_t zero_point, Generator& gen,
                       int64_t lo = -1000, int64_t hi = 1000) {
  const int64_t tmin = dtype == kQUInt8 ? 0 : -128, tmax = dtype == kQUInt8 ? 255 : 127;
  lo = lo < tmin ? tmin : lo;
  hi = hi > tmax ? tmax : hi;
  const Tensor ints = randint(lo, hi + 1, shape, gen, kInt32).to(dtype == kQUInt8 ? kUInt8 : kInt8);
  return make_per_tensor_quantized_tensor(ints, scale, zero_point);
}

// The same values with channels-last memory: (N, *spatial, C) contiguous, viewed as (N, C, *spatial).
inline Tensor to_channels_last(const Tensor& q) {
  Shape to_last{0}, to_first{0, q.dim() - 1};
  for (int64_t d = 2; d < q.dim(); ++d) to_last.push_back(d);
  to_last.push_back(1);
  for (int64_t d = 1; d < q.dim() - 1; ++d) to_first.push_back(d);
  return q.permute(to_last).contiguous().permute(to_first);
}

// The same values in a non-contiguous layout: every other element of a tensor twice as wide.
inline Tensor to_strided(const Tensor& q) {
  Shape big = q.shape();
  big.back() *= 2;
  Tensor ints = zeros(big, q.int_repr().dtype());
  ints.slice(q.dim() - 1, 0, big.back(), 2).copy_(q.int_repr());
  return make_per_tensor_quantized_tensor(ints, q.q_scale(), q.q_zero_point()).slice(q.dim() - 1, 0, big.back(), 2);
}

// The stored integers in logical (row-major) order.
inline std::vector<int32_t> ints(const Tensor& q) {
  const Tensor t = q.int_repr().to(kInt32).contiguous();
  return std::vector<int32_t>(t.data_ptr<int32_t>(), t.data_ptr<int32_t>() + t.numel());
}

// How two quantized results compare: elements, exact ones, the largest difference in steps.
struct IntDiff {
  int64_t total = 0, exact = 0, max_diff = 0;
  std::string str() const {
    std::ostringstream s;
    s << exact << "/" << total << " exact, max diff " << max_diff;
    return s.str();
  }
};
inline IntDiff compare(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  EXPECT_EQ(a.dtype(), b.dtype());
  IntDiff d;
  if (a.shape() != b.shape()) return d;
  const std::vector<int32_t> x = ints(a), y = ints(b);
  d.total = static_cast<int64_t>(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const int64_t diff = std::abs(static_cast<int64_t>(x[i]) - y[i]);
    d.exact += diff == 0;
    d.max_diff = diff > d.max_diff ? diff : d.max_diff;
  }
  return d;
}

// Same shape, dtype, qparams and integers.
inline void expect_same_q(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  EXPECT_EQ(got.dtype(), want.dtype()) << what;
  EXPECT_EQ(got.q_scale(), want.q_scale()) << what;
  EXPECT_EQ(got.q_zero_point(), want.q_zero_point()) << what;
  const IntDiff d = compare(got, want);
  EXPECT_EQ(d.exact, d.total) << what << ": " << d.str();
}

// Runs fn() under every thread count in {1, 2, 3} and every ISA level this machine runs (up to the
// cap in force), restoring both afterwards; fn(label) gets a description of the configuration.
template <typename Fn>
void for_each_config(Fn&& fn) {
  const int saved_threads = get_num_threads();
  const Isa saved_cap = max_isa();
  for (Isa isa : {Isa::Ref, Isa::Avx2, Isa::Avx512}) {
    if (!isa_supported_by_hardware(isa) || isa > saved_cap) continue;
    set_max_isa(isa);
    for (int threads : {1, 2, 3}) {
      set_num_threads(threads);
      std::string label("isa=");
      label.append(isa_name(isa)).append(" threads=").append(std::to_string(threads));
      fn(label);
    }
  }
  set_max_isa(saved_cap);
  set_num_threads(saved_threads);
}

// {qmin, 0, 1, mid, qmax} of a dtype, without repeats.
inline std::vector<int64_t> zero_points(DType dtype) {
  if (dtype == kQUInt8) return {0, 1, 128, 255};
  return {-128, 0, 1, 127};
}

}  // namespace octet::test::qop
