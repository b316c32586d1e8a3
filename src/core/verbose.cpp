// verbose.cpp: OCTET_VERBOSE, read once, and the stderr log it enables.
#include "core/verbose.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace octet {
namespace {

bool read_env() {
  const char* env = std::getenv("OCTET_VERBOSE");
  if (env == nullptr || *env == '\0') return false;
  char* end = nullptr;
  const long level = std::strtol(env, &end, 10);
  return *end == '\0' && level > 0;
}

std::atomic<bool>& enabled_flag() {
  static std::atomic<bool> flag{read_env()};
  return flag;
}

}  // namespace

bool verbose_enabled() { return enabled_flag().load(std::memory_order_relaxed); }

void set_verbose_enabled(bool enabled) { enabled_flag().store(enabled, std::memory_order_relaxed); }

void verbose_log(std::string_view line) {
  if (!verbose_enabled()) return;
  std::string text("octet: ");
  text.append(line);
  text.push_back('\n');
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace octet
