// softmax.cpp: quantized softmax: dequantize, the float softmax, quantize to the output qparams (PyTorch's x86 qsoftmax).
#include <cstdint>

#include "octet/functional/activation.h"
#include "octet/quantize.h"
#include "octet/quantized/norm.h"
#include "ops/quantized/qops_common.h"

namespace octet::quantized {

// PyTorch's x86 engine computes qsoftmax exactly this way (qsoftmax.cpp: dequantize, softmax,
// quantize_per_tensor); only its qnnpack engine has an integer kernel, for one fixed output scale.
// The float softmax here is Octet's (a few ulp from PyTorch's exp), so an output may differ from
// PyTorch's by one step where the probability lies within those ulp of a rounding tie.
Tensor softmax(const Tensor& qx, int64_t dim, double output_scale, int64_t output_zero_point) {
  constexpr const char* kWhere = "quantized::softmax";
  qops_detail::check_qinput(qx, kWhere);
  qops_detail::check_output_qparams(output_scale, output_zero_point, qx.dtype(), kWhere);
  OCTET_CHECK(qx.dim() == 0 || (dim >= -qx.dim() && dim < qx.dim()), kWhere, "dim ", dim,
              " is out of range for a tensor of ", qx.dim(), " dims");
  return quantize_per_tensor(functional::softmax(qx.dequantize(), dim), output_scale, output_zero_point, qx.dtype());
}

}  // namespace octet::quantized
