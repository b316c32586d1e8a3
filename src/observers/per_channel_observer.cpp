// per_channel_observer.cpp: PerChannelMinMaxObserver, the running min and max of each channel.
#include "octet/quantization/per_channel_observer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "observers/observer_util.h"
#include "observers/range_scan.h"

namespace octet::quantization {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// PyTorch's print of a 1-d tensor, which wraps at 80 columns (torch._tensor_str._vector_str: as
// many elements per line as fit in 80 - len("tensor("), continuation lines indented by 8):
// Tensor::to_string's one-line form re-wrapped. Its elements are already padded to one width.
std::string vector_repr(const Tensor& t) {
  const std::string flat = t.to_string();
  const std::string head = "tensor([";
  const std::size_t close = flat.rfind("])");
  if (t.dim() != 1 || flat.find('\n') != std::string::npos || flat.compare(0, head.size(), head) != 0 ||
      close == std::string::npos || close <= head.size()) {
    return flat;
  }
  std::vector<std::string> items;
  const std::string body = flat.substr(head.size(), close - head.size());
  for (std::size_t start = 0;;) {
    const std::size_t comma = body.find(", ", start);
    items.push_back(body.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (items.back() == "...") items.back() = " ...";  // PyTorch's summary token
    if (comma == std::string::npos) break;
    start = comma + 2;
  }
  std::size_t width = 0;
  for (const std::string& item : items) width = std::max(width, item.size());
  constexpr std::size_t kLineWidth = 80, kIndent = 7;  // len("tensor(")
  const std::size_t per_line = std::max<std::size_t>(1, (kLineWidth - kIndent) / (width + 2));
  std::string out = head;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out.append(i % per_line == 0 ? ",\n        " : ", ");
    out.append(items[i]);
  }
  return out.append(flat, close, std::string::npos);
}

QParamsConfig config_of(const PerChannelMinMaxObserverOptions& o) {
  return QParamsConfig{o.dtype, o.qscheme, o.reduce_range, o.quant_min, o.quant_max, o.eps};
}

// PyTorch refuses is_dynamic for per-channel observers before anything else.
const PerChannelMinMaxObserverOptions& checked(const PerChannelMinMaxObserverOptions& o, const char* observer_name) {
  OCTET_CHECK(!o.is_dynamic, observer_name, "does not support dynamic quantization (is_dynamic = true)");
  return o;
}

}  // namespace

PerChannelMinMaxObserver::PerChannelMinMaxObserver(const PerChannelMinMaxObserverOptions& options)
    : PerChannelMinMaxObserver(options, "PerChannelMinMaxObserver") {}

PerChannelMinMaxObserver::PerChannelMinMaxObserver(const PerChannelMinMaxObserverOptions& options,
                                                   const char* observer_name)
    : Cloneable(config_of(checked(options, observer_name)), options.skip_nan, /*per_channel=*/true, observer_name,
                options.is_dynamic),
      options_(options) {
  register_buffer("min_val", &PerChannelMinMaxObserver::min_val, zeros({0}, kFloat32));
  register_buffer("max_val", &PerChannelMinMaxObserver::max_val, zeros({0}, kFloat32));
}

bool PerChannelMinMaxObserver::batch_ranges(const Tensor& input, std::vector<float>& lo, std::vector<float>& hi) {
  check_input(input, "observe");
  if (input.numel() == 0) return false;
  const int64_t dim = input.dim();
  const int64_t ch = options_.ch_axis;
  OCTET_CHECK(dim >= 1 && ch >= -dim && ch < dim, "observe", name(), ": ch_axis ", ch, " is out of range for a ",
              dim, "-d input of shape ", shape_to_string(input.shape()));
  const int64_t axis = ch < 0 ? ch + dim : ch;
  const int64_t channels = input.size(axis);
  OCTET_CHECK(!has_observed() || channels == num_channels(), "observe", name(), ": the input has ", channels,
              " channels along ch_axis ", ch, " (shape ", shape_to_string(input.shape()),
              ") but the observer learned ", num_channels(), " channels from earlier batches");
  lo.assign(static_cast<std::size_t>(channels), kInf);
  hi.assign(static_cast<std::size_t>(channels), -kInf);
  NonFiniteCounts counts;
  detail::channel_minmax(input, axis, lo.data(), hi.data(), counts);
  apply_non_finite_policy(counts, input.numel());
  input_dim_ = dim;
  for (int64_t c = 0; c < channels; ++c) {
    if (lo[c] <= hi[c]) return true;
  }
  return false;
}

void PerChannelMinMaxObserver::set_ranges(const std::vector<float>& lo, const std::vector<float>& hi) {
  set_buffer("min_val", from_vector(lo));
  set_buffer("max_val", from_vector(hi));
}

void PerChannelMinMaxObserver::observe(const Tensor& input) {
  std::vector<float> lo, hi;
  if (!batch_ranges(input, lo, hi)) return;
  if (!has_observed()) {
    set_ranges(lo, hi);
    return;
  }
  float* mn = min_val.data_ptr<float>();
  float* mx = max_val.data_ptr<float>();
  for (std::size_t c = 0; c < lo.size(); ++c) {
    mn[c] = std::min(lo[c], mn[c]);
    mx[c] = std::max(hi[c], mx[c]);
  }
}

QParamsTensors PerChannelMinMaxObserver::calculate_qparams() const {
  check_observed();
  const int64_t channels = num_channels();
  const float* mn = min_val.data_ptr<float>();
  const float* mx = max_val.data_ptr<float>();
  const bool float_qparams = qscheme() == kPerChannelAffineFloatQParams;
  Tensor scale = zeros({channels}, kFloat32);
  Tensor zero_point = zeros({channels}, float_qparams ? kFloat32 : kInt64);
  float* s = scale.data_ptr<float>();
  for (int64_t c = 0; c < channels; ++c) {
    OCTET_CHECK(mn[c] <= mx[c], "calculate_qparams", name(), ": channel ", c, " (of ", channels,
                ") has observed no finite value");
    try {
      if (float_qparams) {
        const FloatQParams q = choose_qparams_float(mn[c], mx[c], qparams_config());
        s[c] = q.scale;
        zero_point.data_ptr<float>()[c] = q.zero_point;
      } else {
        const QParams q = choose_qparams(mn[c], mx[c], qparams_config());
        s[c] = static_cast<float>(q.scale);
        zero_point.data_ptr<int64_t>()[c] = q.zero_point;
      }
    } catch (const Error& e) {
      OCTET_FAIL("calculate_qparams", name(), ": channel ", c, ": ", e.message());
    }
  }
  return {scale, zero_point};
}

QuantizerPtr PerChannelMinMaxObserver::quantizer() const {
  const int64_t ch = options_.ch_axis;
  OCTET_CHECK(ch >= 0 || input_dim_ > 0, "quantizer", name(), ": ch_axis ", ch,
              " is negative and no input was observed since construction to resolve it; call quantizer(axis)");
  return quantizer(ch >= 0 ? ch : ch + input_dim_);
}

QuantizerPtr PerChannelMinMaxObserver::quantizer(int64_t axis) const {
  OCTET_CHECK(axis >= 0, "quantizer", name(), ": axis must be >= 0, got ", axis);
  const QParamsTensors q = calculate_qparams();
  const int64_t channels = q.scale.numel();
  const float* s = q.scale.data_ptr<float>();
  std::vector<double> scales(s, s + channels);
  if (qscheme() == kPerChannelAffineFloatQParams) {
    const float* z = q.zero_point.data_ptr<float>();
    return Quantizer::per_channel_float_qparams(dtype(), std::move(scales), std::vector<float>(z, z + channels), axis);
  }
  const int64_t* z = q.zero_point.data_ptr<int64_t>();
  return Quantizer::per_channel(dtype(), std::move(scales), std::vector<int64_t>(z, z + channels), axis, qscheme());
}

void PerChannelMinMaxObserver::check_mergeable_channels(const PerChannelMinMaxObserver& other) const {
  OCTET_CHECK(other.options_.ch_axis == options_.ch_axis, "merge", name(), ": the other observer has ch_axis ",
              other.options_.ch_axis, ", this one ", options_.ch_axis);
  OCTET_CHECK(!has_observed() || !other.has_observed() || other.num_channels() == num_channels(), "merge", name(),
              ": the other observer has ", other.num_channels(), " channels, this one ", num_channels());
}

void PerChannelMinMaxObserver::merge(const ObserverBase& other) {
  check_mergeable(other);
  const auto& o = static_cast<const PerChannelMinMaxObserver&>(other);
  check_mergeable_channels(o);
  add_non_finite(o.non_finite());
  if (!o.has_observed()) return;
  if (!has_observed()) {
    set_buffer("min_val", o.min_val.clone());
    set_buffer("max_val", o.max_val.clone());
    input_dim_ = o.input_dim_;
    return;
  }
  float* mn = min_val.data_ptr<float>();
  float* mx = max_val.data_ptr<float>();
  const float* omn = o.min_val.data_ptr<float>();
  const float* omx = o.max_val.data_ptr<float>();
  for (int64_t c = 0; c < num_channels(); ++c) {
    mn[c] = std::min(mn[c], omn[c]);
    mx[c] = std::max(mx[c], omx[c]);
  }
}

void PerChannelMinMaxObserver::reset() {
  set_buffer("min_val", zeros({0}, kFloat32));
  set_buffer("max_val", zeros({0}, kFloat32));
  clear_non_finite();
}

bool PerChannelMinMaxObserver::state_shape_may_change(const std::string& key) const {
  return key == "min_val" || key == "max_val";
}

void PerChannelMinMaxObserver::check_state(const nn::StateDict& buffers) const {
  const Tensor& lo = buffers.at("min_val");
  const Tensor& hi = buffers.at("max_val");
  OCTET_CHECK(lo.numel() == hi.numel(), "load_state", name(), ": min_val has ", lo.numel(), " channels, max_val ",
              hi.numel());
  const Tensor l = lo.to(kFloat32).contiguous(), h = hi.to(kFloat32).contiguous();
  for (int64_t c = 0; c < l.numel(); ++c) {
    const float a = l.data_ptr<float>()[c], b = h.data_ptr<float>()[c];
    const bool unobserved = a == kInf && b == -kInf;
    OCTET_CHECK(unobserved || (std::isfinite(a) && std::isfinite(b) && a <= b), "load_state", name(), ": channel ",
                c, " has min_val=", a, ", max_val=", b,
                ", not a state it can be in (finite with min_val <= max_val, or +inf/-inf before observing)");
  }
}

std::string PerChannelMinMaxObserver::extra_repr() const {
  std::string out = "min_val=";
  out.append(vector_repr(min_val)).append(", max_val=").append(vector_repr(max_val));
  return out;
}

}  // namespace octet::quantization
