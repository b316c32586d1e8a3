// range_scan.h: the min/max scans observers run over a float32 tensor of any layout: whole-tensor
// and per channel, streaming over the tensor's own memory (no transposed copy).
#pragma once

#include <cstdint>

#include "octet/quantization/observer.h"
#include "octet/tensor.h"

namespace octet::quantization::detail {

// The first element of a float32 tensor whose elements fill one contiguous block of memory in some
// order (contiguous, or a permutation of contiguous such as channels-last), else nullptr. Such a
// tensor's numel() floats can be scanned as one flat array.
const float* dense_span(const Tensor& t);

// Per-channel min and max along `axis` (already normalized to [0, dim)) of a float32 tensor of any
// strides: lo[c] / hi[c] (arrays of size(axis) floats, which the caller fills with +inf / -inf)
// become the min / max of the finite values of channel c (unchanged for a channel with none), and
// the NaN and +-inf values are counted into `counts`.
//
// Dense tensors take one vectorized pass over memory in storage order, seen as [outer, C, inner]:
// contiguous runs of `inner` floats per (outer, channel) when inner is long (ch_axis 0 or 1 of
// NCHW), otherwise element-wise min/max of whole [C * inner] rows into a small buffer (ch_axis
// last, channels-last data). Other strides take vectorized loops along the last dim (strided
// loads), never a copy. Only when a pass meets a NaN or +-inf is the tensor rescanned element by
// element, counting them.
void channel_minmax(const Tensor& t, int64_t axis, float* lo, float* hi, NonFiniteCounts& counts);

}  // namespace octet::quantization::detail
