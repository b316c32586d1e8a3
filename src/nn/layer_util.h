// layer_util.h: helpers shared by the layer modules (src/nn/linear.cpp ... sparse.cpp): Python-style
// printing of hyper-parameters, PyTorch's _single/_pair/_triple broadcasting, and input checks.
//
// The printers reproduce what PyTorch's extra_repr() writes for the same values, so that a module's
// to_string() equals repr() of the torch.nn module it mirrors.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "octet/tensor.h"

namespace octet::nn::layer_util {

// Python's repr of a bool: "True" / "False".
std::string py_bool(bool value);
// Python's repr of a float: the shortest string that reads back to the same double, in Python's
// notation ("0.1", "1.0", "1e-05", "2.5e+16").
std::string py_float(double value);
// Python's repr of an optional float ("None" when absent).
std::string py_optional_float(const std::optional<double>& value);
// Python's repr of a string: 'text'.
std::string py_str(std::string_view value);
// Python's tuple repr: "(3,)", "(2, 3)".
std::string py_tuple(const Shape& values);
// A hyper-parameter as the user wrote it in PyTorch: one value prints as an int ("3"), several as a
// tuple ("(3, 2)"). Pooling and padding modules keep their arguments unnormalised like this.
std::string py_int_or_tuple(const Shape& values);
// Python's repr of a list of floats as a tuple: "2.0" for one value, "(2.0, 1.5)" for several.
std::string py_float_or_tuple(const std::vector<double>& values);

// PyTorch's _single/_pair/_triple: a one-value Shape repeated `dims` times; a Shape of `dims`
// values as is; anything else is an Error "<module>: <what> must have 1 or <dims> values, got ...".
Shape expand_param(const Shape& values, std::size_t dims, const std::string& module, std::string_view what);

// Checks a forward input: defined, float32, and of one of the ranks in `ranks`. The Error names the
// module, the accepted ranks and the input's shape.
void check_float_input(const Tensor& input, const std::string& module, std::initializer_list<int64_t> ranks);
// The same for the modules whose functional op also runs on quantized tensors (ReLU, MaxPool2d,
// Upsample, ...: PyTorch dispatches them by dtype, so they work after eager-mode convert()): a
// float32 or a quantized input; other dtypes are an Error.
void check_float_or_quantized_input(const Tensor& input, const std::string& module,
                                    std::initializer_list<int64_t> ranks);

// "2-D", "3-D or 4-D", "4-D (batched) or 3-D (unbatched)"-style text for error messages.
std::string ranks_text(std::initializer_list<int64_t> ranks);

}  // namespace octet::nn::layer_util
