// attention.cpp: scaled dot-product attention on float32 (PyTorch's math formulation).
#include "octet/functional/attention.h"

#include <cmath>
#include <limits>

#include "octet/error.h"
#include "octet/functional/activation.h"
#include "octet/functional/elementwise.h"
#include "octet/functional/linear.h"

namespace octet::functional {

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale, Generator* generator) {
  const char* op = "scaled_dot_product_attention";
  OCTET_CHECK(query.defined() && key.defined() && value.defined(), op, "query, key and value must be defined");
  OCTET_CHECK(query.dim() >= 2 && key.dim() >= 2 && value.dim() >= 2, op,
              "expected query, key and value of rank >= 2, got shapes ", shape_to_string(query.shape()), ", ",
              shape_to_string(key.shape()), ", ", shape_to_string(value.shape()));
  OCTET_CHECK(query.is_floating_point() && key.is_floating_point() && value.is_floating_point(), op,
              "expected floating-point query, key and value");
  OCTET_CHECK(query.size(-1) == key.size(-1), op, "query and key must have the same embedding size, got ",
              query.size(-1), " and ", key.size(-1));
  OCTET_CHECK(key.size(-2) == value.size(-2), op, "key and value must have the same sequence length, got ",
              key.size(-2), " and ", value.size(-2));
  OCTET_CHECK(!(is_causal && attn_mask.defined()), op, "is_causal and attn_mask cannot both be set");
  OCTET_CHECK(dropout_p >= 0 && dropout_p < 1, op, "dropout_p must be in [0, 1), got ", dropout_p);
  const double s = scale.has_value() ? *scale : 1.0 / std::sqrt(static_cast<double>(query.size(-1)));

  Tensor scores = matmul(query, key.transpose(-2, -1)) * s;
  const int64_t l = query.size(-2), sl = key.size(-2);
  Tensor mask = attn_mask;
  if (is_causal) {
    mask = empty({l, sl}, kBool);
    bool* m = mask.data_ptr<bool>();
    for (int64_t i = 0; i < l; ++i)
      for (int64_t j = 0; j < sl; ++j) m[i * sl + j] = j <= i;
  }
  if (mask.defined()) {
    if (mask.dtype() == kBool) {
      scores = functional::where(mask, scores, Scalar(-std::numeric_limits<double>::infinity()));
    } else {
      OCTET_CHECK(mask.is_floating_point(), op, "attn_mask must be bool or floating point, got ", mask.dtype());
      scores = scores + mask;
    }
  }
  Tensor attn = softmax(scores, -1);
  if (dropout_p > 0) attn = dropout(attn, dropout_p, /*training=*/true, generator);
  return matmul(attn, value);
}

}  // namespace octet::functional
