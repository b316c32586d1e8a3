// op_util.cpp: axes, integer reads, Constant values, broadcasting and symbolic products for the built-in operators.
#include "graph/ops/op_util.h"

#include <algorithm>

#include "octet/error.h"

namespace octet::graph::ops {

void infer_like_input0(InferenceContext& ctx) { ctx.set_output_type(0, ctx.input_type(0)); }

int64_t normalize_axis(int64_t axis, int64_t rank, const Node& node, const char* what) {
  OCTET_CHECK(axis >= -rank && axis < rank, node.describe(), what, " ", axis, " is out of range for rank ", rank,
              " (expected -", rank, " to ", rank - 1, ")");
  return axis < 0 ? axis + rank : axis;
}

std::vector<int64_t> tensor_to_ints(const Tensor& t, const Node& node, const char* what) {
  OCTET_CHECK(t.dtype() == kInt64 || t.dtype() == kInt32, node.describe(), what, " must be int64 or int32, got ",
              t.dtype());
  OCTET_CHECK(t.dim() <= 1, node.describe(), what, " must be 0-d or 1-D, got ", t.dim(), " dims");
  const Tensor c = t.to(kInt64).contiguous();
  const int64_t* p = c.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + c.numel());
}

double tensor_to_double(const Tensor& t, const Node& node, const char* what) {
  OCTET_CHECK(t.numel() == 1, node.describe(), what, " must hold one element, got ", t.numel());
  return t.reshape({}).item<double>();
}

std::optional<std::vector<int64_t>> axes_from_attr_or_input(const KernelContext& ctx, const char* name, int64_t input) {
  if (ctx.node().has_attr(name)) return ctx.node().attr_ints(name);
  if (ctx.has_input(input)) return tensor_to_ints(ctx.input(input), ctx.node(), name);
  return std::nullopt;
}

std::optional<std::vector<int64_t>> axes_from_attr_or_input(const InferenceContext& ctx, const char* name,
                                                            int64_t input, bool* known) {
  *known = true;
  if (ctx.node().has_attr(name)) return ctx.node().attr_ints(name);
  if (ctx.has_input(input)) {
    const Tensor& c = ctx.input_constant(input);
    if (!c.defined()) {
      *known = false;
      return std::nullopt;
    }
    return tensor_to_ints(c, ctx.node(), name);
  }
  return std::nullopt;
}

Tensor constant_node_value(const Node& node) {
  static const char* const kNames[] = {"value", "value_float", "value_floats", "value_int", "value_ints"};
  int present = 0;
  for (const char* n : kNames) present += node.has_attr(n) ? 1 : 0;
  for (const char* n : {"sparse_value", "value_string", "value_strings"}) {
    OCTET_CHECK(!node.has_attr(n), node.describe(), "attribute '", n, "' is not supported (no sparse or string tensors)");
  }
  OCTET_CHECK(present == 1, node.describe(),
              "needs exactly one of the attributes value, value_float, value_floats, value_int, value_ints; got ",
              present);
  if (node.has_attr("value")) {
    const Tensor t = node.attr_tensor("value");
    OCTET_CHECK(t.defined(), node.describe(), "attribute 'value' holds no tensor");
    return t;
  }
  if (node.has_attr("value_float")) return full({}, node.attr_float("value_float"), kFloat32);
  if (node.has_attr("value_floats")) return from_vector(node.attr_floats("value_floats"));
  if (node.has_attr("value_int")) return from_vector(std::vector<int64_t>{node.attr_int("value_int")}).reshape({});
  return from_vector(node.attr_ints("value_ints"));
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const Node& node) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    OCTET_CHECK(x == y || x == 1 || y == 1, node.describe(), "shapes ", shape_to_string(a), " and ",
                shape_to_string(b), " do not broadcast");
    out[i] = x == 1 ? y : x;
  }
  return out;
}

Dims broadcast_dims(const Dims& a, const Dims& b, const InferenceContext& ctx) {
  const size_t rank = std::max(a.size(), b.size());
  Dims out(rank);
  const Dim one(1);
  for (size_t i = 0; i < rank; ++i) {
    const Dim& x = i < rank - a.size() ? one : a[i - (rank - a.size())];
    const Dim& y = i < rank - b.size() ? one : b[i - (rank - b.size())];
    if (x.is_static() && x.size() == 1) {
      out[i] = y;
    } else if (y.is_static() && y.size() == 1) {
      out[i] = x;
    } else if (x.is_static() && y.is_static()) {
      if (x.size() != y.size()) {
        ctx.fail(detail::str_cat("shapes ", dims_to_string(a), " and ", dims_to_string(b), " do not broadcast"));
      }
      out[i] = x;
    } else if (x.is_static()) {
      out[i] = x;
    } else if (y.is_static()) {
      out[i] = y;
    } else if (x == y) {
      out[i] = x;
    } else {
      out[i] = Dim();
    }
  }
  return out;
}

std::optional<Dims> broadcast_inputs(const InferenceContext& ctx, const std::vector<int64_t>& inputs) {
  std::optional<Dims> out = Dims{};
  for (int64_t i : inputs) {
    const TensorType& t = ctx.input_type(i);
    if (!t.shape) return std::nullopt;
    out = broadcast_dims(*out, *t.shape, ctx);
  }
  return out;
}

void DimProduct::multiply(const Dim& d) {
  if (d.is_static()) {
    factor *= d.size();
  } else if (d.is_symbolic()) {
    symbols.insert(std::upper_bound(symbols.begin(), symbols.end(), d.symbol()), d.symbol());
  } else {
    unknown = true;
  }
}

std::optional<DimProduct> DimProduct::divide(const DimProduct& other) const {
  if (unknown || other.unknown || other.factor == 0 || factor % other.factor != 0) return std::nullopt;
  DimProduct out;
  out.factor = factor / other.factor;
  std::vector<std::string> rest = symbols;
  for (const std::string& s : other.symbols) {
    auto it = std::find(rest.begin(), rest.end(), s);
    if (it == rest.end()) return std::nullopt;
    rest.erase(it);
  }
  out.symbols = std::move(rest);
  return out;
}

Dim DimProduct::to_dim() const {
  if (unknown) return Dim();
  if (symbols.empty()) return Dim(factor);
  if (symbols.size() == 1 && factor == 1) return Dim(symbols.front());
  return Dim();
}

DimProduct product_of(const Dims& dims, size_t begin, size_t end) {
  DimProduct p;
  for (size_t i = begin; i < end && i < dims.size(); ++i) p.multiply(dims[i]);
  return p;
}

std::optional<DType> same_dtype(const InferenceContext& ctx, const std::vector<int64_t>& inputs) {
  std::optional<DType> out;
  int64_t first = -1;
  for (int64_t i : inputs) {
    const std::optional<DType>& d = ctx.input_type(i).dtype;
    if (!d) continue;
    if (out && *out != *d) {
      ctx.fail(detail::str_cat("inputs ", first, " and ", i, " must have the same dtype, got ", dtype_name(*out),
                               " and ", dtype_name(*d)));
    }
    if (!out) first = i;
    out = d;
  }
  return out;
}

void check_dtype_in(const InferenceContext& ctx, int64_t input, std::initializer_list<DType> allowed) {
  const std::optional<DType>& d = ctx.input_type(input).dtype;
  if (!d) return;
  if (std::find(allowed.begin(), allowed.end(), *d) != allowed.end()) return;
  std::string names;
  for (DType a : allowed) {
    if (!names.empty()) names.append(", ");
    names.append(dtype_name(a));
  }
  ctx.fail(detail::str_cat("input ", input, " must be one of ", names, "; got ", dtype_name(*d)));
}

}  // namespace octet::graph::ops
