// f32_elementwise_kernels.h: float32 elementwise, activation and softmax-row microkernels and their dispatch.
//
// Names follow docs/naming.md: f32_<op>__<isa>, e.g. f32_vsigmoid__avx512 reads "float32, elementwise
// sigmoid, AVX-512". Every family has one variant per level in f32_elementwise_kernels.inc.
//
// Numerics: unlike the quantize families these are not all bit-exact across ISAs. The __scalar
// variants are the reference and use the C library (std::exp, std::tanh, std::erfc). The vector
// variants of vexp, verf, vtanh, vsigmoid, vgelu, vgelutanh and vsilu use polynomial approximations
// within a few ulp of the exact result (tests/ops/float/elementwise_kernels_test.cpp sweeps them);
// every other family is a sequence of IEEE operations and equals __scalar bit for bit. NaN inputs
// give NaN outputs wherever PyTorch propagates them (max/min included).
//
// Kernels are plain functions over raw pointers: no allocation, no threads, no validation. Inputs and
// outputs may alias exactly (y == x) but must not partially overlap. n may be 0.
#pragma once

#include <cmath>
#include <cstddef>

#include "kernels/f32_elementwise_kernels.inc"
#include "octet/cpu_features.h"

namespace octet::kernels {

// Parameters of the unary families that take any (ignored by the others).
struct F32UnaryParams {
  float min = -INFINITY;  // vclamp: y = min(max(x, min), max), NaN in x stays NaN
  float max = INFINITY;
  float slope = 0.0f;     // vlrelu: y = x > 0 ? x : x * slope
};

// y[i] = a[i] op b[i]
using f32_vbinary_fn = void (*)(size_t n, const float* a, const float* b, float* y);
// y[i] = a[i] op b (the `r` families reverse the operands: vrsubc is y = b - a[i])
using f32_vbinaryc_fn = void (*)(size_t n, const float* a, float b, float* y);
// y[i] = f(x[i])
using f32_vunary_fn = void (*)(size_t n, const float* x, float* y, const F32UnaryParams* params);
// max over x[0..n) (n >= 1); NaN if any element is NaN
using f32_rmax_fn = float (*)(size_t n, const float* x);
// y[i] = exp(x[i] - max); returns the sum of the y[i] (float accumulation)
using f32_raddstoreexpminusmax_fn = float (*)(size_t n, const float* x, float max, float* y);
// The min and max of x[0..n) (n >= 1) and whether every element is finite. When one is not, min and
// max are unspecified; otherwise they equal the __scalar variant's (up to the sign of a zero, which
// depends on the order of comparison).
struct F32MinMax {
  float min = 0.0f;
  float max = 0.0f;
  bool finite = true;
};
using f32_rminmax_fn = F32MinMax (*)(size_t n, const float* x);

// One variant of every family, picked for one level.
struct F32ElementwiseKernels {
#define OCTET_F32_ELEMENTWISE_FIELD(op, kind, isa) f32_##kind##_fn op;
  OCTET_F32_ELEMENTWISE_FAMILIES(OCTET_F32_ELEMENTWISE_FIELD, )
#undef OCTET_F32_ELEMENTWISE_FIELD
  Isa isa;  // the level these variants were written for
};

// The best usable variants under the current ISA cap (OCTET_MAX_ISA / set_max_isa). Throws the
// Error of an invalid OCTET_MAX_ISA.
const F32ElementwiseKernels& f32_elementwise_kernels();
// The __scalar variants (the reference).
const F32ElementwiseKernels& f32_elementwise_kernels_ref();
// The variants written for exactly this level, or nullptr when this build has none for it.
const F32ElementwiseKernels* f32_elementwise_kernels_for(Isa isa);

}  // namespace octet::kernels
