// elementwise_test_util.h: helpers for the elementwise / activation / reduce / shape golden tests: input views, scalar args, comparisons.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/golden.h"
#include "octet/octet.h"

namespace octet::test {

// Input i of a golden case, as the view args.views["i"] names (see scripts/golden/gen_elementwise.py).
inline Tensor golden_input(const GoldenCase& c, int i) {
  Tensor t = c.in(i);
  if (!c.args.contains("views") || !c.args["views"].contains(std::to_string(i))) return t;
  const nlohmann::json& r = c.args["views"][std::to_string(i)];
  const std::string kind = r.at(0);
  if (kind == "transpose") return t.transpose(r.at(1), r.at(2));
  if (kind == "slice") return t.slice(r.at(1), r.at(2), r.at(3), r.at(4));
  if (kind == "permute") {
    Shape dims;
    for (size_t k = 1; k < r.size(); ++k) dims.push_back(r.at(k));
    return t.permute(dims);
  }
  throw std::runtime_error("golden case " + c.name + ": unknown view " + kind);
}

// A JSON number as a Scalar that keeps its integer-ness (PyTorch's wrapped-number rule).
inline Scalar json_scalar(const nlohmann::json& v) {
  if (v.is_number_integer()) return Scalar(v.get<int64_t>());
  return Scalar(v.get<double>());
}

inline std::optional<Scalar> json_optional_scalar(const nlohmann::json& args, const char* key) {
  if (!args.contains(key) || args[key].is_null()) return std::nullopt;
  return json_scalar(args[key]);
}

// Same dtype; floating outputs within rtol of PyTorch's (relative to the largest |expected|), other
// dtypes exactly equal.
inline void expect_golden(const Tensor& actual, const Tensor& expected, const std::string& what,
                          double rtol = 1e-5) {
  ASSERT_EQ(actual.dtype(), expected.dtype()) << what;
  ASSERT_EQ(actual.shape(), expected.shape()) << what << ": shape " << shape_to_string(actual.shape())
                                              << " vs expected " << shape_to_string(expected.shape());
  if (expected.is_floating_point()) {
    expect_close(actual, expected, what, rtol);
  } else {
    EXPECT_TRUE(equal(actual.contiguous(), expected)) << what << ": got " << actual << "\nexpected " << expected;
  }
}

// Runs every case of `family` through `run` (which returns the outputs in order); a case whose op
// `run` does not know (empty result) fails, and every op in `ops` must have at least one case.
template <typename Run>
void run_golden_family(const std::string& family, const std::vector<std::string>& ops, Run run) {
  const GoldenFile file(family);
  for (const std::string& op : ops) EXPECT_FALSE(file.cases_of(op).empty()) << family << " has no " << op << " case";
  for (const GoldenCase& c : file.cases()) {
    SCOPED_TRACE(c.name);
    std::vector<Tensor> outs;
    try {
      outs = run(c);
    } catch (const Error& e) {
      ADD_FAILURE() << c.name << ": octet::Error " << e.what();
      continue;
    }
    ASSERT_FALSE(outs.empty()) << c.name << ": op " << c.op << " not handled by the test";
    int expected_outs = 0;
    while (c.has("out" + std::to_string(expected_outs))) ++expected_outs;
    ASSERT_EQ(static_cast<int>(outs.size()), expected_outs) << c.name;
    for (int i = 0; i < expected_outs; ++i) expect_golden(outs[static_cast<size_t>(i)], c.out(i), c.name + " out" + std::to_string(i));
  }
}

}  // namespace octet::test
