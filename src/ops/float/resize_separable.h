// resize_separable.h: the separable resampling interpolate's modes share: taps per output position along one dim, applied W, then H, then D (internal).
//
// Every interpolating mode is separable: an output element along one dim is a weighted sum of a few
// input elements along that dim. The mode only decides the taps (which inputs, which weights);
// resample_separable applies them dim by dim, in the nesting ATen evaluates
//   y = sum over d of w_d * (sum over h of w_h * (sum over w of w_w * x)),
// each sum starting from its first tap's product (ATen's `out = t0 * w0; out += tj * wj`), so the
// float32 arithmetic matches PyTorch's.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace octet::functional::detail {

// The taps of every output position along one dim. Output o uses size[o] taps, stored from
// o * count on (count is the largest size[o]; a fixed-width mode has size[o] == count).
struct ResizeTaps {
  int64_t count = 1;
  std::vector<int64_t> size;    // [out]
  std::vector<int64_t> index;   // [out * count], input positions
  std::vector<float> weight;    // [out * count]

  // Room for `out` positions of up to `count` taps, each with `count` taps until set otherwise.
  void resize(int64_t out, int64_t taps_per_output);
};

// One output per input position with weight 1: for a dim the mode leaves unchanged. The products
// x * 1.0f are exact, so an identity pass copies its input bit for bit.
ResizeTaps identity_taps(int64_t n);

// ATen's compute_scales_value: 1 / scale_factor when one is in use (given and > 0), else in / out,
// as a float (the opmath type of float32 input).
float scale_value(std::optional<double> scale_factor, int64_t in, int64_t out);

// ATen's area_pixel_compute_scale: the input step per output step, (in - 1) / (out - 1) with
// align_corners (0 for a single output), else scale_value.
float area_pixel_scale(int64_t in, int64_t out, bool align_corners, std::optional<double> scale_factor);

// The taps of PyTorch's antialiased bilinear (cubic false) or bicubic (cubic true) resize of one
// dim from `in` to `out` positions (resize_antialias.cpp).
ResizeTaps antialias_taps(int64_t in, int64_t out, bool align_corners, std::optional<double> scale_factor, bool cubic);

// Resamples `planes` contiguous (D, H, W) planes of px into (OD, OH, OW) planes of py with
// taps[0] (D), taps[1] (H) and taps[2] (W), threaded over planes. `spatial` (1 to 3) says how many
// trailing dims are real: the passes over the others (sizes 1, identity taps) are skipped.
void resample_separable(const float* px, float* py, int64_t planes, const std::array<int64_t, 3>& in,
                        const std::array<int64_t, 3>& out, const std::array<ResizeTaps, 3>& taps, int64_t spatial);

}  // namespace octet::functional::detail
