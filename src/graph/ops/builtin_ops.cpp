// builtin_ops.cpp: fills a registry with every built-in operator (called once by OpRegistry::global()).
#include "graph/ops/builtin_ops.h"

namespace octet::graph::ops {

void register_builtin_ops(OpRegistry& registry) {
  register_elementwise_ops(registry);
  register_activation_ops(registry);
  register_linear_ops(registry);
  register_conv_ops(registry);
  register_pool_ops(registry);
  register_norm_ops(registry);
  register_shape_ops(registry);
  register_tensor_ops(registry);
  register_generator_ops(registry);
  register_reduce_ops(registry);
  register_rnn_ops(registry);
  register_resize_ops(registry);
  register_pad_ops(registry);
  register_logical_ops(registry);
  register_gather_elements_ops(registry);
  register_unary_math_ops(registry);
  register_variadic_ops(registry);
  register_conv_transpose_ops(registry);
  register_reduce_more_ops(registry);
  register_tensor_misc_ops(registry);
  register_small_int_ops(registry);
}

}  // namespace octet::graph::ops
