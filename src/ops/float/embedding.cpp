// embedding.cpp: embedding and embedding_bag (sum, mean, max) with in-place max_norm renormalisation, as torch.nn.functional.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "core/tensor_impl.h"
#include "octet/engine.h"
#include "octet/functional/embedding.h"

namespace octet::functional {
namespace {

void check_weight(const Tensor& weight, const char* where) {
  OCTET_CHECK(weight.defined(), where, "weight is an undefined tensor");
  OCTET_CHECK(weight.dtype() == kFloat32 && weight.dim() == 2, where,
              "weight must be a 2-D float32 matrix (num_embeddings, embedding_dim), got ", weight.dtype(),
              " of shape ", shape_to_string(weight.shape()));
}

// The indices as contiguous int64, each checked against [0, num).
Tensor checked_indices(const Tensor& input, int64_t num, const char* where) {
  OCTET_CHECK(input.defined(), where, "input is an undefined tensor");
  OCTET_CHECK(input.dtype() == kInt64 || input.dtype() == kInt32, where,
              "expected int64 or int32 indices, got ", input.dtype());
  const Tensor idx = input.to(kInt64).contiguous();
  const int64_t* p = idx.data_ptr<int64_t>();
  for (int64_t i = 0; i < idx.numel(); ++i) {
    OCTET_CHECK(p[i] >= 0 && p[i] < num, where, "index ", p[i], " is out of range for ", num,
                " embeddings (valid: 0 to ", num - 1, ")");
  }
  return idx;
}

std::optional<int64_t> checked_padding_idx(std::optional<int64_t> padding_idx, int64_t num, const char* where) {
  if (!padding_idx.has_value()) return std::nullopt;
  const int64_t p = *padding_idx < 0 ? *padding_idx + num : *padding_idx;
  OCTET_CHECK(p >= 0 && p < num, where, "padding_idx must be within [-", num, ", ", num, "), got ", *padding_idx);
  return p;
}

// PyTorch's embedding_renorm_: each distinct row looked up whose norm exceeds max_norm is scaled
// by max_norm / (norm + 1e-7), in place.
void renorm_rows(const Tensor& weight, const Tensor& idx, double max_norm, double norm_type, const char* where) {
  OCTET_CHECK(max_norm >= 0.0, where, "max_norm must be >= 0, got ", max_norm);
  OCTET_CHECK(norm_type > 0.0, where, "norm_type must be > 0, got ", norm_type);
  const int64_t* p = idx.data_ptr<int64_t>();
  std::vector<int64_t> rows(p, p + idx.numel());
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  float* w = weight.data_ptr<float>();
  const int64_t dim = weight.size(1), rs = weight.stride(0), cs = weight.stride(1);
  for (int64_t r : rows) {
    float* row = w + r * rs;
    double norm = 0.0;
    if (std::isinf(norm_type)) {
      for (int64_t d = 0; d < dim; ++d) norm = std::max(norm, std::fabs(static_cast<double>(row[d * cs])));
    } else {
      for (int64_t d = 0; d < dim; ++d) norm += std::pow(std::fabs(static_cast<double>(row[d * cs])), norm_type);
      norm = std::pow(norm, 1.0 / norm_type);
    }
    if (norm > max_norm) {
      const float scale = static_cast<float>(max_norm / (norm + 1e-7));
      for (int64_t d = 0; d < dim; ++d) row[d * cs] *= scale;
    }
  }
}

enum class BagMode { Sum, Mean, Max };

BagMode parse_bag_mode(std::string_view mode) {
  if (mode == "sum") return BagMode::Sum;
  if (mode == "mean") return BagMode::Mean;
  if (mode == "max") return BagMode::Max;
  OCTET_FAIL("embedding_bag", "unknown mode '", mode, "'; expected sum, mean or max");
}

}  // namespace

// scale_grad_by_freq and sparse shape gradients only; the forward result does not depend on them.
Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx,
                 std::optional<double> max_norm, double norm_type, bool /*scale_grad_by_freq*/, bool /*sparse*/) {
  constexpr const char* kWhere = "embedding";
  check_weight(weight, kWhere);
  const int64_t num = weight.size(0), dim = weight.size(1);
  checked_padding_idx(padding_idx, num, kWhere);
  const Tensor idx = checked_indices(input, num, kWhere);
  if (max_norm.has_value()) renorm_rows(weight, idx, *max_norm, norm_type, kWhere);

  Shape out_shape = input.shape();
  out_shape.push_back(dim);
  Tensor y = octet::detail::empty_uninitialized(out_shape, kFloat32);
  if (y.numel() == 0) return y;
  const Tensor w = weight.contiguous();
  const float* pw = w.data_ptr<float>();
  const int64_t* pi = idx.data_ptr<int64_t>();
  float* py = y.data_ptr<float>();
  const int64_t n = idx.numel();
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(py + i * dim, pw + pi[i] * dim, static_cast<size_t>(dim) * sizeof(float));
  }
  return y;
}

Tensor embedding_bag(const Tensor& input, const Tensor& weight, const Tensor& offsets,
                     std::optional<double> max_norm, double norm_type, bool scale_grad_by_freq,
                     std::string_view mode, bool sparse, const Tensor& per_sample_weights,
                     bool include_last_offset, std::optional<int64_t> padding_idx) {
  constexpr const char* kWhere = "embedding_bag";
  check_weight(weight, kWhere);
  const BagMode m = parse_bag_mode(mode);
  // Gradient-only flags, but PyTorch rejects them with "max", so Octet does too.
  OCTET_CHECK(!(m == BagMode::Max && scale_grad_by_freq), kWhere,
              "max mode does not support scaling the gradient by the frequency (scale_grad_by_freq)");
  OCTET_CHECK(!(m == BagMode::Max && sparse), kWhere, "max mode does not support sparse weights");
  const int64_t num = weight.size(0), dim = weight.size(1);
  const std::optional<int64_t> pad = checked_padding_idx(padding_idx, num, kWhere);
  OCTET_CHECK(input.defined() && (input.dim() == 1 || input.dim() == 2), kWhere,
              "expected a 1-D (with offsets) or 2-D (fixed-size bags) input, got shape ",
              input.defined() ? shape_to_string(input.shape()) : std::string("undefined"));
  const Tensor idx = checked_indices(input, num, kWhere);
  const int64_t n = idx.numel();

  // Bag boundaries: bag b covers idx[starts[b], starts[b + 1]).
  std::vector<int64_t> starts;
  if (input.dim() == 2) {
    OCTET_CHECK(!offsets.defined(), kWhere, "offsets must be absent for a 2-D input (each row is a bag)");
    for (int64_t b = 0; b <= input.size(0); ++b) starts.push_back(b * input.size(1));
  } else {
    OCTET_CHECK(offsets.defined(), kWhere, "offsets must be given for a 1-D input");
    OCTET_CHECK(offsets.dim() == 1 && (offsets.dtype() == kInt64 || offsets.dtype() == kInt32), kWhere,
                "offsets must be a 1-D int64 or int32 tensor, got ", offsets.dtype(), " of shape ",
                shape_to_string(offsets.shape()));
    const Tensor off = offsets.to(kInt64).contiguous();
    const int64_t* po = off.data_ptr<int64_t>();
    const int64_t k = off.numel();
    OCTET_CHECK(k >= (include_last_offset ? 2 : 1) || (k == 0 && !include_last_offset), kWhere,
                "include_last_offset needs at least 2 offsets (one bag), got ", k);
    if (k > 0) {
      OCTET_CHECK(po[0] == 0, kWhere, "offsets[0] must be 0 (the first bag starts at the first index), got ", po[0]);
    }
    for (int64_t i = 0; i < k; ++i) {
      OCTET_CHECK(po[i] <= n, kWhere, "offsets[", i, "] = ", po[i], " is beyond the ", n, " indices");
      if (i > 0) {
        OCTET_CHECK(po[i] >= po[i - 1], kWhere, "offsets must be non-decreasing, got offsets[", i - 1, "] = ",
                    po[i - 1], " > offsets[", i, "] = ", po[i]);
      }
    }
    starts.assign(po, po + k);
    if (!include_last_offset) starts.push_back(n);
  }
  const int64_t bags = static_cast<int64_t>(starts.size()) - 1;

  std::vector<float> psw;
  if (per_sample_weights.defined()) {
    OCTET_CHECK(m == BagMode::Sum, kWhere, "per_sample_weights is only supported for mode 'sum', got mode '", mode, "'");
    OCTET_CHECK(per_sample_weights.dtype() == kFloat32 && per_sample_weights.shape() == input.shape(), kWhere,
                "per_sample_weights must be float32 with the input's shape ", shape_to_string(input.shape()),
                ", got ", per_sample_weights.dtype(), " of shape ", shape_to_string(per_sample_weights.shape()));
    const Tensor c = per_sample_weights.contiguous();
    psw.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  }
  if (max_norm.has_value()) renorm_rows(weight, idx, *max_norm, norm_type, kWhere);

  Tensor y = zeros({bags, dim});
  if (y.numel() == 0) return y;
  const Tensor w = weight.contiguous();
  const float* pw = w.data_ptr<float>();
  const int64_t* pi = idx.data_ptr<int64_t>();
  float* py = y.data_ptr<float>();
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(dynamic, 16)
  for (int64_t b = 0; b < bags; ++b) {
    float* out = py + b * dim;
    int64_t count = 0;
    for (int64_t i = starts[static_cast<size_t>(b)]; i < starts[static_cast<size_t>(b + 1)]; ++i) {
      if (pad.has_value() && pi[i] == *pad) continue;
      const float* row = pw + pi[i] * dim;
      if (m == BagMode::Max) {
        // PyTorch's rule: the bag's first row, then any strictly greater value.
        if (count == 0) {
          for (int64_t d = 0; d < dim; ++d) out[d] = row[d];
        } else {
          for (int64_t d = 0; d < dim; ++d) out[d] = row[d] > out[d] ? row[d] : out[d];
        }
      } else if (!psw.empty()) {
        const float s = psw[static_cast<size_t>(i)];
        for (int64_t d = 0; d < dim; ++d) out[d] += s * row[d];
      } else {
        for (int64_t d = 0; d < dim; ++d) out[d] += row[d];
      }
      ++count;
    }
    if (m == BagMode::Mean && count > 0) {
      const float n_used = static_cast<float>(count);
      for (int64_t d = 0; d < dim; ++d) out[d] /= n_used;
    }
  }
  return y;
}

}  // namespace octet::functional
