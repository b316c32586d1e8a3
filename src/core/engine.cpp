// engine.cpp: the global quantized engine (with PyTorch's names as aliases) and the thread count.
#include "octet/engine.h"

#include <omp.h>

#include <atomic>
#include <cctype>
#include <iterator>
#include <string>

#include "octet/error.h"

namespace octet {
namespace {

constexpr Engine kAllEngines[] = {Engine::X86, Engine::Arm, Engine::Cuda, Engine::Ref};

constexpr std::string_view kValidEngineNames =
    "x86 (aliases fbgemm, onednn), arm, qnnpack (arm on aarch64, ref elsewhere), cuda, ref";

constexpr std::string_view kBuildArch =
#if defined(__x86_64__) || defined(_M_X64)
    "x86-64";
#elif defined(__aarch64__) || defined(_M_ARM64)
    "aarch64";
#else
    "a CPU without x86 or arm kernels";
#endif

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string available_names() {
  std::string out;
  for (Engine e : available_engines()) {
    if (!out.empty()) out += ", ";
    out += engine_name(e);
  }
  return out;
}

std::atomic<Engine>& current_engine() {
  static std::atomic<Engine> engine{default_engine()};
  return engine;
}

// 0 until set_num_threads() is called; OpenMP's own default (OMP_NUM_THREADS, else the core
// count) applies until then.
std::atomic<int> g_num_threads{0};

Engine parse_engine_at(std::string_view name, const char* where) {
  const std::string key = lower(name);
  if (key == "x86" || key == "fbgemm" || key == "onednn") return Engine::X86;
  if (key == "arm") return Engine::Arm;
  if (key == "qnnpack") {
    // PyTorch's qnnpack is its mobile (ARM) engine; elsewhere the portable path is the honest match.
#if defined(__aarch64__) || defined(_M_ARM64)
    return Engine::Arm;
#else
    return Engine::Ref;
#endif
  }
  if (key == "cuda") return Engine::Cuda;
  if (key == "ref") return Engine::Ref;
  OCTET_FAIL(where, "unknown engine '", name, "'; valid names: ", kValidEngineNames);
}

}  // namespace

std::string_view engine_name(Engine e) {
  switch (e) {
    case Engine::X86: return "x86";
    case Engine::Arm: return "arm";
    case Engine::Cuda: return "cuda";
    case Engine::Ref: return "ref";
  }
  return "unknown";
}

Engine parse_engine(std::string_view name) { return parse_engine_at(name, "parse_engine"); }

bool engine_available(Engine e) {
  switch (e) {
    case Engine::X86:
#if defined(__x86_64__) || defined(_M_X64)
      return true;
#else
      return false;
#endif
    case Engine::Arm:
#if defined(__aarch64__) || defined(_M_ARM64)
      return true;
#else
      return false;
#endif
    case Engine::Cuda: return false;  // this build has no CUDA backend compiled in
    case Engine::Ref: return true;
  }
  return false;
}

std::vector<Engine> available_engines() {
  std::vector<Engine> out;
  for (Engine e : kAllEngines) {
    if (engine_available(e)) out.push_back(e);
  }
  return out;
}

Engine default_engine() {
#if defined(__x86_64__) || defined(_M_X64)
  return Engine::X86;
#elif defined(__aarch64__) || defined(_M_ARM64)
  return Engine::Arm;
#else
  return Engine::Ref;
#endif
}

Engine get_engine() { return current_engine().load(std::memory_order_acquire); }

void set_engine(Engine e) {
  const auto index = static_cast<int>(e);
  OCTET_CHECK(index >= 0 && index < static_cast<int>(std::size(kAllEngines)), "set_engine",
              "unknown Engine value ", index, "; available engines: ", available_names());
  if (!engine_available(e)) {
    if (e == Engine::Cuda) {
      OCTET_FAIL("set_engine", "cuda engine is not available: this build was compiled without CUDA",
                 "; available engines: ", available_names());
    }
    OCTET_FAIL("set_engine", engine_name(e), " engine is not available: this build targets ",
               kBuildArch, "; available engines: ", available_names());
  }
  current_engine().store(e, std::memory_order_release);
}

void set_engine(std::string_view name) { set_engine(parse_engine_at(name, "set_engine")); }

void set_num_threads(int n) {
  OCTET_CHECK(n >= 1, "set_num_threads", "n must be >= 1, got ", n);
  g_num_threads.store(n, std::memory_order_relaxed);
  omp_set_num_threads(n);
}

// omp_set_num_threads() only changes the calling thread's setting, so the value is also kept
// here: operators started from any thread read it and pass it to their parallel regions.
int get_num_threads() {
  const int n = g_num_threads.load(std::memory_order_relaxed);
  return n > 0 ? n : omp_get_max_threads();
}

}  // namespace octet
