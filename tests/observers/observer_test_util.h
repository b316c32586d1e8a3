// observer_test_util.h: helpers for the observer tests: names to dtypes and schemes, observers built
// from golden-file arguments, bit-exact float checks.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "octet/quantization/fixed_qparams_observer.h"
#include "octet/quantization/min_max_observer.h"
#include "octet/quantization/per_channel_observer.h"
#include "octet/quantization/placeholder_observer.h"
#include "octet/quantization/recording_observer.h"
#include "octet/tensor.h"

namespace octet::test {

inline DType dtype_from_name(const std::string& name) {
  for (DType t : {kQUInt8, kQInt8, kQInt32, kQUInt4x2, kFloat32, kFloat16}) {
    if (dtype_name(t) == name) return t;
  }
  throw std::runtime_error("unknown dtype " + name);
}

inline QScheme qscheme_from_name(const std::string& name) {
  for (QScheme s : {kPerTensorAffine, kPerTensorSymmetric, kPerChannelAffine, kPerChannelSymmetric,
                    kPerChannelAffineFloatQParams}) {
    if (qscheme_name(s) == name) return s;
  }
  throw std::runtime_error("unknown qscheme " + name);
}

inline uint32_t float_bits(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// Fills the fields every min/max option struct shares from golden-file arguments.
template <typename Options>
void fill_common(Options& o, const nlohmann::json& a) {
  if (a.contains("dtype")) o.dtype = dtype_from_name(a["dtype"]);
  if (a.contains("qscheme")) o.qscheme = qscheme_from_name(a["qscheme"]);
  if (a.contains("reduce_range")) o.reduce_range = a["reduce_range"];
  if (a.contains("quant_min")) o.quant_min = a["quant_min"].get<int64_t>();
  if (a.contains("quant_max")) o.quant_max = a["quant_max"].get<int64_t>();
  if (a.contains("eps")) o.eps = a["eps"].get<float>();
  if (a.contains("is_dynamic")) o.is_dynamic = a["is_dynamic"];
}

// The observer a golden case names, with its arguments.
inline std::shared_ptr<quantization::ObserverBase> make_observer(const std::string& op, const nlohmann::json& a) {
  using namespace quantization;
  if (op == "MinMaxObserver") {
    MinMaxObserverOptions o;
    fill_common(o, a);
    return std::make_shared<MinMaxObserver>(o);
  }
  if (op == "MovingAverageMinMaxObserver") {
    MovingAverageMinMaxObserverOptions o;
    fill_common(o, a);
    o.averaging_constant = a.at("averaging_constant");
    return std::make_shared<MovingAverageMinMaxObserver>(o);
  }
  if (op == "PerChannelMinMaxObserver") {
    PerChannelMinMaxObserverOptions o;
    fill_common(o, a);
    o.ch_axis = a.at("ch_axis");
    return std::make_shared<PerChannelMinMaxObserver>(o);
  }
  if (op == "MovingAveragePerChannelMinMaxObserver") {
    MovingAveragePerChannelMinMaxObserverOptions o;
    fill_common(o, a);
    o.ch_axis = a.at("ch_axis");
    o.averaging_constant = a.at("averaging_constant");
    return std::make_shared<MovingAveragePerChannelMinMaxObserver>(o);
  }
  throw std::runtime_error("unknown observer " + op);
}

// A float32 tensor holding `values` with `shape`.
inline Tensor floats(const std::vector<float>& values, const Shape& shape = {}) {
  return from_vector(values, shape.empty() ? Shape{static_cast<int64_t>(values.size())} : shape);
}

// The float32 elements of any tensor, in index order.
inline std::vector<float> values_of(const Tensor& t) {
  const Tensor c = t.to(kFloat32).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// Expects two float32 tensors to hold the same bits element for element.
inline void expect_same_bits(const Tensor& actual, const Tensor& expected, const std::string& what) {
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  const std::vector<float> a = values_of(actual), e = values_of(expected);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(float_bits(a[i]), float_bits(e[i])) << what << " [" << i << "]: " << a[i] << " vs " << e[i];
  }
}

}  // namespace octet::test
