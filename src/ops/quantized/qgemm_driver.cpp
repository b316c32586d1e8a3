// qgemm_driver.cpp: packed 8-bit GEMM weights and the blocked, threaded driver over the qgemm microkernels.
#include "ops/quantized/qgemm_driver.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <new>

#include "octet/engine.h"
#include "octet/error.h"

namespace octet::ops {
namespace {

// Weights per N chunk. The chunk is re-read by every MR-row sliver of its M chunk, so it should
// stay in L2: 512 KB is half of the smallest L2 of the server cores Octet targets (1 MB on
// Skylake-SP / Ice Lake / Zen 4; 2 MB on Sapphire Rapids), leaving room for the activation rows
// and the output. Client cores with 256 KB L2 then stream it from L3, which VNNI-less AVX2 (the
// slower kernel) tolerates. BERT's K = 768 with NR = 32 gives 21 panels (672 columns) per chunk.
constexpr int64_t kWeightBlockBytes = 512 * 1024;
// Rows per M chunk: a unit of work small enough that 128-row products spread over several
// threads, large enough that a weight chunk is reused by a few slivers before the next item.
constexpr int64_t kMChunkRows = 64;
// Multiply-adds per extra thread: ~1M MACs is 5-20 microseconds of one core (VNNI to AVX2), a few
// times what waking a thread and joining it costs; below that a parallel region saves nothing.
constexpr int64_t kMacsPerThread = 1 << 20;
// Activation rows packed per parallel task.
constexpr int64_t kPackRows = 32;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

int32_t wrap32(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }

// A 64-byte-aligned byte buffer that only grows: one per calling thread keeps the packed
// activations warm and free of page faults from call to call.
class ByteScratch {
 public:
  void* get(size_t bytes) {
    if (bytes > size_) {
      const size_t want = std::max(bytes, size_ + size_ / 2);
      const size_t rounded = (want + 63) / 64 * 64;
      data_.reset(std::aligned_alloc(64, rounded));
      if (!data_) throw std::bad_alloc();
      size_ = rounded;
    }
    return data_.get();
  }

 private:
  struct Free {
    void operator()(void* p) const { std::free(p); }
  };
  std::unique_ptr<void, Free> data_;
  size_t size_ = 0;
};

// Slot 0: packed activations; 1: a_sum; 2: col_init.
void* scratch(int slot, size_t bytes) {
  thread_local ByteScratch buffers[3];
  return buffers[slot].get(std::max<size_t>(bytes, 64));
}

size_t output_element_size(kernels::QGemmOutput stage) {
  switch (stage) {
    case kernels::QGemmOutput::S32: return sizeof(int32_t);
    case kernels::QGemmOutput::QU8: return sizeof(uint8_t);
    case kernels::QGemmOutput::QS8: return sizeof(int8_t);
    case kernels::QGemmOutput::F32: return sizeof(float);
  }
  return 1;
}

// How one call splits into work items: N chunks (runs of whole panels) times M chunks (runs of
// slivers). Slivers have equal heights over all of M (128 rows with MR 14: 8 x 13 + 2 x 12 rather
// than 9 x 14 + 2): a short sliver has too few accumulators to hide the multiply latency. Chunks are
// balanced too (24 panels in 2 chunks: 12 + 12, not 21 + 3). Item i is N chunk i / m_chunks,
// M chunk i % m_chunks: consecutive items share a weight chunk.
struct Plan {
  int64_t slivers = 1, base = 0, extra = 0;  // sliver s: base (+1 for s < extra) rows
  int64_t m_chunks = 1;
  int64_t panels = 1, n_chunks = 1;
  int64_t items() const { return m_chunks * n_chunks; }
  int64_t row_of(int64_t s) const { return s * base + std::min(s, extra); }
  int64_t height(int64_t s) const { return base + (s < extra ? 1 : 0); }
  int64_t sliver_begin(int64_t c) const { return c * slivers / m_chunks; }
  int64_t panel_begin(int64_t c) const { return c * panels / n_chunks; }
};

Plan make_plan(int64_t m, int64_t n, int64_t kp, int64_t mr, int64_t nr, int threads) {
  Plan p;
  p.slivers = ceil_div(m, mr);
  p.base = m / p.slivers;
  p.extra = m % p.slivers;
  // One thread visits the items in order, N chunk by N chunk: then M chunks change nothing but cost
  // their bookkeeping (a few divisions per item, noticeable when K is tiny).
  p.m_chunks = threads > 1 ? ceil_div(p.slivers, std::max<int64_t>(1, kMChunkRows / mr)) : 1;
  p.panels = ceil_div(n, nr);
  const int64_t max_panels = std::clamp<int64_t>(kWeightBlockBytes / std::max<int64_t>(nr * kp, 1), 1, p.panels);
  p.n_chunks = ceil_div(p.panels, max_panels);
  if (threads > 1) {
    // About 4 items per thread, so a thread the OS delays costs its items, not a fixed share;
    // more N chunks make them when M alone does not.
    p.n_chunks = std::max(p.n_chunks, std::min(p.panels, ceil_div(4 * threads, p.m_chunks)));
  }
  return p;
}

}  // namespace

QGemmPackedWeights::QGemmPackedWeights(int64_t n, int64_t k, const int8_t* w, int64_t w_stride,
                                       const std::vector<int32_t>& zero_points, int64_t k_real)
    : n_(n), k_(k), k_real_(k_real < 0 ? k : k_real) {
  const char* where = "QGemmPackedWeights";
  OCTET_CHECK(n >= 0 && k >= 0, where, "sizes must be >= 0, got n = ", n, ", k = ", k);
  OCTET_CHECK(k_real_ <= k, where, "k_real (", k_real_, ") must not exceed k (", k, ")");
  OCTET_CHECK(zero_points.size() == 1 || static_cast<int64_t>(zero_points.size()) == n, where,
              "expected 1 or ", n, " weight zero points, got ", zero_points.size());
  weights_.resize(static_cast<size_t>(n * k));
  col_sums_.assign(static_cast<size_t>(n), 0);
  zero_points_.resize(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    const int8_t* row = w + j * w_stride;
    int32_t sum = 0;
    for (int64_t kk = 0; kk < k; ++kk) {
      weights_[static_cast<size_t>(j * k + kk)] = row[kk];
      sum += row[kk];  // |sum| <= 128 * K: fits int32 for any K below 2^24
    }
    col_sums_[static_cast<size_t>(j)] = sum;
    zero_points_[static_cast<size_t>(j)] = zero_points.size() == 1 ? zero_points[0] : zero_points[static_cast<size_t>(j)];
    if (zero_points_[static_cast<size_t>(j)] != 0) symmetric_ = false;
  }
  (void)panels(kernels::qgemm_kernels().exact.nr);
}

std::shared_ptr<const QGemmPackedWeights::Panels> QGemmPackedWeights::panels(size_t nr) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (panels_ != nullptr && panels_->nr == nr) return panels_;
  // A new width (another ISA cap since the last call): repack from the kept rows. The previous
  // block lives on while a caller still holds it.
  auto p = std::make_shared<Panels>();
  p->nr = nr;
  const auto n = static_cast<size_t>(n_), k = static_cast<size_t>(k_);
  p->data.resize(kernels::qgemm_packed_size(n, k, nr));
  if (!p->data.empty()) kernels::qgemm_pack_weights(n, k, nr, weights_.data(), k, p->data.data());
  panels_ = std::move(p);
  return panels_;
}

namespace {

// One call's state once the activations are in the packed format (packed by qgemm() or handed
// over by qgemm_packed()): the kernels, panels, col_init and the per-tile loop.
class Run {
 public:
  Run(int64_t m, const QGemmPackedWeights& w, const int32_t* bias_q, const QGemmOutputSpec& out, int64_t za,
      int threads)
      : m_(m), n_(w.n()), k_(w.k()), kp_((w.k() + 3) / 4 * 4), w_(w), out_(out), kernels_(kernels::qgemm_kernels()) {
    panels_ = w.panels(kernels_.exact.nr);
    nr_ = static_cast<int64_t>(kernels_.exact.nr);
    // col_init[j] = bias_q[j] - za * colsum[j] + K * za * zw[j], formed in int64 and wrapped once
    // (the same value mod 2^32 as the kernels' wrapping sums).
    col_init_ = static_cast<int32_t*>(scratch(2, static_cast<size_t>(n_) * sizeof(int32_t)));
    const std::vector<int32_t>& colsum = w.col_sums();
    const std::vector<int32_t>& zw = w.zero_points();
    for (int64_t j = 0; j < n_; ++j) {
      const auto js = static_cast<size_t>(j);
      const int64_t b = bias_q != nullptr ? bias_q[j] : 0;
      col_init_[j] = wrap32(b - za * colsum[js] + w.k_real() * za * zw[js]);
    }
    nt_ = threads > 0 ? threads : get_num_threads();
    if (omp_in_parallel()) nt_ = 1;
    const int64_t macs = m * n_ * std::max<int64_t>(k_, 1);
    nt_ = static_cast<int>(std::clamp<int64_t>(ceil_div(macs, kMacsPerThread), 1, nt_));
    base_.output = out.stage;
    base_.zero_point = out.zero_point;
    base_.qmin = out.qmin;
    base_.qmax = out.qmax;
    base_.min = out.min;
    base_.max = out.max;
    out_elem_ = output_element_size(out.stage);
    // The thread count follows the exact kernel's plan (the fast one's differs by a few items).
    nt_ = static_cast<int>(std::min<int64_t>(nt_, plan(kernels_.exact.mr).items()));
  }

  int threads() const { return nt_; }

  // The 7-bit kernel when every packed byte allows it (the choice changes speed, never the answer).
  const kernels::QGemmKernel& pick(int max_byte) const {
    return kernels_.fast7.fn != nullptr && max_byte <= 127 ? kernels_.fast7 : kernels_.exact;
  }
  // Row slivers follow the chosen kernel's own MR (the 7-bit kernel may have another tile height).
  Plan plan(size_t mr) const { return make_plan(m_, n_, kp_, static_cast<int64_t>(mr), nr_, nt_); }

  // Every tile of item `it`: tile_fn(h, nc, r, w, c, p) runs the kernel on rows [r, r + h), the panel
  // at w and the nc columns of c (row r) that p's per-column pointers start at.
  template <class TileFn>
  void item(const Plan& pl, int64_t it, const int32_t* a_sum, TileFn&& tile_fn) const {
    const int64_t nc_i = it / pl.m_chunks, mc_i = it % pl.m_chunks;
    const int64_t j0 = pl.panel_begin(nc_i) * nr_, j1 = std::min(n_, pl.panel_begin(nc_i + 1) * nr_);
    const int32_t* zw = w_.zero_points().data();
    kernels::QGemmParams p = base_;
    for (int64_t sl = pl.sliver_begin(mc_i); sl < pl.sliver_begin(mc_i + 1); ++sl) {
      const int64_t r = pl.row_of(sl), h = pl.height(sl);
      p.a_sum = a_sum != nullptr ? a_sum + r : nullptr;
      char* c_rows = static_cast<char*>(out_.c) + r * out_.c_stride;
      for (int64_t j = j0; j < j1; j += nr_) {
        p.col_init = col_init_ + j;
        p.w_zero_point = zw + j;
        if (out_.multiplier != nullptr) p.multiplier = out_.multiplier + j;
        if (out_.scale != nullptr) p.scale = out_.scale + j;
        p.bias = out_.bias != nullptr ? out_.bias + j : nullptr;
        tile_fn(static_cast<size_t>(h), static_cast<size_t>(std::min(nr_, j1 - j)), r, panels_->data.data() + j * kp_,
                c_rows + static_cast<size_t>(j) * out_elem_, &p);
      }
    }
  }

  // item() for the GEMM kernels on rows at a + i * a_stride.
  void item(const Plan& pl, int64_t it, const kernels::QGemmKernel& kern, const uint8_t* a, int64_t a_stride,
            const int32_t* a_sum) const {
    item(pl, it, a_sum,
         [&](size_t h, size_t nc, int64_t r, const int8_t* w, char* c, const kernels::QGemmParams* p) {
           kern.fn(h, nc, static_cast<size_t>(kp_), a + r * a_stride, static_cast<size_t>(a_stride), w, c,
                   static_cast<size_t>(out_.c_stride), p);
         });
  }

  size_t c_stride() const { return static_cast<size_t>(out_.c_stride); }

 private:
  int64_t m_, n_, k_, kp_, nr_ = 1;
  const QGemmPackedWeights& w_;
  const QGemmOutputSpec& out_;
  kernels::QGemmKernels kernels_;
  std::shared_ptr<const QGemmPackedWeights::Panels> panels_;
  int32_t* col_init_ = nullptr;
  kernels::QGemmParams base_;
  size_t out_elem_ = 1;
  int nt_ = 1;
};

}  // namespace

void qgemm(int64_t m, const QGemmActivations& a, const QGemmPackedWeights& w, const int32_t* bias_q,
           const QGemmOutputSpec& out, int threads) {
  const int64_t n = w.n(), k = w.k();
  if (m <= 0 || n <= 0) return;
  const int64_t kp = (k + 3) / 4 * 4;
  // qint8 activations run as offset bytes: a ^ 0x80 == a + 128, zero point za + 128.
  const uint8_t flip = a.is_signed ? 0x80 : 0x00;
  const int64_t za = static_cast<int64_t>(a.zero_point) + (a.is_signed ? 128 : 0);
  const Run run(m, w, bias_q, out, za, threads);
  int32_t* a_sum = w.symmetric() ? nullptr : static_cast<int32_t*>(scratch(1, static_cast<size_t>(m) * sizeof(int32_t)));
  auto* a_packed = static_cast<uint8_t*>(scratch(0, static_cast<size_t>(m * kp)));
  const int64_t pack_tasks = ceil_div(m, kPackRows);
  auto pack = [&](int64_t t) {
    const int64_t r0 = t * kPackRows, rows = std::min(kPackRows, m - r0);
    return static_cast<int>(kernels::qgemm_pack_activations(
        static_cast<size_t>(rows), static_cast<size_t>(k), a.data + r0 * a.stride, static_cast<size_t>(a.stride),
        flip, a_packed + r0 * kp, static_cast<size_t>(kp), a_sum != nullptr ? a_sum + r0 : nullptr));
  };

  int max_byte = 0;
  if (run.threads() <= 1) {
    for (int64_t t = 0; t < pack_tasks; ++t) max_byte = std::max(max_byte, pack(t));
    const kernels::QGemmKernel& kern = run.pick(max_byte);
    const Plan pl = run.plan(kern.mr);
    for (int64_t it = 0; it < pl.items(); ++it) run.item(pl, it, kern, a_packed, kp, a_sum);
    return;
  }
#pragma omp parallel num_threads(run.threads())
  {
#pragma omp for schedule(static) reduction(max : max_byte)
    for (int64_t t = 0; t < pack_tasks; ++t) max_byte = std::max(max_byte, pack(t));
    // The loop's barrier has combined max_byte: every thread picks the same kernel and plan.
    const kernels::QGemmKernel& kern = run.pick(max_byte);
    const Plan pl = run.plan(kern.mr);
#pragma omp for schedule(dynamic, 1)
    for (int64_t it = 0; it < pl.items(); ++it) run.item(pl, it, kern, a_packed, kp, a_sum);
  }
}

void qgemm_packed(int64_t m, const QGemmPackedActivations& a, const QGemmPackedWeights& w, const int32_t* bias_q,
                  const QGemmOutputSpec& out, int threads) {
  const int64_t n = w.n();
  if (m <= 0 || n <= 0) return;
  OCTET_CHECK(a.row_sums != nullptr || w.symmetric(), "qgemm_packed",
              "the weights have nonzero zero points: the activations' row sums are required");
  const Run run(m, w, bias_q, out, a.zero_point, threads);
  const kernels::QGemmKernel& kern = run.pick(a.max_byte);
  const Plan pl = run.plan(kern.mr);
  const int32_t* a_sum = w.symmetric() ? nullptr : a.row_sums;
  if (run.threads() <= 1) {
    for (int64_t it = 0; it < pl.items(); ++it) run.item(pl, it, kern, a.data, a.stride, a_sum);
    return;
  }
#pragma omp parallel for num_threads(run.threads()) schedule(dynamic, 1)
  for (int64_t it = 0; it < pl.items(); ++it) run.item(pl, it, kern, a.data, a.stride, a_sum);
}

void qgemm_indirect(int64_t m, const QGemmIndirectActivations& a, const QGemmPackedWeights& w, const int32_t* bias_q,
                    const QGemmOutputSpec& out, int threads) {
  const int64_t n = w.n();
  if (m <= 0 || n <= 0) return;
  OCTET_CHECK(a.row_sums != nullptr || w.symmetric(), "qgemm_indirect",
              "the weights have nonzero zero points: the activations' row sums are required");
  OCTET_CHECK(a.ks >= 1 && a.kc >= 4 && a.kc % 4 == 0 && a.ks * a.kc == (w.k() + 3) / 4 * 4, "qgemm_indirect",
              "expected ks * kc == round_up(K, 4) with kc a multiple of 4, got ks = ", a.ks, ", kc = ", a.kc,
              ", K = ", w.k());
  const Run run(m, w, bias_q, out, a.zero_point, threads);
  const kernels::QIGemmKernels ik = kernels::qigemm_kernels();
  const kernels::QIGemmKernel& kern = ik.fast7.fn != nullptr && a.max_byte <= 127 ? ik.fast7 : ik.exact;
  const Plan pl = run.plan(kern.mr);
  const int32_t* a_sum = w.symmetric() ? nullptr : a.row_sums;
  const auto ks = static_cast<size_t>(a.ks), kc = static_cast<size_t>(a.kc);
  auto item = [&](int64_t it) {
    run.item(pl, it, a_sum, [&](size_t h, size_t nc, int64_t r, const int8_t* wp, char* c, const kernels::QGemmParams* p) {
      kern.fn(h, nc, kc, ks, a.rows + r * a.ks, wp, c, run.c_stride(), p);
    });
  };
  if (run.threads() <= 1) {
    for (int64_t it = 0; it < pl.items(); ++it) item(it);
    return;
  }
#pragma omp parallel for num_threads(run.threads()) schedule(dynamic, 1)
  for (int64_t it = 0; it < pl.items(); ++it) item(it);
}

}  // namespace octet::ops
