// tensor_print.cpp: a readable printout in PyTorch's style, summarised for large tensors.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/tensor_impl.h"
#include "octet/tensor.h"

namespace octet {
namespace {

constexpr int64_t kSummaryThreshold = 1000;  // like torch's print options
constexpr int64_t kEdgeItems = 3;

struct Formatter {
  bool integral = false;  // every value is an integer: print "1." style for floats, "1" for ints
  bool is_float = false;
  bool sci = false;
  bool boolean = false;
  int width = 1;

  std::string format(double v) const {
    char buf[64];
    if (boolean) return v != 0 ? "True" : "False";
    if (!is_float) {
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    } else if (std::isnan(v)) {
      return "nan";
    } else if (std::isinf(v)) {
      return v > 0 ? "inf" : "-inf";
    } else if (sci) {
      std::snprintf(buf, sizeof buf, "%.4e", v);
    } else if (integral) {
      std::snprintf(buf, sizeof buf, "%.0f.", v);
    } else {
      std::snprintf(buf, sizeof buf, "%.4f", v);
    }
    return buf;
  }
};

void collect(const Tensor& t, std::vector<double>& out, bool summarize) {
  if (t.dim() == 0) {
    out.push_back(t.item<double>());
    return;
  }
  const int64_t n = t.size(0);
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) i = n - kEdgeItems;
    collect(t.select(0, i), out, summarize);
  }
}

void print_rec(std::ostringstream& os, const Tensor& t, const Formatter& f, bool summarize, int indent) {
  if (t.dim() == 0) {
    std::string s = f.format(t.item<double>());
    os << std::string(static_cast<size_t>(std::max<int>(0, f.width - static_cast<int>(s.size()))), ' ') << s;
    return;
  }
  const int64_t n = t.size(0);
  os << '[';
  for (int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * kEdgeItems && i == kEdgeItems) {
      os << (t.dim() == 1 ? "..., " : "...,\n" + std::string(static_cast<size_t>(indent + 1), ' '));
      i = n - kEdgeItems;
    }
    print_rec(os, t.select(0, i), f, summarize, indent + 1);
    if (i + 1 < n) {
      if (t.dim() == 1) {
        os << ", ";
      } else {
        os << ',' << std::string(static_cast<size_t>(t.dim() - 1), '\n')
           << std::string(static_cast<size_t>(indent + 1), ' ');
      }
    }
  }
  os << ']';
}

}  // namespace

std::string Tensor::to_string() const {
  if (!defined()) return "tensor(undefined)";
  const bool summarize = numel() > kSummaryThreshold;
  std::vector<double> values;
  if (numel() > 0) collect(*this, values, summarize);

  Formatter f;
  f.boolean = dtype_ == DType::Bool;
  f.is_float = octet::is_floating_point(dtype_) || is_quantized();
  if (f.is_float) {
    double max_abs = 0, min_abs = INFINITY;
    f.integral = true;
    for (double v : values) {
      if (!std::isfinite(v)) continue;
      if (v != std::trunc(v)) f.integral = false;
      max_abs = std::max(max_abs, std::fabs(v));
      if (v != 0) min_abs = std::min(min_abs, std::fabs(v));
    }
    f.sci = max_abs >= 1e8 || (min_abs < 1e-4 && !f.integral) ||
            (std::isfinite(min_abs) && min_abs > 0 && max_abs / min_abs > 1000 && !f.integral);
  }
  for (double v : values) f.width = std::max<int>(f.width, static_cast<int>(f.format(v).size()));

  std::ostringstream os;
  os << "tensor(";
  if (numel() == 0) {
    os << "[]";
  } else {
    print_rec(os, *this, f, summarize, 7);
  }
  if (numel() == 0 && dim() != 1) os << ", size=" << shape_to_string(shape_);
  if (is_quantized()) {
    os << ", size=" << shape_to_string(shape_) << ", dtype=" << dtype_ << ", quantization_scheme=" << qscheme();
    if (quantizer_->per_channel()) {
      os << ", scale=" << q_per_channel_scales().to_string() << ", zero_point=" << q_per_channel_zero_points().to_string()
         << ", axis=" << q_per_channel_axis();
    } else {
      os << ", scale=" << q_scale() << ", zero_point=" << q_zero_point();
    }
  } else if (dtype_ != DType::Float32 && dtype_ != DType::Int64 && dtype_ != DType::Bool) {
    os << ", dtype=" << dtype_;
  }
  os << ')';
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.to_string(); }

}  // namespace octet
