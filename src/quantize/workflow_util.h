// workflow_util.h: small helpers shared by the eager-mode workflow steps (internal).
#pragma once

#include <string>

#include "octet/nn/module.h"

namespace octet::quantization::detail {

// "layer1" + "conv1" -> "layer1.conv1" (the nn layer's join).
using nn::detail::join_path;

// How messages name a module: "'layer1.conv1' (Conv2d)", or "the model (Net)" for the root.
inline std::string describe(const nn::Module& m, const std::string& path) {
  std::string out;
  if (path.empty()) {
    out.append("the model (").append(m.name()).append(")");
  } else {
    out.append("'").append(path).append("' (").append(m.name()).append(")");
  }
  return out;
}

}  // namespace octet::quantization::detail
