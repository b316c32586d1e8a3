// kernel_inventory.cpp: gathers the compiled-kernel lists of every integer family and marks what dispatch selects.
#include "kernels/kernel_inventory.h"

#include <string_view>

#include "kernels/qdwconv_kernels.h"
#include "kernels/qelementwise_kernels.h"
#include "kernels/qembedding_kernels.h"
#include "kernels/qgemm_kernels.h"
#include "kernels/qpool_kernels.h"
#include "kernels/quantize_kernels.h"

namespace octet::kernels {
namespace {

std::string family_of(std::string_view name) { return std::string(name.substr(0, name.find("__"))); }

// For families whose dispatch takes the first usable variant in list order (best first).
template <typename List>
void add_best_first(const List& list, std::vector<InventoryRow>& out) {
  std::vector<std::string> done;
  for (const auto& k : list) {
    InventoryRow row{family_of(k.name), std::string(k.name), k.isa, isa_usable(k.isa), false};
    if (row.usable) {
      bool seen = false;
      for (const std::string& f : done) seen = seen || f == row.family;
      if (!seen) {
        row.selected = true;
        done.push_back(row.family);
      }
    }
    out.push_back(std::move(row));
  }
}

// For families with their own pick (a tile choice, an opt-in level): selected == the picked name.
template <typename List>
void add_picked(const List& list, std::string_view family, const std::vector<std::string_view>& picked,
                std::vector<InventoryRow>& out) {
  for (const auto& k : list) {
    InventoryRow row{std::string(family), std::string(k.name), k.isa, isa_usable(k.isa), false};
    for (std::string_view p : picked) row.selected = row.selected || (!p.empty() && p == k.name);
    out.push_back(std::move(row));
  }
}

}  // namespace

std::vector<InventoryRow> kernel_inventory() {
  std::vector<InventoryRow> out;
  add_best_first(compiled_kernels(), out);
  const QGemmKernels gemm = qgemm_kernels();
  std::vector<QGemmKernel> exact, fast7;
  for (const QGemmKernel& k : qgemm_compiled_kernels()) (k.act_bits == 7 ? fast7 : exact).push_back(k);
  add_picked(exact, "qu8_qs8w_gemm", {gemm.exact.name}, out);
  add_picked(fast7, "qu7_qs8w_gemm", {gemm.fast7.fn != nullptr ? gemm.fast7.name : std::string_view()}, out);
  const QIGemmKernels igemm = qigemm_kernels();
  std::vector<QIGemmKernel> iexact, ifast7;
  for (const QIGemmKernel& k : qigemm_compiled_kernels()) (k.act_bits == 7 ? ifast7 : iexact).push_back(k);
  add_picked(iexact, "qu8_qs8w_igemm", {igemm.exact.name}, out);
  add_picked(ifast7, "qu7_qs8w_igemm", {igemm.fast7.fn != nullptr ? igemm.fast7.name : std::string_view()}, out);
  add_picked(qdwconv_compiled_kernels(), "qu8_qs8w_dwconv_fp32", {qdwconv_kernel().name}, out);
  const QDwConvRowqKernel rowq = qdwconv_rowq_kernel();
  add_picked(qdwconv_rowq_compiled_kernels(), "qu8_qs8w_dwconv_rowq_fp32",
             {rowq.fn != nullptr ? rowq.name : std::string_view()}, out);
  const QDwConvRowpKernel rowp = qdwconv_rowp_kernel();
  add_picked(qdwconv_rowp_compiled_kernels(), "qu8_qs8w_dwconv_rowp_fp32",
             {rowp.fn != nullptr ? rowp.name : std::string_view()}, out);
  add_best_first(qelementwise_compiled_kernels(), out);
  add_best_first(qpool_compiled_kernels(), out);
  add_best_first(qembedding_compiled_kernels(), out);
  return out;
}

}  // namespace octet::kernels
