// upsampling.h: octet::nn::Upsample, torch.nn.Upsample.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "octet/nn/cloneable.h"

namespace octet::nn {

// The arguments of torch.nn.Upsample (all keywords there). Exactly one of size and scale_factor is
// given, one value for every spatial dim or one per dim. mode: "nearest", "nearest-exact", "linear"
// (3-D input), "bilinear" / "bicubic" (4-D), "trilinear" (5-D), "area" (adaptive average pooling,
// 3-D to 5-D); align_corners only with the interpolating modes. Like torch.nn.Upsample it has no
// antialias argument (call F::interpolate for that).
//   nn::Upsample({.scale_factor = {2}})    nn::Upsample({.size = {7, 9}, .mode = "bilinear", .align_corners = true})
struct UpsampleOptions {
  Shape size = {};
  std::vector<double> scale_factor = {};
  std::string mode = "nearest";
  std::optional<bool> align_corners = std::nullopt;
  std::optional<bool> recompute_scale_factor = std::nullopt;
};

// Resizes the spatial dims of an (N, C, *spatial) float32 input through F::interpolate. A quantized
// input runs the quantized op (PyTorch's dispatch by dtype): modes nearest and bilinear on 4-D input,
// the output keeping the input's qparams; other modes are an Error.
class Upsample : public Cloneable<Upsample> {
 public:
  // An Error when both or neither of size and scale_factor are given, for an unknown mode, or for
  // align_corners with a non-interpolating mode.
  explicit Upsample(UpsampleOptions options);
  Tensor forward(const Tensor& input) override;
  // "scale_factor=2.0, mode='nearest'" or "size=(7, 9), mode='bilinear'".
  std::string extra_repr() const override;
  const UpsampleOptions& options() const { return options_; }

 private:
  UpsampleOptions options_;
};

}  // namespace octet::nn
