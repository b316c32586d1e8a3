// known_failures.h: ONNX node tests Octet runs but does not pass yet, each with the reason; the conformance test checks they still fail.
#pragma once

#include <map>
#include <string>

namespace octet::onnx::test {

// ONNX's test data stores bfloat16 tensors as uint16 (numpy has no bfloat16), a dtype Octet lacks.
inline constexpr const char* kBf16AsUint16 = "the test data holds bfloat16 values as uint16 tensors, a dtype Octet lacks";

inline const std::map<std::string, std::string>& known_failures() {
  static const std::map<std::string, std::string> list = {
      {"test_batchnorm_epsilon_training_mode", "BatchNormalization in training mode (Octet imports inference graphs)"},
      {"test_batchnorm_example_training_mode", "BatchNormalization in training mode (Octet imports inference graphs)"},
      {"test_training_dropout", "Dropout in training mode: random masks (Octet imports inference graphs)"},
      {"test_training_dropout_default", "Dropout in training mode: random masks (Octet imports inference graphs)"},
      {"test_training_dropout_default_mask", "Dropout in training mode: random masks (Octet imports inference graphs)"},
      {"test_training_dropout_mask", "Dropout in training mode: random masks (Octet imports inference graphs)"},
      {"test_training_dropout_zero_ratio", "Dropout in training mode (Octet imports inference graphs)"},
      {"test_training_dropout_zero_ratio_mask", "Dropout in training mode (Octet imports inference graphs)"},
      {"test_cast_BFLOAT16_to_FLOAT", kBf16AsUint16},
      {"test_cast_FLOAT_to_BFLOAT16", kBf16AsUint16},
      {"test_castlike_BFLOAT16_to_FLOAT", kBf16AsUint16},
      {"test_castlike_BFLOAT16_to_FLOAT_expanded", kBf16AsUint16},
      {"test_castlike_FLOAT_to_BFLOAT16", kBf16AsUint16},
      {"test_castlike_FLOAT_to_BFLOAT16_expanded", kBf16AsUint16},
      {"test_maxpool_2d_uint8", "MaxPool on uint8 (Octet's float MaxPool takes float32)"},
      {"test_maxpool_with_argmax_2d_precomputed_pads", "MaxPool's Indices output is not supported"},
      {"test_maxpool_with_argmax_2d_precomputed_strides", "MaxPool's Indices output is not supported"},
  };
  return list;
}

}  // namespace octet::onnx::test
