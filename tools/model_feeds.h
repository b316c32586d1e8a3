// model_feeds.h: the inputs of a model command: tensors from files (--input NAME=x.npy), random tensors from the declared types, and what a model needs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "octet/graph/graph.h"
#include "octet/tensor.h"

namespace octet::cli {

// The inputs a caller must feed: graph inputs that are not initializers with a default.
std::vector<const graph::Value*> required_inputs(const graph::Graph& g);

// A tensor from .npy or .pb (a serialized ONNX TensorProto); other extensions are an Error.
Tensor load_tensor_file(const std::string& path);

// Feeds from --input values: NAME=FILE (.npy or .pb), FILE.npz (every member named like an input),
// or a bare FILE when the model has exactly one required input. Unknown names are a UsageError
// listing the inputs.
std::map<std::string, Tensor> load_feeds(const graph::Graph& g, const std::vector<std::string>& specs);

// A UsageError naming each required input missing from `feeds` with its type.
void check_all_fed(const graph::Graph& g, const std::map<std::string, Tensor>& feeds);

// Random tensors for the required inputs not in `feeds`: float N(0, 1), integers and bools in
// {0, 1} (valid token ids and masks). Symbolic dims take `dims[symbol]`; a symbol without a value
// that is dim 0 of an input takes `batch`; others are a UsageError naming them (set with --dim).
std::map<std::string, Tensor> random_feeds(const graph::Graph& g, std::map<std::string, Tensor> feeds, int64_t batch,
                                           const std::map<std::string, int64_t>& dims, uint64_t seed);

// "float32[2, 3]".
std::string describe(const Tensor& t);

}  // namespace octet::cli
