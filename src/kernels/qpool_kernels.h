// qpool_kernels.h: the 8-bit pooling microkernels (max, average with requantization, row sums) and their dispatch.
//
// A pooling kernel reduces `taps` input vectors into one output vector. Tap t is the vector
// x[t][0], x[t][stride], x[t][2 * stride], ..., and output j reduces element j of every tap:
//
//   maxpool:  y[j] = max over t < taps of x[t][j * stride]
//   avgpool:  y[j] = requantize(bias + sum over t < taps of x[t][j * stride])
//
// One shape serves both layouts the operators meet:
//   channels-last (NHWC): a tap is one input pixel's C channels (stride 1, n = C), and the taps are
//     the window's pixels: the kernel vectorises across channels.
//   NCHW: a tap is a run of input row elements, one per output column (stride = the pooling
//     stride, n = output columns whose window lies inside the row), and the taps are the window's
//     (row, column offset) pairs: the kernel vectorises along the output row.
// Windows that leave the input (padding, ceil_mode) simply have fewer taps; the operator passes
// them one output at a time (n = 1).
//
// Average pooling is exact integer arithmetic followed by Octet's requantization contract
// (docs/numerics.md), with the zero point folded into an int32 bias:
//
//   acc  = bias + sum of the taps                  int32, exact (bias = -zero_point_in * taps)
//   y[j] = clamp(nearbyint((float)acc * multiplier) + zero_point, qmin, qmax)
//
// multiplier = in_scale / out_scale / divisor in float32. This is PyTorch's channels-last rule
// (qavg_pool*_nhwc); its NCHW path adds the zero point before rounding, which differs by one at
// exact ties (docs/kernels.md). Every variant equals the __scalar one bit for bit: the sums are exact
// and the requantization is one float32 multiply and one round-to-nearest-even.
//
// Plain functions over raw pointers (docs/naming.md): they never allocate, thread or validate user
// input. They read exactly the elements named above: no over-read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <vector>

#include "octet/cpu_features.h"

// OCTET_IF_ARCH_<arch>(...) keeps its arguments only when this build compiles that architecture's
// kernels (the same definition as kernels/quantize_ukernels.h, so both headers may meet).
#ifndef OCTET_IF_ARCH_portable
#define OCTET_IF_ARCH_portable(...) __VA_ARGS__
#endif
#ifndef OCTET_IF_ARCH_x86
#if defined(OCTET_ARCH_X86)
#define OCTET_IF_ARCH_x86(...) __VA_ARGS__
#else
#define OCTET_IF_ARCH_x86(...)
#endif
#endif

namespace octet::kernels {

// The largest number of taps (window elements) an average may sum: 255 * 2^23 and the bias
// (at most 255 * taps in magnitude) still fit in int32. Operators reject larger windows.
inline constexpr size_t kQPoolMaxTaps = size_t{1} << 23;

// Requantization of the average kernels. Preconditions (asserted in debug builds): qmin <= qmax
// inside the output type, zero_point inside the output type, multiplier finite, and
// |bias + sum| < 2^31 for every output (true when bias = -zero_point_in * taps, taps <= kQPoolMaxTaps).
struct QAvgPoolParams {
  int32_t bias;        // added to every sum: -zero_point_in * (elements summed)
  float multiplier;    // in_scale / out_scale / divisor, float32 (0 gives zero_point)
  int32_t zero_point;  // of the output
  int32_t qmin;
  int32_t qmax;
};

// taps may be 0: max gives the type's lowest value (PyTorch's initial maximum), avg gives
// requantize(bias). stride >= 1. x[t] must be valid for elements 0, stride, ..., (n - 1) * stride.
using qu8_maxpool_fn = void (*)(size_t n, size_t taps, const uint8_t* const* x, size_t stride, uint8_t* y);
using qs8_maxpool_fn = void (*)(size_t n, size_t taps, const int8_t* const* x, size_t stride, int8_t* y);
using qu8_avgpool_minmax_fp32_fn = void (*)(size_t n, size_t taps, const uint8_t* const* x, size_t stride,
                                            uint8_t* y, const QAvgPoolParams* params);
using qs8_avgpool_minmax_fp32_fn = void (*)(size_t n, size_t taps, const int8_t* const* x, size_t stride,
                                            int8_t* y, const QAvgPoolParams* params);
// The exact sum of n contiguous elements, n <= kQPoolMaxTaps (the global average pool of an NCHW
// plane, and adaptive windows: one call per window row).
using qu8_s32_rsum_fn = int32_t (*)(size_t n, const uint8_t* x);
using qs8_s32_rsum_fn = int32_t (*)(size_t n, const int8_t* x);

#define OCTET_QPOOL_UKERNEL(arch, family, isa, level) \
  OCTET_IF_ARCH_##arch(std::remove_pointer_t<family##_fn> family##__##isa;)
#include "kernels/qpool_kernels.inc"
#undef OCTET_QPOOL_UKERNEL

// One variant per family.
struct QPoolKernels {
  qu8_maxpool_fn qu8_maxpool = nullptr;
  qs8_maxpool_fn qs8_maxpool = nullptr;
  qu8_avgpool_minmax_fp32_fn qu8_avgpool_minmax_fp32 = nullptr;
  qs8_avgpool_minmax_fp32_fn qs8_avgpool_minmax_fp32 = nullptr;
  qu8_s32_rsum_fn qu8_s32_rsum = nullptr;
  qs8_s32_rsum_fn qs8_s32_rsum = nullptr;
};

// The best variant of each family usable under the current ISA cap (set_max_isa / OCTET_MAX_ISA),
// walking the list best first; picked at each call, so a changed cap takes effect at once.
QPoolKernels qpool_kernels();

// One compiled pooling microkernel, for the tests' and benchmarks' "every path" loops.
struct QPoolKernelInfo {
  std::string_view name;  // e.g. "qu8_maxpool__avx2"
  Isa isa;
};
// Every pooling microkernel compiled into this build, best ISA first within each family.
const std::vector<QPoolKernelInfo>& qpool_compiled_kernels();

}  // namespace octet::kernels
