// embedding_packed.cpp: embedding_bag_prepack / _unpack between rowwise float-qparams quantized weights and the fused rowwise layout.
#include "octet/quantized/embedding_packed.h"

#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "core/tensor_impl.h"
#include "octet/error.h"
#include "octet/half.h"

namespace octet::quantized {

EmbeddingPackedParams::EmbeddingPackedParams(Tensor packed, DType dtype, int64_t embedding_dim,
                                             std::vector<double> scales, std::vector<float> zero_points)
    : packed_(std::move(packed)),
      dtype_(dtype),
      embedding_dim_(embedding_dim),
      scales_(std::move(scales)),
      zero_points_(std::move(zero_points)) {}

Tensor EmbeddingPackedParams::unpack() const {
  const int64_t rows = num_embeddings(), dim = embedding_dim_;
  Tensor w = octet::detail::empty_quantized(
      {rows, dim}, Quantizer::per_channel_float_qparams(dtype_, scales_, zero_points_, /*axis=*/0), /*zero_fill=*/false);
  // quint8 stores a byte per element, quint4x2 two per byte (element 2i low nibble), the packed
  // rows' order too; the embedding dim is even for quint4x2, so rows start on bytes.
  const int64_t data_bytes = dtype_ == kQUInt8 ? dim : dim / 2;
  const int64_t row_bytes = packed_.size(1);
  const uint8_t* src = packed_.data_ptr<uint8_t>();
  uint8_t* dst = w.data_ptr<uint8_t>();
  for (int64_t r = 0; r < rows; ++r) {
    if (data_bytes > 0) std::memcpy(dst + r * data_bytes, src + r * row_bytes, static_cast<size_t>(data_bytes));
  }
  return w;
}

EmbeddingPackedParamsPtr embedding_bag_prepack(const Tensor& qweight) {
  const char* where = "quantized::embedding_bag_prepack";
  OCTET_CHECK(qweight.defined(), where, "the weight is an undefined tensor");
  OCTET_CHECK(qweight.dtype() == kQUInt8 || qweight.dtype() == kQUInt4x2, where,
              "expected a quint8 or quint4x2 weight, got ", qweight.dtype(),
              qweight.is_floating_point()
                  ? " (quantize it per row with float qparams first, or pack float rows with "
                    "embedding_bag_byte_prepack / embedding_bag_4bit_prepack)"
                  : "");
  OCTET_CHECK(qweight.dim() == 2, where, "expected a 2-D weight (num_embeddings, embedding_dim), got shape ",
              shape_to_string(qweight.shape()));
  OCTET_CHECK(qweight.qscheme() == kPerChannelAffineFloatQParams && qweight.q_per_channel_axis() == 0, where,
              "expected a weight quantized per row with float qparams (per_channel_affine_float_qparams along "
              "axis 0), got ",
              qweight.qscheme(),
              is_per_channel(qweight.qscheme()) ? std::string(" along axis ").append(std::to_string(qweight.q_per_channel_axis()))
                                                : std::string());
  const DType dtype = qweight.dtype();
  const int64_t rows = qweight.size(0), dim = qweight.size(1);
  OCTET_CHECK(dtype == kQUInt8 || dim % 2 == 0, where,
              "a quint4x2 weight needs an even embedding_dim (two 4-bit values per byte, rows on whole bytes), got ",
              dim);
  const Quantizer& qz = *qweight.quantizer();
  std::vector<double> scales = qz.scales();
  std::vector<float> zero_points = qz.float_zero_points();

  const int64_t data_bytes = dtype == kQUInt8 ? dim : dim / 2;
  const int64_t row_bytes = data_bytes + (dtype == kQUInt8 ? 8 : 4);
  Tensor packed = octet::detail::empty_uninitialized({rows, row_bytes}, kUInt8);
  const Tensor w = qweight.contiguous();
  const uint8_t* src = w.data_ptr<uint8_t>();
  uint8_t* dst = packed.data_ptr<uint8_t>();
  for (int64_t r = 0; r < rows; ++r) {
    uint8_t* row = dst + r * row_bytes;
    if (data_bytes > 0) std::memcpy(row, src + r * data_bytes, static_cast<size_t>(data_bytes));
    // PyTorch's PackedEmbeddingBagWeight::prepack: scale as float, bias = zero_point * scale * -1.
    const auto scale = static_cast<float>(scales[static_cast<size_t>(r)]);
    const float bias = zero_points[static_cast<size_t>(r)] * scale * -1.0f;
    if (dtype == kQUInt8) {
      std::memcpy(row + data_bytes, &scale, sizeof scale);
      std::memcpy(row + data_bytes + 4, &bias, sizeof bias);
    } else {
      const Half hs(scale), hb(bias);
      OCTET_CHECK(std::isfinite(static_cast<float>(hs)) && std::isfinite(static_cast<float>(hb)), where, "row ", r,
                  ": scale ", scale, " and bias ", bias, " must fit float16 (the 4-bit rows store them in half precision)");
      std::memcpy(row + data_bytes, &hs.bits, 2);
      std::memcpy(row + data_bytes + 2, &hb.bits, 2);
    }
  }
  return std::make_shared<const EmbeddingPackedParams>(std::move(packed), dtype, dim, std::move(scales),
                                                       std::move(zero_points));
}

Tensor embedding_bag_unpack(const EmbeddingPackedParamsPtr& packed) {
  OCTET_CHECK(packed != nullptr, "quantized::embedding_bag_unpack", "the packed weight is null");
  return packed->unpack();
}

}  // namespace octet::quantized
