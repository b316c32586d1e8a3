// node_conformance_test.cpp: ONNX's backend node tests (Debian's libonnx-testdata), one ctest case each: import, run every data set, compare with ONNX's expected outputs.
//
// The tests live in OCTET_ONNX_BACKEND_TEST_DIR (found by CMake; the environment variable of the
// same name overrides it), one folder per test: model.onnx and test_data_set_*/input_*.pb,
// output_*.pb. A test whose model uses an operator Octet does not run is skipped, naming it; a
// test listed in kKnownFailures must still fail (so the list cannot go stale) and is skipped with
// its reason. Outputs are compared as ONNX's backend runner does: same dtype and shape, values
// within atol 1e-7 + rtol 1e-3 (NaN equals NaN; integers and bools exactly).
//
// Running the whole binary prints, at the end, the pass count per operator and overall; with
// OCTET_ONNX_CONFORMANCE_REPORT=file.md it also writes that table as markdown (docs/onnx.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "octet/graph/interpreter.h"
#include "octet/onnx/import.h"
#include "onnx/conformance_util.h"

namespace octet::onnx {
namespace {

namespace fs = std::filesystem;

TEST(OnnxNodeTests, DataIsInstalled) {
  const std::string dir = test::backend_test_dir();
  if (dir.empty()) GTEST_SKIP() << test::kNoTestDataMessage;
  EXPECT_GT(test::node_test_names().size(), 100u) << dir;
}

class OnnxNodeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxNodeTest, MatchesExpectedOutputs) {
  const test::NodeTestResult r = test::run_node_test(GetParam());
  test::record(r);
  switch (r.outcome) {
    case test::Outcome::Passed:
      break;
    case test::Outcome::Unsupported:
      GTEST_SKIP() << "unsupported: " << r.detail;
    case test::Outcome::KnownFailure:
      GTEST_SKIP() << "known failure (" << r.reason << "): " << r.detail;
    case test::Outcome::UnexpectedPass:
      FAIL() << GetParam() << " passes now: remove it from kKnownFailures (" << r.reason << ")";
    case test::Outcome::Failed:
      FAIL() << r.detail;
  }
}

std::string test_case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string out;
  for (char c : info.param) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

INSTANTIATE_TEST_SUITE_P(Node, OnnxNodeTest, ::testing::ValuesIn(test::node_test_names()), test_case_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OnnxNodeTest);

// Prints (and optionally writes) the per-operator counts after a run of many node tests.
class ReportEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { test::print_report(); }
};

const auto* const kReport = ::testing::AddGlobalTestEnvironment(new ReportEnvironment);

}  // namespace
}  // namespace octet::onnx
