// commands.h: the octet CLI's subcommands, one tools/command_<name>.cpp each, and their table.
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace octet::cli {

// Thrown for a malformed command line; main() prints it with a pointer to --help and exits 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A subcommand receives the arguments after its name and returns the process exit code
// (0 success, 1 failure). octet::Error escaping it is reported by main() with exit code 1.
using CommandFn = int (*)(std::span<const std::string_view> args);

struct Command {
  std::string_view name;
  std::string_view summary;  // one line for `octet --help`
  CommandFn run;
};

int command_info(std::span<const std::string_view> args);
int command_run(std::span<const std::string_view> args);
int command_inspect(std::span<const std::string_view> args);
int command_bench(std::span<const std::string_view> args);
int command_demo(std::span<const std::string_view> args);

// Adding a command is one file defining its function plus one line here.
inline constexpr Command kCommands[] = {
    {"demo", "quantize two Fashion-MNIST models (static and dynamic PTQ): FP32 vs INT8 accuracy, size, speed",
     command_demo},
    {"info", "show version, CPU features, ISA levels, kernels, engines and threads", command_info},
    {"run", "run an ONNX model on inputs from .npy files, write its outputs", command_run},
    {"inspect", "describe an ONNX model: inputs, outputs, operators, parameters, unsupported ops", command_inspect},
    {"bench", "time an ONNX model: median latency and throughput", command_bench},
};

}  // namespace octet::cli
