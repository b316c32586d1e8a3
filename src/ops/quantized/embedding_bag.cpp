// embedding_bag.cpp: 8-bit / 4-bit rowwise embedding bags and lookups: argument checks, bag boundaries, one kernel call per bag.
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor_impl.h"
#include "kernels/qembedding_kernels.h"
#include "octet/engine.h"
#include "octet/quantized/embedding.h"

namespace octet::quantized {
namespace {

// A fused rowwise weight: its rows, embedding dim and bytes per row (rows contiguous in memory).
struct FusedWeight {
  Tensor bytes;  // 2-D uint8, each row's bytes contiguous
  int64_t rows, dim, row_bytes;
  bool four_bit;
};

FusedWeight fused_weight(const Tensor& weight, bool four_bit, const char* where) {
  OCTET_CHECK(weight.defined(), where, "weight is an undefined tensor");
  OCTET_CHECK(weight.dtype() == kUInt8 && weight.dim() == 2, where,
              "expected a 2-D uint8 fused rowwise weight (from embedding_bag_", four_bit ? "4bit" : "byte",
              "_prepack), got ", weight.dtype(), " of shape ", shape_to_string(weight.shape()));
  const int64_t tail = four_bit ? 4 : 8;
  OCTET_CHECK(weight.size(1) > tail, where, "a fused row holds the data and ", tail,
              " bytes of scale and bias, so it needs more than ", tail, " bytes; got rows of ", weight.size(1));
  FusedWeight w;
  w.bytes = weight.stride(1) == 1 ? weight : weight.contiguous();
  w.rows = weight.size(0);
  w.dim = four_bit ? (weight.size(1) - 4) * 2 : weight.size(1) - 8;
  w.row_bytes = w.bytes.stride(0);
  w.four_bit = four_bit;
  return w;
}

// The indices as contiguous int64, each checked against [0, rows).
Tensor checked_indices(const Tensor& indices, int64_t rows, const char* where) {
  OCTET_CHECK(indices.defined(), where, "indices is an undefined tensor");
  OCTET_CHECK(indices.dtype() == kInt64 || indices.dtype() == kInt32, where, "expected int64 or int32 indices, got ",
              indices.dtype());
  const Tensor idx = indices.to(kInt64).contiguous();
  const int64_t* p = idx.data_ptr<int64_t>();
  for (int64_t i = 0; i < idx.numel(); ++i) {
    OCTET_CHECK(p[i] >= 0 && p[i] < rows, where, "index ", p[i], " at position ", i, " is out of range for ", rows,
                " embeddings (valid: 0 to ", rows - 1, ")");
  }
  return idx;
}

// Bag b covers indices [starts[b], starts[b + 1]).
std::vector<int64_t> bag_starts(const Tensor& indices, const Tensor& offsets, bool include_last_offset,
                                const char* where) {
  const int64_t n = indices.numel();
  std::vector<int64_t> starts;
  if (indices.dim() == 2) {
    OCTET_CHECK(!offsets.defined(), where, "offsets must be absent for 2-D indices (each row is a bag)");
    for (int64_t b = 0; b <= indices.size(0); ++b) starts.push_back(b * indices.size(1));
    return starts;
  }
  OCTET_CHECK(indices.dim() == 1, where, "expected 1-D indices (with offsets) or 2-D indices (fixed-size bags), got shape ",
              shape_to_string(indices.shape()));
  OCTET_CHECK(offsets.defined(), where, "offsets must be given for 1-D indices");
  OCTET_CHECK(offsets.dim() == 1 && (offsets.dtype() == kInt64 || offsets.dtype() == kInt32), where,
              "offsets must be a 1-D int64 or int32 tensor, got ", offsets.dtype(), " of shape ",
              shape_to_string(offsets.shape()));
  const Tensor off = offsets.to(kInt64).contiguous();
  const int64_t* po = off.data_ptr<int64_t>();
  const int64_t k = off.numel();
  OCTET_CHECK(!include_last_offset || k >= 1, where, "include_last_offset needs at least 1 offset, got none");
  if (k > 0) {
    OCTET_CHECK(po[0] == 0, where, "offsets[0] must be 0 (the first bag starts at the first index), got ", po[0]);
  }
  for (int64_t i = 0; i < k; ++i) {
    OCTET_CHECK(po[i] <= n, where, "offsets[", i, "] = ", po[i], " is beyond the ", n, " indices");
    if (i > 0) {
      OCTET_CHECK(po[i] >= po[i - 1], where, "offsets must be non-decreasing, got offsets[", i - 1, "] = ", po[i - 1],
                  " > offsets[", i, "] = ", po[i]);
    }
  }
  starts.assign(po, po + k);
  if (!include_last_offset) starts.push_back(n);
  return starts;
}

Tensor embedding_bag(const Tensor& weight, const Tensor& indices, const Tensor& offsets, int64_t mode,
                     const Tensor& per_sample_weights, bool include_last_offset, bool four_bit, const char* where) {
  const FusedWeight w = fused_weight(weight, four_bit, where);
  OCTET_CHECK(mode == kEmbeddingBagSum || mode == kEmbeddingBagMean || mode == kEmbeddingBagMax, where,
              "mode must be 0 (sum), 1 (mean) or 2 (max), got ", mode);
  const Tensor idx = checked_indices(indices, w.rows, where);
  const std::vector<int64_t> starts = bag_starts(indices, offsets, include_last_offset, where);
  Tensor psw;
  if (per_sample_weights.defined()) {
    OCTET_CHECK(mode == kEmbeddingBagSum, where, "per_sample_weights is only supported with mode 0 (sum), got mode ",
                mode);
    OCTET_CHECK(per_sample_weights.dtype() == kFloat32 && per_sample_weights.shape() == indices.shape(), where,
                "per_sample_weights must be float32 with the indices' shape ", shape_to_string(indices.shape()),
                ", got ", per_sample_weights.dtype(), " of shape ", shape_to_string(per_sample_weights.shape()));
    psw = per_sample_weights.contiguous();
  }
  const int64_t bags = static_cast<int64_t>(starts.size()) - 1;
  Tensor out = octet::detail::empty_uninitialized({bags, w.dim}, kFloat32);
  if (out.numel() == 0) return out;
  const kernels::QEmbeddingKernels k = kernels::qembedding_kernels();
  const auto sum = four_bit ? k.qu4_f32_embeddingbag_sum_rowwise : k.qu8_f32_embeddingbag_sum_rowwise;
  const auto max = four_bit ? k.qu4_f32_embeddingbag_max_rowwise : k.qu8_f32_embeddingbag_max_rowwise;
  const uint8_t* pw = w.bytes.data_ptr<uint8_t>();
  const int64_t* pi = idx.data_ptr<int64_t>();
  const float* ps = psw.defined() ? psw.data_ptr<float>() : nullptr;
  float* po = out.data_ptr<float>();
  const auto dim = static_cast<size_t>(w.dim), row_bytes = static_cast<size_t>(w.row_bytes);
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(dynamic, 16)
  for (int64_t b = 0; b < bags; ++b) {
    const int64_t begin = starts[static_cast<size_t>(b)];
    const auto count = static_cast<size_t>(starts[static_cast<size_t>(b + 1)] - begin);
    if (mode == kEmbeddingBagMax) {
      max(dim, count, pw, row_bytes, pi + begin, po + b * w.dim);
    } else {
      const float out_scale = mode == kEmbeddingBagMean && count > 0 ? 1.0f / static_cast<float>(count) : 1.0f;
      sum(dim, count, pw, row_bytes, pi + begin, ps == nullptr ? nullptr : ps + begin, out_scale, po + b * w.dim);
    }
  }
  return out;
}

// A lookup is a bag of one row per index: (0 + bias) + scale * q, which is scale * q + bias.
Tensor embedding_lookup(const Tensor& weight, const Tensor& indices, bool four_bit, const char* where) {
  const FusedWeight w = fused_weight(weight, four_bit, where);
  const Tensor idx = checked_indices(indices, w.rows, where);
  Shape out_shape = indices.shape();
  out_shape.push_back(w.dim);
  Tensor out = octet::detail::empty_uninitialized(out_shape, kFloat32);
  if (out.numel() == 0) return out;
  const kernels::QEmbeddingKernels k = kernels::qembedding_kernels();
  const auto sum = four_bit ? k.qu4_f32_embeddingbag_sum_rowwise : k.qu8_f32_embeddingbag_sum_rowwise;
  const uint8_t* pw = w.bytes.data_ptr<uint8_t>();
  const int64_t* pi = idx.data_ptr<int64_t>();
  float* po = out.data_ptr<float>();
  const auto dim = static_cast<size_t>(w.dim), row_bytes = static_cast<size_t>(w.row_bytes);
  const int64_t n = idx.numel();
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
  for (int64_t i = 0; i < n; ++i) sum(dim, 1, pw, row_bytes, pi + i, nullptr, 1.0f, po + i * w.dim);
  return out;
}

}  // namespace

Tensor embedding_bag_byte_rowwise_offsets(const Tensor& weight, const Tensor& indices, const Tensor& offsets,
                                          int64_t mode, const Tensor& per_sample_weights, bool include_last_offset) {
  return embedding_bag(weight, indices, offsets, mode, per_sample_weights, include_last_offset, false,
                       "quantized::embedding_bag_byte_rowwise_offsets");
}

Tensor embedding_bag_4bit_rowwise_offsets(const Tensor& weight, const Tensor& indices, const Tensor& offsets,
                                          int64_t mode, const Tensor& per_sample_weights, bool include_last_offset) {
  return embedding_bag(weight, indices, offsets, mode, per_sample_weights, include_last_offset, true,
                       "quantized::embedding_bag_4bit_rowwise_offsets");
}

Tensor embedding_byte(const Tensor& weight, const Tensor& indices) {
  return embedding_lookup(weight, indices, false, "quantized::embedding_byte");
}

Tensor embedding_4bit(const Tensor& weight, const Tensor& indices) {
  return embedding_lookup(weight, indices, true, "quantized::embedding_4bit");
}

}  // namespace octet::quantized
