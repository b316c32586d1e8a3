// layer_golden.h: runs the PyTorch goldens of scripts/golden/gen_nn_modules.py against octet::nn
// layer modules: state_dict keys and shapes, repr, strict loading, forward outputs, state updates.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/golden.h"
#include "octet/octet.h"

namespace octet::test {

// How to build the Octet twin of one golden case and, when it is not forward(in0), how to run it.
struct LayerCase {
  std::function<nn::ModulePtr()> make;
  // Returns the outputs to compare with out0, out1, ...; empty means forward(in_i) for each call.
  std::function<std::vector<Tensor>(nn::Module&, const GoldenCase&)> run = {};
};

inline const GoldenFile& nn_modules_golden() {
  static const GoldenFile file("nn_modules");
  return file;
}

// The golden state dict of a case under `prefix` ("state" or "after"), in PyTorch's key order.
inline nn::StateDict golden_state(const GoldenCase& c, const std::string& prefix) {
  nn::StateDict sd;
  for (const auto& entry : c.args.at("keys")) sd.insert(entry.at(0).get<std::string>(), c.get(prefix + "/" + entry.at(0).get<std::string>()));
  return sd;
}

inline void run_layer_case(const GoldenCase& c, const LayerCase& lc) {
  SCOPED_TRACE("golden case " + c.name);
  nn::ModulePtr m = lc.make();
  // Printing and state_dict keys/shapes equal PyTorch's.
  EXPECT_EQ(m->to_string(), c.args.at("repr").get<std::string>());
  std::vector<std::pair<std::string, Shape>> keys, expected_keys;
  for (const auto& [key, t] : m->state_dict()) keys.emplace_back(key, t.shape());
  for (const auto& entry : c.args.at("keys")) expected_keys.emplace_back(entry.at(0).get<std::string>(), entry.at(1).get<Shape>());
  ASSERT_EQ(keys, expected_keys);
  // Strict load by name, then the same forward calls in the same mode.
  const nn::IncompatibleKeys result = m->load_state_dict(golden_state(c, "state"), /*strict=*/true);
  EXPECT_TRUE(result.missing_keys.empty() && result.unexpected_keys.empty());
  m->train(c.args.at("train").get<bool>());
  std::vector<Tensor> outs;
  if (lc.run) {
    outs = lc.run(*m, c);
  } else {
    const int calls = c.args.at("calls").get<int>();
    for (int i = 0; i < calls; ++i) outs.push_back(m->forward(c.in(i)));
  }
  for (std::size_t i = 0; i < outs.size(); ++i) {
    const Tensor& expected = c.out(static_cast<int>(i));
    if (expected.dtype() == kInt64) {
      EXPECT_TRUE(equal(outs[i], expected)) << c.name << ": out" << i << " (indices) differ";
    } else {
      expect_close(outs[i], expected, c.name + "/out" + std::to_string(i), 1e-5);
    }
  }
  EXPECT_FALSE(c.has("out" + std::to_string(outs.size()))) << c.name << ": PyTorch produced more outputs";
  // Running statistics, num_batches_tracked and renormalised embeddings after the calls.
  if (c.args.at("state_changed").get<bool>()) {
    const nn::StateDict after = golden_state(c, "after");
    const nn::StateDict actual = m->state_dict();
    for (const auto& [key, expected] : after) {
      if (expected.dtype() == kInt64) {
        EXPECT_TRUE(equal(actual.at(key), expected)) << c.name << ": " << key << " after the forward calls";
      } else {
        expect_close(actual.at(key), expected, c.name + ": " + key + " after the forward calls", 1e-5);
      }
    }
  }
}

// Runs every golden case whose op is in `ops`; each needs an entry in `cases` (and each entry a
// golden case), so a case added on one side only fails the test. `file` defaults to
// nn_modules.safetensors; files in the same format (nn_modules_extra.safetensors) work too.
inline void run_layer_goldens(const std::set<std::string>& ops, const std::map<std::string, LayerCase>& cases,
                              const GoldenFile& file = nn_modules_golden()) {
  std::set<std::string> seen;
  for (const GoldenCase& c : file.cases()) {
    if (!ops.count(c.op)) continue;
    seen.insert(c.name);
    auto it = cases.find(c.name);
    if (it == cases.end()) {
      ADD_FAILURE() << "golden case " << c.name << " (" << c.op << ") has no Octet module in this test";
      continue;
    }
    run_layer_case(c, it->second);
  }
  for (const auto& [name, lc] : cases) EXPECT_TRUE(seen.count(name)) << "no golden case named " << name;
}

}  // namespace octet::test
