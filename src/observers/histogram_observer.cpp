// histogram_observer.cpp: HistogramObserver, PyTorch's running histogram and L2 range search.
#include "octet/quantization/histogram_observer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "nn/py_repr.h"
#include "observers/histogram_torch.h"
#include "observers/observer_util.h"
#include "observers/range_scan.h"

namespace octet::quantization {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr const char* kName = "HistogramObserver";

QParamsConfig config_of(const HistogramObserverOptions& o) {
  return QParamsConfig{o.dtype, o.qscheme, o.reduce_range, o.quant_min, o.quant_max, o.eps};
}

// Options the base does not check; runs before the base constructor registers anything.
const HistogramObserverOptions& checked(const HistogramObserverOptions& o) {
  OCTET_CHECK(o.bins >= 1, kName, "bins must be at least 1, got ", o.bins);
  OCTET_CHECK(o.upsample_rate >= 1, kName, "upsample_rate must be at least 1, got ", o.upsample_rate);
  OCTET_CHECK(o.bins <= (int64_t{1} << 24) && o.bins * o.upsample_rate <= (int64_t{1} << 24), kName,
              "bins * upsample_rate must be at most 2^24 (float32 bin indices), got bins=", o.bins,
              ", upsample_rate=", o.upsample_rate);
  OCTET_CHECK(!o.is_dynamic, kName, "does not support dynamic quantization (is_dynamic), as in PyTorch");
  return o;
}

}  // namespace

HistogramObserver::HistogramObserver(const HistogramObserverOptions& options)
    : Cloneable(config_of(checked(options)), options.skip_nan, /*per_channel=*/false, kName, options.is_dynamic),
      options_(options) {
  register_buffer("histogram", &HistogramObserver::histogram, zeros({options.bins}, kFloat32));
  register_buffer("min_val", &HistogramObserver::min_val, detail::float_scalar(kInf));
  register_buffer("max_val", &HistogramObserver::max_val, detail::float_scalar(-kInf));
}

double HistogramObserver::dst_nbins() const {
  // 2 ** torch.iinfo(dtype).bits.
  return dtype() == kQInt32 ? 4294967296.0 : 256.0;
}

bool HistogramObserver::has_observed() const { return min_val.item<float>() <= max_val.item<float>(); }

void HistogramObserver::observe(const Tensor& input) {
  check_input(input, "observe");
  if (input.numel() == 0) return;
  // A histogram does not depend on the order of the values, so a dense tensor of any layout is
  // read as its memory.
  Tensor gathered;
  const float* data = detail::dense_span(input);
  if (data == nullptr) {
    gathered = input.contiguous();
    data = gathered.data_ptr<float>();
  }
  const int64_t n = input.numel();
  const int64_t bins = options_.bins;
  float* hist = histogram.data_ptr<float>();
  float* lo = min_val.data_ptr<float>();
  float* hi = max_val.data_ptr<float>();
  std::vector<float> update(static_cast<size_t>(bins));
  // Once calibration has settled, most batches lie inside the range observed so far; then PyTorch
  // histograms them over that range unchanged, and one pass that finds every value inside it
  // (none skipped: no NaN, no inf, nothing outside) is the whole update. Otherwise that pass is
  // discarded and the batch takes the full path below.
  if (*lo < *hi) {
    if (detail::histc(data, n, bins, detail::histc_range(*lo, *hi, *lo, *hi), update.data()) == 0) {
      for (int64_t k = 0; k < bins; ++k) hist[k] = hist[k] + update[static_cast<size_t>(k)];
      return;
    }
  }
  const FiniteRange batch = finite_range(data, n);
  if (!batch.found) return;  // PyTorch returns early too when nothing finite is left
  // PyTorch's is_uninitialized: min_val == inf or max_val == -inf.
  const bool first = *lo == kInf || *hi == -kInf;
  const float new_lo = first ? batch.min : std::min(*lo, batch.min);
  const float new_hi = first ? batch.max : std::max(*hi, batch.max);
  OCTET_CHECK(detail::histc_range_representable(new_lo, new_hi, bins), "observe", name(), ": the range [", new_lo,
              ", ", new_hi, "] is too wide for float32 histogram arithmetic ((max - min) * bins overflows; PyTorch's "
              "histc computes an undefined bin index there)");
  // torch.histc(x, bins, min=new_min, max=new_max); a constant range takes the data's range, and a
  // single value gets edges one unit (or one float step) either side.
  const detail::HistcRange edges = detail::histc_range(new_lo, new_hi, batch.min, batch.max);
  OCTET_CHECK(edges.ok, "observe", name(), ": cannot histogram the constant value ", batch.min,
              " (its bin edges are not finite in float32; PyTorch's histc raises here too)");
  detail::histc(data, n, bins, edges, update.data());
  if (first) {
    std::copy(update.begin(), update.end(), hist);
  } else {
    if (new_lo != *lo || new_hi != *hi) rebin_to(new_lo, new_hi);
    for (int64_t k = 0; k < bins; ++k) hist[k] = hist[k] + update[static_cast<size_t>(k)];
  }
  *lo = new_lo;
  *hi = new_hi;
}

void HistogramObserver::rebin_to(float lo, float hi) {
  const int64_t bins = options_.bins;
  float* hist = histogram.data_ptr<float>();
  std::vector<float> moved(static_cast<size_t>(bins));
  detail::rebin_histogram(hist, bins, options_.upsample_rate, min_val.item<float>(), max_val.item<float>(), lo, hi,
                          moved.data());
  std::copy(moved.begin(), moved.end(), hist);
}

std::pair<float, float> HistogramObserver::search_range() const {
  check_observed();
  return detail::histogram_param_search(histogram.data_ptr<float>(), options_.bins, min_val.item<float>(),
                                        max_val.item<float>(), dst_nbins());
}

QParamsTensors HistogramObserver::calculate_qparams() const {
  const auto [lo, hi] = search_range();
  QParams q;
  try {
    q = choose_qparams(lo, hi, qparams_config());
  } catch (const Error& e) {
    OCTET_FAIL("calculate_qparams", name(), ": ", e.message());
  }
  return {detail::float_scalar(static_cast<float>(q.scale)), detail::int64_scalar(q.zero_point)};
}

void HistogramObserver::merge(const ObserverBase& other) {
  check_mergeable(other);
  const auto& o = static_cast<const HistogramObserver&>(other);
  OCTET_CHECK(o.options_.bins == options_.bins && o.options_.upsample_rate == options_.upsample_rate, "merge",
              name(), ": the other observer has ", o.options_.bins, " bins and upsample_rate ", o.options_.upsample_rate,
              ", this one ", options_.bins, " and ", options_.upsample_rate);
  add_non_finite(o.non_finite());
  if (!o.has_observed()) return;
  const int64_t bins = options_.bins;
  float* hist = histogram.data_ptr<float>();
  if (!has_observed()) {
    std::copy(o.histogram.data_ptr<float>(), o.histogram.data_ptr<float>() + bins, hist);
    min_val.fill_(o.min_val.item<float>());
    max_val.fill_(o.max_val.item<float>());
    return;
  }
  const float olo = o.min_val.item<float>();
  const float ohi = o.max_val.item<float>();
  const float lo = std::min(min_val.item<float>(), olo);
  const float hi = std::max(max_val.item<float>(), ohi);
  OCTET_CHECK(detail::histc_range_representable(lo, hi, bins), "merge", name(), ": the merged range [", lo, ", ",
              hi, "] is too wide for float32 histogram arithmetic ((max - min) * bins overflows)");
  std::vector<float> theirs(o.histogram.data_ptr<float>(), o.histogram.data_ptr<float>() + bins);
  if (olo != lo || ohi != hi) {
    std::vector<float> moved(static_cast<size_t>(bins));
    detail::rebin_histogram(theirs.data(), bins, options_.upsample_rate, olo, ohi, lo, hi, moved.data());
    theirs.swap(moved);
  }
  if (min_val.item<float>() != lo || max_val.item<float>() != hi) rebin_to(lo, hi);
  for (int64_t k = 0; k < bins; ++k) hist[k] = hist[k] + theirs[static_cast<size_t>(k)];
  min_val.fill_(lo);
  max_val.fill_(hi);
}

void HistogramObserver::reset() {
  histogram.fill_(0.0);
  min_val.fill_(kInf);
  max_val.fill_(-kInf);
  clear_non_finite();
}

void HistogramObserver::check_state(const nn::StateDict& buffers) const {
  check_range_state(buffers);
  const Tensor h = buffers.at("histogram").to(kFloat32).contiguous();
  const float* p = h.data_ptr<float>();
  for (int64_t k = 0; k < h.numel(); ++k) {
    OCTET_CHECK(std::isfinite(p[k]) && p[k] >= 0.0f, "load_state", name(), ": histogram[", k, "] = ", p[k],
                " is not a count (finite and >= 0)");
  }
}

std::string HistogramObserver::extra_repr() const {
  std::string out = "min_val=";
  out.append(nn::detail::py_float_repr(min_val.item<float>()))
      .append(", max_val=")
      .append(nn::detail::py_float_repr(max_val.item<float>()));
  return out;
}

}  // namespace octet::quantization
