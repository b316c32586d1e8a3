// qconfig_slot.h: nn::QConfigSlot, the `qconfig` every Module carries for eager-mode quantization
// (torch.nn.Module.qconfig): unset (inherit the parent's), none (opt out), or a QConfig.
//
//   model->qconfig = quantization::get_default_qconfig("x86");   // the whole model ...
//   model->get_submodule("fc")->qconfig = nullptr;               // ... except fc, which stays float
//
// The nn layer only holds the value; quantization::prepare() and quantize_dynamic() read it
// (octet/quantization/quantize.h). QConfig is declared in octet/quantization/qconfig.h, which code
// that assigns one includes.
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

namespace octet::quantization {
struct QConfig;
}  // namespace octet::quantization

namespace octet::nn {

class QConfigSlot {
 public:
  QConfigSlot() = default;  // unset: the module inherits its parent's qconfig
  // none: this module and the submodules without their own qconfig are not quantized.
  QConfigSlot(std::nullptr_t) : state_(State::kNone) {}  // NOLINT(google-explicit-constructor)
  // A qconfig (copied; the factories inside are shared by every module that inherits it).
  template <typename Q, typename = std::enable_if_t<std::is_same_v<std::decay_t<Q>, quantization::QConfig>>>
  QConfigSlot(Q&& qconfig)  // NOLINT(google-explicit-constructor)
      : state_(State::kSet), value_(std::make_shared<const quantization::QConfig>(std::forward<Q>(qconfig))) {}
  QConfigSlot(std::shared_ptr<const quantization::QConfig> qconfig)  // NOLINT(google-explicit-constructor)
      : state_(qconfig ? State::kSet : State::kNone), value_(std::move(qconfig)) {}

  // Set to a qconfig or to none (not inherited).
  bool has_value() const { return state_ != State::kUnset; }
  bool is_none() const { return state_ == State::kNone; }
  // The qconfig, or null when unset or none.
  const quantization::QConfig* get() const { return value_.get(); }
  const std::shared_ptr<const quantization::QConfig>& shared() const { return value_; }
  // Back to unset.
  void reset() {
    state_ = State::kUnset;
    value_.reset();
  }

 private:
  enum class State { kUnset, kNone, kSet };
  State state_ = State::kUnset;
  std::shared_ptr<const quantization::QConfig> value_;
};

}  // namespace octet::nn
