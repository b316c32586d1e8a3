// qembedding_kernels.h: the 8-bit and 4-bit rowwise embedding-bag microkernels (sum/mean, max) and their dispatch.
//
// Weights are PyTorch's fused rowwise layouts (torch.ops.quantized.embedding_bag_byte_prepack and
// embedding_bag_4bit_prepack), one row per embedding, rows row_bytes apart:
//
//   8-bit (qu8):  [ q[0] q[1] ... q[dim-1] | float32 scale | float32 bias ]        dim + 8 bytes
//   4-bit (qu4):  [ b[0] ... b[dim/2 - 1] | fp16 scale | fp16 bias ]              dim/2 + 4 bytes
//                 element 2i is the low nibble of b[i], element 2i + 1 the high nibble
//
// and an element's real value is scale * q + bias (the scale and bias are float, not a zero point).
//
// One call reduces one bag: the rows at indices[0..count) in that order. Float32 arithmetic in a
// fixed order, no FMA, so every variant equals the __scalar one bit for bit:
//
//   sum:  acc[d] = 0; for each row r (in bag order), with s = scale_r, b = bias_r, each multiplied
//         by per_sample_weights[i] first when those are given (fbgemm's order):
//             acc[d] = (acc[d] + b) + s * q_r[d]              three rounded operations
//         out[d] = acc[d] * out_scale                          (1 for "sum", 1.0f / count for "mean")
//   max:  out[d] = the first row's b + s * q[d], then any later row's value that is greater
//         (PyTorch's float embedding_bag rule); no per-sample weights.
//   count == 0: out[d] = 0 (both).
//
// fbgemm (PyTorch's x86 kernels) computes fma(s, q, acc + b): the same order, but the product is
// not rounded on its own. Octet rounds it so that the scalar and SIMD variants agree without FMA
// hardware; the two differ by about one ulp of the sum per row (docs/kernels.md).
//
// Plain functions over raw pointers: indices must be valid rows (the operator checks them); the
// kernels never allocate, thread or validate.
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

// per_sample_weights: count floats, or nullptr.
using qu8_f32_embeddingbag_sum_rowwise_fn = void (*)(size_t dim, size_t count, const uint8_t* weight,
                                                     size_t row_bytes, const int64_t* indices,
                                                     const float* per_sample_weights, float out_scale,
                                                     float* out);
using qu4_f32_embeddingbag_sum_rowwise_fn = void (*)(size_t dim, size_t count, const uint8_t* weight,
                                                     size_t row_bytes, const int64_t* indices,
                                                     const float* per_sample_weights, float out_scale,
                                                     float* out);
using qu8_f32_embeddingbag_max_rowwise_fn = void (*)(size_t dim, size_t count, const uint8_t* weight,
                                                     size_t row_bytes, const int64_t* indices, float* out);
using qu4_f32_embeddingbag_max_rowwise_fn = void (*)(size_t dim, size_t count, const uint8_t* weight,
                                                     size_t row_bytes, const int64_t* indices, float* out);

#define OCTET_QEMBEDDING_UKERNEL(arch, family, isa, level) \
  OCTET_IF_ARCH_##arch(std::remove_pointer_t<family##_fn> family##__##isa;)
#include "kernels/qembedding_kernels.inc"
#undef OCTET_QEMBEDDING_UKERNEL

// One variant per family.
struct QEmbeddingKernels {
  qu8_f32_embeddingbag_sum_rowwise_fn qu8_f32_embeddingbag_sum_rowwise = nullptr;
  qu4_f32_embeddingbag_sum_rowwise_fn qu4_f32_embeddingbag_sum_rowwise = nullptr;
  qu8_f32_embeddingbag_max_rowwise_fn qu8_f32_embeddingbag_max_rowwise = nullptr;
  qu4_f32_embeddingbag_max_rowwise_fn qu4_f32_embeddingbag_max_rowwise = nullptr;
};

// The best variant of each family usable under the current ISA cap, picked at each call.
QEmbeddingKernels qembedding_kernels();

struct QEmbeddingKernelInfo {
  std::string_view name;  // e.g. "qu8_f32_embeddingbag_sum_rowwise__avx2"
  Isa isa;
};
// Every embedding microkernel compiled into this build, best ISA first within each family.
const std::vector<QEmbeddingKernelInfo>& qembedding_compiled_kernels();

}  // namespace octet::kernels
