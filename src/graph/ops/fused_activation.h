// fused_activation.h: the activation a fused operator (octet::FusedConv, octet::FusedGemm) applies in place to its result (internal).
#pragma once

#include "octet/graph/graph.h"
#include "octet/tensor.h"

namespace octet::graph::ops {

// Checks the node's activation attributes: activation = "Relu" (no params) or "Clip"
// (activation_params = [min, max]). An Error naming the node otherwise.
void check_fused_activation(const Node& node);
// Applies it in place to y, a fresh contiguous float32 tensor: the same values as Relu / Clip.
void apply_fused_activation(const Node& node, Tensor& y);

}  // namespace octet::graph::ops
