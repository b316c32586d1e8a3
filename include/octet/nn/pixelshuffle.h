// pixelshuffle.h: octet::nn::PixelShuffle and PixelUnshuffle, torch.nn's sub-pixel rearrangements.
#pragma once

#include <cstdint>
#include <string>

#include "octet/nn/cloneable.h"

namespace octet::nn {

// (*, C r^2, H, W) -> (*, C, H r, W r) through F::pixel_shuffle. upscale_factor must be > 0.
class PixelShuffle : public Cloneable<PixelShuffle> {
 public:
  explicit PixelShuffle(int64_t upscale_factor);
  Tensor forward(const Tensor& input) override;
  // "upscale_factor=2".
  std::string extra_repr() const override;
  int64_t upscale_factor() const { return upscale_factor_; }

 private:
  int64_t upscale_factor_;
};

// (*, C, H r, W r) -> (*, C r^2, H, W) through F::pixel_unshuffle. downscale_factor must be > 0.
class PixelUnshuffle : public Cloneable<PixelUnshuffle> {
 public:
  explicit PixelUnshuffle(int64_t downscale_factor);
  Tensor forward(const Tensor& input) override;
  // "downscale_factor=3".
  std::string extra_repr() const override;
  int64_t downscale_factor() const { return downscale_factor_; }

 private:
  int64_t downscale_factor_;
};

}  // namespace octet::nn
