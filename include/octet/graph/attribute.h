// attribute.h: a node's named attributes, of ONNX's kinds: int, float, string, their lists, a tensor and a subgraph.
//
// An Attribute is built implicitly from the C++ value it holds, so a node's attributes read like
// ONNX's when written by hand:
//   {{"kernel_shape", {3, 3}}, {"pads", {1, 1, 1, 1}}, {"alpha", 0.2f}, {"mode", "constant"}}
// Integers are int64, floats float32 (ONNX's widths: a double is rounded to float when stored),
// lists of ints and floats are vectors. The tensor kind holds a Tensor (Constant's value,
// ConstantOfShape's fill); the graph kind holds a subgraph (If's branches, Loop's body).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "octet/tensor.h"

namespace octet::graph {

class Graph;

enum class AttributeKind : uint8_t { Int, Float, String, Ints, Floats, Strings, Tensor, Graph };

// "int", "float", "string", "ints", "floats", "strings", "tensor", "graph".
std::string_view attribute_kind_name(AttributeKind kind);

class Attribute {
 public:
  // NOLINTBEGIN(google-explicit-constructor): implicit on purpose, see above.
  Attribute(int v) : v_(int64_t{v}) {}
  Attribute(int64_t v) : v_(v) {}
  Attribute(float v) : v_(v) {}
  Attribute(double v) : v_(static_cast<float>(v)) {}
  Attribute(const char* v) : v_(std::string(v)) {}
  Attribute(std::string v) : v_(std::move(v)) {}
  Attribute(std::initializer_list<int> v) : v_(std::vector<int64_t>(v.begin(), v.end())) {}
  Attribute(std::initializer_list<int64_t> v) : v_(std::vector<int64_t>(v)) {}
  Attribute(std::vector<int64_t> v) : v_(std::move(v)) {}
  Attribute(std::initializer_list<float> v) : v_(std::vector<float>(v)) {}
  Attribute(std::initializer_list<double> v) : v_(std::vector<float>(v.begin(), v.end())) {}
  Attribute(std::vector<float> v) : v_(std::move(v)) {}
  Attribute(std::initializer_list<const char*> v) : v_(std::vector<std::string>(v.begin(), v.end())) {}
  Attribute(std::vector<std::string> v) : v_(std::move(v)) {}
  Attribute(octet::Tensor v) : v_(std::move(v)) {}
  Attribute(std::shared_ptr<Graph> v) : v_(std::move(v)) {}
  // NOLINTEND(google-explicit-constructor)

  AttributeKind kind() const { return static_cast<AttributeKind>(v_.index()); }

  // The held value; asking for another kind is an Error naming both kinds.
  int64_t i() const;
  float f() const;
  const std::string& s() const;
  const std::vector<int64_t>& ints() const;
  const std::vector<float>& floats() const;
  const std::vector<std::string>& strings() const;
  const octet::Tensor& t() const;
  const std::shared_ptr<Graph>& g() const;

  // "3", "0.5", "\"constant\"", "[1, 1]", "tensor(float32[2]: [1, 2])", "graph(then_body)".
  std::string to_string() const;

  // Same kind and value (tensors: octet::equal; graphs: the same object).
  friend bool operator==(const Attribute& a, const Attribute& b);

 private:
  std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>, std::vector<std::string>,
               octet::Tensor, std::shared_ptr<Graph>>
      v_;
};

// A node's attributes, sorted by name.
using Attributes = std::map<std::string, Attribute, std::less<>>;

// One entry of an attribute list written by hand: {"axis", 1}.
struct NamedAttribute {
  std::string name;
  Attribute value;
};

}  // namespace octet::graph
