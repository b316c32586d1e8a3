// logical_ops.cpp: ONNX's broadcasting boolean operators And, Or, Xor.
#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"

namespace octet::graph::ops {
namespace {

template <typename Fn>
OpDef logical_op(std::string name, Fn fn) {
  return make_op(
      std::move(name), 2, 2,
      [](InferenceContext& ctx) {
        check_dtype_in(ctx, 0, {kBool});
        check_dtype_in(ctx, 1, {kBool});
        ctx.set_output_type(0, TensorType(kBool, broadcast_inputs(ctx, {0, 1})));
      },
      [fn](const KernelContext& ctx) {
        const Tensor& a = ctx.input(0);
        const Tensor& b = ctx.input(1);
        if (a.dtype() != kBool || b.dtype() != kBool) {
          ctx.fail(detail::str_cat("inputs must be bool, got ", a.dtype(), " and ", b.dtype()));
        }
        const Shape shape = broadcast_shapes(a.shape(), b.shape(), ctx.node());
        const Tensor x = a.expand(shape).contiguous();
        const Tensor y = b.expand(shape).contiguous();
        Tensor out = empty(shape, kBool);
        const bool* px = x.data_ptr<bool>();
        const bool* py = y.data_ptr<bool>();
        bool* d = out.data_ptr<bool>();
        for (int64_t i = 0, n = out.numel(); i < n; ++i) d[i] = fn(px[i], py[i]);
        return std::vector<Tensor>{out};
      });
}

}  // namespace

void register_logical_ops(OpRegistry& registry) {
  registry.add(logical_op("And", [](bool x, bool y) { return x && y; }));
  registry.add(logical_op("Or", [](bool x, bool y) { return x || y; }));
  registry.add(logical_op("Xor", [](bool x, bool y) { return x != y; }));
}

}  // namespace octet::graph::ops
