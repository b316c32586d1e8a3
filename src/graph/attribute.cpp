// attribute.cpp: Attribute accessors, printing and comparison.
#include "octet/graph/attribute.h"

#include <sstream>

#include "octet/error.h"
#include "octet/graph/graph.h"

namespace octet::graph {
namespace {

template <typename T>
const T& held(const std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>,
                                 std::vector<std::string>, octet::Tensor, std::shared_ptr<Graph>>& v,
              AttributeKind want) {
  const T* p = std::get_if<T>(&v);
  OCTET_CHECK(p != nullptr, "Attribute", "the attribute is ",
              attribute_kind_name(static_cast<AttributeKind>(v.index())), ", not ", attribute_kind_name(want));
  return *p;
}

std::string float_to_string(float f) {
  std::ostringstream os;
  os << f;
  return os.str();
}

template <typename T, typename F>
std::string list_to_string(const std::vector<T>& v, F fmt) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out.append(", ");
    out.append(fmt(v[i]));
  }
  out.append("]");
  return out;
}

std::string tensor_summary(const octet::Tensor& t) {
  std::string out = "tensor(";
  out.append(dtype_name(t.dtype()));
  Shape shape = t.shape();
  out.append(shape_to_string(shape));
  // Small tensors (Constant's scalars and shape vectors) are shown in full.
  if (t.numel() <= 8 && !t.is_quantized()) {
    out.append(": ");
    const octet::Tensor flat = t.reshape({t.numel()});
    out.append("[");
    for (int64_t i = 0; i < flat.numel(); ++i) {
      if (i > 0) out.append(", ");
      if (is_floating_point(t.dtype())) {
        std::ostringstream os;
        os << flat.at<double>({i});
        out.append(os.str());
      } else {
        out.append(std::to_string(flat.at<int64_t>({i})));
      }
    }
    out.append("]");
  }
  out.append(")");
  return out;
}

}  // namespace

std::string_view attribute_kind_name(AttributeKind kind) {
  switch (kind) {
    case AttributeKind::Int: return "int";
    case AttributeKind::Float: return "float";
    case AttributeKind::String: return "string";
    case AttributeKind::Ints: return "ints";
    case AttributeKind::Floats: return "floats";
    case AttributeKind::Strings: return "strings";
    case AttributeKind::Tensor: return "tensor";
    case AttributeKind::Graph: return "graph";
  }
  return "?";
}

int64_t Attribute::i() const { return held<int64_t>(v_, AttributeKind::Int); }
float Attribute::f() const { return held<float>(v_, AttributeKind::Float); }
const std::string& Attribute::s() const { return held<std::string>(v_, AttributeKind::String); }
const std::vector<int64_t>& Attribute::ints() const { return held<std::vector<int64_t>>(v_, AttributeKind::Ints); }
const std::vector<float>& Attribute::floats() const { return held<std::vector<float>>(v_, AttributeKind::Floats); }
const std::vector<std::string>& Attribute::strings() const {
  return held<std::vector<std::string>>(v_, AttributeKind::Strings);
}
const octet::Tensor& Attribute::t() const { return held<octet::Tensor>(v_, AttributeKind::Tensor); }
const std::shared_ptr<Graph>& Attribute::g() const { return held<std::shared_ptr<Graph>>(v_, AttributeKind::Graph); }

std::string Attribute::to_string() const {
  switch (kind()) {
    case AttributeKind::Int: return std::to_string(i());
    case AttributeKind::Float: return float_to_string(f());
    case AttributeKind::String: {
      std::string out = "\"";
      out.append(s());
      out.append("\"");
      return out;
    }
    case AttributeKind::Ints: return list_to_string(ints(), [](int64_t x) { return std::to_string(x); });
    case AttributeKind::Floats: return list_to_string(floats(), float_to_string);
    case AttributeKind::Strings:
      return list_to_string(strings(), [](const std::string& x) {
        std::string out = "\"";
        out.append(x);
        out.append("\"");
        return out;
      });
    case AttributeKind::Tensor: return t().defined() ? tensor_summary(t()) : std::string("tensor(undefined)");
    case AttributeKind::Graph: {
      std::string out = "graph(";
      out.append(g() ? g()->name() : std::string("null"));
      out.append(")");
      return out;
    }
  }
  return "?";
}

bool operator==(const Attribute& a, const Attribute& b) {
  if (a.kind() != b.kind()) return false;
  if (a.kind() == AttributeKind::Tensor) {
    if (!a.t().defined() || !b.t().defined()) return a.t().defined() == b.t().defined();
    return octet::equal(a.t(), b.t());
  }
  switch (a.kind()) {
    case AttributeKind::Int: return a.i() == b.i();
    case AttributeKind::Float: return a.f() == b.f();
    case AttributeKind::String: return a.s() == b.s();
    case AttributeKind::Ints: return a.ints() == b.ints();
    case AttributeKind::Floats: return a.floats() == b.floats();
    case AttributeKind::Strings: return a.strings() == b.strings();
    case AttributeKind::Graph: return a.g() == b.g();
    case AttributeKind::Tensor: break;
  }
  return false;
}

}  // namespace octet::graph
