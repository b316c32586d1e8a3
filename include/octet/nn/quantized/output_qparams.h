// output_qparams.h: the output scale and zero point every static quantized module carries, as the "scale" and "zero_point" buffers of its state dict.
#pragma once

#include <cstdint>

#include "octet/error.h"
#include "octet/nn/module.h"
#include "octet/tensor.h"

namespace octet::nn::quantized::detail {

// Adds PyTorch's `scale` / `zero_point` output qparams to a module class:
//
//   class Linear : public Cloneable<Linear, detail::OutputQParams<Module>> { ... };
//   qlinear->set_scale(0.05);  qlinear->set_zero_point(64);
//
// They live in two buffers, "scale" (float64, 0-d) and "zero_point" (int64, 0-d), so that the state
// dict, load_state_dict and clone() carry them like any other state. PyTorch writes the scale as a
// float32 tensor; Octet keeps the double the module computes with, so a saved and reloaded module
// gives the same integers even when the scale is not a float32 value (observer scales always are).
// The derived constructor calls register_output_qparams() once.
template <typename Base>
class OutputQParams : public Base {
 public:
  using Base::Base;

  // The output scale and zero point the forward requantizes to.
  double scale() const { return scale_.template item<double>(); }
  int64_t zero_point() const { return zero_point_.template item<int64_t>(); }
  // An Error unless the scale is finite and > 0 (the zero point is checked against the output dtype
  // when the forward knows it).
  void set_scale(double scale) {
    OCTET_CHECK(scale > 0 && scale <= 3.4028234663852886e38, this->name(), "scale must be finite and > 0, got ",
                scale);
    scale_.fill_(scale);
  }
  void set_zero_point(int64_t zero_point) { zero_point_.fill_(static_cast<double>(zero_point)); }

 protected:
  OutputQParams(const OutputQParams&) = default;

  void register_output_qparams(double scale, int64_t zero_point) {
    this->register_buffer("scale", &OutputQParams::scale_, full({}, 1.0, kFloat64));
    this->register_buffer("zero_point", &OutputQParams::zero_point_, zeros({}, kInt64));
    set_scale(scale);
    set_zero_point(zero_point);
  }

 private:
  Tensor scale_;
  Tensor zero_point_;
};

}  // namespace octet::nn::quantized::detail
