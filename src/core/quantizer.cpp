// quantizer.cpp: validation and view arithmetic of per-tensor and per-channel quantizers.
#include "octet/quantizer.h"

#include <cmath>
#include <memory>

#include "octet/error.h"

namespace octet {

std::string_view qscheme_name(QScheme s) {
  switch (s) {
    case QScheme::PerTensorAffine: return "per_tensor_affine";
    case QScheme::PerTensorSymmetric: return "per_tensor_symmetric";
    case QScheme::PerChannelAffine: return "per_channel_affine";
    case QScheme::PerChannelSymmetric: return "per_channel_symmetric";
    case QScheme::PerChannelAffineFloatQParams: return "per_channel_affine_float_qparams";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, QScheme s) { return os << qscheme_name(s); }

namespace {
constexpr const char* kWhere = "Quantizer";

void check_quantized_dtype(DType dtype, const char* where) {
  OCTET_CHECK(is_quantized(dtype), where, "expected a quantized dtype (quint8, qint8, qint32, quint4x2), got ",
              dtype);
}

void check_scale(double scale, const char* where, int64_t channel = -1) {
  // The kernels multiply by 1.0f / (float)scale: the float scale must be positive and finite, and
  // so must its reciprocal.
  const float f = static_cast<float>(scale);
  const bool ok = std::isfinite(scale) && scale > 0 && f > 0 && std::isfinite(f) && std::isfinite(1.0f / f);
  if (!ok) {
    if (channel >= 0) {
      OCTET_FAIL(where, "scale of channel ", channel,
                 " must be finite and > 0 (and representable in float32), got ", scale);
    }
    OCTET_FAIL(where, "scale must be finite and > 0 (and representable in float32), got ", scale);
  }
}

void check_zero_point(int64_t zp, DType dtype, const char* where, int64_t channel = -1) {
  const int64_t lo = dtype_qmin(dtype), hi = dtype_qmax(dtype);
  if (zp < lo || zp > hi) {
    if (channel >= 0) {
      OCTET_FAIL(where, "zero_point of channel ", channel, " must be in [", lo, ", ", hi, "] for ", dtype,
                 ", got ", zp);
    }
    OCTET_FAIL(where, "zero_point must be in [", lo, ", ", hi, "] for ", dtype, ", got ", zp);
  }
}
}  // namespace

QuantizerPtr Quantizer::per_tensor(DType dtype, double scale, int64_t zero_point, QScheme scheme) {
  check_quantized_dtype(dtype, "quantize_per_tensor");
  OCTET_CHECK(!is_per_channel(scheme), "quantize_per_tensor", "expected a per-tensor qscheme, got ", scheme);
  check_scale(scale, "quantize_per_tensor");
  check_zero_point(zero_point, dtype, "quantize_per_tensor");
  auto q = std::shared_ptr<Quantizer>(new Quantizer());
  q->dtype_ = dtype;
  q->scheme_ = scheme;
  q->scale_ = scale;
  q->zero_point_ = zero_point;
  return q;
}

QuantizerPtr Quantizer::per_channel(DType dtype, std::vector<double> scales, std::vector<int64_t> zero_points,
                                    int64_t axis, QScheme scheme) {
  const char* where = "quantize_per_channel";
  check_quantized_dtype(dtype, where);
  OCTET_CHECK(scheme == QScheme::PerChannelAffine || scheme == QScheme::PerChannelSymmetric, where,
              "expected per_channel_affine or per_channel_symmetric, got ", scheme);
  OCTET_CHECK(!scales.empty(), where, "expected at least one channel, got 0 scales");
  OCTET_CHECK(scales.size() == zero_points.size(), where, "expected as many zero_points as scales, got ",
              zero_points.size(), " zero_points for ", scales.size(), " scales");
  OCTET_CHECK(axis >= 0, where, "axis must be normalised to >= 0, got ", axis);
  for (size_t c = 0; c < scales.size(); ++c) {
    check_scale(scales[c], where, static_cast<int64_t>(c));
    check_zero_point(zero_points[c], dtype, where, static_cast<int64_t>(c));
  }
  auto q = std::shared_ptr<Quantizer>(new Quantizer());
  q->dtype_ = dtype;
  q->scheme_ = scheme;
  q->axis_ = axis;
  q->scales_ = std::move(scales);
  q->zero_points_ = std::move(zero_points);
  return q;
}

QuantizerPtr Quantizer::per_channel_float_qparams(DType dtype, std::vector<double> scales,
                                                  std::vector<float> zero_points, int64_t axis) {
  const char* where = "quantize_per_channel";
  OCTET_CHECK(dtype == DType::QUInt8 || dtype == DType::QUInt4x2, where,
              "float zero points (per_channel_affine_float_qparams) need quint8 or quint4x2, got ", dtype);
  OCTET_CHECK(!scales.empty(), where, "expected at least one channel, got 0 scales");
  OCTET_CHECK(scales.size() == zero_points.size(), where, "expected as many zero_points as scales, got ",
              zero_points.size(), " zero_points for ", scales.size(), " scales");
  OCTET_CHECK(axis >= 0, where, "axis must be normalised to >= 0, got ", axis);
  for (size_t c = 0; c < scales.size(); ++c) {
    // PyTorch allows a zero scale here (its kernel then uses inv_scale 1); negative or non-finite
    // scales are rejected.
    OCTET_CHECK(std::isfinite(scales[c]) && scales[c] >= 0, where, "scale of channel ", c,
                " must be finite and >= 0, got ", scales[c]);
    OCTET_CHECK(std::isfinite(zero_points[c]), where, "zero_point of channel ", c, " must be finite, got ",
                zero_points[c]);
  }
  auto q = std::shared_ptr<Quantizer>(new Quantizer());
  q->dtype_ = dtype;
  q->scheme_ = QScheme::PerChannelAffineFloatQParams;
  q->axis_ = axis;
  q->scales_ = std::move(scales);
  q->float_zero_points_ = std::move(zero_points);
  return q;
}

double Quantizer::scale() const {
  OCTET_CHECK(!per_channel(), "q_scale", "the tensor is quantized ", scheme_,
              "; use q_per_channel_scales()");
  return scale_;
}

int64_t Quantizer::zero_point() const {
  OCTET_CHECK(!per_channel(), "q_zero_point", "the tensor is quantized ", scheme_,
              "; use q_per_channel_zero_points()");
  return zero_point_;
}

int64_t Quantizer::axis() const {
  OCTET_CHECK(per_channel(), "q_per_channel_axis", "the tensor is quantized ", scheme_,
              ", which has no channel axis");
  return axis_;
}

int64_t Quantizer::num_channels() const {
  OCTET_CHECK(per_channel(), kWhere, "the quantizer is ", scheme_, ", which has no channels");
  return static_cast<int64_t>(scales_.size());
}

const std::vector<double>& Quantizer::scales() const {
  OCTET_CHECK(per_channel(), "q_per_channel_scales", "the tensor is quantized ", scheme_,
              "; use q_scale()");
  return scales_;
}

const std::vector<int64_t>& Quantizer::zero_points() const {
  OCTET_CHECK(per_channel(), "q_per_channel_zero_points", "the tensor is quantized ", scheme_,
              "; use q_zero_point()");
  return zero_points_;
}

const std::vector<float>& Quantizer::float_zero_points() const {
  OCTET_CHECK(scheme_ == QScheme::PerChannelAffineFloatQParams, "q_per_channel_zero_points",
              "float zero points exist only for per_channel_affine_float_qparams, got ", scheme_);
  return float_zero_points_;
}

QuantizerPtr Quantizer::with_axis(int64_t axis) const {
  auto q = std::make_shared<Quantizer>(*this);
  q->axis_ = axis;
  return q;
}

QuantizerPtr Quantizer::slice_channels(int64_t start, int64_t step, int64_t n) const {
  auto q = std::make_shared<Quantizer>(*this);
  q->scales_.clear();
  q->zero_points_.clear();
  q->float_zero_points_.clear();
  for (int64_t i = 0; i < n; ++i) {
    const auto c = static_cast<size_t>(start + i * step);
    q->scales_.push_back(scales_[c]);
    if (!zero_points_.empty()) q->zero_points_.push_back(zero_points_[c]);
    if (!float_zero_points_.empty()) q->float_zero_points_.push_back(float_zero_points_[c]);
  }
  return q;
}

QuantizerPtr Quantizer::channel(int64_t c) const {
  OCTET_CHECK(scheme_ != QScheme::PerChannelAffineFloatQParams, "select",
              "selecting one channel of a per_channel_affine_float_qparams tensor would need a per-tensor "
              "float zero point, which no per-tensor scheme has");
  const auto i = static_cast<size_t>(c);
  return per_tensor(dtype_, scales_[i], zero_points_[i],
                    scheme_ == QScheme::PerChannelSymmetric ? QScheme::PerTensorSymmetric
                                                            : QScheme::PerTensorAffine);
}

bool Quantizer::equals(const Quantizer& o) const {
  if (dtype_ != o.dtype_ || scheme_ != o.scheme_) return false;
  if (!per_channel()) return scale_ == o.scale_ && zero_point_ == o.zero_point_;
  return axis_ == o.axis_ && scales_ == o.scales_ && zero_points_ == o.zero_points_ &&
         float_zero_points_ == o.float_zero_points_;
}

}  // namespace octet
