// graph_test_util.h: helpers for the graph tests: random feeds from declared types, relative error, before/after equivalence, one-node graphs.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "common/test_util.h"
#include "octet/graph/builder.h"
#include "octet/graph/graph.h"
#include "octet/graph/interpreter.h"
#include "octet/graph/passes.h"
#include "octet/graph/printer.h"
#include "octet/graph/verifier.h"
#include "octet/octet.h"

namespace octet::graph::test {

// Random feeds for every graph input: symbols take the sizes given (2 otherwise), floats are
// N(0, 1), integers uniform in [0, int_high), bools fair coins.
inline std::vector<Tensor> random_inputs(const Graph& g, Generator& gen,
                                         const std::map<std::string, int64_t>& symbols = {}, int64_t int_high = 4) {
  std::vector<Tensor> out;
  for (const Value* in : g.inputs()) {
    Shape shape;
    for (const Dim& d : *in->type().shape) {
      if (d.is_static()) {
        shape.push_back(d.size());
      } else {
        auto it = d.is_symbolic() ? symbols.find(d.symbol()) : symbols.end();
        shape.push_back(it == symbols.end() ? 2 : it->second);
      }
    }
    const DType dt = *in->type().dtype;
    if (is_floating_point(dt)) {
      out.push_back(randn(shape, gen, dt));
    } else if (dt == kBool) {
      out.push_back(randint(0, 2, shape, gen, kInt64).to(kBool));
    } else {
      out.push_back(randint(0, int_high, shape, gen, dt));
    }
  }
  return out;
}

// max |expected - actual| / max |expected| (0 when both are all zero); infinity on a shape or
// dtype mismatch.
inline double relative_error(const Tensor& expected, const Tensor& actual) {
  if (expected.shape() != actual.shape() || expected.dtype() != actual.dtype()) return INFINITY;
  const Tensor e = expected.to(kFloat64).contiguous();
  const Tensor a = actual.to(kFloat64).contiguous();
  double diff = 0, scale = 0;
  for (int64_t i = 0; i < e.numel(); ++i) {
    const double x = e.data_ptr<double>()[i], y = a.data_ptr<double>()[i];
    if (std::isnan(x) != std::isnan(y)) return INFINITY;
    if (std::isnan(x)) continue;
    diff = std::max(diff, std::fabs(x - y));
    scale = std::max(scale, std::fabs(x));
  }
  return scale == 0 ? diff : diff / scale;
}

// Runs both graphs on the same random feeds and expects every output within rel_tol (exactly
// equal for integer and bool outputs).
inline void expect_equivalent(const Graph& before, const Graph& after, uint64_t seed, double rel_tol = 1e-5,
                              const std::map<std::string, int64_t>& symbols = {}) {
  Generator gen(octet::test::test_seed(seed));
  const std::vector<Tensor> feeds = random_inputs(before, gen, symbols);
  ASSERT_EQ(before.inputs().size(), after.inputs().size());
  const std::vector<Tensor> want = run_graph(before, feeds);
  const std::vector<Tensor> got = run_graph(after, feeds);
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (is_floating_point(want[i].dtype())) {
      EXPECT_LE(relative_error(want[i], got[i]), rel_tol) << "output " << i << "\nbefore:\n" << before << "after:\n" << after;
    } else {
      EXPECT_TRUE(equal(want[i], got[i])) << "output " << i << "\nbefore:\n" << before << "after:\n" << after;
    }
  }
}

// How many nodes of an op type a graph has.
inline int64_t count_ops(const Graph& g, const std::string& op_type) {
  int64_t n = 0;
  for (const Node* node : g.nodes()) n += node->op_type() == op_type ? 1 : 0;
  return n;
}

// A graph of one node whose inputs are the given tensors (undefined: an omitted input), either all
// as initializers (shape inference sees their values) or all as graph inputs (it sees their types
// only). Shape inference runs on it, so the interpreter checks the kernel's outputs against it.
inline Graph one_node_graph(const std::string& op, const std::vector<Tensor>& inputs,
                            std::vector<NamedAttribute> attrs, int64_t num_outputs, int64_t opset,
                            bool as_initializers) {
  Builder b("op", opset);
  std::vector<Value*> ins;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string name = "in";
    name.append(std::to_string(i));
    if (!inputs[i].defined()) {
      ins.push_back(nullptr);
    } else if (as_initializers) {
      ins.push_back(b.initializer(name, inputs[i]));
    } else {
      ins.push_back(b.input(name, TensorType::of(inputs[i])));
    }
  }
  const std::vector<Value*> outs = b.add_node_outputs(op, ins, num_outputs, std::move(attrs));
  for (Value* o : outs) b.output(o);
  Graph g = b.finish();
  infer_shapes(g);
  return g;
}

// Runs one operator through the interpreter, both ways (constant inputs and fed inputs), and
// expects the two runs to agree exactly; returns the outputs.
inline std::vector<Tensor> run_op(const std::string& op, const std::vector<Tensor>& inputs,
                                  std::vector<NamedAttribute> attrs = {}, int64_t num_outputs = 1,
                                  int64_t opset = kDefaultOpset) {
  const Graph consts = one_node_graph(op, inputs, attrs, num_outputs, opset, true);
  const Graph fed = one_node_graph(op, inputs, attrs, num_outputs, opset, false);
  std::vector<Tensor> feeds;
  for (const Tensor& t : inputs) {
    if (t.defined()) feeds.push_back(t);
  }
  const std::vector<Tensor> a = run_graph(consts, {});
  const std::vector<Tensor> b = run_graph(fed, feeds);
  EXPECT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) EXPECT_TRUE(equal(a[i], b[i])) << op << " output " << i;
  return a;
}

inline Tensor f32(const std::vector<float>& v, const Shape& shape) { return from_vector(v, shape); }
inline Tensor i64(const std::vector<int64_t>& v, Shape shape = {}) {
  if (shape.empty()) shape = {static_cast<int64_t>(v.size())};
  return from_vector(v, shape);
}
inline Tensor i64_scalar(int64_t v) { return from_vector(std::vector<int64_t>{v}).reshape({}); }
inline Tensor f32_scalar(float v) { return full({}, v, kFloat32); }

}  // namespace octet::graph::test
