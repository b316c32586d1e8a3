// kernel_inventory.h: every integer microkernel compiled into this build, with the one each family uses now (for `octet info`).
#pragma once

#include <string>
#include <vector>

#include "octet/cpu_features.h"

namespace octet::kernels {

struct InventoryRow {
  std::string family;  // the name without the ISA (and, for GEMM tiles, without the tile)
  std::string name;    // e.g. "qu8_qs8w_gemm_10x32c4__avx512vnni"
  Isa isa = Isa::Ref;
  bool usable = false;    // the ISA level is usable under the current cap
  bool selected = false;  // the operators call this one under the current cap
};

// The quantize, 8-bit GEMM, depthwise, elementwise, pooling and embedding families, each best ISA
// first, with the selection their dispatch makes under the current cap (set_max_isa / OCTET_MAX_ISA).
std::vector<InventoryRow> kernel_inventory();

}  // namespace octet::kernels
