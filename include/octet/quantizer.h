// quantizer.h: quantization schemes and the Quantizer a quantized Tensor carries.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string_view>
#include <vector>

#include "octet/dtype.h"

namespace octet {

// How real values map to integers (PyTorch's torch.qscheme):
//   affine:    real = scale * (q - zero_point)
//   symmetric: the same formula with the zero point fixed at the middle of the range (0 for signed
//              types); observers use it to choose qparams, tensors store it as affine like PyTorch.
//   per-channel: one (scale, zero_point) per slice along `axis`.
//   float_qparams: per-channel with float zero points, q = round(x / scale + zero_point)
//              (rowwise embedding weights).
enum class QScheme : uint8_t {
  PerTensorAffine,
  PerTensorSymmetric,
  PerChannelAffine,
  PerChannelSymmetric,
  PerChannelAffineFloatQParams,
};

inline constexpr QScheme kPerTensorAffine = QScheme::PerTensorAffine;
inline constexpr QScheme kPerTensorSymmetric = QScheme::PerTensorSymmetric;
inline constexpr QScheme kPerChannelAffine = QScheme::PerChannelAffine;
inline constexpr QScheme kPerChannelSymmetric = QScheme::PerChannelSymmetric;
inline constexpr QScheme kPerChannelAffineFloatQParams = QScheme::PerChannelAffineFloatQParams;

std::string_view qscheme_name(QScheme s);  // "per_tensor_affine", ...
std::ostream& operator<<(std::ostream& os, QScheme s);

constexpr bool is_per_channel(QScheme s) {
  return s == QScheme::PerChannelAffine || s == QScheme::PerChannelSymmetric ||
         s == QScheme::PerChannelAffineFloatQParams;
}
constexpr bool is_symmetric(QScheme s) {
  return s == QScheme::PerTensorSymmetric || s == QScheme::PerChannelSymmetric;
}

// The quantization parameters of one quantized Tensor. Immutable and shared between views.
// Scales are kept in double like PyTorch's; kernels use static_cast<float>(scale), the value the
// arithmetic actually multiplies by.
class Quantizer {
 public:
  // Per-tensor: validates scale (finite, > 0) and zero_point (inside dtype's range).
  static std::shared_ptr<const Quantizer> per_tensor(DType dtype, double scale, int64_t zero_point,
                                                     QScheme scheme = QScheme::PerTensorAffine);
  // Per-channel with integer zero points along `axis` (already normalised to >= 0).
  static std::shared_ptr<const Quantizer> per_channel(DType dtype, std::vector<double> scales,
                                                      std::vector<int64_t> zero_points,
                                                      int64_t axis,
                                                      QScheme scheme = QScheme::PerChannelAffine);
  // Per-channel with float zero points (PerChannelAffineFloatQParams).
  static std::shared_ptr<const Quantizer> per_channel_float_qparams(DType dtype,
                                                                    std::vector<double> scales,
                                                                    std::vector<float> zero_points,
                                                                    int64_t axis);

  DType dtype() const { return dtype_; }
  QScheme qscheme() const { return scheme_; }
  bool per_channel() const { return is_per_channel(scheme_); }

  // Per-tensor parameters (an Error for per-channel quantizers).
  double scale() const;
  int64_t zero_point() const;

  // Per-channel parameters (an Error for per-tensor quantizers).
  int64_t axis() const;
  int64_t num_channels() const;
  const std::vector<double>& scales() const;
  const std::vector<int64_t>& zero_points() const;       // empty for float qparams
  const std::vector<float>& float_zero_points() const;   // only for float qparams

  // The same parameters on another channel axis, or a subset of channels [start, start+step*n).
  std::shared_ptr<const Quantizer> with_axis(int64_t axis) const;
  std::shared_ptr<const Quantizer> slice_channels(int64_t start, int64_t step, int64_t n) const;
  // The per-tensor quantizer of channel c (used when a view selects one channel).
  std::shared_ptr<const Quantizer> channel(int64_t c) const;

  bool equals(const Quantizer& other) const;

 private:
  Quantizer() = default;
  DType dtype_ = DType::QUInt8;
  QScheme scheme_ = QScheme::PerTensorAffine;
  double scale_ = 1.0;
  int64_t zero_point_ = 0;
  int64_t axis_ = 0;
  std::vector<double> scales_;
  std::vector<int64_t> zero_points_;
  std::vector<float> float_zero_points_;
};

using QuantizerPtr = std::shared_ptr<const Quantizer>;

}  // namespace octet
