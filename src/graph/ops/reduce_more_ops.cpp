// reduce_more_ops.cpp: ONNX's ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp, ReduceProd, ReduceSumSquare (axes as an attribute, opsets 11-17) and ArgMax/ArgMin.
//
// The reduced axes are moved last and each output element folds its run of inputs in double
// (LogSumExp subtracts the run's maximum first), then rounds once to the input's dtype. No axes
// means every axis. keepdims (default 1) keeps the reduced axes as 1s. ArgMax/ArgMin return int64
// indices along `axis`, the first extreme unless select_last_index = 1.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "graph/ops/builtin_ops.h"
#include "graph/ops/op_util.h"
#include "octet/error.h"

namespace octet::graph::ops {
namespace {

// Runs of the input along the reduced axes: [outer, inner] with inner the reduced elements.
struct Runs {
  Tensor data;  // contiguous float64 [outer, inner]
  int64_t outer = 1, inner = 1;
  Shape out_shape;
};

Runs make_runs(const Tensor& x, std::vector<int64_t> axes, bool keepdims, const Node& node) {
  const int64_t rank = x.dim();
  std::vector<bool> reduced(static_cast<size_t>(rank), axes.empty());
  for (int64_t& a : axes) {
    a = normalize_axis(a, rank, node, "axes entry");
    OCTET_CHECK(!reduced[static_cast<size_t>(a)], node.describe(), "axis ", a, " is listed twice");
    reduced[static_cast<size_t>(a)] = true;
  }
  Shape perm;
  Runs r;
  for (int64_t d = 0; d < rank; ++d) {
    if (!reduced[static_cast<size_t>(d)]) {
      perm.push_back(d);
      r.outer *= x.size(d);
    }
  }
  for (int64_t d = 0; d < rank; ++d) {
    if (reduced[static_cast<size_t>(d)]) {
      perm.push_back(d);
      r.inner *= x.size(d);
    }
    if (!reduced[static_cast<size_t>(d)] || keepdims) r.out_shape.push_back(reduced[static_cast<size_t>(d)] ? 1 : x.size(d));
  }
  r.data = x.to(kFloat64).permute(perm).contiguous().reshape({r.outer, r.inner});
  return r;
}

using Fold = std::function<double(const double*, int64_t)>;

OpDef reduction(std::string name, Fold fold) {
  return make_op(
      std::move(name), 1, 2,
      [](InferenceContext& ctx) {
        const TensorType& x = ctx.input_type(0);
        bool known = true;
        const std::optional<std::vector<int64_t>> axes = axes_from_attr_or_input(ctx, "axes", 1, &known);
        if (!x.shape || !known) {
          ctx.set_output_type(0, TensorType(x.dtype));
          return;
        }
        const bool keep = ctx.node().attr_int("keepdims", 1) != 0;
        std::vector<bool> reduced(x.shape->size(), !axes || axes->empty());
        if (axes) {
          for (int64_t a : *axes) reduced[static_cast<size_t>(normalize_axis(a, x.rank(), ctx.node(), "axes entry"))] = true;
        }
        Dims out;
        for (size_t d = 0; d < x.shape->size(); ++d) {
          if (!reduced[d]) out.push_back((*x.shape)[d]);
          else if (keep) out.emplace_back(1);
        }
        ctx.set_output_type(0, TensorType(x.dtype, out));
      },
      [fold](const KernelContext& ctx) {
        const Tensor& x = ctx.input(0);
        if (x.dtype() == kBool || x.is_quantized()) ctx.fail(detail::str_cat("input must be numeric, got ", x.dtype()));
        const std::vector<int64_t> axes = axes_from_attr_or_input(ctx, "axes", 1).value_or(std::vector<int64_t>{});
        const Runs r = make_runs(x, axes, ctx.node().attr_int("keepdims", 1) != 0, ctx.node());
        Tensor out = empty({r.outer}, kFloat64);
        const double* s = r.data.data_ptr<double>();
        double* d = out.data_ptr<double>();
        for (int64_t o = 0; o < r.outer; ++o) d[o] = fold(s + o * r.inner, r.inner);
        return std::vector<Tensor>{out.reshape(r.out_shape).to(x.dtype())};
      });
}

double sum_of(const double* p, int64_t n, double (*f)(double)) {
  double acc = 0;
  for (int64_t i = 0; i < n; ++i) acc += f(p[i]);
  return acc;
}

OpDef arg_extreme(std::string name, bool max) {
  return make_op(
      std::move(name), 1, 1,
      [](InferenceContext& ctx) {
        const TensorType& x = ctx.input_type(0);
        if (!x.shape) {
          ctx.set_output_type(0, TensorType(kInt64));
          return;
        }
        const auto axis = static_cast<size_t>(normalize_axis(ctx.node().attr_int("axis", 0), x.rank(), ctx.node()));
        Dims out = *x.shape;
        if (ctx.node().attr_int("keepdims", 1) != 0) {
          out[axis] = Dim(1);
        } else {
          out.erase(out.begin() + static_cast<std::ptrdiff_t>(axis));
        }
        ctx.set_output_type(0, TensorType(kInt64, out));
      },
      [max](const KernelContext& ctx) {
        const Tensor& x = ctx.input(0);
        if (x.dtype() == kBool || x.is_quantized()) ctx.fail(detail::str_cat("input must be numeric, got ", x.dtype()));
        const int64_t axis = normalize_axis(ctx.node().attr_int("axis", 0), x.dim(), ctx.node());
        if (x.size(axis) == 0) ctx.fail(detail::str_cat("axis ", axis, " is empty"));
        const bool last = ctx.node().attr_int("select_last_index", 0) != 0;
        const Runs r = make_runs(x, {axis}, ctx.node().attr_int("keepdims", 1) != 0, ctx.node());
        Tensor out = empty({r.outer}, kInt64);
        const double* s = r.data.data_ptr<double>();
        int64_t* d = out.data_ptr<int64_t>();
        for (int64_t o = 0; o < r.outer; ++o) {
          const double* p = s + o * r.inner;
          int64_t best = 0;
          for (int64_t i = 1; i < r.inner; ++i) {
            const bool better = max ? (last ? p[i] >= p[best] : p[i] > p[best]) : (last ? p[i] <= p[best] : p[i] < p[best]);
            if (better) best = i;
          }
          d[o] = best;
        }
        return std::vector<Tensor>{out.reshape(r.out_shape)};
      });
}

}  // namespace

void register_reduce_more_ops(OpRegistry& registry) {
  registry.add(reduction("ReduceL1", [](const double* p, int64_t n) { return sum_of(p, n, [](double v) { return std::fabs(v); }); }));
  registry.add(reduction("ReduceL2", [](const double* p, int64_t n) {
    return std::sqrt(sum_of(p, n, [](double v) { return v * v; }));
  }));
  registry.add(reduction("ReduceSumSquare", [](const double* p, int64_t n) { return sum_of(p, n, [](double v) { return v * v; }); }));
  registry.add(reduction("ReduceLogSum", [](const double* p, int64_t n) { return std::log(sum_of(p, n, [](double v) { return v; })); }));
  registry.add(reduction("ReduceLogSumExp", [](const double* p, int64_t n) {
    if (n == 0) return -std::numeric_limits<double>::infinity();
    const double m = *std::max_element(p, p + n);
    if (std::isinf(m)) return m;
    double acc = 0;
    for (int64_t i = 0; i < n; ++i) acc += std::exp(p[i] - m);
    return m + std::log(acc);
  }));
  registry.add(reduction("ReduceProd", [](const double* p, int64_t n) {
    double acc = 1;
    for (int64_t i = 0; i < n; ++i) acc *= p[i];
    return acc;
  }));
  registry.add(arg_extreme("ArgMax", true));
  registry.add(arg_extreme("ArgMin", false));
}

}  // namespace octet::graph::ops
