// f32-velementwise-scalar.cpp: the __scalar float32 elementwise kernels, the reference the vector variants are measured against.
//
// Transcendental functions come from the C library (correctly rounded or within an ulp on glibc);
// formulas follow PyTorch's CPU kernels, except gelu, which uses erfc(-x/sqrt(2)) instead of
// 1 + erf(x/sqrt(2)): the same function without the cancellation for negative x.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numbers>

#include "kernels/f32_elementwise_kernels.h"
#include "kernels/f32_elementwise_ukernels.h"

namespace octet::kernels {
namespace {

// NaN-propagating max/min, as torch.maximum / torch.minimum.
inline float max_nan(float a, float b) { return (a != a || a > b) ? a : b; }
inline float min_nan(float a, float b) { return (a != a || a < b) ? a : b; }

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

struct Op_vadd { float operator()(float a, float b) const { return a + b; } };
struct Op_vsub { float operator()(float a, float b) const { return a - b; } };
struct Op_vmul { float operator()(float a, float b) const { return a * b; } };
struct Op_vdiv { float operator()(float a, float b) const { return a / b; } };
struct Op_vmax { float operator()(float a, float b) const { return max_nan(a, b); } };
struct Op_vmin { float operator()(float a, float b) const { return min_nan(a, b); } };
struct Op_vaddc : Op_vadd {};
struct Op_vsubc : Op_vsub {};
struct Op_vrsubc { float operator()(float a, float b) const { return b - a; } };
struct Op_vmulc : Op_vmul {};
struct Op_vdivc : Op_vdiv {};
struct Op_vrdivc { float operator()(float a, float b) const { return b / a; } };
struct Op_vmaxc : Op_vmax {};
struct Op_vminc : Op_vmin {};

struct Op_vabs { float operator()(float x, const F32UnaryParams&) const { return std::fabs(x); } };
struct Op_vneg { float operator()(float x, const F32UnaryParams&) const { return -x; } };
struct Op_vsqrt { float operator()(float x, const F32UnaryParams&) const { return std::sqrt(x); } };
struct Op_vrsqrt { float operator()(float x, const F32UnaryParams&) const { return 1.0f / std::sqrt(x); } };
// Written so that NaN falls through both comparisons unchanged.
struct Op_vclamp {
  float operator()(float x, const F32UnaryParams& p) const {
    const float t = x < p.min ? p.min : x;
    return t > p.max ? p.max : t;
  }
};
struct Op_vlrelu {
  float operator()(float x, const F32UnaryParams& p) const { return x > 0.0f ? x : x * p.slope; }
};
// PyTorch's order: x * min(max(x + 3, 0), 6) / 6, a division (not a multiply by 1/6).
struct Op_vhswish {
  float operator()(float x, const F32UnaryParams&) const {
    float t = x + 3.0f;
    t = t < 0.0f ? 0.0f : t;
    t = t > 6.0f ? 6.0f : t;
    return x * t / 6.0f;
  }
};
struct Op_vhsigmoid {
  float operator()(float x, const F32UnaryParams&) const {
    float t = x + 3.0f;
    t = t < 0.0f ? 0.0f : t;
    t = t > 6.0f ? 6.0f : t;
    return t / 6.0f;
  }
};
struct Op_vexp { float operator()(float x, const F32UnaryParams&) const { return std::exp(x); } };
struct Op_verf { float operator()(float x, const F32UnaryParams&) const { return std::erf(x); } };
struct Op_vtanh { float operator()(float x, const F32UnaryParams&) const { return std::tanh(x); } };
struct Op_vsigmoid { float operator()(float x, const F32UnaryParams&) const { return sigmoid(x); } };
struct Op_vsilu { float operator()(float x, const F32UnaryParams&) const { return x / (1.0f + std::exp(-x)); } };
struct Op_vgelu {
  float operator()(float x, const F32UnaryParams&) const {
    return static_cast<float>(0.5 * static_cast<double>(x) * std::erfc(-static_cast<double>(x) / std::numbers::sqrt2));
  }
};
// PyTorch's tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
struct Op_vgelutanh {
  float operator()(float x, const F32UnaryParams&) const {
    constexpr float kBeta = static_cast<float>(std::numbers::sqrt2 * std::numbers::inv_sqrtpi);
    constexpr float kKappa = 0.044715f;
    const float inner = kBeta * (x + kKappa * x * x * x);
    return 0.5f * x * (1.0f + std::tanh(inner));
  }
};

template <class Op>
void run_vbinary(size_t n, const float* a, const float* b, float* y) {
  const Op op;
  for (size_t i = 0; i < n; ++i) y[i] = op(a[i], b[i]);
}

template <class Op>
void run_vbinaryc(size_t n, const float* a, float b, float* y) {
  const Op op;
  for (size_t i = 0; i < n; ++i) y[i] = op(a[i], b);
}

template <class Op>
void run_vunary(size_t n, const float* x, float* y, const F32UnaryParams* params) {
  const Op op;
  const F32UnaryParams p = params != nullptr ? *params : F32UnaryParams{};
  for (size_t i = 0; i < n; ++i) y[i] = op(x[i], p);
}

}  // namespace

float f32_rmax__scalar(size_t n, const float* x) {
  float m = x[0];
  for (size_t i = 1; i < n; ++i) m = max_nan(m, x[i]);
  return m;
}

// omp simd reductions (minps/maxps lanes) over four quarters of the array at once, so that four
// dependency chains overlap even at this level. `v < lo ? v : lo` is minps' own rule. The finiteness
// check sums v - v: 0 for finite v, NaN for NaN or +-inf, and a NaN survives any order of summation.
F32MinMax f32_rminmax__scalar(size_t n, const float* d) {
  const size_t q = n / 4;
  const float* d1 = d + q;
  const float* d2 = d + 2 * q;
  const float* d3 = d + 3 * q;
  float lo0 = d[0], lo1 = d[0], lo2 = d[0], lo3 = d[0];
  float hi0 = d[0], hi1 = d[0], hi2 = d[0], hi3 = d[0];
  float ns0 = 0, ns1 = 0, ns2 = 0, ns3 = 0;
#pragma omp simd reduction(min : lo0, lo1, lo2, lo3) reduction(max : hi0, hi1, hi2, hi3) \
    reduction(+ : ns0, ns1, ns2, ns3)
  for (size_t i = 0; i < q; ++i) {
    const float v0 = d[i], v1 = d1[i], v2 = d2[i], v3 = d3[i];
    lo0 = v0 < lo0 ? v0 : lo0;
    lo1 = v1 < lo1 ? v1 : lo1;
    lo2 = v2 < lo2 ? v2 : lo2;
    lo3 = v3 < lo3 ? v3 : lo3;
    hi0 = v0 > hi0 ? v0 : hi0;
    hi1 = v1 > hi1 ? v1 : hi1;
    hi2 = v2 > hi2 ? v2 : hi2;
    hi3 = v3 > hi3 ? v3 : hi3;
    ns0 += v0 - v0;
    ns1 += v1 - v1;
    ns2 += v2 - v2;
    ns3 += v3 - v3;
  }
  float lo = std::min(std::min(lo0, lo1), std::min(lo2, lo3));
  float hi = std::max(std::max(hi0, hi1), std::max(hi2, hi3));
  float nan_seen = (ns0 + ns1) + (ns2 + ns3);
  for (size_t i = 4 * q; i < n; ++i) {
    lo = d[i] < lo ? d[i] : lo;
    hi = d[i] > hi ? d[i] : hi;
    nan_seen += d[i] - d[i];
  }
  return F32MinMax{lo, hi, nan_seen == 0.0f};
}

float f32_raddstoreexpminusmax__scalar(size_t n, const float* x, float max, float* y) {
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    y[i] = std::exp(x[i] - max);
    sum += y[i];
  }
  return sum;
}

#define OCTET_F32_DEFINE_vbinary(op, isa) \
  void f32_##op##__##isa(size_t n, const float* a, const float* b, float* y) { run_vbinary<Op_##op>(n, a, b, y); }
#define OCTET_F32_DEFINE_vbinaryc(op, isa) \
  void f32_##op##__##isa(size_t n, const float* a, float b, float* y) { run_vbinaryc<Op_##op>(n, a, b, y); }
#define OCTET_F32_DEFINE_vunary(op, isa)                                                      \
  void f32_##op##__##isa(size_t n, const float* x, float* y, const F32UnaryParams* params) { \
    run_vunary<Op_##op>(n, x, y, params);                                                     \
  }
#define OCTET_F32_DEFINE_rmax(op, isa)
#define OCTET_F32_DEFINE_rminmax(op, isa)
#define OCTET_F32_DEFINE_raddstoreexpminusmax(op, isa)
#define OCTET_F32_DEFINE(op, kind, isa) OCTET_F32_DEFINE_##kind(op, isa)
OCTET_F32_ELEMENTWISE_FAMILIES(OCTET_F32_DEFINE, scalar)

}  // namespace octet::kernels
