// cli_runner.h: runs the built `octet` binary from a test and captures its output and exit code.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace octet::test {

#ifdef OCTET_CLI_PATH

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs the CLI through the shell; env is a prefix such as "OCTET_MAX_ISA=avx2". OCTET_MAX_ISA is
// unset unless given, so that the caller's environment does not change the expected output.
inline CliResult run_cli(const std::string& args, const std::string& env = "") {
  std::string command = "env -u OCTET_MAX_ISA ";
  command.append(env).append(" '").append(OCTET_CLI_PATH).append("' ").append(args).append(" 2>&1");
  CliResult r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

#endif  // OCTET_CLI_PATH

}  // namespace octet::test
