// placeholder_observer.cpp: PlaceholderObserver and NoopObserver, which carry a dtype and observe
// nothing.
#include "octet/quantization/placeholder_observer.h"

#include <utility>

#include "nn/py_repr.h"

namespace octet::quantization {

namespace {

QParamsConfig config_of(const PlaceholderObserverOptions& o) {
  return QParamsConfig{o.dtype, o.qscheme, /*reduce_range=*/false, o.quant_min, o.quant_max, o.eps};
}

QParamsConfig config_of(DType dtype) {
  QParamsConfig c;
  c.dtype = dtype;
  return c;
}

}  // namespace

PlaceholderObserver::PlaceholderObserver(const PlaceholderObserverOptions& options)
    : Cloneable(PassThrough{}, config_of(options), options.is_dynamic, "PlaceholderObserver"), options_(options) {}

void PlaceholderObserver::observe(const Tensor& input) {
  OCTET_CHECK(input.defined(), "observe", name(), ": the input is undefined");
}

QParamsTensors PlaceholderObserver::calculate_qparams() const {
  OCTET_FAIL("calculate_qparams", name(), " has no qparams: it only carries dtype ", dtype_name(dtype()),
             is_dynamic() ? " (dynamic: qparams are computed from each input at run time)" : "",
             " to convert(); PyTorch raises here too");
}

void PlaceholderObserver::merge(const ObserverBase& other) {
  check_mergeable(other);
  const auto& o = static_cast<const PlaceholderObserver&>(other);
  OCTET_CHECK(o.options_.custom_op_name == options_.custom_op_name, "merge", name(),
              ": the other observer has custom_op_name '", o.options_.custom_op_name, "', this one '",
              options_.custom_op_name, "'");
}

std::string PlaceholderObserver::extra_repr() const {
  std::string out = "dtype=torch.";
  out.append(dtype_name(dtype())).append(", is_dynamic=").append(nn::detail::py_bool_repr(is_dynamic()));
  return out;
}

NoopObserver::NoopObserver(DType dtype, std::string custom_op_name)
    : Cloneable(PassThrough{}, config_of(dtype), /*is_dynamic=*/false, "NoopObserver"),
      custom_op_name_(std::move(custom_op_name)) {}

void NoopObserver::observe(const Tensor& input) {
  OCTET_CHECK(input.defined(), "observe", name(), ": the input is undefined");
}

QParamsTensors NoopObserver::calculate_qparams() const {
  OCTET_FAIL("calculate_qparams", name(), " has no qparams: it only carries dtype ", dtype_name(dtype()),
             " to convert(); PyTorch raises here too");
}

void NoopObserver::merge(const ObserverBase& other) {
  check_mergeable(other);
  const auto& o = static_cast<const NoopObserver&>(other);
  OCTET_CHECK(o.custom_op_name_ == custom_op_name_, "merge", name(), ": the other observer has custom_op_name '",
              o.custom_op_name_, "', this one '", custom_op_name_, "'");
}

}  // namespace octet::quantization
