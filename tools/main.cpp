// main.cpp: the octet command line: dispatches `octet <command> [args]` to tools/command_*.cpp.
#include <cstdio>
#include <exception>
#include <string>
#include <span>
#include <string_view>
#include <vector>

#include "commands.h"
#include "octet/version.h"

namespace {

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: octet <command> [options]\n"
               "       octet --help | --version\n"
               "\n"
               "commands:\n");
  for (const auto& c : octet::cli::kCommands) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::fprintf(out, "\nRun 'octet <command> --help' for the options of a command.\n");
}

std::string command_list() {
  std::string out;
  for (const auto& c : octet::cli::kCommands) {
    if (!out.empty()) out += ", ";
    out += c.name;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_usage(stderr);
    return 2;
  }
  const std::string_view name = args[0];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(stdout);
    return 0;
  }
  if (name == "--version" || name == "-V") {
    std::printf("octet %s\n", octet::version());
    return 0;
  }
  for (const auto& c : octet::cli::kCommands) {
    if (c.name != name) continue;
    try {
      return c.run(std::span<const std::string_view>(args).subspan(1));
    } catch (const octet::cli::UsageError& e) {
      std::fprintf(stderr, "octet %.*s: %s\nRun 'octet %.*s --help' for usage.\n",
                   static_cast<int>(name.size()), name.data(), e.what(),
                   static_cast<int>(name.size()), name.data());
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "octet %.*s: error: %s\n", static_cast<int>(name.size()), name.data(),
                   e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "octet: unknown command '%.*s'; commands: %s\n\n",
               static_cast<int>(name.size()), name.data(), command_list().c_str());
  print_usage(stderr);
  return 2;
}
