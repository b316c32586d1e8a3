// fused_activation.cpp: Relu and Clip applied in place to a fused operator's fresh result.
#include "graph/ops/fused_activation.h"

#include "octet/error.h"

namespace octet::graph::ops {

void check_fused_activation(const Node& node) {
  const std::string act = node.attr_string("activation");
  const std::vector<float> params = node.attr_floats("activation_params", {});
  if (act == "Relu") {
    OCTET_CHECK(params.empty(), node.describe(), "activation Relu takes no activation_params, got ", params.size());
  } else if (act == "Clip") {
    OCTET_CHECK(params.size() == 2, node.describe(), "activation Clip needs activation_params = [min, max], got ",
                params.size(), " values");
  } else {
    OCTET_FAIL(node.describe(), "activation \"", act, "\" is not supported (Relu, Clip)");
  }
}

void apply_fused_activation(const Node& node, Tensor& y) {
  check_fused_activation(node);
  OCTET_CHECK(y.dtype() == kFloat32 && y.is_contiguous(), node.describe(), "the fused activation needs a contiguous float32 result");
  float* p = y.data_ptr<float>();
  const int64_t n = y.numel();
  // Comparisons written so that NaN passes through, as Relu and Clip do.
  if (node.attr_string("activation") == "Relu") {
    for (int64_t i = 0; i < n; ++i) p[i] = p[i] < 0.0f ? 0.0f : p[i];
    return;
  }
  const std::vector<float> params = node.attr_floats("activation_params");
  const float lo = params[0], hi = params[1];
  for (int64_t i = 0; i < n; ++i) {
    const float v = p[i] < lo ? lo : p[i];
    p[i] = v > hi ? hi : v;
  }
}

}  // namespace octet::graph::ops
