// window.cpp: reading and applying the sliding-window attributes shared by Conv and pooling.
#include "graph/ops/window.h"

#include <algorithm>

#include "octet/error.h"

namespace octet::graph::ops {
namespace {

std::vector<int64_t> per_dim(const Node& node, const char* name, int64_t spatial, int64_t fallback) {
  std::vector<int64_t> v = node.attr_ints(name, std::vector<int64_t>(static_cast<size_t>(spatial), fallback));
  OCTET_CHECK(static_cast<int64_t>(v.size()) == spatial, node.describe(), "attribute '", name, "' needs ", spatial,
              " values (one per spatial dim), got ", v.size());
  for (int64_t x : v) {
    OCTET_CHECK(x >= 1, node.describe(), "attribute '", name, "' values must be >= 1, got ", x);
  }
  return v;
}

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

}  // namespace

Window read_window(const Node& node, int64_t spatial, const std::vector<int64_t>* kernel) {
  Window w;
  if (node.has_attr("kernel_shape") || kernel == nullptr) {
    w.kernel = node.attr_ints("kernel_shape");
    OCTET_CHECK(static_cast<int64_t>(w.kernel.size()) == spatial, node.describe(), "attribute 'kernel_shape' needs ",
                spatial, " values (one per spatial dim), got ", w.kernel.size());
    OCTET_CHECK(kernel == nullptr || *kernel == w.kernel, node.describe(), "attribute 'kernel_shape' disagrees with the weight's kernel");
  } else {
    w.kernel = *kernel;
  }
  for (int64_t k : w.kernel) OCTET_CHECK(k >= 1, node.describe(), "kernel sizes must be >= 1, got ", k);
  w.strides = per_dim(node, "strides", spatial, 1);
  w.dilations = per_dim(node, "dilations", spatial, 1);
  w.auto_pad = node.attr_string("auto_pad", "NOTSET");
  OCTET_CHECK(w.auto_pad == "NOTSET" || w.auto_pad == "SAME_UPPER" || w.auto_pad == "SAME_LOWER" ||
                  w.auto_pad == "VALID",
              node.describe(), "attribute 'auto_pad' must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got \"",
              w.auto_pad, "\"");
  const std::vector<int64_t> pads = node.attr_ints("pads", std::vector<int64_t>(static_cast<size_t>(2 * spatial), 0));
  OCTET_CHECK(static_cast<int64_t>(pads.size()) == 2 * spatial, node.describe(), "attribute 'pads' needs ",
              2 * spatial, " values (begins, then ends), got ", pads.size());
  OCTET_CHECK(w.auto_pad == "NOTSET" || !node.has_attr("pads"), node.describe(),
              "attribute 'pads' cannot be used with auto_pad ", w.auto_pad);
  for (int64_t p : pads) OCTET_CHECK(p >= 0, node.describe(), "pads must be >= 0, got ", p);
  w.pads_begin.assign(pads.begin(), pads.begin() + spatial);
  w.pads_end.assign(pads.begin() + spatial, pads.end());
  w.ceil_mode = node.attr_int("ceil_mode", 0) != 0;
  return w;
}

int64_t Window::output_size(int64_t i, int64_t in) const {
  const auto u = static_cast<size_t>(i);
  const int64_t s = strides[u];
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") return ceil_div(in, s);
  const int64_t pb = auto_pad == "VALID" ? 0 : pads_begin[u];
  const int64_t pe = auto_pad == "VALID" ? 0 : pads_end[u];
  const int64_t span = in + pb + pe - dilations[u] * (kernel[u] - 1) - 1;
  if (span < 0) return 0;
  if (!ceil_mode) return span / s + 1;
  int64_t out = ceil_div(span, s) + 1;
  // PyTorch's rule: the last window must start inside the input or its left padding.
  if ((out - 1) * s >= in + pb) --out;
  return out;
}

Dim Window::output_dim(int64_t i, const Dim& in) const {
  if (in.is_static()) return Dim(output_size(i, in.size()));
  if ((auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") && strides[static_cast<size_t>(i)] == 1) return in;
  return Dim();
}

void Window::resolve_pads(const Shape& input_spatial) {
  if (auto_pad == "VALID") {
    std::fill(pads_begin.begin(), pads_begin.end(), 0);
    std::fill(pads_end.begin(), pads_end.end(), 0);
    return;
  }
  if (auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER") return;
  for (size_t i = 0; i < kernel.size(); ++i) {
    const int64_t in = input_spatial[i];
    const int64_t out = ceil_div(in, strides[i]);
    const int64_t total = std::max<int64_t>((out - 1) * strides[i] + dilations[i] * (kernel[i] - 1) + 1 - in, 0);
    const int64_t small = total / 2;
    pads_begin[i] = auto_pad == "SAME_UPPER" ? small : total - small;
    pads_end[i] = total - pads_begin[i];
  }
}

Shape Window::torch_pads() const {
  Shape out;
  for (size_t i = kernel.size(); i-- > 0;) {
    out.push_back(pads_begin[i]);
    out.push_back(pads_end[i]);
  }
  return out;
}

}  // namespace octet::graph::ops
