// elementwise_test_util.h: helpers for the 8-bit elementwise / activation / cat op tests: random quantized tensors, integer comparisons, ISA and thread sweeps.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "octet/octet.h"

namespace octet::test::qelem {

// Uniform stored integers over the whole dtype range, as a quantized tensor.
inline Tensor random_q(const Shape& shape, DType dtype, double scale, int64_t zero_point, Generator& gen) {
  const int64_t lo = dtype_qmin(dtype), hi = dtype_qmax(dtype);
  const Tensor ints = randint(lo, hi + 1, shape, gen, kInt32).to(dtype == kQUInt8 ? kUInt8 : kInt8);
  return make_per_tensor_quantized_tensor(ints, scale, zero_point);
}

// Every integer of the dtype once, in order (256 elements), as a quantized tensor.
inline Tensor every_integer(DType dtype, double scale, int64_t zero_point) {
  const int64_t lo = dtype_qmin(dtype);
  const Tensor ints = arange(static_cast<double>(lo), static_cast<double>(lo + 256), 1.0, kInt32)
                          .to(dtype == kQUInt8 ? kUInt8 : kInt8);
  return make_per_tensor_quantized_tensor(ints, scale, zero_point);
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

inline IntDiff compare(const Tensor& got, const Tensor& want) {
  IntDiff d;
  EXPECT_EQ(got.shape(), want.shape());
  if (got.shape() != want.shape()) return d;
  const std::vector<int32_t> x = ints(got), y = ints(want);
  d.total = static_cast<int64_t>(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const int64_t diff = std::abs(static_cast<int64_t>(x[i]) - y[i]);
    d.exact += diff == 0;
    d.max_diff = diff > d.max_diff ? diff : d.max_diff;
  }
  return d;
}

// Same shape, dtype, qparams and integers; the first differing element on failure.
inline void expect_same_q(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  EXPECT_EQ(got.q_scale(), want.q_scale()) << what;
  EXPECT_EQ(got.q_zero_point(), want.q_zero_point()) << what;
  const std::vector<int32_t> x = ints(got), y = ints(want);
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] != y[i]) {
      ADD_FAILURE() << what << ": element " << i << " is " << x[i] << ", expected " << y[i];
      return;
    }
  }
}

// The ISA levels this machine can run, each with the cap set while the body runs; the cap and the
// thread count are restored afterwards.
class Sweep {
 public:
  Sweep() : saved_isa_(max_isa()), saved_threads_(get_num_threads()) {}
  ~Sweep() {
    set_max_isa(saved_isa_);
    set_num_threads(saved_threads_);
  }
  Sweep(const Sweep&) = delete;
  Sweep& operator=(const Sweep&) = delete;

  std::vector<Isa> isas() const {
    std::vector<Isa> out;
    for (Isa i : {Isa::Ref, Isa::Avx2, Isa::Avx512, Isa::Neon}) {
      if (isa_supported_by_hardware(i) && i <= saved_isa_) out.push_back(i);
    }
    return out;
  }

 private:
  Isa saved_isa_;
  int saved_threads_;
};

inline std::string where(Isa isa, int threads) {
  std::ostringstream s;
  s << "isa=" << isa_name(isa) << " threads=" << threads;
  return s.str();
}

}  // namespace octet::test::qelem
