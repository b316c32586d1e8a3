// cpu_features.h: what the processor and OS support, detected once, and the OCTET_MAX_ISA cap.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace octet {

// Instruction-set features, each true only when the CPU reports it AND the OS saves the register
// state it needs (XCR0 for YMM/ZMM/AMX tiles; Linux arch_prctl permission for AMX tile data).
struct CpuFeatures {
  std::string vendor;  // "GenuineIntel", "AuthenticAMD", "ARM", ...
  std::string brand;   // the CPU model string when available
  // x86-64
  bool sse41 = false, avx = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512_vnni = false, avx_vnni = false, avx512_bf16 = false;
  bool amx_tile = false, amx_int8 = false, amx_bf16 = false;
  // aarch64
  bool asimd = false, dotprod = false, i8mm = false;
};

// Kernel instruction-set levels, ordered: a level implies the ones before it on its architecture.
enum class Isa {
  Ref,         // portable scalar C++, always available
  Avx2,        // AVX2 + FMA + F16C
  Avx512,      // AVX-512 F/BW/VL/DQ
  Avx512Vnni,  // + VNNI (vpdpbusd)
  Amx,         // + AMX tiles, int8
  Neon,        // aarch64 Advanced SIMD
  NeonDot,     // + sdot/udot
  NeonI8mm,    // + smmla/ummla
};

std::string_view isa_name(Isa isa);  // "ref", "avx2", "avx512", "avx512vnni", "amx", "neon", ...
// Parses an OCTET_MAX_ISA value (case-insensitive; "none"/"scalar" mean ref). An Error listing the
// valid names for anything else.
Isa parse_isa(std::string_view name);

// Detected once, on first use (thread-safe).
const CpuFeatures& cpu_features();

// Whether the hardware (and OS) supports every feature a level needs, ignoring OCTET_MAX_ISA.
bool isa_supported_by_hardware(Isa isa);
// Whether kernels of this level may run: supported by the hardware and not above the cap.
// The cap comes from the OCTET_MAX_ISA environment variable at first use, or set_max_isa().
bool isa_usable(Isa isa);
// Why a level is not usable, or "" when it is ("not supported by this CPU: missing avx512_vnni",
// "capped by OCTET_MAX_ISA=avx2", "an x86-64 level, and this build targets aarch64", ...).
std::string isa_rejection_reason(Isa isa);
// The best usable level for this architecture.
Isa best_isa();
// Caps the usable level at run time (tests use this to exercise each path on one machine).
// It overrides OCTET_MAX_ISA, including an invalid one.
void set_max_isa(Isa isa);
// The cap in force: OCTET_MAX_ISA (read once, at first use; unset or empty means no cap), or
// the last set_max_isa(). With no cap, the top level of this architecture (amx on x86-64,
// neoni8mm on aarch64). A cap naming another architecture's level does not restrict this one.
// An invalid OCTET_MAX_ISA makes max_isa, isa_usable, isa_rejection_reason and best_isa throw
// an Error naming the value and the valid names (never a crash at start-up).
Isa max_isa();

// The feature names that are true, e.g. {"avx2", "fma", "f16c"}.
std::vector<std::string> cpu_feature_names(const CpuFeatures& f);

}  // namespace octet
