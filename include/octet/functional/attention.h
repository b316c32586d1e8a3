// attention.h: scaled dot-product attention (octet::functional, PyTorch's F.scaled_dot_product_attention).
#pragma once

#include <optional>

#include "octet/generator.h"
#include "octet/tensor.h"

namespace octet::functional {

// softmax(query @ key^T * scale + mask) @ value over the last two dims, batch dims broadcast.
// query (..., L, E), key (..., S, E), value (..., S, Ev). attn_mask: bool (true = may attend) or
// float (added), broadcastable to (..., L, S). is_causal masks j > i (attn_mask must then be absent).
// scale defaults to 1/sqrt(E). dropout_p > 0 drops attention weights with `generator` (default
// generator when null), as PyTorch does in training. Rows whose every position is masked give NaN,
// as in PyTorch's math backend.
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = {}, double dropout_p = 0.0, bool is_causal = false,
                                    std::optional<double> scale = std::nullopt, Generator* generator = nullptr);

}  // namespace octet::functional
