// small_int_ops.cpp: int8, uint8 and int16 inputs for the arithmetic the functional ops run on int32/int64 only (Add, Sub, Mul, Div, Clip, Relu, Neg, Abs).
//
// ONNX defines these operators on every integer type, with the result in the input's type
// (wrapping on overflow, as ONNX Runtime's C++ arithmetic does). The functional operators take
// float, int32 and int64, so 8- and 16-bit integers are widened to int64, computed exactly there
// and narrowed back: narrowing wraps like a C++ cast, which is that wrap-around.
#include <optional>
#include <string>
#include <vector>

#include "graph/ops/builtin_ops.h"
#include "octet/error.h"

namespace octet::graph::ops {
namespace {

bool is_small_int(DType d) { return d == kInt8 || d == kUInt8 || d == kInt16; }

OpDef widen_small_ints(const OpDef& base) {
  OpDef def = base;
  KernelFn inner = base.kernel;
  def.kernel = [inner](const KernelContext& ctx) {
    std::vector<Tensor> widened(static_cast<size_t>(ctx.num_inputs()));
    std::vector<const Tensor*> args(static_cast<size_t>(ctx.num_inputs()), nullptr);
    std::optional<DType> narrow;
    for (int64_t i = 0; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) continue;
      const Tensor& t = ctx.input(i);
      if (is_small_int(t.dtype())) {
        if (i == 0) narrow = t.dtype();
        widened[static_cast<size_t>(i)] = t.to(kInt64);
        args[static_cast<size_t>(i)] = &widened[static_cast<size_t>(i)];
      } else {
        args[static_cast<size_t>(i)] = &t;
      }
    }
    if (!narrow) return inner(ctx);
    std::vector<Tensor> out = inner(KernelContext(ctx.node(), ctx.opset(), args));
    for (Tensor& t : out) {
      if (t.defined() && t.dtype() == kInt64) t = t.to(*narrow);
    }
    return out;
  };
  return def;
}

}  // namespace

void register_small_int_ops(OpRegistry& registry) {
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Clip", "Relu", "Neg", "Abs"}) {
    const OpDef* base = registry.find("", op);
    OCTET_CHECK(base != nullptr, "register_small_int_ops", op, " must be registered first");
    registry.add(widen_small_ints(*base));
  }
}

}  // namespace octet::graph::ops
