// pool.cpp: quantized max_pool1d/2d/3d, avg_pool2d/3d and adaptive_avg_pool2d/3d: argument handling over the shared pooling engine.
#include <cstdint>
#include <optional>

#include "octet/quantized/pooling.h"
#include "ops/quantized/pool_engine.h"

namespace octet::quantized {
namespace {

using qpool_detail::PoolGeometry;
using qpool_detail::PoolOp;

Tensor max_pool(const Tensor& qx, int64_t spatial, const Shape& kernel_size, const Shape& stride,
                const Shape& padding, const Shape& dilation, bool ceil_mode, const char* where) {
  const PoolGeometry g =
      qpool_detail::window_geometry(qx, spatial, kernel_size, stride, padding, dilation, ceil_mode, where);
  PoolOp op;
  op.max = true;
  return qpool_detail::run_pool(qx, g, op);
}

Tensor avg_pool(const Tensor& qx, int64_t spatial, const Shape& kernel_size, const Shape& stride,
                const Shape& padding, bool ceil_mode, bool count_include_pad,
                std::optional<int64_t> divisor_override, const char* where) {
  const PoolGeometry g =
      qpool_detail::window_geometry(qx, spatial, kernel_size, stride, padding, {1}, ceil_mode, where);
  if (divisor_override.has_value()) {
    OCTET_CHECK(*divisor_override != 0, where, "divisor_override must be non-zero, got 0");
  }
  PoolOp op;
  op.count_include_pad = count_include_pad;
  op.divisor_override = divisor_override;
  return qpool_detail::run_pool(qx, g, op);
}

Tensor adaptive_avg_pool(const Tensor& qx, int64_t spatial, const Shape& output_size, const char* where) {
  return qpool_detail::run_pool(qx, qpool_detail::adaptive_geometry(qx, spatial, output_size, where), PoolOp{});
}

}  // namespace

Tensor max_pool1d(const Tensor& qx, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  const Shape& dilation, bool ceil_mode) {
  return max_pool(qx, 1, kernel_size, stride, padding, dilation, ceil_mode, "quantized::max_pool1d");
}

Tensor max_pool2d(const Tensor& qx, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  const Shape& dilation, bool ceil_mode) {
  return max_pool(qx, 2, kernel_size, stride, padding, dilation, ceil_mode, "quantized::max_pool2d");
}

Tensor max_pool3d(const Tensor& qx, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  const Shape& dilation, bool ceil_mode) {
  return max_pool(qx, 3, kernel_size, stride, padding, dilation, ceil_mode, "quantized::max_pool3d");
}

Tensor avg_pool2d(const Tensor& qx, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  return avg_pool(qx, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                  "quantized::avg_pool2d");
}

Tensor avg_pool3d(const Tensor& qx, const Shape& kernel_size, const Shape& stride, const Shape& padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  return avg_pool(qx, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                  "quantized::avg_pool3d");
}

Tensor adaptive_avg_pool2d(const Tensor& qx, const Shape& output_size) {
  return adaptive_avg_pool(qx, 2, output_size, "quantized::adaptive_avg_pool2d");
}

Tensor adaptive_avg_pool3d(const Tensor& qx, const Shape& output_size) {
  return adaptive_avg_pool(qx, 3, output_size, "quantized::adaptive_avg_pool3d");
}

}  // namespace octet::quantized
