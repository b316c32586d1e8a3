// cli_test.cpp: runs the built `octet` binary and checks its output and exit codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kernels/kernel_inventory.h"
#include "kernels/qgemm_kernels.h"
#include "kernels/quantize_kernels.h"
#include "octet/cpu_features.h"
#include "octet/engine.h"
#include "octet/version.h"
#include "tools/cli_runner.h"

namespace octet {
namespace {

#ifdef OCTET_CLI_PATH

using Result = test::CliResult;
using test::contains;
using test::run_cli;

const std::vector<Isa> kAllIsas = {Isa::Ref,  Isa::Avx2, Isa::Avx512,  Isa::Avx512Vnni,
                                   Isa::Amx,  Isa::Neon, Isa::NeonDot, Isa::NeonI8mm};

TEST(Cli, Version) {
  const Result r = run_cli("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, std::string("octet ") + OCTET_VERSION_STRING + "\n");
}

TEST(Cli, HelpListsCommands) {
  const Result r = run_cli("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "usage: octet")) << r.output;
  EXPECT_TRUE(contains(r.output, "info")) << r.output;
}

TEST(Cli, NoArgumentsIsAUsageError) {
  const Result r = run_cli("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "usage: octet")) << r.output;
}

TEST(Cli, UnknownCommandExitsTwoAndListsCommands) {
  const Result r = run_cli("frobnicate");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "unknown command 'frobnicate'")) << r.output;
  EXPECT_TRUE(contains(r.output, "commands: demo, info")) << r.output;
}

TEST(Cli, InfoUnknownOptionExitsTwo) {
  const Result r = run_cli("info --bogus");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(contains(r.output, "unknown option '--bogus'")) << r.output;
  EXPECT_TRUE(contains(r.output, "--json")) << r.output;
}

TEST(Cli, InfoHelp) {
  const Result r = run_cli("info --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(contains(r.output, "usage: octet info")) << r.output;
  EXPECT_TRUE(contains(r.output, "OCTET_MAX_ISA")) << r.output;
}

TEST(Cli, InfoText) {
  const Result r = run_cli("info", "OMP_NUM_THREADS=3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string& out = r.output;
  EXPECT_TRUE(contains(out, std::string("octet ") + OCTET_VERSION_STRING)) << out;
  const CpuFeatures& f = cpu_features();
  if (!f.vendor.empty()) {
    EXPECT_TRUE(contains(out, f.vendor)) << out;
  }
  if (!f.brand.empty()) {
    EXPECT_TRUE(contains(out, f.brand)) << out;
  }
  for (const std::string& name : cpu_feature_names(f)) {
    EXPECT_TRUE(contains(out, " " + name)) << name << "\n" << out;
  }
  EXPECT_TRUE(contains(out, "cap: none, OCTET_MAX_ISA not set")) << out;
  for (Isa isa : kAllIsas) {
    EXPECT_TRUE(contains(out, "  " + std::string(isa_name(isa)) + " ")) << isa_name(isa);
    if (!isa_supported_by_hardware(isa)) {
      EXPECT_TRUE(contains(out, isa_rejection_reason(isa))) << isa_rejection_reason(isa);
    }
  }
  for (const kernels::KernelInfo& k : kernels::compiled_kernels()) {
    EXPECT_TRUE(contains(out, std::string(k.name))) << k.name;
  }
  const std::string engine(engine_name(default_engine()));
  EXPECT_TRUE(contains(out, "  default      " + engine + "\n")) << out;
  EXPECT_TRUE(contains(out, "  current      " + engine + "\n")) << out;
  EXPECT_TRUE(contains(out, "  available    ")) << out;
  EXPECT_TRUE(contains(out, "  threads      3\n")) << out;
}

TEST(Cli, InfoJsonMatchesTheLibrary) {
  const Result r = run_cli("info --json", "OMP_NUM_THREADS=2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(r.output)) << r.output;
  EXPECT_EQ(j["version"], OCTET_VERSION_STRING);
  EXPECT_EQ(j["cpu"]["vendor"], cpu_features().vendor);
  EXPECT_EQ(j["cpu"]["brand"], cpu_features().brand);
  EXPECT_EQ(j["cpu"]["features"].get<std::vector<std::string>>(),
            cpu_feature_names(cpu_features()));
  EXPECT_TRUE(j["octet_max_isa"].is_null());
  ASSERT_EQ(j["isa_levels"].size(), kAllIsas.size());
  for (size_t i = 0; i < kAllIsas.size(); ++i) {
    const auto& level = j["isa_levels"][i];
    EXPECT_EQ(level["name"], isa_name(kAllIsas[i]));
    // Uncapped, usable means supported by the hardware.
    EXPECT_EQ(level["usable"], isa_supported_by_hardware(kAllIsas[i])) << level.dump();
    EXPECT_EQ(level["reason"].get<std::string>().empty(), level["usable"].get<bool>());
  }
  const auto& kernels_json = j["kernels"];
  // The CLI runs without OCTET_MAX_ISA (run_cli unsets it), so compare with this process uncapped.
  const Isa saved_cap = max_isa();
#if defined(OCTET_ARCH_X86)
  set_max_isa(Isa::Amx);
#else
  set_max_isa(Isa::NeonI8mm);
#endif
  const std::vector<kernels::InventoryRow> inventory = kernels::kernel_inventory();
  const std::string gemm = std::string(kernels::qgemm_kernels().exact.name);
  set_max_isa(saved_cap);
  ASSERT_EQ(kernels_json.size(), inventory.size());
  ASSERT_GT(inventory.size(), kernels::compiled_kernels().size()) << "the integer families are listed too";
  std::vector<std::string> selected_families;
  for (size_t i = 0; i < kernels_json.size(); ++i) {
    EXPECT_EQ(kernels_json[i]["name"], inventory[i].name);
    EXPECT_EQ(kernels_json[i]["isa"], isa_name(inventory[i].isa));
    EXPECT_EQ(kernels_json[i]["selected"], inventory[i].selected) << inventory[i].name;
    if (kernels_json[i]["selected"].get<bool>()) {
      EXPECT_TRUE(kernels_json[i]["usable"].get<bool>());
      const std::string family = kernels_json[i]["family"];
      EXPECT_EQ(std::count(selected_families.begin(), selected_families.end(), family), 0)
          << "two selected kernels in " << family;
      selected_families.push_back(family);
    }
  }
  // The GEMM the operators use is the one marked.
  EXPECT_NE(std::find(selected_families.begin(), selected_families.end(), "qu8_qs8w_gemm"), selected_families.end());
  bool gemm_marked = false;
  for (const auto& k : kernels_json) gemm_marked = gemm_marked || (k["name"] == gemm && k["selected"].get<bool>());
  EXPECT_TRUE(gemm_marked) << gemm;
  EXPECT_EQ(j["engine"]["default"], engine_name(default_engine()));
  EXPECT_EQ(j["engine"]["current"], engine_name(default_engine()));
  std::vector<std::string> engines;
  for (Engine e : available_engines()) engines.emplace_back(engine_name(e));
  EXPECT_EQ(j["engine"]["available"].get<std::vector<std::string>>(), engines);
  EXPECT_EQ(j["threads"], 2);
}

TEST(Cli, InfoHonoursOctetMaxIsa) {
  const Result r = run_cli("info --json", "OCTET_MAX_ISA=ref");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["octet_max_isa"], "ref");
  EXPECT_EQ(j["max_isa"], "ref");
  EXPECT_EQ(j["best_isa"], "ref");
  for (const auto& level : j["isa_levels"]) {
    EXPECT_EQ(level["usable"], level["name"] == "ref") << level.dump();
    const Isa isa = parse_isa(level["name"].get<std::string>());
    if (isa != Isa::Ref && isa_supported_by_hardware(isa)) {
      EXPECT_EQ(level["reason"], "capped by OCTET_MAX_ISA=ref");
    }
  }
  for (const auto& k : j["kernels"]) {
    if (k["selected"].get<bool>()) {
      EXPECT_EQ(k["isa"], "ref") << k.dump();
    }
  }

  const Result text = run_cli("info", "OCTET_MAX_ISA=ref");
  EXPECT_TRUE(contains(text.output, "cap: ref, from OCTET_MAX_ISA=ref")) << text.output;
}

TEST(Cli, InvalidOctetMaxIsaIsAClearError) {
  const Result r = run_cli("info", "OCTET_MAX_ISA=avx9000");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(contains(r.output, "OCTET_MAX_ISA")) << r.output;
  EXPECT_TRUE(contains(r.output, "'avx9000'")) << r.output;
  EXPECT_TRUE(contains(r.output, "avx512vnni")) << r.output;
  EXPECT_TRUE(contains(r.output, "neoni8mm")) << r.output;
  // The report is all or nothing: no partial output before the error.
  EXPECT_FALSE(contains(r.output, "threads")) << r.output;
}

#else

TEST(Cli, NotBuilt) { GTEST_SKIP() << "the octet CLI is not built (OCTET_BUILD_TOOLS=OFF)"; }

#endif

}  // namespace
}  // namespace octet
