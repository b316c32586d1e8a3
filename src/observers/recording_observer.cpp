// recording_observer.cpp: RecordingObserver, which keeps a copy of every observed tensor.
#include "octet/quantization/recording_observer.h"

namespace octet::quantization {

namespace {

QParamsConfig config_of(DType dtype) {
  QParamsConfig c;
  c.dtype = dtype;
  return c;
}

}  // namespace

RecordingObserver::RecordingObserver(DType dtype)
    : Cloneable(PassThrough{}, config_of(dtype), /*is_dynamic=*/false, "RecordingObserver") {}

RecordingObserver::RecordingObserver(const RecordingObserver& other) : Cloneable(other) {
  tensor_val_.clear();
  for (const Tensor& t : other.tensor_val_) tensor_val_.push_back(t.clone());
}

void RecordingObserver::observe(const Tensor& input) {
  OCTET_CHECK(input.defined(), "observe", name(), ": the input is undefined");
  tensor_val_.push_back(input.clone());
}

QParamsTensors RecordingObserver::calculate_qparams() const {
  OCTET_FAIL("calculate_qparams", name(), " only records tensors for debugging and has no qparams (PyTorch raises "
             "here too); use a MinMaxObserver or HistogramObserver to calibrate");
}

void RecordingObserver::merge(const ObserverBase& other) {
  check_mergeable(other);
  for (const Tensor& t : static_cast<const RecordingObserver&>(other).tensor_val_) tensor_val_.push_back(t.clone());
}

}  // namespace octet::quantization
