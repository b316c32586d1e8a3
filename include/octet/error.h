// error.h: octet::Error, the one exception type Octet throws, and the checks that build it.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace octet {

// Every misuse (bad shape, bad dtype, bad qparams, malformed file) is reported as an Error whose
// message says where it happened, what went wrong and what was expected:
//   "quantize_per_tensor: scale must be finite and > 0, got -1"
class Error : public std::runtime_error {
 public:
  Error(std::string where, std::string what)
      : std::runtime_error(where.empty() ? what : where + ": " + what),
        where_(std::move(where)),
        what_(std::move(what)) {}

  // The operation that raised the error, e.g. "quantize_per_tensor".
  const std::string& where() const noexcept { return where_; }
  // The message without the location prefix.
  const std::string& message() const noexcept { return what_; }

 private:
  std::string where_;
  std::string what_;
};

namespace detail {
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail

}  // namespace octet

// OCTET_CHECK(cond, where, message parts...): throws octet::Error(where, parts...) when cond is false.
#define OCTET_CHECK(cond, where, ...)                                         \
  do {                                                                        \
    if (!(cond)) [[unlikely]] {                                               \
      throw ::octet::Error((where), ::octet::detail::str_cat(__VA_ARGS__));   \
    }                                                                         \
  } while (0)

// OCTET_FAIL(where, message parts...): throws unconditionally.
#define OCTET_FAIL(where, ...) \
  throw ::octet::Error((where), ::octet::detail::str_cat(__VA_ARGS__))
