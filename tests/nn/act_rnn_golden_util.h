// act_rnn_golden_util.h: reads the module cases of nn_act_rnn.safetensors (written by
// scripts/golden/gen_nn_modules_act_rnn.py): the state dict a case saved, and the checks every
// case shares (state_dict keys, strict load, repr).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/golden.h"
#include "octet/octet.h"

namespace octet::test {

// The state dict PyTorch saved for a case, in PyTorch's key order ("state_keys").
inline nn::StateDict golden_state_dict(const GoldenCase& c) {
  nn::StateDict out;
  for (const std::string& key : c.args.at("state_keys").get<std::vector<std::string>>()) {
    out.insert(key, c.get("state/" + key));
  }
  return out;
}

// The module's state_dict keys are PyTorch's (same order), a strict load of PyTorch's state dict
// succeeds, and the module prints as PyTorch's repr. The module is put in eval mode, as the
// generator did.
inline void expect_loads_and_prints_like_pytorch(nn::Module& module, const GoldenCase& c) {
  EXPECT_EQ(module.state_dict().keys(), c.args.at("state_keys").get<std::vector<std::string>>()) << c.name;
  const nn::IncompatibleKeys r = module.load_state_dict(golden_state_dict(c), /*strict=*/true);
  EXPECT_TRUE(r.missing_keys.empty() && r.unexpected_keys.empty()) << c.name;
  EXPECT_EQ(module.to_string(), c.args.at("repr").get<std::string>()) << c.name;
  module.eval();
}

}  // namespace octet::test
