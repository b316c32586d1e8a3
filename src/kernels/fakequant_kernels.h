// fakequant_kernels.h: the fake-quantize microkernel families (float32 through the quantize grid and
// back, with the straight-through mask) and their dispatch.
//
// Kernel names follow docs/naming.md: f32_vfakequant[_cw]__<isa> reads "float32 in and out,
// elementwise fake quantize", `_cw` taking one parameter set per element position (channelwise:
// per-channel fake quantization whose axis is the innermost one, or short rows with the parameters
// repeated along them). They are plain functions over raw pointers; they never allocate, validate
// user input or thread. Every ISA variant equals the __scalar one bit for bit on every input it
// accepts (below), NaN and infinities included (tests/kernels/fakequant_kernels_test.cpp).
//
// The arithmetic is ATen's fake_quantize_tensor_cachemask kernel, step for step, in this order:
//
//   t    = (float)zero_point + nearbyint(x * inv_scale)    float32 multiply, round in the current
//                                                          mode (ties to even by default), float32 add
//   mask = (float)qmin <= t && t <= (float)qmax            false for NaN
//   q    = (int64)clamp(t, qmin, qmax)                     NaN -> qmin (fmax(NaN, qmin) = qmin)
//   y    = (float)(q - zero_point) * scale                 integer difference, one rounded multiply
//
// so y is exactly dequantize(quantize(x)) for every x that is not NaN; NaN gives
// (qmin - zero_point) * scale with mask 0, what PyTorch's fake quantization gives (its quantize
// gives qmax instead: docs/numerics.md). +-inf and products beyond the range saturate with mask 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/quantize_kernels.h"  // KernelInfo
#include "octet/cpu_features.h"

namespace octet::kernels {

// Preconditions (asserted in debug builds): qmin <= zero_point <= qmax. The __scalar variants
// accept any int32 range; the SIMD variants need |qmin|, |qmax| <= 2^24 (kFakeQuantMaxSimdBound),
// where every bound is a float32 value and the clamp can run in float32 (callers check
// fakequant_simd_ok and fall back to the scalar variants otherwise).
struct FakeQuantParams {
  float scale;
  float inv_scale;  // 1.0f / scale, as ATen computes it (not a division per element)
  int32_t zero_point;
  int32_t qmin;
  int32_t qmax;
};

inline constexpr int32_t kFakeQuantMaxSimdBound = int32_t{1} << 24;

// Whether the SIMD variants handle this range (see FakeQuantParams).
constexpr bool fakequant_simd_ok(int32_t qmin, int32_t qmax) {
  return qmin >= -kFakeQuantMaxSimdBound && qmax <= kFakeQuantMaxSimdBound;
}

// y[i] = fake_quantize(x[i]); mask[i] = 1 where the unclamped value lay in [qmin, qmax], else 0.
// mask may be nullptr (not written). y may alias x.
using f32_vfakequant_fn = void (*)(size_t n, const float* x, float* y, uint8_t* mask,
                                   const FakeQuantParams* p);
// Channelwise: element i uses scale[i], inv_scale[i], zero_point[i]; qmin/qmax shared; each
// zero point lies in [qmin, qmax].
using f32_vfakequant_cw_fn = void (*)(size_t n, const float* x, float* y, uint8_t* mask,
                                      const float* scale, const float* inv_scale,
                                      const int32_t* zero_point, int32_t qmin, int32_t qmax);

// The chosen kernel of each family.
struct FakeQuantKernels {
  f32_vfakequant_fn f32_vfakequant;
  f32_vfakequant_cw_fn f32_vfakequant_cw;
  Isa isa;  // the level the kernels were picked at
};

// The best usable variant of each family for the current ISA cap (re-picked when set_max_isa
// changes the cap). Cheap: a table lookup.
const FakeQuantKernels& fakequant_kernels();
// The scalar reference variants (the specification).
const FakeQuantKernels& fakequant_kernels_ref();
// The variants compiled for one level, or nullptr when that level has no kernels in this build.
const FakeQuantKernels* fakequant_kernels_for(Isa isa);
// Every fake-quantize microkernel compiled into this build, best ISA first within each family.
const std::vector<KernelInfo>& fakequant_compiled_kernels();

}  // namespace octet::kernels
