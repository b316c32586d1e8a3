// quantize_kernels.h: the quantize / dequantize / requantize microkernel families and their dispatch.
//
// Kernel names follow docs/naming.md: <input>_<output>_v<op>[_cw]__<isa>, e.g.
// f32_qu8_vquantize__avx2 reads "float32 in, unsigned 8-bit quantized out, elementwise quantize,
// AVX2". `_cw` kernels take one parameter set per element position (channelwise, used when the
// quantization axis is the innermost one). All kernels are plain functions over raw pointers; they
// never allocate, validate user input or thread. Every ISA variant equals the __scalar one bit for
// bit on every input, NaN and infinities included (tests/kernels/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "octet/cpu_features.h"

namespace octet::kernels {

// q = clamp(nearbyint(x * inv_scale) + zero_point, qmin, qmax); NaN -> qmax, as PyTorch gives
// (docs/numerics.md): clamp to qmax first with a NaN-to-qmax min, then to qmin. nearbyint rounds in
// the current rounding mode (to nearest, ties to even, by default); every variant does the same.
// For 8-bit outputs the zero point is added and the clamp done in float32, which is exact because
// |nearbyint(x * inv_scale)| < 2^24 whenever the result is not clamped anyway.
// Preconditions (asserted in debug builds, not checked in release): qmin <= qmax, both inside the
// output type's range; for the per-tensor kernels the zero point lies in that range too (the
// channelwise kernels accept any int32 zero point).
struct QuantizeParams {
  float inv_scale;     // 1.0f / (float)scale
  int32_t zero_point;
  int32_t qmin;
  int32_t qmax;
};

// x = (float)(q - zero_point) * scale: the difference is formed exactly (in int64 where int32
// could overflow, for qs32), then one rounding to float and one rounded multiply.
struct DequantizeParams {
  float scale;
  int32_t zero_point;
};

// q = clamp(nearbyint((float)acc * multiplier) + zero_point, qmin, qmax): Octet's requantization
// contract, one float32 multiply, no FMA. NaN cannot arise (multiplier is finite).
struct RequantizeParams {
  float multiplier;
  int32_t zero_point;
  int32_t qmin;
  int32_t qmax;
};

using f32_qu8_vquantize_fn = void (*)(size_t n, const float* x, uint8_t* y, const QuantizeParams* p);
using f32_qs8_vquantize_fn = void (*)(size_t n, const float* x, int8_t* y, const QuantizeParams* p);
// Channelwise: element i uses inv_scale[i], zero_point[i]; qmin/qmax shared.
using f32_qu8_vquantize_cw_fn = void (*)(size_t n, const float* x, uint8_t* y,
                                         const float* inv_scale, const int32_t* zero_point,
                                         int32_t qmin, int32_t qmax);
using f32_qs8_vquantize_cw_fn = void (*)(size_t n, const float* x, int8_t* y,
                                         const float* inv_scale, const int32_t* zero_point,
                                         int32_t qmin, int32_t qmax);
using qu8_f32_vdequantize_fn = void (*)(size_t n, const uint8_t* x, float* y,
                                        const DequantizeParams* p);
using qs8_f32_vdequantize_fn = void (*)(size_t n, const int8_t* x, float* y,
                                        const DequantizeParams* p);
using qs32_f32_vdequantize_fn = void (*)(size_t n, const int32_t* x, float* y,
                                         const DequantizeParams* p);
using qs32_qu8_vrequantize_fn = void (*)(size_t n, const int32_t* acc, uint8_t* y,
                                         const RequantizeParams* p);
using qs32_qs8_vrequantize_fn = void (*)(size_t n, const int32_t* acc, int8_t* y,
                                         const RequantizeParams* p);

// The chosen kernel of each family. qint32 quantize stays scalar (rare, and its float zero-point
// addition must match PyTorch's for |zero_point| > 2^24).
struct QuantizeKernels {
  f32_qu8_vquantize_fn f32_qu8_vquantize;
  f32_qs8_vquantize_fn f32_qs8_vquantize;
  f32_qu8_vquantize_cw_fn f32_qu8_vquantize_cw;
  f32_qs8_vquantize_cw_fn f32_qs8_vquantize_cw;
  qu8_f32_vdequantize_fn qu8_f32_vdequantize;
  qs8_f32_vdequantize_fn qs8_f32_vdequantize;
  qs32_f32_vdequantize_fn qs32_f32_vdequantize;
  qs32_qu8_vrequantize_fn qs32_qu8_vrequantize;
  qs32_qs8_vrequantize_fn qs32_qs8_vrequantize;
  Isa isa;  // the level the quantize kernels were picked at
};

// The best usable variant of each family for the current ISA cap (re-picked when set_max_isa
// changes the cap). Cheap: a table lookup. Throws the Error of an invalid OCTET_MAX_ISA.
const QuantizeKernels& quantize_kernels();
// The scalar reference variants (the specification).
const QuantizeKernels& quantize_kernels_ref();
// The variants compiled for one level, or nullptr when that level has no kernels in this build.
const QuantizeKernels* quantize_kernels_for(Isa isa);

// One compiled microkernel, for `octet info` and the tests' "every path" loops.
struct KernelInfo {
  std::string_view name;  // e.g. "f32_qu8_vquantize__avx2"
  Isa isa;
};
// Every microkernel compiled into this build, best ISA first within each family.
const std::vector<KernelInfo>& compiled_kernels();

}  // namespace octet::kernels
