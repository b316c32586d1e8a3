// golden.h: loads PyTorch-generated golden files (safetensors + JSON case list) and compares outputs.
//
// A golden file tests/data/golden/<family>.safetensors is written by scripts/golden/gen_<family>.py.
// Its "__metadata__" holds one key, "cases": a JSON array of {"name", "op", "args"} objects; the
// tensors of case NAME are stored as "NAME/in0", "NAME/in1", ..., "NAME/out0", ... (float32 unless
// the op needs integers), so a test reads inputs, calls Octet, and compares with the outputs.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "octet/io/safetensors.h"
#include "octet/octet.h"

namespace octet::test {

struct GoldenCase {
  std::string name;
  std::string op;
  nlohmann::json args;
  const std::map<std::string, Tensor>* tensors = nullptr;

  bool has(const std::string& key) const { return tensors->count(name + "/" + key) != 0; }
  const Tensor& get(const std::string& key) const {
    auto it = tensors->find(name + "/" + key);
    if (it == tensors->end()) throw std::runtime_error("golden case " + name + " has no tensor " + key);
    return it->second;
  }
  const Tensor& in(int i) const { return get(std::string("in").append(std::to_string(i))); }
  const Tensor& out(int i) const { return get(std::string("out").append(std::to_string(i))); }
};

class GoldenFile {
 public:
  explicit GoldenFile(const std::string& family) {
    file_ = io::load_safetensors(std::string(OCTET_TEST_DATA_DIR) + "/golden/" + family + ".safetensors");
    const nlohmann::json cases = nlohmann::json::parse(file_.metadata.at("cases"));
    for (const auto& c : cases) {
      cases_.push_back(GoldenCase{c.at("name"), c.at("op"), c.value("args", nlohmann::json::object()), &file_.tensors});
    }
  }
  const std::vector<GoldenCase>& cases() const { return cases_; }
  std::vector<GoldenCase> cases_of(const std::string& op) const {
    std::vector<GoldenCase> out;
    for (const auto& c : cases_) {
      if (c.op == op) out.push_back(c);
    }
    return out;
  }

 private:
  io::SafetensorsFile file_;
  std::vector<GoldenCase> cases_;
};

// Max |actual - expected| relative to the largest |expected| (1 if all are ~0); NaNs must coincide.
inline double relative_error(const Tensor& actual, const Tensor& expected) {
  const Tensor a = actual.to(kFloat64).contiguous(), e = expected.to(kFloat64).contiguous();
  const double* pa = a.data_ptr<double>();
  const double* pe = e.data_ptr<double>();
  double max_diff = 0, max_ref = 0;
  for (int64_t i = 0; i < e.numel(); ++i) {
    if (std::isnan(pe[i]) || std::isnan(pa[i])) {
      if (std::isnan(pe[i]) != std::isnan(pa[i])) return INFINITY;
      continue;
    }
    if (std::isinf(pe[i]) || std::isinf(pa[i])) {
      if (pe[i] != pa[i]) return INFINITY;
      continue;
    }
    max_diff = std::max(max_diff, std::fabs(pa[i] - pe[i]));
    max_ref = std::max(max_ref, std::fabs(pe[i]));
  }
  return max_diff / (max_ref > 1e-30 ? max_ref : 1.0);
}

// Expects same shape and relative_error <= rtol, naming the case on failure.
inline void expect_close(const Tensor& actual, const Tensor& expected, const std::string& what,
                         double rtol = 1e-5) {
  ASSERT_EQ(actual.shape(), expected.shape()) << what << ": shape " << shape_to_string(actual.shape())
                                              << " vs expected " << shape_to_string(expected.shape());
  const double err = relative_error(actual, expected);
  EXPECT_LE(err, rtol) << what << ": relative error " << err << " > " << rtol;
}

}  // namespace octet::test
