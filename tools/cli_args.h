// cli_args.h: option parsing shared by the model commands: "--opt VALUE" / "--opt=VALUE", integers, NAME=VALUE pairs.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace octet::cli {

// Walks a command's arguments. An option's value is the next argument or follows '='.
class ArgReader {
 public:
  explicit ArgReader(std::span<const std::string_view> args) : args_(args) {}

  bool done() const { return pos_ >= args_.size(); }
  // The next argument, consumed.
  std::string_view next() { return args_[pos_++]; }
  // When `arg` is `name` or `name=...`: its value (the next argument, or the text after '='),
  // consuming it; a missing value is a UsageError. nullopt when `arg` is another option.
  std::optional<std::string> value_of(std::string_view arg, std::string_view name);

 private:
  std::span<const std::string_view> args_;
  size_t pos_ = 0;
};

// A positive integer option value, or a UsageError naming the option.
int64_t parse_positive(std::string_view option, const std::string& value);
// "NAME=VALUE" split at the first '=', or a UsageError naming the option and the expected form.
std::pair<std::string, std::string> parse_pair(std::string_view option, const std::string& value,
                                               std::string_view form);

}  // namespace octet::cli
