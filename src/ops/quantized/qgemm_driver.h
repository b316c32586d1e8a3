// qgemm_driver.h: the 8-bit GEMM driver shared by quantized linear and convolution (internal).
//
// Every GEMM-based quantized operator reduces to
//
//   out[i][j] = stage( bias_q[j] + sum_k (a[i][k] - za) * (w[j][k] - zw[j]) )      i < M, j < N
//
// with a[] the activations' stored bytes (quint8 or qint8), w[] int8 weights in PyTorch's
// [out_features, in_features] layout (N rows of K), zw[j] per-column weight zero points (one value
// repeated for per-tensor weights), bias_q an optional int32 bias, and stage one of the
// microkernel output stages (kernels/qgemm_kernels.h: S32, QU8/QS8 requantization, F32). The sum
// is taken in wrapping 32-bit arithmetic (the int32 accumulator of NUMERICS.md; it cannot wrap
// unless K * 255 * 255 + |bias_q| passes 2^31, i.e. K above ~33000 with extreme values).
//
// The operator packs its weights once (QGemmPackedWeights) and calls qgemm() per call. qgemm():
//   1. packs the activations into rows of round_up(K, 4) bytes (qint8: a ^ 0x80 = a + 128 with zero
//      point za + 128, so one u8 x s8 kernel family serves both dtypes), with row sums when some
//      zw != 0, and finds the largest byte;
//   2. takes the qu7 kernel (qgemm_kernels().fast7) when that byte is <= 127, else the exact one;
//   3. computes col_init[j] = bias_q[j] - za * colsum[j] + K * za * zw[j] (mod 2^32);
//   4. runs the tiles, threaded and cache-blocked as below, with row slivers of the chosen kernel's
//      own MR (the 7-bit kernel's tile may be taller or shorter than the exact one's).
// qgemm_packed() starts at step 2 with activations the caller packed itself.
// The result does not depend on the kernel, the ISA cap or the thread count: every kernel equals
// the __scalar one bit for bit.
//
// Blocking (docs/kernels.md "Quantized linear"). The microkernel runs the whole K for its tile (its
// output stage needs the complete sum), so K is not blocked. Work items are
// (M chunk) x (N chunk): an N chunk is a run of weight panels of at most kWeightBlockBytes (the
// block stays in L2 while every MR-row sliver of the M chunk passes over it); inside an item, for
// each sliver (MR x K activation bytes, in L1) the panels of the chunk are visited in order.
// Slivers have equal heights over all of M and chunks are balanced. Threads take items
// dynamically (schedule(dynamic, 1), N-major order so threads share a weight block while it is
// hot); small products stay on one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "kernels/qgemm_kernels.h"

namespace octet::ops {

// Weights packed once for every later call. Keeps the original int8 rows (unpack(), repacking for
// another panel width) and the per-column terms the zero-point correction needs.
class QGemmPackedWeights {
 public:
  // n rows of k int8 (row j at w + j * w_stride, PyTorch's [out, in] layout); zero_points: n values
  // (per-channel) or 1 value (per-tensor, repeated). Packs the panels for the current kernel's NR.
  // k_real (default k): how many of the k columns are real; the others are pads with zero weights
  // whose activations are not part of the sum (an igemm segment's tail, qgemm_indirect): they add
  // nothing to sum a * w, and the zero-point term K * za * zw of col_init counts k_real columns.
  QGemmPackedWeights(int64_t n, int64_t k, const int8_t* w, int64_t w_stride, const std::vector<int32_t>& zero_points,
                     int64_t k_real = -1);

  int64_t n() const { return n_; }
  int64_t k() const { return k_; }
  int64_t k_real() const { return k_real_; }
  // The original weights, n x k row-major.
  const std::vector<int8_t>& weights() const { return weights_; }
  const std::vector<int32_t>& zero_points() const { return zero_points_; }  // n values
  const std::vector<int32_t>& col_sums() const { return col_sums_; }        // sum_k w[j][k]
  bool symmetric() const { return symmetric_; }                              // every zw == 0

  // The c4 panels for panel width nr (kernels/qgemm_kernels.h), packed on first use. Thread-safe;
  // the returned block stays valid while the caller holds it, even if another width is requested.
  struct Panels {
    size_t nr = 0;
    std::vector<int8_t> data;  // qgemm_packed_size(n, k, nr) bytes
  };
  std::shared_ptr<const Panels> panels(size_t nr) const;

 private:
  int64_t n_ = 0;
  int64_t k_ = 0;
  int64_t k_real_ = 0;
  std::vector<int8_t> weights_;
  std::vector<int32_t> zero_points_;
  std::vector<int32_t> col_sums_;
  bool symmetric_ = true;
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const Panels> panels_;  // the last width packed
};

// The A operand: m rows of k stored bytes, row i at data + i * stride (bytes).
struct QGemmActivations {
  const uint8_t* data = nullptr;
  int64_t stride = 0;
  int32_t zero_point = 0;  // in the dtype's own range (quint8 0..255, qint8 -128..127)
  bool is_signed = false;  // qint8: bytes are int8
};

// Where C goes and which output stage makes it (kernels::QGemmOutput). c row i is at
// c + i * c_stride bytes; element type int32 / uint8 / int8 / float by the stage.
struct QGemmOutputSpec {
  kernels::QGemmOutput stage = kernels::QGemmOutput::S32;
  void* c = nullptr;
  int64_t c_stride = 0;  // bytes
  // QU8 / QS8: q = clamp(nearbyint((float)acc * multiplier[j]) + zero_point, qmin, qmax)
  const float* multiplier = nullptr;  // n values
  int32_t zero_point = 0;
  int32_t qmin = 0;
  int32_t qmax = 255;
  // F32: y = clamp((float)acc * scale[j] + bias[j], min, max)
  const float* scale = nullptr;  // n values
  const float* bias = nullptr;   // n values or null
  float min = -__builtin_inff();
  float max = __builtin_inff();
};

// Runs the GEMM above for m rows (m == 0: nothing). bias_q: n int32 values or null. threads: the
// most threads to use (0: get_num_threads()); inside an enclosing parallel region it runs on one.
void qgemm(int64_t m, const QGemmActivations& a, const QGemmPackedWeights& w, const int32_t* bias_q,
           const QGemmOutputSpec& out, int threads = 0);

// Activations already in the driver's packed format, so that an operator that gathers them
// anyway (convolution's im2col) writes them once, or passes rows that already are (a 1x1
// convolution's channels-last input with K % 4 == 0): m rows, row i at data + i * stride (bytes),
// each of round_up(K, 4) offset bytes (quint8 as is; qint8 flipped, a ^ 0x80), the bytes past K zero.
struct QGemmPackedActivations {
  const uint8_t* data = nullptr;
  int64_t stride = 0;
  int32_t zero_point = 0;             // of the offset bytes: 0..255 (qint8: za + 128)
  const int32_t* row_sums = nullptr;  // m values, sum of each row's bytes mod 2^32 (kernels::
                                      // qgemm_scan_activations); required unless w.symmetric()
  int max_byte = 255;                 // an upper bound of every byte; <= 127 allows the 7-bit kernel
};

// The same GEMM as qgemm() on activations already packed: no copy. The result is the same for
// any valid max_byte bound (the bound only picks the kernel).
void qgemm_packed(int64_t m, const QGemmPackedActivations& a, const QGemmPackedWeights& w, const int32_t* bias_q,
                  const QGemmOutputSpec& out, int threads = 0);

// Activations gathered through pointers (the igemm kernels, kernels/qgemm_kernels.h): row i is ks
// segments of kc bytes, segment s at rows[i * ks + s] (offset bytes as in QGemmPackedActivations),
// with ks * kc == round_up(w.k(), 4). Pad columns of the weights (k_real < k) may see any byte <=
// max_byte; the row sums count the real columns only.
struct QGemmIndirectActivations {
  const uint8_t* const* rows = nullptr;
  int64_t ks = 1;
  int64_t kc = 4;
  int32_t zero_point = 0;             // of the offset bytes: 0..255
  const int32_t* row_sums = nullptr;  // m values over the real columns; required unless w.symmetric()
  int max_byte = 255;                 // an upper bound of every byte read; <= 127 allows the 7-bit kernel
};

// The same GEMM on gathered rows: m rows, blocked and threaded as qgemm_packed().
void qgemm_indirect(int64_t m, const QGemmIndirectActivations& a, const QGemmPackedWeights& w, const int32_t* bias_q,
                    const QGemmOutputSpec& out, int threads = 0);

}  // namespace octet::ops
