// fashion_data.h: what the Fashion-MNIST models share: the input normalization (bit-identical to
// scripts/models/train_fashion.py's), batching and argmax accuracy.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "octet/error.h"
#include "octet/tensor.h"

namespace octet::models {

// The training set's mean and standard deviation of x / 255.
inline constexpr float kFashionMean = 0.2860f;
inline constexpr float kFashionStd = 0.3530f;

// uint8 images [N, 28, 28] -> float32 [N, 1, 28, 28], (x / 255 - mean) / std with each step one
// float32 IEEE operation, as the training script computes it (numpy float32), so that the float
// models see exactly PyTorch's inputs. A 256-entry table holds the only values there are.
inline Tensor normalize_fashion_images(const Tensor& images) {
  OCTET_CHECK(images.dtype() == kUInt8 && images.dim() == 3, "normalize_fashion_images",
              "expected uint8 images [N, H, W], got ", dtype_name(images.dtype()), " with ", images.dim(),
              " dimensions");
  static const std::array<float, 256> table = [] {
    std::array<float, 256> t{};
    for (int v = 0; v < 256; ++v) {
      const float scaled = static_cast<float>(v) / 255.0f;
      t[static_cast<std::size_t>(v)] = (scaled - kFashionMean) / kFashionStd;
    }
    return t;
  }();
  const Tensor src = images.contiguous();
  Tensor out = empty({images.size(0), 1, images.size(1), images.size(2)}, kFloat32);
  const uint8_t* in = src.data_ptr<uint8_t>();
  float* dst = out.data_ptr<float>();
  for (int64_t i = 0; i < src.numel(); ++i) dst[i] = table[in[i]];
  return out;
}

// Rows [start, start + size) of t along dim 0 (fewer at the end), a view.
inline Tensor fashion_batch(const Tensor& t, int64_t start, int64_t size) {
  OCTET_CHECK(start >= 0 && start < t.size(0) && size > 0, "fashion_batch", "batch [", start, ", ", start + size,
              ") is outside the ", t.size(0), " rows");
  return t.narrow(0, start, std::min(size, t.size(0) - start));
}

// How many rows of logits [N, C] have their largest entry (the first one on ties, as torch.argmax)
// at labels[offset + row] (int64).
inline int64_t count_correct(const Tensor& logits, const Tensor& labels, int64_t offset = 0) {
  OCTET_CHECK(logits.dim() == 2 && labels.dtype() == kInt64 && offset + logits.size(0) <= labels.numel(),
              "count_correct", "expected logits [N, C] and int64 labels covering rows ", offset, "..",
              offset + (logits.dim() ? logits.size(0) : 0));
  const Tensor l = logits.to(kFloat32).contiguous();
  const Tensor y = labels.contiguous();
  const float* p = l.data_ptr<float>();
  const int64_t* lab = y.data_ptr<int64_t>();
  const int64_t n = l.size(0), c = l.size(1);
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float* row = p + i * c;
    correct += (std::max_element(row, row + c) - row) == lab[offset + i];
  }
  return correct;
}

// The fraction of `images` (normalized float [N, ...]) that `model` (a callable Tensor -> logits)
// classifies as `labels` says, run in batches of batch_size.
template <typename Model>
double fashion_accuracy(Model&& model, const Tensor& images, const Tensor& labels, int64_t batch_size = 256) {
  OCTET_CHECK(images.size(0) == labels.numel() && images.size(0) > 0, "fashion_accuracy", images.size(0),
              " images but ", labels.numel(), " labels");
  int64_t correct = 0;
  for (int64_t start = 0; start < images.size(0); start += batch_size) {
    correct += count_correct(model(fashion_batch(images, start, batch_size)), labels, start);
  }
  return static_cast<double>(correct) / static_cast<double>(images.size(0));
}

}  // namespace octet::models
