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
void register_rnn_ops(OpRegistry& registry);           // rnn_ops.cpp (LSTM, GRU, RNN)
void register_resize_ops(OpRegistry& registry);        // resize_ops.cpp (Resize)
void register_pad_ops(OpRegistry& registry);           // pad_ops.cpp (Pad)
void register_logical_ops(OpRegistry& registry);       // logical_ops.cpp (And, Or, Xor)
void register_gather_elements_ops(OpRegistry& registry);  // gather_elements_ops.cpp
void register_unary_math_ops(OpRegistry& registry);    // unary_math_ops.cpp (Floor, Sin, Elu, IsNaN, ...)
void register_variadic_ops(OpRegistry& registry);      // variadic_ops.cpp (Max, Min, Sum, Mean, PRelu, Mod)
void register_conv_transpose_ops(OpRegistry& registry);  // conv_transpose_ops.cpp
void register_reduce_more_ops(OpRegistry& registry);   // reduce_more_ops.cpp (ReduceL2, ..., ArgMax)
void register_tensor_misc_ops(OpRegistry& registry);   // tensor_misc_ops.cpp (Tile, CumSum, Trilu, ...)
// After the arithmetic: wraps Add, Sub, Mul, Div, Clip, Relu, Neg, Abs for int8/uint8/int16.
void register_small_int_ops(OpRegistry& registry);     // small_int_ops.cpp

}  // namespace octet::graph::ops
