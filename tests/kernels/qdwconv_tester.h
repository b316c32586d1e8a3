// qdwconv_tester.h: builder-style tester that runs a depthwise-convolution kernel against an inline int64 reference and the __scalar variant, demanding exact equality.
//
// Usage (as XNNPACK's DWConvMicrokernelTester):
//   QDwConvTester().channels(33).taps(9).pixels(3).input_zero_point(128).Test(kernel);
// The reference is computed from the raw (unpacked) int8 weights and their zero points:
//   acc = bias + sum_t (a - za)(w - zw)   in int64, then taken mod 2^32 (the kernel's int32),
//   q = clamp(nearbyint((float)acc * multiplier[c]) + zp, qmin, qmax)   (NUMERICS.md contract 2),
// so it checks the packing, the col_init algebra and the kernel at once. Rows sit at the end of
// guard-paged buffers (over-reads fault); the output is poisoned and its gap bytes between pixels
// must stay untouched. A failure prints the pixel, channel, values, parameters and the seed.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/qdwconv_kernels.h"
#include "kernels/quantize_tester.h"

namespace octet::kernels::test {

class QDwConvTester {
 public:
  QDwConvTester& channels(size_t v) { channels_ = v; return *this; }
  QDwConvTester& taps(size_t v) { taps_ = v; return *this; }
  QDwConvTester& pixels(size_t v) { pixels_ = v; return *this; }
  // Pointers between consecutive pixels' tap lists (0: taps, one list each; less: shared taps).
  QDwConvTester& input_stride(size_t v) { input_stride_ = v; return *this; }
  // Bytes between output pixels (0: channels, i.e. packed).
  QDwConvTester& output_stride(size_t v) { output_stride_ = v; return *this; }
  QDwConvTester& input_zero_point(int32_t v) { input_zero_point_ = v; return *this; }
  // Per-tensor weight zero point; per_channel_weights(true) draws one per channel instead.
  QDwConvTester& weight_zero_point(int32_t v) { weight_zero_point_ = v; return *this; }
  QDwConvTester& per_channel_weights(bool v) { per_channel_weights_ = v; return *this; }
  QDwConvTester& output(QDwConvOutput v) { output_ = v; return *this; }
  QDwConvTester& output_zero_point(int32_t v) { output_zero_point_ = v; return *this; }
  QDwConvTester& qmin(int32_t v) { qmin_ = v; return *this; }
  QDwConvTester& qmax(int32_t v) { qmax_ = v; return *this; }
  // Probability that a tap points at the zero-point row (padding).
  QDwConvTester& padding_fraction(double v) { padding_fraction_ = v; return *this; }
  // Added by the kernel to every non-padding row pointer.
  QDwConvTester& input_offset(size_t v) { input_offset_ = v; return *this; }
  // Every activation 255 (or 0 with a 255 zero point ...) and every weight -128: the extreme products.
  QDwConvTester& saturating(bool v) { saturating_ = v; return *this; }
  // Multipliers drawn log-uniformly in [lo, hi].
  QDwConvTester& multiplier_range(float lo, float hi) { mult_lo_ = lo; mult_hi_ = hi; return *this; }
  QDwConvTester& seed(uint64_t v) { seed_ = v; return *this; }

  // Runs `kernel` and, when given, `scalar` on the same inputs and compares both with the reference.
  void Test(const QDwConvKernel& kernel, const QDwConvKernel* scalar = nullptr) const {
    const uint64_t seed = mix_seed(seed_, channels_ * 1000003 + taps_ * 101 + pixels_);
    std::mt19937_64 rng(seed);
    const size_t stride = output_stride_ == 0 ? channels_ : output_stride_;
    const size_t rows_count = taps_ + 3;  // distinct input pixels to point at
    const size_t row_bytes = channels_ + 5;  // rows are not packed: an odd pitch
    GuardedBuffer<uint8_t> input(input_offset_ + rows_count * row_bytes);
    GuardedBuffer<uint8_t> zero(channels_);
    std::uniform_int_distribution<int> byte(0, 255);
    for (size_t i = 0; i < input.size(); ++i) input[i] = static_cast<uint8_t>(saturating_ ? 255 : byte(rng));
    // The last row ends at the guard page, so a kernel reading past `channels` faults.
    const uint8_t* row_base = input.data() + input.size() - input_offset_ - rows_count * row_bytes + 5;
    for (size_t c = 0; c < channels_; ++c) zero[c] = static_cast<uint8_t>(input_zero_point_);

    const size_t step = input_stride_ == 0 ? taps_ : input_stride_;
    std::vector<const uint8_t*> indirection((pixels_ - 1) * step + taps_);
    std::bernoulli_distribution pad(padding_fraction_);
    std::uniform_int_distribution<size_t> pick_row(0, rows_count - 1);
    for (auto& p : indirection) p = pad(rng) ? zero.data() : row_base + pick_row(rng) * row_bytes;

    std::vector<int8_t> w(channels_ * taps_);
    std::uniform_int_distribution<int> wbyte(-128, 127);
    for (auto& v : w) v = static_cast<int8_t>(saturating_ ? -128 : wbyte(rng));
    std::vector<int32_t> zw(channels_, weight_zero_point_);
    if (per_channel_weights_) {
      for (auto& z : zw) z = wbyte(rng);
    }
    std::vector<int32_t> bias(channels_);
    std::uniform_int_distribution<int32_t> bias_dist(-100000, 100000);
    for (auto& b : bias) b = bias_dist(rng);
    std::vector<float> multiplier(channels_);
    std::uniform_real_distribution<double> log_mult(std::log(mult_lo_), std::log(mult_hi_));
    for (auto& m : multiplier) m = static_cast<float>(std::exp(log_mult(rng)));

    GuardedBuffer<int32_t> packed(qdwconv_packed_size(channels_, taps_));
    std::vector<int32_t> w_sum(channels_), col_init(channels_);
    qdwconv_pack_weights(channels_, taps_, w.data(), taps_, zw.data(), /*per_channel=*/true, packed.data(),
                         w_sum.data());
    for (size_t c = 0; c < channels_; ++c) {
      col_init[c] = static_cast<int32_t>(static_cast<uint32_t>(bias[c]) -
                                         static_cast<uint32_t>(input_zero_point_) * static_cast<uint32_t>(w_sum[c]));
    }

    // The reference.
    std::vector<int32_t> expected(pixels_ * channels_);
    for (size_t px = 0; px < pixels_; ++px) {
      for (size_t c = 0; c < channels_; ++c) {
        int64_t acc = bias[c];
        for (size_t t = 0; t < taps_; ++t) {
          const uint8_t* r = indirection[px * step + t];
          const int64_t a = r == zero.data() ? input_zero_point_ : r[input_offset_ + c];
          acc += (a - input_zero_point_) * (static_cast<int64_t>(w[c * taps_ + t]) - zw[c]);
        }
        const auto acc32 = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(acc)));
        float v = std::nearbyint(static_cast<float>(acc32) * multiplier[c]) + static_cast<float>(output_zero_point_);
        v = std::fmin(std::fmax(v, static_cast<float>(qmin_)), static_cast<float>(qmax_));
        expected[px * channels_ + c] = static_cast<int32_t>(v);
      }
    }

    QDwConvParams params;
    params.output = output_;
    params.multiplier = multiplier.data();
    params.zero_point = output_zero_point_;
    params.qmin = qmin_;
    params.qmax = qmax_;
    auto run = [&](const QDwConvKernel& k, std::vector<int32_t>& got) {
      GuardedBuffer<uint8_t> out(pixels_ * stride);
      out.poison(0xA5);
      // The pointers lack input_offset: the kernel adds it to every row but the zero row.
      k.fn(channels_, pixels_, taps_, indirection.data(), step, input_offset_, zero.data(), packed.data(), col_init.data(),
           out.data(), stride, &params);
      got.assign(pixels_ * channels_, 0);
      for (size_t px = 0; px < pixels_; ++px) {
        for (size_t c = 0; c < channels_; ++c) {
          const uint8_t b = out[px * stride + c];
          got[px * channels_ + c] = output_ == QDwConvOutput::QU8 ? b : static_cast<int8_t>(b);
        }
        for (size_t c = channels_; c < stride && px * stride + c < out.size(); ++c) {
          ASSERT_EQ(out[px * stride + c], 0xA5) << k.name << " wrote past channel " << channels_ << " of pixel " << px
                                                << " (byte " << c << ")" << describe(seed);
        }
      }
    };
    std::vector<int32_t> got, got_scalar;
    run(kernel, got);
    if (scalar != nullptr) run(*scalar, got_scalar);
    for (size_t i = 0; i < expected.size(); ++i) {
      ASSERT_EQ(got[i], expected[i]) << kernel.name << ": pixel " << i / channels_ << ", channel " << i % channels_
                                     << " multiplier " << multiplier[i % channels_] << describe(seed);
      if (scalar != nullptr) {
        ASSERT_EQ(got[i], got_scalar[i]) << kernel.name << " vs " << scalar->name << ": pixel " << i / channels_
                                         << ", channel " << i % channels_ << describe(seed);
      }
    }
  }

 private:
  std::string describe(uint64_t seed) const {
    std::ostringstream os;
    os << " (channels " << channels_ << ", taps " << taps_ << ", pixels " << pixels_ << ", input_stride "
       << input_stride_ << ", za " << input_zero_point_
       << ", zw " << (per_channel_weights_ ? std::string("per-channel") : std::to_string(weight_zero_point_))
       << ", out " << (output_ == QDwConvOutput::QU8 ? "qu8" : "qs8") << " zp " << output_zero_point_ << " ["
       << qmin_ << ", " << qmax_ << "], input_offset " << input_offset_ << ", case seed " << seed
       << "; rerun with OCTET_TEST_SEED=" << seed_ << ")";
    return os.str();
  }

  size_t channels_ = 16;
  size_t taps_ = 9;
  size_t pixels_ = 1;
  size_t input_stride_ = 0;
  size_t output_stride_ = 0;
  int32_t input_zero_point_ = 0;
  int32_t weight_zero_point_ = 0;
  bool per_channel_weights_ = false;
  QDwConvOutput output_ = QDwConvOutput::QU8;
  int32_t output_zero_point_ = 0;
  int32_t qmin_ = 0;
  int32_t qmax_ = 255;
  double padding_fraction_ = 0.2;
  size_t input_offset_ = 0;
  bool saturating_ = false;
  float mult_lo_ = 1e-4f;
  float mult_hi_ = 1e-2f;
  uint64_t seed_ = test_seed();
};

}  // namespace octet::kernels::test
