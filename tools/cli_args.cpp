// cli_args.cpp: option values, positive integers and NAME=VALUE pairs for the model commands.
#include "cli_args.h"

#include <charconv>

#include "commands.h"

namespace octet::cli {

std::optional<std::string> ArgReader::value_of(std::string_view arg, std::string_view name) {
  if (arg == name) {
    if (done()) {
      std::string m = "option ";
      m.append(name);
      m.append(" needs a value");
      throw UsageError(m);
    }
    return std::string(next());
  }
  if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=') {
    return std::string(arg.substr(name.size() + 1));
  }
  return std::nullopt;
}

int64_t parse_positive(std::string_view option, const std::string& value) {
  int64_t v = 0;
  const char* end = value.data() + value.size();
  auto [p, ec] = std::from_chars(value.data(), end, v);
  if (ec != std::errc() || p != end || v < 1) {
    std::string m(option);
    m.append(" needs a positive integer, got '");
    m.append(value);
    m.append("'");
    throw UsageError(m);
  }
  return v;
}

std::pair<std::string, std::string> parse_pair(std::string_view option, const std::string& value,
                                               std::string_view form) {
  const size_t eq = value.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == value.size()) {
    std::string m(option);
    m.append(" expects ");
    m.append(form);
    m.append(", got '");
    m.append(value);
    m.append("'");
    throw UsageError(m);
  }
  return {value.substr(0, eq), value.substr(eq + 1)};
}

}  // namespace octet::cli
