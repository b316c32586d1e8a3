// fuse_modules.cpp: fuse_modules / fuse_modules_qat, torch.ao.quantization.fuse_modules's known runs.
#include <set>
#include <typeinfo>

#include "octet/nn/activation.h"
#include "octet/nn/batchnorm.h"
#include "octet/nn/conv.h"
#include "octet/nn/identity.h"
#include "octet/nn/intrinsic/fused.h"
#include "octet/nn/intrinsic/fusion.h"
#include "octet/nn/linear.h"
#include "octet/quantization/quantize.h"

namespace octet::quantization {

namespace {

using nn::ModulePtr;
namespace nni = nn::intrinsic;

constexpr const char* kKnownRuns =
    "Conv1d/2d/3d + BatchNorm1d/2d/3d [+ ReLU], Conv1d/2d/3d + ReLU, ConvTranspose1d/2d/3d + BatchNorm, "
    "Linear + BatchNorm1d, Linear + ReLU, BatchNorm2d/3d + ReLU";

// PyTorch matches type(mod) exactly: a subclass is not a known run.
template <typename T>
std::shared_ptr<T> exactly(const ModulePtr& m) {
  return typeid(*m) == typeid(T) ? std::static_pointer_cast<T>(m) : nullptr;
}

// conv + bn [+ relu] of one spatial rank.
template <typename Conv, typename BN, typename ConvReLU, typename ConvBn, typename ConvBnReLU>
ModulePtr fuse_conv_run(const std::vector<ModulePtr>& run, bool qat) {
  auto conv = exactly<Conv>(run[0]);
  if (!conv) return nullptr;
  if (run.size() == 2) {
    if (auto relu = exactly<nn::ReLU>(run[1])) return std::make_shared<ConvReLU>(conv, relu);
    auto bn = exactly<BN>(run[1]);
    if (!bn) return nullptr;
    OCTET_CHECK(conv->is_training() == bn->is_training(), "fuse_modules",
                "Conv and BN both must be in the same mode (train or eval)");
    if (qat) return std::make_shared<ConvBn>(conv, bn);
    return nn::utils::fuse_conv_bn_eval(*conv, *bn);
  }
  auto bn = exactly<BN>(run[1]);
  auto relu = exactly<nn::ReLU>(run[2]);
  if (!bn || !relu) return nullptr;
  OCTET_CHECK(conv->is_training() == bn->is_training(), "fuse_modules",
              "Conv and BN both must be in the same mode (train or eval)");
  if (qat) return std::make_shared<ConvBnReLU>(conv, bn, relu);
  return std::make_shared<ConvReLU>(nn::utils::fuse_conv_bn_eval(*conv, *bn), relu);
}

template <typename ConvT, typename BN>
ModulePtr fuse_conv_transpose_run(const std::vector<ModulePtr>& run, bool qat) {
  auto conv = exactly<ConvT>(run[0]);
  auto bn = run.size() == 2 ? exactly<BN>(run[1]) : nullptr;
  if (!conv || !bn) return nullptr;
  OCTET_CHECK(!qat, "fuse_modules_qat", "ConvTranspose + BatchNorm fusion is not supported for QAT (as in PyTorch)");
  return nn::utils::fuse_conv_bn_eval(*conv, *bn);
}

ModulePtr fuse_linear_run(const std::vector<ModulePtr>& run, bool qat) {
  auto linear = exactly<nn::Linear>(run[0]);
  if (!linear || run.size() != 2) return nullptr;
  if (auto relu = exactly<nn::ReLU>(run[1])) return std::make_shared<nni::LinearReLU>(linear, relu);
  auto bn = exactly<nn::BatchNorm1d>(run[1]);
  if (!bn) return nullptr;
  OCTET_CHECK(linear->is_training() == bn->is_training(), "fuse_modules",
              "Linear and BN both must be in the same mode (train or eval)");
  if (qat) return std::make_shared<nni::LinearBn1d>(linear, bn);
  return nn::utils::fuse_linear_bn_eval(*linear, *bn);
}

ModulePtr fuse_bn_relu_run(const std::vector<ModulePtr>& run) {
  if (run.size() != 2) return nullptr;
  auto relu = exactly<nn::ReLU>(run[1]);
  if (!relu) return nullptr;
  if (auto bn = exactly<nn::BatchNorm2d>(run[0])) return std::make_shared<nni::BNReLU2d>(bn, relu);
  if (auto bn = exactly<nn::BatchNorm3d>(run[0])) return std::make_shared<nni::BNReLU3d>(bn, relu);
  return nullptr;
}

// The fused module of a run, or null when the run is not a known pattern.
ModulePtr fuse_known(const std::vector<ModulePtr>& run, bool qat) {
  if (run.size() < 2 || run.size() > 3) return nullptr;
  ModulePtr out;
  if (!out) out = fuse_conv_run<nn::Conv1d, nn::BatchNorm1d, nni::ConvReLU1d, nni::ConvBn1d, nni::ConvBnReLU1d>(run, qat);
  if (!out) out = fuse_conv_run<nn::Conv2d, nn::BatchNorm2d, nni::ConvReLU2d, nni::ConvBn2d, nni::ConvBnReLU2d>(run, qat);
  if (!out) out = fuse_conv_run<nn::Conv3d, nn::BatchNorm3d, nni::ConvReLU3d, nni::ConvBn3d, nni::ConvBnReLU3d>(run, qat);
  if (!out) out = fuse_conv_transpose_run<nn::ConvTranspose1d, nn::BatchNorm1d>(run, qat);
  if (!out) out = fuse_conv_transpose_run<nn::ConvTranspose2d, nn::BatchNorm2d>(run, qat);
  if (!out) out = fuse_conv_transpose_run<nn::ConvTranspose3d, nn::BatchNorm3d>(run, qat);
  if (!out) out = fuse_linear_run(run, qat);
  if (!out) out = fuse_bn_relu_run(run);
  return out;
}

std::string join(const std::vector<std::string>& names, const char* sep) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out.append(sep);
    out.append(n);
  }
  return out;
}

void fuse_groups(nn::Module& model, const std::vector<std::vector<std::string>>& groups, bool qat) {
  const char* where = qat ? "fuse_modules_qat" : "fuse_modules";
  // Work out every replacement first, so that a bad group leaves the model as it was.
  std::vector<std::pair<std::string, ModulePtr>> replacements;
  std::set<std::string> seen;
  for (const auto& group : groups) {
    OCTET_CHECK(!group.empty(), where, "a group of module names is empty");
    std::vector<ModulePtr> run;
    std::vector<std::string> types;
    for (const std::string& name : group) {
      OCTET_CHECK(!name.empty(), where, "an empty module name in the group [", join(group, ", "), "]");
      OCTET_CHECK(seen.insert(name).second, where, "'", name, "' appears in more than one group");
      ModulePtr m;
      try {
        m = model.get_submodule(name);
      } catch (const Error& e) {
        OCTET_FAIL(where, "no module '", name, "' in ", model.name(), " (", e.message(), ")");
      }
      run.push_back(m);
      types.push_back(m->name());
    }
    ModulePtr fused = fuse_known(run, qat);
    OCTET_CHECK(fused != nullptr, where, "cannot fuse [", join(group, ", "), "] of types [", join(types, ", "),
                "]: not a known run; the known runs are ", kKnownRuns);
    fused->train(run[0]->is_training());
    replacements.emplace_back(group[0], fused);
    for (std::size_t i = 1; i < group.size(); ++i) {
      auto identity = std::make_shared<nn::Identity>();
      identity->train(run[i]->is_training());
      replacements.emplace_back(group[i], identity);
    }
  }
  // Apply; undo on a member that cannot hold its replacement.
  std::vector<std::pair<std::string, ModulePtr>> done;
  for (const auto& [name, module] : replacements) {
    ModulePtr before = model.get_submodule(name);
    try {
      model.replace_module(name, module);
    } catch (const Error& e) {
      for (auto it = done.rbegin(); it != done.rend(); ++it) model.replace_module(it->first, it->second);
      OCTET_FAIL(where, "cannot put ", module->name(), " at '", name, "': ", e.message(),
                 ". Declare members that fusion or quantization replaces as nn::ModulePtr");
    }
    done.emplace_back(name, before);
  }
}

}  // namespace

void fuse_modules(nn::Module& model, const std::vector<std::vector<std::string>>& groups) {
  fuse_groups(model, groups, /*qat=*/false);
}

nn::ModulePtr fused_copy(const nn::Module& model, const std::vector<std::vector<std::string>>& groups) {
  nn::ModulePtr copy = model.clone();
  fuse_groups(*copy, groups, /*qat=*/false);
  return copy;
}

void fuse_modules_qat(nn::Module& model, const std::vector<std::vector<std::string>>& groups) {
  fuse_groups(model, groups, /*qat=*/true);
}

}  // namespace octet::quantization
