// conv_packed.h: what a ConvPackedParams holds, the convolution geometry and the compute paths of the quantized convolutions (internal).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "kernels/qgemm_kernels.h"
#include "octet/quantized/conv.h"
#include "ops/quantized/qgemm_driver.h"

namespace octet::quantized {

// A convolution over 3 spatial dims (depth, height, width); conv1d and conv2d are the cases with
// size-1 leading dims (kernel 1, stride 1, no padding there). Activations are channels-last:
// pixel (n, d, h, w) is a run of C bytes at ((n * D + d) * H + h) * W + w times C.
struct QConvGeom {
  int64_t batch = 1;
  int64_t in_channels = 1;
  int64_t out_channels = 1;
  int64_t groups = 1;
  int64_t in[3] = {1, 1, 1};
  int64_t kernel[3] = {1, 1, 1};
  int64_t stride[3] = {1, 1, 1};
  int64_t dilation[3] = {1, 1, 1};
  int64_t pad[3] = {0, 0, 0};
  int64_t out[3] = {1, 1, 1};

  int64_t in_pixels() const { return in[0] * in[1] * in[2]; }
  int64_t out_pixels() const { return out[0] * out[1] * out[2]; }
  int64_t taps() const { return kernel[0] * kernel[1] * kernel[2]; }
  int64_t group_in() const { return in_channels / groups; }
  int64_t group_out() const { return out_channels / groups; }
};

// Per-call constants that depend only on (input scale, output scale): the int32 bias and the
// requantization multipliers, one per output channel. A model calls a layer with the same qparams
// every time, so the last pair is kept.
struct ConvRequant {
  double input_scale = 0;
  double output_scale = 0;
  std::vector<int32_t> bias_q;    // out_channels values (empty without a bias)
  std::vector<float> multiplier;  // out_channels values
};

// The output stage of one call (dtype range, ReLU folded into qmin).
struct ConvOutputStage {
  bool is_signed = false;  // qint8 (else quint8)
  int32_t zero_point = 0;
  int32_t qmin = 0;
  int32_t qmax = 255;
};

struct ConvPackedParams::Impl {
  int spatial = 2;
  bool transposed = false;
  Shape stride, padding, output_padding, dilation, kernel;  // spatial values each
  int64_t groups = 1;
  int64_t in_channels = 0;
  int64_t out_channels = 0;

  Tensor weight;                     // the original qint8 weight, contiguous (unpack clones it)
  QuantizerPtr quantizer;            // the weight's, as given
  std::vector<double> scales;        // out_channels weight scales (per-tensor: repeated)
  std::vector<int32_t> zero_points;  // out_channels weight zero points (per-tensor: repeated)
  bool per_channel = false;
  Tensor bias;                       // float32 [out_channels] or undefined
  std::vector<float> bias_values;    // the same floats (empty without a bias)

  // Which compute path the geometry takes (decided at prepack; the input never changes it).
  enum class Path { Gemm, Depthwise, Transposed };
  Path path = Path::Gemm;

  // Gemm: one packed matrix per group, cog rows of K = taps * cig bytes in (kd, kh, kw, c) order,
  // so each tap is a contiguous run of cig channels of one input pixel (the im2col row order).
  // Transposed: one per group, taps * cog rows (tap-major: row t * cog + co) of cig bytes.
  std::vector<std::unique_ptr<ops::QGemmPackedWeights>> gemm;
  // Gemm: > 0 when the layer runs on the igemm kernels (conv_igemm), the bytes of one segment: a
  // kernel row of KW * C_in input bytes rounded up to a multiple of 4 (the weights' K is laid out
  // in such segments); 0 for im2col (or the 1x1 rows in place). Decided at prepack from the geometry.
  int64_t igemm_kc = 0;

  // Depthwise (one input channel per group, any channel multiplier): the c1 layout of
  // kernels/qdwconv_kernels.h over out_channels channels, and sum_t (w - zw) per channel.
  std::vector<int32_t> dw_weights;
  std::vector<int32_t> dw_weight_sums;
  // The same weights for the row-quad kernels (kernels/qdwconv_kernels.h): 3 kernel rows of at most
  // 4 taps, no width dilation, every w - zw inside int8; empty otherwise.
  std::vector<int8_t> dw_rowq_weights;

  // The ConvRequant for (input_scale, output_scale), computed on a miss. Thread-safe.
  std::shared_ptr<const ConvRequant> requant(double input_scale, double output_scale, const char* where) const;

 private:
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const ConvRequant> last_;
};

// A channels-last view of the input bytes: `data` points at pixel 0 of image 0, pixels of
// in_channels bytes each, images back to back. Holds the copy when one was needed.
struct ChannelsLastInput {
  const uint8_t* data = nullptr;
  Tensor keep;                 // the tensor data points into
  std::vector<uint8_t> copy;   // when the input had to be rearranged (or flipped / repeated)
};
// x: quantized (N, C, D, H, W) view (5-D). Reads in place when x's memory is channels-last and
// flip == 0 and repeat == 1; otherwise copies, XOR-ing every byte with flip and writing each
// channel `repeat` times (channel c becomes channels c * repeat .. c * repeat + repeat - 1).
ChannelsLastInput channels_last_input(const Tensor& x, uint8_t flip, int64_t repeat);

// The igemm segment length for a Gemm-path layer (Impl::igemm_kc), or 0 when it runs on im2col.
int64_t conv_igemm_segment_bytes(const ConvPackedParams::Impl& p);

// The compute paths; `out` is the channels-last output (N x out_pixels rows of out_channels bytes).
void conv_gemm(const ConvPackedParams::Impl& p, const QConvGeom& g, const uint8_t* x, int32_t x_zero_point,
               bool x_signed, const ConvRequant& rq, const ConvOutputStage& st, uint8_t* out);
// The igemm path (p.igemm_kc > 0): x holds offset bytes (qint8 already flipped by 0x80), za_off their
// zero point (qint8: za + 128).
void conv_igemm(const ConvPackedParams::Impl& p, const QConvGeom& g, const uint8_t* x, int32_t za_off,
                const ConvRequant& rq, const ConvOutputStage& st, uint8_t* out);
void conv_depthwise(const ConvPackedParams::Impl& p, const QConvGeom& g, const Tensor& x5, int32_t x_zero_point,
                    bool x_signed, const ConvRequant& rq, const ConvOutputStage& st, uint8_t* out);
void conv_transpose_gemm(const ConvPackedParams::Impl& p, const QConvGeom& g, const uint8_t* x,
                         int32_t x_zero_point, bool x_signed, const ConvRequant& rq, const ConvOutputStage& st,
                         uint8_t* out);

}  // namespace octet::quantized
