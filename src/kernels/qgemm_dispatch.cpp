// qgemm_dispatch.cpp: picks the 8-bit GEMM kernels for the current ISA cap (with the OCTET_VERBOSE log); packs weights and activations.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "core/verbose.h"
#include "kernels/level_dispatch.h"
#include "kernels/qgemm_kernels.h"
#include "octet/error.h"

namespace octet::kernels {
namespace {

std::string rejection_line(const QGemmKernel& k, const std::string& why) {
  std::ostringstream os;
  os << "qgemm: " << k.name << " rejected: " << why;
  return os.str();
}

// AMX kernels are compiled and guarded but have not yet run on an AMX machine, so until they are
// verified there they are only picked on request (OCTET_ENABLE_AMX=1); the tests run them directly
// wherever the CPU has AMX. "" when the kernel may be picked.
std::string unverified_reason(const QGemmKernel& k) {
  if (k.isa != Isa::Amx) return "";
  static const bool enabled = [] {
    const char* env = std::getenv("OCTET_ENABLE_AMX");
    return env != nullptr && std::string(env) == "1";
  }();
  return enabled ? "" : "AMX kernels are not yet verified on AMX hardware: set OCTET_ENABLE_AMX=1 to use them";
}

// A pick as indices into qgemm_compiled_kernels() (fast7: -1 when none), the cache's currency.
struct PickIndex {
  int exact = -1;
  int fast7 = -1;
};

PickIndex pick_index(std::vector<std::string>* log) {
  const std::vector<QGemmKernel>& all = qgemm_compiled_kernels();
  PickIndex pick;
  // The exact kernel: the first usable 8-bit one (the list goes best first, __scalar last).
  for (size_t i = 0; i < all.size(); ++i) {
    const QGemmKernel& cand = all[i];
    if (cand.act_bits != 8) continue;
    std::string why = isa_rejection_reason(cand.isa);
    if (why.empty()) why = unverified_reason(cand);
    if (why.empty()) {
      pick.exact = static_cast<int>(i);
      break;
    }
    if (log != nullptr) log->push_back(rejection_line(cand, why));
  }
  if (pick.exact < 0) OCTET_FAIL("qgemm_kernels", "no usable 8-bit GEMM kernel (the __scalar one is missing)");
  const QGemmKernel& exact = all[static_cast<size_t>(pick.exact)];
  // The 7-bit kernel: the first one of the exact kernel's level and panel width. Its tile height may
  // differ from the exact kernel's: the driver sizes row slivers by the chosen kernel's own mr.
  for (size_t i = 0; i < all.size(); ++i) {
    const QGemmKernel& cand = all[i];
    if (cand.act_bits != 7) continue;
    std::string why = isa_rejection_reason(cand.isa);
    if (why.empty()) why = unverified_reason(cand);
    if (why.empty() && cand.isa != exact.isa) {
      why = "the exact kernel's level (";
      why.append(isa_name(exact.isa)).append(") has no 7-bit kernel of its own");
    } else if (why.empty() && cand.nr != exact.nr) {
      why = "panel width differs from the exact kernel's (nr ";
      why.append(std::to_string(cand.nr)).append(" vs ").append(std::to_string(exact.nr)).append(")");
    }
    if (why.empty() && pick.fast7 < 0) {
      pick.fast7 = static_cast<int>(i);
    } else if (!why.empty() && log != nullptr) {
      log->push_back(rejection_line(cand, why));
    }
  }
  if (log != nullptr) {
    std::ostringstream os;
    os << "qgemm: picked " << exact.name << " (" << exact.mr << "x" << exact.nr << ", any activation byte)";
    if (pick.fast7 >= 0) {
      const QGemmKernel& f = all[static_cast<size_t>(pick.fast7)];
      os << " and " << f.name << " (" << f.mr << "x" << f.nr << ", activation bytes <= 127)";
    } else {
      os << "; no 7-bit kernel";
    }
    os << " (ISA cap " << isa_name(max_isa()) << ")";
    log->push_back(os.str());
  }
  return pick;
}

QGemmKernels from_index(PickIndex pick) {
  const std::vector<QGemmKernel>& all = qgemm_compiled_kernels();
  QGemmKernels k;
  k.exact = all[static_cast<size_t>(pick.exact)];
  if (pick.fast7 >= 0) k.fast7 = all[static_cast<size_t>(pick.fast7)];
  k.isa = k.exact.isa;
  return k;
}

// The pick depends only on the cap (the hardware never changes), so it is cached per cap value;
// 0 means not yet picked, else exact + 1 in the low 16 bits and fast7 + 1 above them.
std::array<std::atomic<uint32_t>, kNumIsaLevels> g_pick_by_cap{};

uint32_t encode(PickIndex p) {
  return static_cast<uint32_t>(p.exact + 1) | (static_cast<uint32_t>(p.fast7 + 1) << 16);
}
PickIndex decode(uint32_t code) {
  return PickIndex{static_cast<int>(code & 0xFFFF) - 1, static_cast<int>(code >> 16) - 1};
}

// The verbose log says each distinct pick once, however many calls or caps lead to it: on the first
// call that makes it while the log is on (the pick may have been cached before the log was turned on).
// The exact kernel determines the pick (fast7 follows from it), so it is the key.
constexpr size_t kMaxLogged = 64;
std::array<std::atomic<bool>, kMaxLogged> g_logged{};

void log_pick_once(PickIndex pick) {
  const auto key = static_cast<size_t>(pick.exact);
  if (key < kMaxLogged && g_logged[key].load(std::memory_order_relaxed)) return;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);  // one log at a time, and each once
  if (key < kMaxLogged && g_logged[key].exchange(true)) return;
  std::vector<std::string> lines;
  (void)pick_index(&lines);
  for (const std::string& line : lines) verbose_log(line);
}

}  // namespace

const std::vector<QGemmKernel>& qgemm_compiled_kernels() {
  static const std::vector<QGemmKernel> kernels = {
#define OCTET_QGEMM_UKERNEL(arch, name, isa, level, mr, nr, act_bits) \
  OCTET_IF_ARCH_##arch(QGemmKernel{&name##__##isa, mr, nr, act_bits, Isa::level, #name "__" #isa}, )
#include "kernels/qgemm_kernels.inc"
#undef OCTET_QGEMM_UKERNEL
  };
  return kernels;
}

QGemmKernels qgemm_pick(std::vector<std::string>* log) { return from_index(pick_index(log)); }

QGemmKernels qgemm_kernels() {
  const Isa cap = max_isa();
  const size_t slot = isa_level_index(cap);
  uint32_t code = slot < kNumIsaLevels ? g_pick_by_cap[slot].load(std::memory_order_acquire) : 0;
  if (code == 0) {
    code = encode(pick_index(nullptr));
    // A cap changed by another thread mid-pick would file this pick under the wrong key: skip the cache.
    if (slot < kNumIsaLevels && max_isa() == cap) g_pick_by_cap[slot].store(code, std::memory_order_release);
  }
  const PickIndex pick = decode(code);
  if (verbose_enabled()) log_pick_once(pick);
  return from_index(pick);
}

const std::vector<QIGemmKernel>& qigemm_compiled_kernels() {
  static const std::vector<QIGemmKernel> kernels = {
#define OCTET_QIGEMM_UKERNEL(arch, name, isa, level, mr, nr, act_bits) \
  OCTET_IF_ARCH_##arch(QIGemmKernel{&name##__##isa, mr, nr, act_bits, Isa::level, #name "__" #isa}, )
#include "kernels/qigemm_kernels.inc"
#undef OCTET_QIGEMM_UKERNEL
  };
  return kernels;
}

QIGemmKernels qigemm_kernels() {
  // Panels are packed for the GEMM kernel's width, so the igemm kernel must read that width (at the
  // AMX level: the VNNI kernel, NR = 32 as well).
  const size_t nr = qgemm_kernels().exact.nr;
  QIGemmKernels k;
  for (const QIGemmKernel& cand : qigemm_compiled_kernels()) {
    if (cand.act_bits == 8 && cand.nr == nr && isa_usable(cand.isa)) {
      k.exact = cand;
      break;
    }
  }
  if (k.exact.fn == nullptr) OCTET_FAIL("qigemm_kernels", "no usable 8-bit igemm kernel of panel width ", nr);
  for (const QIGemmKernel& cand : qigemm_compiled_kernels()) {
    if (cand.act_bits == 7 && cand.nr == nr && cand.isa == k.exact.isa) {
      k.fast7 = cand;
      break;
    }
  }
  k.isa = k.exact.isa;
  return k;
}

size_t qgemm_packed_size(size_t n, size_t k, size_t nr) {
  OCTET_CHECK(nr > 0, "qgemm_packed_size", "panel width nr must be > 0");
  const size_t np = (n + nr - 1) / nr * nr;
  const size_t kp = (k + 3) / 4 * 4;
  return np * kp;
}

void qgemm_pack_weights(size_t n, size_t k, size_t nr, const int8_t* w, size_t w_stride, int8_t* packed) {
  OCTET_CHECK(nr > 0, "qgemm_pack_weights", "panel width nr must be > 0");
  const size_t kp = (k + 3) / 4 * 4;
  const size_t panels = (n + nr - 1) / nr;
  std::memset(packed, 0, panels * nr * kp);
  for (size_t p = 0; p < panels; ++p) {
    int8_t* panel = packed + p * nr * kp;
    for (size_t j = 0; j < nr && p * nr + j < n; ++j) {
      const int8_t* row = w + (p * nr + j) * w_stride;
      for (size_t kk = 0; kk < k; ++kk) panel[(kk / 4) * nr * 4 + j * 4 + kk % 4] = row[kk];
    }
  }
}

uint8_t qgemm_pack_activations__scalar(size_t m, size_t k, const uint8_t* a, size_t a_stride, uint8_t flip,
                                       uint8_t* packed, size_t packed_stride, int32_t* row_sum) {
  const size_t kp = (k + 3) / 4 * 4;
  uint8_t max_byte = 0;
  for (size_t i = 0; i < m; ++i) {
    const uint8_t* src = a + i * a_stride;
    uint8_t* dst = packed + i * packed_stride;
    uint32_t sum = 0;  // mod 2^32, like every term of the GEMM's sum
    uint8_t mx = 0;
    for (size_t kk = 0; kk < k; ++kk) {
      const uint8_t v = static_cast<uint8_t>(src[kk] ^ flip);
      dst[kk] = v;
      sum += v;
      mx = std::max(mx, v);
    }
    for (size_t kk = k; kk < kp; ++kk) dst[kk] = 0;
    if (row_sum != nullptr) row_sum[i] = static_cast<int32_t>(sum);
    max_byte = std::max(max_byte, mx);
  }
  return max_byte;
}

uint8_t qgemm_pack_activations(size_t m, size_t k, const uint8_t* a, size_t a_stride, uint8_t flip,
                               uint8_t* packed, size_t packed_stride, int32_t* row_sum) {
#if defined(OCTET_ARCH_X86)
  if (isa_usable(Isa::Avx2)) {
    return qgemm_pack_activations__avx2(m, k, a, a_stride, flip, packed, packed_stride, row_sum);
  }
#endif
  return qgemm_pack_activations__scalar(m, k, a, a_stride, flip, packed, packed_stride, row_sum);
}

uint8_t qgemm_scan_activations__scalar(size_t m, size_t k, const uint8_t* a, size_t a_stride, uint8_t flip,
                                       int32_t* row_sum) {
  uint8_t max_byte = 0;
  for (size_t i = 0; i < m; ++i) {
    const uint8_t* row = a + i * a_stride;
    uint32_t sum = 0;  // mod 2^32, like every term of the GEMM's sum
    for (size_t kk = 0; kk < k; ++kk) {
      sum += row[kk];
      max_byte = std::max(max_byte, static_cast<uint8_t>(row[kk] ^ flip));
    }
    if (row_sum != nullptr) row_sum[i] = static_cast<int32_t>(sum);
  }
  return max_byte;
}

uint8_t qgemm_scan_activations(size_t m, size_t k, const uint8_t* a, size_t a_stride, uint8_t flip, int32_t* row_sum) {
#if defined(OCTET_ARCH_X86)
  if (isa_usable(Isa::Avx2)) return qgemm_scan_activations__avx2(m, k, a, a_stride, flip, row_sum);
#endif
  return qgemm_scan_activations__scalar(m, k, a, a_stride, flip, row_sum);
}

}  // namespace octet::kernels
