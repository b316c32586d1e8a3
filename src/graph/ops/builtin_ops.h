// builtin_ops.h: registration of Octet's built-in graph operators, one function per operator file (internal).
#pragma once

#include "octet/graph/op_registry.h"

namespace octet::graph::ops {

void register_builtin_ops(OpRegistry& registry);

void register_elementwise_ops(OpRegistry& registry);   // elementwise_ops.cpp
void register_activation_ops(OpRegistry& registry);    // activation_ops.cpp
void register_linear_ops(OpRegistry& registry);        // linear_ops.cpp (MatMul, Gemm, FusedGemm)
void register_conv_ops(OpRegistry& registry);          // conv_ops.cpp (Conv, FusedConv)
void register_pool_ops(OpRegistry& registry);          // pool_ops.cpp
void register_norm_ops(OpRegistry& registry);          // norm_ops.cpp (+ Softmax)
void register_shape_ops(OpRegistry& registry);         // shape_ops.cpp
void register_tensor_ops(OpRegistry& registry);        // tensor_ops.cpp (Concat, Split, Slice, Gather)
void register_generator_ops(OpRegistry& registry);     // generator_ops.cpp
void register_reduce_ops(OpRegistry& registry);        // reduce_ops.cpp

}  // namespace octet::graph::ops
