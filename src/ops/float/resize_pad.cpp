// resize_pad.cpp: pad: constant (any rank, cropping allowed), reflect, replicate and circular (1 to 3 trailing dims).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "core/tensor_impl.h"
#include "octet/engine.h"
#include "octet/functional/resize.h"

namespace octet::functional {
namespace {

constexpr const char* kWhere = "pad";

enum class PadMode { Constant, Reflect, Replicate, Circular };

PadMode parse_pad_mode(std::string_view mode) {
  if (mode == "constant") return PadMode::Constant;
  if (mode == "reflect") return PadMode::Reflect;
  if (mode == "replicate") return PadMode::Replicate;
  if (mode == "circular") return PadMode::Circular;
  OCTET_FAIL(kWhere, "unknown padding mode '", mode, "'; expected constant, reflect, replicate or circular");
}

// Constant: fill, then copy the overlap of input and output (negative pads crop), as ATen does.
Tensor pad_constant(const Tensor& input, const Shape& pad, double value) {
  const int64_t k = static_cast<int64_t>(pad.size() / 2);
  Shape out_shape = input.shape();
  for (int64_t i = 0; i < k; ++i) {
    const int64_t d = input.dim() - 1 - i;
    const int64_t l = pad[static_cast<size_t>(2 * i)], r = pad[static_cast<size_t>(2 * i + 1)];
    const int64_t n = input.size(d) + l + r;
    OCTET_CHECK(n >= 0, kWhere, "the padded size of dim ", d, " would be negative: ", input.size(d), " + ", l,
                " + ", r, " for input of shape ", shape_to_string(input.shape()));
    out_shape[static_cast<size_t>(d)] = n;
  }
  Tensor y = full(out_shape, value, input.dtype());
  Tensor dst = y, src = input;
  for (int64_t i = 0; i < k; ++i) {
    const int64_t d = input.dim() - 1 - i;
    const int64_t l = pad[static_cast<size_t>(2 * i)], r = pad[static_cast<size_t>(2 * i + 1)];
    const int64_t len = input.size(d) + std::min<int64_t>(l, 0) + std::min<int64_t>(r, 0);
    if (len <= 0) return y;
    dst = dst.narrow(d, std::max<int64_t>(l, 0), len);
    src = src.narrow(d, std::max<int64_t>(-l, 0), len);
  }
  dst.copy_(src);
  return y;
}

// Source index of output position o along a dim of size n padded by (l, r). Negative pads crop.
// Reflect and replicate map through the whole dim; circular wraps within what the crop keeps, as
// PyTorch does (pad (-2, 3) of [0..6] gives [2, 3, 4, 5, 6, 2, 3, 4]).
int64_t source(PadMode mode, int64_t o, int64_t n, int64_t l, int64_t r) {
  if (mode == PadMode::Circular) {
    const int64_t start = std::max<int64_t>(-l, 0);
    const int64_t kept = n - start - std::max<int64_t>(-r, 0);
    const int64_t i = o - std::max<int64_t>(l, 0);
    return start + ((i % kept) + kept) % kept;
  }
  int64_t i = o - l;
  switch (mode) {
    case PadMode::Reflect:  // pads < n: one reflection suffices
      if (i < 0) i = -i;
      if (i >= n) i = 2 * (n - 1) - i;
      return i;
    case PadMode::Replicate:
      return std::min(std::max<int64_t>(i, 0), n - 1);
    case PadMode::Circular:
    case PadMode::Constant:
      break;
  }
  return i;
}

// A run of output columns whose source columns are consecutive: out[o .. o + len) = in[i .. i + len).
struct Run {
  int64_t out, in, len;
};

// Splits a column map into maximal runs, so the middle of each row (the unpadded input) is one
// memcpy and only the padding is gathered element by element.
std::vector<Run> column_runs(const std::vector<int64_t>& idx) {
  std::vector<Run> runs;
  for (int64_t o = 0; o < static_cast<int64_t>(idx.size()); ++o) {
    const int64_t i = idx[static_cast<size_t>(o)];
    if (!runs.empty() && runs.back().in + runs.back().len == i && runs.back().out + runs.back().len == o) {
      ++runs.back().len;
    } else {
      runs.push_back({o, i, 1});
    }
  }
  return runs;
}

// Gathers out[p, od, oh, :] = in[p, id[od], ih[oh], iw[:]] for elements of `elem` bytes (any
// plain dtype).
void gather3d(const void* src, void* dst, size_t elem, int64_t planes, const int64_t in[3], const int64_t out[3],
              const std::vector<int64_t> idx[3]) {
  const auto* x = static_cast<const unsigned char*>(src);
  auto* y = static_cast<unsigned char*>(dst);
  const std::vector<Run> runs = column_runs(idx[2]);
  const int64_t rows = planes * out[0] * out[1];
  const int64_t row_bytes = out[2] * static_cast<int64_t>(elem);
#pragma omp parallel for num_threads(octet::get_num_threads()) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t oh = r % out[1], od = (r / out[1]) % out[0], p = r / (out[1] * out[0]);
    const int64_t src_row = (p * in[0] + idx[0][static_cast<size_t>(od)]) * in[1] + idx[1][static_cast<size_t>(oh)];
    const unsigned char* row = x + src_row * in[2] * static_cast<int64_t>(elem);
    unsigned char* o = y + r * row_bytes;
    for (const Run& run : runs) {
      std::memcpy(o + run.out * static_cast<int64_t>(elem), row + run.in * static_cast<int64_t>(elem),
                  static_cast<size_t>(run.len) * elem);
    }
  }
}

Tensor pad_indexed(const Tensor& input, const Shape& pad, PadMode mode, std::string_view mode_name) {
  const int64_t k = static_cast<int64_t>(pad.size() / 2);
  OCTET_CHECK(k >= 1 && k <= 3, kWhere, mode_name, " padding pads 1 to 3 trailing dims (2, 4 or 6 pad values), got ",
              pad.size(), " values");
  OCTET_CHECK(input.dim() == k + 1 || input.dim() == k + 2, kWhere, mode_name, " padding of ", k,
              " dim(s) expects a ", k + 1, "-D or ", k + 2, "-D input (batched or not), got shape ",
              shape_to_string(input.shape()));
  for (int64_t d = input.dim() == k + 2 ? 1 : 0; d < input.dim(); ++d) {
    OCTET_CHECK(input.size(d) > 0, kWhere, mode_name, " padding expects non-zero sizes in every dim but the batch, got shape ",
                shape_to_string(input.shape()));
  }
  int64_t in3[3] = {1, 1, 1}, out3[3] = {1, 1, 1};
  std::vector<int64_t> idx[3] = {{0}, {0}, {0}};
  Shape out_shape = input.shape();
  for (int64_t i = 0; i < k; ++i) {
    const int64_t d = input.dim() - 1 - i;
    const size_t j = static_cast<size_t>(2 - i);
    const int64_t n = input.size(d);
    const int64_t l = pad[static_cast<size_t>(2 * i)], r = pad[static_cast<size_t>(2 * i + 1)];
    if (mode == PadMode::Reflect) {
      OCTET_CHECK(l < n && r < n, kWhere, "reflect padding must be smaller than the padded dim, got padding (", l,
                  ", ", r, ") for dim ", d, " of size ", n, " (input of shape ", shape_to_string(input.shape()), ")");
    } else if (mode == PadMode::Circular) {
      const int64_t kept = n + std::min<int64_t>(l, 0) + std::min<int64_t>(r, 0);
      OCTET_CHECK(kept >= 1 && l <= kept && r <= kept, kWhere, "circular padding may wrap around at most once: padding (", l,
                  ", ", r, ") for dim ", d, " of size ", n, " (", kept, " after cropping; input of shape ",
                  shape_to_string(input.shape()), ")");
    }
    const int64_t o = n + l + r;
    OCTET_CHECK(o >= 1, kWhere, "the padded size of dim ", d, " would be ", o, " (", n, " + ", l, " + ", r,
                "), at least 1 is needed");
    in3[j] = n;
    out3[j] = o;
    out_shape[static_cast<size_t>(d)] = o;
    idx[j].resize(static_cast<size_t>(o));
    for (int64_t q = 0; q < o; ++q) idx[j][static_cast<size_t>(q)] = source(mode, q, n, l, r);
  }
  int64_t planes = 1;
  for (int64_t d = 0; d < input.dim() - k; ++d) planes *= input.size(d);
  const Tensor x = input.contiguous();
  Tensor y = octet::detail::empty_uninitialized(out_shape, input.dtype());
  if (y.numel() == 0) return y;
  gather3d(x.raw_data(), y.raw_data(), input.element_size(), planes, in3, out3, idx);
  return y;
}

}  // namespace

Tensor pad(const Tensor& input, const Shape& pad, std::string_view mode, std::optional<double> value) {
  OCTET_CHECK(input.defined(), kWhere, "input is an undefined tensor");
  OCTET_CHECK(!input.is_quantized(), kWhere, "expected a non-quantized input, got ", input.dtype());
  OCTET_CHECK(pad.size() % 2 == 0, kWhere, "the pad list must have an even number of values, got ", pad.size());
  OCTET_CHECK(static_cast<int64_t>(pad.size() / 2) <= input.dim(), kWhere, "the pad list pads ", pad.size() / 2,
              " dims, but the input of shape ", shape_to_string(input.shape()), " has only ", input.dim());
  const PadMode m = parse_pad_mode(mode);
  if (m == PadMode::Constant) return pad_constant(input, pad, value.value_or(0.0));
  OCTET_CHECK(!value.has_value() || *value == 0.0, kWhere, "padding mode '", mode,
              "' does not take a value argument, got ", *value);
  return pad_indexed(input, pad, m, mode);
}

}  // namespace octet::functional
