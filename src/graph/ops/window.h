// window.h: the sliding-window geometry of Conv and the pooling operators: kernel, strides, dilations, pads, auto_pad (internal).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "octet/graph/graph.h"
#include "octet/graph/types.h"
#include "octet/tensor.h"

namespace octet::graph::ops {

struct Window {
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads_begin;
  std::vector<int64_t> pads_end;
  std::string auto_pad;  // NOTSET, SAME_UPPER, SAME_LOWER or VALID
  bool ceil_mode = false;

  int64_t spatial() const { return static_cast<int64_t>(kernel.size()); }
  bool symmetric_pads() const { return pads_begin == pads_end; }
  // Output size of spatial dim i for input size `in` (auto_pad SAME resolves pads first).
  int64_t output_size(int64_t i, int64_t in) const;
  // The same on a partly known dim: known when the input is, the symbol itself for SAME with
  // stride 1, unknown otherwise.
  Dim output_dim(int64_t i, const Dim& in) const;
  // For SAME_UPPER / SAME_LOWER: fills pads_begin/pads_end for concrete input sizes.
  void resolve_pads(const Shape& input_spatial);
  // The pads in F::pad's order: last dim first, {begin, end} per dim.
  Shape torch_pads() const;
};

// Reads the window attributes of a node whose input has `spatial` spatial dims. `kernel` is the
// kernel size when the node takes it from a weight (Conv); otherwise kernel_shape is required.
Window read_window(const Node& node, int64_t spatial, const std::vector<int64_t>* kernel);

}  // namespace octet::graph::ops
