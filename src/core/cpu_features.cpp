// cpu_features.cpp: CPUID/XCR0 (x86-64) and HWCAP (aarch64) detection, and the OCTET_MAX_ISA cap.
#include "octet/cpu_features.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "octet/error.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define OCTET_CPU_X86 1
#include <cpuid.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif
#elif defined(__aarch64__)
#define OCTET_CPU_ARM 1
#if defined(__linux__)
#include <sys/auxv.h>

#include <fstream>
#elif defined(__APPLE__)
#include <sys/sysctl.h>
#endif
#endif

namespace octet {
namespace {

enum class Arch { X86, Arm, Other };

constexpr Arch kBuildArch =
#if defined(OCTET_CPU_X86)
    Arch::X86;
#elif defined(OCTET_CPU_ARM)
    Arch::Arm;
#else
    Arch::Other;
#endif

std::string_view arch_name(Arch a) {
  switch (a) {
    case Arch::X86: return "x86-64";
    case Arch::Arm: return "aarch64";
    case Arch::Other: break;
  }
  return "this architecture";
}

Arch isa_arch(Isa isa) {
  switch (isa) {
    case Isa::Avx2:
    case Isa::Avx512:
    case Isa::Avx512Vnni:
    case Isa::Amx: return Arch::X86;
    case Isa::Neon:
    case Isa::NeonDot:
    case Isa::NeonI8mm: return Arch::Arm;
    case Isa::Ref: break;
  }
  return Arch::Other;
}

// Position of a level in its architecture's chain (ref is 0 on every chain).
int isa_rank(Isa isa) {
  switch (isa) {
    case Isa::Ref: return 0;
    case Isa::Avx2: return 1;
    case Isa::Avx512: return 2;
    case Isa::Avx512Vnni: return 3;
    case Isa::Amx: return 4;
    case Isa::Neon: return 1;
    case Isa::NeonDot: return 2;
    case Isa::NeonI8mm: return 3;
  }
  return 0;
}

constexpr std::array kAllIsas = {Isa::Ref,  Isa::Avx2, Isa::Avx512,  Isa::Avx512Vnni,
                                 Isa::Amx,  Isa::Neon, Isa::NeonDot, Isa::NeonI8mm};
// Per-level tables below are indexed by the enum value.
static_assert([] {
  for (size_t i = 0; i < kAllIsas.size(); ++i) {
    if (static_cast<size_t>(kAllIsas[i]) != i) return false;
  }
  return true;
}());

// The top of this build's chain: what "no cap" means.
Isa top_isa() {
  switch (kBuildArch) {
    case Arch::X86: return Isa::Amx;
    case Arch::Arm: return Isa::NeonI8mm;
    case Arch::Other: break;
  }
  return Isa::Ref;
}

constexpr std::string_view kValidIsaNames =
    "ref (or none, scalar), avx2, avx512, avx512vnni, amx, neon, neondot, neoni8mm";

// Everything detection learned, including why a feature the CPU has is still off, so that
// rejection reasons can say "the OS does not enable ..." instead of just "missing ...".
struct Detection {
  CpuFeatures features;
  bool os_ymm = true;           // XCR0 bits 1,2
  bool os_zmm = true;           // XCR0 bits 5,6,7
  bool os_amx = true;           // XCR0 bits 17,18
  bool cpu_avx = false;         // CPUID says AVX, regardless of the OS
  bool cpu_avx512f = false;     // CPUID says AVX-512F, regardless of the OS
  bool cpu_amx = false;         // CPUID says AMX-TILE and AMX-INT8, regardless of the OS
  std::string amx_permission_error;  // non-empty when Linux refused AMX tile data
};

#if defined(OCTET_CPU_X86)

bool bit(uint32_t reg, int b) { return ((reg >> b) & 1u) != 0; }

uint64_t read_xcr0() {
  uint32_t eax = 0, edx = 0;
  // Inline asm rather than _xgetbv(): the intrinsic needs -mxsave on this translation unit.
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

std::string trim(std::string s) {
  const auto not_space = [](unsigned char c) { return c != ' ' && c != '\0'; };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// Linux keeps AMX tile data (8 KiB of state per thread) off until the process asks for it;
// executing a tile instruction without permission kills the process with SIGILL.
std::string request_amx_permission() {
#if defined(__linux__)
  constexpr long kArchReqXcompPerm = 0x1023;
  constexpr long kXfeatureXtiledata = 18;
  if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0) {
    return detail::str_cat("Linux refused AMX tile data (arch_prctl ARCH_REQ_XCOMP_PERM: ",
                           std::strerror(errno), ")");
  }
#endif
  return {};
}

Detection detect() {
  Detection d;
  CpuFeatures& f = d.features;
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;

  if (__get_cpuid_count(0, 0, &eax, &ebx, &ecx, &edx) == 0) return d;
  const uint32_t max_leaf = eax;
  char vendor[13] = {};
  std::memcpy(vendor + 0, &ebx, 4);
  std::memcpy(vendor + 4, &edx, 4);
  std::memcpy(vendor + 8, &ecx, 4);
  f.vendor = vendor;

  uint32_t l1_ecx = 0;
  if (max_leaf >= 1 && __get_cpuid_count(1, 0, &eax, &ebx, &ecx, &edx)) l1_ecx = ecx;
  const bool osxsave = bit(l1_ecx, 27);
  const uint64_t xcr0 = osxsave ? read_xcr0() : 0;
  d.os_ymm = (xcr0 & 0x6) == 0x6;
  d.os_zmm = (xcr0 & 0xe6) == 0xe6;
  d.os_amx = (xcr0 & 0x60000) == 0x60000;

  d.cpu_avx = bit(l1_ecx, 28);
  f.sse41 = bit(l1_ecx, 19);
  f.avx = d.cpu_avx && d.os_ymm;
  f.fma = bit(l1_ecx, 12) && d.os_ymm;
  f.f16c = bit(l1_ecx, 29) && d.os_ymm;

  if (max_leaf >= 7 && __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
    const uint32_t max_subleaf = eax;
    d.cpu_avx512f = bit(ebx, 16);
    f.avx2 = bit(ebx, 5) && d.os_ymm;
    f.avx512f = bit(ebx, 16) && d.os_zmm;
    f.avx512dq = bit(ebx, 17) && d.os_zmm;
    f.avx512bw = bit(ebx, 30) && d.os_zmm;
    f.avx512vl = bit(ebx, 31) && d.os_zmm;
    f.avx512_vnni = bit(ecx, 11) && d.os_zmm;
    const bool cpu_amx_bf16 = bit(edx, 22);
    const bool cpu_amx_tile = bit(edx, 24);
    const bool cpu_amx_int8 = bit(edx, 25);
    d.cpu_amx = cpu_amx_tile && cpu_amx_int8;

    if (max_subleaf >= 1 && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) {
      f.avx_vnni = bit(eax, 4) && d.os_ymm;
      f.avx512_bf16 = bit(eax, 5) && d.os_zmm;
    }

    // Only ask the kernel for tile data when the hardware and XCR0 say AMX can work at all.
    if (cpu_amx_tile && d.os_amx) d.amx_permission_error = request_amx_permission();
    const bool amx_ok = d.os_amx && d.amx_permission_error.empty();
    f.amx_tile = cpu_amx_tile && amx_ok;
    f.amx_int8 = cpu_amx_int8 && amx_ok;
    f.amx_bf16 = cpu_amx_bf16 && amx_ok;
  }

  if (__get_cpuid_count(0x80000000u, 0, &eax, &ebx, &ecx, &edx) && eax >= 0x80000004u) {
    char brand[49] = {};
    for (uint32_t i = 0; i < 3; ++i) {
      __get_cpuid_count(0x80000002u + i, 0, &eax, &ebx, &ecx, &edx);
      std::memcpy(brand + 16 * i + 0, &eax, 4);
      std::memcpy(brand + 16 * i + 4, &ebx, 4);
      std::memcpy(brand + 16 * i + 8, &ecx, 4);
      std::memcpy(brand + 16 * i + 12, &edx, 4);
    }
    f.brand = trim(brand);
  }
  return d;
}

#elif defined(OCTET_CPU_ARM)

#if defined(__linux__)
// Values from the Linux uapi <asm/hwcap.h>, for toolchains whose headers predate them.
constexpr unsigned long kHwcapAsimd = 1ul << 1;
constexpr unsigned long kHwcapAsimddp = 1ul << 20;
constexpr unsigned long kHwcap2I8mm = 1ul << 13;

// /proc/cpuinfo names the implementer by its MIDR code only; map the common ones to a vendor.
void read_cpuinfo(CpuFeatures& f) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    if (key == "CPU implementer" && f.vendor == "ARM") {
      const unsigned long code = std::strtoul(value.c_str(), nullptr, 0);
      switch (code) {
        case 0x41: f.vendor = "ARM"; break;
        case 0x42: f.vendor = "Broadcom"; break;
        case 0x43: f.vendor = "Cavium"; break;
        case 0x46: f.vendor = "Fujitsu"; break;
        case 0x48: f.vendor = "HiSilicon"; break;
        case 0x4e: f.vendor = "NVIDIA"; break;
        case 0x50: f.vendor = "AppliedMicro"; break;
        case 0x51: f.vendor = "Qualcomm"; break;
        case 0x61: f.vendor = "Apple"; break;
        case 0xc0: f.vendor = "Ampere"; break;
        default: break;
      }
    } else if (key == "model name" && f.brand.empty()) {
      f.brand = value;
    }
  }
}
#endif

Detection detect() {
  Detection d;
  CpuFeatures& f = d.features;
  f.vendor = "ARM";
#if defined(__linux__)
  const unsigned long hwcap = getauxval(AT_HWCAP);
  const unsigned long hwcap2 = getauxval(AT_HWCAP2);
  f.asimd = (hwcap & kHwcapAsimd) != 0;
  f.dotprod = (hwcap & kHwcapAsimddp) != 0;
  f.i8mm = (hwcap2 & kHwcap2I8mm) != 0;
  read_cpuinfo(f);
#elif defined(__APPLE__)
  const auto sysctl_flag = [](const char* name) {
    int value = 0;
    size_t size = sizeof(value);
    return sysctlbyname(name, &value, &size, nullptr, 0) == 0 && value != 0;
  };
  f.vendor = "Apple";
  f.asimd = true;  // mandatory on every Apple arm64 core
  f.dotprod = sysctl_flag("hw.optional.arm.FEAT_DotProd");
  f.i8mm = sysctl_flag("hw.optional.arm.FEAT_I8MM");
  char brand[128] = {};
  size_t size = sizeof(brand) - 1;
  if (sysctlbyname("machdep.cpu.brand_string", brand, &size, nullptr, 0) == 0) f.brand = brand;
#else
  f.asimd = true;  // Advanced SIMD is part of the base aarch64 architecture
#endif
  return d;
}

#else

Detection detect() { return {}; }

#endif

const Detection& detection() {
  static const Detection d = detect();
  return d;
}

// What a level needs, as (feature name, present) pairs, cumulative along its chain.
std::vector<std::pair<std::string_view, bool>> required_features(Isa isa) {
  const CpuFeatures& f = detection().features;
  std::vector<std::pair<std::string_view, bool>> req;
  const int rank = isa_rank(isa);
  if (isa_arch(isa) == Arch::X86) {
    // f16c too: AVX2 kernel files are compiled with -mf16c, so the compiler may emit it.
    req.insert(req.end(), {{"avx2", f.avx2}, {"fma", f.fma}, {"f16c", f.f16c}});
    if (rank >= isa_rank(Isa::Avx512)) {
      req.insert(req.end(), {{"avx512f", f.avx512f},
                             {"avx512bw", f.avx512bw},
                             {"avx512vl", f.avx512vl},
                             {"avx512dq", f.avx512dq}});
    }
    if (rank >= isa_rank(Isa::Avx512Vnni)) req.push_back({"avx512_vnni", f.avx512_vnni});
    if (rank >= isa_rank(Isa::Amx)) {
      req.insert(req.end(), {{"amx_tile", f.amx_tile}, {"amx_int8", f.amx_int8}});
    }
  } else if (isa_arch(isa) == Arch::Arm) {
    req.push_back({"asimd", f.asimd});
    if (rank >= isa_rank(Isa::NeonDot)) req.push_back({"dotprod", f.dotprod});
    if (rank >= isa_rank(Isa::NeonI8mm)) req.push_back({"i8mm", f.i8mm});
  }
  return req;
}

// Why the hardware or OS cannot run a level, or "" when it can.
std::string compute_hardware_rejection_reason(Isa isa) {
  if (isa == Isa::Ref) return {};
  if (isa_arch(isa) != kBuildArch) {
    return detail::str_cat("an ", arch_name(isa_arch(isa)), " level, and this build targets ",
                           arch_name(kBuildArch));
  }
  const Detection& d = detection();
  const int rank = isa_rank(isa);
  if (isa_arch(isa) == Arch::X86) {
    // The CPU has the registers but the OS does not save them across context switches.
    if (d.cpu_avx && !d.os_ymm) return "the OS does not enable AVX register state (XCR0)";
    if (rank >= isa_rank(Isa::Avx512) && d.cpu_avx512f && !d.os_zmm) {
      return "the OS does not enable AVX-512 register state (XCR0)";
    }
    if (rank >= isa_rank(Isa::Amx) && d.cpu_amx && !d.os_amx) {
      return "the OS does not enable AMX tile state (XCR0)";
    }
    if (rank >= isa_rank(Isa::Amx) && d.cpu_amx && !d.amx_permission_error.empty()) {
      return d.amx_permission_error;
    }
  }
  std::string missing;
  for (const auto& [name, present] : required_features(isa)) {
    if (present) continue;
    if (!missing.empty()) missing += ", ";
    missing += name;
  }
  if (missing.empty()) return {};
  return "not supported by this CPU: missing " + missing;
}

// Dispatch asks on every call, so the answers are computed once with the detection.
const std::string& hardware_rejection_reason(Isa isa) {
  static const auto reasons = [] {
    std::array<std::string, kAllIsas.size()> r;
    for (size_t i = 0; i < kAllIsas.size(); ++i) {
      r[i] = compute_hardware_rejection_reason(kAllIsas[i]);
    }
    return r;
  }();
  const auto index = static_cast<size_t>(isa);
  OCTET_CHECK(index < reasons.size(), "cpu_features", "unknown Isa value ", index);
  return reasons[index];
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The cap: OCTET_MAX_ISA read once, then whatever set_max_isa() last stored. A bad environment
// value is kept as a message and thrown on use, because throwing during static initialization
// would terminate the program before main() could report anything.
enum class CapSource : int { None, Env, Api };

// Level and source share one atomic so that a reader never pairs one call's level with another's
// source.
constexpr int pack_cap(Isa isa, CapSource source) {
  return static_cast<int>(isa) | (static_cast<int>(source) << 8);
}

struct CapState {
  std::atomic<int> cap{pack_cap(top_isa(), CapSource::None)};
  std::string env_value;  // the OCTET_MAX_ISA text, as given
  std::string env_error;  // non-empty when env_value is not a valid level name

  CapState() {
    const char* env = std::getenv("OCTET_MAX_ISA");
    if (env == nullptr || env[0] == '\0') return;
    env_value = env;
    try {
      cap.store(pack_cap(parse_isa(env), CapSource::Env));
    } catch (const Error&) {
      env_error = detail::str_cat("invalid value '", env, "'; valid names: ", kValidIsaNames,
                                  " (or unset it to use the best level this CPU supports)");
    }
  }
};

CapState& cap_state() {
  static CapState state;
  return state;
}

// The cap in force; throws the deferred OCTET_MAX_ISA error unless set_max_isa() overrode it.
std::pair<Isa, CapSource> current_cap() {
  CapState& s = cap_state();
  const int packed = s.cap.load(std::memory_order_acquire);
  const auto source = static_cast<CapSource>(packed >> 8);
  if (source != CapSource::Api && !s.env_error.empty()) OCTET_FAIL("OCTET_MAX_ISA", s.env_error);
  return {static_cast<Isa>(packed & 0xff), source};
}

// Whether `isa` is at or below `cap`. A cap naming another architecture's level (avx2 on an
// aarch64 build) does not restrict this architecture's chain: it only says how far to go on x86.
bool within_cap(Isa isa, Isa cap) {
  if (isa == Isa::Ref) return true;
  if (cap == Isa::Ref) return false;
  if (isa_arch(isa) != isa_arch(cap)) return true;
  return isa_rank(isa) <= isa_rank(cap);
}

}  // namespace

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::Ref: return "ref";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
    case Isa::Avx512Vnni: return "avx512vnni";
    case Isa::Amx: return "amx";
    case Isa::Neon: return "neon";
    case Isa::NeonDot: return "neondot";
    case Isa::NeonI8mm: return "neoni8mm";
  }
  return "unknown";
}

Isa parse_isa(std::string_view name) {
  const std::string key = lower(name);
  if (key == "none" || key == "scalar") return Isa::Ref;
  for (Isa isa : kAllIsas) {
    if (key == isa_name(isa)) return isa;
  }
  OCTET_FAIL("parse_isa", "unknown ISA level '", name, "'; valid names: ", kValidIsaNames);
}

const CpuFeatures& cpu_features() { return detection().features; }

bool isa_supported_by_hardware(Isa isa) { return hardware_rejection_reason(isa).empty(); }

bool isa_usable(Isa isa) {
  return within_cap(isa, current_cap().first) && isa_supported_by_hardware(isa);
}

std::string isa_rejection_reason(Isa isa) {
  std::string reason = hardware_rejection_reason(isa);
  if (!reason.empty()) return reason;
  const auto [cap, source] = current_cap();
  if (within_cap(isa, cap)) return {};
  if (source == CapSource::Env) {
    return detail::str_cat("capped by OCTET_MAX_ISA=", cap_state().env_value);
  }
  return detail::str_cat("capped by set_max_isa(", isa_name(cap), ")");
}

Isa best_isa() {
  const Isa cap = current_cap().first;
  Isa best = Isa::Ref;
  for (Isa isa : kAllIsas) {
    if (isa_arch(isa) != kBuildArch) continue;
    if (within_cap(isa, cap) && isa_supported_by_hardware(isa) && isa_rank(isa) > isa_rank(best)) {
      best = isa;
    }
  }
  return best;
}

void set_max_isa(Isa isa) {
  OCTET_CHECK(static_cast<size_t>(isa) < kAllIsas.size(), "set_max_isa", "unknown Isa value ",
              static_cast<size_t>(isa), "; valid levels: ", kValidIsaNames);
  cap_state().cap.store(pack_cap(isa, CapSource::Api), std::memory_order_release);
}

Isa max_isa() { return current_cap().first; }

std::vector<std::string> cpu_feature_names(const CpuFeatures& f) {
  const std::pair<const char*, bool> all[] = {
      {"sse4_1", f.sse41},         {"avx", f.avx},
      {"avx2", f.avx2},            {"fma", f.fma},
      {"f16c", f.f16c},            {"avx512f", f.avx512f},
      {"avx512bw", f.avx512bw},    {"avx512vl", f.avx512vl},
      {"avx512dq", f.avx512dq},    {"avx512_vnni", f.avx512_vnni},
      {"avx_vnni", f.avx_vnni},    {"avx512_bf16", f.avx512_bf16},
      {"amx_tile", f.amx_tile},    {"amx_int8", f.amx_int8},
      {"amx_bf16", f.amx_bf16},    {"asimd", f.asimd},
      {"dotprod", f.dotprod},      {"i8mm", f.i8mm},
  };
  std::vector<std::string> names;
  for (const auto& [name, present] : all) {
    if (present) names.emplace_back(name);
  }
  return names;
}

}  // namespace octet
