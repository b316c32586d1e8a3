// fake_quantize_ops.cpp: fake_quantize_per_tensor_affine / per_channel_affine forward (with the
// straight-through mask) and backward, on Tensors.
#include "octet/fake_quantize.h"

#include "core/tensor_impl.h"
#include "observers/fake_quantize_impl.h"
#include "octet/error.h"

namespace octet {

using fake_quant::Range;

namespace {

// The one-element value of a tensor qparam, checked for dtype and size.
double scalar_scale(const Tensor& scale, const char* where) {
  OCTET_CHECK(scale.defined() && scale.dtype() == kFloat32 && scale.numel() == 1, where,
              "scale must be a one-element float32 tensor, got ",
              scale.defined() ? shape_to_string(scale.shape()) : std::string("an undefined tensor"), " ",
              scale.defined() ? dtype_name(scale.dtype()) : std::string_view());
  return scale.item<float>();
}

int64_t scalar_zero_point(const Tensor& zero_point, const char* where) {
  OCTET_CHECK(zero_point.defined() && (zero_point.dtype() == kInt32 || zero_point.dtype() == kInt64) &&
                  zero_point.numel() == 1,
              where, "zero_point must be a one-element int32 or int64 tensor, got ",
              zero_point.defined() ? shape_to_string(zero_point.shape()) : std::string("an undefined tensor"), " ",
              zero_point.defined() ? dtype_name(zero_point.dtype()) : std::string_view());
  return zero_point.item<int64_t>();
}

FakeQuantizeResult per_tensor(const Tensor& input, double scale, int64_t zero_point, int64_t quant_min,
                              int64_t quant_max, bool with_mask, const char* where) {
  const Range r = fake_quant::check_range(quant_min, quant_max, where);
  const int32_t zp = fake_quant::checked_zero_point(zero_point, r, where);
  const float s = fake_quant::checked_scale(scale, where);
  const Tensor x = fake_quant::float32_input(input, where);
  FakeQuantizeResult out;
  out.output = detail::empty_uninitialized(x.shape(), kFloat32);
  uint8_t* mask = nullptr;
  if (with_mask) {
    out.mask = detail::empty_uninitialized(x.shape(), kBool);
    mask = reinterpret_cast<uint8_t*>(out.mask.data_ptr<bool>());
  }
  fake_quant::fake_quantize_tensor(x.data_ptr<float>(), out.output.data_ptr<float>(), mask, x.numel(), s, zp, r);
  return out;
}

FakeQuantizeResult per_channel(const Tensor& input, const Tensor& scale, const Tensor& zero_point, int64_t axis,
                               int64_t quant_min, int64_t quant_max, bool with_mask, const char* where) {
  const Range r = fake_quant::check_range(quant_min, quant_max, where);
  const Tensor x = fake_quant::float32_input(input, where);
  const int64_t ax = fake_quant::wrap_axis(axis, x.dim(), where);
  const fake_quant::AxisSplit s = fake_quant::split_at(x.shape(), ax);
  const fake_quant::ChannelQParams q = fake_quant::checked_channel_qparams(scale, zero_point, s.channels, r, where);
  FakeQuantizeResult out;
  out.output = detail::empty_uninitialized(x.shape(), kFloat32);
  uint8_t* mask = nullptr;
  if (with_mask) {
    out.mask = detail::empty_uninitialized(x.shape(), kBool);
    mask = reinterpret_cast<uint8_t*>(out.mask.data_ptr<bool>());
  }
  if (q.is_float) {
    fake_quant::fake_quantize_channels_float_zp(x.data_ptr<float>(), out.output.data_ptr<float>(), mask, s,
                                                q.scale.data(), q.float_zero_points.data(), r);
  } else {
    fake_quant::fake_quantize_channels(x.data_ptr<float>(), out.output.data_ptr<float>(), mask, s, q.scale.data(),
                                       q.zero_points.data(), r);
  }
  return out;
}

}  // namespace

Tensor fake_quantize_per_tensor_affine(const Tensor& input, double scale, int64_t zero_point, int64_t quant_min,
                                       int64_t quant_max) {
  return per_tensor(input, scale, zero_point, quant_min, quant_max, false, "fake_quantize_per_tensor_affine").output;
}

Tensor fake_quantize_per_tensor_affine(const Tensor& input, const Tensor& scale, const Tensor& zero_point,
                                       int64_t quant_min, int64_t quant_max) {
  const char* where = "fake_quantize_per_tensor_affine";
  return per_tensor(input, scalar_scale(scale, where), scalar_zero_point(zero_point, where), quant_min, quant_max,
                    false, where)
      .output;
}

FakeQuantizeResult fake_quantize_per_tensor_affine_cachemask(const Tensor& input, double scale, int64_t zero_point,
                                                             int64_t quant_min, int64_t quant_max) {
  return per_tensor(input, scale, zero_point, quant_min, quant_max, true, "fake_quantize_per_tensor_affine_cachemask");
}

Tensor fake_quantize_per_tensor_affine_cachemask_backward(const Tensor& grad_output, const Tensor& mask) {
  return fake_quant::mask_backward(grad_output, mask, "fake_quantize_per_tensor_affine_cachemask_backward");
}

Tensor fake_quantize_per_channel_affine(const Tensor& input, const Tensor& scale, const Tensor& zero_point, int64_t axis,
                                        int64_t quant_min, int64_t quant_max) {
  return per_channel(input, scale, zero_point, axis, quant_min, quant_max, false, "fake_quantize_per_channel_affine")
      .output;
}

FakeQuantizeResult fake_quantize_per_channel_affine_cachemask(const Tensor& input, const Tensor& scale,
                                                              const Tensor& zero_point, int64_t axis,
                                                              int64_t quant_min, int64_t quant_max) {
  return per_channel(input, scale, zero_point, axis, quant_min, quant_max, true,
                     "fake_quantize_per_channel_affine_cachemask");
}

Tensor fake_quantize_per_channel_affine_cachemask_backward(const Tensor& grad_output, const Tensor& mask) {
  return fake_quant::mask_backward(grad_output, mask, "fake_quantize_per_channel_affine_cachemask_backward");
}

}  // namespace octet
